//! The Argo CD AppProjects of `spec.gitops.argocd`: one per team (or per
//! namespace) whose destinations are exactly its namespaces, no
//! cluster-scoped kind whitelisted, and the baseline's own kinds
//! blacklisted so that no Application can undo the baseline.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::argocd::{AppProject, AppProjectSpec, Destination, GroupKind, BASELINE_KINDS};
use crate::baseline::{template, ArgoCdSpec, Baseline, ProjectScope};
use crate::error::{Error, InvalidValue, Result, ValueKind};

/// Label of the team on namespaces.
const TEAM_LABEL: &str = "team";

/// A namespace a project may be for.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// The namespace.
    pub namespace: &'a str,
    /// Its labels.
    pub labels: &'a BTreeMap<String, String>,
}

/// The project a namespace belongs to under `spec.gitops.argocd`: `None`
/// when the baseline has no such section, the namespace's profile is
/// protected, or (one project per team) it has no team label.
pub fn project_of(baseline: &Baseline, m: &Member<'_>) -> Result<Option<String>> {
    let Some(a) = argocd_spec(baseline) else {
        return Ok(None);
    };
    let (profile, _) = baseline.profile_of_existing(m.namespace, m.labels);
    if a.protected_profiles.iter().any(|p| p == profile) {
        return Ok(None);
    }
    let team = m.labels.get(TEAM_LABEL).filter(|t| !t.is_empty());
    if a.per == ProjectScope::Team && team.is_none() {
        return Ok(None);
    }
    let vars = vars(baseline, m, profile);
    expand(m.namespace, "spec.gitops.argocd.project", &a.project, &vars).map(Some)
}

/// The `spec.gitops.argocd` section, if any.
pub fn argocd_spec(baseline: &Baseline) -> Option<&ArgoCdSpec> {
    baseline.spec.gitops.as_ref()?.argocd.as_ref()
}

/// The AppProjects for `members` (sorted by name; destinations sorted by
/// namespace): each project reaches exactly the members that belong to it.
pub fn app_projects(baseline: &Baseline, members: &[Member<'_>]) -> Result<Vec<AppProject>> {
    let Some(a) = argocd_spec(baseline) else {
        return Ok(Vec::new());
    };
    let m = &baseline.lifecycle().managed_by;
    let mut projects: BTreeMap<String, (AppProject, Vec<String>)> = BTreeMap::new();
    for member in members {
        let Some(name) = project_of(baseline, member)? else {
            continue;
        };
        if !projects.contains_key(&name) {
            let (profile, _) = baseline.profile_of_existing(member.namespace, member.labels);
            let vars = vars(baseline, member, profile);
            let repos = a
                .source_repos
                .iter()
                .map(|r| expand(member.namespace, "spec.gitops.argocd.sourceRepos", r, &vars))
                .collect::<Result<Vec<_>>>()?;
            crate::names::validate_subdomain(&name).map_err(|e| Error::NamespaceValue {
                namespace: member.namespace.to_string(),
                what: "AppProject name (spec.gitops.argocd.project)".into(),
                source: e,
            })?;
            let mut labels = BTreeMap::from([(m.label.clone(), m.value.clone())]);
            if let Some(team) = member
                .labels
                .get(TEAM_LABEL)
                .filter(|_| a.per == ProjectScope::Team)
            {
                labels.insert(TEAM_LABEL.to_string(), team.clone());
            }
            let project = AppProject {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    namespace: Some(a.namespace.clone()),
                    labels: Some(labels),
                    ..Default::default()
                },
                spec: AppProjectSpec {
                    description: Some(match a.per {
                        ProjectScope::Team => format!(
                            "Namespaces of team {} (kubectl ns-policy)",
                            member.labels.get(TEAM_LABEL).cloned().unwrap_or_default()
                        ),
                        ProjectScope::Namespace => {
                            format!("Namespace {} (kubectl ns-policy)", member.namespace)
                        }
                    }),
                    source_repos: Some(repos),
                    destinations: Some(Vec::new()),
                    cluster_resource_whitelist: Some(Vec::new()),
                    cluster_resource_blacklist: None,
                    namespace_resource_whitelist: None,
                    namespace_resource_blacklist: Some(
                        BASELINE_KINDS
                            .iter()
                            .map(|(g, k)| GroupKind::new(g, k))
                            .collect(),
                    ),
                },
            };
            projects.insert(name.clone(), (project, Vec::new()));
        }
        if let Some((_, namespaces)) = projects.get_mut(&name) {
            namespaces.push(member.namespace.to_string());
        }
    }
    Ok(projects
        .into_values()
        .map(|(mut p, mut namespaces)| {
            namespaces.sort();
            namespaces.dedup();
            p.spec.destinations = Some(
                namespaces
                    .into_iter()
                    .map(|ns| Destination {
                        server: Some(a.server.clone()),
                        name: None,
                        namespace: Some(ns),
                    })
                    .collect(),
            );
            p
        })
        .collect())
}

/// The AppProject as a Kubernetes object (with apiVersion and kind).
pub fn to_value(p: &AppProject) -> serde_json::Value {
    let mut v = serde_json::json!({
        "apiVersion": crate::argocd::API_VERSION,
        "kind": crate::argocd::KIND,
    });
    if let (Some(map), Ok(serde_json::Value::Object(rest))) =
        (v.as_object_mut(), serde_json::to_value(p))
    {
        map.extend(rest);
    }
    v
}

fn vars(baseline: &Baseline, m: &Member<'_>, profile: &str) -> BTreeMap<String, String> {
    let mut vars = super::resolve::variables(baseline, m.namespace, profile, m.labels);
    vars.insert("namespace".into(), m.namespace.to_string());
    vars
}

fn expand(ns: &str, what: &str, s: &str, vars: &BTreeMap<String, String>) -> Result<String> {
    template::expand(s, vars).map_err(|message| Error::NamespaceValue {
        namespace: ns.to_string(),
        what: what.to_string(),
        source: InvalidValue::new(ValueKind::Template, s, message),
    })
}
