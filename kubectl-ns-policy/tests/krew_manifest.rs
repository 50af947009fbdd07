//! The krew manifest is a valid krew `Plugin` (the fields krew's validation
//! requires: krew docs, plugin-manifest.md).

mod common;
use common::tool;

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
fn krew_manifest_covers_linux_darwin_and_windows_on_amd64_and_arm64_with_our_binary() {
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
        let exe = if os == "windows" { ".exe" } else { "" };
        assert_eq!(s(p, "bin"), format!("kubectl-ns_policy{exe}"));
        let files: Vec<&str> = p["files"]
            .as_sequence()
            .expect("files list")
            .iter()
            .map(|f| s(f, "from"))
            .collect();
        assert!(
            files.contains(&"LICENSE"),
            "krew-index wants the license installed"
        );
        assert!(files.contains(&s(p, "bin")));
        assert!(seen.insert((os, arch)), "duplicate platform");
    }
    for os in ["linux", "darwin", "windows"] {
        for arch in ["amd64", "arm64"] {
            assert!(
                seen.contains(&(os.to_string(), arch.to_string())),
                "{os}/{arch} missing"
            );
        }
    }
}

fn run(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_release_archive_installs_with_krew_and_the_manifest_passes_krews_validation() {
    let tools = "/var/cache/ns-policy-tools/go-bin-v0.4.3";
    let (Some(krew), Some(validate)) = (
        tool("KREW", &format!("{tools}/krew")),
        tool("VALIDATE_KREW", &format!("{tools}/validate-krew-manifest")),
    ) else {
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");

    // The full manifest, as krew-index would check it (the archives are not
    // downloadable from here: structure, selectors, overlaps).
    let full = work.path().join("index");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::copy(root.join("krew-manifest.yaml"), full.join("ns-policy.yaml")).unwrap();
    run(std::process::Command::new(&validate)
        .arg("-manifest")
        .arg(full.join("ns-policy.yaml"))
        .arg("-skip-install"));

    // The host archive, built and installed as a user would.
    let archive = run(std::process::Command::new("bash")
        .arg(root.join("release/release.sh"))
        .args(["package", "--profile", "debug", "--dist"])
        .arg(&dist));
    let archive = std::path::PathBuf::from(archive.trim());
    let name = archive.file_name().unwrap().to_str().unwrap().to_string();
    let host = if cfg!(target_arch = "aarch64") {
        "linux/arm64"
    } else {
        "linux/amd64"
    };
    run(std::process::Command::new("bash")
        .arg(root.join("release/release.sh"))
        .args(["manifest", "--partial", "--dist"])
        .arg(&dist)
        .args(["--platform", &format!("{host}={name}")]));
    let krew_root = work.path().join("krew");
    run(std::process::Command::new(&krew)
        .arg("install")
        .arg(format!(
            "--manifest={}",
            dist.join("ns-policy.yaml").display()
        ))
        .arg(format!("--archive={}", archive.display()))
        .env("KREW_ROOT", &krew_root));
    let store = krew_root.join("store/ns-policy");
    let version_dir = std::fs::read_dir(&store)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for f in ["LICENSE", "kubectl-ns_policy", "kubectl_complete-ns_policy"] {
        assert!(
            version_dir.join(f).is_file(),
            "{f} installed in {}",
            version_dir.display()
        );
    }
    let path = format!(
        "{}:{}",
        krew_root.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = run(std::process::Command::new("kubectl")
        .args(["ns-policy", "version"])
        .env("PATH", path));
    assert!(
        out.starts_with(&format!("kubectl-ns-policy {}", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    assert!(out.contains("Kubernetes API 1.33"), "{out}");
}
