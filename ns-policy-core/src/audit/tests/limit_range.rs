//! `limit-range.*` checks: a LimitRange with container defaults.

use super::*;

#[test]
fn limit_range_missing_or_without_container_defaults() {
    let mut f = rendered("app");
    f.limit_ranges.clear();
    assert_eq!(ids(&f.audit()), ["limit-range.missing"]);
    f.limit_ranges.push(
        serde_json::from_value(
            json!({"metadata": {"name": "max-only"}, "spec": {"limits": [
                {"type": "Container", "max": {"cpu": "2"}},
                {"type": "Pod", "default": {"cpu": "1"}, "defaultRequest": {"cpu": "1"}}
            ]}}),
        )
        .unwrap(),
    );
    let r = f.audit();
    assert_eq!(ids(&r), ["limit-range.no-container-defaults"]);
    assert_eq!(r.findings[0].object.as_deref(), Some("LimitRange/max-only"));
}
