//! Container LimitRange defaults.

use super::*;
use crate::quantity::Quantity;

impl Ctx<'_, '_> {
    /// Returns what the Container LimitRange defaults fill in (`None` when
    /// unknown).
    pub(super) fn limit_range(&mut self) -> Option<Defaults> {
        let lrs = match &self.snap.limit_ranges {
            Access::Known(l) => l,
            Access::Forbidden(m) => {
                for id in ["limit-range.missing", "limit-range.no-container-defaults"] {
                    self.unknown(id, m);
                }
                return None;
            }
        };
        let ns = self.ns;
        let mut defaults = Defaults::new();
        let mut complete = false;
        for lr in lrs {
            for item in lr
                .object
                .spec
                .as_ref()
                .map(|s| s.limits.as_slice())
                .unwrap_or_default()
            {
                if item.type_ != "Container" {
                    continue;
                }
                let d = item.default.as_ref().filter(|m| !m.is_empty());
                let dr = item.default_request.as_ref().filter(|m| !m.is_empty());
                complete |= d.is_some() && dr.is_some();
                for r in d.into_iter().flat_map(|m| m.keys()) {
                    defaults.insert(format!("limits.{r}"));
                    // A request defaults to the limit when only the limit is set.
                    defaults.insert(format!("requests.{r}"));
                }
                for r in dr.into_iter().flat_map(|m| m.keys()) {
                    defaults.insert(format!("requests.{r}"));
                }
            }
        }
        if lrs.is_empty() {
            let fix = self.fix_with("LimitRange", "");
            self.push_ns(
                "limit-range.missing",
                Severity::Error,
                format!(
                    "Namespace {ns} has no LimitRange: containers without requests/limits get none \
                     (and are rejected by the quota)"
                ),
                fix,
            );
        } else if !complete {
            let names: Vec<String> = lrs
                .iter()
                .map(|l| format!("LimitRange/{}", name_of(&l.object.metadata)))
                .collect();
            let (object, source) = match lrs.as_slice() {
                [one] => (
                    Some(format!("LimitRange/{}", name_of(&one.object.metadata))),
                    one.source.as_ref(),
                ),
                _ => (None, None),
            };
            let fix = self.fix_with("LimitRange", "");
            self.push(
                "limit-range.no-container-defaults",
                Severity::Error,
                format!(
                    "No item of type Container with both default and defaultRequest in {} (spec.limits)",
                    names.join(", ")
                ),
                fix,
                object,
                source,
            );
        } else {
            self.limit_range_values(lrs);
        }
        Some(defaults)
    }

    /// Compares the effective Container limits with the profile's, as the
    /// LimitRanger admission applies several LimitRanges: defaults from the
    /// first (by name) that sets them, the smallest max and ratio, the
    /// largest min.
    fn limit_range_values(&mut self, lrs: &[&Item<k8s_openapi::api::core::v1::LimitRange>]) {
        let mut sorted: Vec<_> = lrs.to_vec();
        sorted.sort_by(|a, b| name_of(&a.object.metadata).cmp(name_of(&b.object.metadata)));
        let items: Vec<_> = sorted
            .iter()
            .flat_map(|lr| {
                lr.object
                    .spec
                    .as_ref()
                    .map(|s| s.limits.as_slice())
                    .unwrap_or_default()
            })
            .filter(|i| i.type_ == "Container")
            .collect();
        let lr = &self.profile.limit_range;
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        for f in Bound::ALL {
            for (resource, v) in f.profile(lr) {
                let Ok(want) = Quantity::parse(v) else {
                    continue;
                };
                let have = f.effective(&items, resource);
                let text = match &have {
                    None => format!("{}.{resource} unset (profile: {v})", f.name()),
                    Some(h) if *h != want => format!("{}.{resource}: {h}, profile: {v}", f.name()),
                    Some(_) => continue,
                };
                if f.looser(have.as_ref(), &want) {
                    errors.push(text);
                } else {
                    warnings.push(text);
                }
            }
        }
        let (object, source) = match lrs {
            [one] => (
                Some(format!("LimitRange/{}", name_of(&one.object.metadata))),
                one.source.as_ref(),
            ),
            _ => (None, None),
        };
        let (ns, profile) = (self.ns, self.profile_name);
        for (list, severity, what) in [
            (
                errors,
                Severity::Error,
                "container limits looser than the profile's",
            ),
            (
                warnings,
                Severity::Warning,
                "container limits differ from the profile's",
            ),
        ] {
            if list.is_empty() {
                continue;
            }
            let fix = self.fix_with("LimitRange", "");
            self.push(
                "limit-range.value-drift",
                severity,
                format!(
                    "Namespace {ns} has {what} (profile {profile}, type Container): {}",
                    list.join("; ")
                ),
                fix,
                object.clone(),
                source,
            );
        }
    }
}

/// A field of a Container LimitRange item.
#[derive(Clone, Copy)]
enum Bound {
    Max,
    Min,
    Ratio,
    Default,
    DefaultRequest,
}

type QuantityMap = BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>;

impl Bound {
    const ALL: [Bound; 5] = [
        Bound::Max,
        Bound::Min,
        Bound::Ratio,
        Bound::Default,
        Bound::DefaultRequest,
    ];

    fn name(self) -> &'static str {
        match self {
            Bound::Max => "max",
            Bound::Min => "min",
            Bound::Ratio => "maxLimitRequestRatio",
            Bound::Default => "default",
            Bound::DefaultRequest => "defaultRequest",
        }
    }

    fn profile(self, lr: &crate::baseline::LimitRangeSpec) -> &BTreeMap<String, String> {
        match self {
            Bound::Max => &lr.max,
            Bound::Min => &lr.min,
            Bound::Ratio => &lr.max_limit_request_ratio,
            Bound::Default => &lr.default,
            Bound::DefaultRequest => &lr.default_request,
        }
    }

    fn of(self, item: &k8s_openapi::api::core::v1::LimitRangeItem) -> Option<&QuantityMap> {
        match self {
            Bound::Max => item.max.as_ref(),
            Bound::Min => item.min.as_ref(),
            Bound::Ratio => item.max_limit_request_ratio.as_ref(),
            Bound::Default => item.default.as_ref(),
            Bound::DefaultRequest => item.default_request.as_ref(),
        }
    }

    /// What admission applies over several items: the first default (by
    /// LimitRange name), the smallest max and ratio, the largest min.
    fn effective(
        self,
        items: &[&k8s_openapi::api::core::v1::LimitRangeItem],
        resource: &str,
    ) -> Option<Quantity> {
        let mut values = items
            .iter()
            .filter_map(|i| self.of(i)?.get(resource))
            .filter_map(|q| Quantity::parse(&q.0).ok());
        match self {
            Bound::Default | Bound::DefaultRequest => values.next(),
            Bound::Min => values.max(),
            Bound::Max | Bound::Ratio => values.min(),
        }
    }

    /// True when `have` lets containers do more than `want`.
    fn looser(self, have: Option<&Quantity>, want: &Quantity) -> bool {
        match (self, have) {
            (Bound::Default | Bound::DefaultRequest, _) => false,
            (_, None) => true,
            (Bound::Min, Some(h)) => h < want,
            (Bound::Max | Bound::Ratio, Some(h)) => h > want,
        }
    }
}
