//! Argo CD AppProjects (`argoproj.io/v1alpha1`), as far as the namespace
//! guardrails need them: which destinations a project lets Applications
//! deploy to, which cluster-scoped and namespaced kinds it lets them
//! manage. Matching follows Argo CD's project rules: destination server,
//! name and namespace are globs (`*`, `?`, `[...]`); a destination whose
//! server or namespace starts with `!` denies, and a deny wins over any
//! allow; a kind is permitted when some whitelist entry matches (no
//! whitelist: every namespaced kind, no cluster-scoped kind) and no
//! blacklist entry does.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// `argoproj.io/v1alpha1`.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";
/// `argoproj.io`.
pub const GROUP: &str = "argoproj.io";
/// `v1alpha1`.
pub const VERSION: &str = "v1alpha1";
/// `AppProject`.
pub const KIND: &str = "AppProject";
/// `appprojects`.
pub const PLURAL: &str = "appprojects";
/// The server URL of the cluster Argo CD runs in.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
/// The name Argo CD gives the cluster it runs in.
pub const IN_CLUSTER_NAME: &str = "in-cluster";

/// The kinds a namespace's baseline consists of: a project must not let
/// Applications manage them (group, kind).
pub const BASELINE_KINDS: [(&str, &str); 5] = [
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
];

/// An AppProject (the fields the guardrails read; others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProject {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Spec.
    #[serde(default)]
    pub spec: AppProjectSpec,
}

/// `spec` of an AppProject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProjectSpec {
    /// Human description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Repositories Applications may deploy from (globs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repos: Option<Vec<String>>,
    /// Where Applications may deploy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<Destination>>,
    /// Cluster-scoped kinds Applications may manage (none when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_resource_whitelist: Option<Vec<GroupKind>>,
    /// Cluster-scoped kinds Applications may not manage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_resource_blacklist: Option<Vec<GroupKind>>,
    /// Namespaced kinds Applications may manage (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_resource_whitelist: Option<Vec<GroupKind>>,
    /// Namespaced kinds Applications may not manage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_resource_blacklist: Option<Vec<GroupKind>>,
}

/// One `spec.destinations[]` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// API server URL (glob; `!` denies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Cluster name (glob; `!` denies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace (glob; `!` denies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A group and kind (globs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupKind {
    /// API group (`""` for the core group).
    #[serde(default)]
    pub group: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
}

impl GroupKind {
    /// A group and kind.
    pub fn new(group: &str, kind: &str) -> Self {
        GroupKind {
            group: group.into(),
            kind: kind.into(),
        }
    }

    fn matches(&self, group: &str, kind: &str) -> bool {
        glob(&self.group, group) && glob(&self.kind, kind)
    }

    /// True for a `*` group or kind.
    pub fn is_wildcard(&self) -> bool {
        self.group == "*" || self.kind == "*"
    }
}

impl Destination {
    /// The namespace pattern (without `!`).
    pub fn namespace_pattern(&self) -> &str {
        self.namespace
            .as_deref()
            .unwrap_or_default()
            .trim_start_matches('!')
    }

    /// `server/namespace` for messages.
    pub fn describe(&self) -> String {
        let cluster = self
            .server
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.name.as_deref())
            .unwrap_or("?");
        format!(
            "{cluster} namespace {}",
            self.namespace.as_deref().unwrap_or("")
        )
    }
}

impl AppProject {
    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or("")
    }

    /// The destination entry that lets an Application deploy into
    /// namespace `ns` of the cluster at `server` (named `name`), if one
    /// does and no deny entry excludes it. An Application names its cluster
    /// by server or by name; either way counts.
    pub fn reaches(&self, server: &str, name: &str, ns: &str) -> Option<&Destination> {
        self.permitted(server, "", ns)
            .or_else(|| self.permitted("", name, ns))
    }

    /// Argo CD's `isDestinationMatched`: some entry matches (server or
    /// name, and namespace; a `!pattern` matches what the pattern does
    /// not), and no entry with a `!` field fails to match on that field.
    fn permitted(&self, server: &str, name: &str, ns: &str) -> Option<&Destination> {
        let mut hit = None;
        for d in self.spec.destinations.iter().flatten() {
            let name_ok = !name.is_empty() && neg_glob(d.name.as_deref(), name);
            let server_ok = !server.is_empty() && neg_glob(d.server.as_deref(), server);
            let ns_ok = neg_glob(d.namespace.as_deref(), ns);
            if (server_ok || name_ok) && ns_ok {
                hit = hit.or(Some(d));
            } else if (!name_ok && is_deny(d.name.as_deref()))
                || (!server_ok && is_deny(d.server.as_deref()))
                || (!ns_ok && is_deny(d.namespace.as_deref()))
            {
                return None;
            }
        }
        hit
    }

    /// True when Applications of the project may manage namespaced objects
    /// of `group`/`kind`.
    pub fn permits_namespaced(&self, group: &str, kind: &str) -> bool {
        let white = match &self.spec.namespace_resource_whitelist {
            None => true,
            Some(w) => w.iter().any(|gk| gk.matches(group, kind)),
        };
        white
            && !self
                .spec
                .namespace_resource_blacklist
                .iter()
                .flatten()
                .any(|gk| gk.matches(group, kind))
    }

    /// Cluster-resource whitelist entries with a `*` group or kind.
    pub fn cluster_wildcards(&self) -> Vec<&GroupKind> {
        self.spec
            .cluster_resource_whitelist
            .iter()
            .flatten()
            .filter(|gk| gk.is_wildcard())
            .collect()
    }

    /// Reads an AppProject from JSON data.
    pub fn from_value(value: &serde_json::Value) -> serde_json::Result<Self> {
        serde::Deserialize::deserialize(value)
    }

    /// True for `argoproj.io/*` `AppProject`.
    pub fn is_app_project(api_version: &str, kind: &str) -> bool {
        kind == KIND && api_version.split('/').next() == Some(GROUP)
    }
}

/// Argo CD's `globMatch` with negation: `!p` matches what `p` does not.
fn neg_glob(pattern: Option<&str>, s: &str) -> bool {
    let pattern = pattern.unwrap_or_default();
    match pattern.strip_prefix('!') {
        Some(p) => !glob(p, s),
        None => glob(pattern, s),
    }
}

fn is_deny(pattern: Option<&str>) -> bool {
    pattern.is_some_and(|p| p.starts_with('!'))
}

/// Glob matching as Argo CD uses it (gobwas/glob without separators):
/// `*` any run, `?` one character, `[abc]`/`[a-z]`/`[!a]` one of a class.
pub fn glob(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    // Iterative matching with backtracking to the last `*`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((ok, next)) = class(&p, pi, t[ti]) {
                        if ok {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A `[...]` class at `p[start]`: whether `c` is in it and the index after
/// it; `None` when the class is not closed.
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut found = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((found != negate, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if p[i] <= c && c <= p[i + 2] {
                found = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                found = true;
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs_match_as_argo_cd_does() {
        assert!(glob("*", "anything"));
        assert!(glob("*", ""));
        assert!(glob("shop-*", "shop-prod"));
        assert!(!glob("shop-*", "ops-platform"));
        assert!(glob("pr-?", "pr-1"));
        assert!(!glob("pr-?", "pr-12"));
        assert!(glob("pr-[0-9]*", "pr-12"));
        assert!(!glob("pr-[!0-9]*", "pr-12"));
        assert!(glob("https://kubernetes.default.svc", IN_CLUSTER_SERVER));
        assert!(glob("*-prod", "shop-prod"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
    }

    fn project(v: serde_json::Value) -> AppProject {
        AppProject::from_value(&v).unwrap()
    }

    #[test]
    fn destinations_reach_by_server_or_name_and_denies_win() {
        let p = project(
            json!({"metadata": {"name": "shop"}, "spec": {"destinations": [
                {"server": "https://kubernetes.default.svc", "namespace": "shop-*"},
                {"name": "in-cluster", "namespace": "pay"},
                {"server": "*", "namespace": "!shop-secret"},
            ]}}),
        );
        let reach = |ns| p.reaches(IN_CLUSTER_SERVER, IN_CLUSTER_NAME, ns).is_some();
        assert!(reach("shop-prod"));
        assert!(reach("pay"));
        assert!(!reach("shop-secret"));
        // As in Argo CD, `!shop-secret` also matches every other namespace:
        // that entry allows all but shop-secret.
        assert!(reach("ops-platform"));
        // Another cluster: only name/server patterns that match it.
        let local = project(
            json!({"metadata": {"name": "shop"}, "spec": {"destinations": [
            {"server": "https://kubernetes.default.svc", "namespace": "shop-*"}]}}),
        );
        assert!(local
            .reaches("https://other.example", "other", "shop-prod")
            .is_none());
        // No destinations: nothing.
        assert!(project(json!({"metadata": {"name": "x"}}))
            .reaches(IN_CLUSTER_SERVER, IN_CLUSTER_NAME, "a")
            .is_none());
        // The default project of Argo CD reaches everything.
        let default = project(json!({"metadata": {"name": "default"}, "spec": {
            "destinations": [{"server": "*", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
            "sourceRepos": ["*"]}}));
        assert!(default
            .reaches(IN_CLUSTER_SERVER, IN_CLUSTER_NAME, "kube-system")
            .is_some());
        assert_eq!(default.cluster_wildcards().len(), 1);
    }

    #[test]
    fn kinds_are_permitted_by_whitelist_and_blacklist() {
        let open = project(json!({"metadata": {"name": "x"}}));
        assert!(open.permits_namespaced("networking.k8s.io", "NetworkPolicy"));
        let guarded = project(json!({"metadata": {"name": "x"}, "spec": {
            "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"},
                                           {"group": "rbac.authorization.k8s.io", "kind": "*"}]}}));
        assert!(!guarded.permits_namespaced("", "ResourceQuota"));
        assert!(!guarded.permits_namespaced("rbac.authorization.k8s.io", "RoleBinding"));
        assert!(guarded.permits_namespaced("", "LimitRange"));
        let white = project(json!({"metadata": {"name": "x"}, "spec": {
            "namespaceResourceWhitelist": [{"group": "apps", "kind": "*"}]}}));
        assert!(!white.permits_namespaced("", "LimitRange"));
        assert!(white.permits_namespaced("apps", "Deployment"));
    }
}
