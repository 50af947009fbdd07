//! Cases of the restricted-only checks, and of Windows pods skipping the
//! Linux-only ones.

use serde_json::{json, Value};

use super::{c, case, Case, NONE};

pub(super) fn cases() -> Vec<Case> {
    vec![
        // ---- allowPrivilegeEscalation
        case(
            "allowPrivilegeEscalation true",
            vec![(c("/allowPrivilegeEscalation"), json!(true))],
            NONE,
            &["allowPrivilegeEscalation"],
        ),
        case(
            "allowPrivilegeEscalation unset on init",
            vec![(
                "/spec/initContainers/0/securityContext/allowPrivilegeEscalation",
                Value::Null,
            )],
            NONE,
            &["allowPrivilegeEscalation"],
        ),
        // ---- runAsNonRoot
        case(
            "runAsNonRoot pod false",
            vec![("/spec/securityContext/runAsNonRoot", json!(false))],
            NONE,
            &["runAsNonRoot"],
        ),
        case(
            "runAsNonRoot pod unset",
            vec![("/spec/securityContext/runAsNonRoot", Value::Null)],
            NONE,
            &["runAsNonRoot"],
        ),
        case(
            "runAsNonRoot container false overrides pod true",
            vec![(c("/runAsNonRoot"), json!(false))],
            NONE,
            &["runAsNonRoot"],
        ),
        case(
            "runAsNonRoot pod unset, every container true",
            vec![
                ("/spec/securityContext/runAsNonRoot", Value::Null),
                (c("/runAsNonRoot"), json!(true)),
                (
                    "/spec/initContainers/0/securityContext/runAsNonRoot",
                    json!(true),
                ),
                (
                    "/spec/ephemeralContainers/0/securityContext/runAsNonRoot",
                    json!(true),
                ),
            ],
            NONE,
            NONE,
        ),
        case(
            "runAsNonRoot pod false, every container true",
            vec![
                ("/spec/securityContext/runAsNonRoot", json!(false)),
                (c("/runAsNonRoot"), json!(true)),
                (
                    "/spec/initContainers/0/securityContext/runAsNonRoot",
                    json!(true),
                ),
                (
                    "/spec/ephemeralContainers/0/securityContext/runAsNonRoot",
                    json!(true),
                ),
            ],
            NONE,
            &["runAsNonRoot"],
        ),
        case(
            "runAsNonRoot unset with hostUsers false",
            vec![
                ("/spec/securityContext/runAsNonRoot", Value::Null),
                ("/spec/hostUsers", json!(false)),
            ],
            NONE,
            NONE,
        ),
        // ---- runAsUser
        case(
            "runAsUser pod 0",
            vec![("/spec/securityContext/runAsUser", json!(0))],
            NONE,
            &["runAsUser"],
        ),
        case(
            "runAsUser container 0",
            vec![(c("/runAsUser"), json!(0))],
            NONE,
            &["runAsUser"],
        ),
        case(
            "runAsUser ephemeral 0",
            vec![(
                "/spec/ephemeralContainers/0/securityContext/runAsUser",
                json!(0),
            )],
            NONE,
            &["runAsUser"],
        ),
        case(
            "runAsUser unset",
            vec![
                ("/spec/securityContext/runAsUser", Value::Null),
                (c("/runAsUser"), Value::Null),
            ],
            NONE,
            NONE,
        ),
        case(
            "runAsUser 0 with hostUsers false",
            vec![
                ("/spec/securityContext/runAsUser", json!(0)),
                ("/spec/hostUsers", json!(false)),
            ],
            NONE,
            NONE,
        ),
        case(
            "hostUsers true",
            vec![("/spec/hostUsers", json!(true))],
            NONE,
            NONE,
        ),
        // ---- Windows pods skip the Linux-only restricted checks
        case(
            "windows pod without linux-only settings",
            vec![
                ("/spec/os", json!({"name": "windows"})),
                ("/spec/securityContext/seccompProfile", Value::Null),
                (c("/seccompProfile"), Value::Null),
                (c("/capabilities"), Value::Null),
                (c("/allowPrivilegeEscalation"), Value::Null),
                ("/spec/initContainers/0/securityContext", Value::Null),
            ],
            NONE,
            NONE,
        ),
        case(
            "linux pod without linux-only settings",
            vec![
                ("/spec/os", json!({"name": "linux"})),
                ("/spec/securityContext/seccompProfile", Value::Null),
                (c("/seccompProfile"), Value::Null),
            ],
            NONE,
            &["seccompProfile_restricted"],
        ),
        case(
            "windows pod still bound by runAsNonRoot",
            vec![
                ("/spec/os", json!({"name": "windows"})),
                ("/spec/securityContext/runAsNonRoot", json!(false)),
            ],
            NONE,
            &["runAsNonRoot"],
        ),
        // Upstream quirk: seccompProfile_restricted overrides the baseline
        // check and skips Windows pods, so Unconfined passes restricted there.
        case(
            "windows pod with Unconfined seccomp",
            vec![
                ("/spec/os", json!({"name": "windows"})),
                (
                    "/spec/securityContext/seccompProfile/type",
                    json!("Unconfined"),
                ),
            ],
            &["seccompProfile_baseline"],
            NONE,
        ),
    ]
}
