//! Workload reliability, where the profile asks for it (`workloads:`):
//! PodDisruptionBudgets that cover replicated workloads and still let a
//! node drain, probes and graceful shutdown on serving containers, and
//! read-only root filesystems.

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::*;
use crate::baseline::WorkloadsSpec;
use crate::inventory::Workload;

/// The API default of `terminationGracePeriodSeconds`.
const DEFAULT_GRACE_SECONDS: i64 = 30;

/// A pod template (or pod) the checks look at.
struct Subject<'a> {
    /// `Deployment`, `Pod`...
    kind: &'static str,
    name: &'a str,
    /// Labels of the pods it makes.
    labels: &'a BTreeMap<String, String>,
    spec: &'a PodSpec,
    /// Path of `spec` inside the object.
    path: &'static str,
    source: Option<&'a Source>,
    /// Runs until stopped (not a Job, CronJob or run-to-completion pod).
    long_running: bool,
    /// Deployments and StatefulSets: `spec.replicas` (default 1).
    replicas: Option<i32>,
    /// The workload's `spec.selector.matchLabels` (for remediations).
    match_labels: Option<&'a BTreeMap<String, String>>,
}

impl Subject<'_> {
    fn object(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    fn field(&self, rest: &str) -> String {
        format!("{}.{rest}", self.path)
    }
}

impl Ctx<'_, '_> {
    pub(super) fn reliability(&mut self) {
        let Some(want) = self.profile.workloads.clone() else {
            return;
        };
        if want.is_empty() {
            return;
        }
        let snap = self.snap;
        let mut checks: Vec<&str> = Vec::new();
        if want.disruption_budgets {
            checks.extend([
                "workload-reliability.pdb-missing",
                "workload-reliability.pdb-blocks-eviction",
            ]);
        }
        if want.probes {
            checks.extend([
                "workload-reliability.readiness-probe-missing",
                "workload-reliability.liveness-probe-missing",
            ]);
        }
        if want.pre_stop {
            checks.push("workload-reliability.pre-stop-missing");
        }
        if want.min_termination_grace_period_seconds.is_some() {
            checks.push("workload-reliability.termination-grace-period");
        }
        if want.read_only_root_filesystem {
            checks.push("workload-reliability.read-only-root-filesystem");
        }
        // Without the pod controllers and pods, no verdict is possible.
        for refused in [snap.workloads.forbidden(), snap.pods.forbidden()]
            .into_iter()
            .flatten()
        {
            for c in &checks {
                self.unknown(c, refused);
            }
        }
        let workloads: Vec<&Item<Workload>> = snap.workloads.known().cloned().unwrap_or_default();
        let pods: Vec<&Item<k8s_openapi::api::core::v1::Pod>> =
            snap.pods.known().cloned().unwrap_or_default();
        let present: HashSet<(&str, &str)> = workloads
            .iter()
            .map(|w| (w.object.kind().name(), w.object.name()))
            .collect();
        let owned = |meta: &ObjectMeta| {
            meta.owner_references
                .iter()
                .flatten()
                .any(|o| present.contains(&(o.kind.as_str(), o.name.as_str())))
        };
        let mut subjects: Vec<Subject<'_>> = Vec::new();
        for w in &workloads {
            // A ReplicaSet of a Deployment in view is judged as the
            // Deployment.
            if owned(w.object.meta()) {
                continue;
            }
            let Some(t) = w.object.pod_template() else {
                continue;
            };
            let (replicas, match_labels) = match &w.object {
                Workload::Deployment(d) => {
                    let s = d.spec.as_ref();
                    (
                        Some(s.and_then(|s| s.replicas).unwrap_or(1)),
                        s.and_then(|s| s.selector.match_labels.as_ref()),
                    )
                }
                Workload::StatefulSet(d) => {
                    let s = d.spec.as_ref();
                    (
                        Some(s.and_then(|s| s.replicas).unwrap_or(1)),
                        s.and_then(|s| s.selector.match_labels.as_ref()),
                    )
                }
                _ => (None, None),
            };
            subjects.push(Subject {
                kind: w.object.kind().name(),
                name: w.object.name(),
                labels: t.metadata.labels.as_ref().unwrap_or(&NO_LABELS),
                spec: t.spec,
                path: t.path,
                source: w.source.as_ref(),
                long_running: !matches!(w.object, Workload::Job(_) | Workload::CronJob(_)),
                replicas,
                match_labels,
            });
        }
        for p in &pods {
            // Pods of a workload in view, and the tool's own probe pods.
            let probe = p
                .object
                .metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(crate::reserved::PROBE_RUN_LABEL));
            if owned(&p.object.metadata) || probe {
                continue;
            }
            let Some(spec) = p.object.spec.as_ref() else {
                continue;
            };
            subjects.push(Subject {
                kind: "Pod",
                name: name_of(&p.object.metadata),
                labels: p.object.metadata.labels.as_ref().unwrap_or(&NO_LABELS),
                spec,
                path: "spec",
                source: p.source.as_ref(),
                long_running: !matches!(
                    spec.restart_policy.as_deref(),
                    Some("Never") | Some("OnFailure")
                ),
                replicas: None,
                match_labels: None,
            });
        }
        for s in &subjects {
            self.containers(&want, s);
        }
        if want.disruption_budgets {
            self.disruption_budgets(&subjects);
        }
    }

    fn containers(&mut self, want: &WorkloadsSpec, s: &Subject<'_>) {
        let ns = self.ns;
        let object = s.object();
        let serving: Vec<(usize, &Container)> = s
            .spec
            .containers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.ports.as_ref().is_some_and(|p| !p.is_empty()))
            .collect();
        if s.long_running && want.probes {
            for (check, probe, field, severity) in [
                (
                    "workload-reliability.readiness-probe-missing",
                    "readinessProbe",
                    (|c: &Container| c.readiness_probe.is_some()) as fn(&Container) -> bool,
                    Severity::Error,
                ),
                (
                    "workload-reliability.liveness-probe-missing",
                    "livenessProbe",
                    |c: &Container| c.liveness_probe.is_some(),
                    Severity::Warning,
                ),
            ] {
                let lacking: Vec<&(usize, &Container)> =
                    serving.iter().filter(|(_, c)| !field(c)).collect();
                let Some((_, first)) = lacking.first() else {
                    continue;
                };
                let first = &first.name;
                let names = container_names(&lacking);
                let what = if probe == "readinessProbe" {
                    "Services send it traffic before it is ready and during its shutdown"
                } else {
                    "a hung process is never restarted"
                };
                self.push(
                    check,
                    severity,
                    format!("{object}: serving container {names} has no {probe} ({what})"),
                    format!(
                        "add {probe} to {} (e.g. httpGet or tcpSocket on the serving port) in the manifest, \
                         or kubectl -n {ns} edit {}",
                        s.field(&format!("containers[name={first}]")),
                        object.to_lowercase()
                    ),
                    Some(object.clone()),
                    s.source,
                );
                self.at_field(s.field(&format!("containers[name={first}].{probe}")));
            }
        }
        if s.long_running && want.pre_stop {
            let lacking: Vec<&(usize, &Container)> = serving
                .iter()
                .filter(|(_, c)| {
                    c.lifecycle
                        .as_ref()
                        .and_then(|l| l.pre_stop.as_ref())
                        .is_none()
                })
                .collect();
            if let Some((_, first)) = lacking.first() {
                let first = &first.name;
                let names = container_names(&lacking);
                self.push(
                    "workload-reliability.pre-stop-missing",
                    Severity::Warning,
                    format!(
                        "{object}: serving container {names} has no lifecycle.preStop hook \
                         (in-flight requests fail while endpoints are still being removed)"
                    ),
                    format!(
                        "add {} (e.g. sleep: {{seconds: 5}}) in the manifest, or kubectl -n {ns} edit {}",
                        s.field(&format!("containers[name={first}].lifecycle.preStop")),
                        object.to_lowercase()
                    ),
                    Some(object.clone()),
                    s.source,
                );
                self.at_field(s.field(&format!("containers[name={first}].lifecycle.preStop")));
            }
        }
        if let (true, Some(min)) = (s.long_running, want.min_termination_grace_period_seconds) {
            let set = s.spec.termination_grace_period_seconds;
            let have = set.unwrap_or(DEFAULT_GRACE_SECONDS);
            if have < min {
                let shown = match set {
                    Some(v) => format!("{v}"),
                    None => format!("unset (the default, {DEFAULT_GRACE_SECONDS})"),
                };
                let field = s.field("terminationGracePeriodSeconds");
                self.push(
                    "workload-reliability.termination-grace-period",
                    Severity::Warning,
                    format!(
                        "{object}: {field} is {shown}, below the profile's minimum of {min} seconds"
                    ),
                    format!(
                        "set {field}: {min} (or more) in the manifest, or kubectl -n {ns} edit {}",
                        object.to_lowercase()
                    ),
                    Some(object.clone()),
                    s.source,
                );
                self.at_field(field);
            }
        }
        if want.read_only_root_filesystem {
            let all = s
                .spec
                .init_containers
                .iter()
                .flatten()
                .map(|c| (format!("initContainers[name={}]", c.name), c))
                .chain(
                    s.spec
                        .containers
                        .iter()
                        .map(|c| (format!("containers[name={}]", c.name), c)),
                );
            let writable: Vec<(String, &Container)> = all
                .filter(|(_, c)| {
                    c.security_context
                        .as_ref()
                        .and_then(|sc| sc.read_only_root_filesystem)
                        != Some(true)
                })
                .collect();
            if let Some((first, _)) = writable.first() {
                let names = writable
                    .iter()
                    .map(|(_, c)| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let field = s.field(&format!("{first}.securityContext.readOnlyRootFilesystem"));
                self.push(
                    "workload-reliability.read-only-root-filesystem",
                    Severity::Error,
                    format!(
                        "{object}: container {names} can write its root filesystem \
                         (securityContext.readOnlyRootFilesystem is not true)"
                    ),
                    format!(
                        "set {field}: true (mount an emptyDir where the program writes) in the manifest, \
                         or kubectl -n {ns} edit {}",
                        object.to_lowercase()
                    ),
                    Some(object.clone()),
                    s.source,
                );
                self.at_field(field);
            }
        }
    }

    fn disruption_budgets(&mut self, subjects: &[Subject<'_>]) {
        let ns = self.ns;
        let snap = self.snap;
        let pdbs: Vec<&Item<PodDisruptionBudget>> = match &snap.disruption_budgets {
            Access::Known(p) => p.clone(),
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("workload-reliability.pdb-missing", &m);
                self.unknown("workload-reliability.pdb-blocks-eviction", &m);
                return;
            }
        };
        let hpas: Vec<&Item<HorizontalPodAutoscaler>> = match &snap.autoscalers {
            Access::Known(h) => h.clone(),
            Access::Forbidden(m) => {
                // Replicated workloads can still be judged; one scaled from
                // a single replica cannot.
                let m = format!("{m} (cannot tell which workloads an autoscaler scales)");
                self.unknown("workload-reliability.pdb-missing", &m);
                Vec::new()
            }
        };
        let autoscaler = |s: &Subject<'_>| {
            hpas.iter().find(|h| {
                h.object.spec.as_ref().is_some_and(|sp| {
                    let r = &sp.scale_target_ref;
                    r.kind == s.kind
                        && r.name == s.name
                        && r.api_version
                            .as_deref()
                            .is_none_or(|v| v.is_empty() || v == "apps/v1")
                })
            })
        };
        let covers = |pdb: &PodDisruptionBudget, labels: &BTreeMap<String, String>| {
            // policy/v1: a null selector selects no pods, an empty one all
            // pods of the namespace.
            pdb.spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .is_some_and(|sel| crate::selector::matches(sel, labels))
        };
        // Pods each replicated workload keeps running at its low point: the
        // autoscaler's minReplicas, else spec.replicas.
        let scaled: Vec<(&Subject<'_>, i32, Option<String>)> = subjects
            .iter()
            .filter_map(|s| {
                let replicas = s.replicas?;
                Some(match autoscaler(s) {
                    Some(h) => {
                        let min = h
                            .object
                            .spec
                            .as_ref()
                            .and_then(|sp| sp.min_replicas)
                            .unwrap_or(1);
                        (
                            s,
                            min,
                            Some(format!(
                                "HorizontalPodAutoscaler/{}",
                                name_of(&h.object.metadata)
                            )),
                        )
                    }
                    None => (s, replicas, None),
                })
            })
            .collect();
        for (s, replicas, hpa) in &scaled {
            if *replicas <= 1 && hpa.is_none() {
                continue;
            }
            if pdbs.iter().any(|p| covers(&p.object, s.labels)) {
                continue;
            }
            let object = s.object();
            let why = match hpa {
                Some(h) => format!("is scaled by {h}"),
                None => format!("runs {replicas} replicas"),
            };
            let selector = s
                .match_labels
                .filter(|m| !m.is_empty())
                .unwrap_or(s.labels)
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            self.push(
                "workload-reliability.pdb-missing",
                Severity::Error,
                format!(
                    "{object} {why} but no PodDisruptionBudget covers its pods: a node drain \
                     may evict all of them at once"
                ),
                format!(
                    "kubectl -n {ns} create poddisruptionbudget {} --selector={selector} --max-unavailable=1",
                    s.name
                ),
                Some(object),
                s.source,
            );
            self.at_field(if hpa.is_some() {
                "metadata.name".to_string()
            } else {
                "spec.replicas".to_string()
            });
        }
        for p in &pdbs {
            let name = name_of(&p.object.metadata);
            let Some(spec) = p.object.spec.as_ref() else {
                continue;
            };
            let covered: Vec<&(&Subject<'_>, i32, Option<String>)> = scaled
                .iter()
                .filter(|(s, _, _)| covers(&p.object, s.labels))
                .collect();
            let expected: i64 = covered.iter().map(|(_, r, _)| i64::from(*r)).sum();
            let of = || {
                covered
                    .iter()
                    .map(|(s, r, h)| match h {
                        Some(h) => format!("{} (minReplicas {r} of {h})", s.object()),
                        None => format!("{} ({r} replicas)", s.object()),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let blocked: Option<(String, &str)> = if let Some(max) = &spec.max_unavailable {
                match max {
                    IntOrString::Int(0) => {
                        Some(("maxUnavailable is 0".to_string(), "spec.maxUnavailable"))
                    }
                    IntOrString::String(v) if percent(v) == Some(0) => {
                        Some((format!("maxUnavailable is {v}"), "spec.maxUnavailable"))
                    }
                    _ => None,
                }
            } else if let Some(min) = &spec.min_available {
                match min {
                    IntOrString::Int(n) if expected > 0 && i64::from(*n) >= expected => Some((
                        format!(
                            "minAvailable {n} is at least the {expected} pods of {}",
                            of()
                        ),
                        "spec.minAvailable",
                    )),
                    IntOrString::String(v) => match percent(v) {
                        // Percentages round up.
                        Some(pc) if expected > 0 && (pc * expected + 99) / 100 >= expected => {
                            Some((
                                format!(
                                    "minAvailable {v} of the {expected} pods of {} is all of them",
                                    of()
                                ),
                                "spec.minAvailable",
                            ))
                        }
                        Some(pc) if expected == 0 && pc >= 100 => {
                            Some((format!("minAvailable is {v}"), "spec.minAvailable"))
                        }
                        _ => None,
                    },
                    _ => None,
                }
            } else {
                None
            };
            let Some((why, field)) = blocked else {
                continue;
            };
            let object = format!("PodDisruptionBudget/{name}");
            self.push(
                "workload-reliability.pdb-blocks-eviction",
                Severity::Error,
                format!("{object} allows no voluntary eviction ({why}): node drains and upgrades hang on its pods"),
                format!(
                    "kubectl -n {ns} patch poddisruptionbudget {name} --type=merge \
                     -p '{{\"spec\":{{\"minAvailable\":null,\"maxUnavailable\":1}}}}' \
                     (or run more replicas than minAvailable)"
                ),
                Some(object),
                p.source.as_ref(),
            );
            self.at_field(field);
        }
    }
}

/// `"25%"` -> 25.
fn percent(v: &str) -> Option<i64> {
    v.trim().strip_suffix('%')?.parse().ok()
}

fn container_names(list: &[&(usize, &Container)]) -> String {
    list.iter()
        .map(|(_, c)| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
