//! Report shapes: JSON, SARIF and JUnit.

use super::*;

fn sample_report() -> AuditReport {
    let good = rendered("app").audit();
    let mut f = rendered("preview");
    f.policies.clear();
    f.label("team", None);
    let mut bad = f.audit();
    bad.findings[0].source = Some("repo/ns <&>.yaml:12".into());
    let forbidden = rendered("data")
        .audit_with(|s| s.pods = Access::Forbidden("cannot list pods \"<all>\"".into()));
    AuditReport::new(vec![good, bad, forbidden])
}

#[test]
fn json_shape() {
    let report = sample_report();
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["apiVersion"], "ns-policy.io/v1alpha1");
    assert_eq!(v["kind"], "AuditReport");
    let ns = &v["namespaces"][1];
    assert_eq!(ns["name"], "shop-pr-1");
    assert_eq!(ns["profile"], "preview");
    let f = &ns["findings"][0];
    for key in ["check", "category", "severity", "message", "remediation"] {
        assert!(f[key].is_string(), "{key}: {f}");
    }
    assert_eq!(f["category"], "labels");
    assert_eq!(f["severity"], "error");
    assert!(ns["unknown"].is_array());
    assert!(v["namespaces"][0]["findings"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(v["namespaces"][0].get("object").is_none());
    let s = &v["summary"];
    assert_eq!(s["namespaces"], 3);
    assert_eq!(s["failed"], 1);
    assert_eq!(s["unknownChecks"], 2);
    for key in ["errors", "warnings", "infos", "passed"] {
        assert!(s[key].is_u64(), "{key}: {s}");
    }
    assert_eq!(
        s["errors"].as_u64().unwrap() as usize,
        report.namespaces[1].count(Severity::Error)
    );
    assert_eq!(report.max_severity(), Some(Severity::Error));
    assert!(report.exceeds(Severity::Error));
    assert!(report.exceeds(Severity::Warning));
    let clean = AuditReport::new(vec![rendered("app").audit()]);
    assert!(!clean.exceeds(Severity::Info));
    assert_eq!(clean.summary.passed, 1);
    // Round trip.
    let back: AuditReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, report);
    // Categories serialize kebab-case.
    let cats: Vec<Value> = Category::ALL
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    assert_eq!(
        cats,
        [
            "labels",
            "pod-security",
            "resource-quota",
            "limit-range",
            "network-policy",
            "network-dns",
            "rbac",
            "workload-security",
            "workload-resources",
            "workload-reliability",
            "gitops",
            "lifecycle",
            "waivers"
        ]
    );
    assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    assert_eq!("warn".parse::<Severity>().unwrap(), Severity::Warning);
}

#[test]
fn sarif_is_well_formed() {
    let report = sample_report();
    let opts = SarifOptions {
        tool_version: "1.2.3".into(),
        cwd: "/work".into(),
        base: None,
    };
    let s = to_sarif(&report, &opts);
    assert_eq!(s["version"], "2.1.0");
    assert!(s["$schema"].as_str().unwrap().contains("sarif"));
    let driver = &s["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "kubectl-ns-policy");
    assert_eq!(driver["version"], "1.2.3");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let results = s["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        report
            .namespaces
            .iter()
            .map(|n| n.findings.len())
            .sum::<usize>()
    );
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].is_string());
        assert!(!r["locations"].as_array().unwrap().is_empty());
    }
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["help"]["text"].is_string());
        assert!(rule["properties"]["category"].is_string());
    }
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(ids.len(), dedup.len());
    let with_file = &results[0]["locations"][0]["physicalLocation"];
    // Relative to the working directory, percent-encoded.
    assert_eq!(
        with_file["artifactLocation"]["uri"],
        "repo/ns%20%3C%26%3E.yaml"
    );
    assert_eq!(with_file["region"]["startLine"], 12);
    // Checks that could not run are an invocation notification each.
    let invocation = &s["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), report.summary.unknown_checks);
    assert!(notes.iter().all(|n| n["level"] == "warning"
        && n["descriptor"]["id"].is_string()
        && n["message"]["text"]
            .as_str()
            .unwrap()
            .contains("could not run")));
    let clean = to_sarif(&AuditReport::new(vec![rendered("app").audit()]), &opts);
    assert!(clean["runs"][0]["invocations"][0]
        .get("toolExecutionNotifications")
        .is_none());
    // A finding without a file (live) has a stable logical path, said so.
    let live = &results[1]["locations"][0];
    let uri = live["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("kubernetes/namespaces/shop-pr-1/"), "{uri}");
    assert!(
        live["physicalLocation"]["artifactLocation"]["description"]["text"]
            .as_str()
            .unwrap()
            .contains("not a file")
    );
    assert_eq!(live["physicalLocation"]["region"]["startLine"], 1);
    assert!(live["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .unwrap()
        .starts_with("shop-pr-1"));
    // No rule repeats one finding's text as its help, nor its id as name.
    for (rule, r) in rules.iter().zip(results) {
        assert!(rule.get("name").is_none());
        assert_ne!(rule["help"]["text"], r["properties"]["remediation"]);
    }
    // Fingerprints are stable: the same report gives the same ones.
    let again = to_sarif(&report, &opts);
    assert_eq!(again, s);
    for r in results {
        assert_eq!(
            r["partialFingerprints"]["nsPolicyFinding/v1"]
                .as_str()
                .unwrap()
                .len(),
            16
        );
    }
}

#[test]
fn sarif_uris_are_relative_to_the_base_and_stdin_is_named() {
    let mut report = sample_report();
    fn first(report: &mut AuditReport) -> &mut Finding {
        report
            .namespaces
            .iter_mut()
            .flat_map(|n| n.findings.iter_mut())
            .next()
            .expect("a finding")
    }
    first(&mut report).source = Some("/repo/apps/shop/ns.yaml:3".into());
    let uri = |base: Option<&str>, cwd: &str, report: &AuditReport| {
        let s = to_sarif(
            report,
            &SarifOptions {
                tool_version: "0".into(),
                cwd: cwd.into(),
                base: base.map(Into::into),
            },
        );
        s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(uri(None, "/repo", &report), "apps/shop/ns.yaml");
    assert_eq!(
        uri(Some("/repo/apps"), "/elsewhere", &report),
        "shop/ns.yaml"
    );
    assert_eq!(uri(None, "/repo/other", &report), "../apps/shop/ns.yaml");
    first(&mut report).source = Some("./apps/../apps/ns.yaml:3".into());
    assert_eq!(uri(Some("."), "/repo", &report), "apps/ns.yaml");
    first(&mut report).source = Some("-:7".into());
    assert_eq!(uri(None, "/repo", &report), "stdin");
}

#[test]
fn junit_is_well_formed_and_escaped() {
    let report = sample_report();
    let x = to_junit(&report, Severity::Error);
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(x.matches("<testsuite ").count(), 1);
    assert!(x.contains("<testsuite name=\"kubectl-ns-policy audit\" tests=\"39\""));
    assert_eq!(x.matches("<testcase ").count(), 39);
    assert!(x.contains("<testcase classname=\"shop-pr-1\" name=\"labels\" time=\"0\">"));
    assert!(x.contains("<testcase classname=\"shop-prod\" name=\"rbac\" time=\"0\"/>"));
    // The Jenkins/xunit schema has no `skipped` on <testsuites>; every
    // testcase has a time.
    let suites = x.lines().find(|l| l.starts_with("<testsuites ")).unwrap();
    assert!(!suites.contains("skipped="), "{suites}");
    assert_eq!(
        x.matches("<testcase ").count(),
        x.matches(" time=\"0\"").count() - 2
    );
    let failures = x.matches("<failure ").count();
    assert_eq!(failures, x.matches("</failure>").count());
    assert_eq!(failures, 2, "{x}");
    assert!(x.contains("failures=\"2\""), "{x}");
    assert!(x.contains("<skipped message=\"workload-"));
    assert!(x.contains("&lt;all&gt;") && x.contains("&quot;"));
    assert!(x.contains("repo/ns &lt;&amp;&gt;.yaml:12"));
    assert!(!x.contains("<all>") && !x.contains("<&>"));
    // Balanced tags.
    assert_eq!(
        x.matches("<testcase ").count(),
        x.matches("</testcase>").count() + x.matches("\"/>\n").count()
            - x.matches("<skipped ").count()
    );
    assert!(x.trim_end().ends_with("</testsuites>"));
    // Warnings fail at a warning threshold.
    let mut f = rendered("app");
    f.label("pod-security.kubernetes.io/warn", None);
    let report = AuditReport::new(vec![f.audit()]);
    assert!(!to_junit(&report, Severity::Error).contains("<failure"));
    assert!(to_junit(&report, Severity::Error).contains("<system-out>"));
    assert!(to_junit(&report, Severity::Warning).contains("<failure"));
}
