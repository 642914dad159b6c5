//! What the user is told: the run header (what runs, where output goes, which
//! layers are enforced), the footer, and `explain`'s full plan. Rows are
//! `key : value` with aligned colons; `--json` gives the same as JSON.

use crate::plan::{Action, FsAccess, Plan};
use crate::run::RunOutcome;
use crate::sys::channel::SetupReport;
use serde::Serialize;
use std::collections::BTreeMap;

/// The one-line non-claim every output carries.
pub const NON_CLAIM: &str = "not hardened isolation: the workload shares the host kernel; a kernel bug, a declared capability or a host tool it may run can let it out";

/// Where the standard streams go.
#[derive(Debug, Clone, Serialize)]
pub struct Destinations {
    /// stdin.
    pub stdin: String,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

fn describe_fd(fd: i32) -> String {
    match std::fs::read_link(format!("/proc/self/fd/{fd}")) {
        Ok(p) => {
            let s = p.to_string_lossy().into_owned();
            if s.starts_with("/dev/pts/") || s.starts_with("/dev/tty") {
                format!("terminal {s}")
            } else if s.starts_with("pipe:") {
                "pipe (inherited)".into()
            } else if s.starts_with("socket:") {
                "socket (inherited)".into()
            } else if s == "/dev/null" {
                "/dev/null".into()
            } else {
                format!("file {s}")
            }
        }
        Err(_) => "closed".into(),
    }
}

impl Destinations {
    /// Describe fds 0-2 of this process (the sandbox inherits exactly these).
    pub fn of_this_process() -> Self {
        Destinations {
            stdin: describe_fd(0),
            stdout: describe_fd(1),
            stderr: describe_fd(2),
        }
    }
}

/// Words whose `word=value` values are secrets (Phase1 convention).
const SECRET_KEYS: &[&str] = &["token", "password", "passwd", "secret", "api_key", "apikey"];

/// Redact `token=...`, `password=...` and the like inside one argument.
pub fn redact_arg(arg: &str) -> String {
    let lower = arg.to_ascii_lowercase();
    let mut out = String::with_capacity(arg.len());
    let mut i = 0;
    while i < arg.len() {
        let hit = SECRET_KEYS.iter().find_map(|k| {
            let pat = format!("{k}=");
            lower[i..].starts_with(&pat).then_some(pat.len())
        });
        match hit {
            Some(n) => {
                out.push_str(&arg[i..i + n]);
                out.push_str("<redacted>");
                i += n;
                while i < arg.len()
                    && !matches!(arg.as_bytes()[i], b' ' | b'&' | b';' | b',' | b'\'' | b'"')
                {
                    i += 1;
                }
            }
            None => {
                let c = arg[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// argv with secrets redacted (for logs and headers).
pub fn redact_argv(argv: &[String]) -> Vec<String> {
    argv.iter().map(|a| redact_arg(a)).collect()
}

/// Quote argv for display.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                a.clone()
            } else if a.chars().any(|c| c.is_control()) {
                // One line per header row: control characters are shown ANSI-C style.
                let mut q = String::from("$'");
                for c in a.chars() {
                    match c {
                        '\n' => q.push_str("\\n"),
                        '\t' => q.push_str("\\t"),
                        '\'' => q.push_str("\\'"),
                        '\\' => q.push_str("\\\\"),
                        c if c.is_control() => q.push_str(&format!("\\x{:02x}", c as u32)),
                        c => q.push(c),
                    }
                }
                q.push('\'');
                q
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Align `key : value` rows.
pub fn rows(pairs: &[(String, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in pairs {
        out.push_str(&format!("{k:<w$} : {v}\n"));
    }
    out
}

/// The maturity gate's verdict as one line (header and explain).
fn admitted_by(plan: &Plan) -> String {
    let a = &plan.runtime.admission;
    let mut s = if a.admitted {
        a.by.clone()
    } else {
        format!("REFUSED: `run` needs {}", a.by)
    };
    if let Some(w) = &a.warning {
        s.push_str(&format!(" (warning: {w})"));
    }
    s
}

fn net_summary(plan: &Plan) -> String {
    let n = &plan.landlock.net;
    if plan.private_net() {
        "none (private network namespace; TCP denied by Landlock; inet sockets denied by seccomp)"
            .into()
    } else if !n.restrict_tcp {
        "host network, UNRESTRICTED (declared full, trust gate on)".into()
    } else {
        let ports = |v: &[u16]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            }
        };
        format!(
            "host network; TCP connect to ports {} and bind to ports {} only (Landlock); UDP not restricted",
            ports(&n.connect),
            ports(&n.bind)
        )
    }
}

fn seccomp_summary(plan: &Plan, filters: usize, listener: bool) -> String {
    let allowed = plan.seccomp.allowed_names();
    let mut uniq = allowed.clone();
    uniq.sort_unstable();
    uniq.dedup();
    let default = match plan.seccomp.default {
        Action::Deny { errno } => format!("deny {}", errno_name(errno)),
        a => format!("{a:?}"),
    };
    format!(
        "enforced: {} filters, {} syscalls allowed, default {}, x32/foreign ABI killed{}",
        filters,
        uniq.len(),
        default,
        if listener {
            ", denials notified to the supervisor"
        } else {
            ""
        }
    )
}

/// errno name for the few errnos plans use.
pub fn errno_name(e: i32) -> String {
    match e {
        libc::EPERM => "EPERM".into(),
        libc::EACCES => "EACCES".into(),
        libc::ENOSYS => "ENOSYS".into(),
        other => format!("errno {other}"),
    }
}

/// Where this session's Landlock denials and exit statuses come from, as
/// decided by what the run could actually open.
#[derive(Debug, Clone)]
pub struct Sources {
    /// Landlock denials.
    pub landlock: String,
    /// Exit statuses.
    pub exits: String,
}

/// Everything the run header says.
#[derive(Debug, Clone, Serialize)]
pub struct RunHeader {
    /// Rows in order.
    pub rows: Vec<(String, String)>,
    /// Machine-readable facts.
    pub facts: BTreeMap<String, serde_json::Value>,
}

impl RunHeader {
    /// Build the header from the plan and what the sandbox reported.
    pub fn new(
        plan: &Plan,
        setup: &SetupReport,
        pids: &str,
        dest: &Destinations,
        audit_log: &std::path::Path,
        session: &str,
        sources: &Sources,
    ) -> Self {
        let landlock_source = &sources.landlock;
        let ll = &setup.landlock;
        let landlock = if plan.dry_run {
            format!(
                "NOT APPLIED (dry-run; kernel ABI {}): writes, creates, removes, exec and TCP connect/bind outside its {} rules are recorded as would_deny; read-only opens are not checked",
                ll.kernel_abi,
                plan.landlock.fs.len()
            )
        } else {
            format!(
                "{} (plan ABI {}, kernel ABI {}): {} filesystem rules{}, TCP {}, scopes {}",
                match ll.status.as_str() {
                    "fully_enforced" => "enforced".to_string(),
                    s => format!(
                        "DOWNGRADED ({s}, --best-effort; not enforced: {})",
                        ll.downgraded.join(", ")
                    ),
                },
                ll.plan_abi,
                ll.kernel_abi,
                ll.fs_rules,
                if ll.skipped.is_empty() {
                    String::new()
                } else {
                    format!(" ({} optional paths absent and skipped)", ll.skipped.len())
                },
                if plan.landlock.net.restrict_tcp {
                    "restricted"
                } else {
                    "not restricted"
                },
                plan.landlock.scopes.join("+"),
            )
        };
        let seccomp = if plan.dry_run {
            format!(
                "{} filters; NOTHING BLOCKED (dry-run): each would-be denial is recorded and let through",
                setup.seccomp_filters
            )
        } else {
            seccomp_summary(plan, setup.seccomp_filters, setup.seccomp_listener)
        };
        let limits = plan
            .rlimits
            .iter()
            .map(|r| format!("{}={}", r.resource, r.value))
            .collect::<Vec<_>>()
            .join(" ");
        let env = plan
            .env
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let rows: Vec<(String, String)> = vec![
            ("run".into(), shell_join(&redact_argv(&plan.command.argv))),
            ("program".into(), plan.command.program.display().to_string()),
            ("cwd".into(), plan.command.cwd.display().to_string()),
            (
                "runtime".into(),
                format!("{} ({}) — {}", plan.runtime.name, plan.runtime.maturity.as_str(), plan.runtime.description),
            ),
            ("manifest".into(), plan.runtime.manifest.clone()),
            ("admitted by".into(), admitted_by(plan)),
            ("stdin".into(), dest.stdin.clone()),
            ("stdout".into(), dest.stdout.clone()),
            ("stderr".into(), dest.stderr.clone()),
            (
                "namespaces".into(),
                plan.namespaces.iter().map(|n| n.name()).collect::<Vec<_>>().join(", "),
            ),
            (
                "ids".into(),
                format!("uid {0}->{0} gid {1}->{1}, setgroups denied", plan.id_map.uid, plan.id_map.gid),
            ),
            ("landlock".into(), landlock),
            ("seccomp".into(), seccomp),
            (
                "capabilities".into(),
                format!(
                    "all dropped (bounding 0..={}, ambient, inheritable, permitted, effective; securebits locked)",
                    setup.caps_dropped_up_to
                ),
            ),
            ("no_new_privs".into(), if setup.no_new_privs { "set".into() } else { "NOT set".into() }),
            ("network".into(), net_summary(plan)),
            ("pids".into(), pids.to_string()),
            ("limits".into(), limits),
            ("home".into(), format!("{} (private tmpfs /tmp)", plan.home.display())),
            ("env".into(), env),
            (
                "mode".into(),
                if plan.dry_run {
                    "DRY-RUN: the workload runs unblocked; namespaces, capability drop and limits still apply".into()
                } else {
                    "enforce".into()
                },
            ),
            (
                "audit log".into(),
                format!(
                    "{} (session {session}): spawns, exits, seccomp {}; Landlock denials {landlock_source}",
                    audit_log.display(),
                    if plan.dry_run { "and Landlock would-be denials" } else { "denials" }
                ),
            ),
            ("not claimed".into(), NON_CLAIM.into()),
        ];
        let mut facts = BTreeMap::new();
        facts.insert("event".into(), serde_json::json!("run.start"));
        facts.insert(
            "argv".into(),
            serde_json::json!(redact_argv(&plan.command.argv)),
        );
        facts.insert("program".into(), serde_json::json!(plan.command.program));
        facts.insert("cwd".into(), serde_json::json!(plan.command.cwd));
        facts.insert("runtime".into(), serde_json::json!(plan.runtime.name));
        facts.insert("maturity".into(), serde_json::json!(plan.runtime.maturity));
        facts.insert(
            "admission".into(),
            serde_json::json!(plan.runtime.admission),
        );
        facts.insert("destinations".into(), serde_json::json!(dest));
        facts.insert("namespaces".into(), serde_json::json!(plan.namespaces));
        facts.insert("landlock".into(), serde_json::json!(setup.landlock));
        facts.insert(
            "seccomp".into(),
            serde_json::json!({"filters": setup.seccomp_filters, "listener": setup.seccomp_listener, "enforced": true}),
        );
        facts.insert("capabilities_dropped".into(), serde_json::json!(true));
        facts.insert("no_new_privs".into(), serde_json::json!(setup.no_new_privs));
        facts.insert("pids".into(), serde_json::json!(pids));
        facts.insert("plan_digest".into(), serde_json::json!(plan.digest()));
        facts.insert(
            "mode".into(),
            serde_json::json!(if plan.dry_run { "dry_run" } else { "enforce" }),
        );
        facts.insert("audit_log".into(), serde_json::json!(audit_log));
        facts.insert("session".into(), serde_json::json!(session));
        facts.insert(
            "landlock_denials".into(),
            serde_json::json!(landlock_source),
        );
        facts.insert("exits".into(), serde_json::json!(sources.exits));
        facts.insert("not_claimed".into(), serde_json::json!(NON_CLAIM));
        RunHeader { rows, facts }
    }
}

impl RunHeader {
    /// Fields of the `session.start` record.
    pub fn session_start(&self, plan: &Plan) -> serde_json::Map<String, serde_json::Value> {
        let mut m: serde_json::Map<String, serde_json::Value> = self
            .facts
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        m.remove("event");
        m.insert(
            "command".into(),
            serde_json::json!(redact_argv(&plan.command.argv)),
        );
        m.insert("manifest".into(), serde_json::json!(plan.runtime.manifest));
        m.insert("uid".into(), serde_json::json!(plan.id_map.uid));
        m.insert(
            "enforced".into(),
            serde_json::json!({
                "namespaces": plan.namespaces,
                "landlock": self.facts.get("landlock").and_then(|l| l.get("status")).cloned(),
                "seccomp": if plan.dry_run { "record_only" } else { "enforced" },
                "capabilities": "all dropped",
                "no_new_privs": self.facts.get("no_new_privs").cloned(),
                "pids": self.facts.get("pids").cloned(),
            }),
        );
        m.insert(
            "recorded".into(),
            serde_json::json!({
                "seccomp_denials": true,
                "spawns": "execve/execveat via seccomp user notification (CONTINUE)",
                "exits": self.facts.get("exits").cloned(),
                "landlock_denials": self.facts.get("landlock_denials").cloned(),
            }),
        );
        m
    }
}

/// How the run ended, in words.
pub fn how(o: &RunOutcome) -> String {
    match (o.timed_out, o.exit) {
        (true, _) => "killed: wall-clock limit reached".to_string(),
        (false, Some(e)) => match (e.code, e.signal) {
            (Some(c), _) => format!("exited with code {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            _ => "unknown".into(),
        },
        (false, None) => "the sandbox ended before the workload reported".into(),
    }
}

/// Write to stderr, ignoring failure: a closed stderr must not bring the
/// supervisor down while a sandbox runs (the audit log is the record).
pub fn say(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Print the header to stderr.
pub fn print_header(h: &RunHeader, json: bool) {
    if json {
        say(&format!(
            "{}\n",
            serde_json::to_string(&h.facts).unwrap_or_default()
        ));
    } else {
        say(&format!(
            "phase1-supervise: sandboxed run\n{}",
            indent(&rows(&h.rows))
        ));
    }
}

/// Print the footer to stderr.
pub fn print_footer(o: &RunOutcome, json: bool) {
    let how = how(o);
    let by_cap = o
        .counts
        .by_capability
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    if json {
        let v = serde_json::json!({
            "event": "run.end", "exit": o.exit_code, "how": how,
            "timed_out": o.timed_out, "pids_limit_hits": o.pids_limit_hits,
            "denials": o.counts.denials, "would_deny": o.counts.would_deny, "spawns": o.counts.spawns,
            "by_capability": o.counts.by_capability, "audit_log": o.audit.0, "session": o.audit.1,
            "status": if o.exit_code == 0 { "ok" } else { "failed" },
        });
        say(&format!("{v}\n"));
    } else {
        let mut r = vec![("workload".to_string(), how)];
        if o.dry_run {
            r.push((
                "would deny".into(),
                if o.counts.would_deny == 0 {
                    "0".into()
                } else {
                    format!("{} ({by_cap})", o.counts.would_deny)
                },
            ));
        } else {
            r.push((
                "denials".into(),
                if o.counts.denials == 0 {
                    "0 recorded".into()
                } else {
                    format!("{} recorded ({by_cap})", o.counts.denials)
                },
            ));
        }
        r.push(("spawns".into(), o.counts.spawns.to_string()));
        r.push((
            "audit log".into(),
            format!(
                "{} (session {}; inspect with `phase1-supervise logs show {}`)",
                o.audit.0.display(),
                o.audit.1,
                o.audit.1
            ),
        ));
        if let Some(h) = o.pids_limit_hits.filter(|h| *h > 0) {
            r.push((
                "pids limit".into(),
                format!("hit {h} times (fork failed with EAGAIN)"),
            ));
        }
        r.push((
            "status".into(),
            if o.exit_code == 0 {
                "ok".into()
            } else {
                "failed".into()
            },
        ));
        r.push(("exit".into(), o.exit_code.to_string()));
        say(&format!(
            "phase1-supervise: run ended\n{}",
            indent(&rows(&r))
        ));
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

fn access_str(a: &[FsAccess]) -> String {
    a.iter()
        .map(|x| match x {
            FsAccess::Read => "read",
            FsAccess::Write => "write",
            FsAccess::Exec => "exec",
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `explain`: the whole plan, each rule with its capability.
pub fn explain_text(plan: &Plan) -> String {
    let mut out = String::new();
    let head = vec![
        (
            "run".to_string(),
            shell_join(&redact_argv(&plan.command.argv)),
        ),
        ("program".into(), plan.command.program.display().to_string()),
        ("cwd".into(), plan.command.cwd.display().to_string()),
        (
            "runtime".into(),
            format!(
                "{} ({}) — {}",
                plan.runtime.name,
                plan.runtime.maturity.as_str(),
                plan.runtime.description
            ),
        ),
        ("manifest".into(), plan.runtime.manifest.clone()),
        ("admitted by".into(), admitted_by(plan)),
        (
            "namespaces".into(),
            plan.namespaces
                .iter()
                .map(|n| n.name())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "ids".into(),
            format!(
                "uid {0}->{0} gid {1}->{1}, setgroups {2}",
                plan.id_map.uid, plan.id_map.gid, plan.id_map.setgroups
            ),
        ),
        ("hostname".into(), plan.hostname.clone()),
        ("network".into(), net_summary(plan)),
        (
            "pids".into(),
            format!(
                "{} via {}",
                plan.pids.max,
                match plan.pids.mechanism {
                    crate::plan::PidsMechanism::Cgroup => "cgroup pids.max",
                    crate::plan::PidsMechanism::RlimitNproc => "RLIMIT_NPROC",
                }
            ),
        ),
        (
            "timeout".into(),
            plan.timeout
                .map(|t| format!("{t} s"))
                .unwrap_or_else(|| "none".into()),
        ),
        (
            "best effort".into(),
            if plan.best_effort {
                "yes: downgraded layers run, loudly".into()
            } else {
                "no: a layer that cannot be applied stops the run".into()
            },
        ),
        (
            "mode".into(),
            if plan.dry_run {
                "DRY-RUN: nothing is blocked; would-be denials are recorded".into()
            } else {
                "enforce".into()
            },
        ),
        ("plan digest".into(), plan.digest()),
        ("not claimed".into(), NON_CLAIM.into()),
    ];
    out.push_str("phase1-supervise: plan (nothing is run)\n");
    out.push_str(&indent(&rows(&head)));
    out.push_str("\nchild setup, in order:\n");
    out.push_str("  1. id maps (parent writes setgroups=deny, uid_map, gid_map)\n");
    for (i, m) in plan.mounts.iter().enumerate() {
        out.push_str(&format!(
            "  2.{} mount {}\n",
            i + 1,
            serde_json::to_string(m).unwrap_or_default()
        ));
    }
    out.push_str("  3. rlimits:");
    for r in &plan.rlimits {
        out.push_str(&format!(" {}={}", r.resource, r.value));
    }
    out.push('\n');
    out.push_str("  4. drop all capabilities (bounding up to cap_last_cap, ambient, inheritable, permitted, effective)\n");
    out.push_str("  5. no_new_privs\n");
    if plan.dry_run {
        out.push_str(&format!(
            "  6. landlock NOT applied (dry-run): the supervisor checks writes, exec and TCP against these ABI {} rules\n",
            plan.landlock.abi
        ));
        out.push_str("  7. seccomp (last; denials notified, recorded as would_deny and let through), then exec\n");
    } else {
        out.push_str(&format!(
            "  6. landlock (ABI {}, must be fully enforced)\n",
            plan.landlock.abi
        ));
        out.push_str("  7. seccomp (last; denials notified, recorded and refused), then exec\n");
    }

    out.push_str("\nlandlock filesystem rules (everything else is denied):\n");
    let fs_rows: Vec<(String, String)> = plan
        .landlock
        .fs
        .iter()
        .map(|r| {
            (
                format!("{:<16} {}", access_str(&r.access), r.path.display()),
                format!(
                    "{} [{}{}]",
                    r.capability,
                    r.source,
                    if r.optional { ", optional" } else { "" }
                ),
            )
        })
        .collect();
    out.push_str(&indent(&rows(&fs_rows)));
    out.push_str(&format!(
        "\nlandlock network: TCP {}; connect ports {:?}; bind ports {:?} [{}]\nlandlock scopes: {}\n",
        if plan.landlock.net.restrict_tcp { "restricted" } else { "not restricted" },
        plan.landlock.net.connect,
        plan.landlock.net.bind,
        plan.landlock.net.capability,
        plan.landlock.scopes.join(", ")
    ));

    out.push_str(&format!(
        "\nseccomp (default: {} for every syscall not allowed below; x32 ABI killed):\n",
        match plan.seccomp.default {
            Action::Deny { errno } => format!("deny {}", errno_name(errno)),
            a => format!("{a:?}"),
        }
    ));
    let mut by_group: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    let mut cond_rows = Vec::new();
    for r in &plan.seccomp.rules {
        if r.when.is_none() && r.action == Action::Allow {
            by_group
                .entry((r.group.clone(), r.capability.clone()))
                .or_default()
                .push(&r.syscall);
        } else {
            let action = match r.action {
                Action::Allow => "allow".to_string(),
                Action::Deny { errno } => format!("deny {}", errno_name(errno)),
                Action::Compat { errno } => format!("return {} (compat)", errno_name(errno)),
                Action::Kill => "kill".into(),
                Action::Observe => "notify, continue".into(),
            };
            let when = r.when.map(|w| arg_label(&r.syscall, w));
            cond_rows.push((
                format!(
                    "{action:<18} {}{}",
                    r.syscall,
                    when.map(|w| format!(" if {w}")).unwrap_or_default()
                ),
                r.capability.clone(),
            ));
        }
    }
    for ((group, cap), names) in &by_group {
        out.push_str(&format!(
            "  allow [{cap}; group {group}]: {}\n",
            names.join(" ")
        ));
    }
    out.push_str(&indent(&rows(&cond_rows)));
    out.push_str("\nenvironment (complete; nothing else is passed):\n");
    let env_rows: Vec<(String, String)> = plan
        .env
        .iter()
        .map(|(k, v)| (k.clone(), redact(k, v)))
        .collect();
    out.push_str(&indent(&rows(&env_rows)));
    out
}

/// A readable form of a rule's argument condition.
pub fn arg_label(syscall: &str, w: crate::plan::ArgMatch) -> String {
    use crate::plan::ArgMatch;
    let open_flag = |m: u64| match m as i32 {
        libc::O_WRONLY => Some("O_WRONLY"),
        libc::O_RDWR => Some("O_RDWR"),
        libc::O_CREAT => Some("O_CREAT"),
        libc::O_TRUNC => Some("O_TRUNC"),
        _ => None,
    };
    let family = |v: u64| match v as i32 {
        libc::AF_UNIX => Some("AF_UNIX"),
        libc::AF_INET => Some("AF_INET"),
        libc::AF_INET6 => Some("AF_INET6"),
        libc::AF_NETLINK => Some("AF_NETLINK"),
        _ => None,
    };
    match (syscall, w) {
        ("clone", ArgMatch::AllSet { mask, .. }) => {
            match crate::monitor::clone_flag_names(mask).first() {
                Some(n) => format!("flags has {n}"),
                None => format!("flags has {mask:#x}"),
            }
        }
        ("open" | "openat", ArgMatch::AllSet { mask, .. }) => match open_flag(mask) {
            Some(n) => format!("flags has {n}"),
            None => format!("flags has {mask:#x}"),
        },
        ("socket", ArgMatch::Eq { value, .. }) => match family(value) {
            Some(n) => format!("family == {n}"),
            None => format!("family == {value}"),
        },
        (_, ArgMatch::Eq { index, value }) => format!("arg{index} == {value:#x}"),
        (_, ArgMatch::AllSet { index, mask }) => format!("arg{index} has {mask:#x}"),
    }
}

/// Hide values that look like secrets (Phase1 convention: token=, password=).
pub fn redact(key: &str, value: &str) -> String {
    let k = key.to_ascii_lowercase();
    if ["token", "password", "secret", "key"]
        .iter()
        .any(|s| k.contains(s))
    {
        "<redacted>".into()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_align_colons() {
        let r = rows(&[("a".into(), "1".into()), ("long key".into(), "2".into())]);
        assert_eq!(r, "a        : 1\nlong key : 2\n");
    }

    #[test]
    fn shell_join_quotes_what_needs_it() {
        assert_eq!(
            shell_join(&["sh".into(), "-c".into(), "echo hi".into()]),
            "sh -c 'echo hi'"
        );
        assert_eq!(shell_join(&["it's".into()]), "'it'\\''s'");
        assert_eq!(shell_join(&["a\nb'c".into()]), "$'a\\nb\\'c'");
    }

    #[test]
    fn secret_arguments_are_redacted() {
        assert_eq!(redact_arg("--token=abc123"), "--token=<redacted>");
        assert_eq!(
            redact_arg("https://x/?a=1&Password=hunter2&b=2"),
            "https://x/?a=1&Password=<redacted>&b=2"
        );
        assert_eq!(redact_arg("echo token=a; ls"), "echo token=<redacted>; ls");
        assert_eq!(redact_arg("plain"), "plain");
        assert_eq!(redact_arg("ünïcode token=x"), "ünïcode token=<redacted>");
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(redact("API_TOKEN", "x"), "<redacted>");
        assert_eq!(redact("LANG", "C"), "C");
    }
}
