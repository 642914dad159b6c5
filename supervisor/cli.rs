//! Command-line interface. Exit codes: the workload's status for `run`
//! (128+signal when killed, 124 on timeout); 2 for bad input (flags, manifests,
//! policy files); 125 when the supervisor or the sandbox setup failed; 126/127
//! when the command cannot be executed / is not found.

use crate::manifest::{self, ManifestSource};
use crate::plan::{self, NetOverride, Overrides, Plan};
use crate::policy::Policies;
use crate::{host, report, run};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Top-level arguments.
#[derive(Debug, Parser)]
#[command(
    name = "phase1-supervise",
    version,
    about = "Run Phase1 language runtimes in a Linux sandbox (namespaces, Landlock, seccomp, no capabilities). Not hardened isolation."
)]
pub struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run a command under a runtime's policy.
    Run(RunArgs),
    /// Print the plan for a command without running anything.
    Explain(ExplainArgs),
    /// List the known runtimes.
    Runtimes(RuntimesArgs),
}

/// Options that shape the plan (shared by run and explain).
#[derive(Debug, Args)]
struct PlanArgs {
    /// Runtime whose manifest declares the capabilities.
    #[arg(long, short = 'r', default_value = "shell")]
    runtime: String,
    /// Use this manifest file instead of the runtime's.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Directory of runtime manifests (<name>.toml) that take precedence over the built-in ones.
    #[arg(long, value_name = "DIR", env = "PHASE1_RUNTIMES_DIR")]
    runtimes_dir: Option<PathBuf>,
    /// Directory holding syscalls.toml and baseline.toml (default: built-in policies/).
    #[arg(long, value_name = "DIR", env = "PHASE1_POLICIES_DIR")]
    policies_dir: Option<PathBuf>,
    /// Also allow reading PATH (and beneath).
    #[arg(long, value_name = "PATH")]
    allow_read: Vec<PathBuf>,
    /// Also allow writing PATH (and beneath).
    #[arg(long, value_name = "PATH")]
    allow_write: Vec<PathBuf>,
    /// Also allow executing PATH (and beneath).
    #[arg(long, value_name = "PATH")]
    allow_exec: Vec<PathBuf>,
    /// Network: none, full (trust gate), connect:PORT[,PORT], bind:PORT[,PORT]. Repeatable.
    #[arg(long, value_name = "SPEC")]
    net: Vec<String>,
    /// Pass NAME from the environment, or set NAME=VALUE. Repeatable.
    #[arg(long, value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// Maximum processes and threads in the sandbox.
    #[arg(long, value_name = "N")]
    pids: Option<u32>,
    /// Kill the sandbox after SECS seconds of wall-clock time (exit 124).
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Run even if a layer cannot be fully applied; the header says what was downgraded.
    #[arg(long)]
    best_effort: bool,
    /// The command and its arguments (after `--`).
    #[arg(required = true, trailing_var_arg = true, num_args = 1.., value_name = "CMD")]
    command: Vec<String>,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// Print nothing of the supervisor's own (header, footer).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Header and footer as JSON lines on stderr.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// The plan as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct RuntimesArgs {
    /// As JSON.
    #[arg(long)]
    json: bool,
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message (printed as `phase1-supervise: message`).
    pub message: String,
}

fn bad(e: impl std::fmt::Display) -> Failure {
    Failure {
        code: 2,
        message: e.to_string(),
    }
}

fn load_policies(dir: &Option<PathBuf>) -> Result<Policies, Failure> {
    match dir {
        Some(d) => Policies::from_dir(d).map_err(bad),
        None => Policies::builtin().map_err(bad),
    }
}

fn build_plan(a: &PlanArgs) -> Result<Plan, Failure> {
    let policies = load_policies(&a.policies_dir)?;
    let src = ManifestSource {
        file: a.manifest.clone(),
        dir: a.runtimes_dir.clone(),
    };
    let loaded = manifest::load(&src, &a.runtime, &policies.group_names()).map_err(bad)?;
    let facts = host::gather(&loaded, &a.command).map_err(|e| Failure {
        code: e.exit_code(),
        message: e.to_string(),
    })?;
    let mut net = None;
    for n in &a.net {
        net.get_or_insert_with(NetOverride::default)
            .add(n)
            .map_err(bad)?;
    }
    let abs = |v: &[PathBuf], flag: &str| -> Result<Vec<PathBuf>, Failure> {
        v.iter()
            .map(|p| {
                let p = host::absolute(p, &facts.cwd);
                if p.exists() {
                    Ok(p)
                } else {
                    Err(bad(format!(
                        "{flag} {}: no such file or directory",
                        p.display()
                    )))
                }
            })
            .collect()
    };
    let overrides = Overrides {
        allow_read: abs(&a.allow_read, "--allow-read")?,
        allow_write: abs(&a.allow_write, "--allow-write")?,
        allow_exec: abs(&a.allow_exec, "--allow-exec")?,
        net,
        env: a.env.clone(),
        pids: a.pids,
        timeout: a.timeout,
        best_effort: a.best_effort,
    };
    let plan = plan::compile(&loaded, &policies, &overrides, &facts).map_err(bad)?;
    host::check_paths(&plan).map_err(bad)?;
    Ok(plan)
}

fn cmd_run(a: RunArgs) -> Result<i32, Failure> {
    let plan = build_plan(&a.plan)?;
    let opts = run::RunOptions {
        quiet: a.quiet,
        json: a.json,
        cgroup_root: PathBuf::from("/sys/fs/cgroup"),
        run_id: host::nonce(),
    };
    let outcome = run::run(&plan, &opts).map_err(|e| Failure {
        code: crate::child::SETUP_FAILED,
        message: e.to_string(),
    })?;
    Ok(outcome.exit_code)
}

fn cmd_explain(a: ExplainArgs) -> Result<i32, Failure> {
    let plan = build_plan(&a.plan)?;
    if a.json {
        let v = serde_json::json!({ "plan": plan, "plan_digest": plan.digest(), "not_claimed": report::NON_CLAIM });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", report::explain_text(&plan));
    }
    Ok(0)
}

fn cmd_runtimes(a: RuntimesArgs) -> Result<i32, Failure> {
    let policies = Policies::builtin().map_err(bad)?;
    let mut list = Vec::new();
    for name in manifest::builtin_names() {
        let l = manifest::load(&ManifestSource::default(), name, &policies.group_names())
            .map_err(bad)?;
        let m = &l.manifest;
        list.push(serde_json::json!({
            "name": name, "maturity": m.maturity, "description": m.description,
            "programs": m.programs.iter().map(|p| p.get_ref().clone()).collect::<Vec<_>>(),
            "net": m.net.mode, "spawn": m.spawn.mode, "host": m.host,
        }));
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else {
        let rows: Vec<(String, String)> = list
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap_or("").to_string(),
                    format!(
                        "{} — {} (net {}, spawn {})",
                        v["maturity"].as_str().unwrap_or(""),
                        v["description"].as_str().unwrap_or(""),
                        v["net"].as_str().unwrap_or(""),
                        v["spawn"].as_str().unwrap_or("")
                    ),
                )
            })
            .collect();
        print!("{}", report::rows(&rows));
    }
    Ok(0)
}

/// Entry point: parse, dispatch, map failures to exit codes.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PHASE1_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let result = match cli.cmd {
        Cmd::Run(a) => cmd_run(a),
        Cmd::Explain(a) => cmd_explain(a),
        Cmd::Runtimes(a) => cmd_runtimes(a),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            eprintln!("phase1-supervise: {}", f.message);
            f.code
        }
    }
}
