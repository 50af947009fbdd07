//! The baseline: a declarative, versioned file (`apiVersion:
//! ns-policy.io/v1alpha1`, `kind: Baseline`) of named profiles that says what
//! a compliant namespace looks like.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::rbac::v1::PolicyRule;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pss::Level;

/// API version of baseline files.
pub const API_VERSION: &str = "ns-policy.io/v1alpha1";
/// Kind of baseline files.
pub const KIND: &str = "Baseline";
/// Namespaces never audited by `--all` unless asked for.
pub const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// The built-in baseline, as printed by `kubectl ns-policy baseline`.
pub const BUILTIN_YAML: &str = include_str!("baseline.yaml");

/// A baseline file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Baseline {
    /// Must be [`API_VERSION`].
    pub api_version: String,
    /// Must be [`KIND`].
    pub kind: String,
    /// Name of the baseline.
    #[serde(default)]
    pub metadata: BaselineMeta,
    /// What it requires.
    pub spec: BaselineSpec,
    /// Compiled `profileRules` patterns (same order).
    #[serde(skip)]
    compiled_rules: Vec<Regex>,
}

/// Metadata of a baseline.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineMeta {
    /// Name.
    #[serde(default)]
    pub name: String,
}

/// The body of a baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BaselineSpec {
    /// Profile for names no rule matches.
    pub default_profile: String,
    /// Name rules choosing a profile; first match wins.
    #[serde(default)]
    pub profile_rules: Vec<ProfileRule>,
    /// Labels every namespace must carry.
    #[serde(default)]
    pub required_labels: Vec<String>,
    /// Rules inferring `env` from name tokens.
    #[serde(default)]
    pub env_rules: Vec<EnvRule>,
    /// Namespaces skipped by `audit --all` (besides the system ones).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Cluster-wide network facts the policies refer to.
    pub network: NetworkSpec,
    /// RBAC settings.
    pub rbac: RbacSpec,
    /// Probe defaults.
    pub probe: ProbeSpec,
    /// The profiles by name.
    pub profiles: BTreeMap<String, Profile>,
}

/// A name rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRule {
    /// Regular expression matched against the whole namespace name.
    pub pattern: String,
    /// Profile it selects.
    pub profile: String,
}

/// An `env` inference rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvRule {
    /// Any of these '-'-separated name tokens selects the rule.
    pub tokens: Vec<String>,
    /// The `env` value it gives.
    pub env: String,
}

/// Cluster network facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkSpec {
    /// Cluster DNS.
    pub dns: DnsSpec,
    /// Ingress controller.
    pub ingress_controller: IngressControllerSpec,
}

/// Where cluster DNS runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DnsSpec {
    /// Namespace of the DNS pods.
    pub namespace: String,
    /// Labels of the DNS pods.
    pub pod_selector: BTreeMap<String, String>,
    /// DNS ports (opened for UDP and TCP).
    pub ports: Vec<u16>,
}

/// The ingress controller allowed to reach workloads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressControllerSpec {
    /// Its namespace.
    pub namespace: String,
    /// Serving ports of workloads it may reach (TCP).
    pub ports: Vec<u16>,
}

/// RBAC settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RbacSpec {
    /// Group bound to the team role; `{team}` is replaced by the team label.
    pub team_group: String,
    /// Name of the Role and RoleBinding.
    pub role_name: String,
    /// Rules of the Role.
    pub rules: Vec<PolicyRule>,
}

/// Probe defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProbeSpec {
    /// Image of probe pods.
    pub image: String,
    /// Ports probe servers listen on.
    pub ports: Vec<u16>,
}

/// A profile: what one kind of namespace must look like.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    /// One line for humans.
    #[serde(default)]
    pub description: String,
    /// `env` label value implied by the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Default TTL (e.g. `4h`); namespaces of a profile with a TTL get
    /// created-at/expires-at annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// Extra annotations on the namespace.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Pod Security Admission.
    pub pod_security: PodSecuritySpec,
    /// ResourceQuota `spec.hard`.
    pub quota: BTreeMap<String, String>,
    /// Container LimitRange.
    pub limit_range: LimitRangeSpec,
    /// Which allow policies come with the default deny.
    pub network: ProfileNetwork,
}

/// Pod Security Admission level and version of a profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSecuritySpec {
    /// Level for enforce, warn and audit.
    pub level: Level,
    /// Version label value (`latest` or `v1.N`).
    #[serde(default = "latest")]
    pub version: String,
}

fn latest() -> String {
    "latest".to_string()
}

/// Container limits of a profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitRangeSpec {
    /// Default limits.
    pub default: BTreeMap<String, String>,
    /// Default requests.
    pub default_request: BTreeMap<String, String>,
    /// Maximum limits.
    pub max: BTreeMap<String, String>,
}

/// Allow policies that come with the default deny.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProfileNetwork {
    /// Traffic between pods of the namespace.
    #[serde(default = "yes")]
    pub allow_same_namespace: bool,
    /// DNS egress to cluster DNS.
    #[serde(default = "yes")]
    pub allow_dns: bool,
    /// Ingress from the ingress controller on the serving ports.
    #[serde(default)]
    pub allow_ingress_controller: bool,
}

fn yes() -> bool {
    true
}

impl Baseline {
    /// The built-in baseline.
    pub fn builtin() -> Self {
        // The built-in file is covered by a unit test; failing here would be a
        // build defect, never user input.
        Self::parse(BUILTIN_YAML, "<built-in>").expect("built-in baseline is valid")
    }

    /// Reads and validates a baseline file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates a baseline; errors name `path:line:column`.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        let mut b: Baseline = crate::yaml::from_str(text, path)?;
        // Semantic errors point at the first line holding every needle.
        let at = |needles: &[&str], message: String| {
            let (line, column) = position(text, needles);
            Error::Parse {
                path: path.to_string(),
                line,
                column,
                message,
            }
        };
        if b.api_version != API_VERSION {
            return Err(at(
                &["apiVersion:", &b.api_version],
                format!(
                    "apiVersion {:?} is not supported (expected {API_VERSION})",
                    b.api_version
                ),
            ));
        }
        if b.kind != KIND {
            return Err(at(
                &["kind:", &b.kind],
                format!("kind {:?} is not {KIND}", b.kind),
            ));
        }
        if b.spec.profiles.is_empty() {
            return Err(at(&["profiles:"], "spec.profiles is empty".into()));
        }
        let known = b.known_profiles();
        if !b.spec.profiles.contains_key(&b.spec.default_profile) {
            return Err(at(
                &["defaultProfile:", &b.spec.default_profile],
                format!(
                    "spec.defaultProfile {:?} is not a profile (profiles: {known})",
                    b.spec.default_profile
                ),
            ));
        }
        let mut compiled = Vec::new();
        for (i, rule) in b.spec.profile_rules.iter().enumerate() {
            if !b.spec.profiles.contains_key(&rule.profile) {
                return Err(at(
                    &["profile:", &rule.profile],
                    format!(
                        "spec.profileRules[{i}].profile {:?} is not a profile (profiles: {known})",
                        rule.profile
                    ),
                ));
            }
            let anchored = format!("^(?:{})$", rule.pattern);
            let re = Regex::new(&anchored).map_err(|e| {
                at(
                    &["pattern:", &rule.pattern],
                    format!(
                        "spec.profileRules[{i}].pattern {:?} is not a valid regular expression: {}",
                        rule.pattern,
                        e.to_string().lines().last().unwrap_or_default()
                    ),
                )
            })?;
            compiled.push(re);
        }
        for (name, p) in &b.spec.profiles {
            if let Some(ttl) = &p.ttl {
                parse_duration(ttl)
                    .map_err(|e| at(&["ttl:", ttl], format!("spec.profiles.{name}.ttl: {e}")))?;
            }
            crate::pss::parse_version(&p.pod_security.version).map_err(|e| {
                at(
                    &["version:", &p.pod_security.version],
                    format!("spec.profiles.{name}.podSecurity.version: {e}"),
                )
            })?;
            for (k, v) in p
                .quota
                .iter()
                .chain(&p.limit_range.default)
                .chain(&p.limit_range.default_request)
                .chain(&p.limit_range.max)
            {
                if !is_quantity(v) {
                    return Err(at(&[&format!("{k}:"), v], format!(
                        "spec.profiles.{name}: {k}: {v:?} is not a Kubernetes quantity (e.g. 500m, 2, 4Gi)"
                    )));
                }
            }
        }
        if !b.spec.rbac.team_group.contains("{team}") && b.spec.rbac.team_group.is_empty() {
            return Err(at(&["teamGroup:"], "spec.rbac.teamGroup is empty".into()));
        }
        crate::names::validate_namespace_name(&b.spec.network.dns.namespace).map_err(|e| {
            at(
                &["namespace:", &b.spec.network.dns.namespace],
                format!("spec.network.dns.namespace: {e}"),
            )
        })?;
        crate::names::validate_namespace_name(&b.spec.network.ingress_controller.namespace)
            .map_err(|e| {
                at(
                    &["namespace:", &b.spec.network.ingress_controller.namespace],
                    format!("spec.network.ingressController.namespace: {e}"),
                )
            })?;
        b.compiled_rules = compiled;
        Ok(b)
    }

    /// Comma-separated profile names.
    pub fn known_profiles(&self) -> String {
        self.spec
            .profiles
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The profile of a given name.
    pub fn profile(&self, name: &str) -> Result<&Profile> {
        self.spec
            .profiles
            .get(name)
            .ok_or_else(|| Error::UnknownProfile {
                name: name.to_string(),
                known: self.known_profiles(),
            })
    }

    /// The profile a namespace name gets from the name rules (or the default).
    pub fn profile_by_name_rules(&self, namespace: &str) -> &str {
        self.spec
            .profile_rules
            .iter()
            .zip(&self.compiled_rules)
            .find(|(_, re)| re.is_match(namespace))
            .map(|(rule, _)| rule.profile.as_str())
            .unwrap_or(&self.spec.default_profile)
    }

    /// Chooses the profile for `create`: an explicit `--profile` wins over the
    /// name rules. Unknown explicit names are an error.
    pub fn select_profile<'a>(
        &'a self,
        namespace: &str,
        explicit: Option<&'a str>,
    ) -> Result<&'a str> {
        match explicit {
            Some(p) => {
                self.profile(p)?;
                Ok(p)
            }
            None => Ok(self.profile_by_name_rules(namespace)),
        }
    }

    /// Chooses the profile for an existing namespace: its
    /// `ns-policy.io/profile` label if that names a known profile, else the
    /// name rules. The second value is the label's value when it names no
    /// profile.
    pub fn profile_of_existing<'a>(
        &'a self,
        namespace: &str,
        labels: &'a BTreeMap<String, String>,
    ) -> (&'a str, Option<&'a str>) {
        match labels.get(crate::PROFILE_LABEL) {
            Some(p) if self.spec.profiles.contains_key(p) => (p.as_str(), None),
            Some(p) => (self.profile_by_name_rules(namespace), Some(p.as_str())),
            None => (self.profile_by_name_rules(namespace), None),
        }
    }

    /// Infers `env` from the profile, else from the name's tokens.
    pub fn infer_env(&self, namespace: &str, profile: &str) -> Option<String> {
        if let Some(env) = self.spec.profiles.get(profile).and_then(|p| p.env.clone()) {
            return Some(env);
        }
        let tokens: Vec<&str> = namespace.split('-').collect();
        self.spec
            .env_rules
            .iter()
            .find(|r| r.tokens.iter().any(|t| tokens.contains(&t.as_str())))
            .map(|r| r.env.clone())
    }

    /// True when `audit --all` skips this namespace.
    pub fn is_excluded(&self, namespace: &str) -> bool {
        SYSTEM_NAMESPACES.contains(&namespace) || self.spec.exclude.iter().any(|n| n == namespace)
    }

    /// The baseline as YAML (the built-in one is printed with its comments).
    pub fn to_yaml(&self) -> String {
        crate::yaml::to_string(self)
    }
}

/// 1-based line and column of the first line of `text` holding every needle
/// (the column of the last needle); `(1, 1)` when there is none.
fn position(text: &str, needles: &[&str]) -> (usize, usize) {
    if needles.is_empty() {
        return (1, 1);
    }
    for (i, line) in text.lines().enumerate() {
        if needles.iter().all(|n| line.contains(n)) {
            let last = needles[needles.len() - 1];
            let col = line.find(last).map_or(1, |c| line[..c].chars().count() + 1);
            return (i + 1, col);
        }
    }
    (1, 1)
}

/// Parses a duration like `4h`, `90m`, `1h30m`, `2d`, `1w`, `45s`.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let err = || format!("invalid duration {s:?} (expected e.g. 30m, 4h, 1h30m, 2d, 1w)");
    let s = s.trim();
    if s.is_empty() {
        return Err(err());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().map_err(|_| err())?;
        digits.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(err()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
    }
    if !digits.is_empty() || total == 0 {
        return Err(err());
    }
    Ok(Duration::from_secs(total))
}

/// Loose check of the Kubernetes quantity syntax.
pub fn is_quantity(s: &str) -> bool {
    static SUFFIXES: [&str; 14] = [
        "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P",
    ];
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let num = SUFFIXES
        .iter()
        .find_map(|suf| s.strip_suffix(suf))
        .or_else(|| s.strip_suffix('E'))
        .unwrap_or(s);
    let num = match num.split_once(['e', 'E']) {
        Some((m, e))
            if !e.is_empty()
                && e.trim_start_matches(['+', '-'])
                    .chars()
                    .all(|c| c.is_ascii_digit()) =>
        {
            m
        }
        Some(_) => return false,
        None => num,
    };
    !num.is_empty()
        && num.chars().filter(|c| *c == '.').count() <= 1
        && num.chars().all(|c| c.is_ascii_digit() || c == '.')
        && num.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_baseline_parses_and_has_the_four_profiles() {
        let b = Baseline::builtin();
        for p in ["app", "preview", "platform", "data"] {
            b.profile(p).unwrap();
        }
        assert_eq!(b.spec.default_profile, "app");
        assert_eq!(
            b.profile("platform").unwrap().pod_security.level,
            Level::Privileged
        );
        assert_eq!(
            b.profile("app").unwrap().pod_security.level,
            Level::Restricted
        );
    }

    #[test]
    fn preview_profile_is_chosen_for_pr_names() {
        let b = Baseline::builtin();
        assert_eq!(b.profile_by_name_rules("pr-123"), "preview");
        assert_eq!(b.profile_by_name_rules("shop-pr-7"), "preview");
        assert_eq!(b.profile_by_name_rules("a-b-pr-7"), "preview");
        assert_eq!(b.profile_by_name_rules("pr-x"), "app");
        assert_eq!(b.profile_by_name_rules("xpr-1"), "app");
        assert_eq!(b.profile_by_name_rules("pr-1-old"), "app");
        assert_eq!(b.profile_by_name_rules("staging"), "app");
    }

    #[test]
    fn explicit_profile_overrides_name_rules_and_unknown_is_an_error() {
        let b = Baseline::builtin();
        assert_eq!(b.select_profile("pr-1", Some("data")).unwrap(), "data");
        let err = b.select_profile("x", Some("nope")).unwrap_err().to_string();
        assert!(
            err.contains("\"nope\"") && err.contains("app, data, platform, preview"),
            "{err}"
        );
    }

    #[test]
    fn env_is_inferred_from_profile_then_name_tokens() {
        let b = Baseline::builtin();
        assert_eq!(b.infer_env("staging", "app").as_deref(), Some("staging"));
        assert_eq!(b.infer_env("shop-prod", "app").as_deref(), Some("prod"));
        assert_eq!(b.infer_env("team-dev", "app").as_deref(), Some("dev"));
        assert_eq!(b.infer_env("pr-12", "preview").as_deref(), Some("preview"));
        assert_eq!(b.infer_env("payments", "app"), None);
        assert_eq!(
            b.infer_env("production-like", "app").as_deref(),
            Some("prod")
        );
        assert_eq!(b.infer_env("devops", "app"), None);
    }

    #[test]
    fn existing_namespace_profile_comes_from_its_label() {
        let b = Baseline::builtin();
        let mut labels = BTreeMap::new();
        labels.insert(crate::PROFILE_LABEL.to_string(), "data".to_string());
        assert_eq!(b.profile_of_existing("pr-1", &labels), ("data", None));
        labels.insert(crate::PROFILE_LABEL.to_string(), "bogus".to_string());
        assert_eq!(
            b.profile_of_existing("pr-1", &labels),
            ("preview", Some("bogus"))
        );
    }

    #[test]
    fn malformed_baseline_names_file_line_and_column() {
        let text = BUILTIN_YAML.replace("defaultProfile: app", "defaultProfile: [app");
        let err = Baseline::parse(&text, "b.yaml").unwrap_err().to_string();
        assert!(err.starts_with("b.yaml:"), "{err}");
        let parts: Vec<&str> = err.splitn(4, ':').collect();
        assert!(parts[1].parse::<usize>().unwrap() > 1, "{err}");
        assert!(parts[2].parse::<usize>().is_ok(), "{err}");
    }

    #[test]
    fn unknown_fields_are_rejected_with_position() {
        let text = BUILTIN_YAML.replace("  defaultProfile: app", "  defaultProfle: app");
        let err = Baseline::parse(&text, "b.yaml").unwrap_err().to_string();
        assert!(err.contains("defaultProfle"), "{err}");
        assert!(err.starts_with("b.yaml:"), "{err}");
    }

    #[test]
    fn semantic_errors_are_reported() {
        let cases = [
            ("apiVersion: ns-policy.io/v1alpha1", "apiVersion: v1", "apiVersion"),
            ("defaultProfile: app", "defaultProfile: nope", "defaultProfile"),
            ("      profile: preview", "      profile: nope", "profileRules[0].profile"),
            ("        level: restricted\n        version: latest\n      quota:\n        requests.cpu: '4'",
             "        level: strict\n        version: latest\n      quota:\n        requests.cpu: '4'", "strict"),
            ("      ttl: 4h", "      ttl: soon", "ttl"),
            ("requests.cpu: '4'", "requests.cpu: 'four'", "quantity"),
            ("version: latest", "version: 1.33", "version"),
            ("^([a-z0-9]([-a-z0-9]*[a-z0-9])?-)?pr-[0-9]+$", "pr-(", "regular expression"),
        ];
        for (from, to, needle) in cases {
            let text = BUILTIN_YAML.replacen(from, to, 1);
            assert_ne!(text, BUILTIN_YAML, "fixture {from:?} not found");
            let err = Baseline::parse(&text, "b.yaml").unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
            // The position is the line that holds the bad value.
            let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
            let bad_line = text.lines().nth(line - 1).unwrap_or_default();
            let first_changed = to
                .lines()
                .find(|l| !from.contains(l.trim()))
                .unwrap_or(to.lines().next().unwrap());
            assert!(
                bad_line.contains(first_changed.trim()),
                "{needle}: line {line} is {bad_line:?}, expected {first_changed:?}"
            );
        }
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("4h").unwrap().as_secs(), 14_400);
        assert_eq!(parse_duration("1h30m").unwrap().as_secs(), 5_400);
        assert_eq!(parse_duration("2d").unwrap().as_secs(), 172_800);
        for bad in ["", "4", "h", "4x", "-1h", "0h", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quantities() {
        for ok in ["1", "500m", "4Gi", "0.5", "1e3", "2Ti", "+1"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "four", "1.2.3", "Gi", "1 Gi", "1GB"] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary text never panics the parser; rejections name a position.
        #[test]
        fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,400}") {
            if let Err(e) = Baseline::parse(&text, "fuzz.yaml") {
                prop_assert!(e.to_string().starts_with("fuzz.yaml:"), "{}", e);
            }
        }

        /// The built-in baseline with a slice cut out or a line duplicated
        /// either parses or is rejected with file:line:column, never a panic.
        #[test]
        fn parser_never_panics_on_damaged_baselines(start in 0usize..BUILTIN_YAML.len(), len in 0usize..200, dup in 0usize..200) {
            let start = (0..=start).rev().find(|i| BUILTIN_YAML.is_char_boundary(*i)).unwrap_or(0);
            let end = (start + len).min(BUILTIN_YAML.len());
            let end = (end..=BUILTIN_YAML.len()).find(|i| BUILTIN_YAML.is_char_boundary(*i)).unwrap_or(BUILTIN_YAML.len());
            let mut text = String::new();
            text.push_str(&BUILTIN_YAML[..start]);
            text.push_str(&BUILTIN_YAML[end..]);
            if let Some(line) = BUILTIN_YAML.lines().nth(dup % BUILTIN_YAML.lines().count()) {
                text.push('\n');
                text.push_str(line);
            }
            if let Err(e) = Baseline::parse(&text, "cut.yaml") {
                let msg = e.to_string();
                let mut parts = msg.splitn(4, ':');
                prop_assert_eq!(parts.next(), Some("cut.yaml"));
                prop_assert!(parts.next().is_some_and(|l| l.parse::<usize>().is_ok()), "{}", msg);
            }
        }
    }
}
