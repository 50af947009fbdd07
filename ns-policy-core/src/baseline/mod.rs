//! The baseline: a declarative, versioned file (`apiVersion:
//! ns-policy.io/v1alpha1`, `kind: Baseline`) of named profiles that says what
//! a compliant namespace looks like. The README's "Baseline reference"
//! documents every field.
//!
//! * [`Baseline::parse`] reads and validates a file; every error names
//!   `file:line:column` of the offending value ([`validate`]).
//! * Profiles are chosen by name rules (regular expressions whose named
//!   captures become template variables), a namespace's profile label or
//!   `--profile` ([`Baseline::select_profile`]).
//! * Strings of fixed labels, annotations, allows and RBAC may use
//!   `{variables}` ([`template`]); per-namespace overrides (`--set`) are
//!   [`overrides`].

pub mod allow;
pub mod overrides;
mod schema;
pub(crate) mod template;
mod time;
mod validate;

use std::collections::BTreeMap;
use std::path::Path;

pub use allow::{Allow, EgressRule, IngressRule, IpBlock, Peer, Port, PortValue, SelectorSpec};
pub use schema::{
    ApiServerSpec, ArgoCdSpec, Baseline, BaselineMeta, BaselineSpec, BaselineWaiver, DnsSpec,
    EnvRule, GitopsSpec, IngressControllerSpec, LifecycleSpec, LimitRangeSpec, ManagedBy,
    PodSecuritySpec, PolicyType, ProbeSpec, Profile, ProfileAudit, ProfileNetwork, ProfileRbac,
    ProfileRule, ProjectScope, RbacSpec, RoleBindingSpec, RoleKind, RoleRefSpec,
    ServiceAccountSpec, SubjectKind, SubjectSpec, TeamRoleSpec, WaiverPolicy, WorkloadsSpec,
};
pub use time::{expires_at, format_duration, parse_duration, parse_time, LATEST_EXPIRY};

use crate::error::{Error, Result};

/// API version of baseline files.
pub const API_VERSION: &str = "ns-policy.io/v1alpha1";
/// Kind of baseline files.
pub const KIND: &str = "Baseline";
use crate::SYSTEM_NAMESPACES;

/// The built-in baseline, as printed by `kubectl ns-policy baseline`.
pub const BUILTIN_YAML: &str = include_str!("builtin.yaml");

/// The profile chosen for a namespace and the template variables its name
/// gives (named captures of the first rule of that profile matching it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMatch {
    /// Profile name.
    pub profile: String,
    /// Named captures.
    pub captures: BTreeMap<String, String>,
}

impl Baseline {
    /// The built-in baseline.
    pub fn builtin() -> Self {
        // The built-in file is covered by a unit test; failing here would be a
        // build defect, never user input.
        Self::parse(BUILTIN_YAML, "<built-in>").expect("built-in baseline is valid")
    }

    /// Reads and validates a baseline file of at most `max_bytes`.
    pub fn from_file(path: &Path, max_bytes: u64) -> Result<Self> {
        let bytes = crate::input::read_file(path, max_bytes)?;
        let text = String::from_utf8(bytes).map_err(|e| Error::Parse {
            path: path.display().to_string(),
            line: 1,
            column: 1,
            message: format!("invalid UTF-8: a baseline must be UTF-8 text ({e})"),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates a baseline; errors name `path:line:column` of
    /// the offending value.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        validate::parse(text, path)
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

    /// The named captures the first rule of `profile` matching `namespace`
    /// gives (empty when none matches).
    pub fn captures(&self, namespace: &str, profile: &str) -> BTreeMap<String, String> {
        for (rule, re) in self.spec.profile_rules.iter().zip(&self.compiled_rules) {
            if rule.profile != profile {
                continue;
            }
            if let Some(caps) = re.captures(namespace) {
                return re
                    .capture_names()
                    .flatten()
                    .filter_map(|n| Some((n.to_string(), caps.name(n)?.as_str().to_string())))
                    .collect();
            }
        }
        BTreeMap::new()
    }

    /// The variables a profile's name rules can capture.
    pub fn capture_names(&self, profile: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .spec
            .profile_rules
            .iter()
            .zip(&self.compiled_rules)
            .filter(|(r, _)| r.profile == profile)
            .flat_map(|(_, re)| re.capture_names().flatten().map(str::to_string))
            .collect();
        out.sort();
        out.dedup();
        out
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

    /// The key of the environment label.
    pub fn env_label(&self) -> &str {
        &self.spec.env_label
    }

    /// Infers the environment from the profile, else from the name's tokens.
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

    /// The lifecycle keys.
    pub fn lifecycle(&self) -> &LifecycleSpec {
        &self.spec.lifecycle
    }

    /// True when the namespace carries this baseline's managed-by label.
    pub fn is_managed(&self, labels: &BTreeMap<String, String>) -> bool {
        let m = &self.spec.lifecycle.managed_by;
        labels.get(&m.label) == Some(&m.value)
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

#[cfg(test)]
mod tests;
