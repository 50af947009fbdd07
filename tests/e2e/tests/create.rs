//! `create` against the real local cluster: apply, idempotency, server dry
//! run, the existing-namespace confirmation path, and admission.

use std::time::Duration;

use ns_policy_e2e::{cluster, code, stderr, stdout, unique_name, Cluster};

const LABELS: [&str; 4] = ["--label", "team=payments", "--label", "cost-center=cc-42"];

fn create(c: &Cluster, names: &[&str], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["create"];
    args.extend_from_slice(names);
    args.extend_from_slice(&LABELS);
    args.extend_from_slice(extra);
    c.plugin(&args)
}

/// resourceVersion of every object of the bundle, as `kind/name=rv` lines.
fn resource_versions(c: &Cluster, ns: &str) -> String {
    let mut out = c.kubectl_ok(&[
        "get",
        "namespace",
        ns,
        "-o",
        "jsonpath={.kind}/{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}",
    ]);
    out.push_str(&c.kubectl_ok(&[
        "get",
        "resourcequotas,limitranges,networkpolicies,serviceaccounts,roles,rolebindings",
        "-n",
        ns,
        "-o",
        "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}{end}",
    ]));
    out
}

#[test]
fn create_applies_the_whole_bundle_and_the_api_server_admits_it() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-create");
    let _g = c.guard(&[&ns]);
    let out = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("NAMESPACE"), "{table}");
    for obj in [
        format!("namespace/{ns}"),
        "resourcequota/ns-policy-quota".into(),
        "limitrange/ns-policy-limits".into(),
        "networkpolicy/default-deny".into(),
        "networkpolicy/allow-dns".into(),
        "networkpolicy/allow-same-namespace".into(),
        "networkpolicy/allow-ingress-controller".into(),
        "serviceaccount/default".into(),
        "role/ns-policy-team".into(),
        "rolebinding/ns-policy-team".into(),
    ] {
        assert!(table.contains(&obj), "{obj} missing from:\n{table}");
    }
    assert!(!table.contains("unchanged"), "{table}");

    let labels = c.kubectl_ok(&["get", "namespace", &ns, "-o", "jsonpath={.metadata.labels}"]);
    let labels: serde_json::Value = serde_json::from_str(&labels).unwrap();
    assert_eq!(labels["pod-security.kubernetes.io/enforce"], "restricted");
    assert_eq!(labels["kubernetes.io/metadata.name"], ns.as_str());
    assert_eq!(labels["team"], "payments");
    assert_eq!(labels["env"], "dev");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "kubectl-ns-policy");

    // Server-side apply with our field manager.
    let managers = c.kubectl_ok(&[
        "get",
        "namespace",
        &ns,
        "--show-managed-fields",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}",
    ]);
    assert!(managers.contains("kubectl-ns-policy"), "{managers}");

    // PodSecurity admission enforces restricted: a privileged pod is rejected.
    let privileged = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: bad, namespace: {ns}}}\nspec:\n  containers:\n  - name: c\n    image: docker.io/library/busybox:stable\n    securityContext: {{privileged: true}}\n    resources: {{limits: {{cpu: 100m, memory: 64Mi}}, requests: {{cpu: 10m, memory: 16Mi}}}}\n"
    );
    let rejected = c.kubectl_stdin(&["apply", "--dry-run=server", "-f", "-"], &privileged);
    assert!(!rejected.status.success());
    assert!(
        stderr(&rejected).contains("violates PodSecurity \"restricted"),
        "{}",
        stderr(&rejected)
    );

    // The LimitRange fills in requests and limits, so the quota admits a
    // restricted pod that sets none.
    let compliant = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: good, namespace: {ns}}}\nspec:\n  securityContext: {{runAsNonRoot: true, runAsUser: 65532, seccompProfile: {{type: RuntimeDefault}}}}\n  containers:\n  - name: c\n    image: docker.io/library/busybox:stable\n    command: [sleep, '3600']\n    securityContext: {{allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}}}\n"
    );
    let admitted = c.kubectl_stdin(
        &["apply", "--dry-run=server", "-o", "json", "-f", "-"],
        &compliant,
    );
    assert!(admitted.status.success(), "{}", stderr(&admitted));
    let pod: serde_json::Value = serde_json::from_slice(&admitted.stdout).unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["resources"]["limits"]["memory"],
        "512Mi"
    );
}

#[test]
fn second_create_changes_nothing_and_says_so() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-idem");
    let _g = c.guard(&[&ns]);
    let first = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    // The quota controller writes the quota's status once after creation;
    // that is not ours, so measure after it.
    let settled = c.wait_for(Duration::from_secs(20), || {
        let used = c.kubectl(&[
            "get",
            "resourcequota",
            "ns-policy-quota",
            "-n",
            &ns,
            "-o",
            "jsonpath={.status.used}",
        ]);
        !stdout(&used).trim().is_empty()
    });
    assert!(settled, "quota status never written");
    let before = resource_versions(&c, &ns);
    let second = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let table = stdout(&second);
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert!(rows.len() >= 9, "{table}");
    assert!(
        rows.iter().all(|r| r.trim_end().ends_with("unchanged")),
        "{table}"
    );
    assert!(
        stderr(&second).contains("0 created, 0 configured"),
        "{}",
        stderr(&second)
    );
    assert_eq!(
        before,
        resource_versions(&c, &ns),
        "resourceVersions changed"
    );
}

#[test]
fn second_create_without_labels_reuses_the_existing_ones() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-relabel");
    let _g = c.guard(&[&ns]);
    let first = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let again = c.plugin(&["create", &ns]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(!stdout(&again).contains("configured"), "{}", stdout(&again));
}

#[test]
fn server_dry_run_validates_and_stores_nothing() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-dry");
    let _g = c.guard(&[&ns]);
    let out = create(&c, &[&ns], &["--label", "env=dev", "--dry-run=server"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("created (server dry run)"),
        "{}",
        stdout(&out)
    );
    let get = c.kubectl(&["get", "namespace", &ns]);
    assert!(!get.status.success(), "namespace was stored by a dry run");

    // On an existing namespace, the server dry run shows the change and
    // leaves the object as it was.
    c.kubectl_ok(&["create", "namespace", &ns]);
    c.kubectl_ok(&[
        "label",
        "namespace",
        &ns,
        "pod-security.kubernetes.io/enforce=baseline",
    ]);
    let out = create(&c, &[&ns], &["--label", "env=dev", "--dry-run=server"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("\"baseline\" -> \"restricted\""),
        "{}",
        stderr(&out)
    );
    let level = c.kubectl_ok(&[
        "get",
        "namespace",
        &ns,
        "-o",
        "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}",
    ]);
    assert_eq!(level, "baseline");
    let quotas = c.kubectl_ok(&["get", "resourcequotas", "-n", &ns, "-o", "name"]);
    assert!(quotas.trim().is_empty(), "{quotas}");
}

#[test]
fn existing_namespace_with_weaker_settings_needs_yes_then_is_fixed() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-exist");
    let _g = c.guard(&[&ns]);
    c.kubectl_ok(&["create", "namespace", &ns]);
    c.kubectl_ok(&[
        "label",
        "namespace",
        &ns,
        "pod-security.kubernetes.io/enforce=baseline",
        "team=old",
    ]);

    // No TTY and no --yes: show what would change, apply nothing, exit 2.
    let out = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "metadata.labels.pod-security.kubernetes.io/enforce: \"baseline\" -> \"restricted\""
        ),
        "{err}"
    );
    assert!(
        err.contains("metadata.labels.team: \"old\" -> \"payments\""),
        "{err}"
    );
    assert!(err.contains("--yes"), "{err}");
    let quotas = c.kubectl_ok(&["get", "resourcequotas", "-n", &ns, "-o", "name"]);
    assert!(quotas.trim().is_empty(), "something was applied: {quotas}");

    // With --yes the namespace is brought up to the baseline.
    let out = create(&c, &[&ns], &["--label", "env=dev", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("namespace/{ns}")),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("configured"), "{}", stdout(&out));
    let level = c.kubectl_ok(&[
        "get",
        "namespace",
        &ns,
        "-o",
        "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}",
    ]);
    assert_eq!(level, "restricted");
    let quotas = c.kubectl_ok(&["get", "resourcequotas", "-n", &ns, "-o", "name"]);
    assert!(quotas.contains("ns-policy-quota"), "{quotas}");
}

#[test]
fn several_names_are_applied_in_one_call_with_one_summary() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-multi-a");
    let b = unique_name("e2e-multi-b");
    let p = format!("{}-pr-7", unique_name("e2e"));
    let _g = c.guard(&[&a, &b, &p]);
    let out = create(&c, &[&a, &b, &p], &["--label", "env=dev"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("3 namespace(s)"), "{}", stderr(&out));
    for ns in [&a, &b, &p] {
        c.kubectl_ok(&["get", "networkpolicy", "default-deny", "-n", ns]);
    }
    // The preview namespace got its profile and TTL annotations.
    let ann = c.kubectl_ok(&[
        "get",
        "namespace",
        &p,
        "-o",
        "jsonpath={.metadata.annotations}",
    ]);
    let ann: serde_json::Value = serde_json::from_str(&ann).unwrap();
    assert!(ann["ns-policy.io/expires-at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let profile = c.kubectl_ok(&[
        "get",
        "namespace",
        &p,
        "-o",
        "jsonpath={.metadata.labels.ns-policy\\.io/profile}",
    ]);
    assert_eq!(profile, "preview");
}

#[test]
fn bad_input_applies_nothing() {
    let Some(c) = cluster() else { return };
    let good = unique_name("e2e-bad");
    let _g = c.guard(&[&good]);
    let out = create(&c, &[&good, "Not_Valid"], &["--label", "env=dev"]);
    assert_eq!(code(&out), 2);
    assert!(
        !c.kubectl(&["get", "namespace", &good]).status.success(),
        "half-applied"
    );
    let out = create(&c, &[&good], &["--label", "env=dev", "--profile", "gold"]);
    assert_eq!(code(&out), 2);
    assert!(
        !c.kubectl(&["get", "namespace", &good]).status.success(),
        "half-applied"
    );
}

#[test]
fn forbidden_request_names_verb_and_resource() {
    let Some(c) = cluster() else { return };
    let home = unique_name("e2e-sa");
    let _g = c.guard(&[&home]);
    c.kubectl_ok(&["create", "namespace", &home]);
    c.kubectl_ok(&["create", "serviceaccount", "nobody", "-n", &home]);
    let kc = c.service_account_kubeconfig(&home, "nobody");
    let target = unique_name("e2e-forbidden");
    let mut args = vec!["create", target.as_str()];
    args.extend_from_slice(&LABELS);
    args.extend_from_slice(&["--label", "env=dev"]);
    let out = c.plugin_as(&kc, &args);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("forbidden: cannot get namespaces"), "{err}");
    assert!(err.contains("kubectl auth can-i get namespaces"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn adding_missing_objects_to_an_existing_namespace_needs_yes() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-readd");
    let _g = c.guard(&[&ns]);
    let first = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    c.kubectl_ok(&["delete", "networkpolicy", "default-deny", "-n", &ns]);
    let out = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("and create NetworkPolicy/default-deny"),
        "{}",
        stderr(&out)
    );
    let out = create(&c, &[&ns], &["--label", "env=dev", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let table = stdout(&out);
    let row = table
        .lines()
        .find(|l| l.contains("networkpolicy/default-deny"))
        .unwrap_or_default();
    assert!(row.trim_end().ends_with("created"), "{table}");
    assert!(
        table
            .lines()
            .filter(|l| l.trim_end().ends_with("unchanged"))
            .count()
            >= 8,
        "{table}"
    );
}

/// A service account in a namespace of its own with a ClusterRole of these
/// rules, and a kubeconfig that acts as it. The guard deletes the role and
/// binding with the home namespace (returned).
fn identity(
    c: &Cluster,
    prefix: &str,
    rules: &[(&str, &str)],
) -> (String, String, std::path::PathBuf) {
    let home = unique_name(prefix);
    c.kubectl_ok(&["create", "namespace", &home]);
    c.kubectl_ok(&["create", "serviceaccount", "actor", "-n", &home]);
    let role = format!("{home}-role");
    let mut args = vec![
        "create".to_string(),
        "clusterrole".to_string(),
        role.clone(),
    ];
    for (verbs, resources) in rules {
        args.push(format!("--verb={verbs}"));
        args.push(format!("--resource={resources}"));
    }
    // kubectl takes one --verb/--resource set per role: extra rules go in
    // with apply.
    let first: Vec<&str> = args.iter().take(5).map(String::as_str).collect();
    c.kubectl_ok(&first);
    for (verbs, resources) in rules.iter().skip(1) {
        let patch = format!(
            "[{{\"op\":\"add\",\"path\":\"/rules/-\",\"value\":{{\"apiGroups\":[{}],\"resources\":[{}],\"verbs\":[{}]}}}}]",
            resources
                .split(',')
                .map(|r| format!("\"{}\"", r.split_once('.').map_or("", |(_, g)| g)))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(","),
            resources
                .split(',')
                .map(|r| format!("\"{}\"", r.split_once('.').map_or(r, |(p, _)| p)))
                .collect::<Vec<_>>()
                .join(","),
            verbs
                .split(',')
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        c.kubectl_ok(&["patch", "clusterrole", &role, "--type=json", "-p", &patch]);
    }
    c.kubectl_ok(&[
        "create",
        "clusterrolebinding",
        &role,
        &format!("--clusterrole={role}"),
        &format!("--serviceaccount={home}:actor"),
    ]);
    let kc = c.service_account_kubeconfig(&home, "actor");
    (home, role, kc)
}

fn namespace_gone_or_going(c: &Cluster, ns: &str) -> bool {
    let out = c.kubectl(&[
        "get",
        "namespace",
        ns,
        "-o",
        "jsonpath={.metadata.deletionTimestamp}",
    ]);
    !out.status.success() || !stdout(&out).trim().is_empty()
}

#[test]
fn overrides_the_api_server_would_refuse_fail_before_anything_is_written() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-badset");
    let _g = c.guard(&[&ns]);
    for (set, needle) in [
        ("quota.requests.cpu=-1", "greater than or equal to 0"),
        ("limitRange.max.cpu=1m", "greater than max value 1m"),
    ] {
        let out = create(&c, &[&ns], &["--label", "env=dev", "--set", set]);
        assert_eq!(code(&out), 2, "{set}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(set) && err.contains(needle), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            !c.kubectl(&["get", "namespace", &ns]).status.success(),
            "{set}: the namespace was created"
        );
    }
    // A plain rerun works: the bad override was never recorded.
    let out = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn an_identity_that_may_not_create_roles_is_refused_before_the_first_write() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-norole");
    let (home, role, kc) = identity(
        &c,
        "e2e-norole-home",
        &[
            (
                "get,list,create,patch,delete",
                "namespaces,serviceaccounts,limitranges,resourcequotas",
            ),
            (
                "get,list,create,patch,delete",
                "networkpolicies.networking.k8s.io,rolebindings.rbac.authorization.k8s.io",
            ),
        ],
    );
    let _g = c.guard(&[&ns, &home]);
    let mut args = vec!["create", ns.as_str(), "--label", "env=dev"];
    args.extend_from_slice(&LABELS);
    let out = c.plugin_as(&kc, &args);
    let _ = c.kubectl(&["delete", "clusterrolebinding,clusterrole", &role]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("create roles.rbac.authorization.k8s.io -n")
            && err.contains("nothing was applied"),
        "{err}"
    );
    assert!(
        !c.kubectl(&["get", "namespace", &ns]).status.success(),
        "the namespace was created: {err}"
    );
}

#[test]
fn a_write_refused_halfway_is_rolled_back_and_said() {
    // May create roles, but the team Role grants what this identity does not
    // hold: RBAC refuses it as an escalation, after the Namespace exists —
    // no permission check can tell beforehand.
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-rollback");
    let (home, role, kc) = identity(
        &c,
        "e2e-rollback-home",
        &[
            ("get,list,create,patch,delete", "namespaces,serviceaccounts,limitranges,resourcequotas"),
            ("get,list,create,patch,delete", "networkpolicies.networking.k8s.io,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io"),
        ],
    );
    let _g = c.guard(&[&ns, &home]);
    let mut args = vec!["create", ns.as_str(), "--label", "env=dev"];
    args.extend_from_slice(&LABELS);
    let out = c.plugin_as(&kc, &args);
    let _ = c.kubectl(&["delete", "clusterrolebinding,clusterrole", &role]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("rolled back what this run had created"),
        "{err}"
    );
    assert!(err.contains(&format!("namespace/{ns}")), "{err}");
    assert!(
        namespace_gone_or_going(&c, &ns),
        "the namespace this run created is still there: {err}"
    );
}

#[test]
fn on_an_existing_namespace_a_refused_object_stops_the_run_before_any_write() {
    // Objects of a namespace that exists are dry-run by the server while
    // planning: an escalating Role is refused there, and nothing is written.
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-rb-keep");
    let _g = c.guard(&[&ns]);
    let first = create(&c, &[&ns], &["--label", "env=dev"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    c.kubectl_ok(&[
        "delete",
        "networkpolicy",
        "default-deny",
        "allow-dns",
        "-n",
        &ns,
    ]);
    c.kubectl_ok(&["delete", "role", "ns-policy-team", "-n", &ns]);
    let (home, role, kc) = identity(
        &c,
        "e2e-rb-keep-home",
        &[
            ("get,list,create,patch", "namespaces,serviceaccounts,limitranges,resourcequotas"),
            ("get,list,create,patch,delete", "networkpolicies.networking.k8s.io,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io"),
        ],
    );
    let _h = c.guard(&[&home]);
    let mut args = vec!["create", ns.as_str(), "--label", "env=dev", "--yes"];
    args.extend_from_slice(&LABELS);
    let out = c.plugin_as(&kc, &args);
    let _ = c.kubectl(&["delete", "clusterrolebinding,clusterrole", &role]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("planning namespace") && err.contains("roles"),
        "{err}"
    );
    for missing in ["networkpolicy/allow-dns", "networkpolicy/default-deny"] {
        assert!(
            !c.kubectl(&["get", missing, "-n", &ns]).status.success(),
            "{missing} was written before the refusal: {err}"
        );
    }
    c.kubectl_ok(&["get", "resourcequota", "ns-policy-quota", "-n", &ns]);
}
