//! What applying a bundle would change: plans per object and namespace,
//! field-level diffs and apply results. Pure data; the API calls that fill
//! these in are in [`crate::kube::apply`].

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use crate::render::BundleObject;

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Field manager (`--field-manager`).
    pub field_manager: String,
    /// `--dry-run=server`: every write is a server-side dry run.
    pub server_dry_run: bool,
    /// `--force-conflicts`.
    pub force_conflicts: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            field_manager: crate::FIELD_MANAGER.to_string(),
            server_dry_run: false,
            force_conflicts: false,
        }
    }
}

/// What applying did (or, in a dry run, would do) to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It did not exist.
    Created,
    /// It existed and changed.
    Configured,
    /// It existed and nothing changed (same resourceVersion).
    Unchanged,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Created => "created",
            Action::Configured => "configured",
            Action::Unchanged => "unchanged",
        })
    }
}

/// One changed field of an existing object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Dotted path (`metadata.labels.env`, `spec.hard.pods`).
    pub path: String,
    /// Current value (None: absent).
    pub from: Option<Value>,
    /// Value after apply (None: removed).
    pub to: Option<Value>,
}

/// The plan for one object.
#[derive(Debug, Clone)]
pub struct ObjectPlan {
    /// Desired object.
    pub object: BundleObject,
    /// Whether it exists now.
    pub exists: bool,
    /// resourceVersion now.
    pub resource_version: Option<String>,
    /// Changes the apply would make to the existing object.
    pub changes: Vec<FieldChange>,
    /// Field-manager conflicts (the API server's message), if any.
    pub conflict: Option<String>,
}

impl ObjectPlan {
    /// The action this plan amounts to.
    pub fn action(&self) -> Action {
        if !self.exists {
            Action::Created
        } else if self.changes.is_empty() {
            Action::Unchanged
        } else {
            Action::Configured
        }
    }
}

/// The plan for one namespace.
#[derive(Debug, Clone)]
pub struct NamespacePlan {
    /// Namespace.
    pub namespace: String,
    /// Profile.
    pub profile: String,
    /// Whether the namespace exists.
    pub namespace_exists: bool,
    /// Per object, in apply order.
    pub objects: Vec<ObjectPlan>,
}

impl NamespacePlan {
    /// True when applying would change a namespace that already exists:
    /// changed fields, or objects added to it (a new default deny or quota
    /// changes what running workloads may do). The user must confirm
    /// (prompt or `--yes`). A new namespace needs no confirmation.
    pub fn needs_confirmation(&self) -> bool {
        self.namespace_exists
            && self
                .objects
                .iter()
                .any(|o| !o.exists || !o.changes.is_empty())
    }
}

/// One permission a run needs: a verb on a resource, in a namespace (or
/// cluster-wide), as `kubectl auth can-i` asks it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission {
    /// `create`, `patch`.
    pub verb: String,
    /// API group (empty for the core group).
    pub group: String,
    /// Plural resource (`networkpolicies`).
    pub resource: String,
    /// Namespace (`None` for cluster-scoped resources).
    pub namespace: Option<String>,
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let resource = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        write!(f, "{} {resource}", self.verb)?;
        if let Some(ns) = &self.namespace {
            write!(f, " -n {ns}")?;
        }
        Ok(())
    }
}

impl NamespacePlan {
    /// Every permission applying this plan needs: `create` and `patch`
    /// (server-side apply of a new object is a patch that creates) for the
    /// objects it creates, `patch` for those it changes; nothing for objects
    /// it leaves alone.
    pub fn permissions(&self) -> BTreeSet<Permission> {
        let mut out = BTreeSet::new();
        for o in &self.objects {
            let verbs: &[&str] = if !o.exists {
                &["create", "patch"]
            } else if !o.changes.is_empty() {
                &["patch"]
            } else {
                &[]
            };
            let info = o.object.kind_id().info();
            for verb in verbs {
                out.insert(Permission {
                    verb: verb.to_string(),
                    group: info.group.to_string(),
                    resource: info.plural.to_string(),
                    namespace: info.namespaced.then(|| self.namespace.clone()),
                });
            }
        }
        out
    }
}

/// True when a rule of a SelfSubjectRulesReview grants `p` for any object
/// name (rules limited to `resourceNames` do not count: they grant named
/// objects only).
pub fn rules_grant(
    rules: &[k8s_openapi::api::authorization::v1::ResourceRule],
    p: &Permission,
) -> bool {
    let has = |list: &[String], want: &str| list.iter().any(|v| v == "*" || v == want);
    rules.iter().any(|r| {
        has(&r.verbs, &p.verb)
            && has(r.api_groups.as_deref().unwrap_or_default(), &p.group)
            && has(r.resources.as_deref().unwrap_or_default(), &p.resource)
            && r.resource_names.as_ref().is_none_or(Vec::is_empty)
    })
}

/// Result of applying one object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectResult {
    /// Namespace of the bundle.
    pub namespace: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// What happened.
    pub action: Action,
    /// resourceVersion after apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// True for `--dry-run=server`.
    pub dry_run: bool,
    /// UID of the object as applied (to undo exactly what this run made).
    #[serde(skip)]
    pub uid: Option<String>,
}

/// Removes what the server owns or changes on every write, so two versions of
/// an object compare by what the user and we set.
pub fn normalize(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.remove("status");
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "managedFields",
                "resourceVersion",
                "generation",
                "creationTimestamp",
                "uid",
                "selfLink",
            ] {
                meta.remove(k);
            }
        }
    }
    v
}

/// Leaf-level differences between two JSON values.
pub fn diff(from: &Value, to: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff_into("", Some(from), Some(to), &mut out);
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn diff_into(path: &str, from: Option<&Value>, to: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (from, to) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                diff_into(&join(path, k), a.get(k), b.get(k), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(FieldChange {
            path: path.to_string(),
            from: a.cloned(),
            to: b.cloned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_reports_changed_added_and_removed_leaves() {
        let a = json!({"metadata": {"labels": {"env": "dev", "x": "1"}}, "spec": {"hard": {"pods": "10"}}});
        let b = json!({"metadata": {"labels": {"env": "prod", "team": "a", "x": "1"}}, "spec": {}});
        let d = diff(&a, &b);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.contains(&FieldChange {
            path: "metadata.labels.env".into(),
            from: Some(json!("dev")),
            to: Some(json!("prod"))
        }));
        assert!(d.contains(&FieldChange {
            path: "metadata.labels.team".into(),
            from: None,
            to: Some(json!("a"))
        }));
        assert!(d.contains(&FieldChange {
            path: "spec.hard".into(),
            from: Some(json!({"pods": "10"})),
            to: None
        }));
    }

    fn plan_of(namespace_exists: bool, objects: Vec<(bool, usize)>) -> NamespacePlan {
        let bundle = crate::render::render(
            &crate::baseline::Baseline::builtin(),
            &crate::render::NamespaceSpec {
                name: "x".into(),
                profile: "app".into(),
                labels: [("env", "dev"), ("team", "t"), ("cost-center", "c")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                created_at: None,
                expires_at: None,
                ..Default::default()
            },
        )
        .unwrap();
        NamespacePlan {
            namespace: "x".into(),
            profile: "app".into(),
            namespace_exists,
            objects: objects
                .into_iter()
                .zip(bundle.objects)
                .map(|((exists, changes), object)| ObjectPlan {
                    object,
                    exists,
                    resource_version: None,
                    changes: (0..changes)
                        .map(|i| FieldChange {
                            path: format!("f{i}"),
                            from: None,
                            to: Some(json!(i)),
                        })
                        .collect(),
                    conflict: None,
                })
                .collect(),
        }
    }

    #[test]
    fn only_changes_to_an_existing_namespace_need_confirmation() {
        assert!(!plan_of(false, vec![(false, 0), (false, 0)]).needs_confirmation());
        assert!(!plan_of(true, vec![(true, 0), (true, 0)]).needs_confirmation());
        assert!(plan_of(true, vec![(true, 1), (true, 0)]).needs_confirmation());
        // Adding a default deny or a quota to a namespace in use changes it too.
        assert!(plan_of(true, vec![(true, 0), (false, 0)]).needs_confirmation());
    }

    #[test]
    fn normalize_ignores_server_bookkeeping() {
        let a = json!({"metadata": {"name": "x", "resourceVersion": "1", "managedFields": [1], "uid": "u"}, "status": {"phase": "Active"}});
        let b = json!({"metadata": {"name": "x", "resourceVersion": "2", "generation": 3}});
        assert!(diff(&normalize(a), &normalize(b)).is_empty());
    }
}
