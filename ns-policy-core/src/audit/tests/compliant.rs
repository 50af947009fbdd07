//! The compliant bundle: every profile passes and every check ID is registered.

use super::*;

#[test]
fn rendered_bundle_of_every_profile_passes() {
    for profile in ["app", "preview", "platform", "data"] {
        let r = rendered(profile).audit();
        assert_eq!(r.profile, profile);
        assert_clean(&r);
    }
}

#[test]
fn every_reported_check_id_is_registered_with_its_category() {
    for c in crate::checks::CHECKS {
        assert_eq!(crate::checks::category_of(c.id), c.category, "{}", c.id);
    }
}
