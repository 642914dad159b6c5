//! Command-line interface. Exit codes: the workload's status for `run`
//! (128+signal when killed, 124 on timeout); 2 for bad input (flags, manifests,
//! policy files); 125 when the supervisor or the sandbox setup failed; 126/127
//! when the command cannot be executed / is not found.

use crate::manifest::{self, ManifestSource};
use crate::plan::{self, NetOverride, Overrides, Plan};
use crate::policy::Policies;
use crate::{audit, host, logs, report, run};
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
    /// Inspect audit logs: sessions, denials, spawns, summary, follow, verify, why.
    Logs(LogsArgs),
}

#[derive(Debug, Args)]
struct LogsArgs {
    /// Audit log file (default as for `run`).
    #[arg(long, value_name = "PATH", env = "PHASE1_AUDIT_LOG", global = true)]
    audit_log: Option<PathBuf>,
    /// Output JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: LogsCmd,
}

#[derive(Debug, Subcommand)]
enum LogsCmd {
    /// One line per session.
    Sessions,
    /// Every record of one session (id or unique prefix).
    Show {
        /// Session id or prefix.
        session: String,
    },
    /// Denials and would-be denials.
    Denials {
        /// Session id or prefix.
        #[arg(long)]
        session: Option<String>,
        /// Runtime name.
        #[arg(long)]
        runtime: Option<String>,
        /// Syscall name.
        #[arg(long)]
        syscall: Option<String>,
        /// Path substring.
        #[arg(long)]
        path: Option<String>,
        /// Only at or after this time (2026-11-25 or 2026-11-25T07:00:00Z).
        #[arg(long)]
        since: Option<String>,
    },
    /// Spawns as a process tree, per session.
    Spawns {
        /// Session id or prefix.
        #[arg(long)]
        session: Option<String>,
    },
    /// Counts by type, capability and syscall.
    Summary {
        /// Session id or prefix.
        #[arg(long)]
        session: Option<String>,
    },
    /// Print records as they are appended (stops at the session's end when --session is given).
    Follow {
        /// Session id or prefix.
        #[arg(long)]
        session: Option<String>,
    },
    /// Check the hash chain and sequence numbers (exit 1 when tampered or incomplete).
    Verify,
    /// Why a record was denied and which manifest change would allow it.
    Why {
        /// SESSION:SEQ (as `logs denials` shows) or a hash prefix.
        record: String,
    },
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
    /// Block nothing: run to completion and record every would-be denial.
    #[arg(long)]
    dry_run: bool,
    /// Audit log file (default: /var/log/phase1/audit.jsonl for root,
    /// $XDG_STATE_HOME/phase1/audit.jsonl otherwise).
    #[arg(long, value_name = "PATH", env = "PHASE1_AUDIT_LOG")]
    audit_log: Option<PathBuf>,
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
    /// Explain the dry-run plan (what would be observed instead of blocked).
    #[arg(long)]
    dry_run: bool,
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

fn build_plan(a: &PlanArgs, dry_run: bool) -> Result<(Plan, Policies), Failure> {
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
        dry_run,
    };
    let plan = plan::compile(&loaded, &policies, &overrides, &facts).map_err(bad)?;
    host::check_paths(&plan).map_err(bad)?;
    Ok((plan, policies))
}

/// The audit log path: flag or env, else the default for this user.
pub fn audit_log_path(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| {
        let uid = nix::unistd::geteuid().as_raw();
        crate::audit::default_path(
            uid,
            std::env::var("XDG_STATE_HOME").ok().as_deref(),
            &host::home_dir(uid),
        )
    })
}

fn cmd_run(a: RunArgs) -> Result<i32, Failure> {
    let (plan, policies) = build_plan(&a.plan, a.dry_run)?;
    let run_id = plan
        .home
        .to_string_lossy()
        .rsplit('_')
        .next()
        .unwrap_or_default()
        .to_string();
    let opts = run::RunOptions {
        quiet: a.quiet,
        json: a.json,
        cgroup_root: PathBuf::from("/sys/fs/cgroup"),
        run_id,
        audit_log: host::absolute(&audit_log_path(a.audit_log), &plan.command.cwd),
        audit_lock: PathBuf::from("/run/phase1"),
    };
    let outcome = run::run(&plan, &policies, &opts).map_err(|e| Failure {
        code: crate::child::SETUP_FAILED,
        message: e.to_string(),
    })?;
    Ok(outcome.exit_code)
}

fn cmd_explain(a: ExplainArgs) -> Result<i32, Failure> {
    let (plan, _) = build_plan(&a.plan, a.dry_run)?;
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
        println!("not claimed: {}", report::NON_CLAIM);
    }
    Ok(0)
}

fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

fn one_session(
    records: &[serde_json::Map<String, serde_json::Value>],
    prefix: &str,
) -> Result<String, Failure> {
    let ids = logs::match_session(records, prefix);
    match ids.len() {
        1 => Ok(ids[0].clone()),
        0 => Err(bad(format!("no session `{prefix}` in the audit log"))),
        n => Err(bad(format!(
            "`{prefix}` matches {n} sessions; give more of the id"
        ))),
    }
}

fn cmd_logs(a: LogsArgs) -> Result<i32, Failure> {
    let path = audit_log_path(a.audit_log.clone());
    if !path.exists() {
        return Err(bad(format!(
            "no audit log at {} (see --audit-log)",
            path.display()
        )));
    }
    if let LogsCmd::Follow { session } = &a.cmd {
        return follow(&path, session.as_deref(), a.json);
    }
    let lines = audit::read(&path).map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })?;
    let records: Vec<_> = lines
        .iter()
        .filter_map(|(_, l)| match l {
            audit::Line::Record(r) => Some(r.clone()),
            audit::Line::Torn { .. } => None,
        })
        .collect();
    match a.cmd {
        LogsCmd::Sessions => {
            let list = logs::sessions(&records);
            if a.json {
                print_json(&serde_json::json!(list));
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|v| {
                        let st = |k: &str| v[k].as_str().unwrap_or("").to_string();
                        vec![
                            st("session"),
                            st("start"),
                            st("runtime"),
                            st("mode"),
                            if v["ended"] == true {
                                v["exit"].to_string()
                            } else {
                                "open".into()
                            },
                            v["denials"].to_string(),
                            v["spawns"].to_string(),
                            v["command"]
                                .as_array()
                                .map(|c| {
                                    c.iter()
                                        .filter_map(|x| x.as_str())
                                        .collect::<Vec<_>>()
                                        .join(" ")
                                })
                                .unwrap_or_default(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    logs::table(
                        &[
                            "SESSION", "START", "RUNTIME", "MODE", "EXIT", "DENIALS", "SPAWNS",
                            "COMMAND"
                        ],
                        &rows
                    )
                );
            }
        }
        LogsCmd::Show { session } => {
            let id = one_session(&records, &session)?;
            let list: Vec<_> = records
                .iter()
                .filter(|r| r.get("session").and_then(|v| v.as_str()) == Some(id.as_str()))
                .collect();
            if a.json {
                print_json(&serde_json::json!(list));
            } else {
                println!("session {id}");
                for r in list {
                    println!("{}", logs::line(r));
                }
            }
        }
        LogsCmd::Denials {
            session,
            runtime,
            syscall,
            path,
            since,
        } => {
            let since_ms = match since {
                Some(t) => Some(audit::parse_time(&t).ok_or_else(|| {
                    bad(format!(
                        "--since {t}: expected 2026-11-25 or 2026-11-25T07:00:00Z"
                    ))
                })?),
                None => None,
            };
            let f = logs::DenialFilter {
                session,
                runtime,
                syscall,
                path,
                since_ms,
            };
            let list = logs::denials(&records, &f);
            if a.json {
                print_json(&serde_json::json!(list));
            } else {
                print!(
                    "{}",
                    logs::table(
                        &[
                            "RECORD", "TIME", "TYPE", "RUNTIME", "PID", "SYSCALL", "MISSING",
                            "DETAIL"
                        ],
                        &logs::denial_rows(&list)
                    )
                );
                println!(
                    "{} record(s); `phase1-supervise logs why RECORD` explains one",
                    list.len()
                );
            }
        }
        LogsCmd::Spawns { session } => {
            let ids = match session {
                Some(p) => vec![one_session(&records, &p)?],
                None => logs::match_session(&records, ""),
            };
            let trees: Vec<_> = ids
                .iter()
                .map(|id| (id.clone(), logs::spawn_tree(&records, id)))
                .collect();
            if a.json {
                let spawns: Vec<_> = records
                    .iter()
                    .filter(|r| r.get("type").and_then(|v| v.as_str()) == Some("spawn"))
                    .filter(|r| {
                        ids.iter().any(|id| {
                            r.get("session").and_then(|v| v.as_str()) == Some(id.as_str())
                        })
                    })
                    .collect();
                print_json(&serde_json::json!(spawns));
            } else {
                for (id, tree) in trees {
                    println!("session {id}");
                    for l in tree {
                        println!("  {l}");
                    }
                }
            }
        }
        LogsCmd::Summary { session } => {
            let subset: Vec<_> = match session {
                Some(p) => {
                    let id = one_session(&records, &p)?;
                    records
                        .iter()
                        .filter(|r| r.get("session").and_then(|v| v.as_str()) == Some(id.as_str()))
                        .cloned()
                        .collect()
                }
                None => records.clone(),
            };
            let v = logs::summary(&subset);
            if a.json {
                print_json(&v);
            } else {
                let mut rows = vec![
                    ("log".to_string(), path.display().to_string()),
                    ("sessions".into(), v["sessions"].to_string()),
                    ("records".into(), v["records"].to_string()),
                ];
                for (k, n) in v["by_type"].as_object().into_iter().flatten() {
                    rows.push((format!("type {k}"), n.to_string()));
                }
                for (k, n) in v["denials_by_capability"].as_object().into_iter().flatten() {
                    rows.push((format!("missing {k}"), n.to_string()));
                }
                for (k, n) in v["denials_by_syscall"].as_object().into_iter().flatten() {
                    rows.push((format!("syscall {k}"), n.to_string()));
                }
                print!("{}", report::rows(&rows));
            }
        }
        LogsCmd::Verify => {
            let v = audit::verify(&lines);
            if a.json {
                print_json(&serde_json::json!({"ok": v.ok(), "log": path, "result": v}));
            } else {
                let mut rows = vec![
                    ("log".to_string(), path.display().to_string()),
                    ("records".into(), v.records.to_string()),
                    ("sessions".into(), v.sessions.to_string()),
                    (
                        "torn lines".into(),
                        if v.torn.is_empty() {
                            "none".into()
                        } else {
                            format!("{:?} (skipped)", v.torn)
                        },
                    ),
                    (
                        "open sessions".into(),
                        if v.open_sessions.is_empty() {
                            "none".into()
                        } else {
                            v.open_sessions.join(", ")
                        },
                    ),
                ];
                for p in &v.problems {
                    rows.push(("problem".into(), p.clone()));
                }
                rows.push((
                    "status".into(),
                    if v.ok() {
                        "ok".into()
                    } else {
                        "TAMPERED OR INCOMPLETE".into()
                    },
                ));
                print!("{}", report::rows(&rows));
            }
            return Ok(if v.ok() { 0 } else { 1 });
        }
        LogsCmd::Why { record } => {
            let r = logs::find(&records, &record).map_err(bad)?;
            let w = logs::why(r).map_err(bad)?;
            if a.json {
                print_json(&w);
            } else {
                let st = |k: &str| w[k].as_str().unwrap_or("").to_string();
                let rows = vec![
                    ("record".to_string(), st("record")),
                    (
                        "what".into(),
                        format!("{} ({}, {})", st("what"), st("type"), st("layer")),
                    ),
                    ("missing capability".into(), st("missing_capability")),
                    ("runtime".into(), st("runtime")),
                ];
                print!("{}", report::rows(&rows));
                println!("\nto allow it, add to {}:\n", st("manifest"));
                for l in st("manifest_change").lines() {
                    println!("    {l}");
                }
                if let Some(f) = w["command_line"].as_str() {
                    println!("\nor for one run: phase1-supervise run {f} ...");
                }
                println!("\nnote: {}", st("caution"));
            }
        }
        LogsCmd::Follow { .. } => {}
    }
    Ok(0)
}

fn follow(path: &std::path::Path, session: Option<&str>, json: bool) -> Result<i32, Failure> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    let mut pos = 0u64;
    let mut pending = Vec::new();
    let mut target: Option<String> = None;
    loop {
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len > pos {
            f.seek(SeekFrom::Start(pos))
                .map_err(|e| bad(e.to_string()))?;
            let mut buf = Vec::new();
            (&mut f)
                .take(len - pos)
                .read_to_end(&mut buf)
                .map_err(|e| bad(e.to_string()))?;
            pos = len;
            pending.extend_from_slice(&buf);
            while let Some(i) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=i).collect();
                let Ok(serde_json::Value::Object(r)) =
                    serde_json::from_slice::<serde_json::Value>(&line)
                else {
                    continue;
                };
                let id = r
                    .get("session")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                if let Some(p) = session {
                    if !id.starts_with(p) {
                        continue;
                    }
                    target.get_or_insert(id.clone());
                }
                if json {
                    println!("{}", serde_json::Value::Object(r.clone()));
                } else {
                    println!("{}  {}", &id[..id.len().min(8)], logs::line(&r));
                }
                if session.is_some()
                    && r.get("type").and_then(|v| v.as_str()) == Some("session.end")
                {
                    return Ok(0);
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
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
        Cmd::Logs(a) => cmd_logs(a),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            eprintln!("phase1-supervise: {}", f.message);
            f.code
        }
    }
}
