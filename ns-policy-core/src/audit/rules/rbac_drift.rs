//! RBAC compared with the profile: the team Role's rules, the RoleBindings
//! and ServiceAccounts the profile makes, and ClusterRoleBindings that give
//! identities of the namespace cluster-wide permissions.

use std::collections::BTreeSet;

use k8s_openapi::api::rbac::v1::{RoleBinding, Subject as RbacSubject};

use super::*;
use crate::inventory::subject_namespace;
use crate::render::BundleObject;

/// `(apiGroup, resource, verb, resourceName)` tuples a rule list grants.
type Grant<'r> = (&'r str, &'r str, &'r str, &'r str);

fn grants(rules: &[PolicyRule]) -> BTreeSet<Grant<'_>> {
    let mut out = BTreeSet::new();
    for r in rules {
        let groups = r.api_groups.as_deref().unwrap_or_default();
        let resources = r.resources.as_deref().unwrap_or_default();
        let names: Vec<&str> = match r.resource_names.as_deref() {
            Some(n) if !n.is_empty() => n.iter().map(String::as_str).collect(),
            _ => vec![""],
        };
        for g in groups {
            for res in resources {
                for v in &r.verbs {
                    for n in &names {
                        out.insert((g.as_str(), res.as_str(), v.as_str(), *n));
                    }
                }
            }
        }
    }
    out
}

fn show(t: &Grant<'_>) -> String {
    let group = if t.0.is_empty() { "core" } else { t.0 };
    let name = if t.3.is_empty() {
        String::new()
    } else {
        format!("/{}", t.3)
    };
    format!("{} {}{name} ({group})", t.2, t.1)
}

fn subjects(rb: &RoleBinding, ns: &str) -> BTreeSet<(String, String, String)> {
    rb.subjects
        .iter()
        .flatten()
        .map(|s: &RbacSubject| {
            let namespace = match s.kind.as_str() {
                "ServiceAccount" => s.namespace.clone().unwrap_or_else(|| ns.to_string()),
                _ => String::new(),
            };
            (s.kind.clone(), s.name.clone(), namespace)
        })
        .collect()
}

fn role_ref(rb: &RoleBinding) -> (String, String) {
    (rb.role_ref.kind.clone(), rb.role_ref.name.clone())
}

impl Ctx<'_, '_> {
    pub(super) fn rbac_drift(&mut self) {
        self.cluster_role_bindings();
        let Some(expected) = self.expected() else {
            return;
        };
        let ns = self.ns;
        for obj in &expected.objects {
            match obj {
                BundleObject::Role(want) => self.role_drift(want),
                // A binding to a required label the namespace lacks is
                // reported by the labels checks.
                BundleObject::RoleBinding(want)
                    if want
                        .subjects
                        .iter()
                        .flatten()
                        .any(|s| s.name.contains("CHANGE-ME")) => {}
                BundleObject::RoleBinding(want) => match &self.snap.role_bindings {
                    Access::Forbidden(m) => {
                        let m = m.clone();
                        self.unknown("rbac.role-binding-missing", &m);
                    }
                    Access::Known(live) => {
                        let name = name_of(&want.metadata);
                        let same = live.iter().find(|rb| name_of(&rb.object.metadata) == name);
                        let equivalent = live.iter().any(|rb| {
                            role_ref(&rb.object) == role_ref(want)
                                && subjects(&rb.object, ns).is_superset(&subjects(want, ns))
                        });
                        if equivalent {
                            continue;
                        }
                        let fix = self.fix_with("RoleBinding", name);
                        let grant = format!(
                            "{} {} to {}",
                            want.role_ref.kind,
                            want.role_ref.name,
                            want.subjects
                                .iter()
                                .flatten()
                                .map(|s| format!("{}/{}", s.kind, s.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                        let profile = self.profile_name;
                        match same {
                            None => self.push(
                                "rbac.role-binding-missing",
                                Severity::Error,
                                format!(
                                    "Namespace {ns} has no RoleBinding granting {grant}, as profile {profile} requires (RoleBinding/{name})"
                                ),
                                fix,
                                Some(format!("RoleBinding/{name}")),
                                None,
                            ),
                            Some(rb) => self.push(
                                "rbac.role-binding-drift",
                                Severity::Error,
                                format!(
                                    "RoleBinding/{name} grants {} {} to {}, but profile {profile} grants {grant}",
                                    rb.object.role_ref.kind,
                                    rb.object.role_ref.name,
                                    subjects(&rb.object, ns)
                                        .iter()
                                        .map(|(k, n, _)| format!("{k}/{n}"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                                fix,
                                Some(format!("RoleBinding/{name}")),
                                rb.source.as_ref(),
                            ),
                        }
                    }
                },
                BundleObject::ServiceAccount(want)
                    if name_of(&want.metadata) != crate::reserved::SERVICE_ACCOUNT =>
                {
                    let live = match &self.snap.service_accounts {
                        Access::Known(live) => live,
                        Access::Forbidden(m) => {
                            let m = m.clone();
                            self.unknown("rbac.service-account-missing", &m);
                            continue;
                        }
                    };
                    let name = name_of(&want.metadata);
                    let profile = self.profile_name;
                    match live.iter().find(|s| name_of(&s.object.metadata) == name) {
                        None => {
                            let fix = self.fix_with("ServiceAccount", name);
                            self.push(
                                "rbac.service-account-missing",
                                Severity::Error,
                                format!("Namespace {ns} has no ServiceAccount/{name}, which profile {profile} creates"),
                                fix,
                                Some(format!("ServiceAccount/{name}")),
                                None,
                            );
                        }
                        Some(sa)
                            if sa.object.automount_service_account_token.unwrap_or(true)
                                != want.automount_service_account_token.unwrap_or(true) =>
                        {
                            let want_mount = want.automount_service_account_token.unwrap_or(true);
                            self.push(
                                "rbac.service-account-drift",
                                Severity::Warning,
                                format!(
                                    "ServiceAccount/{name} automountServiceAccountToken is {}, profile {profile} sets {want_mount}",
                                    !want_mount
                                ),
                                format!(
                                    "kubectl -n {ns} patch serviceaccount {name} -p '{{\"automountServiceAccountToken\": {want_mount}}}'"
                                ),
                                Some(format!("ServiceAccount/{name}")),
                                sa.source.as_ref(),
                            );
                        }
                        Some(_) => {}
                    }
                }
                _ => {}
            }
        }
    }

    fn role_drift(&mut self, want: &k8s_openapi::api::rbac::v1::Role) {
        let ns = self.ns;
        let name = name_of(&want.metadata);
        let live = match &self.snap.roles {
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("rbac.role-missing", &m);
                return;
            }
            Access::Known(r) => r,
        };
        let Some(role) = live.iter().find(|r| name_of(&r.object.metadata) == name) else {
            let fix = self.fix_with("Role", name);
            self.push(
                "rbac.role-missing",
                Severity::Error,
                format!(
                    "Namespace {ns} has no Role/{name}, the team role of the baseline (spec.rbac)"
                ),
                fix,
                Some(format!("Role/{name}")),
                None,
            );
            return;
        };
        let have = grants(role.object.rules.as_deref().unwrap_or_default());
        let want_grants = grants(want.rules.as_deref().unwrap_or_default());
        let extra: Vec<String> = have.difference(&want_grants).map(show).collect();
        let lacking: Vec<String> = want_grants.difference(&have).map(show).collect();
        if extra.is_empty() && lacking.is_empty() {
            return;
        }
        let shown = |v: &[String]| {
            let mut s = v.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
            if v.len() > 6 {
                s.push_str(&format!(" and {} more", v.len() - 6));
            }
            s
        };
        let mut msg = format!("Role/{name} differs from the baseline's team role:");
        if !extra.is_empty() {
            msg.push_str(&format!(" it also grants {}", shown(&extra)));
        }
        if !lacking.is_empty() {
            msg.push_str(&format!(
                "{} it lacks {}",
                if extra.is_empty() { "" } else { ";" },
                shown(&lacking)
            ));
        }
        let fix = self.fix_with("Role", name);
        self.push(
            "rbac.role-drift",
            if extra.is_empty() {
                Severity::Warning
            } else {
                Severity::Error
            },
            msg,
            fix,
            Some(format!("Role/{name}")),
            role.source.as_ref(),
        );
    }

    fn cluster_role_bindings(&mut self) {
        let ns = self.ns;
        let bindings = match &self.snap.cluster_role_bindings {
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("rbac.cluster-role-binding", &m);
                return;
            }
            Access::Known(b) => b.clone(),
        };
        for crb in bindings {
            let name = name_of(&crb.object.metadata);
            let who: Vec<String> = crb
                .object
                .subjects
                .iter()
                .flatten()
                .filter(|s| subject_namespace(s) == Some(ns))
                .map(|s| match s.kind.as_str() {
                    "ServiceAccount" => format!("ServiceAccount {ns}/{}", s.name),
                    _ => format!("Group {}", s.name),
                })
                .collect();
            let role = &crb.object.role_ref.name;
            let wildcard = match &self.snap.cluster_roles {
                Access::Known(idx) => idx.get(role).is_some_and(|r| {
                    r.object.rules.iter().flatten().any(|rule| {
                        rule.verbs.iter().any(|v| v == "*")
                            || rule.resources.iter().flatten().any(|v| v == "*")
                    })
                }),
                Access::Forbidden(m) => {
                    // Reported as a warning; whether ClusterRole {role} has
                    // wildcard rules (an error) cannot be told.
                    let m = format!(
                        "{m}; ClusterRoleBinding/{name}: whether ClusterRole {role} has wildcard rules (an error) is unknown"
                    );
                    self.unknown("rbac.cluster-role-binding", &m);
                    false
                }
            };
            let severity = if role == "cluster-admin" || wildcard {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push(
                "rbac.cluster-role-binding",
                severity,
                format!(
                    "ClusterRoleBinding/{name} grants ClusterRole {role}{} cluster-wide to {}: beyond namespace {ns}",
                    if wildcard { " (wildcard rules)" } else { "" },
                    who.join(", ")
                ),
                format!(
                    "bind ClusterRole {role} with a RoleBinding in {ns} instead (kubectl -n {ns} create rolebinding {name} --clusterrole={role} ...), \
                     then kubectl delete clusterrolebinding {name}; or, if the namespace needs it, skip the check in its profile (audit.skip: [rbac.cluster-role-binding])"
                ),
                Some(format!("ClusterRoleBinding/{name}")),
                crb.source.as_ref(),
            );
        }
    }
}
