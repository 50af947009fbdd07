//! Records the commit the binary is built from (`version`): the
//! `NS_POLICY_COMMIT` environment variable when set (release builds), else
//! `git rev-parse --short=12 HEAD`, else "unknown".

fn main() {
    println!("cargo:rerun-if-env-changed=NS_POLICY_COMMIT");
    println!("cargo:rerun-if-changed=../.git/HEAD");
    println!("cargo:rerun-if-changed=../.git/refs/heads");
    let commit = std::env::var("NS_POLICY_COMMIT").ok().or_else(|| {
        std::process::Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    });
    println!(
        "cargo:rustc-env=NS_POLICY_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
}
