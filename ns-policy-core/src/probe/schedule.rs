//! The in-cluster schedule of `probe`: a CronJob running the plugin's own
//! image with a least-privilege ServiceAccount, writing each run's report
//! to a ConfigMap and Events on mismatch or non-enforcement.
//!
//! Everything here is pure: the objects to apply, the report ConfigMap and
//! the Event. `crate::kube::schedule` applies, reads and removes them.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, EnvVar, EnvVarSource, Event, EventSource,
    Namespace, ObjectFieldSelector, ObjectReference, PodSpec, PodTemplateSpec,
    ResourceRequirements, ServiceAccount, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use crate::error::{InvalidValue, Result, ValueKind};
use crate::names::validate_namespace_name;
use crate::netpol::cluster::GROUP as CLUSTER_GROUP;
use crate::netpol::cni::CNI_KINDS;
use crate::{MANAGED_BY_LABEL, MANAGED_BY_VALUE};

/// Default namespace of the schedule (`--schedule-namespace`).
pub const DEFAULT_NAMESPACE: &str = "ns-policy-system";
/// Name of the CronJob, ServiceAccount, Role and RoleBinding.
pub const NAME: &str = "ns-policy-probe-schedule";
/// ConfigMap holding the latest report of a scheduled run.
pub const REPORT_CONFIGMAP: &str = "ns-policy-probe-report";
/// ConfigMap holding the baseline the scheduled runs read (`--baseline`).
pub const BASELINE_CONFIGMAP: &str = "ns-policy-probe-baseline";
/// Key of the report (JSON) in [`REPORT_CONFIGMAP`].
pub const REPORT_KEY: &str = "report.json";
/// Key of the error of a run that produced no report.
pub const ERROR_KEY: &str = "error";
/// Key of the exit code of the run.
pub const EXIT_CODE_KEY: &str = "exitCode";
/// Key of the RFC 3339 time the run finished.
pub const FINISHED_KEY: &str = "finishedAt";
/// Where the baseline is mounted in the CronJob's pods.
pub const BASELINE_PATH: &str = "/etc/ns-policy/baseline.yaml";
/// Label on every object of a schedule: the schedule's namespace (also on
/// the probe pods of scheduled runs, so that uninstalling finds them).
pub const SCHEDULE_LABEL: &str = "ns-policy.io/probe-schedule";
/// Label on the schedule's namespace when the install created it (then the
/// uninstall deletes it).
pub const OWNED_NAMESPACE_LABEL: &str = "ns-policy.io/probe-schedule-owns-namespace";
/// `app.kubernetes.io/component` of every object of a schedule.
pub const COMPONENT: &str = "probe-schedule";
/// Path of the plugin in the schedule's image (on its `PATH`).
pub const BINARY: &str = "kubectl-ns_policy";

/// What to install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleSpec {
    /// Namespace of the CronJob, its ServiceAccount and the reports.
    pub namespace: String,
    /// Cron expression (`*/30 * * * *`, `@hourly`).
    pub schedule: String,
    /// Image holding `kubectl-ns_policy` on its `PATH`.
    pub image: String,
    /// The `probe` arguments of each run (namespaces or `--all`/`-l`,
    /// ports, labels...), without the schedule's own flags.
    pub probe_args: Vec<String>,
    /// The baseline's YAML, when the runs must read one (else the plugin's
    /// built-in baseline).
    pub baseline: Option<String>,
    /// `--timeout` of each run (the Job gets some more).
    pub run_timeout: Duration,
    /// Whether the namespace exists already (then it is neither applied
    /// nor, later, deleted).
    pub namespace_exists: bool,
}

/// The objects of a schedule, in the order they are applied.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleObjects {
    /// Created only when missing, labelled as owned.
    pub namespace: Option<Namespace>,
    /// The runs' identity.
    pub service_account: ServiceAccount,
    /// What a run needs in every namespace: read namespaces and policies,
    /// create, exec into and delete probe pods.
    pub cluster_role: ClusterRole,
    /// Binds [`Self::cluster_role`] to the ServiceAccount.
    pub cluster_role_binding: ClusterRoleBinding,
    /// What a run needs in the schedule's namespace: write its report
    /// ConfigMap and Events.
    pub role: Role,
    /// Binds [`Self::role`].
    pub role_binding: RoleBinding,
    /// The baseline the runs read, when one was given.
    pub baseline: Option<ConfigMap>,
    /// The CronJob.
    pub cron_job: CronJob,
}

impl ScheduleObjects {
    /// The schedule's namespace.
    pub fn namespace_name(&self) -> String {
        self.cron_job.metadata.namespace.clone().unwrap_or_default()
    }

    /// The objects as one YAML stream (`---` before each), in apply order.
    pub fn to_yaml_stream(&self) -> String {
        use crate::yaml::to_string;
        let mut docs = Vec::new();
        if let Some(ns) = &self.namespace {
            docs.push(to_string(ns));
        }
        docs.push(to_string(&self.service_account));
        docs.push(to_string(&self.cluster_role));
        docs.push(to_string(&self.cluster_role_binding));
        docs.push(to_string(&self.role));
        docs.push(to_string(&self.role_binding));
        if let Some(b) = &self.baseline {
            docs.push(to_string(b));
        }
        docs.push(to_string(&self.cron_job));
        docs.iter().map(|d| format!("---\n{d}")).collect()
    }
}

/// Name of the schedule's ClusterRole and ClusterRoleBinding (one schedule
/// per namespace).
pub fn cluster_name(namespace: &str) -> String {
    format!("{NAME}-{namespace}")
}

/// Label selector of every object of the schedule in `namespace`.
pub fn selector(namespace: &str) -> String {
    format!("{MANAGED_BY_LABEL}={MANAGED_BY_VALUE},{SCHEDULE_LABEL}={namespace}")
}

/// Checks a cron expression the way the CronJob controller parses it
/// (robfig/cron's standard parser): five fields of digits, names, `*`,
/// `?`, `/`, `,` and `-`, or one of the `@` descriptors.
pub fn validate_schedule(s: &str) -> std::result::Result<(), InvalidValue> {
    let bad = |why: &str| {
        InvalidValue::new(
            ValueKind::Schedule,
            s,
            format!(
                "invalid schedule {s:?}: {why} (five cron fields, e.g. \"*/30 * * * *\", or @hourly, @daily, @weekly, @monthly, @yearly, @every 30m)"
            ),
        )
    };
    let t = s.trim();
    if t.is_empty() {
        return Err(bad("empty"));
    }
    if let Some(rest) = t.strip_prefix("@every ") {
        return crate::baseline::parse_duration(rest.trim())
            .map(|_| ())
            .map_err(|_| bad("@every needs a duration"));
    }
    if t.starts_with('@') {
        return match t {
            "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@midnight"
            | "@hourly" => Ok(()),
            _ => Err(bad("unknown descriptor")),
        };
    }
    if t.contains("TZ=") {
        return Err(bad(
            "time zones in the schedule are refused by the API server",
        ));
    }
    let fields: Vec<&str> = t.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(bad(&format!("{} field(s), not 5", fields.len())));
    }
    // minute, hour, day of month, month, day of week
    let ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];
    for (field, (lo, hi)) in fields.iter().zip(ranges) {
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, st)) => (r, Some(st)),
                None => (part, None),
            };
            if let Some(st) = step {
                if st.parse::<u32>().map_or(true, |n| n == 0) {
                    return Err(bad(&format!("bad step in {field:?}")));
                }
            }
            if range == "*" || range == "?" {
                continue;
            }
            for bound in range.split('-') {
                let ok = match bound.parse::<u32>() {
                    Ok(n) => (lo..=hi).contains(&n),
                    // Month and weekday names.
                    Err(_) => bound.len() == 3 && bound.chars().all(|c| c.is_ascii_alphabetic()),
                };
                if !ok {
                    return Err(bad(&format!("{bound:?} is out of range {lo}-{hi}")));
                }
            }
        }
    }
    Ok(())
}

fn labels(namespace: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_LABEL.to_string(), MANAGED_BY_VALUE.to_string()),
        (
            "app.kubernetes.io/name".to_string(),
            "kubectl-ns-policy".to_string(),
        ),
        (
            "app.kubernetes.io/component".to_string(),
            COMPONENT.to_string(),
        ),
        (SCHEDULE_LABEL.to_string(), namespace.to_string()),
    ])
}

fn meta(name: &str, namespace: Option<&str>, schedule_ns: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        labels: Some(labels(schedule_ns)),
        ..Default::default()
    }
}

fn rule(group: &str, resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![group.to_string()]),
        resources: Some(resources.iter().map(|s| s.to_string()).collect()),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

/// The plural of a policy kind (`CiliumNetworkPolicy` ->
/// `ciliumnetworkpolicies`).
fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    match lower.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{lower}s"),
    }
}

/// The cluster-wide rules a run needs, and nothing more: read namespaces,
/// NetworkPolicies, LimitRanges, cluster network policies and CNI
/// policies; create, read, exec into and delete pods (the probe pods; the
/// API cannot narrow `create` to them).
pub fn cluster_rules() -> Vec<PolicyRule> {
    let mut rules = vec![
        rule("", &["namespaces"], &["get", "list"]),
        rule("", &["pods"], &["get", "list", "create", "delete"]),
        // Exec over WebSocket is a GET that also needs create
        // (AuthorizePodWebsocketUpgradeCreatePermission).
        rule("", &["pods/exec"], &["get", "create"]),
        rule("", &["limitranges"], &["list"]),
        rule("networking.k8s.io", &["networkpolicies"], &["list"]),
        rule(
            CLUSTER_GROUP,
            &[
                "clusternetworkpolicies",
                "adminnetworkpolicies",
                "baselineadminnetworkpolicies",
            ],
            &["list"],
        ),
    ];
    let mut groups: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (group, kind, _) in CNI_KINDS {
        groups.entry(group).or_default().push(plural(kind));
    }
    for (group, resources) in groups {
        let r: Vec<&str> = resources.iter().map(String::as_str).collect();
        rules.push(rule(group, &r, &["list"]));
    }
    rules
}

/// The arguments of the CronJob's container.
pub fn run_args(spec: &ScheduleSpec) -> Vec<String> {
    let mut args = vec!["probe".to_string()];
    args.extend(spec.probe_args.iter().cloned());
    args.extend([
        format!("--timeout={}s", spec.run_timeout.as_secs().max(1)),
        format!("--pod-label={SCHEDULE_LABEL}={}", spec.namespace),
        "--store-report".to_string(),
        format!("--schedule-namespace={}", spec.namespace),
    ]);
    if spec.baseline.is_some() {
        args.insert(0, format!("--baseline={BASELINE_PATH}"));
    }
    args
}

/// Renders the objects of a schedule. Validates the schedule, namespace and
/// image first.
pub fn render(spec: &ScheduleSpec) -> Result<ScheduleObjects> {
    validate_schedule(&spec.schedule)?;
    validate_namespace_name(&spec.namespace)?;
    if spec.image.trim().is_empty() || spec.image.chars().any(char::is_whitespace) {
        return Err(InvalidValue::new(
            ValueKind::Image,
            spec.image.clone(),
            format!(
                "invalid --schedule-image {:?}: an image reference holding kubectl-ns_policy, e.g. registry.example.com/kubectl-ns-policy:v0.1.0",
                spec.image
            ),
        )
        .into());
    }
    let ns = spec.namespace.as_str();
    let namespace = (!spec.namespace_exists).then(|| {
        let mut m = meta(ns, None, ns);
        let l = m.labels.get_or_insert_with(Default::default);
        l.insert(OWNED_NAMESPACE_LABEL.to_string(), "true".to_string());
        l.insert(
            "pod-security.kubernetes.io/enforce".to_string(),
            "restricted".to_string(),
        );
        l.insert(
            "pod-security.kubernetes.io/enforce-version".to_string(),
            "latest".to_string(),
        );
        Namespace {
            metadata: m,
            ..Default::default()
        }
    });
    let service_account = ServiceAccount {
        metadata: meta(NAME, Some(ns), ns),
        automount_service_account_token: Some(false),
        ..Default::default()
    };
    let subject = Subject {
        kind: "ServiceAccount".to_string(),
        name: NAME.to_string(),
        namespace: Some(ns.to_string()),
        api_group: None,
    };
    let cluster_role = ClusterRole {
        metadata: meta(&cluster_name(ns), None, ns),
        rules: Some(cluster_rules()),
        ..Default::default()
    };
    let cluster_role_binding = ClusterRoleBinding {
        metadata: meta(&cluster_name(ns), None, ns),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_string(),
            kind: "ClusterRole".to_string(),
            name: cluster_name(ns),
        },
        subjects: Some(vec![subject.clone()]),
    };
    let role = Role {
        metadata: meta(NAME, Some(ns), ns),
        rules: Some(vec![
            // create cannot be narrowed by name; the rest can.
            rule("", &["configmaps"], &["create"]),
            PolicyRule {
                resource_names: Some(vec![REPORT_CONFIGMAP.to_string()]),
                ..rule("", &["configmaps"], &["get", "patch", "update"])
            },
            rule("", &["events"], &["create"]),
            rule("events.k8s.io", &["events"], &["create"]),
        ]),
    };
    let role_binding = RoleBinding {
        metadata: meta(NAME, Some(ns), ns),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_string(),
            kind: "Role".to_string(),
            name: NAME.to_string(),
        },
        subjects: Some(vec![subject]),
    };
    let baseline = spec.baseline.as_ref().map(|text| ConfigMap {
        metadata: meta(BASELINE_CONFIGMAP, Some(ns), ns),
        data: Some(BTreeMap::from([(
            "baseline.yaml".to_string(),
            text.clone(),
        )])),
        ..Default::default()
    });
    let q = |s: &str| Quantity(s.to_string());
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    if baseline.is_some() {
        volumes.push(Volume {
            name: "baseline".to_string(),
            config_map: Some(ConfigMapVolumeSource {
                name: BASELINE_CONFIGMAP.to_string(),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: "baseline".to_string(),
            mount_path: "/etc/ns-policy".to_string(),
            read_only: Some(true),
            ..Default::default()
        });
    }
    let container = Container {
        name: "probe".to_string(),
        image: Some(spec.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_string()),
        command: Some(vec![BINARY.to_string()]),
        args: Some(run_args(spec)),
        env: Some(vec![EnvVar {
            name: "POD_NAME".to_string(),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: "metadata.name".to_string(),
                    api_version: None,
                }),
                ..Default::default()
            }),
            value: None,
        }]),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_string(), q("50m")),
                ("memory".to_string(), q("64Mi")),
            ])),
            limits: Some(BTreeMap::from([
                ("cpu".to_string(), q("500m")),
                ("memory".to_string(), q("512Mi")),
            ])),
            ..Default::default()
        }),
        security_context: Some(super::pods::container_security()),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        termination_message_policy: Some("FallbackToLogsOnError".to_string()),
        ..Default::default()
    };
    let job_deadline = i64::try_from(spec.run_timeout.as_secs())
        .unwrap_or(i64::MAX / 4)
        .saturating_add(180);
    let mut template_labels = labels(ns);
    template_labels.insert("app.kubernetes.io/instance".to_string(), NAME.to_string());
    let cron_job = CronJob {
        metadata: meta(NAME, Some(ns), ns),
        spec: Some(CronJobSpec {
            schedule: spec.schedule.trim().to_string(),
            concurrency_policy: Some("Forbid".to_string()),
            starting_deadline_seconds: Some(300),
            successful_jobs_history_limit: Some(1),
            failed_jobs_history_limit: Some(1),
            job_template: JobTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(ns)),
                    ..Default::default()
                }),
                spec: Some(JobSpec {
                    backoff_limit: Some(0),
                    active_deadline_seconds: Some(job_deadline),
                    template: PodTemplateSpec {
                        metadata: Some(ObjectMeta {
                            labels: Some(template_labels),
                            ..Default::default()
                        }),
                        spec: Some(PodSpec {
                            service_account_name: Some(NAME.to_string()),
                            automount_service_account_token: Some(true),
                            enable_service_links: Some(false),
                            restart_policy: Some("Never".to_string()),
                            security_context: Some(super::pods::pod_security()),
                            containers: vec![container],
                            volumes: (!volumes.is_empty()).then_some(volumes),
                            ..Default::default()
                        }),
                    },
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    Ok(ScheduleObjects {
        namespace,
        service_account,
        cluster_role,
        cluster_role_binding,
        role,
        role_binding,
        baseline,
        cron_job,
    })
}

/// What one scheduled run leaves: its report (or why there is none), its
/// exit code and when it finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRun {
    /// The report as JSON, when the run got that far.
    pub report_json: Option<String>,
    /// Why there is no report.
    pub error: Option<String>,
    /// The run's exit code.
    pub exit_code: i32,
    /// RFC 3339.
    pub finished_at: String,
}

/// The ConfigMap storing `run` in `namespace`.
pub fn report_configmap(namespace: &str, run: &StoredRun) -> ConfigMap {
    let mut data = BTreeMap::from([
        (EXIT_CODE_KEY.to_string(), run.exit_code.to_string()),
        (FINISHED_KEY.to_string(), run.finished_at.clone()),
    ]);
    if let Some(r) = &run.report_json {
        data.insert(REPORT_KEY.to_string(), r.clone());
    }
    if let Some(e) = &run.error {
        data.insert(ERROR_KEY.to_string(), e.clone());
    }
    ConfigMap {
        metadata: meta(REPORT_CONFIGMAP, Some(namespace), namespace),
        data: Some(data),
        ..Default::default()
    }
}

/// Reads a [`StoredRun`] back from its ConfigMap (`None` when it holds
/// none of the keys a run writes).
pub fn stored_run(cm: &ConfigMap) -> Option<StoredRun> {
    let data = cm.data.as_ref()?;
    let exit_code = data.get(EXIT_CODE_KEY)?.trim().parse().ok()?;
    Some(StoredRun {
        report_json: data.get(REPORT_KEY).cloned(),
        error: data.get(ERROR_KEY).cloned(),
        exit_code,
        finished_at: data.get(FINISHED_KEY).cloned().unwrap_or_default(),
    })
}

/// A Warning Event in the schedule's namespace about the report ConfigMap
/// (`reason`: `IsolationMismatch`, `PoliciesNotEnforced`, `ProbeFailed`),
/// reported by the pod `pod` of the run.
pub fn warning_event(
    namespace: &str,
    reason: &str,
    message: &str,
    pod: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Event {
    let stamp = now.timestamp_nanos_opt().unwrap_or_default();
    let time = k8s_openapi::jiff::Timestamp::from_second(now.timestamp())
        .ok()
        .map(Time);
    Event {
        metadata: ObjectMeta {
            name: Some(format!("{REPORT_CONFIGMAP}.{stamp:x}")),
            namespace: Some(namespace.to_string()),
            labels: Some(labels(namespace)),
            ..Default::default()
        },
        involved_object: ObjectReference {
            api_version: Some("batch/v1".to_string()),
            kind: Some("CronJob".to_string()),
            name: Some(NAME.to_string()),
            namespace: Some(namespace.to_string()),
            ..Default::default()
        },
        reason: Some(reason.to_string()),
        // The API server caps Event messages at 1 KiB.
        message: Some(truncate(message, 1000)),
        type_: Some("Warning".to_string()),
        count: Some(1),
        first_timestamp: time.clone(),
        last_timestamp: time,
        source: Some(EventSource {
            component: Some("kubectl-ns-policy".to_string()),
            host: pod.map(str::to_string),
        }),
        reporting_component: Some("kubectl-ns-policy".to_string()),
        reporting_instance: pod.map(str::to_string),
        ..Default::default()
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::{check_pod, Level};

    fn spec() -> ScheduleSpec {
        ScheduleSpec {
            namespace: "ns-policy-system".into(),
            schedule: "*/30 * * * *".into(),
            image: "localhost/kubectl-ns-policy:dev".into(),
            probe_args: vec!["--all".into()],
            baseline: None,
            run_timeout: Duration::from_secs(120),
            namespace_exists: false,
        }
    }

    #[test]
    fn schedules_the_cronjob_controller_accepts_pass_and_others_name_the_value() {
        for ok in [
            "*/30 * * * *",
            "0 3 * * 1-5",
            "15,45 */2 1 JAN-JUN ?",
            "@hourly",
            "@every 30m",
            "0 0 * * SUN",
        ] {
            assert!(validate_schedule(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "* * * *",
            "61 * * * *",
            "*/0 * * * *",
            "@often",
            "CRON_TZ=UTC 0 * * * *",
            "* * * * * *",
        ] {
            let e = validate_schedule(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("{bad:?}")), "{e}");
            assert!(e.contains("five cron fields"), "{e}");
        }
    }

    #[test]
    fn the_cronjob_pod_passes_pod_security_restricted() {
        let o = render(&spec()).unwrap();
        let pod_spec = o
            .cron_job
            .spec
            .unwrap()
            .job_template
            .spec
            .unwrap()
            .template
            .spec
            .unwrap();
        let pod = k8s_openapi::api::core::v1::Pod {
            metadata: ObjectMeta {
                name: Some("run".into()),
                ..Default::default()
            },
            spec: Some(pod_spec),
            ..Default::default()
        };
        let v = check_pod(Level::Restricted, &pod.metadata, pod.spec.as_ref().unwrap());
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn the_runs_get_read_access_and_probe_pod_verbs_only() {
        let rules = cluster_rules();
        for r in &rules {
            for v in &r.verbs {
                assert!(
                    ["get", "list", "create", "delete"].contains(&v.as_str()),
                    "{r:?}"
                );
            }
            let res = r.resources.clone().unwrap_or_default();
            assert!(!res.iter().any(|x| x == "*" || x == "secrets"), "{r:?}");
            if r.verbs.iter().any(|v| v == "create" || v == "delete") {
                assert!(
                    res.iter().all(|x| x == "pods" || x == "pods/exec"),
                    "writes only pods: {r:?}"
                );
            }
        }
        let cni: Vec<String> = rules
            .iter()
            .filter(|r| r.api_groups.as_ref().unwrap()[0] == "cilium.io")
            .flat_map(|r| r.resources.clone().unwrap())
            .collect();
        assert_eq!(
            cni,
            vec!["ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"]
        );
        let o = render(&spec()).unwrap();
        let role = o.role.rules.unwrap();
        assert!(role.iter().all(|r| r
            .resources
            .as_ref()
            .unwrap()
            .iter()
            .all(|x| x == "configmaps" || x == "events")));
    }

    #[test]
    fn an_existing_namespace_is_neither_applied_nor_marked_as_owned() {
        let mut s = spec();
        let o = render(&s).unwrap();
        let ns = o.namespace.unwrap();
        let l = ns.metadata.labels.unwrap();
        assert_eq!(l[OWNED_NAMESPACE_LABEL], "true");
        assert_eq!(l["pod-security.kubernetes.io/enforce"], "restricted");
        s.namespace_exists = true;
        assert!(render(&s).unwrap().namespace.is_none());
    }

    #[test]
    fn the_run_stores_its_report_and_labels_its_probe_pods() {
        let mut s = spec();
        s.baseline = Some("apiVersion: ns-policy.io/v2\n".into());
        let args = run_args(&s);
        assert_eq!(args[0], format!("--baseline={BASELINE_PATH}"));
        assert_eq!(args[1], "probe");
        assert!(args.contains(&"--all".to_string()));
        assert!(args.contains(&"--store-report".to_string()));
        assert!(args.contains(&"--schedule-namespace=ns-policy-system".to_string()));
        assert!(args.contains(&format!("--pod-label={SCHEDULE_LABEL}=ns-policy-system")));
        let o = render(&s).unwrap();
        assert!(o.baseline.is_some());
        let cj = o.cron_job.spec.unwrap();
        assert_eq!(cj.concurrency_policy.as_deref(), Some("Forbid"));
        assert_eq!(cj.schedule, "*/30 * * * *");
    }

    #[test]
    fn a_stored_run_round_trips_through_its_configmap() {
        let run = StoredRun {
            report_json: Some("{}".into()),
            error: None,
            exit_code: 3,
            finished_at: "2026-12-03T10:00:00Z".into(),
        };
        let cm = report_configmap("x", &run);
        assert_eq!(stored_run(&cm), Some(run));
        assert_eq!(stored_run(&ConfigMap::default()), None);
    }

    #[test]
    fn bad_images_and_namespaces_are_refused_naming_the_value() {
        let mut s = spec();
        s.image = "has space".into();
        let e = render(&s).unwrap_err().to_string();
        assert!(e.contains("\"has space\""), "{e}");
        let mut s = spec();
        s.namespace = "Bad_NS".into();
        let e = render(&s).unwrap_err().to_string();
        assert!(e.contains("Bad_NS"), "{e}");
    }

    #[test]
    fn event_messages_are_cut_to_what_the_api_server_accepts() {
        let now = chrono::Utc::now();
        let e = warning_event("x", "IsolationMismatch", &"é".repeat(800), Some("p"), now);
        assert!(e.message.unwrap().len() <= 1004);
    }
}
