//! Bundles as files for GitOps (`create --output-dir DIR`), in two layouts:
//!
//! * **flat** (default): `NS/<kind>-<name>.yaml` and `NS/kustomization.yaml`
//!   per namespace, and a top-level `kustomization.yaml` listing the
//!   namespaces;
//! * **base-overlays**: `base/<profile>/` holds the objects every namespace
//!   of a profile shares (written without a namespace), and
//!   `overlays/<env>/<ns>/` the Namespace, what is specific to that
//!   namespace (the team binding, templated allows and RBAC) and patches for
//!   its `--set` overrides; `overlays/<env>/kustomization.yaml` lists the
//!   namespaces of an environment and the top-level one the environments.
//!
//! Regenerating into an existing tree merges: kustomization files keep
//! their other fields and every resource they listed (earlier namespaces
//! stay), and ours are added once. Comments of a rewritten kustomization
//! are not kept.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{Bundle, BundleObject};
use crate::baseline::Baseline;
use crate::error::{Error, Result};

/// How `--output-dir` lays out files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// One directory per namespace.
    #[default]
    Flat,
    /// A kustomize base per profile and an overlay per environment and
    /// namespace.
    BaseOverlays,
}

/// File name of an object (`networkpolicy-default-deny.yaml`).
pub fn file_name(obj: &BundleObject) -> String {
    format!("{}-{}.yaml", obj.kind().to_lowercase(), obj.name())
}

/// The files to write: `(path relative to DIR, content)`. `existing` reads
/// a file already under DIR (for merging kustomizations).
pub fn output_files(
    baseline: &Baseline,
    bundles: &[(Bundle, Bundle)],
    layout: Layout,
    existing: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>> {
    let mut out = Files {
        files: BTreeMap::new(),
        existing,
    };
    match layout {
        Layout::Flat => {
            let mut dirs = Vec::new();
            for (actual, _) in bundles {
                let mut resources = Vec::new();
                for obj in &actual.objects {
                    let name = file_name(obj);
                    out.put(format!("{}/{name}", actual.namespace), yaml(obj));
                    resources.push(name);
                }
                out.kustomization(
                    &format!("{}/kustomization.yaml", actual.namespace),
                    &resources,
                    None,
                    &[],
                )?;
                dirs.push(actual.namespace.clone());
            }
            out.kustomization("kustomization.yaml", &dirs, None, &[])?;
        }
        Layout::BaseOverlays => base_overlays(baseline, bundles, &mut out)?,
    }
    Ok(out.files.into_iter().collect())
}

struct Files<'a> {
    files: BTreeMap<String, String>,
    existing: &'a dyn Fn(&str) -> Option<String>,
}

impl Files<'_> {
    fn put(&mut self, path: String, content: String) {
        self.files.insert(path, content);
    }

    /// Reads the kustomization at `path` as this run left it, or as it is
    /// on disk.
    fn current(&self, path: &str) -> Result<Option<Map<String, Value>>> {
        let text = match self.files.get(path) {
            Some(t) => t.clone(),
            None => match (self.existing)(path) {
                Some(t) => t,
                None => return Ok(None),
            },
        };
        let docs = crate::yaml::documents(&text, path)?;
        match docs.into_iter().next().map(|d| d.value) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(Error::Kustomization {
                path: path.to_string(),
                problem: "an existing kustomization is not a mapping; move it away or fix it"
                    .into(),
            }),
        }
    }

    /// Writes (or merges into) a kustomization listing `resources`, with
    /// `namespace` and `patches` when given.
    fn kustomization(
        &mut self,
        path: &str,
        resources: &[String],
        namespace: Option<&str>,
        patches: &[String],
    ) -> Result<()> {
        let mut doc = self.current(path)?.unwrap_or_default();
        doc.entry("apiVersion")
            .or_insert_with(|| json!("kustomize.config.k8s.io/v1beta1"));
        doc.entry("kind").or_insert_with(|| json!("Kustomization"));
        if let Some(ns) = namespace {
            doc.insert("namespace".into(), json!(ns));
        }
        merge_list(
            &mut doc,
            "resources",
            resources.iter().map(|r| json!(r)),
            |a, b| a == b,
        )?;
        if !patches.is_empty() {
            merge_list(
                &mut doc,
                "patches",
                patches.iter().map(|p| json!({"path": p})),
                |a, b| a.get("path") == b.get("path"),
            )?;
        }
        // Stable key order: apiVersion, kind, then the rest as read.
        let mut ordered = Map::new();
        for k in ["apiVersion", "kind"] {
            if let Some(v) = doc.remove(k) {
                ordered.insert(k.into(), v);
            }
        }
        ordered.extend(doc);
        self.put(path.to_string(), yaml(&Value::Object(ordered)));
        Ok(())
    }
}

fn merge_list(
    doc: &mut Map<String, Value>,
    key: &str,
    new: impl Iterator<Item = Value>,
    same: impl Fn(&Value, &Value) -> bool,
) -> Result<()> {
    let list = doc.entry(key).or_insert_with(|| json!([]));
    let Value::Array(items) = list else {
        return Err(Error::Kustomization {
            path: "kustomization.yaml".into(),
            problem: format!("its {key} is not a list"),
        });
    };
    for v in new {
        if !items.iter().any(|i| same(i, &v)) {
            items.push(v);
        }
    }
    Ok(())
}

fn yaml<T: serde::Serialize + ?Sized>(v: &T) -> String {
    crate::yaml::to_string(v)
}

/// An object without `metadata.namespace` (kustomize's `namespace:` sets it).
fn without_namespace(obj: &BundleObject) -> Value {
    let mut v = obj.to_value();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("namespace");
    }
    v
}

/// `bundles` are `(actual, base)`: the bundle as rendered, and the same
/// namespace rendered without its overrides (the base it is an overlay of).
fn base_overlays(
    baseline: &Baseline,
    bundles: &[(Bundle, Bundle)],
    out: &mut Files<'_>,
) -> Result<()> {
    let mut envs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (actual, base) in bundles {
        let key = |o: &BundleObject| (o.kind(), o.name().to_string());
        let shared: Vec<&BundleObject> = base
            .objects
            .iter()
            .filter(|o| {
                !base
                    .specific
                    .contains(&(o.kind().to_string(), o.name().to_string()))
            })
            .collect();
        // The base of a profile.
        let base_dir = format!("base/{}", actual.profile);
        let mut base_resources = Vec::new();
        for obj in &shared {
            let name = file_name(obj);
            out.put(format!("{base_dir}/{name}"), yaml(&without_namespace(obj)));
            base_resources.push(name);
        }
        out.kustomization(
            &format!("{base_dir}/kustomization.yaml"),
            &base_resources,
            None,
            &[],
        )?;

        let ns_obj = actual.objects.iter().find_map(|o| match o {
            BundleObject::Namespace(n) => Some(n),
            _ => None,
        });
        let env = ns_obj
            .and_then(|n| n.metadata.labels.as_ref())
            .and_then(|l| l.get(baseline.env_label()))
            .filter(|e| !e.is_empty())
            .cloned()
            .unwrap_or_else(|| "default".to_string());
        let dir = format!("overlays/{env}/{}", actual.namespace);
        let mut resources = vec![format!("../../../{base_dir}")];
        let mut patches = Vec::new();
        for obj in &actual.objects {
            match shared.iter().find(|s| key(s) == key(obj)) {
                None => {
                    let name = file_name(obj);
                    out.put(format!("{dir}/{name}"), yaml(&without_namespace(obj)));
                    resources.push(name);
                }
                Some(s) if without_namespace(s) != without_namespace(obj) => {
                    let name = format!("patch-{}", file_name(obj));
                    out.put(format!("{dir}/{name}"), yaml(&without_namespace(obj)));
                    patches.push(name);
                }
                Some(_) => {}
            }
        }
        for s in &shared {
            if !actual.objects.iter().any(|o| key(o) == key(s)) {
                // Turned off by an override: delete it from the base's copy.
                let name = format!("delete-{}", file_name(s));
                let v = s.to_value();
                let patch = json!({
                    "apiVersion": v["apiVersion"],
                    "kind": v["kind"],
                    "metadata": {"name": s.name()},
                    "$patch": "delete",
                });
                out.put(format!("{dir}/{name}"), yaml(&patch));
                patches.push(name);
            }
        }
        out.kustomization(
            &format!("{dir}/kustomization.yaml"),
            &resources,
            Some(&actual.namespace),
            &patches,
        )?;
        envs.entry(env).or_default().push(actual.namespace.clone());
    }
    let mut env_dirs = Vec::new();
    for (env, namespaces) in envs {
        out.kustomization(
            &format!("overlays/{env}/kustomization.yaml"),
            &namespaces,
            None,
            &[],
        )?;
        env_dirs.push(format!("overlays/{env}"));
    }
    out.kustomization("kustomization.yaml", &env_dirs, None, &[])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{render, NamespaceSpec};

    fn pair(name: &str, env: &str, overrides: &[(&str, &str)]) -> (Bundle, Bundle) {
        let b = Baseline::builtin();
        let spec = NamespaceSpec {
            name: name.into(),
            profile: "app".into(),
            labels: [("env", env), ("team", "shop"), ("cost-center", "cc-1")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            overrides: overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let plain = NamespaceSpec {
            overrides: Default::default(),
            ..spec.clone()
        };
        (render(&b, &spec).unwrap(), render(&b, &plain).unwrap())
    }

    fn files(
        pairs: &[(Bundle, Bundle)],
        layout: Layout,
        disk: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let read = |p: &str| disk.get(p).cloned();
        output_files(&Baseline::builtin(), pairs, layout, &read)
            .unwrap()
            .into_iter()
            .collect()
    }

    #[test]
    fn flat_layout_has_one_file_per_object_and_kustomizations() {
        let pairs = [pair("staging", "staging", &[]), pair("shop", "dev", &[])];
        let out = files(&pairs, Layout::Flat, &BTreeMap::new());
        assert!(out.contains_key("staging/namespace-staging.yaml"));
        assert!(out.contains_key("staging/networkpolicy-default-deny.yaml"));
        assert!(out.contains_key("shop/kustomization.yaml"));
        assert_eq!(
            out.len(),
            pairs[0].0.objects.len() + pairs[1].0.objects.len() + 3
        );
        let top = &out["kustomization.yaml"];
        assert!(top.contains("- staging") && top.contains("- shop"), "{top}");
    }

    #[test]
    fn regenerating_merges_into_an_existing_kustomization() {
        let disk = BTreeMap::from([(
            "kustomization.yaml".to_string(),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncommonLabels:\n  owner: platform\nresources:\n- earlier\n- shop\n".to_string(),
        )]);
        let out = files(&[pair("shop", "dev", &[])], Layout::Flat, &disk);
        let top: serde_json::Value =
            crate::yaml::from_str(&out["kustomization.yaml"], "k").unwrap();
        assert_eq!(top["resources"], json!(["earlier", "shop"]));
        assert_eq!(top["commonLabels"]["owner"], "platform");
        let bad = BTreeMap::from([("kustomization.yaml".to_string(), "- a list".to_string())]);
        let read = |p: &str| bad.get(p).cloned();
        let err = output_files(
            &Baseline::builtin(),
            &[pair("shop", "dev", &[])],
            Layout::Flat,
            &read,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("kustomization.yaml"), "{err}");
    }

    #[test]
    fn base_overlays_share_the_profile_and_patch_overrides() {
        let pairs = [
            pair("shop-dev", "dev", &[]),
            pair("shop-prod", "prod", &[("quota.requests.cpu", "10")]),
        ];
        let out = files(&pairs, Layout::BaseOverlays, &BTreeMap::new());
        let base = &out["base/app/kustomization.yaml"];
        assert!(
            base.contains("resourcequota-ns-policy-quota.yaml"),
            "{base}"
        );
        assert!(
            !base.contains("namespace-"),
            "the Namespace is per overlay: {base}"
        );
        assert!(!out["base/app/resourcequota-ns-policy-quota.yaml"].contains("namespace:"));
        let dev = &out["overlays/dev/shop-dev/kustomization.yaml"];
        assert!(
            dev.contains("namespace: shop-dev") && dev.contains("../../../base/app"),
            "{dev}"
        );
        assert!(
            dev.contains("namespace-shop-dev.yaml")
                && dev.contains("rolebinding-ns-policy-team.yaml"),
            "{dev}"
        );
        assert!(!dev.contains("patches"), "{dev}");
        let prod = &out["overlays/prod/shop-prod/kustomization.yaml"];
        assert!(
            prod.contains("patch-resourcequota-ns-policy-quota.yaml"),
            "{prod}"
        );
        assert!(
            out["overlays/prod/shop-prod/patch-resourcequota-ns-policy-quota.yaml"]
                .contains("requests.cpu: '10'")
        );
        assert!(out["overlays/prod/kustomization.yaml"].contains("- shop-prod"));
        let top = &out["kustomization.yaml"];
        assert!(
            top.contains("overlays/dev") && top.contains("overlays/prod"),
            "{top}"
        );
    }

    #[test]
    fn only_templated_objects_are_namespace_specific() {
        let b = Baseline::parse(
            &crate::baseline::BUILTIN_YAML.replace(
                "      network:\n        allowSameNamespace: true\n        allowDns: true\n        allowIngressController: true\n    preview:",
                "      network:\n        allowSameNamespace: true\n        allowDns: true\n        allowIngressController: true\n        allows:\n          - name: plain\n            ingress: [{from: [{namespaces: [monitoring]}]}]\n          - name: templated\n            ingress: [{from: [{namespaces: ['{team}-tools']}]}]\n    preview:",
            ),
            "b.yaml",
        )
        .unwrap();
        let spec = NamespaceSpec {
            name: "shop".into(),
            profile: "app".into(),
            labels: [("env", "dev"), ("team", "web"), ("cost-center", "c")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let bundle = render(&b, &spec).unwrap();
        let specific = &bundle.specific;
        assert!(specific.contains(&("NetworkPolicy".to_string(), "templated".to_string())));
        assert!(!specific.contains(&("NetworkPolicy".to_string(), "plain".to_string())));
        assert!(specific.contains(&("Namespace".to_string(), "shop".to_string())));
    }

    #[test]
    fn an_allow_turned_off_by_an_override_is_deleted_from_the_overlay() {
        let pairs = [pair(
            "shop",
            "dev",
            &[("network.allowIngressController", "false")],
        )];
        let out = files(&pairs, Layout::BaseOverlays, &BTreeMap::new());
        let patch = &out["overlays/dev/shop/delete-networkpolicy-allow-ingress-controller.yaml"];
        assert!(patch.contains("$patch: delete"), "{patch}");
    }
}
