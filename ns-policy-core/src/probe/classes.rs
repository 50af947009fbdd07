//! Equivalence classes of namespaces for `probe --all`: namespaces whose
//! NetworkPolicies are the same (names aside) and which every namespace
//! selector of every policy selects alike behave the same towards the
//! probe pods, so one representative pair per pair of classes is observed
//! and every cell is predicted.
//!
//! The grouping is checked against the prediction of every cell: within
//! each pair of classes, every cell between different namespaces must be
//! predicted alike (and every same-namespace cell alike); a class for which
//! that fails is split into single namespaces. A class never stands for a
//! namespace the prediction tells apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Prediction;
use crate::inventory::{namespace_of, Inventory};

/// A partition of namespaces (indices into the list classified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classes {
    /// Members of each class, in namespace order; classes ordered by their
    /// first member.
    pub members: Vec<Vec<usize>>,
}

/// One class as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassReport {
    /// The namespaces probed for the class (one, or two when it has more
    /// members: the second observes cells between different namespaces of
    /// the class).
    pub representatives: Vec<String>,
    /// Every namespace of the class.
    pub members: Vec<String>,
}

/// What a folded probe observed and predicted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Namespaces selected.
    pub namespaces: usize,
    /// Classes they fall into.
    pub classes: usize,
    /// Ordered class pairs with an observed (or, offline, a computed
    /// representative) cell: all of them.
    pub class_pairs: usize,
    /// Cells predicted: every ordered namespace pair and port.
    pub predicted_cells: usize,
    /// Classes split into single namespaces because the prediction told
    /// their members apart.
    pub split: usize,
}

impl Coverage {
    /// `1000 namespaces in 7 classes; 49 class pairs observed, every cell
    /// (1000000) predicted`.
    pub fn line(&self, observed: bool) -> String {
        format!(
            "{} namespace(s) in {} class(es); {} class pair(s) {}, every cell ({}) predicted{}",
            self.namespaces,
            self.classes,
            self.class_pairs,
            if observed { "observed" } else { "represented" },
            self.predicted_cells,
            if self.split > 0 {
                format!(
                    "; {} class(es) split because their members are predicted apart",
                    self.split
                )
            } else {
                String::new()
            }
        )
    }
}

/// The distinct namespace selectors of every NetworkPolicy (`None`: any
/// label may matter, when cluster or CNI policies select namespaces too).
fn namespace_selectors(set: &Inventory) -> Option<Vec<LabelSelector>> {
    let has_cluster = set.cluster_policies.known().is_none_or(|l| !l.is_empty());
    let has_cni = set.cni_policies.known().is_none_or(|l| !l.is_empty());
    if has_cluster || has_cni {
        return None;
    }
    fn walk(v: &Value, out: &mut BTreeMap<String, LabelSelector>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if k == "namespaceSelector" {
                        if let Ok(sel) = serde_json::from_value::<LabelSelector>(v.clone()) {
                            out.entry(v.to_string()).or_insert(sel);
                        }
                    } else {
                        walk(v, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut all = BTreeMap::new();
    for p in set.network_policies.known().into_iter().flatten() {
        if let Ok(v) = serde_json::to_value(&p.object.spec) {
            walk(&v, &mut all);
        }
    }
    Some(all.into_values().collect())
}

/// What makes namespaces one class: all labels (when any may matter),
/// which namespace selectors select it, its policy specs.
type ClassKey = (Vec<(String, String)>, Vec<bool>, Vec<String>);

/// Groups `namespaces` (each must have a Namespace in `set`) by their
/// NetworkPolicies' specs and the labels policies select them by.
pub fn classify(namespaces: &[String], set: &Inventory) -> Classes {
    let selectors = namespace_selectors(set);
    let mut policies: HashMap<&str, Vec<String>> = HashMap::new();
    for p in set.network_policies.known().into_iter().flatten() {
        let spec = serde_json::to_string(&p.object.spec).unwrap_or_default();
        policies
            .entry(namespace_of(&p.object.metadata))
            .or_default()
            .push(spec);
    }
    for list in policies.values_mut() {
        list.sort();
    }
    let labels: HashMap<&str, BTreeMap<String, String>> = set
        .namespaces
        .iter()
        .filter_map(|n| {
            Some((
                n.object.metadata.name.as_deref()?,
                n.object.metadata.labels.clone().unwrap_or_default(),
            ))
        })
        .collect();
    // The key: which namespace selectors select the namespace (all its
    // labels when any may matter), and its policies.
    let mut by_key: BTreeMap<ClassKey, Vec<usize>> = BTreeMap::new();
    let mut order = Vec::new();
    for (i, ns) in namespaces.iter().enumerate() {
        let all = labels.get(ns.as_str()).cloned().unwrap_or_default();
        let (labels, selected): (Vec<(String, String)>, Vec<bool>) = match &selectors {
            Some(list) => (
                Vec::new(),
                list.iter()
                    .map(|s| crate::selector::matches(s, &all))
                    .collect(),
            ),
            // Any label may matter: the namespace is its own class unless
            // another has every label the same (the name label differs).
            None => (all.into_iter().collect(), Vec::new()),
        };
        let key = (
            labels,
            selected,
            policies.get(ns.as_str()).cloned().unwrap_or_default(),
        );
        let entry = by_key.entry(key.clone()).or_default();
        if entry.is_empty() {
            order.push(key);
        }
        entry.push(i);
    }
    let mut members: Vec<Vec<usize>> = order
        .into_iter()
        .filter_map(|k| by_key.remove(&k))
        .collect();
    members.sort_by_key(|m| m[0]);
    Classes { members }
}

impl Classes {
    /// Every namespace its own class.
    pub fn singletons(n: usize) -> Self {
        Classes {
            members: (0..n).map(|i| vec![i]).collect(),
        }
    }

    /// The class of each namespace.
    fn class_of(&self, n: usize) -> Vec<usize> {
        let mut of = vec![0; n];
        for (c, m) in self.members.iter().enumerate() {
            for &i in m {
                of[i] = c;
            }
        }
        of
    }

    /// Splits every class whose members the prediction tells apart (see the
    /// module docs); returns how many were split.
    pub fn check(&mut self, prediction: &Prediction) -> usize {
        let n = prediction.namespaces();
        let mut split = 0;
        loop {
            let of = self.class_of(n);
            // For each (class, class, same-namespace?, port), the first
            // prediction seen; a class that disagrees is split.
            let mut seen: HashMap<(usize, usize, bool, usize), super::Predicted> = HashMap::new();
            let mut bad: BTreeSet<usize> = BTreeSet::new();
            for (cell, p) in prediction.iter() {
                let key = (of[cell.from], of[cell.to], cell.from == cell.to, cell.port);
                match seen.get(&key) {
                    None => {
                        seen.insert(key, *p);
                    }
                    Some(first) if first != p => {
                        bad.insert(of[cell.from]);
                        bad.insert(of[cell.to]);
                    }
                    Some(_) => {}
                }
            }
            let bad: Vec<usize> = bad
                .into_iter()
                .filter(|c| self.members[*c].len() > 1)
                .collect();
            if bad.is_empty() {
                return split;
            }
            split += bad.len();
            let mut members = Vec::new();
            for (c, m) in std::mem::take(&mut self.members).into_iter().enumerate() {
                if bad.contains(&c) {
                    members.extend(m.into_iter().map(|i| vec![i]));
                } else {
                    members.push(m);
                }
            }
            members.sort_by_key(|m| m[0]);
            self.members = members;
        }
    }

    /// The namespaces to probe: the first member of each class, and the
    /// second of a class with more.
    pub fn representatives(&self) -> Vec<usize> {
        let mut r: Vec<usize> = self
            .members
            .iter()
            .flat_map(|m| m.iter().take(2).copied())
            .collect();
        r.sort_unstable();
        r
    }

    /// The classes by namespace name.
    pub fn report(&self, namespaces: &[String]) -> Vec<ClassReport> {
        self.members
            .iter()
            .map(|m| ClassReport {
                representatives: m.iter().take(2).map(|&i| namespaces[i].clone()).collect(),
                members: m.iter().map(|&i| namespaces[i].clone()).collect(),
            })
            .collect()
    }

    /// The coverage of a probe of the representatives.
    pub fn coverage(&self, namespaces: usize, ports: usize, split: usize) -> Coverage {
        Coverage {
            namespaces,
            classes: self.members.len(),
            class_pairs: self.members.len() * self.members.len(),
            predicted_cells: namespaces * namespaces * ports,
            split,
        }
    }
}
