//! The audit report and its machine-readable renderings (JSON/YAML through
//! serde, SARIF 2.1.0, JUnit XML).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Finding, NamespaceReport, NamespaceStatus, API_VERSION, KIND};
use crate::checks::{check_info, Category, Severity};

/// The SARIF 2.1.0 JSON schema.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/ns-policy/kubectl-ns-policy";

/// The result of an audit: `-o json|yaml` prints it as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    /// [`API_VERSION`].
    pub api_version: String,
    /// [`KIND`].
    pub kind: String,
    /// One entry per audited namespace.
    pub namespaces: Vec<NamespaceReport>,
    /// Counts.
    pub summary: AuditSummary,
}

/// Counts over an [`AuditReport`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditSummary {
    /// Namespaces audited.
    pub namespaces: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Info findings.
    pub infos: usize,
    /// Namespaces with at least one error.
    pub failed: usize,
    /// Namespaces without errors whose checks did not all run: neither
    /// passed nor failed.
    #[serde(default)]
    pub unknown: usize,
    /// Namespaces with warnings, no errors, every check run.
    #[serde(default)]
    pub warned: usize,
    /// Namespaces without errors or warnings whose every check ran.
    pub passed: usize,
    /// Checks that could not run (forbidden lists), over all namespaces.
    pub unknown_checks: usize,
    /// Findings a waiver covers (not counted above).
    #[serde(default)]
    pub waived: usize,
    /// Worst severity found (absent without findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst: Option<Severity>,
    /// Findings per check ID.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_check: BTreeMap<String, usize>,
}

impl AuditSummary {
    /// Counts the findings of `namespaces`.
    pub fn of(namespaces: &[NamespaceReport]) -> Self {
        let mut s = AuditSummary {
            namespaces: namespaces.len(),
            ..Default::default()
        };
        for ns in namespaces {
            for f in &ns.findings {
                match f.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                    Severity::Info => s.infos += 1,
                }
                *s.by_check.entry(f.check.clone()).or_default() += 1;
            }
            match ns.verdict() {
                NamespaceStatus::Failed => s.failed += 1,
                NamespaceStatus::Unknown => s.unknown += 1,
                NamespaceStatus::Warned => s.warned += 1,
                NamespaceStatus::Passed => s.passed += 1,
            }
            s.unknown_checks += ns.unknown.len();
            s.waived += ns.waived.len();
        }
        s.worst = Self::worst(namespaces.iter().flat_map(|n| &n.findings));
        s
    }

    /// The worst severity among `findings`.
    pub fn worst<'f>(findings: impl IntoIterator<Item = &'f Finding>) -> Option<Severity> {
        findings.into_iter().map(|f| f.severity).max()
    }
}

impl AuditReport {
    /// A report over `namespaces` (summary computed).
    pub fn new(mut namespaces: Vec<NamespaceReport>) -> Self {
        for ns in &mut namespaces {
            ns.status = ns.verdict();
        }
        let summary = AuditSummary::of(&namespaces);
        AuditReport {
            api_version: API_VERSION.to_string(),
            kind: KIND.to_string(),
            namespaces,
            summary,
        }
    }

    /// The worst severity of any finding.
    pub fn max_severity(&self) -> Option<Severity> {
        AuditSummary::worst(self.namespaces.iter().flat_map(|n| &n.findings))
    }

    /// True when some finding is at or above `threshold` (`--fail-on`).
    pub fn exceeds(&self, threshold: Severity) -> bool {
        self.max_severity().is_some_and(|w| w >= threshold)
    }

    /// True when some check of some namespace could not run.
    pub fn has_unknown(&self) -> bool {
        self.namespaces.iter().any(|n| !n.unknown.is_empty())
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Splits `path:line` (line a positive integer).
fn split_source(source: &str) -> Option<(&str, u64)> {
    let (path, line) = source.rsplit_once(':')?;
    let line: u64 = line.parse().ok()?;
    (!path.is_empty() && line > 0).then_some((path, line))
}

/// How SARIF locations are written.
#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// `tool.driver.version`.
    pub tool_version: String,
    /// The working directory relative `-f` paths were given from.
    pub cwd: std::path::PathBuf,
    /// `--sarif-base`: URIs are made relative to this directory (default:
    /// `cwd`), as GitHub code scanning wants them relative to the checkout.
    pub base: Option<std::path::PathBuf>,
}

/// The lexically normal form of an absolute path (`.` and `..` resolved
/// without touching the file system).
fn normal(p: &std::path::Path) -> Vec<String> {
    use std::path::Component;
    let mut out: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n.to_string_lossy().into_owned()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// A percent-encoded relative URI reference of `path` from `base` (`..`
/// where it lies outside).
fn relative_uri(path: &str, opts: &SarifOptions) -> String {
    let p = std::path::Path::new(path);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        opts.cwd.join(p)
    };
    let base = match &opts.base {
        Some(b) if b.is_absolute() => b.clone(),
        Some(b) => opts.cwd.join(b),
        None => opts.cwd.clone(),
    };
    let (target, from) = (normal(&abs), normal(&base));
    let common = target.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_string(), from.len() - common).collect();
    parts.extend(target[common..].iter().cloned());
    parts
        .iter()
        .map(|seg| {
            let mut enc = String::with_capacity(seg.len());
            for b in seg.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        enc.push(b as char)
                    }
                    _ => enc.push_str(&format!("%{b:02X}")),
                }
            }
            enc
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A stable 64-bit FNV-1a hash (fingerprints must not change between runs
/// or builds, which `std`'s hasher does not promise).
fn fnv1a(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// What every result of a check has in common, for SARIF rule `help`.
fn rule_help(check: &str, category: Category) -> String {
    let what = match category {
        Category::Labels => "Set the labels and annotations the baseline requires on the Namespace (kubectl label / kubectl annotate, or kubectl ns-policy audit NS --fix).",
        Category::PodSecurity => "Set the pod-security.kubernetes.io/* labels of the Namespace to the profile's levels (kubectl label namespace NS ...), after checking that existing pods pass.",
        Category::ResourceQuota => "Give the namespace a ResourceQuota with the profile's values (kubectl ns-policy audit NS --fix applies the profile's).",
        Category::LimitRange => "Give the namespace a Container LimitRange with the profile's defaults and bounds (kubectl ns-policy audit NS --fix applies the profile's).",
        Category::NetworkPolicy => "Make the namespace's NetworkPolicies (and cluster network policies) isolate it as the profile says, and allow what the profile allows; the result's remediation names the policy.",
        Category::NetworkDns => "Allow egress to cluster DNS on port 53 over UDP and TCP, selecting its namespace by kubernetes.io/metadata.name.",
        Category::Rbac => "Bind only the roles the profile grants; avoid cluster-admin and wildcard roles; the result's remediation names the binding.",
        Category::WorkloadSecurity => "Change the pod template so that the profile's Pod Security Standard admits it; the result names the field.",
        Category::WorkloadResources => "Set cpu and memory requests and limits on every container (or a LimitRange default).",
        Category::WorkloadReliability => "Give the workload what the profile's spec.profiles.<name>.workloads asks: a PodDisruptionBudget that lets at least one pod be evicted, readiness and liveness probes, a preStop hook and grace period, a read-only root filesystem; the result names the workload and field.",
        Category::Gitops => "Confine Argo CD Applications: each team's AppProject reaches exactly its namespaces, whitelists no cluster-scoped kind and blacklists the baseline's kinds (kubectl ns-policy create renders it); no other project reaches them.",
        Category::Lifecycle => "Delete expired preview namespaces (kubectl ns-policy gc) and give previews an expiry.",
        Category::Waivers => "Give every waiver a reason and an expiry within the baseline's spec.waiverPolicy.maxDays, or remove it.",
    };
    format!("{what} Each result carries its own remediation in properties.remediation. Check {check} of kubectl ns-policy audit.")
}

/// The report as a SARIF 2.1.0 log for code-scanning tools (GitHub code
/// scanning accepts it as is): every result has a physical location (the
/// object's file and line offline, a stable logical path for live objects,
/// said so in its description), relative URIs, generic rule help, stable
/// `partialFingerprints`; waived findings are results with
/// `suppressions`; checks that could not run are tool execution
/// notifications.
pub fn to_sarif(report: &AuditReport, opts: &SarifOptions) -> Value {
    let mut rule_ids: Vec<String> = Vec::new();
    let mut rules = Vec::new();
    let mut results = Vec::new();
    let mut rule_index = |f: &Finding, rules: &mut Vec<Value>| -> usize {
        if let Some(i) = rule_ids.iter().position(|r| *r == f.check) {
            return i;
        }
        rule_ids.push(f.check.clone());
        let info = check_info(&f.check);
        let short = info.map(|i| i.description).unwrap_or(f.check.as_str());
        let severity = info.map(|i| i.severity).unwrap_or(f.severity);
        rules.push(json!({
            "id": f.check,
            "shortDescription": { "text": short },
            "fullDescription": { "text": format!("{short} ({} check of kubectl ns-policy audit).", f.category) },
            "help": { "text": rule_help(&f.check, f.category) },
            "helpUri": format!("{INFORMATION_URI}#audit"),
            "defaultConfiguration": { "level": sarif_level(severity) },
            "properties": { "category": f.category.as_str(), "tags": [f.category.as_str()] },
        }));
        rules.len() - 1
    };
    let mut push = |ns: &NamespaceReport,
                    f: &Finding,
                    waiver: Option<&super::AppliedWaiver>,
                    rules: &mut Vec<Value>| {
        let index = rule_index(f, rules);
        let object = f
            .object
            .clone()
            .unwrap_or_else(|| format!("Namespace/{}", ns.name));
        let logical = json!({
            "name": object,
            "fullyQualifiedName": format!("{}/{object}", ns.name),
            "kind": "resource",
        });
        let physical = match f.source.as_deref().and_then(split_source) {
            Some(("-", line)) => json!({
                "artifactLocation": { "uri": "stdin", "description": { "text": "standard input (-f -)" } },
                "region": { "startLine": line },
            }),
            Some((path, line)) => json!({
                "artifactLocation": { "uri": relative_uri(path, opts) },
                "region": { "startLine": line },
            }),
            None => json!({
                "artifactLocation": {
                    "uri": format!("kubernetes/namespaces/{}/{}", ns.name, object),
                    "description": { "text": format!("live object {object} of namespace {} (audited in the cluster, not a file)", ns.name) },
                },
                "region": { "startLine": 1 },
            }),
        };
        let mut result = json!({
            "ruleId": f.check,
            "ruleIndex": index,
            "level": sarif_level(f.severity),
            "message": { "text": f.message },
            "locations": [{ "physicalLocation": physical, "logicalLocations": [logical] }],
            "partialFingerprints": {
                "nsPolicyFinding/v1": fnv1a(&[&f.check, &ns.name, &object, &f.message]),
            },
            "properties": {
                "namespace": ns.name,
                "profile": ns.profile,
                "category": f.category.as_str(),
                "remediation": f.remediation,
            },
        });
        if let Some(w) = waiver {
            result["suppressions"] = json!([{
                "kind": match w.kind {
                    super::WaiverKind::InSource => "inSource",
                    super::WaiverKind::External => "external",
                },
                "status": "accepted",
                "justification": w.describe(),
            }]);
        }
        results.push(result);
    };
    for ns in &report.namespaces {
        for f in &ns.findings {
            push(ns, f, None, &mut rules);
        }
        for w in &ns.waived {
            push(ns, &w.finding, Some(&w.waiver), &mut rules);
        }
    }
    // Checks that could not run are not results (nothing was found) but
    // must not read as a clean pass: each is a tool execution notification.
    let notifications: Vec<Value> = report
        .namespaces
        .iter()
        .flat_map(|ns| {
            ns.unknown.iter().map(move |u| {
                json!({
                    "level": "warning",
                    "message": {
                        "text": format!(
                            "namespace {}: check {} could not run, its verdict is unknown: {}",
                            ns.name, u.check, u.reason
                        )
                    },
                    "descriptor": { "id": u.check },
                    "properties": {
                        "namespace": ns.name,
                        "category": u.category.as_str(),
                    },
                })
            })
        })
        .collect();
    let mut invocation = json!({ "executionSuccessful": true });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "kubectl-ns-policy",
                    "informationUri": INFORMATION_URI,
                    "version": opts.tool_version,
                    "rules": rules,
                }
            },
            "invocations": [invocation],
            "results": results,
        }],
    })
}

/// Escapes text for XML attributes and content; drops characters XML 1.0
/// cannot carry.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The report as JUnit XML in the schema Jenkins' junit and xunit plugins
/// read: one testsuite `kubectl-ns-policy audit`, one testcase per namespace
/// × category (classname = namespace, name = category, `time="0"`).
/// Findings at or above `threshold` make the testcase fail; a testcase
/// without failures but with checks that could not run, or with waived
/// findings, is `skipped` (never a pass), with the reasons; lower findings,
/// and unknown checks and waivers of a failed testcase, go to
/// `system-out`. Valid against the Jenkins junit/xunit schema: no
/// `skipped` attribute on `testsuites`, `time` on every testcase.
pub fn to_junit(report: &AuditReport, threshold: Severity) -> String {
    struct Case {
        classname: String,
        name: &'static str,
        failures: Vec<String>,
        skipped: Vec<String>,
        notes: Vec<String>,
    }
    let mut cases = Vec::new();
    for ns in &report.namespaces {
        for cat in Category::ALL {
            let line = |f: &Finding| {
                let mut s = format!("[{}] {}: {}", f.severity, f.check, f.message);
                if let Some(src) = &f.source {
                    let _ = write!(s, " ({src})");
                }
                let _ = write!(s, "\n  fix: {}", f.remediation);
                s
            };
            let of_cat = ns.findings.iter().filter(|f| f.category == cat);
            let failures: Vec<String> = of_cat
                .clone()
                .filter(|f| f.severity >= threshold)
                .map(line)
                .collect();
            let mut notes: Vec<String> = of_cat
                .filter(|f| f.severity < threshold)
                .map(line)
                .collect();
            let skipped: Vec<String> = ns
                .unknown
                .iter()
                .filter(|u| u.category == cat)
                .map(|u| format!("{}: unknown ({})", u.check, u.reason))
                .chain(
                    ns.waived
                        .iter()
                        .filter(|w| w.finding.category == cat)
                        .map(|w| format!("{}: waived: {}", w.finding.check, w.waiver.describe())),
                )
                .collect();
            if !failures.is_empty() {
                notes.extend(skipped.iter().cloned());
            }
            cases.push(Case {
                classname: ns.name.clone(),
                name: cat.as_str(),
                failures,
                skipped,
                notes,
            });
        }
    }
    let tests = cases.len();
    let failures = cases.iter().filter(|c| !c.failures.is_empty()).count();
    let skipped = cases
        .iter()
        .filter(|c| c.failures.is_empty() && !c.skipped.is_empty())
        .count();
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"kubectl-ns-policy audit\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"kubectl-ns-policy audit\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">"
    );
    for c in &cases {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            xml_escape(&c.classname),
            xml_escape(c.name)
        );
        if c.failures.is_empty() && c.skipped.is_empty() && c.notes.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if !c.failures.is_empty() {
            let first = c.failures[0].lines().next().unwrap_or_default();
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml_escape(&if c.failures.len() > 1 {
                    format!("{first} (and {} more)", c.failures.len() - 1)
                } else {
                    first.to_string()
                }),
                xml_escape(c.name),
                xml_escape(&c.failures.join("\n"))
            );
        } else if !c.skipped.is_empty() {
            let _ = writeln!(
                out,
                "      <skipped message=\"{}\"/>",
                xml_escape(&c.skipped.join("; "))
            );
        }
        if !c.notes.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                xml_escape(&c.notes.join("\n"))
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
