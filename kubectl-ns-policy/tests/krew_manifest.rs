//! The krew manifest is a valid krew `Plugin` (the fields krew's validation
//! requires: krew docs, plugin-manifest.md).

use std::collections::BTreeSet;

fn manifest() -> serde_yaml::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../krew-manifest.yaml");
    let text = std::fs::read_to_string(path).expect("krew-manifest.yaml at the repository root");
    serde_yaml::from_str(&text).expect("krew-manifest.yaml is YAML")
}

fn s<'a>(v: &'a serde_yaml::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} must be a string"))
}

#[test]
fn krew_manifest_is_a_valid_plugin_for_ns_policy() {
    let m = manifest();
    assert_eq!(
        s(&m, "apiVersion"),
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(s(&m, "kind"), "Plugin");
    assert_eq!(s(&m["metadata"], "name"), "ns-policy");
    let spec = &m["spec"];
    let version = s(spec, "version");
    let semver = version.strip_prefix('v').expect("version starts with v");
    assert_eq!(
        semver.split('.').count(),
        3,
        "version {version} is vMAJOR.MINOR.PATCH"
    );
    assert!(
        semver.split('.').all(|p| p.parse::<u64>().is_ok()),
        "{version}"
    );
    assert_eq!(
        semver,
        env!("CARGO_PKG_VERSION"),
        "krew version matches the crate version"
    );
    assert!(s(spec, "homepage").starts_with("https://"));
    let short = s(spec, "shortDescription");
    assert!(
        !short.is_empty() && short.len() <= 50,
        "shortDescription is short: {short:?}"
    );
    assert!(!s(spec, "description").trim().is_empty());
}

#[test]
fn krew_manifest_covers_linux_and_darwin_on_amd64_and_arm64_with_our_binary() {
    let m = manifest();
    let platforms = m["spec"]["platforms"]
        .as_sequence()
        .expect("platforms list");
    let mut seen = BTreeSet::new();
    for p in platforms {
        let labels = &p["selector"]["matchLabels"];
        let os = s(labels, "os").to_string();
        let arch = s(labels, "arch").to_string();
        assert!(s(p, "uri").starts_with("https://"), "uri is https");
        assert!(s(p, "uri").contains(&format!("v{}", env!("CARGO_PKG_VERSION"))));
        let sha = s(p, "sha256");
        assert!(
            sha.len() == 64
                && sha
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "sha256 {sha}"
        );
        assert_eq!(s(p, "bin"), "kubectl-ns_policy");
        assert!(seen.insert((os, arch)), "duplicate platform");
    }
    for os in ["linux", "darwin"] {
        for arch in ["amd64", "arm64"] {
            assert!(
                seen.contains(&(os.to_string(), arch.to_string())),
                "{os}/{arch} missing"
            );
        }
    }
}
