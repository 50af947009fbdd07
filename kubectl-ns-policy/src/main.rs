//! `kubectl ns-policy`: create, audit and probe isolated namespaces.

mod cli;
mod commands;
mod output;
mod printer;
mod shutdown;

use std::process::ExitCode;

use clap::Parser;

/// How a run ended, as its exit code (documented in README.md and `--help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// 0: everything as expected.
    Ok = 0,
    /// 1: policy failure: findings, isolation broken, prediction mismatch.
    Policy = 1,
    /// 2: usage, configuration or cluster error.
    Error = 2,
    /// 3: NetworkPolicies present but not enforced (probe).
    NotEnforced = 3,
    /// 130: interrupted (Ctrl-C, SIGTERM).
    Interrupted = 130,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(s as u8)
    }
}

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Ok
            };
            let _ = e.print();
            return code.into();
        }
    };
    trace_requests(cli.global.verbosity());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitStatus::Error.into();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(status) => status.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitStatus::Ok.into();
            }
            let mut line = one_line(&err);
            if let Some(h) = hint(&err) {
                line.push_str("; ");
                line.push_str(&h);
            }
            eprintln!("error: {}", escape_controls(&line));
            ExitStatus::Error.into()
        }
    }
}

/// `-v 6` and up, as kubectl's: every API request (method, URL, status) on
/// stderr, from kube's HTTP spans; `-v 8` and up: everything kube traces.
fn trace_requests(level: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::prelude::*;
    let filter = match level {
        0..=5 => return,
        6 | 7 => Targets::new().with_target("kube_client", LevelFilter::DEBUG),
        _ => Targets::new()
            .with_target("kube_client", LevelFilter::TRACE)
            .with_target("kube", LevelFilter::TRACE),
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_span_events(FmtSpan::NONE);
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// What to do about a core error, in the CLI's terms (the core's messages
/// name no flags).
fn hint(err: &anyhow::Error) -> Option<String> {
    err.chain()
        .filter_map(|c| c.downcast_ref::<ns_policy_core::Error>())
        .find_map(core_hint)
}

fn core_hint(e: &ns_policy_core::Error) -> Option<String> {
    use ns_policy_core::error::{Error, ProbeInputError};
    Some(match e {
        Error::MissingLabels { keys, .. } => format!(
            "pass {}",
            keys.iter()
                .map(|k| format!("--label {k}=VALUE"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Error::Conflict { .. } => {
            "rerun with --force-conflicts to take ownership of these fields".into()
        }
        Error::NeedsConfirmation { .. } => "confirm with --yes".into(),
        Error::NoKubeconfig { .. } => "pass --kubeconfig FILE".into(),
        Error::InputTooLarge { .. } => "raise the limit with --max-input-size SIZE".into(),
        Error::NothingSelected => "name the namespaces, or pass --all or -l SELECTOR".into(),
        Error::Probe(p) => match p {
            ProbeInputError::NoNamespaces => "e.g. kubectl ns-policy probe pr-1 pr-2".into(),
            ProbeInputError::NoPorts => "pass --port N".into(),
            ProbeInputError::ReservedLabel { role, .. } => {
                format!("remove it from --{role}-label")
            }
            ProbeInputError::TargetPortZero(_) => "pass --target IP:PORT with a port".into(),
            _ => return None,
        },
        Error::Override {
            namespace: None, ..
        } => "see --set in `kubectl ns-policy create --help`".into(),
        _ => return None,
    })
}

/// Control characters of input (a label value, a field name in a serde
/// message) would move the cursor or recolour the terminal: shown escaped
/// (line breaks and tabs stay).
pub(crate) fn escape_controls(s: &str) -> String {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(bad) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The error chain on one line, each cause once (core errors do not repeat
/// their source in their own message; a context that already quotes its
/// cause is not repeated either).
fn one_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out.replace('\n', " ")
}
