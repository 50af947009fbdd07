//! Completion in a real bash (the script of `completion bash`, driven the
//! way bash's programmable completion calls it) and the `__complete`
//! protocol kubectl's plugin completion uses.

use std::path::PathBuf;
use std::process::Command as Process;

use assert_cmd::cargo::cargo_bin;

/// COMPREPLY after completing `words` (the last is the word being typed)
/// with the sourced script.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("completion.bash");
    let out = Process::new(cargo_bin("kubectl-ns_policy"))
        .args(["completion", "bash"])
        .output()
        .unwrap();
    std::fs::write(&script, &out.stdout).unwrap();
    let line = std::iter::once("kubectl-ns_policy")
        .chain(words.iter().copied())
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let cword = words.len();
    let prev = if cword >= 2 {
        words[cword - 2]
    } else {
        "kubectl-ns_policy"
    };
    let program = format!(
        "source '{}'\nCOMP_WORDS=({line})\nCOMP_CWORD={cword}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n_kubectl__ns_policy kubectl-ns_policy '{}' '{prev}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        words.last().unwrap_or(&"")
    );
    let out = Process::new("bash")
        .arg("-c")
        .arg(program)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_and_the_flags_of_each_subcommand() {
    assert_eq!(bash_complete(&["au"]), ["audit"]);
    let audit = bash_complete(&["audit", "--fa"]);
    assert_eq!(audit, ["--fail-on"], "the audit subcommand's flags");
    let probe = bash_complete(&["probe", "--expect"]);
    assert_eq!(probe, ["--expect-isolated"]);
    let values = bash_complete(&["audit", "-o", "s"]);
    assert_eq!(values, ["sarif"]);
    let diff = bash_complete(&["diff", "--allow"]);
    assert_eq!(diff, ["--allow-opening"]);
}

fn complete(args: &[&str], kubeconfig: Option<&PathBuf>) -> (Vec<String>, String) {
    let mut cmd = Process::new(cargo_bin("kubectl-ns_policy"));
    cmd.arg("__complete")
        .args(args)
        .env("KUBECONFIG", "/nonexistent");
    if let Some(k) = kubeconfig {
        cmd.env("KUBECONFIG", k);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let directive = lines.pop().unwrap_or_default();
    (lines, directive)
}

#[test]
fn plugin_completion_gives_contexts_profiles_checks_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: prod-eu, context: {cluster: c, user: u}}, {name: staging, context: {cluster: c, user: u}}]\ncurrent-context: staging\n",
    )
    .unwrap();
    let (c, d) = complete(&["audit", "--context", ""], Some(&kubeconfig));
    assert_eq!(
        (c, d.as_str()),
        (vec!["prod-eu".to_string(), "staging".into()], ":4")
    );
    let (c, _) = complete(&["audit", "--context", "pr"], Some(&kubeconfig));
    assert_eq!(c, ["prod-eu"]);
    let (c, _) = complete(&["create", "x", "--profile", ""], None);
    assert_eq!(c, ["app", "data", "platform", "preview"]);
    let (c, _) = complete(&["audit", "--check", "rbac.cluster"], None);
    assert_eq!(
        c,
        ["rbac.cluster-admin-binding", "rbac.cluster-role-binding"]
    );
    let (c, _) = complete(&["pro"], None);
    assert_eq!(c, ["probe"]);
    let (c, d) = complete(&["audit", "-f", ""], None);
    assert!(c.is_empty());
    assert_eq!(d, ":0", "file names");
    // Namespaces need the cluster: unreachable, nothing (and no error).
    let (c, d) = complete(&["audit", ""], Some(&kubeconfig));
    assert!(c.is_empty());
    assert_eq!(d, ":4");
}

#[test]
fn the_plugin_completion_executable_forwards_to_the_binary() {
    let script = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kubectl_complete-ns_policy"),
    )
    .unwrap();
    assert!(script.contains("exec kubectl-ns_policy __complete \"$@\""));
}
