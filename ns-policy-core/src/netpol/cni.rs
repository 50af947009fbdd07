//! Network policies of CNI plugins (Cilium, Calico, Antrea). Their rules are
//! not evaluated here; what is known is which namespaces' pods each one may
//! select, so that every verdict it can change is reported as unknown,
//! naming it, instead of a silent allow or deny.
//!
//! Scope, by kind:
//!
//! * namespaced kinds (`CiliumNetworkPolicy`, Calico and Antrea
//!   `NetworkPolicy`): their own namespace;
//! * `CiliumClusterwideNetworkPolicy`: the namespaces named by an
//!   `endpointSelector` label `k8s:io.kubernetes.pod.namespace` (or without
//!   the `k8s:` prefix), else every namespace;
//! * Calico `GlobalNetworkPolicy`: its `namespaceSelector` when it is in the
//!   subset of Calico's selector syntax read here (`all()`, `has(k)`,
//!   `!has(k)`, `k == 'v'`, `k != 'v'`, `k in {..}`, `k not in {..}` joined
//!   by `&&`), else every namespace;
//! * Antrea `ClusterNetworkPolicy`: the `namespaceSelector`s of its
//!   `spec.appliedTo` when every entry has one, else every namespace.
//!
//! Staged Calico policies do not take effect and are not read.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::selector::Selector;

/// Which namespaces' pods a CNI policy may select.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CniScope {
    /// These namespaces, by name.
    Named(Vec<String>),
    /// Namespaces whose labels match any of these selectors
    /// (`kubernetes.io/metadata.name` included).
    Selected(Vec<SelectorText>),
    /// Every namespace.
    All,
}

/// A selector in kubectl syntax (compiled when evaluated).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectorText(pub String);

/// A policy of a CNI plugin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CniPolicy {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` of namespaced kinds.
    pub namespace: Option<String>,
    /// Namespaces it may select pods of.
    pub scope: CniScope,
}

/// The CNI policy kinds read: (API group, kind, namespaced).
pub const CNI_KINDS: &[(&str, &str, bool)] = &[
    ("cilium.io", "CiliumNetworkPolicy", true),
    ("cilium.io", "CiliumClusterwideNetworkPolicy", false),
    ("projectcalico.org", "NetworkPolicy", true),
    ("projectcalico.org", "GlobalNetworkPolicy", false),
    ("crd.projectcalico.org", "NetworkPolicy", true),
    ("crd.projectcalico.org", "GlobalNetworkPolicy", false),
    ("crd.antrea.io", "NetworkPolicy", true),
    ("crd.antrea.io", "ClusterNetworkPolicy", false),
];

impl CniPolicy {
    /// `Kind/name` (`Kind ns/name` for namespaced kinds), with the API group.
    pub fn reference(&self) -> String {
        let group = self.api_version.split('/').next().unwrap_or_default();
        match &self.namespace {
            Some(ns) => format!("{}.{group} {ns}/{}", self.kind, self.name),
            None => format!("{}.{group} {}", self.kind, self.name),
        }
    }

    /// True for an `apiVersion`/`kind` of [`CNI_KINDS`].
    pub fn is_cni_policy(api_version: &str, kind: &str) -> bool {
        let group = api_version.split('/').next().unwrap_or_default();
        api_version.contains('/') && CNI_KINDS.iter().any(|(g, k, _)| *g == group && *k == kind)
    }

    /// Reads a CNI policy (its name, namespace and scope).
    pub fn from_value(api_version: &str, kind: &str, value: &Value) -> Self {
        let meta = |f: &str| {
            value
                .pointer(&format!("/metadata/{f}"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let group = api_version.split('/').next().unwrap_or_default();
        let namespaced = CNI_KINDS
            .iter()
            .any(|(g, k, n)| *g == group && *k == kind && *n);
        let namespace = namespaced.then(|| meta("namespace").unwrap_or_else(|| "default".into()));
        let scope = match (&namespace, kind) {
            (Some(ns), _) => CniScope::Named(vec![ns.clone()]),
            (None, "CiliumClusterwideNetworkPolicy") => cilium_scope(value),
            (None, "GlobalNetworkPolicy") => value
                .pointer("/spec/namespaceSelector")
                .and_then(Value::as_str)
                .and_then(calico_selector)
                .map_or(CniScope::All, |s| CniScope::Selected(vec![s])),
            (None, "ClusterNetworkPolicy") => antrea_scope(value),
            _ => CniScope::All,
        };
        CniPolicy {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name: meta("name").unwrap_or_default(),
            namespace,
            scope,
        }
    }

    /// True when the policy may select pods of namespace `ns` with `labels`.
    pub fn may_select(&self, ns: &str, labels: &BTreeMap<String, String>) -> bool {
        match &self.scope {
            CniScope::All => true,
            CniScope::Named(names) => names.iter().any(|n| n == ns),
            CniScope::Selected(sels) => sels.iter().any(|s| {
                crate::selector::parse(&s.0).map_or(true, |sel: Selector| {
                    sel.matches_with(|k| {
                        if k == crate::NAMESPACE_NAME_LABEL {
                            Some(ns)
                        } else {
                            labels.get(k).map(String::as_str)
                        }
                    })
                })
            }),
        }
    }
}

fn cilium_scope(value: &Value) -> CniScope {
    let mut selectors: Vec<&Value> = Vec::new();
    if let Some(s) = value.pointer("/spec/endpointSelector") {
        selectors.push(s);
    }
    for spec in value
        .pointer("/specs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match spec.get("endpointSelector") {
            Some(s) => selectors.push(s),
            None => return CniScope::All,
        }
    }
    if selectors.is_empty() {
        return CniScope::All;
    }
    let mut names = Vec::new();
    for s in selectors {
        let ns = [
            "k8s:io.kubernetes.pod.namespace",
            "io.kubernetes.pod.namespace",
        ]
        .iter()
        .find_map(|k| s.pointer(&format!("/matchLabels/{}", k.replace('/', "~1"))))
        .and_then(Value::as_str);
        match ns {
            Some(n) => names.push(n.to_string()),
            None => return CniScope::All,
        }
    }
    CniScope::Named(names)
}

fn antrea_scope(value: &Value) -> CniScope {
    let Some(applied) = value.pointer("/spec/appliedTo").and_then(Value::as_array) else {
        return CniScope::All;
    };
    let mut sels = Vec::new();
    for a in applied {
        let Some(sel) = a.get("namespaceSelector") else {
            return CniScope::All;
        };
        let Ok(sel) = serde_json::from_value::<LabelSelector>(sel.clone()) else {
            return CniScope::All;
        };
        sels.push(SelectorText(
            Selector::from_label_selector(&sel).to_string(),
        ));
    }
    if sels.is_empty() {
        CniScope::All
    } else {
        CniScope::Selected(sels)
    }
}

/// A Calico selector of the subset read here, as a kubectl selector;
/// `None` when it is outside the subset (then every namespace counts).
pub(crate) fn calico_selector(s: &str) -> Option<SelectorText> {
    let s = s.trim();
    if s.is_empty() || s == "all()" {
        return Some(SelectorText(String::new()));
    }
    let unquote = |v: &str| {
        let v = v.trim();
        v.strip_prefix('\'')
            .and_then(|x| x.strip_suffix('\''))
            .or_else(|| v.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
            .map(str::to_string)
    };
    let key_ok = |k: &str| !k.is_empty() && crate::names::validate_label_key(k).is_ok();
    let mut out = Vec::new();
    for term in s.split("&&") {
        let t = term.trim();
        if t == "all()" {
            continue;
        }
        if let Some(k) = t.strip_prefix("!has(").and_then(|x| x.strip_suffix(')')) {
            let k = k.trim();
            key_ok(k).then_some(())?;
            out.push(format!("!{k}"));
        } else if let Some(k) = t.strip_prefix("has(").and_then(|x| x.strip_suffix(')')) {
            let k = k.trim();
            key_ok(k).then_some(())?;
            out.push(k.to_string());
        } else if let Some((k, v)) = t.split_once("==") {
            let (k, v) = (k.trim(), unquote(v)?);
            key_ok(k).then_some(())?;
            out.push(format!("{k}={v}"));
        } else if let Some((k, v)) = t.split_once("!=") {
            let (k, v) = (k.trim(), unquote(v)?);
            key_ok(k).then_some(())?;
            out.push(format!("{k}!={v}"));
        } else if let Some((k, set)) = t.split_once(" not in ") {
            let values = calico_set(set, unquote)?;
            key_ok(k.trim()).then_some(())?;
            out.push(format!("{} notin ({values})", k.trim()));
        } else if let Some((k, set)) = t.split_once(" in ") {
            let values = calico_set(set, unquote)?;
            key_ok(k.trim()).then_some(())?;
            out.push(format!("{} in ({values})", k.trim()));
        } else {
            return None;
        }
    }
    let text = out.join(",");
    crate::selector::parse(&text).ok()?;
    Some(SelectorText(text))
}

fn calico_set(set: &str, unquote: impl Fn(&str) -> Option<String>) -> Option<String> {
    let inner = set.trim().strip_prefix('{')?.strip_suffix('}')?;
    let values: Option<Vec<String>> = inner.split(',').map(unquote).collect();
    Some(values?.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calico_selectors_of_the_subset_translate_and_others_mean_everything() {
        assert_eq!(calico_selector("all()").unwrap().0, "");
        assert_eq!(
            calico_selector("env == 'prod' && has(team) && !has(x)")
                .unwrap()
                .0,
            "env=prod,team,!x"
        );
        assert_eq!(
            calico_selector("tier in {'a', \"b\"}").unwrap().0,
            "tier in (a,b)"
        );
        assert!(calico_selector("env == 'prod' || env == 'dev'").is_none());
        assert!(calico_selector("starts_with(env, 'p')").is_none());
    }

    #[test]
    fn scopes_follow_each_kind() {
        let p = CniPolicy::from_value(
            "cilium.io/v2",
            "CiliumClusterwideNetworkPolicy",
            &json!({"metadata": {"name": "x"}, "spec": {"endpointSelector": {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "shop"}}}}),
        );
        assert_eq!(p.scope, CniScope::Named(vec!["shop".into()]));
        let none = BTreeMap::new();
        assert!(p.may_select("shop", &none) && !p.may_select("other", &none));
        let p = CniPolicy::from_value(
            "cilium.io/v2",
            "CiliumClusterwideNetworkPolicy",
            &json!({"metadata": {"name": "x"}, "spec": {"endpointSelector": {}}}),
        );
        assert_eq!(p.scope, CniScope::All);
        let p = CniPolicy::from_value(
            "crd.projectcalico.org/v1",
            "GlobalNetworkPolicy",
            &json!({"metadata": {"name": "g"}, "spec": {"namespaceSelector": "env == 'prod'"}}),
        );
        let prod = BTreeMap::from([("env".to_string(), "prod".to_string())]);
        assert!(p.may_select("a", &prod) && !p.may_select("b", &none));
        let p = CniPolicy::from_value(
            "crd.antrea.io/v1beta1",
            "ClusterNetworkPolicy",
            &json!({"metadata": {"name": "acnp"}, "spec": {"appliedTo": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}}]}}),
        );
        assert!(p.may_select("a", &prod) && !p.may_select("b", &none));
        let p = CniPolicy::from_value(
            "cilium.io/v2",
            "CiliumNetworkPolicy",
            &json!({"metadata": {"name": "l7", "namespace": "shop"}}),
        );
        assert_eq!(p.reference(), "CiliumNetworkPolicy.cilium.io shop/l7");
        assert!(CniPolicy::is_cni_policy(
            "crd.antrea.io/v1beta1",
            "NetworkPolicy"
        ));
        assert!(!CniPolicy::is_cni_policy(
            "networking.k8s.io/v1",
            "NetworkPolicy"
        ));
    }
}
