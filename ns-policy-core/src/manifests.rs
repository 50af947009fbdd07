//! Offline loading of Kubernetes manifests for `audit -f` and `probe -f`.
//!
//! [`load_paths`] reads files and directories (a GitOps repository,
//! `kustomize build` output, `kubectl get ... -A -o yaml|json`, or `-` for
//! stdin) into a [`ManifestSet`] of typed objects, each carrying the file and
//! line it came from.
//!
//! * Directories are walked recursively; files ending `.yaml`, `.yml` or
//!   `.json` are read in sorted order; hidden files and directories (`.git`...)
//!   are skipped. Paths given explicitly are always read.
//! * Multi-document YAML streams, JSON (one object or a stream of objects) and
//!   `List` kinds (`kind: List`, `NamespaceList`, `PodList`...) are accepted;
//!   list items are flattened and keep the position of their list. Items of a
//!   typed list (`PodList`) that lack `kind`/`apiVersion` get them from the
//!   list.
//! * Kustomization files are skipped. Objects of kinds the auditor does not
//!   look at (CRDs, ConfigMaps, other API versions...) are counted in
//!   [`ManifestSet::ignored`].
//! * `metadata.managedFields` is dropped (server bookkeeping, large, unused
//!   offline).
//! * The first error stops the load: nothing is half-loaded. Errors name
//!   `file:line[:column]`.
//!
//! Files are parsed in parallel (YAML streams are cut into batches of
//! documents), and results are merged in input order, so the outcome — objects
//! and the error reported — is deterministic.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    LimitRange, Namespace, Pod, ReplicationController, ResourceQuota, ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, Resource};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::{yaml, NAMESPACE_NAME_LABEL};

/// Where an object was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source {
    /// The file as given or found while walking a directory; `-` for stdin.
    pub path: String,
    /// 1-based line where the object (or the list holding it) starts.
    pub line: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// An object with the place it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// File and line.
    pub source: Source,
    /// The object.
    pub object: T,
}

/// A pod or workload kept as JSON data, for code that reads pod templates
/// generically (`pss::pod_spec_of(kind, value)`).
#[derive(Debug, Clone, PartialEq)]
pub struct RawObject {
    /// `Pod`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`, `Job`,
    /// `CronJob` or `ReplicationController`.
    pub kind: String,
    /// The object as read (with `apiVersion` and `kind`).
    pub value: Value,
}

impl RawObject {
    /// `metadata.namespace`, if set.
    pub fn namespace(&self) -> Option<&str> {
        self.value
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
    }

    /// `metadata.name`, or `""`.
    pub fn name(&self) -> &str {
        self.value
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// Everything read from the manifests, in input order.
///
/// Namespaced objects without `metadata.namespace` keep `None`; use
/// [`namespace_of`] to get the namespace kubectl would use.
#[derive(Debug, Clone, Default)]
pub struct ManifestSet {
    /// Namespaces; each carries the `kubernetes.io/metadata.name` label.
    pub namespaces: Vec<Located<Namespace>>,
    /// NetworkPolicies (`networking.k8s.io/v1`).
    pub network_policies: Vec<Located<NetworkPolicy>>,
    /// ResourceQuotas.
    pub resource_quotas: Vec<Located<ResourceQuota>>,
    /// LimitRanges.
    pub limit_ranges: Vec<Located<LimitRange>>,
    /// Roles (`rbac.authorization.k8s.io/v1`).
    pub roles: Vec<Located<Role>>,
    /// ClusterRoles.
    pub cluster_roles: Vec<Located<ClusterRole>>,
    /// RoleBindings.
    pub role_bindings: Vec<Located<RoleBinding>>,
    /// ClusterRoleBindings.
    pub cluster_role_bindings: Vec<Located<ClusterRoleBinding>>,
    /// ServiceAccounts.
    pub service_accounts: Vec<Located<ServiceAccount>>,
    /// Pods.
    pub pods: Vec<Located<Pod>>,
    /// Deployments (`apps/v1`).
    pub deployments: Vec<Located<Deployment>>,
    /// StatefulSets (`apps/v1`).
    pub stateful_sets: Vec<Located<StatefulSet>>,
    /// DaemonSets (`apps/v1`).
    pub daemon_sets: Vec<Located<DaemonSet>>,
    /// ReplicaSets (`apps/v1`).
    pub replica_sets: Vec<Located<ReplicaSet>>,
    /// Jobs (`batch/v1`).
    pub jobs: Vec<Located<Job>>,
    /// CronJobs (`batch/v1`).
    pub cron_jobs: Vec<Located<CronJob>>,
    /// ReplicationControllers.
    pub replication_controllers: Vec<Located<ReplicationController>>,
    /// Pods and workloads (all the kinds above from `pods` to
    /// `replication_controllers`) as JSON data, in input order.
    pub raw_workloads: Vec<Located<RawObject>>,
    /// Objects kept out of the typed collections, counted by kind (`ConfigMap`,
    /// a CRD's kind...). A known kind under another API version is counted as
    /// `Kind (apiVersion)`, e.g. `Deployment (extensions/v1beta1)`.
    pub ignored: BTreeMap<String, usize>,
    /// Kustomization documents that were skipped.
    pub skipped_kustomizations: usize,
}

/// References to the objects of one namespace, as grouped by
/// [`ManifestSet::by_namespace`].
#[derive(Debug, Clone, Default)]
pub struct NamespaceView<'a> {
    /// The Namespace object, if the manifests hold one.
    pub namespace: Option<&'a Located<Namespace>>,
    /// NetworkPolicies.
    pub network_policies: Vec<&'a Located<NetworkPolicy>>,
    /// ResourceQuotas.
    pub resource_quotas: Vec<&'a Located<ResourceQuota>>,
    /// LimitRanges.
    pub limit_ranges: Vec<&'a Located<LimitRange>>,
    /// Roles.
    pub roles: Vec<&'a Located<Role>>,
    /// RoleBindings.
    pub role_bindings: Vec<&'a Located<RoleBinding>>,
    /// ServiceAccounts.
    pub service_accounts: Vec<&'a Located<ServiceAccount>>,
    /// Pods.
    pub pods: Vec<&'a Located<Pod>>,
    /// Deployments.
    pub deployments: Vec<&'a Located<Deployment>>,
    /// StatefulSets.
    pub stateful_sets: Vec<&'a Located<StatefulSet>>,
    /// DaemonSets.
    pub daemon_sets: Vec<&'a Located<DaemonSet>>,
    /// ReplicaSets.
    pub replica_sets: Vec<&'a Located<ReplicaSet>>,
    /// Jobs.
    pub jobs: Vec<&'a Located<Job>>,
    /// CronJobs.
    pub cron_jobs: Vec<&'a Located<CronJob>>,
    /// ReplicationControllers.
    pub replication_controllers: Vec<&'a Located<ReplicationController>>,
    /// Pods and workloads as JSON data.
    pub raw_workloads: Vec<&'a Located<RawObject>>,
}

/// The namespace of a namespaced object, `default` when unset (like kubectl
/// without `-n`).
pub fn namespace_of(meta: &ObjectMeta) -> &str {
    match meta.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => ns,
        _ => "default",
    }
}

fn raw_namespace_of(raw: &RawObject) -> &str {
    match raw.namespace() {
        Some(ns) if !ns.is_empty() => ns,
        _ => "default",
    }
}

impl ManifestSet {
    /// Names of the Namespace objects found.
    pub fn namespace_names(&self) -> BTreeSet<String> {
        self.namespaces
            .iter()
            .filter_map(|n| n.object.metadata.name.clone())
            .collect()
    }

    /// Groups references to every namespaced object by namespace (see
    /// [`namespace_of`]), so an auditor can look at each namespace in one
    /// pass. Every Namespace object has an entry, even if empty.
    pub fn by_namespace(&self) -> BTreeMap<String, NamespaceView<'_>> {
        let mut map: BTreeMap<String, NamespaceView<'_>> = BTreeMap::new();
        fn entry<'m, 'a>(
            map: &'m mut BTreeMap<String, NamespaceView<'a>>,
            ns: &str,
        ) -> &'m mut NamespaceView<'a> {
            // Avoid allocating a key for namespaces already present.
            if !map.contains_key(ns) {
                map.insert(ns.to_string(), NamespaceView::default());
            }
            map.get_mut(ns).expect("entry just inserted")
        }
        for ns in &self.namespaces {
            if let Some(name) = ns.object.metadata.name.as_deref() {
                let view = entry(&mut map, name);
                if view.namespace.is_none() {
                    view.namespace = Some(ns);
                }
            }
        }
        macro_rules! group {
            ($($field:ident),* $(,)?) => {$(
                for obj in &self.$field {
                    entry(&mut map, namespace_of(obj.object.metadata())).$field.push(obj);
                }
            )*};
        }
        group!(
            network_policies,
            resource_quotas,
            limit_ranges,
            roles,
            role_bindings,
            service_accounts,
            pods,
            deployments,
            stateful_sets,
            daemon_sets,
            replica_sets,
            jobs,
            cron_jobs,
            replication_controllers,
        );
        for obj in &self.raw_workloads {
            entry(&mut map, raw_namespace_of(&obj.object))
                .raw_workloads
                .push(obj);
        }
        map
    }

    /// Pods and workloads as `(source, kind, JSON)`, in input order.
    pub fn workload_objects(&self) -> impl Iterator<Item = (&Source, &str, &Value)> {
        self.raw_workloads
            .iter()
            .map(|l| (&l.source, l.object.kind.as_str(), &l.object.value))
    }

    /// Number of objects read: typed ones plus ignored ones (kustomizations
    /// not counted).
    pub fn len(&self) -> usize {
        self.namespaces.len()
            + self.network_policies.len()
            + self.resource_quotas.len()
            + self.limit_ranges.len()
            + self.roles.len()
            + self.cluster_roles.len()
            + self.role_bindings.len()
            + self.cluster_role_bindings.len()
            + self.service_accounts.len()
            + self.pods.len()
            + self.deployments.len()
            + self.stateful_sets.len()
            + self.daemon_sets.len()
            + self.replica_sets.len()
            + self.jobs.len()
            + self.cron_jobs.len()
            + self.replication_controllers.len()
            + self.ignored.values().sum::<usize>()
    }

    /// True when no object was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reserves the exact room the parsed objects need (no growth slack:
    /// the typed objects are large).
    fn reserve(&mut self, batches: &[Vec<Parsed>]) {
        let mut counts = [0usize; 18];
        for p in batches.iter().flatten() {
            let slot = match p {
                Parsed::Namespace(_) => 0,
                Parsed::NetworkPolicy(_) => 1,
                Parsed::ResourceQuota(_) => 2,
                Parsed::LimitRange(_) => 3,
                Parsed::Role(_) => 4,
                Parsed::ClusterRole(_) => 5,
                Parsed::RoleBinding(_) => 6,
                Parsed::ClusterRoleBinding(_) => 7,
                Parsed::ServiceAccount(_) => 8,
                Parsed::Workload(w) => match w.typed {
                    TypedWorkload::Pod(_) => 9,
                    TypedWorkload::Deployment(_) => 10,
                    TypedWorkload::StatefulSet(_) => 11,
                    TypedWorkload::DaemonSet(_) => 12,
                    TypedWorkload::ReplicaSet(_) => 13,
                    TypedWorkload::Job(_) => 14,
                    TypedWorkload::CronJob(_) => 15,
                    TypedWorkload::ReplicationController(_) => 16,
                },
                Parsed::Ignored(_) | Parsed::Kustomization => 17,
            };
            counts[slot] += 1;
        }
        self.namespaces.reserve_exact(counts[0]);
        self.network_policies.reserve_exact(counts[1]);
        self.resource_quotas.reserve_exact(counts[2]);
        self.limit_ranges.reserve_exact(counts[3]);
        self.roles.reserve_exact(counts[4]);
        self.cluster_roles.reserve_exact(counts[5]);
        self.role_bindings.reserve_exact(counts[6]);
        self.cluster_role_bindings.reserve_exact(counts[7]);
        self.service_accounts.reserve_exact(counts[8]);
        self.pods.reserve_exact(counts[9]);
        self.deployments.reserve_exact(counts[10]);
        self.stateful_sets.reserve_exact(counts[11]);
        self.daemon_sets.reserve_exact(counts[12]);
        self.replica_sets.reserve_exact(counts[13]);
        self.jobs.reserve_exact(counts[14]);
        self.cron_jobs.reserve_exact(counts[15]);
        self.replication_controllers.reserve_exact(counts[16]);
        self.raw_workloads
            .reserve_exact(counts[9..17].iter().sum::<usize>());
    }

    fn push(&mut self, parsed: Parsed) {
        match parsed {
            Parsed::Namespace(o) => self.namespaces.push(*o),
            Parsed::NetworkPolicy(o) => self.network_policies.push(*o),
            Parsed::ResourceQuota(o) => self.resource_quotas.push(*o),
            Parsed::LimitRange(o) => self.limit_ranges.push(*o),
            Parsed::Role(o) => self.roles.push(*o),
            Parsed::ClusterRole(o) => self.cluster_roles.push(*o),
            Parsed::RoleBinding(o) => self.role_bindings.push(*o),
            Parsed::ClusterRoleBinding(o) => self.cluster_role_bindings.push(*o),
            Parsed::ServiceAccount(o) => self.service_accounts.push(*o),
            Parsed::Workload(workload) => {
                let ParsedWorkload { source, typed, raw } = *workload;
                let raw_source = source.clone();
                match typed {
                    TypedWorkload::Pod(o) => self.pods.push(located(source, o)),
                    TypedWorkload::Deployment(o) => self.deployments.push(located(source, o)),
                    TypedWorkload::StatefulSet(o) => self.stateful_sets.push(located(source, o)),
                    TypedWorkload::DaemonSet(o) => self.daemon_sets.push(located(source, o)),
                    TypedWorkload::ReplicaSet(o) => self.replica_sets.push(located(source, o)),
                    TypedWorkload::Job(o) => self.jobs.push(located(source, o)),
                    TypedWorkload::CronJob(o) => self.cron_jobs.push(located(source, o)),
                    TypedWorkload::ReplicationController(o) => {
                        self.replication_controllers.push(located(source, o))
                    }
                }
                self.raw_workloads.push(located(raw_source, raw));
            }
            Parsed::Ignored(kind) => *self.ignored.entry(kind).or_insert(0) += 1,
            Parsed::Kustomization => self.skipped_kustomizations += 1,
        }
    }
}

/// Loads manifests from files and directories (`-` is stdin).
///
/// See the [module documentation](self) for what is accepted. The first error
/// (in input order) is returned and nothing is loaded.
pub fn load_paths(paths: &[PathBuf]) -> Result<ManifestSet> {
    let mut files = Vec::new();
    let mut visited = HashSet::new();
    let mut stdin_seen = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if !stdin_seen {
                files.push(FileRef::Stdin);
                stdin_seen = true;
            }
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut files, &mut visited)?;
        } else {
            files.push(FileRef::File(path.clone()));
        }
    }
    let inputs = parallel_map(&files, read_input)?;
    load_inputs(&inputs)
}

/// Loads manifests from text already in memory; `path` names it in sources
/// and errors. A `.json` path is parsed as JSON; other text is sniffed (JSON
/// if it starts with `{`, YAML otherwise).
pub fn load_str(text: &str, path: &str) -> Result<ManifestSet> {
    let input = Input {
        path: path.to_string(),
        json: path.ends_with(".json"),
        text: text.strip_prefix('\u{feff}').unwrap_or(text).to_string(),
    };
    load_inputs(std::slice::from_ref(&input))
}

// ---------------------------------------------------------------------------
// Reading files

enum FileRef {
    Stdin,
    File(PathBuf),
}

struct Input {
    /// Path as shown in sources and errors.
    path: String,
    /// Parse as JSON (a `.json` file).
    json: bool,
    text: String,
}

const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e))
}

fn walk(dir: &Path, out: &mut Vec<FileRef>, visited: &mut HashSet<PathBuf>) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    // Guard against symlink loops.
    let canonical = std::fs::canonicalize(dir).map_err(io)?;
    if !visited.insert(canonical) {
        return Ok(());
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue; // hidden files and directories (.git, .github...)
        }
        entries.push((name, entry.path()));
    }
    entries.sort();
    for (_, path) in entries {
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, out, visited)?,
            Ok(_) => {
                if has_manifest_extension(&path) {
                    out.push(FileRef::File(path));
                }
            }
            // A dangling symlink: an error only if it looks like a manifest.
            Err(source) => {
                if has_manifest_extension(&path) {
                    return Err(Error::Io { path, source });
                }
            }
        }
    }
    Ok(())
}

fn read_input(file: &FileRef) -> Result<Input> {
    let (path, json, bytes) = match file {
        FileRef::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|source| Error::Io {
                    path: PathBuf::from("-"),
                    source,
                })?;
            ("-".to_string(), false, bytes)
        }
        FileRef::File(path) => {
            let bytes = std::fs::read(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let json = path.extension().is_some_and(|e| e == "json");
            (path.display().to_string(), json, bytes)
        }
    };
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1;
            return Err(Error::Parse {
                path,
                line,
                column,
                message: "invalid UTF-8: manifests must be UTF-8 text".to_string(),
            });
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(Input { path, json, text })
}

// ---------------------------------------------------------------------------
// Parsing

/// A piece of one input parsed by one worker: a whole JSON file, or a run of
/// whole YAML documents.
struct Unit {
    input: usize,
    start: usize,
    end: usize,
    /// Lines before `start` in the input.
    line_offset: usize,
    kind: UnitKind,
}

#[derive(Clone, Copy, PartialEq)]
enum UnitKind {
    Json,
    /// JSON if it parses as JSON, YAML otherwise.
    Sniff,
    Yaml,
}

/// YAML streams are cut into units of about this many bytes, on document
/// boundaries, so one big file is parsed by several threads.
const UNIT_BYTES: usize = 128 * 1024;

fn units_of(index: usize, input: &Input, units: &mut Vec<Unit>) {
    let text = input.text.as_str();
    let first = text.trim_start().as_bytes().first().copied();
    if input.json || matches!(first, Some(b'{' | b'[')) {
        units.push(Unit {
            input: index,
            start: 0,
            end: text.len(),
            line_offset: 0,
            kind: if input.json {
                UnitKind::Json
            } else {
                UnitKind::Sniff
            },
        });
        return;
    }
    let (mut start, mut start_line, mut pos) = (0usize, 0usize, 0usize);
    for (idx, line) in text.split_inclusive('\n').enumerate() {
        let line_start = pos;
        pos += line.len();
        if line_start - start >= UNIT_BYTES && yaml::is_document_separator(line) {
            units.push(Unit {
                input: index,
                start,
                end: line_start,
                line_offset: start_line,
                kind: UnitKind::Yaml,
            });
            start = pos;
            start_line = idx + 1;
        }
    }
    units.push(Unit {
        input: index,
        start,
        end: text.len(),
        line_offset: start_line,
        kind: UnitKind::Yaml,
    });
}

fn load_inputs(inputs: &[Input]) -> Result<ManifestSet> {
    let mut units = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        units_of(index, input, &mut units);
    }
    let parsed = parallel_map(&units, |unit| parse_unit(unit, &inputs[unit.input]))?;
    let mut set = ManifestSet::default();
    set.reserve(&parsed);
    for batch in parsed {
        for p in batch {
            set.push(p);
        }
    }
    Ok(set)
}

fn parse_unit(unit: &Unit, input: &Input) -> Result<Vec<Parsed>> {
    let text = &input.text[unit.start..unit.end];
    let path = input.path.as_str();
    let mut out = Vec::new();
    let docs = match unit.kind {
        UnitKind::Json => json_documents(text, path)?,
        UnitKind::Sniff => match json_documents(text, path) {
            Ok(docs) => docs,
            Err(_) => yaml_documents(text, path, unit.line_offset)?,
        },
        UnitKind::Yaml => yaml_documents(text, path, unit.line_offset)?,
    };
    for (line, value) in docs {
        let source = Source {
            path: path.to_string(),
            line,
        };
        classify(value, source, &input.text, "", 0, &mut out)?;
    }
    Ok(out)
}

fn yaml_documents(text: &str, path: &str, line_offset: usize) -> Result<Vec<(usize, Value)>> {
    match yaml::documents(text, path) {
        Ok(docs) => Ok(docs
            .into_iter()
            .map(|d| (d.line + line_offset, d.value))
            .collect()),
        Err(Error::Parse {
            path,
            line,
            column,
            message,
        }) => Err(Error::Parse {
            path,
            line: line + line_offset,
            column,
            message,
        }),
        Err(e) => Err(e),
    }
}

/// A JSON text: one value or a stream of values, each with its line.
fn json_documents(text: &str, path: &str) -> Result<Vec<(usize, Value)>> {
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let (mut counted_to, mut line) = (0usize, 1usize);
    loop {
        let offset = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(value)) => {
                let rest = &text[offset..];
                let start = offset + (rest.len() - rest.trim_start().len());
                line += text[counted_to..start].matches('\n').count();
                counted_to = start;
                docs.push((line, value));
            }
            Some(Err(e)) => {
                return Err(Error::Parse {
                    path: path.to_string(),
                    line: e.line().max(1),
                    column: e.column().max(1),
                    message: json_message(&e),
                })
            }
        }
    }
    Ok(docs)
}

fn json_message(e: &serde_json::Error) -> String {
    let mut message = e.to_string();
    if let Some(idx) = message.find(" at line ") {
        message.truncate(idx);
    }
    message
}

// Always boxed (in `Parsed::Workload`), so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum TypedWorkload {
    Pod(Pod),
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    DaemonSet(DaemonSet),
    ReplicaSet(ReplicaSet),
    Job(Job),
    CronJob(CronJob),
    ReplicationController(ReplicationController),
}

struct ParsedWorkload {
    source: Source,
    typed: TypedWorkload,
    raw: RawObject,
}

enum Parsed {
    Namespace(Box<Located<Namespace>>),
    NetworkPolicy(Box<Located<NetworkPolicy>>),
    ResourceQuota(Box<Located<ResourceQuota>>),
    LimitRange(Box<Located<LimitRange>>),
    Role(Box<Located<Role>>),
    ClusterRole(Box<Located<ClusterRole>>),
    RoleBinding(Box<Located<RoleBinding>>),
    ClusterRoleBinding(Box<Located<ClusterRoleBinding>>),
    ServiceAccount(Box<Located<ServiceAccount>>),
    Workload(Box<ParsedWorkload>),
    Ignored(String),
    Kustomization,
}

/// Top-level keys of a kustomization.yaml.
const KUSTOMIZE_KEYS: [&str; 14] = [
    "resources",
    "bases",
    "components",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generators",
    "transformers",
    "helmCharts",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
];

fn value_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn invalid(source: &Source, message: impl fmt::Display) -> Error {
    Error::InvalidInput(format!("{source}: {message}"))
}

/// `Kind "name"` or `Kind "namespace/name"` for error messages.
fn describe(kind: &str, value: &Value) -> String {
    let meta = value.get("metadata");
    let field = |f: &str| meta.and_then(|m| m.get(f)).and_then(Value::as_str);
    match (field("namespace"), field("name")) {
        (Some(ns), Some(name)) => format!("{kind} \"{ns}/{name}\""),
        (None, Some(name)) => format!("{kind} \"{name}\""),
        (_, None) => format!("{kind} (no metadata.name)"),
    }
}

/// Deserializes a typed object, naming the object and the field at fault on
/// error, at its line and column when the input text can be re-parsed.
/// `text` is the whole input and `pointer` the object's place in its
/// document (`/items/3` for list items).
fn typed<T: DeserializeOwned>(
    value: &Value,
    kind: &str,
    source: &Source,
    text: &str,
    pointer: &str,
) -> Result<T> {
    yaml::deserialize_in(value, text, source.line, pointer).map_err(|e| {
        let message = format!("{}: {e}", describe(kind, value));
        match e.position {
            Some((line, column)) => Error::Parse {
                path: source.path.clone(),
                line,
                column,
                message,
            },
            None => invalid(source, message),
        }
    })
}

fn located<T>(source: Source, object: T) -> Located<T> {
    Located { source, object }
}

const MAX_LIST_NESTING: usize = 16;

fn classify(
    mut value: Value,
    source: Source,
    text: &str,
    pointer: &str,
    depth: usize,
    out: &mut Vec<Parsed>,
) -> Result<()> {
    // Server-side bookkeeping, often the bulk of `kubectl get -o yaml
    // --show-managed-fields` output; nothing offline looks at it.
    if let Some(Value::Object(meta)) = value.get_mut("metadata") {
        meta.remove("managedFields");
    }
    let Value::Object(map) = &value else {
        if value.is_null() {
            return Ok(()); // empty document
        }
        return Err(invalid(
            &source,
            format_args!(
                "not a Kubernetes object: expected a mapping with apiVersion and kind, found {}",
                value_type(&value)
            ),
        ));
    };
    if map.is_empty() {
        return Ok(());
    }
    let field = |name: &str| -> Result<Option<&str>> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(invalid(
                &source,
                format_args!("{name} must be a string, found {}", value_type(other)),
            )),
        }
    };
    let kind = field("kind")?;
    let api_version = field("apiVersion")?;

    // Kustomization files.
    let kustomize_api = api_version.is_none_or(|v| v.starts_with("kustomize.config.k8s.io/"));
    if (matches!(kind, Some("Kustomization" | "Component")) && kustomize_api)
        || (kind.is_none()
            && api_version.is_none()
            && KUSTOMIZE_KEYS.iter().any(|k| map.contains_key(*k)))
    {
        out.push(Parsed::Kustomization);
        return Ok(());
    }
    let Some(kind) = kind else {
        return Err(invalid(&source, "not a Kubernetes object: no kind"));
    };
    let Some(api_version) = api_version else {
        return Err(invalid(
            &source,
            format_args!("not a Kubernetes object: {kind} without apiVersion"),
        ));
    };

    // Lists: `kind: List`, or `FooList` with items.
    let items = map.get("items");
    if kind == "List" || (kind.ends_with("List") && items.is_some_and(Value::is_array)) {
        let item_kind = kind
            .strip_suffix("List")
            .filter(|k| !k.is_empty())
            .map(str::to_string);
        let api_version = api_version.to_string();
        let kind = kind.to_string();
        if depth >= MAX_LIST_NESTING {
            return Err(invalid(&source, "lists nested too deeply"));
        }
        let Value::Object(mut map) = value else {
            unreachable!("checked above")
        };
        let items = match map.remove("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(invalid(
                    &source,
                    format_args!("{kind}: items must be a list, found {}", value_type(&other)),
                ))
            }
        };
        for (i, mut item) in items.into_iter().enumerate() {
            if let (Some(item_kind), Value::Object(item_map)) = (&item_kind, &mut item) {
                if !item_map.contains_key("kind") {
                    item_map.insert("kind".to_string(), Value::String(item_kind.clone()));
                    if !item_map.contains_key("apiVersion") {
                        item_map
                            .insert("apiVersion".to_string(), Value::String(api_version.clone()));
                    }
                }
            }
            let item_pointer = format!("{pointer}/items/{i}");
            classify(item, source.clone(), text, &item_pointer, depth + 1, out)?;
        }
        return Ok(());
    }

    macro_rules! plain {
        ($($ty:ident),* $(,)?) => {
            $(
                if kind == $ty::KIND && api_version == $ty::API_VERSION {
                    let object: $ty = typed(&value, kind, &source, text, pointer)?;
                    out.push(Parsed::$ty(Box::new(located(source, object))));
                    return Ok(());
                }
            )*
        };
    }
    macro_rules! workload {
        ($($ty:ident),* $(,)?) => {
            $(
                if kind == $ty::KIND && api_version == $ty::API_VERSION {
                    let object: $ty = typed(&value, kind, &source, text, pointer)?;
                    let raw = RawObject { kind: $ty::KIND.to_string(), value };
                    out.push(Parsed::Workload(Box::new(ParsedWorkload { source, typed: TypedWorkload::$ty(object), raw })));
                    return Ok(());
                }
            )*
        };
    }

    if kind == Namespace::KIND && api_version == Namespace::API_VERSION {
        let mut object: Namespace = typed(&value, kind, &source, text, pointer)?;
        if let Some(name) = object.metadata.name.clone().filter(|n| !n.is_empty()) {
            object
                .metadata
                .labels
                .get_or_insert_with(BTreeMap::new)
                .entry(NAMESPACE_NAME_LABEL.to_string())
                .or_insert(name);
        }
        out.push(Parsed::Namespace(Box::new(located(source, object))));
        return Ok(());
    }
    plain!(
        NetworkPolicy,
        ResourceQuota,
        LimitRange,
        Role,
        ClusterRole,
        RoleBinding,
        ClusterRoleBinding,
        ServiceAccount,
    );
    workload!(
        Pod,
        Deployment,
        StatefulSet,
        DaemonSet,
        ReplicaSet,
        Job,
        CronJob,
        ReplicationController,
    );

    const KNOWN_KINDS: [&str; 18] = [
        "Namespace",
        "NetworkPolicy",
        "ResourceQuota",
        "LimitRange",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ServiceAccount",
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "ReplicationController",
        "List",
    ];
    let key = if KNOWN_KINDS.contains(&kind) {
        format!("{kind} ({api_version})")
    } else {
        kind.to_string()
    };
    out.push(Parsed::Ignored(key));
    Ok(())
}

// ---------------------------------------------------------------------------
// Parallelism

/// Maps `f` over `items` on all CPUs, keeping order. Returns the error of the
/// first failing item in order; items after a known failure are not started.
fn parallel_map<T, R, F>(items: &[T], f: F) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> Result<R> + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let first_error = AtomicUsize::new(usize::MAX);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let idx = next.fetch_add(1, Ordering::Relaxed);
            if idx >= items.len() || idx > first_error.load(Ordering::Relaxed) {
                break;
            }
            let result = f(&items[idx]);
            if result.is_err() {
                first_error.fetch_min(idx, Ordering::Relaxed);
            }
            done.push((idx, result));
        }
        done
    };
    let mut slots: Vec<Option<Result<R>>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(16 << 20) // deep YAML nesting recurses
                    .spawn_scoped(scope, worker)
            })
            .collect();
        for handle in handles.into_iter().flatten() {
            // A thread that could not be started leaves its share to the
            // others (or to the loop below).
            match handle.join() {
                Ok(done) => {
                    for (idx, result) in done {
                        slots[idx] = Some(result);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    let mut out = Vec::with_capacity(items.len());
    for (idx, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(result) => out.push(result?),
            // Not run: no thread could be started, or it comes after an
            // error (which was returned above).
            None => out.push(f(&items[idx])?),
        }
    }
    Ok(out)
}
