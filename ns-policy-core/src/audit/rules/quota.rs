//! ResourceQuota coverage of cpu/memory and the quantities a profile forbids.

use super::*;
use crate::quantity::Quantity;

impl Ctx<'_, '_> {
    pub(super) fn resource_quota(&mut self) {
        let quotas = match &self.snap.resource_quotas {
            Access::Known(q) => q,
            Access::Forbidden(m) => {
                for id in [
                    "resource-quota.missing",
                    "resource-quota.incomplete",
                    "resource-quota.not-zero",
                ] {
                    self.unknown(id, m);
                }
                return;
            }
        };
        let ns = self.ns;
        if quotas.is_empty() {
            let fix = self.fix_with("ResourceQuota", "");
            self.push_ns(
                "resource-quota.missing",
                Severity::Error,
                format!("Namespace {ns} has no ResourceQuota: cpu and memory are unbounded"),
                fix,
            );
            return;
        }
        let (unscoped, scoped): (Vec<&Item<_>>, Vec<&Item<_>>) =
            quotas.iter().copied().partition(|q| {
                q.object.spec.as_ref().is_none_or(|s| {
                    s.scopes.as_ref().is_none_or(Vec::is_empty) && s.scope_selector.is_none()
                })
            });
        let hard_of = |resource: &str| -> Vec<(String, String, Option<String>)> {
            unscoped
                .iter()
                .filter_map(|q| {
                    let hard = q.object.spec.as_ref()?.hard.as_ref()?;
                    let alias = resource.strip_prefix("requests.");
                    hard.get(resource)
                        .or_else(|| alias.and_then(|a| hard.get(a)))
                        .map(|v| {
                            (
                                name_of(&q.object.metadata).to_string(),
                                v.0.clone(),
                                q.source_string(),
                            )
                        })
                })
                .collect()
        };
        let missing: Vec<&str> = QUOTA_REQUIRED
            .iter()
            .copied()
            .filter(|r| hard_of(r).is_empty())
            .collect();
        if !missing.is_empty() {
            let mut considered: Vec<String> = unscoped
                .iter()
                .map(|q| format!("ResourceQuota/{}", name_of(&q.object.metadata)))
                .collect();
            if considered.is_empty() {
                considered.push("none".into());
            }
            let mut msg = format!(
                "No ResourceQuota of namespace {ns} limits {} (spec.hard; quotas covering all pods: {})",
                missing.join(", "),
                considered.join(", ")
            );
            if !scoped.is_empty() {
                let names: Vec<String> = scoped
                    .iter()
                    .map(|q| format!("ResourceQuota/{}", name_of(&q.object.metadata)))
                    .collect();
                msg.push_str(&format!(
                    "; {} only cover(s) some pods (spec.scopes/scopeSelector) and do(es) not count",
                    names.join(", ")
                ));
            }
            let (object, source) = match unscoped.as_slice() {
                [one] => (
                    Some(format!("ResourceQuota/{}", name_of(&one.object.metadata))),
                    one.source.as_ref(),
                ),
                _ => (None, None),
            };
            let fix = self.fix_with("ResourceQuota", "");
            self.push(
                "resource-quota.incomplete",
                Severity::Error,
                msg,
                fix,
                object,
                source,
            );
        }
        let zero: Vec<String> = self
            .profile
            .quota
            .iter()
            .filter(|(_, v)| is_zero_quantity(v))
            .map(|(k, _)| k.clone())
            .collect();
        for resource in zero {
            let hard = hard_of(&resource);
            if hard.iter().any(|(_, v, _)| is_zero_quantity(v)) {
                continue;
            }
            let (msg, object, source) = match hard.first() {
                Some((name, v, src)) => (
                    format!(
                        "ResourceQuota/{name} spec.hard[{resource:?}] is {v}, but profile {} forbids {resource} (must be 0)",
                        self.profile_name
                    ),
                    Some(format!("ResourceQuota/{name}")),
                    src.clone(),
                ),
                None => (
                    format!(
                        "No ResourceQuota of namespace {ns} sets spec.hard[{resource:?}] to 0, \
                         but profile {} forbids {resource}",
                        self.profile_name
                    ),
                    None,
                    None,
                ),
            };
            let fix = self.fix_with("ResourceQuota", "");
            self.findings.push(Finding {
                check: "resource-quota.not-zero".into(),
                category: Category::ResourceQuota,
                severity: Severity::Error,
                message: msg,
                remediation: fix,
                object,
                source,
                field: None,
            });
        }
        // Every other value of the profile: the tightest quota covering all
        // pods is what applies.
        let mut missing = Vec::new();
        let mut looser = Vec::new();
        let mut stricter = Vec::new();
        let mut objects = BTreeSet::new();
        for (resource, want) in &self.profile.quota {
            let Ok(want_q) = Quantity::parse(want) else {
                continue;
            };
            let hard = hard_of(resource);
            if want_q.is_zero() || (hard.is_empty() && QUOTA_REQUIRED.contains(&resource.as_str()))
            {
                continue; // reported by not-zero / incomplete
            }
            let effective = hard
                .iter()
                .filter_map(|(n, v, _)| Quantity::parse(v).ok().map(|q| (q, n, v)))
                .min_by(|a, b| a.0.cmp(&b.0));
            match effective {
                None => missing.push(format!("{resource} (profile: {want})")),
                Some((have, name, v)) if have != want_q => {
                    objects.insert(name.clone());
                    let text = format!("ResourceQuota/{name} {resource}: {v}, profile: {want}");
                    if have > want_q {
                        looser.push(text);
                    } else {
                        stricter.push(text);
                    }
                }
                Some(_) => {}
            }
        }
        let profile = self.profile_name;
        let (object, source) = match unscoped.as_slice() {
            [one] => (
                Some(format!("ResourceQuota/{}", name_of(&one.object.metadata))),
                one.source.as_ref(),
            ),
            _ => (None, None),
        };
        for (list, severity, what) in [
            (
                &missing,
                Severity::Error,
                "no ResourceQuota covering all pods limits",
            ),
            (
                &looser,
                Severity::Error,
                "quota values are above the profile's",
            ),
            (
                &stricter,
                Severity::Warning,
                "quota values are below the profile's",
            ),
        ] {
            if list.is_empty() {
                continue;
            }
            let fix = self.fix_with("ResourceQuota", "");
            self.push(
                "resource-quota.value-drift",
                severity,
                format!(
                    "Namespace {ns} differs from profile {profile}: {what}: {}",
                    list.join("; ")
                ),
                fix,
                object.clone(),
                source,
            );
        }
    }
}
