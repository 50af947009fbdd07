//! A fuzz harness over the three parsers of untrusted input — the manifest
//! loader, the baseline parser and the `--set` parser — with a byte budget:
//! every input must be refused or accepted without a panic, and without
//! allocating more than a fixed multiple of its size (alias bombs, nesting,
//! long strings). The budget is enforced by a counting global allocator: an
//! input that needs more makes the allocation fail and this test binary
//! abort, which fails the test.
//!
//! Runs in CI for a bounded time: `FUZZ_CASES` inputs per parser (default
//! 400; e.g. `FUZZ_CASES=20000 cargo test --test fuzz_budget` for longer).

use std::alloc::System;

use cap::Cap;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use ns_policy_core::baseline::overrides::{self, Overrides};
use ns_policy_core::baseline::{Baseline, BUILTIN_YAML};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// What one parse of `len` bytes of input may allocate at most: the alias
/// budget (64 MiB), 64 bytes per input byte, and room for the process.
fn budget(len: usize) -> usize {
    (64 << 20) + 64 * len + (32 << 20)
}

/// Serializes the measured sections (the limit is process-wide).
static MEASURED: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` with the allocation limit set to the budget of `len` bytes.
fn within_budget<T>(len: usize, f: impl FnOnce() -> T) -> T {
    let _one_at_a_time = MEASURED.lock().unwrap_or_else(|e| e.into_inner());
    let before = ALLOCATOR.allocated();
    ALLOCATOR
        .set_limit(before + budget(len))
        .expect("limit above what is allocated");
    let out = f();
    ALLOCATOR.set_limit(usize::MAX).expect("limit lifted");
    out
}

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// A YAML scalar, plain or quoted, sometimes long or odd.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,12}",
        "[0-9]{1,6}",
        Just("yes".to_string()),
        Just("~".to_string()),
        Just("'quoted'".to_string()),
        Just("\"\\u0007esc\\e\"".to_string()),
        (1usize..20_000).prop_map(|n| "x".repeat(n)),
        ".{0,20}",
    ]
}

/// YAML documents built from keys, anchors, aliases, merge keys, flow
/// collections and nesting: the shapes alias bombs and parser bugs hide in.
fn yaml_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        (scalar(), scalar()).prop_map(|(k, v)| format!("{k}: {v}")),
        (0u8..4, scalar()).prop_map(|(i, v)| format!("a{i}: &a{i} {v}")),
        (0u8..4, 1usize..200).prop_map(|(i, n)| format!(
            "l{i}: [{}]",
            vec![format!("*a{i}"); n].join(", ")
        )),
        (0u8..4).prop_map(|i| format!("<<: *a{i}")),
        (1usize..300).prop_map(|d| format!("d: {}{}", "[".repeat(d), "]".repeat(d))),
        Just("---".to_string()),
        Just("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fuzz".to_string()),
        Just(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: fuzz}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 300.1.2.3/40}}], ports: [{port: 70000, endPort: 1}]}]"
                .to_string()
        ),
        "[ -~]{0,40}",
    ];
    prop::collection::vec(line, 0..40).prop_map(|l| l.join("\n"))
}

/// Random edits of a known-good text: bytes replaced, inserted, deleted,
/// lines repeated, aliases added.
fn mutated(seed: &'static str) -> impl Strategy<Value = String> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| (0u8, at, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| (1u8, at, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| (2u8, at, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| (3u8, at, b)),
    ];
    prop::collection::vec(edit, 0..12).prop_map(move |edits| {
        let mut bytes = seed.as_bytes().to_vec();
        for (kind, at, b) in edits {
            let at = at % (bytes.len() + 1);
            match kind {
                0 if at < bytes.len() => bytes[at] = b,
                1 => bytes.insert(at, b),
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let lines: Vec<&str> = text.lines().collect();
                    if lines.is_empty() {
                        continue;
                    }
                    let l = lines[at % lines.len()];
                    bytes.extend_from_slice(
                        format!("\n{}\n", l.repeat(1 + b as usize % 8)).as_bytes(),
                    );
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn set_arg() -> impl Strategy<Value = String> {
    let path = prop_oneof![
        Just("quota.requests.cpu"),
        Just("quota.pods"),
        Just("quota.count/deployments.apps"),
        Just("limitRange.max.cpu"),
        Just("limitRange.default.memory"),
        Just("limitRange.maxLimitRequestRatio.cpu"),
        Just("podSecurity.level"),
        Just("podSecurity.version"),
        Just("network.allowDns"),
        Just("labels.team"),
        Just("annotations.x"),
        Just("ttl"),
        Just(""),
    ];
    let value = prop_oneof![
        "-?[0-9]{1,25}(\\.[0-9]{0,12})?(m|k|Ki|Mi|Gi|Ei|e[0-9]{1,3}|E-?[0-9]{1,2})?",
        "[0-9]{1,12}[smhdw]",
        Just("999999999d".to_string()),
        Just("restricted".to_string()),
        Just("v1.999999999999".to_string()),
        "[ -~]{0,30}",
    ];
    (path, value, any::<bool>()).prop_map(|(p, v, unset)| {
        if unset {
            format!("{p}-")
        } else {
            format!("{p}={v}")
        }
    })
}

#[test]
fn parsers_refuse_or_accept_every_input_within_the_byte_budget() {
    // The manifest loader, on generated YAML.
    runner()
        .run(&yaml_text(), |text| {
            let _ = within_budget(text.len(), || {
                ns_policy_core::manifests::load_str(&text, "f.yaml").is_ok()
            });
            Ok(())
        })
        .expect("manifest loader");
    // The manifest loader, on edits of real manifests.
    let seed: &'static str = include_str!("fixtures/manifests/multi.yaml");
    runner()
        .run(&mutated(seed), |text| {
            let _ = within_budget(text.len(), || {
                ns_policy_core::manifests::load_str(&text, "f.yaml").is_ok()
            });
            Ok(())
        })
        .expect("manifest loader, mutated");
    // The baseline parser, on edits of the built-in baseline.
    runner()
        .run(&mutated(BUILTIN_YAML), |text| {
            let _ = within_budget(text.len(), || Baseline::parse(&text, "b.yaml").is_ok());
            Ok(())
        })
        .expect("baseline parser");
    // The baseline parser, on generated YAML.
    runner()
        .run(&yaml_text(), |text| {
            let _ = within_budget(text.len(), || Baseline::parse(&text, "b.yaml").is_ok());
            Ok(())
        })
        .expect("baseline parser, generated");
    // --set: parsed, merged and applied to a profile.
    let baseline = Baseline::builtin();
    let app = baseline.profile("app").expect("app").clone();
    runner()
        .run(&prop::collection::vec(set_arg(), 0..6), |args| {
            let len: usize = args.iter().map(String::len).sum();
            within_budget(len, || {
                if let Ok(parsed) = overrides::parse_set_args(&args) {
                    let merged = overrides::merge(Overrides::new(), &parsed);
                    let _ = overrides::apply(&app, &merged);
                }
            });
            Ok(())
        })
        .expect("--set parser");
}

#[test]
fn the_issues_alias_bomb_is_refused_within_the_budget() {
    // 1 MiB: a 512 KiB string aliased 100,000 times (50 GB expanded).
    let long = "x".repeat(512 << 10);
    let text = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    s: &s {long}\n  annotations:\n    l: [{}]\n",
        vec!["*s"; 100_000].join(", ")
    );
    let err = within_budget(text.len(), || {
        ns_policy_core::manifests::load_str(&text, "bomb.yaml").map_err(|e| e.to_string())
    })
    .expect_err("refused");
    assert!(err.contains("alias bomb"), "{err}");
}
