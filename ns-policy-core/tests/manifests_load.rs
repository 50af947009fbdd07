//! Tests of the offline manifest loader (`ns_policy_core::manifests`).

use std::path::{Path, PathBuf};

use ns_policy_core::inventory::{Inventory, Item, Listing, Workload};
use ns_policy_core::manifests::{load_paths, load_str, namespace_of, Source};
use ns_policy_core::Error;
use proptest::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/manifests")
        .join(name)
}

/// The items of a list the loader filled (offline lists are always known).
fn items<T>(l: &Listing<T>) -> &[Item<T>] {
    l.known().expect("offline lists are known")
}

/// Count of objects of one namespace in a list.
fn count_in<
    T: k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>,
>(
    l: &Listing<T>,
    ns: &str,
) -> usize {
    items(l)
        .iter()
        .filter(|i| namespace_of(i.object.metadata()) == ns)
        .count()
}

fn load(names: &[&str]) -> Inventory {
    let paths: Vec<PathBuf> = names.iter().map(|n| fixture(n)).collect();
    load_paths(&paths, ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES)
        .unwrap_or_else(|e| panic!("load {names:?}: {e}"))
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn load_err(text: &str, name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text.as_bytes());
    let err = load_paths(&[path], ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES)
        .expect_err("load should fail");
    // Strip the temp dir so messages can be compared.
    err.to_string()
        .replace(&format!("{}", dir.path().display()), "DIR")
}

#[test]
fn multi_document_yaml_with_comments_and_separator_variants() {
    let set = load(&["multi.yaml"]);
    let path = fixture("multi.yaml").display().to_string();

    assert_eq!(set.namespaces.len(), 1);
    let ns = &set.namespaces[0];
    assert_eq!(
        ns.source,
        Some(Source {
            path: path.as_str().into(),
            line: 4
        })
    );
    assert_eq!(ns.source_string().unwrap(), format!("{path}:4"));
    let labels = ns.object.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["kubernetes.io/metadata.name"], "team-a");
    assert_eq!(labels["ns-policy.io/profile"], "default");

    let policies = items(&set.network_policies);
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].source.as_ref().unwrap().line, 13);
    assert_eq!(
        policies[0].object.metadata.name.as_deref(),
        Some("default-deny")
    );

    // Deployment without namespace: kept as None, defaults to "default".
    let workloads = items(&set.workloads);
    assert_eq!(workloads.len(), 1);
    let Workload::Deployment(d) = &workloads[0].object else {
        panic!("a Deployment: {:?}", workloads[0].object)
    };
    assert_eq!(d.metadata.namespace, None);
    assert_eq!(namespace_of(&d.metadata), "default");
    let template = workloads[0].object.pod_template().unwrap();
    assert_eq!(template.path, "spec.template.spec");
    assert_eq!(
        template.spec.containers[0].image.as_deref(),
        Some("nginx:1.27")
    );
    assert!(workloads[0].source.as_ref().unwrap().line > 13);

    // Unknown kinds are counted.
    assert_eq!(set.ignored.get("ConfigMap"), Some(&1));
    assert_eq!(set.ignored.get("Widget"), Some(&1));
    assert_eq!(set.len(), 5);
}

#[test]
fn json_list_is_flattened_with_the_line_of_the_list() {
    let set = load(&["list.json"]);
    assert_eq!(set.namespaces.len(), 1);
    assert_eq!(items(&set.resource_quotas).len(), 1);
    assert_eq!(items(&set.role_bindings).len(), 1);
    for source in [
        &set.namespaces[0].source,
        &items(&set.resource_quotas)[0].source,
        &items(&set.role_bindings)[0].source,
    ] {
        let source = source.as_ref().unwrap();
        assert_eq!(source.line, 1);
        assert!(source.path.ends_with("list.json"));
    }
    assert_eq!(
        set.namespace_names().into_iter().collect::<Vec<_>>(),
        ["team-b"]
    );
    assert!(set.namespace("team-b").is_some());
    assert_eq!(count_in(&set.resource_quotas, "team-b"), 1);
    assert_eq!(count_in(&set.role_bindings, "team-b"), 1);
}

#[test]
fn typed_lists_get_kind_and_api_version_from_the_list() {
    let set = load(&["podlist.yaml"]);
    let pods = items(&set.pods);
    assert_eq!(pods.len(), 2);
    assert!(pods.iter().all(|p| p.source.as_ref().unwrap().line == 2));
    assert_eq!(pods[1].object.metadata.name.as_deref(), Some("p2"));
    assert_eq!(set.namespaces.len(), 1);
    assert_eq!(set.namespaces[0].source.as_ref().unwrap().line, 22);
    assert_eq!(
        set.namespaces[0].object.metadata.labels.as_ref().unwrap()["kubernetes.io/metadata.name"],
        "team-c"
    );
    assert_eq!(count_in(&set.pods, "team-c"), 2);
}

#[test]
fn directories_are_walked_sorted_skipping_hidden_and_other_files() {
    let set = load(&["tree"]);
    // tree/.hidden/x.yaml and tree/notes.txt are invalid: they must not be read.
    assert_eq!(set.namespaces.len(), 1);
    assert_eq!(items(&set.service_accounts).len(), 1);
    assert_eq!(items(&set.roles).len(), 1);
    assert_eq!(items(&set.limit_ranges).len(), 1);
    let lr = items(&set.limit_ranges)[0].source.as_ref().unwrap();
    assert!(lr.path.ends_with("c.json"));
    let role = items(&set.roles)[0].source.as_ref().unwrap();
    assert!(role.path.ends_with("b.yml"));
    assert_eq!(role.line, 7);
    // Both kustomization files are skipped, not errors nor ignored objects.
    assert_eq!(set.skipped_kustomizations, 2);
    assert!(set.ignored.is_empty(), "{:?}", set.ignored);
    assert_eq!(count_in(&set.service_accounts, "tree-a"), 1);
    assert_eq!(count_in(&set.roles, "tree-a"), 1);
    assert_eq!(count_in(&set.limit_ranges, "tree-a"), 1);
}

#[test]
fn several_paths_keep_their_order_and_hidden_git_dirs_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".git/config.yaml", b"not: [valid");
    write(
        dir.path(),
        "b/ns.yaml",
        b"apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n",
    );
    write(
        dir.path(),
        "a/ns.yaml",
        b"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
    );
    let set = load_paths(
        &[dir.path().to_path_buf(), fixture("list.json")],
        ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES,
    )
    .unwrap();
    let names: Vec<_> = set
        .namespaces
        .iter()
        .map(|n| n.object.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "team-b"]);
}

#[test]
fn unquoted_yes_label_is_rejected_like_kubectl_with_a_hint() {
    // kubectl reads YAML 1.1: `yes` is a boolean and a label must be a string.
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  labels:\n    enabled: yes\n";
    assert_eq!(
        load_err(text, "deploy.yaml"),
        "DIR/deploy.yaml:7:14: Deployment \"shop/web\": metadata.labels.enabled: invalid type: boolean `true`, expected a string (unquoted yes is a YAML 1.1 boolean; quote it: \"yes\")"
    );
    // In a list, further down a stream, and in flow style.
    let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok, labels: {a: 'yes'}}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n    labels: {x: On}\n";
    assert_eq!(
        load_err(text, "list.yaml"),
        "DIR/list.yaml:12:17: Namespace \"a\": metadata.labels.x: invalid type: boolean `true`, expected a string (unquoted On is a YAML 1.1 boolean; quote it: \"On\")"
    );
    // Quoted, it is the string kubectl reads too.
    let set = load_str(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {enabled: \"yes\"}\n",
        "ns.yaml",
    )
    .unwrap();
    let labels = set.namespaces[0].object.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["enabled"], "yes");
}

#[test]
fn yaml_syntax_errors_name_file_line_and_column() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Pod\nmetadata: [\n";
    let err = load_err(text, "bad.yaml");
    assert!(err.starts_with("DIR/bad.yaml:"), "{err}");
    let mut parts = err.split(':');
    parts.next();
    let line: usize = parts.next().unwrap().parse().unwrap();
    let column: usize = parts.next().unwrap().parse().unwrap();
    assert!(line >= 8, "{err}");
    assert!(column >= 1, "{err}");
}

#[test]
fn json_syntax_errors_name_file_line_and_column() {
    let err = load_err(
        "{\n  \"kind\": \"Namespace\",\n  \"apiVersion\": v1\n}\n",
        "bad.json",
    );
    assert!(err.starts_with("DIR/bad.json:3:"), "{err}");
}

#[test]
fn wrong_typed_fields_are_errors_naming_the_object() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n# the bad one\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels: [a, b]\n";
    let err = load_err(text, "ns.yaml");
    assert!(
        err.starts_with(
            "DIR/ns.yaml:10:11: Namespace \"x\": metadata.labels: invalid type: sequence"
        ),
        "{err}"
    );

    let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: t}\nspec:\n  podSelector: {}\n  policyTypes: Ingress\n";
    let err = load_err(text, "np.yaml");
    assert!(
        err.starts_with("DIR/np.yaml:6:16: NetworkPolicy \"t/np\": spec.policyTypes: invalid type"),
        "{err}"
    );

    // A required field with the wrong type.
    let text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\nroleRef: edit\n";
    let err = load_err(text, "rb.yaml");
    assert!(
        err.starts_with("DIR/rb.yaml:4:10: RoleBinding \"rb\": roleRef: invalid type"),
        "{err}"
    );
}

#[test]
fn documents_that_are_not_objects_are_errors() {
    let err = load_err(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nfoo: bar\n",
        "x.yaml",
    );
    assert_eq!(err, "DIR/x.yaml:5: not a Kubernetes object: no kind");
    let err = load_err("\n\nkind: Namespace\nmetadata: {name: a}\n", "x.yaml");
    assert_eq!(
        err,
        "DIR/x.yaml:3: not a Kubernetes object: Namespace without apiVersion"
    );
    let err = load_err("- a\n- b\n", "x.yaml");
    assert!(
        err.starts_with("DIR/x.yaml:1: not a Kubernetes object"),
        "{err}"
    );
    let err = load_err("apiVersion: v1\nkind: List\nitems: 3\n", "x.yaml");
    assert!(
        err.starts_with("DIR/x.yaml:1: List: items must be a list"),
        "{err}"
    );
    let err = load_err("apiVersion: v1\nkind: [Namespace]\n", "x.yaml");
    assert!(
        err.starts_with("DIR/x.yaml:1: kind must be a string"),
        "{err}"
    );
}

#[test]
fn empty_documents_and_files_are_fine() {
    let set = load_str("---\n# nothing\n---\n...\n{}\n", "empty.yaml").unwrap();
    assert!(set.is_empty());
    let set = load_str("", "empty.yaml").unwrap();
    assert!(set.is_empty());
}

#[test]
fn non_utf8_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "latin1.yaml",
        b"apiVersion: v1\nkind: Namespace\nmetadata: {name: caf\xe9}\n",
    );
    let err = load_paths(&[path], ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES).unwrap_err();
    assert!(matches!(err, Error::Parse { line: 3, .. }), "{err:?}");
    assert!(err.to_string().contains("latin1.yaml:3:"), "{err}");
}

#[test]
fn missing_path_is_an_io_error() {
    let err = load_paths(
        &[fixture("does-not-exist.yaml")],
        ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}

#[test]
fn known_kind_in_another_api_version_is_ignored_not_misread() {
    let set = load_str(
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: old}\n---\napiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n- metadata: {name: b}\n",
        "old.yaml",
    )
    .unwrap();
    assert_eq!(items(&set.workloads).len(), 0);
    assert_eq!(set.ignored.get("Deployment (extensions/v1beta1)"), Some(&1));
    assert_eq!(set.ignored.get("ConfigMap"), Some(&2));
}

#[test]
fn first_error_in_input_order_wins_and_big_files_keep_lines() {
    // Big enough to be cut into several units parsed in parallel.
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa{i}\n  namespace: ns{}\n",
            i % 7
        ));
    }
    let set = load_str(&text, "big.yaml").unwrap();
    assert_eq!(items(&set.service_accounts).len(), 3000);
    for (i, sa) in items(&set.service_accounts).iter().enumerate() {
        assert_eq!(sa.source.as_ref().unwrap().line, i * 6 + 2);
        assert_eq!(
            sa.object.metadata.name.as_deref(),
            Some(format!("sa{i}").as_str())
        );
    }
    assert_eq!(set.namespaces_in_use().len(), 7);

    // Two errors far apart: the first one is reported, every time.
    let mut bad = text.clone();
    bad.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: [\n");
    let early = text.replacen("  name: sa10\n", "  name: [sa10\n", 1);
    let both = format!("{early}---\napiVersion: v1\nkind: Pod\nmetadata: [\n");
    for _ in 0..3 {
        let err = load_str(&both, "big.yaml").unwrap_err().to_string();
        assert!(err.starts_with("big.yaml:66:"), "{err}");
    }
    // Reported where the parser noticed (end of input), in the last unit.
    let err = load_str(&bad, "big.yaml").unwrap_err();
    assert!(
        matches!(err, Error::Parse { line, .. } if (3000 * 6 + 4..=3000 * 6 + 5).contains(&line)),
        "{err}"
    );
}

#[test]
fn yaml_oddities_do_not_panic() {
    for text in [
        "a: &a [1, 2]\nb: *a\nkind: Namespace\n",
        "apiVersion: v1\nkind: Namespace\nmetadata: !custom {name: tagged}\n",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {a: 1e999}}\n",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {a: 123456789012345678901234567890}}\n",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: 12, labels: {a: b}}\n",
        "? [a, b]\n: c\n",
        "x: *undefined\n",
        "\t- bad indent\n",
        "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": 1e999}}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ] {
        let _ = load_str(text, "odd.yaml");
    }
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(load_str(&deep, "deep.yaml").is_err());
    assert!(load_str(&deep, "deep.json").is_err());
    let deep_yaml = (0..300)
        .map(|i| format!("{}k:\n", "  ".repeat(i)))
        .collect::<String>();
    assert!(load_str(&deep_yaml, "deep.yaml").is_err());
    // Billion laughs.
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        laughs.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    assert!(load_str(&laughs, "laughs.yaml").is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "f.yaml", &bytes);
        let _ = load_paths(&[path], ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES);
    }

    #[test]
    fn yamlish_strings_never_panic(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("apiVersion: v1\n".to_string()),
                Just("apiVersion: apps/v1\n".to_string()),
                Just("kind: Namespace\n".to_string()),
                Just("kind: Deployment\n".to_string()),
                Just("kind: List\n".to_string()),
                Just("kind: PodList\n".to_string()),
                Just("items:\n".to_string()),
                Just("metadata:\n".to_string()),
                Just("spec:\n".to_string()),
                Just("  name: x\n".to_string()),
                Just("  labels: [a]\n".to_string()),
                Just("  labels: {a: b}\n".to_string()),
                Just("- metadata: {name: p}\n".to_string()),
                Just("---\n".to_string()),
                Just("...\n".to_string()),
                Just("&a ".to_string()),
                Just("*a\n".to_string()),
                Just("!tag ".to_string()),
                Just("{".to_string()),
                Just("[".to_string()),
                Just("\"".to_string()),
                "[ -~\t\n]{0,12}",
            ],
            0..24,
        ),
        json in any::<bool>(),
    ) {
        let text: String = parts.concat();
        let name = if json { "f.json" } else { "f.yaml" };
        let _ = load_str(&text, name);
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), name, text.as_bytes());
        let _ = load_paths(&[path], ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES);
    }
}

#[test]
fn managed_fields_are_dropped() {
    let set = load_str(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  managedFields:\n  - manager: kubectl\n    operation: Apply\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: i}]}\n",
        "d.yaml",
    )
    .unwrap();
    assert_eq!(items(&set.workloads)[0].object.meta().managed_fields, None);
}

#[test]
fn cluster_and_cni_policies_are_read_into_their_own_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "policies.yaml",
        br#"apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: baseline-deny}
spec:
  tier: Baseline
  priority: 10
  subject: {namespaces: {}}
  ingress: [{name: deny, action: Deny, from: [{namespaces: {}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-monitoring}
spec:
  priority: 3
  subject: {namespaces: {}}
  ingress: [{name: mon, action: Allow, from: [{namespaces: {matchLabels: {team: mon}}}]}]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l7, namespace: shop}
spec: {endpointSelector: {}}
"#,
    );
    let set = load_paths(&[path], ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES).unwrap();
    let cluster = items(&set.cluster_policies);
    assert_eq!(cluster.len(), 2);
    assert_eq!(
        cluster[0].object.reference(),
        "ClusterNetworkPolicy/baseline-deny"
    );
    assert_eq!(
        cluster[1].object.reference(),
        "AdminNetworkPolicy/allow-monitoring"
    );
    assert!(cluster[0]
        .source
        .as_ref()
        .unwrap()
        .to_string()
        .contains("policies.yaml:1"));
    let cni = items(&set.cni_policies);
    assert_eq!(cni.len(), 1);
    assert_eq!(
        cni[0].object.reference(),
        "CiliumNetworkPolicy.cilium.io shop/l7"
    );
    assert!(set.ignored.is_empty(), "{:?}", set.ignored);
}

#[test]
fn an_unreadable_cluster_policy_is_an_error_naming_it_and_the_field() {
    let e = load_err(
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: bad}\nspec: {tier: Middle, priority: 1, subject: {namespaces: {}}}\n",
        "bad.yaml",
    );
    assert!(
        e.contains("DIR/bad.yaml:1") && e.contains("bad") && e.contains("spec.tier"),
        "{e}"
    );
}

#[test]
fn an_object_given_twice_is_kept_once_the_last_one_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let np = |port: u16| {
        format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: web, namespace: shop}}\nspec:\n  podSelector: {{}}\n  ingress: [{{ports: [{{port: {port}}}]}}]\n")
    };
    let a = write(dir.path(), "a.yaml", np(80).as_bytes());
    let b = write(
        dir.path(),
        "b.yaml",
        format!("{}---\n{}", np(8080), np(9090)).as_bytes(),
    );
    let set = load_paths(&[a, b], ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES).unwrap();
    let kept = items(&set.network_policies);
    assert_eq!(kept.len(), 1);
    let port = &kept[0]
        .object
        .spec
        .as_ref()
        .unwrap()
        .ingress
        .as_ref()
        .unwrap()[0]
        .ports
        .as_ref()
        .unwrap()[0];
    assert_eq!(
        port.port,
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(9090))
    );
    assert_eq!(set.duplicates.len(), 1);
    let note = set.duplicates[0].replace(&dir.path().display().to_string(), "DIR");
    assert_eq!(
        note,
        "NetworkPolicy shop/web is given 3 times (DIR/a.yaml:1, DIR/b.yaml:1, DIR/b.yaml:8); the last one (DIR/b.yaml:8) is used"
    );
}

#[test]
fn argo_cd_app_projects_pdbs_and_autoscalers_are_read() {
    let set = load_str(
        r#"apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: shop, namespace: argocd}
spec:
  sourceRepos: ['https://git.example.com/shop/*']
  destinations: [{server: 'https://kubernetes.default.svc', namespace: shop-prod}]
  roles: [{name: ci, policies: ['p, proj:shop:ci, applications, sync, shop/*, allow']}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop-prod}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop-prod}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5}
"#,
        "argo.yaml",
    )
    .unwrap();
    let projects = items(&set.app_projects);
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].object.name(), "shop");
    assert_eq!(projects[0].source_string().as_deref(), Some("argo.yaml:1"));
    assert_eq!(items(&set.disruption_budgets).len(), 1);
    assert_eq!(items(&set.autoscalers).len(), 1);
    assert!(set.ignored.is_empty(), "{:?}", set.ignored);
}
