//! `spec.gitops.argocd`: the namespace's own AppProject reaches it (and
//! only by name), no other project does, platform namespaces are reached
//! only by platform projects, and no project reaching the namespace lets
//! Applications manage cluster-scoped kinds wholesale or the baseline's own
//! kinds.

use super::*;
use crate::argocd::{AppProject, BASELINE_KINDS, IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use crate::render::argocd::{argocd_spec, project_of, Member};

const CHECKS: [&str; 6] = [
    "gitops.project-missing",
    "gitops.foreign-project",
    "gitops.destination-wildcard",
    "gitops.reaches-protected",
    "gitops.cluster-resources",
    "gitops.baseline-kinds",
];

impl Ctx<'_, '_> {
    pub(super) fn gitops(&mut self) {
        let Some(a) = argocd_spec(self.baseline) else {
            return;
        };
        let ns = self.ns;
        let projects = match &self.snap.app_projects {
            Access::Known(p) => p.clone(),
            Access::Forbidden(m) => {
                let m = m.clone();
                for c in CHECKS {
                    self.unknown(c, &m);
                }
                return;
            }
        };
        // Argo CD reads the projects of its own namespace (offline, a
        // project without a namespace is taken as meant for it).
        let projects: Vec<&Item<AppProject>> = projects
            .into_iter()
            .filter(|p| {
                p.object
                    .metadata
                    .namespace
                    .as_deref()
                    .is_none_or(|n| n == a.namespace || (n.is_empty()))
            })
            .collect();
        let name = if a.server == IN_CLUSTER_SERVER {
            IN_CLUSTER_NAME
        } else {
            ""
        };
        let reaching: Vec<(&Item<AppProject>, String)> = projects
            .iter()
            .filter_map(|p| {
                p.object
                    .reaches(&a.server, name, ns)
                    .map(|d| (*p, d.describe()))
            })
            .collect();
        let protected = a.protected_profiles.iter().any(|p| p == self.profile_name);
        let own = match project_of(
            self.baseline,
            &Member {
                namespace: ns,
                labels: self.labels,
            },
        ) {
            Ok(own) => own,
            Err(e) => {
                let e = e.to_string();
                for c in CHECKS {
                    self.unknown(c, &e);
                }
                return;
            }
        };
        let fix_create = format!(
            "kubectl ns-policy create {ns} (renders and applies the namespace's AppProject)"
        );
        if let Some(own) = &own {
            if !reaching.iter().any(|(p, _)| p.object.name() == own) {
                let (message, source) = match projects.iter().find(|p| p.object.name() == own) {
                    Some(p) => (
                        format!(
                            "AppProject {own} (namespace {}) does not list namespace {ns} in spec.destinations: \
                             no project of the baseline confines the namespace's Applications",
                            a.namespace
                        ),
                        p.source.as_ref(),
                    ),
                    None => (
                        format!(
                            "No AppProject {own} in namespace {}: no project of the baseline confines the \
                             Applications of namespace {ns}",
                            a.namespace
                        ),
                        None,
                    ),
                };
                self.push(
                    "gitops.project-missing",
                    Severity::Error,
                    message,
                    fix_create.clone(),
                    Some(format!("AppProject/{own}")),
                    source,
                );
                self.at_field("spec.destinations");
            }
        }
        for (p, dest) in &reaching {
            let pname = p.object.name();
            let object = Some(format!("AppProject/{pname}"));
            let platform = a.platform_projects.iter().any(|x| x == pname);
            if protected {
                if !platform {
                    self.push(
                        "gitops.reaches-protected",
                        Severity::Error,
                        format!(
                            "AppProject {pname} lets Applications deploy into {ns}, a namespace of protected profile {} \
                             (destination {dest})",
                            self.profile_name
                        ),
                        format!(
                            "remove that destination from AppProject {pname} (kubectl -n {} edit appproject {pname}), \
                             or list the project in spec.gitops.argocd.platformProjects if it is the platform's own",
                            a.namespace
                        ),
                        object.clone(),
                        p.source.as_ref(),
                    );
                    self.at_field("spec.destinations");
                }
            } else if own.as_deref() != Some(pname) {
                self.push(
                    "gitops.foreign-project",
                    Severity::Error,
                    format!(
                        "AppProject {pname} lets Applications deploy into namespace {ns} (destination {dest}), \
                         which belongs to AppProject {}",
                        own.as_deref().unwrap_or("(none: the namespace has no team label)")
                    ),
                    format!(
                        "remove the destination from AppProject {pname} (kubectl -n {} edit appproject {pname}); \
                         Argo CD's default project reaches everything unless restricted",
                        a.namespace
                    ),
                    object.clone(),
                    p.source.as_ref(),
                );
                self.at_field("spec.destinations");
            } else if let Some(d) = p.object.spec.destinations.iter().flatten().find(|d| {
                d.namespace_pattern().contains(['*', '?', '['])
                    && !d.namespace.as_deref().unwrap_or_default().starts_with('!')
            }) {
                self.push(
                    "gitops.destination-wildcard",
                    Severity::Error,
                    format!(
                        "AppProject {pname}, the project of namespace {ns}, reaches namespaces by the pattern {:?}: \
                         its Applications can deploy into any namespace it matches, now or created later",
                        d.namespace_pattern()
                    ),
                    format!("list the team's namespaces by name instead: {fix_create}"),
                    object.clone(),
                    p.source.as_ref(),
                );
                self.at_field("spec.destinations");
            }
            if protected && platform {
                continue;
            }
            let wild = p.object.cluster_wildcards();
            if let Some(w) = wild.first() {
                self.push(
                    "gitops.cluster-resources",
                    Severity::Error,
                    format!(
                        "AppProject {pname}, which reaches namespace {ns}, whitelists cluster-scoped kinds \
                         {{group: {:?}, kind: {:?}}}: its Applications can create Namespaces, ClusterRoles and \
                         ClusterRoleBindings",
                        w.group, w.kind
                    ),
                    format!(
                        "set spec.clusterResourceWhitelist of AppProject {pname} to [] or to the kinds it needs \
                         (kubectl -n {} edit appproject {pname})",
                        a.namespace
                    ),
                    object.clone(),
                    p.source.as_ref(),
                );
                self.at_field("spec.clusterResourceWhitelist");
            }
            let open: Vec<&str> = BASELINE_KINDS
                .iter()
                .filter(|(g, k)| p.object.permits_namespaced(g, k))
                .map(|(_, k)| *k)
                .collect();
            if !open.is_empty() {
                self.push(
                    "gitops.baseline-kinds",
                    Severity::Error,
                    format!(
                        "AppProject {pname}, which reaches namespace {ns}, lets Applications manage {}: \
                         a sync can undo the namespace's baseline",
                        open.join(", ")
                    ),
                    format!(
                        "add them to spec.namespaceResourceBlacklist of AppProject {pname} \
                         (kubectl -n {} edit appproject {pname}), or {fix_create}",
                        a.namespace
                    ),
                    object,
                    p.source.as_ref(),
                );
                self.at_field("spec.namespaceResourceBlacklist");
            }
        }
    }
}
