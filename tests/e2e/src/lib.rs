//! Harness for end-to-end tests against the local cluster built by
//! `tests/cluster/cluster.sh up`.
//!
//! The cluster is found through `NS_POLICY_KUBECONFIG`, else the harness's
//! default kubeconfig `/var/lib/ns-policy-cluster/admin.kubeconfig`. Without a
//! reachable cluster, tests skip with a message locally; with `CI=true` they
//! fail, so CI never passes by skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Default kubeconfig written by `tests/cluster/cluster.sh up`.
pub const DEFAULT_KUBECONFIG: &str = "/var/lib/ns-policy-cluster/admin.kubeconfig";

/// A reachable cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Admin kubeconfig.
    pub kubeconfig: PathBuf,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The local cluster, or `None` (with a message) when there is none and we
/// are not in CI. In CI a missing cluster fails the test.
pub fn cluster() -> Option<Cluster> {
    static FOUND: OnceLock<Result<Cluster, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let path = std::env::var_os("NS_POLICY_KUBECONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_KUBECONFIG));
        if !path.exists() {
            return Err(format!("no kubeconfig at {} (set NS_POLICY_KUBECONFIG or run `bash tests/cluster/cluster.sh up`)", path.display()));
        }
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&path)
            .args(["get", "--raw", "/readyz", "--request-timeout=5s"])
            .output();
        match out {
            Ok(o) if o.status.success() => Ok(Cluster { kubeconfig: path }),
            Ok(o) => Err(format!("cluster at {} is not ready: {}", path.display(), String::from_utf8_lossy(&o.stderr).trim())),
            Err(e) => Err(format!("cannot run kubectl: {e}")),
        }
    });
    match found {
        Ok(c) => Some(c.clone()),
        Err(why) if in_ci() => panic!("CI=true but the local cluster is not available: {why}"),
        Err(why) => {
            // Once per test binary, and around libtest's output capture (which
            // only takes print!/eprint!), so the skip is visible.
            static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            if !SAID.swap(true, Ordering::SeqCst) {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: end-to-end tests need the local cluster: {why}"
                );
            }
            None
        }
    }
}

/// A namespace name unique to this test run.
pub fn unique_name(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{:x}{:x}{}",
        std::process::id() % 4096,
        nanos % 65536,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Path of the plugin binary, built on first use.
pub fn plugin_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&workspace)
            .args(["build", "-q", "-p", "kubectl-ns-policy"])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building kubectl-ns_policy failed");
        let exe = std::env::current_exe().expect("current exe");
        // target/<profile>/deps/<test> -> target/<profile>/kubectl-ns_policy
        let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
        let bin = profile_dir.join("kubectl-ns_policy");
        if bin.exists() {
            bin
        } else {
            workspace.join("target/debug/kubectl-ns_policy")
        }
    })
    .clone()
}

impl Cluster {
    /// Runs the plugin with `--kubeconfig`.
    pub fn plugin(&self, args: &[&str]) -> Output {
        Command::new(plugin_bin())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run kubectl-ns_policy")
    }

    /// Runs kubectl with `--kubeconfig`.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .expect("run kubectl")
    }

    /// Runs kubectl with stdin.
    pub fn kubectl_stdin(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run kubectl");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("kubectl output")
    }

    /// kubectl that must succeed; returns stdout.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A kubeconfig for ServiceAccount `sa` of namespace `ns` (a fresh
    /// token), to run the plugin with that account's permissions only.
    pub fn service_account_kubeconfig(&self, ns: &str, sa: &str) -> PathBuf {
        let token = self.kubectl_ok(&["create", "token", sa, "-n", ns]);
        let server = self.kubectl_ok(&[
            "config",
            "view",
            "--minify",
            "-o",
            "jsonpath={.clusters[0].cluster.server}",
        ]);
        let dir = std::env::temp_dir().join(unique_name("kubeconfig"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("config");
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster: {{server: '{server}', insecure-skip-tls-verify: true}}\ncontexts:\n- name: {sa}\n  context: {{cluster: local, user: {sa}}}\ncurrent-context: {sa}\nusers:\n- name: {sa}\n  user: {{token: '{}'}}\n",
                token.trim()
            ),
        )
        .expect("write kubeconfig");
        path
    }

    /// Runs the plugin with another kubeconfig.
    pub fn plugin_as(&self, kubeconfig: &Path, args: &[&str]) -> Output {
        Command::new(plugin_bin())
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run kubectl-ns_policy")
    }

    /// A guard deleting the namespaces when dropped.
    pub fn guard(&self, names: &[&str]) -> NamespaceGuard {
        NamespaceGuard {
            cluster: self.clone(),
            names: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Waits until `f` returns true or the timeout passes.
    pub fn wait_for(&self, timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if f() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        false
    }
}

/// Deletes its namespaces on drop (without waiting).
pub struct NamespaceGuard {
    cluster: Cluster,
    names: Vec<String>,
}

impl Drop for NamespaceGuard {
    fn drop(&mut self) {
        if self.names.is_empty() {
            return;
        }
        let mut args = vec!["delete", "namespace", "--ignore-not-found", "--wait=false"];
        args.extend(self.names.iter().map(String::as_str));
        let _ = self.cluster.kubectl(&args);
    }
}

/// Exit code of a finished process.
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
