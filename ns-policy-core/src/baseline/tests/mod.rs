//! Tests of the baseline: the built-in file, profile selection, errors with
//! positions, the v2 fields, and parser robustness.

use super::*;
use crate::pss::Level;
use crate::quantity::is_quantity;

#[test]
fn builtin_baseline_parses_and_has_the_four_profiles() {
    let b = Baseline::builtin();
    for p in ["app", "preview", "platform", "data"] {
        b.profile(p).unwrap();
    }
    assert_eq!(b.spec.default_profile, "app");
    assert_eq!(
        b.profile("platform").unwrap().pod_security.level,
        Level::Privileged
    );
    assert_eq!(
        b.profile("app").unwrap().pod_security.level,
        Level::Restricted
    );
}

#[test]
fn preview_profile_is_chosen_for_pr_names() {
    let b = Baseline::builtin();
    assert_eq!(b.profile_by_name_rules("pr-123"), "preview");
    assert_eq!(b.profile_by_name_rules("shop-pr-7"), "preview");
    assert_eq!(b.profile_by_name_rules("a-b-pr-7"), "preview");
    assert_eq!(b.profile_by_name_rules("pr-x"), "app");
    assert_eq!(b.profile_by_name_rules("xpr-1"), "app");
    assert_eq!(b.profile_by_name_rules("pr-1-old"), "app");
    assert_eq!(b.profile_by_name_rules("staging"), "app");
}

#[test]
fn explicit_profile_overrides_name_rules_and_unknown_is_an_error() {
    let b = Baseline::builtin();
    assert_eq!(b.select_profile("pr-1", Some("data")).unwrap(), "data");
    let err = b.select_profile("x", Some("nope")).unwrap_err().to_string();
    assert!(
        err.contains("\"nope\"") && err.contains("app, data, platform, preview"),
        "{err}"
    );
}

#[test]
fn env_is_inferred_from_profile_then_name_tokens() {
    let b = Baseline::builtin();
    assert_eq!(b.infer_env("staging", "app").as_deref(), Some("staging"));
    assert_eq!(b.infer_env("shop-prod", "app").as_deref(), Some("prod"));
    assert_eq!(b.infer_env("team-dev", "app").as_deref(), Some("dev"));
    assert_eq!(b.infer_env("pr-12", "preview").as_deref(), Some("preview"));
    assert_eq!(b.infer_env("payments", "app"), None);
    assert_eq!(
        b.infer_env("production-like", "app").as_deref(),
        Some("prod")
    );
    assert_eq!(b.infer_env("devops", "app"), None);
}

#[test]
fn existing_namespace_profile_comes_from_its_label() {
    let b = Baseline::builtin();
    let mut labels = BTreeMap::new();
    labels.insert(crate::PROFILE_LABEL.to_string(), "data".to_string());
    assert_eq!(b.profile_of_existing("pr-1", &labels), ("data", None));
    labels.insert(crate::PROFILE_LABEL.to_string(), "bogus".to_string());
    assert_eq!(
        b.profile_of_existing("pr-1", &labels),
        ("preview", Some("bogus"))
    );
}

#[test]
fn malformed_baseline_names_file_line_and_column() {
    let text = BUILTIN_YAML.replace("defaultProfile: app", "defaultProfile: [app");
    let err = Baseline::parse(&text, "b.yaml").unwrap_err().to_string();
    assert!(err.starts_with("b.yaml:"), "{err}");
    let parts: Vec<&str> = err.splitn(4, ':').collect();
    assert!(parts[1].parse::<usize>().unwrap() > 1, "{err}");
    assert!(parts[2].parse::<usize>().is_ok(), "{err}");
}

#[test]
fn unknown_fields_are_rejected_with_position() {
    let text = BUILTIN_YAML.replace("  defaultProfile: app", "  defaultProfle: app");
    let err = Baseline::parse(&text, "b.yaml").unwrap_err().to_string();
    assert!(err.contains("defaultProfle"), "{err}");
    assert!(err.starts_with("b.yaml:"), "{err}");
}

#[test]
fn semantic_errors_are_reported() {
    let cases = [
        ("apiVersion: ns-policy.io/v1alpha1", "apiVersion: v1", "apiVersion"),
        ("defaultProfile: app", "defaultProfile: nope", "defaultProfile"),
        ("      profile: preview", "      profile: nope", "profileRules[0].profile"),
        ("        level: restricted\n        version: latest\n      quota:\n        requests.cpu: '4'",
         "        level: strict\n        version: latest\n      quota:\n        requests.cpu: '4'", "strict"),
        ("      ttl: 4h", "      ttl: soon", "ttl"),
        ("      ttl: 4h", "      ttl: 999999999d", "9999-12-31"),
        ("requests.cpu: '4'", "requests.cpu: '-4'", "greater than or equal to 0"),
        ("pods: '50'", "pods: '2.5'", "must be an integer"),
        ("        defaultRequest:\n          cpu: 100m", "        defaultRequest:\n          cpu: '4'", "default request value 4 is greater than max value 2"),
        ("requests.cpu: '4'", "requests.cpu: 'four'", "quantity"),
        ("version: latest", "version: 1.33", "version"),
        ("^([a-z0-9]([-a-z0-9]*[a-z0-9])?-)?pr-[0-9]+$", "pr-(", "regular expression"),
    ];
    for (from, to, needle) in cases {
        let text = BUILTIN_YAML.replacen(from, to, 1);
        assert_ne!(text, BUILTIN_YAML, "fixture {from:?} not found");
        let err = Baseline::parse(&text, "b.yaml").unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
        // The position is the line that holds the bad value.
        let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
        let bad_line = text.lines().nth(line - 1).unwrap_or_default();
        let first_changed = to
            .lines()
            .find(|l| !from.contains(l.trim()))
            .unwrap_or(to.lines().next().unwrap());
        assert!(
            bad_line.contains(first_changed.trim()),
            "{needle}: line {line} is {bad_line:?}, expected {first_changed:?}"
        );
    }
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration("4h").unwrap().as_secs(), 14_400);
    assert_eq!(parse_duration("1h30m").unwrap().as_secs(), 5_400);
    assert_eq!(parse_duration("2d").unwrap().as_secs(), 172_800);
    for bad in ["", "4", "h", "4x", "-1h", "0h", "99999999999999999999h"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn quantities() {
    for ok in ["1", "500m", "4Gi", "0.5", "1e3", "2Ti", "+1"] {
        assert!(is_quantity(ok), "{ok}");
    }
    for bad in ["", "four", "1.2.3", "Gi", "1 Gi", "1GB"] {
        assert!(!is_quantity(bad), "{bad}");
    }
}

mod v2 {
    use super::*;

    /// The built-in baseline with `extra` (YAML at the indentation of the
    /// app profile's fields) added to the app profile.
    fn with_app(extra: &str) -> String {
        BUILTIN_YAML.replacen(
            "    app:\n      description: Application namespace (default).\n",
            &format!("    app:\n      description: Application namespace (default).\n{extra}"),
            1,
        )
    }

    fn err(text: &str) -> String {
        Baseline::parse(text, "b.yaml").unwrap_err().to_string()
    }

    #[test]
    fn v2_fields_parse_and_the_builtin_stays_valid() {
        let text = with_app(
            "      labels: {tier: '{env}-web'}\n      rbac:\n        serviceAccounts: [{name: deployer}]\n      audit:\n        skip: [rbac.default-sa-automount, network-dns.*, lifecycle]\n",
        );
        let b = Baseline::parse(&text, "b.yaml").unwrap();
        let app = b.profile("app").unwrap();
        assert_eq!(app.labels["tier"], "{env}-web");
        assert!(app.audit.skips("network-dns.udp-blocked"));
        assert!(app.audit.skips("lifecycle.expired"));
        assert!(!app.audit.skips("rbac.role-missing"));
        assert_eq!(b.env_label(), "env");
        assert_eq!(b.lifecycle(), &LifecycleSpec::default());
    }

    #[test]
    fn semantic_errors_of_v2_fields_name_the_value() {
        let allow = |body: &str| {
            with_app(&format!("      network:\n        allows:\n{body}"))
                // the app profile's own network block follows; drop it
                .replacen("      network:\n        allowSameNamespace: true\n        allowDns: true\n        allowIngressController: true\n    preview:", "    preview:", 1)
        };
        let cases = [
            (with_app("      labels: {tier: '{nope}'}\n"), "{nope} is not a variable"),
            (allow("          - {name: default-deny, ingress: [{}]}\n"), "renders itself"),
            (allow("          - {name: a, ingress: [{}]}\n          - {name: a, ingress: [{}]}\n"), "used twice"),
            (allow("          - {name: a}\n"), "neither ingress nor egress"),
            (allow("          - {name: a, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}\n"), "a peer is one of"),
            (allow("          - {name: a, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}}]}]}\n"), "not inside cidr"),
            (allow("          - {name: a, egress: [{to: [{apiServer: true}]}]}\n"), "spec.network.apiServer"),
            (allow("          - {name: a, ingress: [{ports: [{port: tcp_8080}]}]}\n"), "not a port name"),
            (allow("          - {name: a, podSelector: {matchExpressions: [{key: x, operator: In}]}, ingress: [{}]}\n"), "needs values"),
            (with_app("      audit: {skip: [network-policy.bogus]}\n"), "neither a check ID"),
        ];
        for (text, needle) in cases {
            assert_ne!(text, BUILTIN_YAML, "{needle}: fixture did not apply");
            let e = err(&text);
            assert!(e.contains(needle), "{needle}: {e}");
            assert!(e.starts_with("b.yaml:"), "{e}");
        }
        // An egress allow in an ingress-only profile would isolate egress.
        let text = BUILTIN_YAML.replacen(
            "      network:\n        allowSameNamespace: true\n        allowDns: true\n        allowIngressController: true\n    preview:",
            "      network:\n        isolation: [Ingress]\n        allows: [{name: out, egress: [{}]}]\n    preview:",
            1,
        );
        assert!(
            err(&text).contains("does not isolate Egress"),
            "{}",
            err(&text)
        );
    }

    #[test]
    fn lifecycle_and_env_label_are_configurable() {
        let text = BUILTIN_YAML.replacen(
            "  requiredLabels: [env, team, cost-center]",
            "  requiredLabels: [environment, team, cost-center]\n  envLabel: environment\n  lifecycle:\n    expiresAtAnnotation: previewd.io/expires-at\n    managedBy: {label: app.kubernetes.io/managed-by, value: previewd}",
            1,
        );
        let b = Baseline::parse(&text, "b.yaml").unwrap();
        assert_eq!(b.env_label(), "environment");
        assert_eq!(
            b.lifecycle().expires_at_annotation,
            "previewd.io/expires-at"
        );
        assert_eq!(
            b.lifecycle().created_at_annotation,
            crate::CREATED_AT_ANNOTATION
        );
        let mut labels = BTreeMap::new();
        labels.insert(
            "app.kubernetes.io/managed-by".to_string(),
            "previewd".to_string(),
        );
        assert!(b.is_managed(&labels));
        assert!(!Baseline::builtin().is_managed(&labels));
    }

    #[test]
    fn name_rule_captures_are_per_profile() {
        let text = BUILTIN_YAML.replacen(
            "    - pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?-)?pr-[0-9]+$'",
            "    - pattern: '(?P<app>[a-z0-9]+)-pr-(?P<pr>[0-9]+)'",
            1,
        );
        let b = Baseline::parse(&text, "b.yaml").unwrap();
        let c = b.captures("shop-pr-42", "preview");
        assert_eq!(c["app"], "shop");
        assert_eq!(c["pr"], "42");
        assert!(b.captures("shop-pr-42", "app").is_empty());
        assert_eq!(b.capture_names("preview"), ["app", "pr"]);
    }

    #[test]
    fn times_of_other_controllers_parse() {
        assert!(parse_time("2026-05-01T12:00:00Z").is_some());
        assert!(parse_time("2026-05-01T12:00:00+02:00").is_some());
        assert_eq!(parse_time("2026-05-01"), parse_time("2026-05-01T00:00:00Z"));
        assert_eq!(
            parse_time("2026-05-01T12:30"),
            parse_time("2026-05-01T12:30:00Z")
        );
        assert!(parse_time("soon").is_none());
    }
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary text never panics the parser; rejections name a position.
        #[test]
        fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,400}") {
            if let Err(e) = Baseline::parse(&text, "fuzz.yaml") {
                prop_assert!(e.to_string().starts_with("fuzz.yaml:"), "{}", e);
            }
        }

        /// The built-in baseline with a slice cut out or a line duplicated
        /// either parses or is rejected with file:line:column, never a panic.
        #[test]
        fn parser_never_panics_on_damaged_baselines(start in 0usize..BUILTIN_YAML.len(), len in 0usize..200, dup in 0usize..200) {
            let start = (0..=start).rev().find(|i| BUILTIN_YAML.is_char_boundary(*i)).unwrap_or(0);
            let end = (start + len).min(BUILTIN_YAML.len());
            let end = (end..=BUILTIN_YAML.len()).find(|i| BUILTIN_YAML.is_char_boundary(*i)).unwrap_or(BUILTIN_YAML.len());
            let mut text = String::new();
            text.push_str(&BUILTIN_YAML[..start]);
            text.push_str(&BUILTIN_YAML[end..]);
            if let Some(line) = BUILTIN_YAML.lines().nth(dup % BUILTIN_YAML.lines().count()) {
                text.push('\n');
                text.push_str(line);
            }
            if let Err(e) = Baseline::parse(&text, "cut.yaml") {
                let msg = e.to_string();
                let mut parts = msg.splitn(4, ':');
                prop_assert_eq!(parts.next(), Some("cut.yaml"));
                prop_assert!(parts.next().is_some_and(|l| l.parse::<usize>().is_ok()), "{}", msg);
            }
        }
    }
}

#[test]
fn waivers_of_the_baseline_are_validated_with_positions() {
    let with = |waivers: &str| {
        BUILTIN_YAML.replacen(
            "  profiles:\n",
            &format!("  waivers:\n{waivers}  waiverPolicy: {{maxDays: 90}}\n  profiles:\n"),
            1,
        )
    };
    let ok = with("  - {check: rbac.*, reason: legacy, expires: '2027-03-01', namespaceSelector: team=legacy}\n");
    let b = Baseline::parse(&ok, "b.yaml").unwrap();
    assert_eq!(b.spec.waivers[0].check, "rbac.*");
    assert_eq!(b.spec.waiver_policy.max_days, Some(90));
    for (bad, needle) in [
        (
            "  - {check: rbac.nope, reason: r}\n",
            "spec.waivers[0].check \"rbac.nope\"",
        ),
        (
            "  - {check: waivers.expired, reason: r}\n",
            "waivers.expired",
        ),
        (
            "  - {check: rbac.*, reason: r, expires: someday}\n",
            "spec.waivers[0].expires \"someday\"",
        ),
        (
            "  - {check: rbac.*, reason: r, namespaceSelector: 'a=(b'}\n",
            "namespaceSelector",
        ),
        (
            "  - {check: rbac.*, reason: r, namespaces: [Bad_Name]}\n",
            "namespaces[0]",
        ),
    ] {
        let err = Baseline::parse(&with(bad), "b.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    }
}
