//! `kubectl ns-policy`: create, audit and probe isolated namespaces.

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

/// How a run ended, as its exit code (documented in README.md and `--help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
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
            eprintln!("error: {}", one_line(&err));
            ExitStatus::Error.into()
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
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
