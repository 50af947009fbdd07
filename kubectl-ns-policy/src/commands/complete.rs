//! Shell completion: the static scripts of `completion SHELL`, and the
//! dynamic candidates of `__complete` (kubectl's plugin completion, kubectl
//! 1.26+, through the `kubectl_complete-ns_policy` executable): namespaces
//! from the cluster, contexts from the kubeconfig, profiles from the
//! baseline, check IDs from the catalogue, flags and values from the CLI.

use std::time::Duration;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, Global};
use crate::printer::Printer;
use crate::ExitStatus;

/// Cobra's directive: do not fall back to file names.
const NO_FILE: u8 = 4;
/// Cobra's directive: the shell's default (file names).
const DEFAULT: u8 = 0;

/// The script of `completion SHELL`, for the binary `kubectl-ns_policy`.
pub(super) fn script(shell: clap_complete::Shell) -> String {
    // The command's display name is "kubectl ns-policy"; the scripts must
    // use the executable's name throughout, or bash's case labels for the
    // subcommands never match.
    let mut cmd = Cli::command().bin_name("kubectl-ns_policy");
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kubectl-ns_policy", &mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        // clap_complete names bash's per-subcommand branches by turning
        // every '-' of the binary's name into its subcommand separator
        // (`kubectl__subcmd__ns_policy__subcmd__audit`) but the dispatch
        // into them by turning it into `__` (`kubectl__ns_policy__subcmd__audit`):
        // no subcommand's flags would ever complete. Use one spelling.
        clap_complete::Shell::Bash => {
            text.replace("kubectl__subcmd__ns_policy", "kubectl__ns_policy")
        }
        _ => text,
    }
}

/// What a word after the subcommand asks for.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Namespaces,
    Contexts,
    Profiles,
    Checks,
    Files,
    Values(Vec<String>),
    Flags,
    Subcommands,
    Nothing,
}

/// Decides what to complete from the words (pure: no I/O).
fn wanted(words: &[String]) -> Wanted {
    let Some((current, before)) = words.split_last() else {
        return Wanted::Subcommands;
    };
    let root = Cli::command();
    let sub = before
        .iter()
        .find(|w| !w.starts_with('-'))
        .and_then(|name| {
            root.get_subcommands()
                .find(|c| c.get_name() == name)
                .cloned()
        });
    let prev = before.last().map(String::as_str);
    // A flag's value: `--context X` (or `--context=X`).
    let (flag, _) = match current.split_once('=') {
        Some((f, v)) if current.starts_with("--") => (Some(f.to_string()), v),
        _ => (
            prev.filter(|p| p.starts_with('-')).map(str::to_string),
            current.as_str(),
        ),
    };
    if let Some(flag) = flag {
        let args = sub
            .as_ref()
            .map(|s| s.get_arguments().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .chain(root.get_arguments().cloned());
        for a in args {
            let long = a.get_long().map(|l| format!("--{l}"));
            let short = a.get_short().map(|s| format!("-{s}"));
            if long.as_deref() != Some(flag.as_str()) && short.as_deref() != Some(flag.as_str()) {
                continue;
            }
            if !a.get_action().takes_values() {
                break;
            }
            return match a.get_id().as_str() {
                "context" => Wanted::Contexts,
                "profile" => Wanted::Profiles,
                "namespace" => Wanted::Namespaces,
                "checks" => Wanted::Checks,
                "kubeconfig" | "files" | "baseline" | "output_dir" | "sarif_base" => Wanted::Files,
                _ => {
                    let values: Vec<String> = a
                        .get_possible_values()
                        .iter()
                        .filter(|v| !v.is_hide_set())
                        .map(|v| v.get_name().to_string())
                        .collect();
                    if values.is_empty() {
                        Wanted::Nothing
                    } else {
                        Wanted::Values(values)
                    }
                }
            };
        }
    }
    if current.starts_with('-') {
        return Wanted::Flags;
    }
    match sub.as_ref().map(|s| s.get_name()) {
        None => Wanted::Subcommands,
        Some("audit" | "probe") => Wanted::Namespaces,
        Some("completion") => Wanted::Values(
            ["bash", "zsh", "fish", "elvish", "powershell"]
                .map(String::from)
                .to_vec(),
        ),
        _ => Wanted::Nothing,
    }
}

/// Flags of the subcommand named in `words` (and the global ones).
fn flags(words: &[String]) -> Vec<String> {
    let root = Cli::command();
    let sub = words.iter().find(|w| !w.starts_with('-')).and_then(|name| {
        root.get_subcommands()
            .find(|c| c.get_name() == name)
            .cloned()
    });
    let mut out: Vec<String> = sub
        .iter()
        .flat_map(|s| s.get_arguments().cloned().collect::<Vec<_>>())
        .chain(root.get_arguments().cloned())
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Runs `__complete`: candidates one per line, then `:directive`.
pub(super) async fn run(g: &Global, words: &[String], p: &Printer) -> Result<ExitStatus> {
    let current = words.last().cloned().unwrap_or_default();
    let (candidates, directive): (Vec<String>, u8) = match wanted(words) {
        Wanted::Subcommands => (
            Cli::command()
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(|c| c.get_name().to_string())
                .collect(),
            NO_FILE,
        ),
        Wanted::Flags => (flags(words), NO_FILE),
        Wanted::Values(v) => (v, NO_FILE),
        Wanted::Files => (Vec::new(), DEFAULT),
        Wanted::Nothing => (Vec::new(), NO_FILE),
        Wanted::Profiles => (
            super::load_baseline(g)
                .map(|b| b.spec.profiles.keys().cloned().collect())
                .unwrap_or_default(),
            NO_FILE,
        ),
        Wanted::Checks => {
            let mut v: Vec<String> = ns_policy_core::checks::CHECKS
                .iter()
                .map(|c| c.id.to_string())
                .collect();
            v.extend(
                ns_policy_core::checks::Category::ALL
                    .iter()
                    .map(|c| format!("{}.*", c.as_str())),
            );
            (v, NO_FILE)
        }
        Wanted::Contexts => (contexts(g), NO_FILE),
        Wanted::Namespaces => (namespaces(g).await, NO_FILE),
    };
    let value = current
        .rsplit_once('=')
        .map_or(current.as_str(), |(_, v)| v);
    let mut out = String::new();
    for c in candidates.iter().filter(|c| c.starts_with(value)) {
        out.push_str(c);
        out.push('\n');
    }
    out.push_str(&format!(":{directive}\n"));
    p.data(&out)?;
    Ok(ExitStatus::Ok)
}

/// The kubeconfig's context names (nothing when it cannot be read).
fn contexts(g: &Global) -> Vec<String> {
    let read = match &g.kubeconfig {
        Some(path) => kube::config::Kubeconfig::read_from(path),
        None => kube::config::Kubeconfig::read(),
    };
    read.map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
}

/// The cluster's namespaces, within a short time (nothing on any error:
/// completion must never hang or print an error into the command line).
async fn namespaces(g: &Global) -> Vec<String> {
    let target = super::target(g);
    let work = async {
        let cluster = ns_policy_core::kube::connect::connect(&target).await.ok()?;
        let list = ns_policy_core::kube::list::list_namespaces(&cluster.client, None)
            .await
            .ok()?;
        Some(
            list.into_iter()
                .filter_map(|n| n.metadata.name)
                .collect::<Vec<_>>(),
        )
    };
    tokio::time::timeout(Duration::from_secs(5), work)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(words: &[&str]) -> Wanted {
        wanted(&words.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_words_decide_what_is_completed() {
        assert_eq!(w(&["au"]), Wanted::Subcommands);
        assert_eq!(w(&["audit", ""]), Wanted::Namespaces);
        assert_eq!(w(&["probe", "pr-1", "p"]), Wanted::Namespaces);
        assert_eq!(w(&["audit", "--context", ""]), Wanted::Contexts);
        assert_eq!(w(&["audit", "--context="]), Wanted::Contexts);
        assert_eq!(w(&["create", "x", "--profile", ""]), Wanted::Profiles);
        assert_eq!(w(&["audit", "-n", ""]), Wanted::Namespaces);
        assert_eq!(w(&["audit", "--check", ""]), Wanted::Checks);
        assert_eq!(w(&["audit", "-f", ""]), Wanted::Files);
        assert_eq!(w(&["audit", "--fa"]), Wanted::Flags);
        assert_eq!(w(&["create", "new-ns"]), Wanted::Nothing);
        match w(&["audit", "-o", ""]) {
            Wanted::Values(v) => assert!(v.contains(&"sarif".to_string()), "{v:?}"),
            other => panic!("{other:?}"),
        }
        match w(&["probe", "--protocol", ""]) {
            Wanted::Values(v) => assert_eq!(v, ["tcp", "udp", "sctp"]),
            other => panic!("{other:?}"),
        }
    }
}
