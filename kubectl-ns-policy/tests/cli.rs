//! CLI behaviour that needs no cluster: help, bad input, exit codes, offline
//! rendering.

use assert_cmd::Command;

fn cmd() -> Command {
    let mut c = Command::cargo_bin("kubectl-ns_policy").expect("binary");
    c.env("NO_COLOR", "1")
        .env("KUBECONFIG", "/nonexistent/kubeconfig");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = cmd().args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_reads_like_a_kubectl_command_and_lists_exit_codes() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("kubectl ns-policy"), "{out}");
    assert!(out.contains("Exit codes"), "{out}");
    for sub in ["create", "audit", "probe", "gc", "baseline", "completion"] {
        assert!(out.contains(sub), "{sub} missing from help");
    }
}

#[test]
fn invalid_namespace_name_is_one_line_exit_2() {
    let (code, out, err) = run(&["create", "Bad_Name", "--dry-run=client"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("\"Bad_Name\"") && err.contains("DNS-1123"),
        "{err}"
    );
    let long = "a".repeat(64);
    let (code, _, err) = run(&["create", &long, "--dry-run=client"]);
    assert_eq!(code, 2);
    assert!(err.contains("64 characters"), "{err}");
}

#[test]
fn unknown_profile_names_the_known_ones() {
    let (code, _, err) = run(&[
        "create",
        "x",
        "--profile",
        "gold",
        "--dry-run=client",
        "--label",
        "team=a,cost-center=b",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("\"gold\"") && err.contains("app, data, platform, preview"),
        "{err}"
    );
}

#[test]
fn missing_required_label_without_tty_names_the_flag() {
    let (code, _, err) = run(&["create", "staging", "--dry-run=client", "--label", "team=a"]);
    assert_eq!(code, 2);
    assert!(err.contains("--label cost-center=VALUE"), "{err}");
}

#[test]
fn bad_label_and_bad_ttl_are_rejected() {
    let (code, _, err) = run(&["create", "x", "--dry-run=client", "--label", "team"]);
    assert_eq!(code, 2);
    assert!(err.contains("KEY=VALUE"), "{err}");
    let (code, _, err) = run(&["create", "pr-1", "--dry-run=client", "--ttl", "soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("soon"), "{err}");
    let (code, _, err) = run(&["create", "x", "--dry-run=sometimes"]);
    assert_eq!(code, 2);
    assert!(err.contains("sometimes"), "{err}");
}

#[test]
fn yaml_output_quotes_label_values_kubectl_would_read_as_booleans() {
    let (code, out, err) = run(&[
        "create",
        "staging",
        "--dry-run=client",
        "--label",
        "team=yes",
        "--label",
        "cost-center=on",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("    team: 'yes'\n") && out.contains("    cost-center: 'on'\n"),
        "{out}"
    );
    // Read back the way kubectl reads it (YAML 1.1), they are still strings.
    let docs = ns_policy_core::yaml::documents(&out, "-").expect("our YAML reads back");
    assert_eq!(docs[0].value["metadata"]["labels"]["team"], "yes");
    assert_eq!(docs[0].value["metadata"]["labels"]["cost-center"], "on");
}

#[test]
fn client_dry_run_renders_yaml_without_a_cluster() {
    let (code, out, err) = run(&[
        "create",
        "staging",
        "--dry-run=client",
        "--label",
        "team=a",
        "--label",
        "cost-center=b",
    ]);
    assert_eq!(code, 0, "{err}");
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&out)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds[0], "Namespace");
    for k in [
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
        "ServiceAccount",
        "Role",
        "RoleBinding",
    ] {
        assert!(kinds.contains(&k), "{k} missing in {kinds:?}");
    }
}

#[test]
fn output_json_is_a_v1_list_and_needs_no_cluster() {
    let (code, out, err) = run(&[
        "create",
        "pr-9",
        "shop-staging",
        "-o",
        "json",
        "--label",
        "team=a,cost-center=b",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "List");
    let items = v["items"].as_array().unwrap();
    let ns: Vec<&serde_json::Value> = items.iter().filter(|i| i["kind"] == "Namespace").collect();
    assert_eq!(ns.len(), 2);
    assert_eq!(
        ns[0]["metadata"]["labels"]["ns-policy.io/profile"],
        "preview"
    );
    assert_eq!(ns[0]["metadata"]["labels"]["env"], "preview");
    assert!(ns[0]["metadata"]["annotations"]["ns-policy.io/expires-at"].is_string());
    assert_eq!(ns[1]["metadata"]["labels"]["env"], "staging");
}

#[test]
fn output_dir_writes_one_file_per_object_and_kustomizations() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "create",
        "staging",
        "--label",
        "team=a,cost-center=b",
        "--output-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("kustomization.yaml").exists());
    assert!(dir.path().join("staging/kustomization.yaml").exists());
    assert!(dir.path().join("staging/namespace-staging.yaml").exists());
    assert!(dir
        .path()
        .join("staging/networkpolicy-default-deny.yaml")
        .exists());
}

#[test]
fn unreachable_cluster_names_context_and_server_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: dead\n  context: {cluster: c, user: u}\ncurrent-context: dead\nusers:\n- name: u\n  user: {token: t}\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "create",
        "staging",
        "--label",
        "team=a,cost-center=b",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("dead") && err.contains("https://127.0.0.1:1"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn baseline_prints_the_built_in_one_and_validates_files() {
    let (code, out, _) = run(&["baseline"]);
    assert_eq!(code, 0);
    assert!(out.contains("kind: Baseline"));
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("b.yaml");
    std::fs::write(&good, &out).unwrap();
    let (code, _, err) = run(&[
        "create",
        "x",
        "--dry-run=client",
        "--label",
        "team=a,cost-center=b,env=dev",
        "--baseline",
        good.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        out.replace("defaultProfile: app", "defaultProfile: [app"),
    )
    .unwrap();
    let (code, _, err) = run(&["baseline", "--baseline", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.yaml:"), "{err}");
}

#[test]
fn completion_scripts_are_generated() {
    let (code, out, _) = run(&["completion", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("kubectl-ns_policy"));
}

fn example(name: &str) -> String {
    format!(
        "{}/../examples/baselines/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn every_example_baseline_renders_offline() {
    for (file, names, labels) in [
        (
            "bitvault.yaml",
            vec!["bv-app", "bv-data", "bv-platform"],
            "team=t,cost-center=c,env=dev",
        ),
        (
            "bitvault-envs.yaml",
            vec!["bv-dev", "bv-staging", "bv-prod"],
            "team=t,cost-center=c",
        ),
        ("preview.yaml", vec!["pr-7"], "team=t,cost-center=c"),
        (
            "flux.yaml",
            vec!["shop-dev", "shop-prod"],
            "team=t,cost-center=c",
        ),
        ("clusters.yaml", vec!["east-1-ns"], "team=t,cost-center=c"),
    ] {
        let path = example(file);
        let mut args = vec!["--baseline", path.as_str(), "create"];
        args.extend(names.iter().copied());
        args.extend(["-L", labels, "--dry-run=client", "-o", "yaml"]);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{file}: {err}");
        assert!(out.contains("kind: NetworkPolicy"), "{file}");
    }
    // Fixed labels come from the name rule's captures.
    let path = example("clusters.yaml");
    let (_, out, _) = run(&[
        "--baseline",
        &path,
        "create",
        "east-1-ns",
        "-L",
        "team=t,cost-center=c",
        "--dry-run=client",
    ]);
    assert!(out.contains("fleet.example.com/cluster: east-1"), "{out}");
    assert!(out.contains("name: east-1-agent-admin"), "{out}");
}

#[test]
fn bad_baseline_values_are_one_line_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("bitvault.yaml")).unwrap();
    for (from, to, needle) in [
        (
            "ports: [{port: 5432}]",
            "ports: [{port: 5432, endPort: 5000}]",
            "endPort 5000 is below port 5432",
        ),
        (
            "cidr: 10.100.0.0/16",
            "cidr: 10.100.0.0/33",
            "is not a CIDR",
        ),
        (
            "min: {cpu: 50m, memory: 64Mi}",
            "min: {cpu: '5', memory: 64Mi}",
            "min value 5 is greater than max value",
        ),
        (
            "bitvault.io/tier: app\n      podSecurity",
            "bitvault.io/tier: '{tier}'\n      podSecurity",
            "{tier} is not a variable",
        ),
        (
            "skip: [rbac.cluster-role-binding]",
            "skip: [rbac.clusterrolebinding]",
            "neither a check ID",
        ),
        (
            "requests.storage: 2Ti",
            "requests.storage: 2TB",
            "not a Kubernetes quantity",
        ),
        (
            "kind: ServiceAccount, name: backup",
            "kind: Robot, name: backup",
            "unknown variant",
        ),
    ] {
        let bad = text.replacen(from, to, 1);
        assert_ne!(bad, text, "fixture {from:?} not found");
        let path = dir.path().join("b.yaml");
        std::fs::write(&path, &bad).unwrap();
        let p = path.display().to_string();
        let (code, _, err) = run(&["--baseline", &p, "baseline"]);
        assert_eq!(code, 2, "{needle}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
        // file:line:column, and the line holds the bad value.
        let rest = err
            .trim()
            .strip_prefix(&format!("error: {p}:"))
            .unwrap_or_else(|| panic!("{err}"));
        let mut parts = rest.splitn(3, ':');
        let line: usize = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{err}"));
        let column: usize = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{err}"));
        assert!(column >= 1);
        let bad_line = bad.lines().nth(line - 1).unwrap_or_default();
        let changed = to.lines().next().unwrap().trim();
        let key = changed.split([':', ',', '{', '[']).next().unwrap().trim();
        assert!(
            bad_line.contains(key) || to.lines().any(|l| bad_line.contains(l.trim())),
            "{needle}: line {line} is {bad_line:?}"
        );
    }
}

#[test]
fn set_overrides_are_validated_and_recorded() {
    let (code, out, err) = run(&[
        "create",
        "staging",
        "-L",
        "team=a,cost-center=c",
        "--set",
        "quota.requests.cpu=10",
        "--dry-run=client",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("requests.cpu: '10'"), "{out}");
    assert!(out.contains("ns-policy.io/overrides"), "{out}");
    let (code, _, err) = run(&[
        "create",
        "staging",
        "-L",
        "team=a,cost-center=c",
        "--set",
        "quota.requests.cpu=ten",
        "--dry-run=client",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("\"ten\"") && err.contains("quantity"), "{err}");
}

#[test]
fn bad_probe_target_is_one_line_exit_2() {
    let (code, _, err) = run(&["probe", "a", "--target", "10.0.0.1"]);
    assert_eq!(code, 2);
    assert!(err.contains("10.0.0.1") && err.contains("IP:PORT"), "{err}");
}

#[test]
fn values_the_api_server_would_refuse_are_refused_before_anything_is_rendered() {
    for (set, needle) in [
        ("quota.requests.cpu=-1", "greater than or equal to 0"),
        ("limitRange.max.cpu=1m", "greater than max value 1m"),
        ("ttl=999999999d", "9999-12-31"),
    ] {
        let (code, out, err) = run(&[
            "create",
            "pr-7",
            "-L",
            "team=a,cost-center=c",
            "--set",
            set,
            "--dry-run=client",
        ]);
        assert_eq!(code, 2, "{set}: {err}");
        assert!(out.is_empty(), "{set}: rendered anyway: {out}");
        assert!(err.contains(set) && err.contains(needle), "{set}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    let (code, _, err) = run(&[
        "create",
        "pr-7",
        "-L",
        "team=a,cost-center=c",
        "--ttl",
        "999999999d",
        "--dry-run=client",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("999999999d") && err.contains("9999-12-31"),
        "{err}"
    );
}

#[test]
fn control_characters_of_input_are_escaped_in_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("b.yaml");
    std::fs::write(
        &path,
        "apiVersion: ns-policy.io/v1alpha1\nkind: Baseline\nspec:\n  \"\\e[31mevil\\u0007\": 1\n",
    )
    .expect("write");
    let (code, _, err) = run(&["--baseline", path.to_str().unwrap(), "baseline"]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("\\u{1b}[31mevil\\u{7}"), "{err:?}");
}

/// The list of NetworkPolicies the API server refuses: each is exit
/// 2 for `probe -f` naming object, field and value, and an error finding of
/// `audit -f`, never a silent prediction.
#[test]
fn policies_the_api_server_refuses_are_never_predicted_with() {
    let cases = [
        (
            "ingress: [{from: [{ipBlock: {cidr: 300.1.2.3/40}}]}]",
            "300.1.2.3/40",
        ),
        (
            "ingress: [{from: [{ipBlock: {cidr: 'fd00::/129'}}]}]",
            "fd00::/129",
        ),
        (
            "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]",
            "strict subset",
        ),
        (
            "ingress: [{ports: [{port: 0}]}]",
            "spec.ingress[0].ports[0].port",
        ),
        ("ingress: [{ports: [{port: 70000}]}]", "70000"),
        ("ingress: [{ports: [{port: 8080, endPort: 80}]}]", "endPort"),
        (
            "ingress: [{ports: [{port: http, endPort: 90}]}]",
            "non-numeric",
        ),
        ("ingress: [{ports: [{protocol: ICMP, port: 1}]}]", "ICMP"),
        ("policyTypes: [Ingress, Sideways]", "Sideways"),
        (
            "podSelector: {matchExpressions: [{key: app, operator: Like, values: [x]}]}",
            "not a valid selector operator",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for (spec, needle) in cases {
        let path = dir.path().join("p.yaml");
        let selector = if spec.starts_with("podSelector") {
            ""
        } else {
            "podSelector: {}\n  "
        };
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1\nkind: Namespace\nmetadata: {{name: a}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: bad, namespace: a}}\nspec:\n  {selector}{spec}\n"
            ),
        )
        .expect("write");
        let p = path.to_str().unwrap();
        let (code, out, err) = run(&["probe", "a", "-f", p]);
        assert_eq!(code, 2, "{spec}: {out}{err}");
        assert!(out.is_empty(), "{spec}: predicted anyway: {out}");
        assert!(
            err.contains("NetworkPolicy a/bad") && err.contains(needle) && err.contains("p.yaml:5"),
            "{spec}: {err}"
        );
        let (code, out, _) = run(&["audit", "-f", p, "--all", "-o", "json"]);
        assert_eq!(code, 1, "{spec}: {out}");
        let report: serde_json::Value = serde_json::from_str(&out).expect("json");
        let findings = report["namespaces"][0]["findings"].as_array().unwrap();
        assert!(
            findings
                .iter()
                .any(|f| f["check"] == "network-policy.invalid"
                    && f["object"] == "NetworkPolicy/bad"
                    && f["message"].as_str().unwrap().contains(needle)),
            "{spec}: {report}"
        );
    }
}

fn write_tree(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const DIFF_NAMESPACES: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: pay}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: pay}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n";
const DIFF_ALLOW: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-shop, namespace: pay}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}}], ports: [{port: 8080}]}]\n";

#[test]
fn diff_exits_1_when_a_change_opens_a_connection_and_0_when_it_closes() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    write_tree(&before, &[("ns.yaml", DIFF_NAMESPACES)]);
    write_tree(
        &after,
        &[("ns.yaml", DIFF_NAMESPACES), ("allow.yaml", DIFF_ALLOW)],
    );
    let (b, a) = (before.to_str().unwrap(), after.to_str().unwrap());

    let (code, out, err) = run(&["diff", "-f", b, "-f", a]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("shop   pay   TCP/8080   deny -> allow   NetworkPolicy pay/allow-shop"),
        "{out}"
    );

    let (code, out, err) = run(&["diff", "-f", b, "-f", a, "-o", "markdown"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains(
            "| `shop` | `pay` | TCP/8080 | deny | **allow** | NetworkPolicy pay/allow-shop |"
        ),
        "{out}"
    );
    assert!(err.contains("1 connection(s) open"), "{err}");

    let (code, out, _) = run(&["diff", "-f", a, "-f", b, "-o", "json"]);
    assert_eq!(code, 0, "closing is not a failure");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "ConnectivityDiff");
    assert_eq!(v["changes"][0]["before"], "allow");
    assert_eq!(v["changes"][0]["after"], "deny");
    assert_eq!(v["summary"]["closed"], 1);

    let (code, _, _) = run(&["diff", "-f", b, "-f", a, "--allow-opening"]);
    assert_eq!(code, 0);
    let (code, _, err) = run(&["diff", "-f", b]);
    assert_eq!(code, 2);
    assert!(err.contains("exactly two -f"), "{err}");
}

#[test]
fn kubectl_flags_are_accepted_where_kubectl_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: dev, team: t, cost-center: c}}\n";
    write_tree(dir.path(), &[("a/ns.yaml", ns)]);
    let d = dir.path().to_str().unwrap();
    // --all-namespaces and -R with -f, --request-timeout 0 (kubectl's default).
    let (code, _, err) = run(&[
        "audit",
        "--all-namespaces",
        "-R",
        "-f",
        d,
        "--request-timeout",
        "0",
        "-o",
        "json",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let (code, _, err) = run(&["audit", "-A", "-f", d, "--request-timeout", "500ms", "-q"]);
    assert!(code == 0 || code == 1, "{err}");
    let (code, _, err) = run(&["audit", "-A", "-f", d, "--request-timeout", "soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid request timeout \"soon\""), "{err}");
    // -n on create.
    let (code, out, err) = run(&[
        "create",
        "-n",
        "shop",
        "--label",
        "env=dev",
        "--label",
        "team=t",
        "--label",
        "cost-center=c",
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("name: shop"), "{out}");
    // Impersonation: groups and UID need a user, as in kubectl.
    let (code, _, err) = run(&["audit", "shop", "--as-group", "devs"]);
    assert_eq!(code, 2);
    assert!(err.contains("--as"), "{err}");
}

#[test]
fn an_object_given_twice_is_a_warning_and_the_last_one_counts() {
    let dir = tempfile::tempdir().unwrap();
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: dev, team: t, cost-center: c}}\n";
    write_tree(dir.path(), &[("a.yaml", ns), ("b.yaml", ns)]);
    let (_, out, err) = run(&[
        "audit",
        "-A",
        "-f",
        dir.path().to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(
        err.contains("warning: Namespace/shop is given 2 times")
            && err.contains("b.yaml:1) is used"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["namespaces"].as_array().unwrap().len(), 1, "{out}");
}

#[test]
fn offline_audits_show_progress_on_a_terminal_and_nothing_when_piped() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIPPED: script(1) is not installed (util-linux)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<String> = (0..3000)
        .map(|i| format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: ns-{i}, labels: {{env: dev, team: t, cost-center: c}}}}\n"))
        .collect();
    let file = dir.path().join("many.yaml");
    std::fs::write(&file, docs.join("---\n")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("kubectl-ns_policy");
    let log = dir.path().join("tty.log");
    // script(1) gives the plugin a terminal; stdout (the data) is discarded.
    let status = std::process::Command::new("script")
        .arg("-qec")
        .arg(format!(
            "{} audit -A -f {} -o json >/dev/null",
            bin.display(),
            file.display()
        ))
        .arg(&log)
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .unwrap();
    assert!(status.status.success() || status.status.code() == Some(1));
    let tty = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    assert!(
        tty.contains("auditing") && tty.contains("/3000 namespace(s)"),
        "{tty}"
    );
    // Piped: no progress at all.
    let (_, _, err) = run(&["audit", "-A", "-f", file.to_str().unwrap(), "-o", "json"]);
    assert!(!err.contains("auditing"), "{err}");
}

#[test]
fn sarif_regions_point_at_the_offending_field_and_missing_objects_at_their_namespace() {
    let out = cmd()
        .current_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/report"
        ))
        .args(["audit", "-A", "-f", ".", "-o", "sarif"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let at = |rule: &str| {
        let r = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == rule && r["properties"]["namespace"] == "legacy")
            .unwrap_or_else(|| panic!("{rule}"));
        let pl = &r["locations"][0]["physicalLocation"];
        (
            pl["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            pl["region"]["startLine"].as_u64().unwrap(),
        )
    };
    // legacy.yaml: `privileged: true` is line 48, `egress: - {}` 22, the
    // Namespace document starts on 3 and its labels on 8.
    assert_eq!(
        at("workload-security.privileged"),
        ("legacy.yaml".into(), 48)
    );
    assert_eq!(at("network-policy.open-rule"), ("legacy.yaml".into(), 22));
    assert_eq!(at("labels.required-missing"), ("legacy.yaml".into(), 8));
    assert_eq!(at("rbac.role-missing"), ("legacy.yaml".into(), 3));
}

#[test]
fn offline_probe_by_classes_reports_what_each_representative_stands_for() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("ns.yaml");
    let (code, out, err) = run(&[
        "create",
        "pr-1",
        "pr-2",
        "pr-3",
        "shop-prod",
        "--label",
        "team=web,cost-center=cc-1",
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, platform, err) = run(&[
        "create",
        "ops",
        "--profile",
        "platform",
        "--label",
        "team=ops,cost-center=cc-1,env=prod",
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&yaml, out + &platform).unwrap();
    let file = yaml.to_str().unwrap();
    let (code, out, err) = run(&["probe", "-f", file, "--all", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The previews and shop-prod have the same policies: one class (two
    // probed); ops (platform: other policies) is its own.
    assert_eq!(report["coverage"]["namespaces"], 5, "{report:#}");
    assert_eq!(report["coverage"]["classes"], 2);
    assert_eq!(
        report["namespaces"],
        serde_json::json!(["ops", "pr-1", "pr-2"])
    );
    // -l selects; a selector matching nothing is one line, exit 2.
    let (code, out, _) = run(&["probe", "-f", file, "-l", "env=preview", "-o", "json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["coverage"]["namespaces"], 3);
    let (code, _, err) = run(&["probe", "-f", file, "-l", "team=nobody"]);
    assert_eq!(code, 2);
    assert!(err.contains("none matches -l \"team=nobody\""), "{err}");
    // Names and --all do not mix.
    let (code, _, _) = run(&["probe", "-f", file, "--all", "pr-1"]);
    assert_eq!(code, 2);
}

#[test]
fn output_dir_writes_the_teams_app_project_beside_the_namespaces() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("gitops");
    let baseline = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/baselines/bitvault.yaml"
    );
    let (code, _, err) = run(&[
        "--baseline",
        baseline,
        "create",
        "bv-app",
        "bv-data",
        "bv-platform",
        "-L",
        "team=vault,cost-center=cc-9,env=dev",
        "--output-dir",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let project =
        std::fs::read_to_string(out_dir.join("argocd/appproject-vault-dev.yaml")).unwrap();
    assert!(project.contains("kind: AppProject"), "{project}");
    assert!(project.contains("namespace: bv-app") && project.contains("namespace: bv-data"));
    // The platform namespace is protected: no team project reaches it.
    assert!(!project.contains("bv-platform"), "{project}");
    assert!(
        project.contains("clusterResourceWhitelist: []"),
        "{project}"
    );
    let k = std::fs::read_to_string(out_dir.join("argocd/kustomization.yaml")).unwrap();
    assert!(k.contains("appproject-vault-dev.yaml"), "{k}");
}

#[test]
fn install_schedule_dry_run_prints_the_objects_and_bad_input_is_exit_2() {
    let image = "registry.example.com/kubectl-ns-policy:v1";
    let (code, out, err) = run(&[
        "probe",
        "pr-1",
        "pr-2",
        "--port",
        "8080,9090",
        "--install-schedule",
        "*/30 * * * *",
        "--schedule-image",
        image,
        "--dry-run=client",
    ]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "kind: Namespace",
        "pod-security.kubernetes.io/enforce: restricted",
        "kind: ClusterRole",
        "pods/exec",
        "kind: CronJob",
        "schedule: '*/30 * * * *'",
        "concurrencyPolicy: Forbid",
        "--store-report",
        "--port=8080,9090",
        image,
    ] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    assert!(!out.contains("secrets"), "{out}");

    for (args, needle) in [
        (
            vec![
                "probe",
                "a",
                "--install-schedule",
                "* * *",
                "--schedule-image",
                image,
            ],
            "\"* * *\"",
        ),
        (
            vec!["probe", "a", "--install-schedule", "@daily"],
            "--schedule-image",
        ),
        (
            vec![
                "probe",
                "--install-schedule",
                "@daily",
                "--schedule-image",
                image,
            ],
            "--all",
        ),
        (
            vec![
                "probe",
                "a",
                "--install-schedule",
                "@daily",
                "--schedule-image",
                "bad image",
            ],
            "\"bad image\"",
        ),
        (
            vec![
                "probe",
                "a",
                "--install-schedule",
                "@daily",
                "--schedule-image",
                image,
                "--schedule-namespace",
                "Bad_NS",
            ],
            "Bad_NS",
        ),
        (vec!["probe", "a", "--last"], "cannot be used with"),
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn many_named_namespaces_fold_by_class_in_the_table_and_stream_whole_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("ns.yaml");
    let names: Vec<String> = (1..=30).map(|i| format!("pr-{i}")).collect();
    let mut args: Vec<&str> = vec!["create"];
    args.extend(names.iter().map(String::as_str));
    args.extend([
        "--label",
        "team=web,cost-center=cc-1",
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&yaml, out).unwrap();
    let file = yaml.to_str().unwrap();
    let mut probe: Vec<&str> = vec!["probe", "-f", file];
    probe.extend(names.iter().map(String::as_str));

    // The table: one class, two representatives, the coverage said.
    let (code, table, err) = run(&probe);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("30 namespace(s) in 1 class(es)"), "{table}");
    let header = table.lines().next().unwrap();
    assert_eq!(header.split_whitespace().count(), 5, "{header}");

    // JSON: every cell, explained, as one document.
    let mut json_args = probe.clone();
    json_args.extend(["-o", "json"]);
    let (code, out, err) = run(&json_args);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 900);
    assert_eq!(report["summary"]["cells"], 900);
    assert_eq!(report["summary"]["expectedAllow"], 30);
    assert!(results
        .iter()
        .all(|r| !r["explanation"].as_str().unwrap().is_empty()));
    assert!(report.get("coverage").is_none());

    // --expect-isolated still decides on the whole: exit 0 (all isolated).
    let mut iso = probe.clone();
    iso.extend(["-o", "json", "--expect-isolated"]);
    assert_eq!(run(&iso).0, 0);
}
