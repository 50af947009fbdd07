//! Listing for audits: paging, forbidden lists.

use super::*;

fn namespace_item(name: &str) -> Value {
    stored(
        json!({"metadata": {"name": name, "labels": {"env": "dev"}}, "status": {"phase": "Active"}}),
        "3",
        "kubectl-create",
    )
}

/// The LISTs of `list::collect` for one namespace, with their list kinds.
const COLLECTED: [(&str, &str); 19] = [
    (
        "/api/v1/namespaces/{ns}/resourcequotas",
        "ResourceQuotaList",
    ),
    ("/api/v1/namespaces/{ns}/limitranges", "LimitRangeList"),
    (
        "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
        "NetworkPolicyList",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
        "RoleBindingList",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
        "RoleList",
    ),
    (
        "/api/v1/namespaces/{ns}/serviceaccounts",
        "ServiceAccountList",
    ),
    ("/api/v1/namespaces/{ns}/pods", "PodList"),
    (
        "/apis/apps/v1/namespaces/{ns}/deployments",
        "DeploymentList",
    ),
    (
        "/apis/apps/v1/namespaces/{ns}/statefulsets",
        "StatefulSetList",
    ),
    ("/apis/apps/v1/namespaces/{ns}/daemonsets", "DaemonSetList"),
    (
        "/apis/apps/v1/namespaces/{ns}/replicasets",
        "ReplicaSetList",
    ),
    ("/apis/batch/v1/namespaces/{ns}/jobs", "JobList"),
    ("/apis/batch/v1/namespaces/{ns}/cronjobs", "CronJobList"),
    (
        "/api/v1/namespaces/{ns}/replicationcontrollers",
        "ReplicationControllerList",
    ),
    (
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
        "PodDisruptionBudgetList",
    ),
    (
        "/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers",
        "HorizontalPodAutoscalerList",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        "ClusterRoleList",
    ),
    ("/apis/argoproj.io/v1alpha1/appprojects", "AppProjectList"),
    (
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "ClusterRoleBindingList",
    ),
];

/// `list::collect` over namespace `NS`, each LIST answered by
/// `pages(path, list kind)` (one reply per page), or by an empty list where
/// that is `None`.
async fn collect_with(
    pages: impl Fn(&str, &str) -> Option<Vec<Reply>>,
) -> (ns_policy_core::Result<Inventory>, Vec<Seen>) {
    let steps = COLLECTED
        .iter()
        .flat_map(|(path, kind)| {
            let path = path.replace("{ns}", NS);
            pages(&path, kind)
                .unwrap_or_else(|| vec![list_of(kind, Vec::new(), "")])
                .into_iter()
                .map(move |r| step(Method::GET, &path, r))
        })
        .chain(std::iter::once(step(
            Method::GET,
            "/apis",
            ok(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})),
        )))
        .collect();
    let scope = list::Scope::Namespaces(vec![NS.to_string()]);
    with_api(steps, |c| async move {
        list::collect(&c, &scope, Vec::new()).await
    })
    .await
}

fn pod_item(name: &str) -> Value {
    stored(
        json!({"metadata": {"name": name, "namespace": NS}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}),
        "20",
        "kube-controller-manager",
    )
}

#[tokio::test]
async fn list_follows_continue_tokens() {
    let steps = vec![
        step(
            Method::GET,
            "/api/v1/namespaces",
            list_of(
                "NamespaceList",
                vec![namespace_item("a"), namespace_item("b")],
                "t1",
            ),
        ),
        step(
            Method::GET,
            "/api/v1/namespaces",
            list_of("NamespaceList", vec![namespace_item("c")], "t2"),
        ),
        step(
            Method::GET,
            "/api/v1/namespaces",
            list_of("NamespaceList", vec![namespace_item("d")], ""),
        ),
    ];
    let (namespaces, seen) = with_api(steps, |c| async move {
        list::list_namespaces(&c, Some("env=dev")).await
    })
    .await;
    let names: Vec<String> = namespaces
        .expect("listed")
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    let continues: Vec<Option<&str>> = seen.iter().map(|r| r.param("continue")).collect();
    assert_eq!(continues, [None, Some("t1"), Some("t2")]);
    for r in &seen {
        assert_eq!(r.param("limit"), Some("500"));
        assert_eq!(r.param("labelSelector"), Some("env=dev"));
    }

    // Every kind of an audit is paginated the same way.
    let (inventory, seen) = collect_with(|path, kind| {
        path.ends_with("/pods").then(|| {
            vec![
                list_of(kind, vec![pod_item("web-1"), pod_item("web-2")], "p1"),
                list_of(kind, vec![pod_item("web-3")], ""),
            ]
        })
    })
    .await;
    let inventory = inventory.expect("collected");
    let pods: Vec<&str> = inventory
        .pods
        .known()
        .expect("pods known")
        .iter()
        .filter_map(|p| p.object.metadata.name.as_deref())
        .collect();
    assert_eq!(pods, ["web-1", "web-2", "web-3"]);
    assert!(seen
        .iter()
        .filter(|r| r.path != "/apis")
        .all(|r| r.param("limit") == Some("500")));
    let pod_pages: Vec<Option<&str>> = seen
        .iter()
        .filter(|r| r.path.ends_with("/pods"))
        .map(|r| r.param("continue"))
        .collect();
    assert_eq!(pod_pages, [None, Some("p1")]);
}

#[tokio::test]
async fn forbidden_list_becomes_unknown_not_an_error() {
    let (inventory, seen) = collect_with(|path, kind| {
        if path.ends_with("/networkpolicies") {
            Some(vec![status(
                403,
                "Forbidden",
                "networkpolicies.networking.k8s.io is forbidden: User \"dev\" cannot list resource \"networkpolicies\" in API group \"networking.k8s.io\" in the namespace \"team-a\"",
            )])
        } else if path.ends_with("/pods") {
            Some(vec![list_of(kind, vec![pod_item("web-1")], "")])
        } else {
            None
        }
    })
    .await;
    let inventory = inventory.expect("a forbidden list is no error");
    assert_eq!(seen.len(), COLLECTED.len() + 1);
    let refused = inventory
        .network_policies
        .forbidden()
        .expect("network policies are unknown");
    assert!(
        refused.contains("cannot list networkpolicies.networking.k8s.io in namespace \"team-a\""),
        "{refused}"
    );
    assert!(
        refused.contains("kubectl auth can-i list networkpolicies.networking.k8s.io -n team-a"),
        "{refused}"
    );
    assert_eq!(inventory.forbidden(), [refused.to_string()]);
    assert_eq!(inventory.pods.known().map(Vec::len), Some(1));
    for known in [
        inventory.resource_quotas.forbidden(),
        inventory.limit_ranges.forbidden(),
        inventory.roles.forbidden(),
        inventory.role_bindings.forbidden(),
        inventory.cluster_roles.forbidden(),
        inventory.cluster_role_bindings.forbidden(),
        inventory.service_accounts.forbidden(),
        inventory.workloads.forbidden(),
    ] {
        assert_eq!(known, None);
    }
}

fn group(name: &str, versions: &[&str]) -> Value {
    json!({
        "name": name,
        "versions": versions.iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect::<Vec<_>>(),
        "preferredVersion": {"groupVersion": format!("{name}/{}", versions[0]), "version": versions[0]},
    })
}

fn resources(gv: &str, kinds: &[(&str, &str, bool)]) -> Reply {
    ok(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": kinds.iter().map(|(plural, kind, namespaced)| json!({
            "name": plural, "singularName": "", "namespaced": namespaced, "kind": kind,
            "verbs": ["get", "list", "watch"],
        })).chain(std::iter::once(json!({
            "name": "clusternetworkpolicies/status", "singularName": "", "namespaced": false,
            "kind": "ClusterNetworkPolicy", "verbs": ["get"],
        }))).collect::<Vec<_>>(),
    }))
}

#[tokio::test]
async fn cluster_and_cni_policies_are_found_by_discovery_and_listed_once() {
    let cnp = json!({
        "apiVersion": "policy.networking.k8s.io/v1beta1", "kind": "ClusterNetworkPolicy",
        "metadata": {"name": "baseline-deny", "resourceVersion": "1"},
        "spec": {"tier": "Baseline", "priority": 10, "subject": {"namespaces": {}},
                 "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]},
    });
    let anp = json!({
        "apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
        "metadata": {"name": "monitoring", "resourceVersion": "2"},
        "spec": {"priority": 3, "subject": {"namespaces": {}},
                 "ingress": [{"action": "Allow", "from": [{"namespaces": {"matchLabels": {"team": "mon"}}}]}]},
    });
    let steps = vec![
        step(
            Method::GET,
            "/apis",
            ok(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                group("apps", &["v1"]),
                group("policy.networking.k8s.io", &["v1beta1", "v1alpha2", "v1alpha1"]),
                group("cilium.io", &["v2"]),
            ]})),
        ),
        step(
            Method::GET,
            "/apis/policy.networking.k8s.io/v1beta1",
            resources(
                "policy.networking.k8s.io/v1beta1",
                &[("clusternetworkpolicies", "ClusterNetworkPolicy", false)],
            ),
        ),
        step(
            Method::GET,
            "/apis/policy.networking.k8s.io/v1alpha2",
            resources(
                "policy.networking.k8s.io/v1alpha2",
                &[("clusternetworkpolicies", "ClusterNetworkPolicy", false)],
            ),
        ),
        step(
            Method::GET,
            "/apis/policy.networking.k8s.io/v1alpha1",
            resources(
                "policy.networking.k8s.io/v1alpha1",
                &[
                    ("adminnetworkpolicies", "AdminNetworkPolicy", false),
                    ("baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy", false),
                ],
            ),
        ),
        step(
            Method::GET,
            "/apis/cilium.io/v2",
            resources(
                "cilium.io/v2",
                &[
                    ("ciliumnetworkpolicies", "CiliumNetworkPolicy", true),
                    ("ciliumendpoints", "CiliumEndpoint", true),
                ],
            ),
        ),
        step(
            Method::GET,
            "/apis/policy.networking.k8s.io/v1beta1/clusternetworkpolicies",
            list_of("ClusterNetworkPolicyList", vec![cnp], ""),
        ),
        step(
            Method::GET,
            "/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies",
            list_of("AdminNetworkPolicyList", vec![anp], ""),
        ),
        step(
            Method::GET,
            "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies",
            list_of("BaselineAdminNetworkPolicyList", Vec::new(), ""),
        ),
        step(
            Method::GET,
            format!("/apis/cilium.io/v2/namespaces/{NS}/ciliumnetworkpolicies"),
            status(
                403,
                "Forbidden",
                "ciliumnetworkpolicies.cilium.io is forbidden: User \"dev\" cannot list resource \"ciliumnetworkpolicies\"",
            ),
        ),
    ];
    let scope = list::Scope::Namespaces(vec![NS.to_string()]);
    let (ext, seen) = with_api(steps, |c| async move {
        ns_policy_core::kube::netpol::list_extensions(&c, &scope).await
    })
    .await;
    let ext = ext.expect("listed");
    let names: Vec<String> = ext
        .cluster_policies
        .known()
        .expect("cluster policies known")
        .iter()
        .map(|i| i.object.reference())
        .collect();
    assert_eq!(
        names,
        [
            "ClusterNetworkPolicy/baseline-deny",
            "AdminNetworkPolicy/monitoring"
        ]
    );
    // Served in two versions, listed in the preferred one only.
    assert!(!seen
        .iter()
        .any(|r| r.path == "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies"));
    let refused = ext
        .cni_policies
        .forbidden()
        .expect("cilium policies unknown");
    assert!(
        refused.contains("ciliumnetworkpolicies.cilium.io"),
        "{refused}"
    );
    assert!(ext
        .served
        .contains(&"CiliumNetworkPolicy.cilium.io/v2".to_string()));
}

#[tokio::test]
async fn a_cluster_without_these_groups_lists_nothing_more() {
    let steps = vec![step(
        Method::GET,
        "/apis",
        ok(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [group("apps", &["v1"])]})),
    )];
    let (ext, seen) = with_api(steps, |c| async move {
        ns_policy_core::kube::netpol::list_extensions(&c, &list::Scope::Cluster).await
    })
    .await;
    let ext = ext.expect("listed");
    assert_eq!(ext.cluster_policies.known().map(Vec::len), Some(0));
    assert_eq!(ext.cni_policies.known().map(Vec::len), Some(0));
    assert_eq!(seen.len(), 1);
}

#[tokio::test]
async fn a_cluster_without_argo_cd_makes_app_projects_unknown_and_create_skips_them() {
    let steps = vec![
        step(
            Method::GET,
            "/apis/argoproj.io/v1alpha1/appprojects",
            status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        ),
        step(
            Method::GET,
            "/apis/argoproj.io/v1alpha1",
            status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        ),
    ];
    let ((listed, served), _) = with_api(steps, |c| async move {
        (
            list::list_app_projects(&c).await,
            ns_policy_core::kube::argocd::served(&c).await,
        )
    })
    .await;
    let why = listed.expect("listed").forbidden().map(str::to_string);
    assert_eq!(
        why.as_deref(),
        Some(
            "the cluster serves no argoproj.io/v1alpha1 AppProject API (Argo CD is not installed)"
        )
    );
    assert!(!served.expect("discovery answered"));
}
