//! Pod Security Standards and container resources of pods and pod templates.

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn workloads(&mut self, defaults: Option<&Defaults>) {
        let mut subjects: Vec<Subject<'_>> = Vec::new();
        match &self.snap.pods {
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("workload-security.pods", &m);
                self.unknown("workload-resources.pods", &m);
            }
            Access::Known(pods) => {
                for p in pods {
                    let Some(spec) = p.object.spec.as_ref() else {
                        continue;
                    };
                    subjects.push(Subject {
                        kind: "Pod".into(),
                        name: name_of(&p.object.metadata).to_string(),
                        meta: Cow::Borrowed(&p.object.metadata),
                        spec: Cow::Borrowed(spec),
                        prefix: "spec".into(),
                        source: p.source.as_ref(),
                        owners: p
                            .object
                            .metadata
                            .owner_references
                            .iter()
                            .flatten()
                            .map(|o| (o.kind.clone(), o.name.clone()))
                            .collect(),
                        created: p.source.is_none(),
                    });
                }
            }
        }
        match &self.snap.workloads {
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("workload-security.templates", &m);
                self.unknown("workload-resources.templates", &m);
            }
            Access::Known(ws) => {
                for w in ws {
                    let Some(template) = w.object.pod_template() else {
                        continue;
                    };
                    subjects.push(Subject {
                        kind: w.object.kind().name().to_string(),
                        name: w.object.name().to_string(),
                        meta: Cow::Borrowed(template.metadata),
                        spec: Cow::Borrowed(template.spec),
                        prefix: template.path.to_string(),
                        source: w.source.as_ref(),
                        owners: w
                            .object
                            .meta()
                            .owner_references
                            .iter()
                            .flatten()
                            .map(|o| (o.kind.clone(), o.name.clone()))
                            .collect(),
                        created: false,
                    });
                }
            }
        }
        let level = self.profile.pod_security.level;
        let analysed: Vec<Analysis> = subjects.iter().map(|s| s.analyse(level)).collect();
        let index: HashMap<(&str, &str), usize> = subjects
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.kind.as_str(), s.name.as_str()), i))
            .collect();
        for (i, s) in subjects.iter().enumerate() {
            // Owners found in the snapshot, transitively (Pod -> ReplicaSet -> Deployment).
            let mut ancestors = Vec::new();
            let mut frontier: Vec<usize> = vec![i];
            for _ in 0..4 {
                let mut next = Vec::new();
                for j in frontier {
                    for (k, n) in &subjects[j].owners {
                        if let Some(&a) = index.get(&(k.as_str(), n.as_str())) {
                            if a != i && !ancestors.contains(&a) {
                                ancestors.push(a);
                                next.push(a);
                            }
                        }
                    }
                }
                frontier = next;
            }
            let a = &analysed[i];
            let inherited =
                |key: &(String, String), pick: fn(&Analysis) -> &HashSet<(String, String)>| {
                    ancestors.iter().any(|&j| pick(&analysed[j]).contains(key))
                };
            // workload-security: one finding per object per check.
            let mut by_check: Vec<(&'static str, Vec<&Violation>)> = Vec::new();
            for (v, key) in a.violations.iter().zip(&a.violation_keys) {
                if inherited(key, |x| &x.violation_set) {
                    continue;
                }
                match by_check.iter_mut().find(|(c, _)| *c == v.check) {
                    Some((_, list)) => list.push(v),
                    None => by_check.push((v.check, vec![v])),
                }
            }
            let object = format!("{}/{}", s.kind, s.name);
            for (check, list) in by_check {
                let id = format!("workload-security.{}", kebab(check));
                let fields: Vec<String> = list.iter().map(|v| v.to_string()).collect();
                self.push(
                    &id,
                    Severity::Error,
                    format!(
                        "{object} violates the {level} Pod Security Standard ({check}): {}",
                        fields.join("; ")
                    ),
                    pss_remediation(check, level),
                    Some(object.clone()),
                    s.source,
                );
                if let Some(first) = list.first() {
                    self.at_field(first.field.clone());
                }
            }
            // workload-resources: one finding per container.
            for (container, path, missing) in &a.missing {
                let missing: Vec<&String> = missing
                    .iter()
                    .filter(|f| !inherited(&(container.clone(), (*f).clone()), |x| &x.missing_set))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let defaulted = !s.created;
                let (filled, open): (Vec<&String>, Vec<&String>) = missing
                    .iter()
                    .partition(|f| defaulted && defaults.is_some_and(|d| d.contains(f.as_str())));
                let list =
                    |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
                let fragment = resources_fragment(self.profile, &missing);
                if open.is_empty() {
                    self.push(
                        "workload-resources.defaulted-by-limit-range",
                        Severity::Info,
                        format!(
                            "{object} container {container:?} sets no {} ({path}.resources); the namespace's \
                             LimitRange default fills them in",
                            list(&filled)
                        ),
                        format!("set them explicitly in {path}.resources:\n{fragment}"),
                        Some(object.clone()),
                        s.source,
                    );
                } else {
                    let mut msg = format!(
                        "{object} container {container:?} sets no {} ({path}.resources)",
                        list(&open)
                    );
                    if !filled.is_empty() {
                        msg.push_str(&format!(
                            "; {} come(s) from the LimitRange default",
                            list(&filled)
                        ));
                    }
                    self.push(
                        "workload-resources.missing",
                        Severity::Warning,
                        msg,
                        format!("set {path}.resources:\n{fragment}"),
                        Some(object.clone()),
                        s.source,
                    );
                }
                // The container, whose resources are missing.
                self.at_field(path.clone());
            }
        }
    }
}

/// A pod or a pod template.
struct Subject<'x> {
    kind: String,
    name: String,
    meta: Cow<'x, ObjectMeta>,
    spec: Cow<'x, PodSpec>,
    /// Path of the pod spec in the object (`spec`, `spec.template.spec`).
    prefix: String,
    source: Option<&'x Source>,
    /// `(kind, name)` of the owner references.
    owners: Vec<(String, String)>,
    /// A live pod: admitted already, LimitRange defaults no longer apply.
    created: bool,
}

struct Analysis {
    violations: Vec<Violation>,
    /// `(check, field relative to the pod)` per violation.
    violation_keys: Vec<(String, String)>,
    violation_set: HashSet<(String, String)>,
    /// `(container, path, missing fields)`.
    missing: Vec<(String, String, Vec<String>)>,
    /// `(container, missing field)`.
    missing_set: HashSet<(String, String)>,
}

impl Subject<'_> {
    fn analyse(&self, level: Level) -> Analysis {
        let violations = pss::check_pod_at(level, &self.meta, &self.spec, &self.prefix);
        let meta_prefix = match self.prefix.strip_suffix("spec") {
            Some(head) => format!("{head}metadata"),
            None => format!("{}.metadata", self.prefix),
        };
        let violation_keys: Vec<(String, String)> = violations
            .iter()
            .map(|v| {
                let rel = if let Some(rest) = v.field.strip_prefix(&self.prefix) {
                    format!("spec{rest}")
                } else if let Some(rest) = v.field.strip_prefix(&meta_prefix) {
                    format!("metadata{rest}")
                } else {
                    v.field.clone()
                };
                (v.check.to_string(), rel)
            })
            .collect();
        let violation_set = violation_keys.iter().cloned().collect();
        let mut missing = Vec::new();
        let mut missing_set = HashSet::new();
        let lists: [(&str, &[Container]); 2] = [
            (
                "initContainers",
                self.spec.init_containers.as_deref().unwrap_or_default(),
            ),
            ("containers", &self.spec.containers),
        ];
        for (field, containers) in lists {
            for c in containers {
                let res = c.resources.as_ref();
                let has = |kind: &str, r: &str| {
                    res.and_then(|res| match kind {
                        "requests" => res.requests.as_ref(),
                        _ => res.limits.as_ref(),
                    })
                    .is_some_and(|m| m.contains_key(r))
                };
                let m: Vec<String> = QUOTA_REQUIRED
                    .iter()
                    .filter(|f| {
                        let (kind, r) = f.split_once('.').unwrap_or_default();
                        !has(kind, r)
                    })
                    .map(|f| f.to_string())
                    .collect();
                if m.is_empty() {
                    continue;
                }
                for f in &m {
                    missing_set.insert((c.name.clone(), f.clone()));
                }
                missing.push((
                    c.name.clone(),
                    format!("{}.{field}[name={}]", self.prefix, c.name),
                    m,
                ));
            }
        }
        Analysis {
            violations,
            violation_keys,
            violation_set,
            missing,
            missing_set,
        }
    }
}

fn resources_fragment(profile: &Profile, missing: &[&String]) -> String {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    for f in missing {
        let Some((kind, r)) = f.split_once('.') else {
            continue;
        };
        let (map, from) = match kind {
            "requests" => (&mut requests, &profile.limit_range.default_request),
            _ => (&mut limits, &profile.limit_range.default),
        };
        let value = from.get(r).cloned().unwrap_or_else(|| "VALUE".into());
        map.insert(r.to_string(), value);
    }
    let mut doc = serde_json::Map::new();
    if !requests.is_empty() {
        doc.insert("requests".into(), serde_json::json!(requests));
    }
    if !limits.is_empty() {
        doc.insert("limits".into(), serde_json::json!(limits));
    }
    crate::yaml::to_string(&serde_json::json!({ "resources": doc }))
}

fn pss_remediation(check: &str, level: Level) -> String {
    let how = match check {
        "hostNamespaces" => "remove hostNetwork, hostPID and hostIPC (or set them to false)",
        "privileged" => "remove securityContext.privileged (or set it to false)",
        "capabilities_baseline" => {
            "add only capabilities of the baseline set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, \
             KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)"
        }
        "hostPathVolumes" => "replace hostPath volumes (emptyDir, configMap, persistentVolumeClaim...)",
        "hostPorts" => "remove hostPort from the container ports (use a Service)",
        "appArmorProfile" => {
            "remove the AppArmor override or use RuntimeDefault / Localhost (runtime/default, localhost/*)"
        }
        "seLinuxOptions" => {
            "remove seLinuxOptions.user and .role; type only container_t, container_init_t, \
             container_kvm_t or container_engine_t"
        }
        "procMount" | "procMount_restricted" => "remove securityContext.procMount (or set Default)",
        "seccompProfile_baseline" => "do not set seccompProfile.type: Unconfined",
        "sysctls" => "remove the unsafe sysctls from securityContext.sysctls",
        "windowsHostProcess" => "remove windowsOptions.hostProcess",
        "hostProbesAndHostLifecycle" => "remove the host field from probes and lifecycle handlers",
        "restrictedVolumes" => {
            "use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, \
             projected and secret volumes"
        }
        "allowPrivilegeEscalation" => "set securityContext.allowPrivilegeEscalation: false on every container",
        "runAsNonRoot" => {
            "set securityContext.runAsNonRoot: true (pod or every container) and run as a numeric non-root user"
        }
        "runAsUser" => "do not set runAsUser: 0; use a non-zero user ID",
        "seccompProfile_restricted" => "set securityContext.seccompProfile.type: RuntimeDefault (pod level)",
        "capabilities_restricted" => {
            "set securityContext.capabilities.drop: [ALL] on every container; add at most NET_BIND_SERVICE"
        }
        _ => "fix the named fields",
    };
    let mut out = format!("{how} (Pod Security Standard {level})");
    if level == Level::Restricted {
        out.push_str(
            "; a template that passes restricted:\n\
             securityContext:\n  runAsNonRoot: true\n  seccompProfile:\n    type: RuntimeDefault\n\
             containers:\n- name: app\n  securityContext:\n    allowPrivilegeEscalation: false\n    \
             capabilities:\n      drop: [ALL]\n",
        );
    }
    out
}
