//! Command-line interface. Exit codes: the workload's status for `run`
//! (128+signal when killed, 124 on timeout); 2 for bad input (flags, manifests,
//! policy files); 125 when the supervisor or the sandbox setup failed; 126/127
//! when the command cannot be executed / is not found.

use crate::manifest::{self, ManifestSource};
use crate::plan::{self, NetOverride, Overrides, Plan};
use crate::policy::Policies;
use crate::{audit, host, logs, report, run, runtimes, wasm};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

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
    /// Runtimes: list, show one's capability card, check documentation gates.
    Runtimes(RuntimesArgs),
    /// WebAssembly plugins: inspect a module's imports against a runtime.
    Plugins(PluginsArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one page per command into DIR.
    Man {
        /// Write phase1-supervise.1 and phase1-supervise-COMMAND.1 here.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
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
    /// Admit a runtime labeled `prototype` (it runs with a warning).
    #[arg(long)]
    allow_prototype: bool,
    /// Phase1's trust gate, as PHASE1_ALLOW_HOST_TOOLS=1: admit a host-backed
    /// `guarded` runtime and `--net full`.
    #[arg(long)]
    trust: bool,
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
    /// Seconds the sandbox gets to end after SIGTERM/SIGINT/SIGHUP/SIGQUIT is
    /// forwarded to it, before it is killed.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    grace: u64,
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
    #[arg(long, global = true)]
    json: bool,
    /// Directory of runtime manifests (<name>.toml) that take precedence over the built-in ones.
    #[arg(long, value_name = "DIR", env = "PHASE1_RUNTIMES_DIR", global = true)]
    runtimes_dir: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Option<RuntimesCmd>,
}

#[derive(Debug, Subcommand)]
enum RuntimesCmd {
    /// One line per runtime (the default).
    List,
    /// A runtime's capability card: what it executes, where files live,
    /// host contact, network, spawn, audit records, maturity.
    Show {
        /// Runtime name.
        name: String,
    },
    /// Documentation gate: runtimes labeled `documented` or higher need
    /// docs/runtimes/NAME.md with Tutorial, Examples, Safety boundaries and
    /// Non-claims sections (exit 1 when one fails).
    Check {
        /// Runtimes to check (default: all).
        names: Vec<String>,
        /// Directory holding runtimes/NAME.md (default: the docs/ of the
        /// source tree this binary was built from).
        #[arg(long, value_name = "DIR", env = "PHASE1_DOCS_DIR")]
        docs_dir: Option<PathBuf>,
        /// Also run each page's examples under this binary and compare their output.
        #[arg(long)]
        run_examples: bool,
        /// Scratch directory for the examples (default: a new one under
        /// $XDG_CACHE_HOME/phase1 or ~/.cache/phase1, removed when all pass).
        #[arg(long, value_name = "DIR")]
        scratch: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct PluginsArgs {
    #[command(subcommand)]
    cmd: PluginsCmd,
}

#[derive(Debug, Subcommand)]
enum PluginsCmd {
    /// List a module's imports, map WASI imports to capabilities, and say
    /// whether the runtime's manifest declares them (exit 1 when it does not).
    Inspect {
        /// The module.
        module: PathBuf,
        /// Runtime whose manifest declares the capabilities.
        #[arg(long, short = 'r', default_value = "wasm")]
        runtime: String,
        /// Use this manifest file instead of the runtime's.
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
        /// Directory of runtime manifests.
        #[arg(long, value_name = "DIR", env = "PHASE1_RUNTIMES_DIR")]
        runtimes_dir: Option<PathBuf>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
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

fn host_failure(e: host::HostError) -> Failure {
    Failure {
        code: e.exit_code(),
        message: e.to_string(),
    }
}

/// For a `[wasm]` runtime, `MODULE.wasm ARGS` becomes the engine's command
/// line, after the module's imports are checked against the declared
/// capabilities (refused: exit 126). Other runtimes keep the command.
fn wasm_command(
    loaded: &manifest::LoadedManifest,
    a: &PlanArgs,
    net: manifest::NetMode,
) -> Result<Vec<String>, Failure> {
    let cwd = std::env::current_dir().map_err(|e| host_failure(host::HostError::Cwd(e)))?;
    let home = host::home_dir(nix::unistd::geteuid().as_raw());
    let Some((kind, _, engine)) = host::find_engine(loaded, &cwd, &home).map_err(host_failure)?
    else {
        return Ok(a.command.clone());
    };
    let module = host::absolute(Path::new(&a.command[0]), &cwd);
    let info = wasm::inspect_file(&module).map_err(bad)?;
    let declared = wasm::declared(
        &loaded.manifest,
        !a.allow_read.is_empty(),
        !a.allow_write.is_empty(),
        net,
    );
    let refused = wasm::verdict(&info, &declared);
    if !refused.is_empty() {
        return Err(Failure {
            code: 126,
            message: format!(
                "{}: blocked by policy: runtime `{}` declares {}; {} (see `phase1-supervise plugins inspect`)",
                module.display(),
                loaded.manifest.name.get_ref(),
                declared.iter().cloned().collect::<Vec<_>>().join(", "),
                refused
                    .iter()
                    .map(|r| format!("{}: {}", r.import, r.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    let extra: Vec<PathBuf> = a
        .allow_read
        .iter()
        .chain(&a.allow_write)
        .map(|p| host::absolute(p, &cwd))
        .collect();
    let dirs = host::declared_dirs(loaded, &cwd, &home, &extra);
    if !dirs.iter().any(|d| module.starts_with(d)) {
        return Err(bad(format!(
            "{}: the module is outside the runtime's readable directories; add --allow-read DIR",
            module.display()
        )));
    }
    let pre = wasm::preopens(&cwd, &dirs);
    Ok(wasm::engine_argv(
        kind,
        &engine,
        &info,
        &module,
        &a.command[1..],
        &pre,
    ))
}

fn build_plan(a: &PlanArgs, dry_run: bool) -> Result<(Plan, Policies), Failure> {
    let policies = load_policies(&a.policies_dir)?;
    let src = ManifestSource {
        file: a.manifest.clone(),
        dir: a.runtimes_dir.clone(),
    };
    let loaded = manifest::load(&src, &a.runtime, &policies.group_names()).map_err(bad)?;
    let mut net = None;
    for n in &a.net {
        net.get_or_insert_with(NetOverride::default)
            .add(n)
            .map_err(bad)?;
    }
    let net_mode = net
        .as_ref()
        .and_then(|o: &NetOverride| o.mode)
        .unwrap_or(loaded.manifest.net.mode);
    let command = wasm_command(&loaded, a, net_mode)?;
    let facts = host::gather(&loaded, &command).map_err(host_failure)?;
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
        allow_prototype: a.allow_prototype,
        trust: a.trust,
    };
    let mut plan = plan::compile(&loaded, &policies, &overrides, &facts).map_err(bad)?;
    host::resolve_symlinks(&mut plan);
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
    let adm = &plan.runtime.admission;
    if !adm.admitted {
        return Err(bad(format!(
            "runtime `{}` is `{}`: disabled; run it with {}",
            plan.runtime.name,
            plan.runtime.maturity.as_str(),
            adm.by
        )));
    }
    if let Some(w) = &adm.warning {
        report::say(&format!("phase1-supervise: warning: {w}\n"));
    }
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
        grace: std::time::Duration::from_secs(a.grace),
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
    let src = ManifestSource {
        file: None,
        dir: a.runtimes_dir.clone(),
    };
    let load = |name: &str| manifest::load(&src, name, &policies.group_names()).map_err(bad);
    match a.cmd.unwrap_or(RuntimesCmd::List) {
        RuntimesCmd::List => {
            let mut cards = Vec::new();
            for name in manifest::names(&src) {
                cards.push(runtimes::card(&load(&name)?));
            }
            if a.json {
                print_json(&serde_json::json!(cards));
                return Ok(0);
            }
            let rows: Vec<Vec<String>> = cards
                .iter()
                .map(|c| {
                    let cap = |n: &str| {
                        c.capabilities
                            .iter()
                            .find(|r| r.capability == n)
                            .map(|r| r.short.clone())
                            .unwrap_or_else(|| "-".into())
                    };
                    vec![
                        c.name.clone(),
                        c.maturity.as_str().to_string(),
                        c.admission.clone(),
                        cap("fs.write"),
                        cap("host.net"),
                        cap("proc.spawn"),
                        cap("host.exec"),
                        c.description.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                logs::table(
                    &[
                        "RUNTIME",
                        "MATURITY",
                        "ADMISSION",
                        "WRITES",
                        "NETWORK",
                        "SPAWNS",
                        "HOST",
                        "DESCRIPTION"
                    ],
                    &rows
                )
            );
            println!("`phase1-supervise runtimes show NAME` for the full card");
            println!("not claimed: {}", report::NON_CLAIM);
        }
        RuntimesCmd::Show { name } => {
            let c = runtimes::card(&load(&name)?);
            if a.json {
                print_json(&serde_json::json!(c));
                return Ok(0);
            }
            let mut rows = vec![
                (
                    "runtime".to_string(),
                    format!("{} — {}", c.name, c.description),
                ),
                ("maturity".into(), c.maturity.as_str().to_string()),
                ("admission".into(), c.admission.clone()),
                ("manifest".into(), c.manifest.clone()),
                ("executes".into(), c.executes.clone()),
                ("files".into(), c.files.clone()),
                ("touches host".into(), c.touches_host.clone()),
            ];
            for r in &c.capabilities {
                rows.push((
                    r.capability.to_string(),
                    format!(
                        "{}: {} [{}]",
                        if r.granted { "granted" } else { "not granted" },
                        r.scope,
                        r.guard
                    ),
                ));
            }
            for (i, r) in c.audit.iter().enumerate() {
                rows.push((
                    if i == 0 { "audit records" } else { "" }.to_string(),
                    r.clone(),
                ));
            }
            rows.push(("not claimed".into(), report::NON_CLAIM.into()));
            print!("{}", report::rows(&rows));
        }
        RuntimesCmd::Check {
            names,
            docs_dir,
            run_examples,
            scratch,
        } => {
            let docs_dir = docs_dir
                .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/docs")));
            return check_runtimes(&src, &load, names, &docs_dir, run_examples, scratch, a.json);
        }
    }
    Ok(0)
}

fn check_runtimes(
    src: &ManifestSource,
    load: &dyn Fn(&str) -> Result<manifest::LoadedManifest, Failure>,
    names: Vec<String>,
    docs_dir: &Path,
    run_examples: bool,
    scratch: Option<PathBuf>,
    json: bool,
) -> Result<i32, Failure> {
    let names = if names.is_empty() {
        manifest::names(src)
    } else {
        names
    };
    let exe = std::env::current_exe().map_err(|e| bad(format!("cannot find this program: {e}")))?;
    // Not under /tmp: the sandbox's /tmp is private, and a working directory
    // under it is carried in read-only unless declared writable.
    let (scratch_root, remove_after) = match scratch {
        Some(d) => (d, false),
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| host::home_dir(nix::unistd::geteuid().as_raw()).join(".cache"));
            (
                cache
                    .join("phase1")
                    .join(format!("examples-{}", host::nonce())),
                true,
            )
        }
    };
    let mut all_ok = true;
    let mut report_rows = Vec::new();
    let mut results = Vec::new();
    for name in names {
        let l = load(&name)?;
        let m = l.manifest.maturity;
        let page = docs_dir.join("runtimes").join(format!("{name}.md"));
        let label = page.display().to_string();
        let text = std::fs::read_to_string(&page).ok();
        let mut problems = runtimes::check_page(m, &label, text.as_deref());
        let examples = text.as_deref().map(runtimes::examples).unwrap_or_default();
        let mut ran = Vec::new();
        if run_examples && problems.is_empty() && !examples.is_empty() {
            ran = runtimes::run_examples(&label, &examples, &exe, &scratch_root.join(&name))
                .map_err(|e| Failure {
                    code: 1,
                    message: e.to_string(),
                })?;
            for r in ran.iter().filter(|r| !r.ok) {
                problems.push(format!(
                    "{label}:{}: example `{}`: {}",
                    r.example.line, r.example.command, r.detail
                ));
            }
        }
        all_ok &= problems.is_empty();
        let status = match (problems.is_empty(), text.is_some()) {
            (false, _) => "FAIL".to_string(),
            (true, false) => format!("ok (no page; not required for `{}`)", m.as_str()),
            (true, true) if run_examples => format!("ok ({} examples ran and matched)", ran.len()),
            (true, true) => format!(
                "ok ({} examples; not run, see --run-examples)",
                examples.len()
            ),
        };
        report_rows.push((name.clone(), format!("{} — {label}: {status}", m.as_str())));
        for p in &problems {
            report_rows.push(("".into(), p.clone()));
        }
        results.push(serde_json::json!({"runtime": name, "maturity": m, "page": page, "problems": problems, "examples": ran}));
    }
    if run_examples {
        if all_ok && remove_after {
            let _ = std::fs::remove_dir_all(&scratch_root);
        } else {
            report_rows.push(("examples ran in".into(), scratch_root.display().to_string()));
        }
    }
    if json {
        print_json(&serde_json::json!({"ok": all_ok, "runtimes": results}));
    } else {
        report_rows.push((
            "status".into(),
            if all_ok { "ok".into() } else { "FAIL".into() },
        ));
        print!("{}", report::rows(&report_rows));
    }
    Ok(if all_ok { 0 } else { 1 })
}

fn cmd_plugins(a: PluginsArgs) -> Result<i32, Failure> {
    let PluginsCmd::Inspect {
        module,
        runtime,
        manifest: mfile,
        runtimes_dir,
        json,
    } = a.cmd;
    let policies = Policies::builtin().map_err(bad)?;
    let src = ManifestSource {
        file: mfile,
        dir: runtimes_dir,
    };
    let l = manifest::load(&src, &runtime, &policies.group_names()).map_err(bad)?;
    let info = wasm::inspect_file(&module).map_err(bad)?;
    let declared = wasm::declared(&l.manifest, false, false, l.manifest.net.mode);
    let refused = wasm::verdict(&info, &declared);
    let cwd = std::env::current_dir().map_err(|e| bad(e.to_string()))?;
    let engine = match host::find_engine(&l, &cwd, &host::home_dir(nix::unistd::geteuid().as_raw()))
    {
        Ok(Some((kind, _, path))) => format!("{} at {}", kind.describe(), path.display()),
        Ok(None) => format!("none: runtime `{runtime}` has no [wasm] engines"),
        Err(e) => format!("NONE INSTALLED: {e}"),
    };
    if json {
        print_json(&serde_json::json!({
            "module": module, "runtime": runtime, "manifest": l.file, "declared": declared,
            "engine": engine, "imports": info.imports, "exports": info.exports,
            "refused": refused, "ok": refused.is_empty(),
        }));
    } else {
        let size = std::fs::metadata(&module).map(|m| m.len()).unwrap_or(0);
        print!(
            "{}",
            report::rows(&[
                (
                    "module".to_string(),
                    format!("{} ({size} bytes, {})", module.display(), info.wasi)
                ),
                (
                    "runtime".into(),
                    format!("{runtime} ({}) — {}", l.manifest.maturity.as_str(), l.file)
                ),
                (
                    "declared".into(),
                    declared.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
                ("engine".into(), engine),
            ])
        );
        let rows: Vec<Vec<String>> = info
            .imports
            .iter()
            .map(|i| {
                let (needs, ok) = match &i.need {
                    wasm::Need::Nothing => ("-".to_string(), "yes".to_string()),
                    wasm::Need::Capability(c) => (
                        c.to_string(),
                        if declared.contains(*c) { "yes" } else { "NO" }.to_string(),
                    ),
                    wasm::Need::Unsupported(why) => (format!("unsupported: {why}"), "NO".into()),
                };
                vec![
                    format!("{}.{}", i.module, i.name),
                    i.kind.to_string(),
                    needs,
                    ok,
                ]
            })
            .collect();
        println!();
        print!(
            "{}",
            logs::table(&["IMPORT", "KIND", "NEEDS", "DECLARED"], &rows)
        );
        println!();
        let status = if refused.is_empty() {
            "ok: every import is covered by the runtime's declared capabilities".to_string()
        } else {
            format!(
                "REFUSED: {}",
                refused
                    .iter()
                    .map(|r| format!("{}: {}", r.import, r.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        print!("{}", report::rows(&[("status".to_string(), status)]));
    }
    Ok(if refused.is_empty() { 0 } else { 1 })
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

fn man(dir: Option<PathBuf>) -> Result<i32, Failure> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let render = |c: clap::Command| -> Result<Vec<u8>, Failure> {
        let mut buf = Vec::new();
        clap_mangen::Man::new(c)
            .render(&mut buf)
            .map_err(|e| bad(format!("cannot render the man page: {e}")))?;
        Ok(buf)
    };
    let Some(dir) = dir else {
        use std::io::Write;
        let page = render(cmd)?;
        let _ = std::io::stdout().write_all(&page);
        return Ok(0);
    };
    let write = |name: String, page: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, page).map_err(|e| bad(format!("{}: {e}", p.display())))
    };
    std::fs::create_dir_all(&dir).map_err(|e| bad(format!("{}: {e}", dir.display())))?;
    for sub in cmd.get_subcommands() {
        let name = format!("phase1-supervise-{}", sub.get_name());
        write(
            format!("{name}.1"),
            render(sub.clone().name(name.clone()).bin_name(name))?,
        )?;
    }
    write("phase1-supervise.1".into(), render(cmd)?)?;
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
    if !matches!(cli.cmd, Cmd::Run(_)) {
        // Commands that only print end quietly when their reader goes away
        // (`logs show | head`), as other Unix tools do. `run` keeps SIGPIPE
        // ignored: the supervisor must outlive a closed stderr.
        // SAFETY: setting a signal disposition to SIG_DFL passes no handler
        // code and no memory; no other thread exists yet.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    let result = match cli.cmd {
        Cmd::Run(a) => cmd_run(a),
        Cmd::Explain(a) => cmd_explain(a),
        Cmd::Runtimes(a) => cmd_runtimes(a),
        Cmd::Plugins(a) => cmd_plugins(a),
        Cmd::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "phase1-supervise",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Cmd::Man { dir } => man(dir),
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
