//! Container LimitRange defaults.

use super::*;

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
        }
        Some(defaults)
    }
}
