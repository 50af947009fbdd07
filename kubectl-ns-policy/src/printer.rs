//! One printer for every command (uv's model): data to stdout; progress,
//! summaries, warnings and prompts to stderr; how much of it by verbosity;
//! colour only where it helps. Commands never call `println!`/`eprintln!`.

use std::io::{IsTerminal, Write};

use crate::cli::{ColorChoice, Global};

/// How much goes to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// `-q`: data and errors only.
    Quiet,
    /// Summaries and warnings.
    Normal,
    /// `-v`: also what is being done, step by step.
    Verbose,
}

/// The printer of a run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Printer {
    verbosity: Verbosity,
    color: bool,
    stderr_tty: bool,
    stdin_tty: bool,
}

impl Printer {
    /// From the global flags and the terminal.
    pub(crate) fn new(g: &Global) -> Self {
        let verbosity = if g.quiet {
            Verbosity::Quiet
        } else if g.verbosity() > 0 {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        Printer {
            verbosity,
            color: color_enabled(g.color),
            stderr_tty: std::io::stderr().is_terminal(),
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }

    /// Whether stdout text may be coloured.
    pub(crate) fn color(&self) -> bool {
        self.color
    }

    /// Whether prompts can be shown (stdin and stderr are terminals).
    pub(crate) fn interactive(&self) -> bool {
        self.stdin_tty && self.stderr_tty
    }

    /// Whether progress bars and spinners may be drawn (stderr is a
    /// terminal, not quiet).
    pub(crate) fn progress_enabled(&self) -> bool {
        self.verbosity >= Verbosity::Normal && self.stderr_tty
    }

    /// Writes data to stdout (a closed pipe is an error `main` recognises
    /// and exits quietly on).
    pub(crate) fn data(&self, s: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(s.as_bytes())?;
        out.flush()
    }

    /// A summary or status line on stderr (not with `-q`).
    pub(crate) fn status(&self, msg: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Normal {
            stderr_line(msg.as_ref());
        }
    }

    /// A step of a long run: on a terminal, or always with `-v`.
    pub(crate) fn step(&self, msg: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Verbose || self.progress_enabled() {
            stderr_line(msg.as_ref());
        }
    }

    /// A detail only `-v` shows.
    pub(crate) fn verbose(&self, msg: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Verbose {
            stderr_line(msg.as_ref());
        }
    }

    /// `warning: ...` on stderr (not with `-q`).
    pub(crate) fn warn(&self, msg: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Normal {
            stderr_line(&format!("warning: {}", msg.as_ref()));
        }
    }

    /// Text shown whatever the verbosity (a plan of changes before a
    /// prompt or a refusal that names it).
    pub(crate) fn always(&self, msg: impl AsRef<str>) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(crate::escape_controls(msg.as_ref()).as_bytes());
    }
}

fn stderr_line(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", crate::escape_controls(msg));
}

/// Whether to colour stdout.
fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}
