//! Parsing manifest text: cutting inputs into units for the workers, JSON
//! and YAML documents with their lines, flattening lists, and classifying
//! each document by the kinds table into a typed object.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::parallel::parallel_map;
use super::read::Input;
use crate::error::{Error, Result};
use crate::inventory::{Inventory, Kind, Object, Source};
use crate::netpol::{ClusterPolicy, CniPolicy};
use crate::{yaml, NAMESPACE_NAME_LABEL};

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

pub(super) fn load_inputs(inputs: &[Input]) -> Result<Inventory> {
    let mut units = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        units_of(index, input, &mut units);
    }
    let parsed = parallel_map(&units, |unit| parse_unit(unit, &inputs[unit.input]))?;
    let mut set = Inventory::default();
    for batch in parsed {
        for p in batch {
            match p {
                Parsed::Object(object, source) => set.push(*object, Some(source)),
                Parsed::ClusterPolicy(p, source) => {
                    set.push_cluster_policy(crate::inventory::Item::located(*p, source))
                }
                Parsed::CniPolicy(p, source) => {
                    set.push_cni_policy(crate::inventory::Item::located(*p, source))
                }
                Parsed::AppProject(p, source) => {
                    set.push_app_project(crate::inventory::Item::located(*p, source))
                }
                Parsed::Ignored(kind) => *set.ignored.entry(kind).or_insert(0) += 1,
                Parsed::Kustomization => set.skipped_kustomizations += 1,
            }
        }
    }
    super::dedupe::keep_last(&mut set);
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
    let shared: std::sync::Arc<str> = path.into();
    for (line, value) in docs {
        let source = Source {
            path: shared.clone(),
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

enum Parsed {
    Object(Box<Object>, Source),
    ClusterPolicy(Box<ClusterPolicy>, Source),
    CniPolicy(Box<CniPolicy>, Source),
    AppProject(Box<crate::argocd::AppProject>, Source),
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
    Error::Manifest {
        source_location: source.to_string(),
        message: message.to_string(),
    }
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

/// Error path only: the error of deserializing `value` as `kind`, with the
/// field at fault and its line and column (the document is re-parsed).
fn locate(
    kind: Kind,
    value: &Value,
    text: &str,
    line: usize,
    pointer: &str,
) -> Option<yaml::TypedError> {
    use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    use k8s_openapi::api::batch::v1::{CronJob, Job};
    use k8s_openapi::api::core::v1::{
        LimitRange, Namespace, Pod, ReplicationController, ResourceQuota, ServiceAccount,
    };
    use k8s_openapi::api::networking::v1::NetworkPolicy;
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
    macro_rules! at {
        ($($k:ident),*) => {
            match kind {
                $(Kind::$k => yaml::deserialize_in::<$k>(value, text, line, pointer).err(),)*
            }
        };
    }
    at!(
        Namespace,
        NetworkPolicy,
        ResourceQuota,
        LimitRange,
        Role,
        ClusterRole,
        RoleBinding,
        ClusterRoleBinding,
        ServiceAccount,
        Pod,
        Deployment,
        StatefulSet,
        DaemonSet,
        ReplicaSet,
        Job,
        CronJob,
        ReplicationController,
        PodDisruptionBudget,
        HorizontalPodAutoscaler
    )
}

const MAX_LIST_NESTING: usize = 16;

/// Classifies one document (or list item at `pointer` of the document)
/// of the input `text`.
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

    if ClusterPolicy::is_cluster_policy(api_version, kind) {
        let policy = ClusterPolicy::from_value(api_version, kind, &value)
            .map_err(|e| invalid(&source, format_args!("{}: {e}", describe(kind, &value))))?;
        out.push(Parsed::ClusterPolicy(Box::new(policy), source));
        return Ok(());
    }
    if crate::argocd::AppProject::is_app_project(api_version, kind) {
        let project = crate::argocd::AppProject::from_value(&value)
            .map_err(|e| invalid(&source, format_args!("{}: {e}", describe(kind, &value))))?;
        out.push(Parsed::AppProject(Box::new(project), source));
        return Ok(());
    }
    if CniPolicy::is_cni_policy(api_version, kind) {
        let policy = CniPolicy::from_value(api_version, kind, &value);
        out.push(Parsed::CniPolicy(Box::new(policy), source));
        return Ok(());
    }
    let Some(kind) = Kind::of(api_version, kind) else {
        let key = match Kind::named(kind) {
            Some(_) => format!("{kind} ({api_version})"),
            None if kind == "List" => format!("{kind} ({api_version})"),
            None => kind.to_string(),
        };
        out.push(Parsed::Ignored(key));
        return Ok(());
    };
    let mut object = Object::from_value(kind, &value).map_err(|e| {
        let what = describe(kind.name(), &value);
        match locate(kind, &value, text, source.line, pointer) {
            Some(t) => match t.position {
                Some((line, column)) => Error::Parse {
                    path: source.path.to_string(),
                    line,
                    column,
                    message: format!("{what}: {t}"),
                },
                None => invalid(&source, format_args!("{what}: {t}")),
            },
            None => invalid(&source, format_args!("{what}: {e}")),
        }
    })?;
    if let Object::Namespace(ns) = &mut object {
        // The label the API server sets on every namespace.
        if let Some(name) = ns.metadata.name.clone().filter(|n| !n.is_empty()) {
            ns.metadata
                .labels
                .get_or_insert_with(BTreeMap::new)
                .entry(NAMESPACE_NAME_LABEL.to_string())
                .or_insert(name);
        }
    }
    out.push(Parsed::Object(Box::new(object), source));
    Ok(())
}
