//! Reading and validating a baseline: the YAML is parsed with the position
//! of every node, deserialized with unknown fields rejected, then checked for
//! what the API server (or the renderer) would refuse. Every error is one
//! line naming `file:line:column` of the offending value and what would be
//! accepted.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

use super::{
    template, Allow, Baseline, Peer, PolicyType, Port, PortValue, Profile, SelectorSpec,
    API_VERSION, KIND,
};
use crate::error::{Error, Result};
use crate::quantity::Quantity;
use crate::yaml::Spanned;

/// Names of the NetworkPolicies the renderer makes itself.
const BUILTIN_POLICIES: [&str; 5] = [
    crate::reserved::DEFAULT_DENY,
    crate::reserved::ALLOW_DNS,
    crate::reserved::ALLOW_SAME_NAMESPACE,
    crate::reserved::ALLOW_INGRESS_CONTROLLER,
    crate::reserved::ALLOW_API_SERVER,
];

struct Checker<'a> {
    doc: &'a Spanned,
    path: &'a str,
}

/// JSON pointer of a path of keys (`~` and `/` escaped).
fn ptr(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push('/');
        out.push_str(&p.replace('~', "~0").replace('/', "~1"));
    }
    out
}

impl Checker<'_> {
    fn err(&self, pointer: &str, message: impl std::fmt::Display) -> Error {
        self.doc.error_at(self.path, pointer, message)
    }

    fn ensure(&self, ok: bool, pointer: &str, message: impl FnOnce() -> String) -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(self.err(pointer, message()))
        }
    }

    fn label_key(&self, pointer: &str, what: &str, key: &str) -> Result<()> {
        crate::names::validate_label_key(key).map_err(|e| self.err(pointer, format!("{what}: {e}")))
    }

    fn label_value(&self, pointer: &str, what: &str, value: &str) -> Result<()> {
        if value.contains(['{', '}']) {
            return Ok(()); // checked once expanded
        }
        crate::names::validate_label_value(value)
            .map_err(|e| self.err(pointer, format!("{what}: {e}")))
    }

    fn selector_map(&self, pointer: &str, what: &str, m: &BTreeMap<String, String>) -> Result<()> {
        for (k, v) in m {
            let at = format!("{pointer}{}", ptr(&[k]));
            self.label_key(&at, what, k)?;
            self.label_value(&at, what, v)?;
        }
        Ok(())
    }

    fn quantity(&self, pointer: &str, what: &str, v: &str) -> Result<Quantity> {
        Quantity::parse(v).map_err(|e| self.err(pointer, format!("{what}: {e}")))
    }
}

pub(super) fn parse(text: &str, path: &str) -> Result<Baseline> {
    let doc = crate::yaml::parse_spanned(text, path)?;
    let mut b: Baseline = doc.deserialize(path)?;
    let c = Checker { doc: &doc, path };
    c.ensure(b.api_version == API_VERSION, "/apiVersion", || {
        format!(
            "apiVersion {:?} is not supported (expected {API_VERSION})",
            b.api_version
        )
    })?;
    c.ensure(b.kind == KIND, "/kind", || {
        format!("kind {:?} is not {KIND}", b.kind)
    })?;
    let spec = &b.spec;
    c.ensure(!spec.profiles.is_empty(), "/spec/profiles", || {
        "spec.profiles is empty".into()
    })?;
    let known = b.known_profiles();
    c.ensure(
        spec.profiles.contains_key(&spec.default_profile),
        "/spec/defaultProfile",
        || {
            format!(
                "spec.defaultProfile {:?} is not a profile (profiles: {known})",
                spec.default_profile
            )
        },
    )?;
    let mut compiled = Vec::new();
    for (i, rule) in spec.profile_rules.iter().enumerate() {
        let at = |f: &str| ptr(&["spec", "profileRules", &i.to_string(), f]);
        c.ensure(
            spec.profiles.contains_key(&rule.profile),
            &at("profile"),
            || {
                format!(
                    "spec.profileRules[{i}].profile {:?} is not a profile (profiles: {known})",
                    rule.profile
                )
            },
        )?;
        let anchored = format!("^(?:{})$", rule.pattern);
        let re = Regex::new(&anchored).map_err(|e| {
            c.err(
                &at("pattern"),
                format!(
                    "spec.profileRules[{i}].pattern {:?} is not a valid regular expression: {}",
                    rule.pattern,
                    e.to_string().lines().last().unwrap_or_default()
                ),
            )
        })?;
        compiled.push(re);
    }
    b.compiled_rules = compiled;
    let spec = &b.spec;
    for (i, key) in spec.required_labels.iter().enumerate() {
        c.label_key(
            &ptr(&["spec", "requiredLabels", &i.to_string()]),
            "spec.requiredLabels",
            key,
        )?;
    }
    c.label_key("/spec/envLabel", "spec.envLabel", &spec.env_label)?;
    let lc = &spec.lifecycle;
    c.label_key(
        "/spec/lifecycle/createdAtAnnotation",
        "spec.lifecycle.createdAtAnnotation",
        &lc.created_at_annotation,
    )?;
    c.label_key(
        "/spec/lifecycle/expiresAtAnnotation",
        "spec.lifecycle.expiresAtAnnotation",
        &lc.expires_at_annotation,
    )?;
    c.label_key(
        "/spec/lifecycle/managedBy/label",
        "spec.lifecycle.managedBy.label",
        &lc.managed_by.label,
    )?;
    c.label_value(
        "/spec/lifecycle/managedBy/value",
        "spec.lifecycle.managedBy.value",
        &lc.managed_by.value,
    )?;
    network(&c, &b)?;
    c.ensure(
        !spec.rbac.team_group.is_empty(),
        "/spec/rbac/teamGroup",
        || "spec.rbac.teamGroup is empty".into(),
    )?;
    match &spec.rbac.team_role {
        None => c.ensure(!spec.rbac.rules.is_empty(), "/spec/rbac/rules", || {
            "spec.rbac.rules is empty: give the team Role rules, or bind a ClusterRole with spec.rbac.teamRole.clusterRole".into()
        })?,
        Some(t) => {
            c.ensure(spec.rbac.rules.is_empty(), "/spec/rbac/rules", || {
                "spec.rbac.rules and spec.rbac.teamRole are exclusive: the team gets either a Role of these rules or the ClusterRole".into()
            })?;
            c.ensure(
                // RBAC names are path segments: no '/', no '%', not . or ..
                !t.cluster_role.is_empty()
                    && !t.cluster_role.contains(['/', '%'])
                    && t.cluster_role != "."
                    && t.cluster_role != "..",
                "/spec/rbac/teamRole/clusterRole",
                || format!("spec.rbac.teamRole.clusterRole {:?} is not a ClusterRole name", t.cluster_role),
            )?;
            c.ensure(
                t.cluster_role != "cluster-admin",
                "/spec/rbac/teamRole/clusterRole",
                || "spec.rbac.teamRole.clusterRole cluster-admin would give the team everything in the namespace, including the baseline's own objects (use admin, edit or view)".into(),
            )?;
        }
    }
    for (name, p) in &spec.profiles {
        profile(&c, &b, name, p)?;
    }
    if let Some(a) = spec.gitops.as_ref().and_then(|g| g.argocd.as_ref()) {
        argocd(&c, &b, a)?;
    }
    waivers(&c, &b)?;
    Ok(b)
}

/// `spec.waivers`: known checks, readable expiries and selectors, names
/// that are namespace names. A missing reason or a past expiry is an audit
/// finding, not a baseline error: the baseline stays usable.
fn waivers(c: &Checker<'_>, b: &Baseline) -> Result<()> {
    for (i, w) in b.spec.waivers.iter().enumerate() {
        let at = |f: &str| ptr(&["spec", "waivers", &i.to_string(), f]);
        c.ensure(crate::checks::waivable(&w.check), &at("check"), || {
            format!(
                "spec.waivers[{i}].check {:?} is not a check ID or a category followed by .* (see kubectl ns-policy audit -o json for check IDs)",
                w.check
            )
        })?;
        if let Some(e) = &w.expires {
            c.ensure(super::parse_time(e).is_some(), &at("expires"), || {
                format!(
                    "spec.waivers[{i}].expires {e:?} is not a date (expected 2027-03-01 or RFC 3339)"
                )
            })?;
        }
        for (j, n) in w.namespaces.iter().enumerate() {
            crate::names::validate_namespace_name(n).map_err(|e| {
                c.err(
                    &ptr(&[
                        "spec",
                        "waivers",
                        &i.to_string(),
                        "namespaces",
                        &j.to_string(),
                    ]),
                    format!("spec.waivers[{i}].namespaces[{j}]: {e}"),
                )
            })?;
        }
        if let Some(sel) = &w.namespace_selector {
            crate::selector::parse(sel).map_err(|e| {
                c.err(
                    &at("namespaceSelector"),
                    format!("spec.waivers[{i}].namespaceSelector {sel:?}: {e}"),
                )
            })?;
        }
    }
    Ok(())
}

fn network(c: &Checker<'_>, b: &Baseline) -> Result<()> {
    let net = &b.spec.network;
    crate::names::validate_namespace_name(&net.dns.namespace).map_err(|e| {
        c.err(
            "/spec/network/dns/namespace",
            format!("spec.network.dns.namespace: {e}"),
        )
    })?;
    c.selector_map(
        "/spec/network/dns/podSelector",
        "spec.network.dns.podSelector",
        &net.dns.pod_selector,
    )?;
    let ic = &net.ingress_controller;
    crate::names::validate_namespace_name(&ic.namespace).map_err(|e| {
        c.err(
            "/spec/network/ingressController/namespace",
            format!("spec.network.ingressController.namespace: {e}"),
        )
    })?;
    c.selector_map(
        "/spec/network/ingressController/podSelector",
        "spec.network.ingressController.podSelector",
        &ic.pod_selector,
    )?;
    for (list, at) in [
        (&net.dns.ports, "/spec/network/dns/ports"),
        (&ic.ports, "/spec/network/ingressController/ports"),
    ] {
        for (i, p) in list.iter().enumerate() {
            c.ensure(*p != 0, &format!("{at}/{i}"), || {
                "port 0 is not a port (1-65535)".into()
            })?;
        }
    }
    if let Some(api) = &net.api_server {
        c.ensure(!api.cidrs.is_empty(), "/spec/network/apiServer/cidrs", || {
            "spec.network.apiServer.cidrs is empty: list the API server endpoints' addresses (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes)".into()
        })?;
        for (i, cidr) in api.cidrs.iter().enumerate() {
            cidr_ok(c, &format!("/spec/network/apiServer/cidrs/{i}"), cidr)?;
        }
        c.ensure(
            !api.ports.is_empty(),
            "/spec/network/apiServer/ports",
            || "spec.network.apiServer.ports is empty (e.g. [443, 6443])".into(),
        )?;
        for (i, p) in api.ports.iter().enumerate() {
            c.ensure(
                *p != 0,
                &format!("/spec/network/apiServer/ports/{i}"),
                || "port 0 is not a port (1-65535)".into(),
            )?;
        }
    }
    Ok(())
}

fn cidr_ok(c: &Checker<'_>, at: &str, cidr: &str) -> Result<crate::netpol::Cidr> {
    crate::netpol::Cidr::parse(cidr).ok_or_else(|| {
        c.err(
            at,
            format!("{cidr:?} is not a CIDR (e.g. 10.0.0.0/8, 0.0.0.0/0, fd00::/8)"),
        )
    })
}

/// The variables a profile's templates may use, without and with the
/// profile's fixed labels.
fn variables(b: &Baseline, profile: &str, p: &Profile) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut base: BTreeSet<String> = ["name", "profile"].iter().map(|s| s.to_string()).collect();
    base.extend(b.capture_names(profile));
    base.extend(b.spec.required_labels.iter().cloned());
    base.insert(b.spec.env_label.clone());
    let mut with_labels = base.clone();
    with_labels.extend(p.labels.keys().cloned());
    (base, with_labels)
}

fn templates_ok(
    c: &Checker<'_>,
    value: &serde_json::Value,
    at: &str,
    vars: &BTreeSet<String>,
) -> Result<()> {
    let mut all = Vec::new();
    template::strings(value, at, &mut all);
    for (pointer, s) in all {
        let used = template::variables(s).map_err(|e| c.err(&pointer, e))?;
        for v in used {
            c.ensure(vars.contains(v), &pointer, || {
                format!(
                    "{{{v}}} is not a variable here (variables: {}; name rule captures like (?P<{v}>...) add more)",
                    vars.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })?;
        }
    }
    Ok(())
}

fn argocd(c: &Checker<'_>, b: &Baseline, a: &super::ArgoCdSpec) -> Result<()> {
    let at = |f: &str| format!("/spec/gitops/argocd/{f}");
    c.ensure(
        crate::names::validate_namespace_name(&a.namespace).is_ok(),
        &at("namespace"),
        || {
            format!(
                "spec.gitops.argocd.namespace {:?} is not a namespace name",
                a.namespace
            )
        },
    )?;
    let (needs, other) = match a.per {
        super::ProjectScope::Team => ("{team}", "team"),
        super::ProjectScope::Namespace => ("{namespace}", "namespace"),
    };
    let names_it = a.project.contains(needs)
        || (a.per == super::ProjectScope::Namespace && a.project.contains("{name}"));
    c.ensure(names_it, &at("project"), || {
        format!(
            "spec.gitops.argocd.project {:?} must contain {needs}: one project per {other} needs a name per {other}",
            a.project
        )
    })?;
    c.ensure(!a.source_repos.is_empty(), &at("sourceRepos"), || {
        "spec.gitops.argocd.sourceRepos is empty: Applications of the project could deploy from nowhere (list the team's repositories, e.g. https://git.example.com/{team}/*)".into()
    })?;
    c.ensure(!a.server.is_empty(), &at("server"), || {
        "spec.gitops.argocd.server is empty (the API server URL Applications name, e.g. https://kubernetes.default.svc)".into()
    })?;
    for (i, p) in a.protected_profiles.iter().enumerate() {
        c.ensure(
            b.spec.profiles.contains_key(p),
            &at(&format!("protectedProfiles/{i}")),
            || {
                format!(
                    "spec.gitops.argocd.protectedProfiles[{i}] {p:?} is not a profile of the baseline (profiles: {})",
                    b.spec.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            },
        )?;
    }
    Ok(())
}

fn profile(c: &Checker<'_>, b: &Baseline, name: &str, p: &Profile) -> Result<()> {
    let at = |parts: &[&str]| {
        let mut all = vec!["spec", "profiles", name];
        all.extend_from_slice(parts);
        ptr(&all)
    };
    let what = |field: &str| format!("spec.profiles.{name}.{field}");
    if let Some(ttl) = &p.ttl {
        super::parse_duration(ttl)
            .and_then(|d| super::expires_at(chrono::Utc::now(), d))
            .map_err(|e| c.err(&at(&["ttl"]), format!("{}: {e}", what("ttl"))))?;
    }
    if let Some(g) = p
        .workloads
        .as_ref()
        .and_then(|w| w.min_termination_grace_period_seconds)
    {
        c.ensure(
            g >= 0,
            &at(&["workloads", "minTerminationGracePeriodSeconds"]),
            || {
                format!(
                    "{} is {g}: expected seconds >= 0",
                    what("workloads.minTerminationGracePeriodSeconds")
                )
            },
        )?;
    }
    crate::pss::parse_version(&p.pod_security.version).map_err(|e| {
        c.err(
            &at(&["podSecurity", "version"]),
            format!("{}: {e}", what("podSecurity.version")),
        )
    })?;
    for (k, v) in &p.quota {
        c.quantity(&at(&["quota", k]), &what(&format!("quota.{k}")), v)?;
    }
    for (field, map) in [
        ("default", &p.limit_range.default),
        ("defaultRequest", &p.limit_range.default_request),
        ("max", &p.limit_range.max),
        ("min", &p.limit_range.min),
        (
            "maxLimitRequestRatio",
            &p.limit_range.max_limit_request_ratio,
        ),
    ] {
        for (k, v) in map {
            c.quantity(
                &at(&["limitRange", field, k]),
                &what(&format!("limitRange.{field}.{k}")),
                v,
            )?;
        }
    }
    // What the API server would refuse of the ResourceQuota and LimitRange
    // rendered from this profile.
    if let Some(e) = profile_api_errors(p).into_iter().next() {
        let (pointer, field) = baseline_field(&e.field);
        return Err(c.err(
            &at(&pointer.iter().map(String::as_str).collect::<Vec<_>>()),
            format!("{}: {}", what(&field), e.detail),
        ));
    }
    let (base_vars, all_vars) = variables(b, name, p);
    for (k, v) in &p.labels {
        let a = at(&["labels", k]);
        c.label_key(&a, &what("labels"), k)?;
        c.label_value(&a, &what("labels"), v)?;
    }
    for k in p.annotations.keys() {
        c.label_key(&at(&["annotations", k]), &what("annotations"), k)?;
    }
    templates_ok(c, &json(&p.labels), &at(&["labels"]), &base_vars)?;
    templates_ok(c, &json(&p.annotations), &at(&["annotations"]), &all_vars)?;
    templates_ok(
        c,
        &json(&p.network.allows),
        &at(&["network", "allows"]),
        &all_vars,
    )?;
    templates_ok(c, &json(&p.rbac), &at(&["rbac"]), &all_vars)?;
    profile_network(c, b, name, p, &at)?;
    profile_rbac(c, b, p, &at)?;
    for (i, s) in p.audit.skip.iter().enumerate() {
        let ok = crate::checks::check_info(s).is_some()
            || crate::checks::Category::ALL
                .iter()
                .any(|cat| s == cat.as_str() || s.strip_suffix(".*") == Some(cat.as_str()));
        c.ensure(ok, &at(&["audit", "skip", &i.to_string()]), || {
            format!(
                "{}: {s:?} is neither a check ID (kubectl ns-policy audit -o json lists them) nor a category ({})",
                what("audit.skip"),
                crate::checks::Category::ALL.map(|c| c.as_str()).join(", ")
            )
        })?;
    }
    Ok(())
}

/// What the API server would refuse of the ResourceQuota and the Container
/// LimitRange item a profile renders.
pub(crate) fn profile_api_errors(p: &Profile) -> Vec<crate::apivalidation::FieldError> {
    let lr = &p.limit_range;
    let mut errors = crate::apivalidation::resource_quota_hard(&p.quota);
    errors.extend(crate::apivalidation::limit_range_item(
        0,
        &[
            ("default", &lr.default),
            ("defaultRequest", &lr.default_request),
            ("max", &lr.max),
            ("min", &lr.min),
            ("maxLimitRequestRatio", &lr.max_limit_request_ratio),
        ],
    ));
    errors
}

/// The profile path of a field of the rendered quota or LimitRange:
/// `spec.hard[pods]` -> (`quota`, `pods`), `spec.limits[0].max[cpu]` ->
/// (`limitRange`, `max`, `cpu`), as JSON pointer parts and a dotted name.
pub(crate) fn baseline_field(field: &str) -> (Vec<String>, String) {
    let key = |s: &str| {
        s.split_once('[')
            .map(|(head, rest)| (head.to_string(), rest.trim_end_matches(']').to_string()))
    };
    if let Some(rest) = field.strip_prefix("spec.hard") {
        if let Some((_, r)) = key(rest) {
            return (vec!["quota".into(), r.clone()], format!("quota.{r}"));
        }
    }
    if let Some(rest) = field.strip_prefix("spec.limits[0].") {
        if let Some((section, r)) = key(rest) {
            return (
                vec!["limitRange".into(), section.clone(), r.clone()],
                format!("limitRange.{section}.{r}"),
            );
        }
    }
    (Vec::new(), field.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

fn profile_network(
    c: &Checker<'_>,
    b: &Baseline,
    name: &str,
    p: &Profile,
    at: &dyn Fn(&[&str]) -> String,
) -> Result<()> {
    let net = &p.network;
    let mut seen = BTreeSet::new();
    for (i, d) in net.isolation.iter().enumerate() {
        c.ensure(
            seen.insert(*d),
            &at(&["network", "isolation", &i.to_string()]),
            || {
                format!(
                    "spec.profiles.{name}.network.isolation lists {} twice",
                    d.as_str()
                )
            },
        )?;
    }
    if net.allow_api_server {
        c.ensure(b.spec.network.api_server.is_some(), &at(&["network", "allowApiServer"]), || {
            "allowApiServer needs spec.network.apiServer (the API server endpoints' CIDRs and ports)".into()
        })?;
        c.ensure(net.isolates(PolicyType::Egress), &at(&["network", "allowApiServer"]), || {
            format!("allowApiServer is an egress allow, but profile {name} does not isolate Egress (network.isolation): an egress policy would isolate egress by itself")
        })?;
    }
    let mut names = BTreeSet::new();
    for (i, allow) in net.allows.iter().enumerate() {
        let idx = i.to_string();
        let a = |parts: &[&str]| {
            let mut all = vec!["network", "allows", idx.as_str()];
            all.extend_from_slice(parts);
            at(&all)
        };
        allow_ok(c, b, name, p, allow, &a)?;
        c.ensure(names.insert(allow.name.clone()), &a(&["name"]), || {
            format!(
                "allow name {:?} is used twice in profile {name}",
                allow.name
            )
        })?;
    }
    Ok(())
}

fn allow_ok(
    c: &Checker<'_>,
    b: &Baseline,
    profile: &str,
    p: &Profile,
    allow: &Allow,
    at: &dyn Fn(&[&str]) -> String,
) -> Result<()> {
    if !allow.name.contains(['{', '}']) {
        crate::names::validate_subdomain(&allow.name)
            .map_err(|e| c.err(&at(&["name"]), format!("allow name: {e}")))?;
    }
    c.ensure(
        !BUILTIN_POLICIES.contains(&allow.name.as_str()),
        &at(&["name"]),
        || {
            format!(
                "allow name {:?} is one of the policies kubectl ns-policy renders itself ({})",
                allow.name,
                BUILTIN_POLICIES.join(", ")
            )
        },
    )?;
    c.ensure(
        !allow.ingress.is_empty() || !allow.egress.is_empty(),
        &at(&[]),
        || {
            format!(
                "allow {:?} has neither ingress nor egress rules",
                allow.name
            )
        },
    )?;
    for (dir, has, field) in [
        (PolicyType::Ingress, !allow.ingress.is_empty(), "ingress"),
        (PolicyType::Egress, !allow.egress.is_empty(), "egress"),
    ] {
        c.ensure(!has || p.network.isolates(dir), &at(&[field]), || {
            format!(
                "allow {:?} has {field} rules, but profile {profile} does not isolate {} (network.isolation): the policy would isolate its pods by itself",
                allow.name,
                dir.as_str()
            )
        })?;
    }
    if let Some(sel) = &allow.pod_selector {
        selector_ok(c, &at(&["podSelector"]), sel)?;
    }
    let rules = allow
        .ingress
        .iter()
        .map(|r| ("ingress", "from", &r.from, &r.ports))
        .chain(
            allow
                .egress
                .iter()
                .map(|r| ("egress", "to", &r.to, &r.ports)),
        );
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (dir, peers_field, peers, ports) in rules {
        let i = index.entry(dir).or_insert(0);
        let ri = i.to_string();
        *i += 1;
        for (pi, peer) in peers.iter().enumerate() {
            peer_ok(c, b, &at(&[dir, &ri, peers_field, &pi.to_string()]), peer)?;
        }
        for (pi, port) in ports.iter().enumerate() {
            port_ok(c, &at(&[dir, &ri, "ports", &pi.to_string()]), port)?;
        }
    }
    Ok(())
}

fn selector_ok(c: &Checker<'_>, at: &str, sel: &SelectorSpec) -> Result<()> {
    c.selector_map(
        &format!("{at}/matchLabels"),
        "matchLabels",
        &sel.match_labels,
    )?;
    for (i, r) in sel.match_expressions.iter().enumerate() {
        let a = format!("{at}/matchExpressions/{i}");
        c.label_key(&format!("{a}/key"), "matchExpressions key", &r.key)?;
        use super::allow::ExpressionOperator::*;
        let needs_values = matches!(r.operator, In | NotIn);
        c.ensure(needs_values != r.values.is_empty(), &a, || {
            if needs_values {
                format!("operator {:?} needs values", r.operator)
            } else {
                format!("operator {:?} takes no values", r.operator)
            }
        })?;
        for (vi, v) in r.values.iter().enumerate() {
            c.label_value(&format!("{a}/values/{vi}"), "matchExpressions value", v)?;
        }
    }
    Ok(())
}

fn peer_ok(c: &Checker<'_>, b: &Baseline, at: &str, peer: &Peer) -> Result<()> {
    let selects = !peer.namespaces.is_empty()
        || peer.namespace_selector.is_some()
        || peer.pod_selector.is_some();
    let kinds = [selects, peer.ip_block.is_some(), peer.api_server]
        .iter()
        .filter(|x| **x)
        .count();
    c.ensure(kinds == 1, at, || {
        "a peer is one of: namespaces/namespaceSelector and/or podSelector, ipBlock, or apiServer: true".into()
    })?;
    c.ensure(
        peer.namespaces.is_empty() || peer.namespace_selector.is_none(),
        at,
        || "a peer takes namespaces or namespaceSelector, not both".into(),
    )?;
    for (i, n) in peer.namespaces.iter().enumerate() {
        if !n.contains(['{', '}']) {
            crate::names::validate_namespace_name(n)
                .map_err(|e| c.err(&format!("{at}/namespaces/{i}"), e.to_string()))?;
        }
    }
    if let Some(s) = &peer.namespace_selector {
        selector_ok(c, &format!("{at}/namespaceSelector"), s)?;
    }
    if let Some(s) = &peer.pod_selector {
        selector_ok(c, &format!("{at}/podSelector"), s)?;
    }
    if let Some(block) = &peer.ip_block {
        let cidr = cidr_ok(c, &format!("{at}/ipBlock/cidr"), &block.cidr)?;
        for (i, e) in block.except.iter().enumerate() {
            let ea = format!("{at}/ipBlock/except/{i}");
            let ex = cidr_ok(c, &ea, e)?;
            c.ensure(cidr.contains_cidr(&ex), &ea, || {
                format!("except {e} is not inside cidr {}", block.cidr)
            })?;
        }
    }
    if peer.api_server {
        c.ensure(b.spec.network.api_server.is_some(), &format!("{at}/apiServer"), || {
            "apiServer: true needs spec.network.apiServer (the API server endpoints' CIDRs and ports)".into()
        })?;
    }
    Ok(())
}

fn port_ok(c: &Checker<'_>, at: &str, port: &Port) -> Result<()> {
    match &port.port {
        Some(PortValue::Number(0)) => {
            return Err(c.err(&format!("{at}/port"), "port 0 is not a port (1-65535)"))
        }
        Some(PortValue::Name(n)) => {
            crate::names::validate_port_name(n).map_err(|e| c.err(&format!("{at}/port"), e))?;
            c.ensure(port.end_port.is_none(), &format!("{at}/endPort"), || {
                "endPort needs a numeric port".into()
            })?;
        }
        Some(PortValue::Number(n)) => {
            if let Some(end) = port.end_port {
                c.ensure(end >= *n, &format!("{at}/endPort"), || {
                    format!("endPort {end} is below port {n}")
                })?;
            }
        }
        None => c.ensure(port.end_port.is_none(), &format!("{at}/endPort"), || {
            "endPort needs a port".into()
        })?,
    }
    Ok(())
}

fn profile_rbac(
    c: &Checker<'_>,
    b: &Baseline,
    p: &Profile,
    at: &dyn Fn(&[&str]) -> String,
) -> Result<()> {
    let mut names = BTreeSet::new();
    for (i, sa) in p.rbac.service_accounts.iter().enumerate() {
        let a = at(&["rbac", "serviceAccounts", &i.to_string(), "name"]);
        if !sa.name.contains(['{', '}']) {
            crate::names::validate_subdomain(&sa.name)
                .map_err(|e| c.err(&a, format!("ServiceAccount name: {e}")))?;
        }
        c.ensure(sa.name != crate::reserved::SERVICE_ACCOUNT, &a, || {
            "the default ServiceAccount is rendered by kubectl ns-policy itself; name another one"
                .into()
        })?;
        c.ensure(names.insert(sa.name.clone()), &a, || {
            format!("ServiceAccount {:?} is listed twice", sa.name)
        })?;
    }
    let mut names = BTreeSet::new();
    for (i, rb) in p.rbac.role_bindings.iter().enumerate() {
        let idx = i.to_string();
        let a = |parts: &[&str]| {
            let mut all = vec!["rbac", "roleBindings", idx.as_str()];
            all.extend_from_slice(parts);
            at(&all)
        };
        if !rb.name.contains(['{', '}']) {
            crate::names::validate_subdomain(&rb.name)
                .map_err(|e| c.err(&a(&["name"]), format!("RoleBinding name: {e}")))?;
        }
        c.ensure(rb.name != b.spec.rbac.role_name, &a(&["name"]), || {
            format!(
                "RoleBinding {:?} is the team role binding kubectl ns-policy renders itself",
                rb.name
            )
        })?;
        c.ensure(names.insert(rb.name.clone()), &a(&["name"]), || {
            format!("RoleBinding {:?} is listed twice", rb.name)
        })?;
        c.ensure(
            !rb.role_ref.name.is_empty(),
            &a(&["roleRef", "name"]),
            || "roleRef.name is empty".into(),
        )?;
        c.ensure(!rb.subjects.is_empty(), &a(&["subjects"]), || {
            "a RoleBinding needs at least one subject".into()
        })?;
        for (si, s) in rb.subjects.iter().enumerate() {
            let sa = a(&["subjects", &si.to_string()]);
            c.ensure(!s.name.is_empty(), &sa, || "subject name is empty".into())?;
            if let Some(ns) = &s.namespace {
                c.ensure(s.kind == super::SubjectKind::ServiceAccount, &sa, || {
                    "only ServiceAccount subjects have a namespace".into()
                })?;
                if !ns.contains(['{', '}']) {
                    crate::names::validate_namespace_name(ns)
                        .map_err(|e| c.err(&format!("{sa}/namespace"), e.to_string()))?;
                }
            }
        }
    }
    Ok(())
}
