//! Command-line interface (clap types only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str =
    "Exit codes: 0 ok, 1 policy failure (findings, isolation broken, prediction mismatch), \
2 usage/config/cluster error, 3 NetworkPolicies present but not enforced (probe), 130 interrupted.";

/// Make Kubernetes namespaces the isolation unit they are expected to be:
/// create compliant namespaces, audit existing ones, and probe their
/// network isolation with real connections.
#[derive(Debug, Parser)]
#[command(name = "kubectl-ns_policy", bin_name = "kubectl ns-policy", version, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command (kubectl's names).
#[derive(Debug, Args, Clone)]
pub(crate) struct Global {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// The kubeconfig cluster to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,
    /// The kubeconfig user to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Timeout of a single API request, e.g. 30s, 1m, 500ms; 0 means no timeout (default: 60s).
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_request_timeout)]
    pub request_timeout: Option<std::time::Duration>,
    /// Username to impersonate for the operation (kubectl's --as).
    #[arg(long = "as", global = true, value_name = "USER")]
    pub impersonate: Option<String>,
    /// Group to impersonate (repeatable; needs --as).
    #[arg(
        long = "as-group",
        global = true,
        value_name = "GROUP",
        requires = "impersonate"
    )]
    pub impersonate_groups: Vec<String>,
    /// UID to impersonate (needs --as).
    #[arg(
        long = "as-uid",
        global = true,
        value_name = "UID",
        requires = "impersonate"
    )]
    pub impersonate_uid: Option<String>,
    /// Baseline file (default: the built-in one, see `kubectl ns-policy baseline`).
    #[arg(long, global = true, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only data and errors (no progress, no summaries on stderr).
    #[arg(short, long, global = true, conflicts_with = "v")]
    pub quiet: bool,
    /// The largest input file (-f, --baseline, stdin) read, e.g. 256Mi, 2Gi.
    #[arg(long, global = true, value_name = "SIZE", default_value = "256Mi", value_parser = parse_size)]
    pub max_input_size: u64,
    /// Log level, as kubectl's: 1 or more shows each step on stderr.
    #[arg(
        short = 'v',
        long = "v",
        global = true,
        value_name = "LEVEL",
        default_value_t = 0
    )]
    pub v: u8,
}

impl Global {
    /// The `-v` level.
    pub(crate) fn verbosity(&self) -> u8 {
        self.v
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum ColorChoice {
    /// Colour on a TTY unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create (or bring up to the baseline) compliant namespaces.
    Create(CreateArgs),
    /// Check namespaces, live or in manifests, against the baseline.
    Audit(AuditArgs),
    /// Prove network isolation between namespaces with real connections.
    Probe(ProbeArgs),
    /// Delete preview namespaces past their ns-policy.io/expires-at.
    Gc(GcArgs),
    /// Connectivity diff of two manifest sets: what a change opens and closes.
    Diff(DiffArgs),
    /// Print the built-in baseline (or the one given with --baseline).
    Baseline,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completion {
        /// Shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the version, commit and the Kubernetes API version it was built for.
    Version {
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum)]
        output: Option<VersionFormat>,
    },
    /// Completion candidates for the words given, in kubectl's plugin
    /// completion protocol (used by kubectl_complete-ns_policy).
    #[command(name = "__complete", hide = true)]
    Complete {
        /// The words after `kubectl ns-policy`, the last one being completed.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

/// `version -o`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum VersionFormat {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// `--dry-run`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub(crate) enum DryRun {
    /// Apply for real.
    #[default]
    None,
    /// Render only; no cluster needed.
    Client,
    /// Server-side dry run: the API server validates and admits, nothing is stored.
    Server,
}

/// `--layout` of `create --output-dir`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum OutputLayout {
    /// `NS/<kind>-<name>.yaml` per namespace.
    Flat,
    /// `base/<profile>/` and `overlays/<env>/<ns>/`.
    BaseOverlays,
}

/// Output format of `create`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum BundleFormat {
    /// YAML stream.
    Yaml,
    /// A v1 List.
    Json,
}

/// `create`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kubectl ns-policy create staging --label team=payments --label cost-center=cc-42\n  kubectl ns-policy create pr-123 --ttl 8h --label team=web --label cost-center=cc-1\n  kubectl ns-policy create staging --dry-run=client -o yaml\n  kubectl ns-policy create staging --output-dir gitops/namespaces\n  kubectl ns-policy create orders-db --profile data --set quota.requests.storage=4Ti\n  kubectl ns-policy create dev-shop prod-shop --output-dir gitops --layout base-overlays"
)]
pub(crate) struct CreateArgs {
    /// Namespace names (DNS-1123 labels).
    #[arg(required_unless_present = "namespace", value_name = "NAME")]
    pub names: Vec<String>,
    /// A namespace to create (repeatable; same as naming it).
    #[arg(short = 'n', long = "namespace", value_name = "NAME")]
    pub namespace: Vec<String>,
    /// Profile (default: from the baseline's name rules, e.g. preview for pr-<n>).
    #[arg(long)]
    pub profile: Option<String>,
    /// Label KEY=VALUE (repeatable or comma-separated); env, team and cost-center are required.
    #[arg(
        short = 'L',
        long = "label",
        value_name = "KEY=VALUE",
        value_delimiter = ','
    )]
    pub labels: Vec<String>,
    /// Time to live of preview namespaces from now, e.g. 4h, 2d (default: the profile's).
    #[arg(long, value_name = "DURATION", value_parser = parse_ttl)]
    pub ttl: Option<std::time::Duration>,
    /// none: apply; client: render only; server: server-side dry run.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Print the bundle (yaml or json) instead of applying it.
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<BundleFormat>,
    /// Override a profile value for these namespaces, e.g. quota.requests.cpu=10 (repeatable; PATH- removes an override; recorded on the namespace so audit judges it with them).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Write the manifests to DIR (one file per object, plus kustomization.yaml) instead of applying them; merges into an existing tree.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Layout of --output-dir: flat (a directory per namespace) or base-overlays (a kustomize base per profile, an overlay per environment and namespace).
    #[arg(long, value_enum, default_value_t = OutputLayout::Flat, requires = "output_dir")]
    pub layout: OutputLayout,
    /// Field manager for server-side apply.
    #[arg(long, default_value = ns_policy_core::FIELD_MANAGER)]
    pub field_manager: String,
    /// Take ownership of fields other field managers own.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Apply changes to existing namespaces without asking.
    #[arg(short, long)]
    pub yes: bool,
}

/// Output of `audit`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum AuditFormat {
    /// One row per namespace.
    Table,
    /// One row per namespace and one per finding.
    Wide,
    /// JSON report.
    Json,
    /// YAML report.
    Yaml,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// JUnit XML for CI test reports.
    Junit,
    /// A self-contained HTML page: scorecard per namespace, findings by category.
    Html,
}

/// Severities for `--fail-on`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum FailOn {
    /// Fail on errors.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Info,
    /// Never fail on findings.
    Never,
}

/// `audit`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kubectl ns-policy audit --all\n  kubectl ns-policy audit staging pr-123 -o wide\n  kubectl ns-policy audit -l team=payments -o json\n  kubectl ns-policy audit -f gitops/ --all -o sarif > audit.sarif"
)]
pub(crate) struct AuditArgs {
    /// Namespaces to audit.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// A namespace to audit (repeatable; same as naming it).
    #[arg(short = 'n', long = "namespace", value_name = "NAME")]
    pub namespace: Vec<String>,
    /// Audit every namespace (system and excluded ones only with --include-system).
    #[arg(short = 'A', long, visible_alias = "all-namespaces")]
    pub all: bool,
    /// Label selector of namespaces, e.g. team=payments,env!=prod.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Audit manifests on disk instead of the cluster (file, directory or - for stdin; repeatable).
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    /// Accepted for kubectl's habit: directories given with -f are always read recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Also audit kube-system, kube-public, kube-node-lease and the baseline's excluded namespaces.
    #[arg(long)]
    pub include_system: bool,
    /// Only these checks: check IDs or categories (rbac.*), repeatable or comma-separated.
    #[arg(long = "check", value_name = "ID", value_delimiter = ',', value_parser = parse_check)]
    pub checks: Vec<String>,
    /// Ignore every waiver (annotations and the baseline's spec.waivers): report all findings.
    #[arg(long)]
    pub no_waivers: bool,
    /// With -o sarif: make file URIs relative to this directory (default: the working directory; use the repository root).
    #[arg(long, value_name = "DIR")]
    pub sarif_base: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = AuditFormat::Table)]
    pub output: AuditFormat,
    /// Exit 1 when a finding is at or above this severity, or when a check
    /// could not run (unless --allow-unknown); never: exit 0 whatever is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Checks that could not run (a LIST or dry run that was forbidden) do
    /// not fail the run; they are still reported as unknown.
    #[arg(long)]
    pub allow_unknown: bool,
    /// Create what is missing (same code as `create`; never deletes), then audit again.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: apply without asking.
    #[arg(short, long)]
    pub yes: bool,
}

/// `probe`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kubectl ns-policy probe pr-123 pr-456\n  kubectl ns-policy probe staging prod --port 8080,8443 --expect-isolated\n  kubectl ns-policy probe app-ns data-ns --port 5432 --client-label role=api --server-label app=postgres\n  kubectl ns-policy probe platform --target 10.0.0.1:443\n  kubectl ns-policy probe pr-1 pr-2 -f manifests/ -o json\n  kubectl ns-policy probe --cleanup\n  kubectl ns-policy probe --all --install-schedule \"*/30 * * * *\" --schedule-image registry.example.com/kubectl-ns-policy:v0.1.0\n  kubectl ns-policy probe --last\n  kubectl ns-policy probe --uninstall-schedule"
)]
pub(crate) struct ProbeArgs {
    /// Namespaces to probe (at least two, or one for same-namespace traffic only).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// A namespace to probe (repeatable; same as naming it).
    #[arg(short = 'n', long = "namespace", value_name = "NAME")]
    pub namespace: Vec<String>,
    /// Probe every namespace (system and excluded ones left out) by equivalence classes: namespaces with the same policies and selected labels are one class; one pair per pair of classes is observed, every cell predicted.
    #[arg(short = 'A', long, visible_alias = "all-namespaces", conflicts_with_all = ["names", "namespace", "cleanup"])]
    pub all: bool,
    /// Probe the namespaces matching this label selector, by equivalence classes (see --all).
    #[arg(short = 'l', long, value_name = "SELECTOR", conflicts_with_all = ["names", "namespace", "cleanup", "all"])]
    pub selector: Option<String>,
    /// Ports the probe servers listen on (repeatable or comma-separated; default: the baseline's).
    #[arg(long = "port", value_delimiter = ',')]
    pub ports: Vec<u16>,
    /// Protocol.
    #[arg(long, value_enum, default_value_t = ProbeProtocol::Tcp)]
    pub protocol: ProbeProtocol,
    /// Labels of the probe pods, KEY=VALUE (repeatable or comma-separated).
    #[arg(long = "pod-label", value_name = "KEY=VALUE", value_delimiter = ',')]
    pub pod_labels: Vec<String>,
    /// Labels of the client pods only, e.g. to match an allow's peer podSelector (repeatable or comma-separated).
    #[arg(long = "client-label", value_name = "KEY=VALUE", value_delimiter = ',')]
    pub client_labels: Vec<String>,
    /// Labels of the server pods only, e.g. to match an allow's podSelector (repeatable or comma-separated).
    #[arg(long = "server-label", value_name = "KEY=VALUE", value_delimiter = ',')]
    pub server_labels: Vec<String>,
    /// Also connect from every namespace to this address outside the probed namespaces (the API server, a node, an external service), IP:PORT (repeatable or comma-separated).
    #[arg(long = "target", value_name = "IP:PORT", value_delimiter = ',', value_parser = parse_target)]
    pub targets: Vec<std::net::SocketAddr>,
    /// Image of the probe pods (default: the baseline's).
    #[arg(long)]
    pub image: Option<String>,
    /// Predict from manifests only (no cluster).
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    /// Accepted for kubectl's habit: directories given with -f are always read recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// With -f: the pod IP of the probe pods of a namespace, NS=IP (repeatable or comma-separated), so that ipBlock rules over pod addresses are predicted, not unknown.
    #[arg(long = "pod-ip", value_name = "NS=IP", value_delimiter = ',', value_parser = parse_pod_ip, requires = "files")]
    pub pod_ips: Vec<(String, std::net::IpAddr)>,
    /// With -f: the cluster's pod address ranges, CIDR (repeatable or comma-separated): an ipBlock covering them all matches any pod, one disjoint from them none.
    #[arg(long = "pod-cidr", value_name = "CIDR", value_delimiter = ',', value_parser = parse_cidr, requires = "files")]
    pub pod_cidrs: Vec<ns_policy_core::netpol::Cidr>,
    /// Exit 1 if any connection between different namespaces succeeds (or, offline, is allowed or unknown).
    #[arg(long)]
    pub expect_isolated: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ProbeFormat::Table)]
    pub output: ProbeFormat,
    /// Bound of the whole run, e.g. 60s, 2m.
    #[arg(long, value_parser = parse_duration, default_value = "60s")]
    pub timeout: std::time::Duration,
    /// Delete leftover probe pods of runs that are over (in the named namespaces, or all) and exit; pods of runs still in progress (another job's) are left alone.
    #[arg(long)]
    pub cleanup: bool,
    /// With --cleanup: also delete the pods of runs that may still be in progress.
    #[arg(long, requires = "cleanup")]
    pub force: bool,
    /// Install a CronJob that runs this probe (the namespaces, --all or -l, and the flags given) on a cron schedule, e.g. "*/30 * * * *", in --schedule-namespace with a least-privilege ServiceAccount; each run stores its report (see --last) and emits a Warning Event on a mismatch, non-enforcement or error.
    #[arg(long, value_name = "CRON", conflicts_with_all = ["files", "cleanup", "store_report"])]
    pub install_schedule: Option<String>,
    /// Image of the scheduled runs: one holding kubectl-ns_policy on its PATH (required with --install-schedule; `tests/cluster/cluster.sh plugin-image` builds one for the local cluster).
    #[arg(long, value_name = "IMAGE", requires = "install_schedule")]
    pub schedule_image: Option<String>,
    /// With --install-schedule: none: install; client: print the objects; server: server-side dry run.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client", require_equals = true, requires = "install_schedule")]
    pub dry_run: DryRun,
    /// Remove everything --install-schedule installed: the CronJob, its Jobs and pods, probe pods of scheduled runs, the stored report, Events, RBAC, and the namespace if the install created it.
    #[arg(long, conflicts_with_all = ["names", "namespace", "all", "selector", "files", "cleanup", "install_schedule", "store_report", "last"])]
    pub uninstall_schedule: bool,
    /// Print the report of the latest scheduled run (in any -o format) and exit with that run's exit code.
    #[arg(long, conflicts_with_all = ["names", "namespace", "all", "selector", "files", "cleanup", "install_schedule", "store_report"])]
    pub last: bool,
    /// Namespace of the schedule (its CronJob, ServiceAccount and stored reports).
    #[arg(long, value_name = "NAME", default_value = ns_policy_core::probe::schedule::DEFAULT_NAMESPACE)]
    pub schedule_namespace: String,
    /// Store this run's report in --schedule-namespace and emit a Warning Event unless it passed (what scheduled runs do).
    #[arg(long, conflicts_with_all = ["files", "cleanup"])]
    pub store_report: bool,
}

/// `--protocol`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum ProbeProtocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP (live only where the nodes' kernels support it).
    Sctp,
}

/// Output of `probe`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum ProbeFormat {
    /// Matrix.
    Table,
    /// Matrix plus one row per cell.
    Wide,
    /// JSON report.
    Json,
    /// YAML report.
    Yaml,
    /// A self-contained HTML heatmap of the matrix (hover for explanations).
    Html,
    /// Graphviz graph of the predicted connectivity between namespaces.
    Dot,
}

/// `diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The manifests before, then after: exactly two (files, directories, or - for stdin once).
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE|DIR",
        required = true,
        num_args = 1
    )]
    pub files: Vec<PathBuf>,
    /// Accepted for kubectl's habit: directories given with -f are always read recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Only these namespaces (repeatable or comma-separated).
    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub namespaces: Vec<String>,
    /// The cluster's pod address ranges, CIDR (repeatable or comma-separated), so that ipBlock rules over pods are decided.
    #[arg(long = "pod-cidr", value_name = "CIDR", value_delimiter = ',', value_parser = parse_cidr)]
    pub pod_cidrs: Vec<ns_policy_core::netpol::Cidr>,
    /// Output format (markdown: for a pull-request comment).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = DiffFormat::Table)]
    pub output: DiffFormat,
    /// Exit 0 even when a connection opens.
    #[arg(long)]
    pub allow_opening: bool,
}

/// Output of `diff`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum DiffFormat {
    /// One row per change.
    Table,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
    /// Markdown, for a pull-request comment.
    Markdown,
}

/// `gc`.
#[derive(Debug, Args)]
pub(crate) struct GcArgs {
    /// List expired namespaces only.
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Delete without asking.
    #[arg(short, long)]
    pub yes: bool,
    /// Only namespaces matching this label selector.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
}

/// Parses `IP:PORT` (`[v6]:PORT` for IPv6).
pub(crate) fn parse_target(s: &str) -> Result<std::net::SocketAddr, String> {
    s.parse().map_err(|_| {
        format!("{s:?} is not an address and port (expected IP:PORT, e.g. 10.0.0.1:443 or [fd00::1]:443)")
    })
}

/// Parses a check ID or `category.*`.
pub(crate) fn parse_check(s: &str) -> Result<String, String> {
    let known = |p: &str| {
        ns_policy_core::checks::check_info(p).is_some()
            || p.strip_suffix(".*").is_some_and(|c| {
                ns_policy_core::checks::Category::ALL
                    .iter()
                    .any(|cat| cat.as_str() == c)
            })
    };
    if known(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "unknown check {s:?} (expected a check ID such as rbac.cluster-admin-binding, or a category such as rbac.*)"
        ))
    }
}

/// Parses `NS=IP`.
pub(crate) fn parse_pod_ip(s: &str) -> Result<(String, std::net::IpAddr), String> {
    let bad = || format!("{s:?} is not NS=IP (e.g. pr-1=10.244.1.7)");
    let (ns, ip) = s.split_once('=').ok_or_else(bad)?;
    ns_policy_core::names::validate_namespace_name(ns).map_err(|e| e.to_string())?;
    Ok((ns.to_string(), ip.trim().parse().map_err(|_| bad())?))
}

/// Parses a CIDR (`10.244.0.0/16`, `fd00::/64`).
pub(crate) fn parse_cidr(s: &str) -> Result<ns_policy_core::netpol::Cidr, String> {
    ns_policy_core::netpol::Cidr::parse(s)
        .ok_or_else(|| format!("{s:?} is not a CIDR (e.g. 10.244.0.0/16 or fd00::/64)"))
}

/// Parses a size in bytes as a Kubernetes quantity (`256Mi`, `1Gi`, `500M`).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let q = ns_policy_core::quantity::Quantity::parse(s).map_err(|e| e.to_string())?;
    if q.is_negative() || q.is_zero() || !q.is_whole() {
        return Err(format!("{s:?} is not a size in bytes (e.g. 256Mi, 1Gi)"));
    }
    let bytes = q.as_f64();
    if bytes > u64::MAX as f64 {
        return Err(format!("{s:?} is too large"));
    }
    Ok(bytes as u64)
}

/// Parses a TTL: a duration whose expiry from now an annotation can hold.
pub(crate) fn parse_ttl(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    ns_policy_core::baseline::expires_at(chrono::Utc::now(), d).map_err(|e| e.to_string())?;
    Ok(d)
}

/// Parses `--request-timeout` as kubectl does: `0` (no timeout), a number
/// of seconds, `500ms`, or a duration like 30s, 1m, 1h30m.
pub(crate) fn parse_request_timeout(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    if let Some(ms) = t.strip_suffix("ms").and_then(|n| n.parse::<u64>().ok()) {
        return Ok(std::time::Duration::from_millis(ms));
    }
    parse_duration(t).map_err(|_| {
        format!("invalid request timeout {s:?} (expected 0 for none, or e.g. 500ms, 30s, 1m)")
    })
}

/// Parses durations like 30s, 4h, 1h30m, 2d.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    ns_policy_core::baseline::parse_duration(s).map_err(|e| e.to_string())
}
