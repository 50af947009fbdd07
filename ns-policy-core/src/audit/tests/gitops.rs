//! `gitops.*`: Argo CD AppProjects against `spec.gitops.argocd`.

use super::*;
use crate::argocd::AppProject;
use crate::baseline::{ArgoCdSpec, GitopsSpec, ProjectScope};
use crate::inventory::Item;
use crate::render::argocd::{app_projects, Member};

fn gitops_baseline() -> Baseline {
    let mut b = Baseline::builtin();
    b.spec.gitops = Some(GitopsSpec {
        argocd: Some(ArgoCdSpec {
            namespace: "argocd".into(),
            per: ProjectScope::Team,
            project: "team-{team}".into(),
            source_repos: vec!["https://git.example.com/{team}/*".into()],
            server: crate::argocd::IN_CLUSTER_SERVER.into(),
            protected_profiles: vec!["platform".into()],
            platform_projects: vec!["platform".into()],
        }),
    });
    b
}

/// The project `create` renders for the fixture's namespace.
fn rendered_project(b: &Baseline, f: &Fixture) -> AppProject {
    let labels = f.ns.metadata.labels.clone().unwrap_or_default();
    let ns = f.ns.metadata.name.clone().unwrap();
    let mut all = app_projects(
        b,
        &[Member {
            namespace: &ns,
            labels: &labels,
        }],
    )
    .unwrap();
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn audit_with_projects(b: &Baseline, f: &Fixture, projects: Vec<AppProject>) -> NamespaceReport {
    f.audit_by(b, &AuditOptions::at(now()), move |inv| {
        for p in projects {
            inv.push_app_project(Item::live(p));
        }
    })
}

fn project(v: Value) -> AppProject {
    AppProject::from_value(&v).unwrap()
}

#[test]
fn the_rendered_project_confines_the_namespace() {
    let b = gitops_baseline();
    let f = rendered_by(&b, "app");
    let p = rendered_project(&b, &f);
    assert_eq!(p.name(), "team-shop");
    assert_eq!(p.metadata.namespace.as_deref(), Some("argocd"));
    let v = crate::render::argocd::to_value(&p);
    assert_eq!(v["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(v["kind"], "AppProject");
    assert_eq!(
        v["spec"]["destinations"],
        json!([{"server": "https://kubernetes.default.svc", "namespace": "shop-prod"}])
    );
    assert_eq!(v["spec"]["clusterResourceWhitelist"], json!([]));
    assert_eq!(
        v["spec"]["sourceRepos"],
        json!(["https://git.example.com/shop/*"])
    );
    assert_eq!(
        v["spec"]["namespaceResourceBlacklist"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_clean(&audit_with_projects(&b, &f, vec![p]));
}

#[test]
fn a_namespace_no_project_reaches_is_unguarded() {
    let b = gitops_baseline();
    let f = rendered_by(&b, "app");
    let r = audit_with_projects(&b, &f, vec![]);
    let p = only(&r, "gitops.project-missing");
    assert!(
        p.message
            .contains("No AppProject team-shop in namespace argocd"),
        "{}",
        p.message
    );
    assert!(p.remediation.contains("kubectl ns-policy create shop-prod"));
    // The project exists but lists other namespaces.
    let mut other = rendered_project(&b, &f);
    other.spec.destinations.as_mut().unwrap()[0].namespace = Some("shop-dev".into());
    let r = audit_with_projects(&b, &f, vec![other]);
    assert!(only(&r, "gitops.project-missing")
        .message
        .contains("does not list namespace shop-prod"));
    // Without the gitops section: nothing asked.
    assert_clean(&f.audit());
}

#[test]
fn another_project_reaching_the_namespace_is_foreign_and_default_is_named() {
    let b = gitops_baseline();
    let f = rendered_by(&b, "app");
    let default = project(
        json!({"metadata": {"name": "default", "namespace": "argocd"}, "spec": {
        "sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}],
        "clusterResourceWhitelist": [{"group": "*", "kind": "*"}]}}),
    );
    let r = audit_with_projects(&b, &f, vec![rendered_project(&b, &f), default]);
    assert_eq!(
        ids(&r),
        [
            "gitops.baseline-kinds",
            "gitops.cluster-resources",
            "gitops.foreign-project"
        ]
    );
    let p = only(&r, "gitops.foreign-project");
    assert_eq!(p.object.as_deref(), Some("AppProject/default"));
    assert!(
        p.message.contains("which belongs to AppProject team-shop"),
        "{}",
        p.message
    );
    assert!(only(&r, "gitops.baseline-kinds")
        .message
        .contains("ResourceQuota, LimitRange, NetworkPolicy, Role, RoleBinding"));
    // A project in another namespace is not read by Argo CD.
    let mut elsewhere = project(
        json!({"metadata": {"name": "x", "namespace": "tenant"}, "spec": {
        "destinations": [{"server": "*", "namespace": "*"}]}}),
    );
    elsewhere.metadata.namespace = Some("tenant".into());
    assert_clean(&audit_with_projects(
        &b,
        &f,
        vec![rendered_project(&b, &f), elsewhere],
    ));
    // A deny entry keeps a project out.
    let denied = project(
        json!({"metadata": {"name": "ops", "namespace": "argocd"}, "spec": {
        "namespaceResourceBlacklist": [{"group": "*", "kind": "*"}],
        "destinations": [{"server": "*", "namespace": "ops-*"}, {"server": "*", "namespace": "!shop-*"}]}}),
    );
    assert_clean(&audit_with_projects(
        &b,
        &f,
        vec![rendered_project(&b, &f), denied],
    ));
}

#[test]
fn the_namespaces_own_project_by_wildcard_or_without_the_blacklist_is_reported() {
    let b = gitops_baseline();
    let f = rendered_by(&b, "app");
    let mut wild = rendered_project(&b, &f);
    wild.spec.destinations.as_mut().unwrap()[0].namespace = Some("shop-*".into());
    let r = audit_with_projects(&b, &f, vec![wild]);
    assert_eq!(ids(&r), ["gitops.destination-wildcard"]);
    assert_eq!(
        only(&r, "gitops.destination-wildcard").field.as_deref(),
        Some("spec.destinations")
    );
    let mut open = rendered_project(&b, &f);
    open.spec
        .namespace_resource_blacklist
        .as_mut()
        .unwrap()
        .retain(|gk| gk.kind != "NetworkPolicy");
    let r = audit_with_projects(&b, &f, vec![open]);
    assert_eq!(ids(&r), ["gitops.baseline-kinds"]);
    assert!(only(&r, "gitops.baseline-kinds")
        .message
        .contains("manage NetworkPolicy:"));
}

#[test]
fn a_platform_namespace_is_reached_only_by_platform_projects() {
    let b = gitops_baseline();
    let f = rendered_by(&b, "platform");
    // No project: a protected namespace needs none.
    assert_clean(&audit_with_projects(&b, &f, vec![]));
    let team = project(
        json!({"metadata": {"name": "team-ops", "namespace": "argocd"}, "spec": {
        "namespaceResourceBlacklist": [{"group": "*", "kind": "*"}],
        "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "ops-*"}]}}),
    );
    let r = audit_with_projects(&b, &f, vec![team]);
    assert_eq!(ids(&r), ["gitops.reaches-protected"]);
    let platform = project(
        json!({"metadata": {"name": "platform", "namespace": "argocd"}, "spec": {
        "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "ops-*"}]}}),
    );
    assert_clean(&audit_with_projects(&b, &f, vec![platform]));
}

#[test]
fn unreadable_or_unserved_projects_make_the_gitops_checks_unknown() {
    let b = gitops_baseline();
    let f = rendered_by(&b, "app");
    let r = f.audit_by(&b, &AuditOptions::at(now()), |inv| {
        inv.app_projects = Access::Forbidden(
            "the cluster serves no argoproj.io/v1alpha1 AppProject API (Argo CD is not installed)"
                .into(),
        );
    });
    assert_eq!(r.unknown.len(), 6, "{:#?}", r.unknown);
    assert!(r.unknown[0].reason.contains("Argo CD is not installed"));
    assert_eq!(r.verdict(), NamespaceStatus::Unknown);
}

#[test]
fn per_namespace_projects_and_validation() {
    let mut b = gitops_baseline();
    if let Some(a) = b.spec.gitops.as_mut().and_then(|g| g.argocd.as_mut()) {
        a.per = ProjectScope::Namespace;
        a.project = "{namespace}".into();
    }
    let f = rendered_by(&b, "app");
    let p = rendered_project(&b, &f);
    assert_eq!(p.name(), "shop-prod");
    assert_clean(&audit_with_projects(&b, &f, vec![p]));

    let base = crate::baseline::BUILTIN_YAML.to_string()
        + "  gitops:\n    argocd:\n      project: fixed\n      sourceRepos: ['*']\n";
    let e = Baseline::parse(&base, "b.yaml").unwrap_err().to_string();
    assert!(e.contains("must contain {team}"), "{e}");
    let ok = base.replace("project: fixed", "project: '{team}'");
    let parsed = Baseline::parse(&ok, "b.yaml").unwrap();
    let a = parsed.spec.gitops.unwrap().argocd.unwrap();
    assert_eq!(
        (a.namespace.as_str(), a.per),
        ("argocd", ProjectScope::Team)
    );
    let bad = ok.replace(
        "sourceRepos: ['*']",
        "sourceRepos: ['*']\n      protectedProfiles: [nope]",
    );
    let e = Baseline::parse(&bad, "b.yaml").unwrap_err().to_string();
    assert!(e.contains("\"nope\" is not a profile"), "{e}");
}
