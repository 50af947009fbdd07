use super::*;
use chrono::TimeZone;
use k8s_openapi::api::networking::v1::NetworkPolicySpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

fn spec(name: &str, profile: &str) -> NamespaceSpec {
    let b = Baseline::builtin();
    let mut labels = BTreeMap::new();
    labels.insert("team".to_string(), "payments".to_string());
    labels.insert("cost-center".to_string(), "cc-42".to_string());
    labels.insert(
        "env".to_string(),
        b.infer_env(name, profile).unwrap_or_else(|| "dev".into()),
    );
    let (created_at, expires_at) = if b.profile(profile).unwrap().ttl.is_some() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        (Some(t), Some(t + chrono::Duration::hours(4)))
    } else {
        (None, None)
    };
    NamespaceSpec {
        name: name.to_string(),
        profile: profile.to_string(),
        labels,
        created_at,
        expires_at,
        ..Default::default()
    }
}

fn bundle(name: &str, profile: &str) -> Bundle {
    render(&Baseline::builtin(), &spec(name, profile)).unwrap()
}

fn find<'a>(b: &'a Bundle, kind: &str, name: &str) -> &'a BundleObject {
    b.objects
        .iter()
        .find(|o| o.kind() == kind && o.name() == name)
        .unwrap_or_else(|| panic!("{kind}/{name} not rendered"))
}

/// Compares the rendered YAML of every profile with the snapshot files under
/// tests/snapshots (set UPDATE_SNAPSHOTS=1 to rewrite them after a reviewed
/// change).
#[test]
fn every_profile_renders_as_its_snapshot() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for (name, profile) in [
        ("staging", "app"),
        ("pr-123", "preview"),
        ("ingress-platform", "platform"),
        ("orders-db", "data"),
    ] {
        let yaml = to_yaml_stream(&[bundle(name, profile)]);
        let path = dir.join(format!("render-{profile}.yaml"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &yaml).unwrap();
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
        assert_eq!(yaml, expected, "snapshot {} differs", path.display());
    }
}

#[test]
fn namespace_carries_required_psa_managed_by_and_profile_labels() {
    let b = bundle("staging", "app");
    let BundleObject::Namespace(ns) = &b.objects[0] else {
        panic!("Namespace must come first")
    };
    let labels = ns.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["env"], "staging");
    assert_eq!(labels["team"], "payments");
    assert_eq!(labels["cost-center"], "cc-42");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "kubectl-ns-policy");
    assert_eq!(labels["ns-policy.io/profile"], "app");
    for mode in ["enforce", "warn", "audit"] {
        assert_eq!(
            labels[&format!("pod-security.kubernetes.io/{mode}")],
            "restricted"
        );
        assert_eq!(
            labels[&format!("pod-security.kubernetes.io/{mode}-version")],
            "latest"
        );
    }
    assert!(ns.metadata.annotations.is_none());
}

#[test]
fn platform_profile_is_privileged_but_keeps_strict_rbac() {
    let b = bundle("ingress-platform", "platform");
    let BundleObject::Namespace(ns) = &b.objects[0] else {
        panic!()
    };
    assert_eq!(
        ns.metadata.labels.as_ref().unwrap()["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    let BundleObject::RoleBinding(rb) = find(&b, "RoleBinding", "ns-policy-team") else {
        panic!()
    };
    assert_eq!(rb.role_ref.kind, "Role");
    assert_ne!(rb.role_ref.name, "cluster-admin");
    assert_eq!(rb.subjects.as_ref().unwrap()[0].kind, "Group");
    assert_eq!(rb.subjects.as_ref().unwrap()[0].name, "payments");
    let BundleObject::Role(role) = find(&b, "Role", "ns-policy-team") else {
        panic!()
    };
    for rule in role.rules.as_ref().unwrap() {
        assert!(!rule.verbs.iter().any(|v| v == "*"), "wildcard verb");
        assert!(
            !rule.resources.iter().flatten().any(|r| r == "*"),
            "wildcard resource"
        );
        let writes = rule
            .verbs
            .iter()
            .any(|v| ["create", "update", "patch", "delete"].contains(&v.as_str()));
        let baseline_objects = rule.resources.iter().flatten().any(|r| {
            [
                "networkpolicies",
                "resourcequotas",
                "limitranges",
                "roles",
                "rolebindings",
            ]
            .contains(&r.as_str())
        });
        assert!(
            !(writes && baseline_objects),
            "team may change baseline objects: {rule:?}"
        );
    }
}

#[test]
fn preview_forbids_pvcs_load_balancers_node_ports_and_has_ttl_annotations() {
    let b = bundle("pr-123", "preview");
    let BundleObject::ResourceQuota(q) = find(&b, "ResourceQuota", reserved::QUOTA) else {
        panic!()
    };
    let hard = q.spec.as_ref().unwrap().hard.as_ref().unwrap();
    for k in [
        "persistentvolumeclaims",
        "services.loadbalancers",
        "services.nodeports",
    ] {
        assert_eq!(hard[k].0, "0", "{k}");
    }
    for k in [
        "requests.cpu",
        "requests.memory",
        "limits.cpu",
        "limits.memory",
        "pods",
    ] {
        assert!(hard.contains_key(k), "{k}");
    }
    let BundleObject::Namespace(ns) = &b.objects[0] else {
        panic!()
    };
    let ann = ns.metadata.annotations.as_ref().unwrap();
    assert_eq!(ann["ns-policy.io/created-at"], "2026-01-02T03:04:05Z");
    assert_eq!(ann["ns-policy.io/expires-at"], "2026-01-02T07:04:05Z");
}

#[test]
fn data_profile_allows_pvcs_and_opts_out_of_downscaling() {
    let b = bundle("orders-db", "data");
    let BundleObject::ResourceQuota(q) = find(&b, "ResourceQuota", reserved::QUOTA) else {
        panic!()
    };
    let hard = q.spec.as_ref().unwrap().hard.as_ref().unwrap();
    assert_ne!(hard["persistentvolumeclaims"].0, "0");
    let BundleObject::Namespace(ns) = &b.objects[0] else {
        panic!()
    };
    assert_eq!(
        ns.metadata.annotations.as_ref().unwrap()["downscaler/exclude"],
        "true"
    );
}

#[test]
fn limit_range_has_default_default_request_and_max_for_containers() {
    let b = bundle("staging", "app");
    let BundleObject::LimitRange(lr) = find(&b, "LimitRange", reserved::LIMIT_RANGE) else {
        panic!()
    };
    let item = &lr.spec.as_ref().unwrap().limits[0];
    assert_eq!(item.type_, "Container");
    assert!(item.default.as_ref().unwrap().contains_key("cpu"));
    assert!(item
        .default_request
        .as_ref()
        .unwrap()
        .contains_key("memory"));
    assert!(item.max.as_ref().unwrap().contains_key("memory"));
}

#[test]
fn default_deny_selects_all_pods_for_both_directions_without_rules() {
    let b = bundle("staging", "app");
    let BundleObject::NetworkPolicy(np) = find(&b, "NetworkPolicy", reserved::DEFAULT_DENY) else {
        panic!()
    };
    let spec = np.spec.as_ref().unwrap();
    assert_eq!(spec.pod_selector, Some(LabelSelector::default()));
    assert_eq!(
        spec.policy_types.as_deref(),
        Some(&["Ingress".to_string(), "Egress".to_string()][..])
    );
    assert!(spec.ingress.is_none() && spec.egress.is_none());
    // The deny goes in the last wave, after the allows.
    assert_eq!(
        b.objects.last().map(BundleObject::kind),
        Some("NetworkPolicy")
    );
    assert!(
        b.objects
            .iter()
            .position(|o| o.name() == reserved::DEFAULT_DENY)
            .unwrap()
            > b.objects
                .iter()
                .position(|o| o.name() == reserved::ALLOW_DNS)
                .unwrap()
    );
}

#[test]
fn dns_policy_selects_kube_system_by_metadata_name_on_53_udp_and_tcp() {
    let b = bundle("staging", "app");
    let BundleObject::NetworkPolicy(np) = find(&b, "NetworkPolicy", reserved::ALLOW_DNS) else {
        panic!()
    };
    let rule = &np.spec.as_ref().unwrap().egress.as_ref().unwrap()[0];
    let peer = &rule.to.as_ref().unwrap()[0];
    assert_eq!(
        peer.namespace_selector
            .as_ref()
            .unwrap()
            .match_labels
            .as_ref()
            .unwrap()["kubernetes.io/metadata.name"],
        "kube-system"
    );
    assert_eq!(
        peer.pod_selector
            .as_ref()
            .unwrap()
            .match_labels
            .as_ref()
            .unwrap()["k8s-app"],
        "kube-dns"
    );
    let ports: Vec<(String, IntOrString)> = rule
        .ports
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| (p.protocol.clone().unwrap(), p.port.clone().unwrap()))
        .collect();
    assert!(ports.contains(&("UDP".into(), IntOrString::Int(53))));
    assert!(ports.contains(&("TCP".into(), IntOrString::Int(53))));
}

#[test]
fn ingress_controller_policy_opens_only_serving_ports_from_its_namespace() {
    let b = bundle("staging", "app");
    let BundleObject::NetworkPolicy(np) =
        find(&b, "NetworkPolicy", reserved::ALLOW_INGRESS_CONTROLLER)
    else {
        panic!()
    };
    let rule = &np.spec.as_ref().unwrap().ingress.as_ref().unwrap()[0];
    let peer = &rule.from.as_ref().unwrap()[0];
    assert!(peer.pod_selector.is_none());
    assert_eq!(
        peer.namespace_selector
            .as_ref()
            .unwrap()
            .match_labels
            .as_ref()
            .unwrap()["kubernetes.io/metadata.name"],
        "ingress-nginx"
    );
    assert_eq!(rule.ports.as_ref().unwrap().len(), 2);
    // Platform and data profiles do not open to the ingress controller.
    let p = bundle("ingress-platform", "platform");
    assert!(!p
        .objects
        .iter()
        .any(|o| o.name() == reserved::ALLOW_INGRESS_CONTROLLER));
}

#[test]
fn default_service_account_does_not_automount_tokens() {
    let b = bundle("staging", "app");
    let BundleObject::ServiceAccount(sa) = find(&b, "ServiceAccount", "default") else {
        panic!()
    };
    assert_eq!(sa.automount_service_account_token, Some(false));
}

#[test]
fn rendering_requires_the_required_labels_and_names_them() {
    let mut s = spec("staging", "app");
    s.labels.remove("cost-center");
    let err = render(&Baseline::builtin(), &s).unwrap_err();
    assert!(
        matches!(&err, Error::MissingLabels { namespace, keys } if namespace == "staging" && keys == &["cost-center"]),
        "{err}"
    );
}

#[test]
fn rendering_rejects_bad_names_and_unknown_profiles() {
    let mut s = spec("staging", "app");
    s.name = "Bad_Name".into();
    assert!(matches!(
        render(&Baseline::builtin(), &s),
        Err(Error::InvalidName { .. })
    ));
    let mut s = spec("staging", "app");
    s.profile = "gold".into();
    assert!(matches!(
        render(&Baseline::builtin(), &s),
        Err(Error::UnknownProfile { .. })
    ));
}

#[test]
fn json_list_has_api_version_and_kind_on_every_item() {
    let list = to_json_list(&[bundle("staging", "app")]);
    assert_eq!(list["kind"], "List");
    for item in list["items"].as_array().unwrap() {
        assert!(
            item["apiVersion"].is_string() && item["kind"].is_string(),
            "{item}"
        );
    }
}

fn request<'a>(name: &'a str, labels: &'a BTreeMap<String, String>) -> Request<'a> {
    Request {
        name,
        profile: None,
        labels,
        ttl: None,
        set: &[],
        existing: None,
        now: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
    }
}

#[test]
fn resolve_infers_env_and_reports_missing_required_labels() {
    let b = Baseline::builtin();
    let given = BTreeMap::from([("team".to_string(), "a".to_string())]);
    let r = resolve(&b, &request("staging", &given)).unwrap();
    assert_eq!(r.spec.profile, "app");
    assert_eq!(r.spec.labels["env"], "staging");
    assert_eq!(r.missing, vec!["cost-center".to_string()]);
}

#[test]
fn resolve_gives_preview_namespaces_a_ttl_and_keeps_an_existing_one() {
    let b = Baseline::builtin();
    let given = BTreeMap::new();
    let r = resolve(&b, &request("pr-7", &given)).unwrap();
    assert_eq!(r.spec.profile, "preview");
    assert_eq!(r.spec.labels["env"], "preview");
    assert_eq!(rfc3339(r.spec.created_at.unwrap()), "2026-03-01T12:00:00Z");
    assert_eq!(rfc3339(r.spec.expires_at.unwrap()), "2026-03-01T16:00:00Z");

    let existing = Namespace {
        metadata: ObjectMeta {
            name: Some("pr-7".into()),
            labels: Some(BTreeMap::from([
                ("team".to_string(), "t".to_string()),
                ("cost-center".to_string(), "c".to_string()),
            ])),
            annotations: Some(BTreeMap::from([
                (
                    "ns-policy.io/created-at".to_string(),
                    "2026-03-01T08:00:00Z".to_string(),
                ),
                (
                    "ns-policy.io/expires-at".to_string(),
                    "2026-03-01T14:00:00Z".to_string(),
                ),
            ])),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut req = request("pr-7", &given);
    req.existing = Some(&existing);
    let r = resolve(&b, &req).unwrap();
    assert!(
        r.missing.is_empty(),
        "labels come from the existing namespace"
    );
    assert_eq!(rfc3339(r.spec.created_at.unwrap()), "2026-03-01T08:00:00Z");
    assert_eq!(rfc3339(r.spec.expires_at.unwrap()), "2026-03-01T14:00:00Z");
    req.ttl = Some(std::time::Duration::from_secs(3600));
    let r = resolve(&b, &req).unwrap();
    assert_eq!(rfc3339(r.spec.created_at.unwrap()), "2026-03-01T08:00:00Z");
    assert_eq!(rfc3339(r.spec.expires_at.unwrap()), "2026-03-01T13:00:00Z");
}

#[test]
fn resolve_uses_the_existing_profile_label_unless_profile_is_given() {
    let b = Baseline::builtin();
    let existing = Namespace {
        metadata: ObjectMeta {
            labels: Some(BTreeMap::from([(
                "ns-policy.io/profile".to_string(),
                "data".to_string(),
            )])),
            ..Default::default()
        },
        ..Default::default()
    };
    let given = BTreeMap::new();
    let mut req = request("orders", &given);
    req.existing = Some(&existing);
    assert_eq!(resolve(&b, &req).unwrap().spec.profile, "data");
    req.profile = Some("platform");
    assert_eq!(resolve(&b, &req).unwrap().spec.profile, "platform");
    req.profile = Some("nope");
    assert!(matches!(
        resolve(&b, &req),
        Err(Error::UnknownProfile { .. })
    ));
}

#[test]
fn resolve_refuses_system_namespaces() {
    let b = Baseline::builtin();
    let given = BTreeMap::new();
    for ns in ["kube-system", "kube-public", "kube-node-lease"] {
        let err = resolve(&b, &request(ns, &given)).unwrap_err().to_string();
        assert!(err.contains("system namespace"), "{err}");
    }
}

#[test]
fn a_ttl_whose_expiry_overflows_is_refused_not_a_panic() {
    let b = Baseline::builtin();
    let given = BTreeMap::from([
        ("team".to_string(), "web".to_string()),
        ("cost-center".to_string(), "cc-1".to_string()),
    ]);
    for ttl in [
        std::time::Duration::from_secs(999_999_999 * 86_400),
        std::time::Duration::from_secs(u64::MAX),
        // Lands in the year 10000: writable by chrono, unreadable as RFC 3339.
        std::time::Duration::from_secs(8_000 * 365 * 86_400),
    ] {
        let mut req = request("pr-1", &given);
        req.ttl = Some(ttl);
        let err = resolve(&b, &req).unwrap_err();
        assert!(
            matches!(&err, Error::Value(v) if v.kind == crate::error::ValueKind::Ttl),
            "{err:?}"
        );
        assert!(err.to_string().contains("9999-12-31"), "{err}");
    }
}

/// A baseline from the examples directory.
fn example(name: &str) -> Baseline {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/baselines")
        .join(name);
    Baseline::from_file(&path, crate::input::DEFAULT_MAX_INPUT_BYTES)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn spec_with(name: &str, profile: &str, labels: &[(&str, &str)]) -> NamespaceSpec {
    NamespaceSpec {
        name: name.into(),
        profile: profile.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

fn policy_spec<'a>(b: &'a Bundle, name: &str) -> &'a NetworkPolicySpec {
    match find(b, "NetworkPolicy", name) {
        BundleObject::NetworkPolicy(p) => p.spec.as_ref().unwrap(),
        _ => unreachable!(),
    }
}

#[test]
fn fixed_labels_and_allows_are_templated_from_the_name_rule_captures() {
    let b = example("bitvault.yaml");
    let labels = [("env", "dev"), ("team", "vault"), ("cost-center", "c")];
    let bundle = render(&b, &spec_with("shop-data", "data", &labels)).unwrap();
    let BundleObject::Namespace(ns) = find(&bundle, "Namespace", "shop-data") else {
        unreachable!()
    };
    let l = ns.metadata.labels.as_ref().unwrap();
    assert_eq!(l["bitvault.io/product"], "shop");
    assert_eq!(l["bitvault.io/tier"], "data");
    let ingress = &policy_spec(&bundle, "allow-from-app")
        .ingress
        .as_ref()
        .unwrap()[0];
    let peer = &ingress.from.as_ref().unwrap()[0];
    let ns_sel = peer
        .namespace_selector
        .as_ref()
        .unwrap()
        .match_labels
        .as_ref()
        .unwrap();
    assert_eq!(ns_sel["bitvault.io/product"], "shop");
    assert!(
        peer.pod_selector.is_some(),
        "namespace AND pod selector in one peer"
    );
    // The team group is templated too.
    let BundleObject::RoleBinding(rb) = find(&bundle, "RoleBinding", "bitvault-team") else {
        unreachable!()
    };
    assert_eq!(rb.subjects.as_ref().unwrap()[0].name, "bitvault:vault");
    // Extra RBAC: the SA and its binding to ClusterRole edit in this namespace.
    let BundleObject::RoleBinding(rb) = find(&bundle, "RoleBinding", "backup-edit") else {
        unreachable!()
    };
    assert_eq!(rb.role_ref.kind, "ClusterRole");
    let s = &rb.subjects.as_ref().unwrap()[0];
    assert_eq!(
        (s.kind.as_str(), s.namespace.as_deref()),
        ("ServiceAccount", Some("shop-data"))
    );
    find(&bundle, "ServiceAccount", "backup");
}

#[test]
fn api_server_allow_and_ip_blocks_render_as_egress_only_policies() {
    let b = example("bitvault.yaml");
    let labels = [("env", "dev"), ("team", "vault"), ("cost-center", "c")];
    let bundle = render(&b, &spec_with("shop-platform", "platform", &labels)).unwrap();
    let api = policy_spec(&bundle, reserved::ALLOW_API_SERVER);
    assert_eq!(
        api.policy_types.as_deref(),
        Some(&["Egress".to_string()][..])
    );
    let rule = &api.egress.as_ref().unwrap()[0];
    assert_eq!(
        rule.to.as_ref().unwrap()[0].ip_block.as_ref().unwrap().cidr,
        "10.244.0.1/32"
    );
    assert_eq!(
        rule.ports.as_ref().unwrap()[0].port,
        Some(IntOrString::Int(6443))
    );
    let preview = example("preview.yaml");
    let bundle = render(
        &preview,
        &spec_with("pr-7", "preview", &[("team", "t"), ("cost-center", "c")]),
    )
    .unwrap();
    let https = policy_spec(&bundle, "allow-internet-https");
    let block = https.egress.as_ref().unwrap()[0].to.as_ref().unwrap()[0]
        .ip_block
        .clone()
        .unwrap();
    assert_eq!(block.cidr, "0.0.0.0/0");
    assert_eq!(block.except.unwrap().len(), 3);
    // The lifecycle keys and managed-by of the other controller.
    let BundleObject::Namespace(ns) = find(&bundle, "Namespace", "pr-7") else {
        unreachable!()
    };
    assert_eq!(
        ns.metadata.labels.as_ref().unwrap()["app.kubernetes.io/managed-by"],
        "previewd"
    );
    assert_eq!(
        ns.metadata.labels.as_ref().unwrap()["previewd.io/pull-request"],
        "7"
    );
    let BundleObject::ResourceQuota(q) = find(&bundle, "ResourceQuota", reserved::QUOTA) else {
        unreachable!()
    };
    assert_eq!(
        q.metadata.labels.as_ref().unwrap()["app.kubernetes.io/managed-by"],
        "previewd"
    );
}

#[test]
fn ingress_only_isolation_renders_no_egress_policy_at_all() {
    let b = example("clusters.yaml");
    let bundle = render(
        &b,
        &spec_with("east-ns", "cluster", &[("team", "t"), ("cost-center", "c")]),
    )
    .unwrap();
    for p in bundle.network_policies() {
        let types = p.spec.as_ref().unwrap().policy_types.clone().unwrap();
        assert!(
            !types.contains(&"Egress".to_string()),
            "{:?} isolates egress",
            p.metadata.name
        );
    }
    assert!(bundle
        .network_policies()
        .all(|p| p.metadata.name.as_deref() != Some(reserved::ALLOW_DNS)));
    assert_eq!(
        policy_spec(&bundle, reserved::DEFAULT_DENY)
            .policy_types
            .as_deref(),
        Some(&["Ingress".to_string()][..])
    );
    find(&bundle, "ServiceAccount", "east-agent");
}

#[test]
fn a_label_contradicting_a_fixed_label_is_refused() {
    let b = example("preview.yaml");
    let labels = BTreeMap::from([
        ("team".to_string(), "t".to_string()),
        ("cost-center".to_string(), "c".to_string()),
        ("previewd.io/pull-request".to_string(), "8".to_string()),
    ]);
    let err = resolve(&b, &request("pr-7", &labels))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("previewd.io/pull-request=8") && err.contains("=7"),
        "{err}"
    );
}

#[test]
fn overrides_change_the_bundle_and_are_recorded_on_the_namespace() {
    let b = Baseline::builtin();
    let labels = BTreeMap::from([
        ("team".to_string(), "t".to_string()),
        ("cost-center".to_string(), "c".to_string()),
    ]);
    let set = crate::baseline::overrides::parse_set_args(&[
        "quota.requests.cpu=10",
        "limitRange.min.cpu=10m",
    ])
    .unwrap();
    let mut req = request("staging", &labels);
    req.set = &set;
    let spec = resolve(&b, &req).unwrap().spec;
    let bundle = render(&b, &spec).unwrap();
    let BundleObject::ResourceQuota(q) = find(&bundle, "ResourceQuota", reserved::QUOTA) else {
        unreachable!()
    };
    assert_eq!(
        q.spec.as_ref().unwrap().hard.as_ref().unwrap()["requests.cpu"].0,
        "10"
    );
    let BundleObject::LimitRange(lr) = find(&bundle, "LimitRange", reserved::LIMIT_RANGE) else {
        unreachable!()
    };
    assert_eq!(
        lr.spec.as_ref().unwrap().limits[0].min.as_ref().unwrap()["cpu"].0,
        "10m"
    );
    let BundleObject::Namespace(ns) = find(&bundle, "Namespace", "staging") else {
        unreachable!()
    };
    let recorded =
        &ns.metadata.annotations.as_ref().unwrap()[crate::baseline::overrides::ANNOTATION];
    assert!(
        recorded.contains("\"quota.requests.cpu\":\"10\""),
        "{recorded}"
    );
    // A later create of the existing namespace keeps them.
    let existing = match &bundle.objects[0] {
        BundleObject::Namespace(n) => n.clone(),
        _ => unreachable!(),
    };
    let mut again = request("staging", &labels);
    again.existing = Some(&existing);
    assert_eq!(resolve(&b, &again).unwrap().spec.overrides, spec.overrides);
}
