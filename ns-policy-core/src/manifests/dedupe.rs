//! Objects given twice in manifests: the last one wins (as `kubectl apply`
//! of the files in order), each repeat is recorded.

use std::collections::HashMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Metadata;

use crate::inventory::{namespace_of, Access, Inventory, Item, Listing};

/// Keeps the last of each (kind, namespace, name) in every list of `set`
/// and records the others in `set.duplicates`.
pub(super) fn keep_last(set: &mut Inventory) {
    let mut notes = Vec::new();
    {
        let mut namespaces = Access::Known(std::mem::take(&mut set.namespaces));
        dedupe(
            &mut namespaces,
            "Namespace",
            false,
            |o| o.metadata(),
            &mut notes,
        );
        if let Access::Known(n) = namespaces {
            set.namespaces = n;
        }
    }
    dedupe(
        &mut set.network_policies,
        "NetworkPolicy",
        true,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(
        &mut set.resource_quotas,
        "ResourceQuota",
        true,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(
        &mut set.limit_ranges,
        "LimitRange",
        true,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(&mut set.roles, "Role", true, |o| o.metadata(), &mut notes);
    dedupe(
        &mut set.cluster_roles,
        "ClusterRole",
        false,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(
        &mut set.role_bindings,
        "RoleBinding",
        true,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(
        &mut set.cluster_role_bindings,
        "ClusterRoleBinding",
        false,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(
        &mut set.service_accounts,
        "ServiceAccount",
        true,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(&mut set.pods, "Pod", true, |o| o.metadata(), &mut notes);
    dedupe(
        &mut set.disruption_budgets,
        "PodDisruptionBudget",
        true,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(
        &mut set.autoscalers,
        "HorizontalPodAutoscaler",
        true,
        |o| o.metadata(),
        &mut notes,
    );
    dedupe(
        &mut set.app_projects,
        "AppProject",
        true,
        |o| &o.metadata,
        &mut notes,
    );
    dedupe_by(
        &mut set.workloads,
        |w| {
            (
                w.object.kind().info().name.to_string(),
                namespace_of(w.object.meta()).to_string(),
                w.object.name().to_string(),
            )
        },
        &mut notes,
    );
    dedupe_by(
        &mut set.cluster_policies,
        |c| {
            (
                c.object.kind.as_str().to_string(),
                String::new(),
                c.object.name.clone(),
            )
        },
        &mut notes,
    );
    dedupe_by(
        &mut set.cni_policies,
        |c| {
            (
                format!(
                    "{}.{}",
                    c.object.kind,
                    c.object.api_version.split('/').next().unwrap_or_default()
                ),
                c.object.namespace.clone().unwrap_or_default(),
                c.object.name.clone(),
            )
        },
        &mut notes,
    );
    set.duplicates = notes;
}

fn dedupe<T>(
    list: &mut Listing<T>,
    kind: &str,
    namespaced: bool,
    meta: fn(&T) -> &ObjectMeta,
    notes: &mut Vec<String>,
) {
    dedupe_by(
        list,
        |i| {
            let m = meta(&i.object);
            (
                kind.to_string(),
                if namespaced {
                    namespace_of(m).to_string()
                } else {
                    String::new()
                },
                m.name.clone().unwrap_or_default(),
            )
        },
        notes,
    );
}

fn dedupe_by<T>(
    list: &mut Listing<T>,
    key: impl Fn(&Item<T>) -> (String, String, String),
    notes: &mut Vec<String>,
) {
    let Access::Known(items) = list else { return };
    let keys: Vec<(String, String, String)> = items.iter().map(&key).collect();
    let mut last: HashMap<&(String, String, String), usize> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        last.insert(k, i);
    }
    if last.len() == items.len() {
        return;
    }
    let mut seen: HashMap<&(String, String, String), Vec<String>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        let at = items[i]
            .source
            .as_ref()
            .map_or_else(|| "?".to_string(), ToString::to_string);
        seen.entry(k).or_default().push(at);
    }
    let mut order: Vec<&(String, String, String)> = seen
        .iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(k, _)| *k)
        .collect();
    order.sort();
    for k in order {
        let (kind, ns, name) = k;
        let object = if ns.is_empty() {
            format!("{kind}/{name}")
        } else {
            format!("{kind} {ns}/{name}")
        };
        let at = &seen[k];
        notes.push(format!(
            "{object} is given {} times ({}); the last one ({}) is used",
            at.len(),
            at.join(", "),
            at[at.len() - 1]
        ));
    }
    let keep: Vec<bool> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| last.get(k) == Some(&i))
        .collect();
    let mut i = 0;
    items.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
}
