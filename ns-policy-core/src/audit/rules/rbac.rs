//! RoleBindings, the roles they grant, and the default ServiceAccount.

use super::*;

impl Ctx<'_, '_> {
    /// What the baseline grants the team: "Role ns-policy-team" or
    /// "ClusterRole edit".
    fn team_grant(&self) -> String {
        let r = &self.baseline.spec.rbac;
        match &r.team_role {
            Some(t) => format!("ClusterRole {}", t.cluster_role),
            None => format!("Role {}", r.role_name),
        }
    }

    pub(super) fn rbac(&mut self) {
        let ns = self.ns;
        match &self.snap.role_bindings {
            Access::Forbidden(m) => {
                self.unknown("rbac.cluster-admin-binding", m);
                self.unknown("rbac.wildcard-role-binding", m);
            }
            Access::Known(bindings) => {
                for rb in bindings {
                    let name = name_of(&rb.object.metadata);
                    let role_ref = &rb.object.role_ref;
                    let subjects: Vec<String> = rb
                        .object
                        .subjects
                        .iter()
                        .flatten()
                        .map(|s| format!("{}/{}", s.kind, s.name))
                        .collect();
                    let subjects = if subjects.is_empty() {
                        "no subjects".to_string()
                    } else {
                        subjects.join(", ")
                    };
                    if role_ref.kind == "ClusterRole" && role_ref.name == "cluster-admin" {
                        self.push(
                            "rbac.cluster-admin-binding",
                            Severity::Error,
                            format!(
                                "RoleBinding/{name} roleRef binds ClusterRole cluster-admin in namespace {ns} to {subjects}"
                            ),
                            format!(
                                "kubectl -n {ns} delete rolebinding {name}; grant the team {} instead ({})",
                                self.team_grant(),
                                self.fix_command()
                            ),
                            Some(format!("RoleBinding/{name}")),
                            rb.source.as_ref(),
                        );
                        continue;
                    }
                    let rules: Option<(String, Vec<PolicyRule>)> = match role_ref.kind.as_str() {
                        "Role" => match &self.snap.roles {
                            Access::Known(roles) => roles
                                .iter()
                                .find(|r| name_of(&r.object.metadata) == role_ref.name)
                                .map(|r| {
                                    (
                                        format!("Role/{}", role_ref.name),
                                        r.object.rules.clone().unwrap_or_default(),
                                    )
                                }),
                            Access::Forbidden(m) => {
                                let m = m.clone();
                                self.unknown("rbac.wildcard-role-binding", &m);
                                None
                            }
                        },
                        "ClusterRole" => match &self.snap.cluster_roles {
                            Access::Known(index) => index.get(&role_ref.name).map(|r| {
                                (
                                    format!("ClusterRole/{}", role_ref.name),
                                    r.object.rules.clone().unwrap_or_default(),
                                )
                            }),
                            Access::Forbidden(m) => {
                                let m = m.clone();
                                self.unknown("rbac.wildcard-role-binding", &m);
                                None
                            }
                        },
                        _ => None,
                    };
                    let Some((role, rules)) = rules else { continue };
                    let wild: Vec<String> = rules
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| {
                            let verbs = r.verbs.iter().any(|v| v == "*");
                            let res = r.resources.iter().flatten().any(|v| v == "*");
                            match (verbs, res) {
                                (true, true) => {
                                    Some(format!("rules[{i}] verbs and resources [\"*\"]"))
                                }
                                (true, false) => Some(format!("rules[{i}].verbs [\"*\"]")),
                                (false, true) => Some(format!("rules[{i}].resources [\"*\"]")),
                                _ => None,
                            }
                        })
                        .collect();
                    if !wild.is_empty() {
                        self.push(
                            "rbac.wildcard-role-binding",
                            Severity::Warning,
                            format!(
                                "RoleBinding/{name} grants {role} to {subjects}; {role} has wildcard {}",
                                wild.join(", ")
                            ),
                            format!(
                                "list the verbs and resources explicitly in {role}, or bind the team {} \
                                 instead (kubectl -n {ns} edit rolebinding {name})",
                                self.team_grant()
                            ),
                            Some(format!("RoleBinding/{name}")),
                            rb.source.as_ref(),
                        );
                    }
                }
            }
        }
        match &self.snap.service_accounts {
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("rbac.default-sa-automount", &m);
            }
            Access::Known(sas) => {
                let default = sas
                    .iter()
                    .find(|s| name_of(&s.object.metadata) == crate::reserved::SERVICE_ACCOUNT);
                let fix = format!(
                    "kubectl -n {ns} patch serviceaccount default -p '{{\"automountServiceAccountToken\": false}}'"
                );
                match default {
                    None => self.push(
                        "rbac.default-sa-automount",
                        Severity::Info,
                        format!(
                            "ServiceAccount/default of namespace {ns} is not defined; the one the API server \
                             creates mounts its token into every pod (automountServiceAccountToken)"
                        ),
                        self.fix_with("ServiceAccount", crate::reserved::SERVICE_ACCOUNT),
                        Some("ServiceAccount/default".into()),
                        None,
                    ),
                    Some(sa) if sa.object.automount_service_account_token != Some(false) => self
                        .push(
                            "rbac.default-sa-automount",
                            Severity::Info,
                            format!(
                                "ServiceAccount/default automountServiceAccountToken is {}: every pod gets an API token",
                                match sa.object.automount_service_account_token {
                                    Some(v) => v.to_string(),
                                    None => "unset (true)".into(),
                                }
                            ),
                            fix,
                            Some("ServiceAccount/default".into()),
                            sa.source.as_ref(),
                        ),
                    Some(_) => {}
                }
            }
        }
    }
}
