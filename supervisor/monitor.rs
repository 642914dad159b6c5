//! The supervisor's recorder: answers seccomp notifications from the sandbox
//! according to the plan and writes `spawn`, `denial`, `would_deny` and `exit`
//! records. Enforcement decisions are the plan's (`SeccompPlan::decide`);
//! what is read from the process's memory only describes the event.

use crate::audit::{AuditError, AuditLog};
use crate::plan::{self, normalize, Action, FsAccess, Plan, DRY_RUN_PATH_OPS};
use crate::policy::{self, Policies};
use crate::report::errno_name;
use crate::sys::channel::ExitInfo;
use crate::sys::notify::{self, Notification, Reply, Target};
use crate::sys::process;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Errors while monitoring. Any of them ends the run (fail closed).
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The audit log could not be written.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The listener failed.
    #[error(transparent)]
    Notify(#[from] notify::NotifyError),
}

/// Counts for the session end and the footer.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Counts {
    /// Enforced denials.
    pub denials: u64,
    /// Would-be denials (dry-run).
    pub would_deny: u64,
    /// Spawns.
    pub spawns: u64,
    /// Denials or would-be denials per missing capability.
    pub by_capability: BTreeMap<String, u64>,
}

struct Tracked {
    ns_pid: Option<u32>,
    pidfd: OwnedFd,
}

/// State of one session's recorder.
pub struct Monitor<'a> {
    plan: &'a Plan,
    policies: &'a Policies,
    log: &'a mut AuditLog,
    listener: Option<OwnedFd>,
    workload_ns_pid: u32,
    tracked: BTreeMap<u32, Tracked>,
    exited: std::collections::BTreeSet<u32>,
    init_host_pid: u32,
    known_pids: BTreeMap<u32, Option<u32>>,
    domains: std::collections::BTreeSet<String>,
    /// Our Landlock domain was released (all its processes are gone).
    pub domain_released: bool,
    /// Exits come from the kernel's process-events connector (root).
    pub connector: bool,
    assembler: crate::kaudit::Assembler,
    /// Counters.
    pub counts: Counts,
}

fn family_name(f: i32) -> String {
    match f {
        libc::AF_UNIX => "AF_UNIX".into(),
        libc::AF_INET => "AF_INET".into(),
        libc::AF_INET6 => "AF_INET6".into(),
        libc::AF_NETLINK => "AF_NETLINK".into(),
        libc::AF_PACKET => "AF_PACKET".into(),
        other => format!("family {other}"),
    }
}

/// Names of the CLONE_NEW* bits in clone/unshare flags.
pub fn clone_flag_names(flags: u64) -> Vec<&'static str> {
    [
        (libc::CLONE_NEWNS, "CLONE_NEWNS"),
        (libc::CLONE_NEWUTS, "CLONE_NEWUTS"),
        (libc::CLONE_NEWIPC, "CLONE_NEWIPC"),
        (libc::CLONE_NEWUSER, "CLONE_NEWUSER"),
        (libc::CLONE_NEWPID, "CLONE_NEWPID"),
        (libc::CLONE_NEWNET, "CLONE_NEWNET"),
        (libc::CLONE_NEWCGROUP, "CLONE_NEWCGROUP"),
        (libc::CLONE_THREAD, "CLONE_THREAD"),
    ]
    .iter()
    .filter(|(bit, _)| flags & *bit as u64 != 0)
    .map(|(_, n)| *n)
    .collect()
}

/// Decode an exit status as stored in /proc/<pid>/stat's exit_code field.
pub fn decode_wait_status(st: i32) -> ExitInfo {
    if st & 0x7f == 0 {
        ExitInfo {
            code: Some((st >> 8) & 0xff),
            signal: None,
        }
    } else {
        ExitInfo {
            code: None,
            signal: Some(st & 0x7f),
        }
    }
}

/// The fields of an `exit` record; `exit` None means the status is unknown.
fn exit_fields(
    pid: Option<u32>,
    ns_pid: Option<u32>,
    exit: Option<ExitInfo>,
    source: &str,
) -> Map<String, Value> {
    let mut f = Map::new();
    if let Some(p) = pid {
        f.insert("pid".into(), json!(p));
    }
    f.insert("ns_pid".into(), json!(ns_pid));
    match exit {
        Some(e) => {
            f.insert("code".into(), json!(e.code));
            f.insert("signal".into(), json!(e.signal));
            if e.signal == Some(libc::SIGSYS) {
                f.insert(
                    "note".into(),
                    json!("SIGSYS: killed by the seccomp filter (non-native syscall ABI)"),
                );
            }
            f.insert("source".into(), json!(source));
        }
        None => {
            f.insert(
                "status".into(),
                json!("unknown: reaped by its parent before the supervisor read it"),
            );
        }
    }
    f
}

/// exit_code (field 52) of /proc/<pid>/stat, readable while the process is a zombie.
fn zombie_status(pid: u32) -> Option<i32> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &s[s.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    if fields.first() != Some(&"Z") {
        return None;
    }
    fields.get(52 - 3)?.parse().ok()
}

impl<'a> Monitor<'a> {
    /// A recorder for one session.
    pub fn new(
        plan: &'a Plan,
        policies: &'a Policies,
        log: &'a mut AuditLog,
        listener: OwnedFd,
        workload_ns_pid: u32,
        init_host_pid: u32,
    ) -> Self {
        Monitor {
            plan,
            policies,
            log,
            listener: Some(listener),
            workload_ns_pid,
            tracked: BTreeMap::new(),
            exited: Default::default(),
            init_host_pid,
            known_pids: BTreeMap::new(),
            domains: Default::default(),
            domain_released: false,
            connector: false,
            assembler: Default::default(),
            counts: Counts::default(),
        }
    }

    /// The listener, for poll (None once closed).
    pub fn listener(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.listener.as_ref().map(|l| l.as_fd())
    }

    /// Close the listener once nothing in the sandbox is left. The listener was
    /// created inside the Landlock domain and keeps it alive while open.
    pub fn close_listener(&mut self) {
        self.listener = None;
    }

    /// Pidfds of spawned processes whose exit is awaited.
    pub fn pidfds(&self) -> Vec<(u32, std::os::fd::BorrowedFd<'_>)> {
        use std::os::fd::AsFd;
        self.tracked
            .iter()
            .map(|(p, t)| (*p, t.pidfd.as_fd()))
            .collect()
    }

    /// Append a record to the log.
    pub fn record(&mut self, kind: &str, fields: Value) -> Result<(), MonitorError> {
        let map = match fields {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        self.log.append(kind, map)?;
        Ok(())
    }

    /// Handle one pending notification.
    pub fn handle(&mut self) -> Result<(), MonitorError> {
        let Some(fd) = self.listener.as_ref().map(|l| l.as_raw_fd()) else {
            return Ok(());
        };
        let Some(n) = notify::recv(fd)? else {
            return Ok(());
        };
        let name = policy::syscall_name(n.nr).unwrap_or("unknown");
        let decision = self.plan.seccomp.decide(n.nr, &n.args, true);
        let target = Target::open(n.pid);
        let reply = match decision.action {
            Action::Observe if name == "execve" || name == "execveat" => {
                self.spawn(&n, name, &target)?;
                Reply::Continue
            }
            Action::Observe if name == "exit_group" => {
                self.exit_group(&n, &target)?;
                Reply::Continue
            }
            Action::Observe => {
                self.dry_run_check(&n, name, &target)?;
                Reply::Continue
            }
            Action::Deny { errno } => {
                let (cap, group) =
                    plan::missing_capability(self.policies, &decision, name, &n.args);
                let mut f = self.base_fields(&n, name, &target);
                f.insert("layer".into(), json!("seccomp"));
                f.insert("capability".into(), json!(cap));
                if let Some(g) = group {
                    f.insert("group".into(), json!(g));
                }
                f.insert("errno".into(), json!(errno_name(errno)));
                f.insert(
                    "args".into(),
                    json!(n.args.iter().map(|a| format!("{a:#x}")).collect::<Vec<_>>()),
                );
                self.describe(&mut f, name, &n, &target);
                if !notify::id_valid(fd, n.id) {
                    f.insert("note".into(), json!("the process left the syscall before it was read; details may be incomplete"));
                }
                self.count(&cap);
                let dry = self.plan.dry_run;
                self.record(if dry { "would_deny" } else { "denial" }, Value::Object(f))?;
                if dry {
                    Reply::Continue
                } else {
                    Reply::Errno(errno)
                }
            }
            // Not notified by the filter; answer as the plan would.
            Action::Compat { errno } => Reply::Errno(errno),
            Action::Allow | Action::Kill => Reply::Continue,
        };
        notify::reply(fd, n.id, reply)?;
        Ok(())
    }

    fn count(&mut self, cap: &str) {
        if self.plan.dry_run {
            self.counts.would_deny += 1;
        } else {
            self.counts.denials += 1;
        }
        *self
            .counts
            .by_capability
            .entry(cap.to_string())
            .or_default() += 1;
    }

    fn base_fields(&self, n: &Notification, name: &str, t: &Target) -> Map<String, Value> {
        let (ppid, ns_pid) = t.ids();
        let mut f = Map::new();
        f.insert("pid".into(), json!(n.pid));
        f.insert("ns_pid".into(), json!(ns_pid));
        f.insert("ppid".into(), json!(ppid));
        f.insert("syscall".into(), json!(name));
        f.insert("nr".into(), json!(n.nr));
        f.insert("runtime".into(), json!(self.plan.runtime.name));
        f
    }

    /// Add what the arguments mean, for the record (never for a decision).
    fn describe(&self, f: &mut Map<String, Value>, name: &str, n: &Notification, t: &Target) {
        let a = n.args;
        match name {
            "socket" => {
                f.insert("family".into(), json!(family_name(a[0] as i32)));
            }
            "clone" | "unshare" => {
                f.insert("flags".into(), json!(clone_flag_names(a[0])));
            }
            "ptrace" => {
                f.insert("request".into(), json!(a[0]));
                f.insert("target_pid".into(), json!(a[1] as i64));
            }
            "mount" => {
                if let Some(p) = t.string(a[1]) {
                    f.insert("path".into(), json!(p));
                }
                if let Some(fs) = t.string(a[2]) {
                    f.insert("fstype".into(), json!(fs));
                }
            }
            "umount2" | "chroot" | "pivot_root" | "swapon" | "acct" => {
                if let Some(p) = t.string(a[0]) {
                    f.insert("path".into(), json!(p));
                }
            }
            _ => {}
        }
    }

    fn resolve(&self, t: &Target, dirfd: Option<i64>, raw: &str) -> PathBuf {
        if raw.starts_with('/') {
            return normalize(Path::new(raw));
        }
        let base = match dirfd {
            Some(fd) if fd as i32 != libc::AT_FDCWD => t.fd_path(fd as i32),
            _ => t.cwd(),
        }
        .unwrap_or_else(|| "/".into());
        normalize(&Path::new(&base).join(raw))
    }

    fn spawn(&mut self, n: &Notification, name: &str, t: &Target) -> Result<(), MonitorError> {
        let (dirfd, path_arg, argv_arg) = if name == "execveat" {
            (Some(n.args[0] as i64), 1, 2)
        } else {
            (None, 0, 1)
        };
        let raw = t.string(n.args[path_arg]).unwrap_or_default();
        let argv = t.string_array(n.args[argv_arg], 256).unwrap_or_default();
        let cwd = t.cwd();
        let exe = self.resolve(t, dirfd, &raw);
        let complete = self
            .listener
            .as_ref()
            .is_some_and(|l| notify::id_valid(l.as_raw_fd(), n.id));
        let mut f = self.base_fields(n, name, t);
        f.insert("path".into(), json!(raw));
        f.insert("exe".into(), json!(exe));
        f.insert("argv".into(), json!(crate::report::redact_argv(&argv)));
        f.insert("cwd".into(), json!(cwd));
        if !complete {
            f.insert(
                "note".into(),
                json!("the process left the syscall before it was read; details may be incomplete"),
            );
        }
        if self.plan.dry_run
            && !raw.is_empty()
            && self.plan.landlock.allows(&exe, FsAccess::Exec).is_none()
        {
            self.would_deny_fs(n, name, t, &exe, FsAccess::Exec)?;
        }
        self.counts.spawns += 1;
        let ns_pid = f.get("ns_pid").and_then(Value::as_u64).map(|v| v as u32);
        self.known_pids.insert(n.pid, ns_pid);
        self.record("spawn", Value::Object(f))?;
        if !self.connector
            && ns_pid != Some(self.workload_ns_pid)
            && !self.tracked.contains_key(&n.pid)
        {
            if let Ok(pidfd) = process::pidfd_open(nix::unistd::Pid::from_raw(n.pid as i32)) {
                self.tracked.insert(n.pid, Tracked { ns_pid, pidfd });
            }
        }
        Ok(())
    }

    fn would_deny_fs(
        &mut self,
        n: &Notification,
        name: &str,
        t: &Target,
        path: &Path,
        access: FsAccess,
    ) -> Result<(), MonitorError> {
        let cap = match access {
            FsAccess::Read => "fs.read",
            FsAccess::Write => "fs.write",
            FsAccess::Exec => "host.exec",
        };
        let mut f = self.base_fields(n, name, t);
        f.insert("layer".into(), json!("landlock"));
        f.insert("capability".into(), json!(cap));
        f.insert("access".into(), json!(access));
        f.insert("path".into(), json!(path));
        f.insert(
            "checked".into(),
            json!("by the supervisor against the plan's Landlock rules (lexically; symlinks not resolved)"),
        );
        self.count(cap);
        self.record("would_deny", Value::Object(f))
    }

    fn dry_run_check(
        &mut self,
        n: &Notification,
        name: &str,
        t: &Target,
    ) -> Result<(), MonitorError> {
        let a = n.args;
        let fs_target: Option<(Option<i64>, u64)> = match name {
            "open" | "creat" => Some((None, a[0])),
            "openat" | "openat2" => Some((Some(a[0] as i64), a[1])),
            _ => DRY_RUN_PATH_OPS
                .iter()
                .find(|(op, _, _)| *op == name)
                .map(|(_, dirfd, path)| {
                    let dirfd = if *dirfd >= 0 {
                        Some(a[*dirfd as usize] as i64)
                    } else {
                        None
                    };
                    (dirfd, a[*path as usize])
                }),
        };
        if let Some((dirfd, addr)) = fs_target {
            if name == "openat2" {
                // The flags live in a struct; only writes matter here.
                let how = t
                    .bytes(a[2], 8)
                    .map(|b| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8])))
                    .unwrap_or(0);
                let write = (libc::O_WRONLY | libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC) as u64;
                if how & write == 0 {
                    return Ok(());
                }
            }
            let Some(raw) = t.string(addr) else {
                return Ok(());
            };
            let path = self.resolve(t, dirfd, &raw);
            if self.plan.landlock.allows(&path, FsAccess::Write).is_none() {
                self.would_deny_fs(n, name, t, &path, FsAccess::Write)?;
            }
            return Ok(());
        }
        if name == "connect" || name == "bind" {
            let len = (a[2] as usize).min(128);
            let Some(sa) = t.bytes(a[1], len.max(4)) else {
                return Ok(());
            };
            let family = u16::from_ne_bytes([sa[0], sa[1]]) as i32;
            if family != libc::AF_INET && family != libc::AF_INET6 {
                return Ok(());
            }
            let port = u16::from_be_bytes([sa[2], sa[3]]);
            let bind = name == "bind";
            if !self.plan.landlock.allows_tcp(port, bind) || self.plan.private_net() {
                let mut f = self.base_fields(n, name, t);
                f.insert("layer".into(), json!("landlock"));
                f.insert("capability".into(), json!("host.net"));
                f.insert("family".into(), json!(family_name(family)));
                f.insert("port".into(), json!(port));
                f.insert(
                    "access".into(),
                    json!(if bind { "tcp.bind" } else { "tcp.connect" }),
                );
                self.count("host.net");
                self.record("would_deny", Value::Object(f))?;
            }
        }
        Ok(())
    }

    /// Feed kernel audit records; complete events become records.
    pub fn audit_records(&mut self, recs: Vec<(u16, String)>) -> Result<(), MonitorError> {
        for (kind, text) in recs {
            if kind == 0 {
                self.record("notice", json!({"message": text, "source": "kernel audit"}))?;
                continue;
            }
            if let Some(ev) = self.assembler.push(kind, &text) {
                self.audit_event(&ev)?;
            }
        }
        Ok(())
    }

    /// Handle events still pending at the end of the session.
    pub fn audit_flush(&mut self) -> Result<(), MonitorError> {
        for ev in self.assembler.flush() {
            self.audit_event(&ev)?;
        }
        Ok(())
    }

    /// Whether any Landlock domain of this sandbox has been seen.
    pub fn saw_domain(&self) -> bool {
        !self.domains.is_empty()
    }

    fn audit_event(&mut self, ev: &crate::kaudit::Event) -> Result<(), MonitorError> {
        use crate::kaudit::{
            blocker_capability, LANDLOCK_ACCESS, LANDLOCK_DOMAIN, SECCOMP, SYSCALL,
        };
        for d in ev.all(LANDLOCK_DOMAIN) {
            let domain = d.get("domain").cloned().unwrap_or_default();
            match d.get("status").map(String::as_str) {
                Some("allocated")
                    if d.get("pid").and_then(|p| p.parse::<u32>().ok())
                        == Some(self.init_host_pid) =>
                {
                    self.domains.insert(domain);
                }
                Some("deallocated") if self.domains.contains(&domain) => {
                    self.domain_released = true
                }
                _ => {}
            }
        }
        let sys = ev.get(SYSCALL);
        let pid: Option<u32> = sys.and_then(|s| s.get("pid")).and_then(|p| p.parse().ok());
        let nr: Option<i64> = sys
            .and_then(|s| s.get("syscall"))
            .and_then(|p| p.parse().ok());
        let ns_pid = |pid: Option<u32>, known: &BTreeMap<u32, Option<u32>>| {
            pid.and_then(|p| {
                known
                    .get(&p)
                    .copied()
                    .flatten()
                    .or_else(|| Target::open(p).ids().1)
            })
        };
        for a in ev.all(LANDLOCK_ACCESS) {
            let Some(domain) = a.get("domain") else {
                continue;
            };
            if !self.domains.contains(domain) {
                continue;
            }
            let blockers: Vec<&str> = a
                .get("blockers")
                .map(|b| b.split(',').collect())
                .unwrap_or_default();
            let (cap, access) = blocker_capability(blockers.first().copied().unwrap_or(""));
            let mut f = Map::new();
            f.insert("pid".into(), json!(pid));
            f.insert("ns_pid".into(), json!(ns_pid(pid, &self.known_pids)));
            f.insert(
                "syscall".into(),
                json!(nr.and_then(policy::syscall_name).unwrap_or("unknown")),
            );
            f.insert("nr".into(), json!(nr));
            f.insert("layer".into(), json!("landlock"));
            f.insert("capability".into(), json!(cap));
            f.insert("access".into(), json!(access));
            f.insert("blockers".into(), json!(blockers));
            f.insert("runtime".into(), json!(self.plan.runtime.name));
            f.insert("errno".into(), json!("EACCES"));
            for k in ["path", "dev", "ino", "daddr", "dest", "saddr", "src"] {
                if let Some(v) = a.get(k) {
                    f.insert(k.into(), json!(v));
                }
            }
            if let Some(port) = a
                .get("dest")
                .or(a.get("src"))
                .and_then(|p| p.parse::<u16>().ok())
            {
                f.insert("port".into(), json!(port));
            }
            if let Some(s) = sys {
                for k in ["exe", "comm"] {
                    if let Some(v) = s.get(k) {
                        f.insert(k.into(), json!(v));
                    }
                }
            }
            // For creations and removals the kernel names the directory.
            if let Some(path) = a.get("path") {
                f.insert("suggest_path".into(), json!(path));
            }
            f.insert("source".into(), json!("kernel audit (LANDLOCK_ACCESS)"));
            f.insert("landlock_domain".into(), json!(domain));
            // Landlock is never applied in dry-run, so this counts as a denial.
            self.count(cap);
            self.record("denial", Value::Object(f))?;
        }
        if let Some(sc) = ev.get(SECCOMP) {
            let spid: Option<u32> = sc.get("pid").and_then(|p| p.parse().ok());
            if spid.is_some_and(|p| self.known_pids.contains_key(&p)) {
                let nr: Option<i64> = sc.get("syscall").and_then(|p| p.parse().ok());
                let mut f = Map::new();
                f.insert("pid".into(), json!(spid));
                f.insert("ns_pid".into(), json!(ns_pid(spid, &self.known_pids)));
                f.insert(
                    "syscall".into(),
                    json!(nr.and_then(policy::syscall_name).unwrap_or("unknown")),
                );
                f.insert("nr".into(), json!(nr));
                f.insert("arch".into(), json!(sc.get("arch")));
                f.insert("layer".into(), json!("seccomp"));
                f.insert("action".into(), json!("kill_process"));
                f.insert("signal".into(), json!(sc.get("sig")));
                f.insert(
                    "capability".into(),
                    json!("none: non-native syscall ABI (x32/i386) is never granted"),
                );
                f.insert("runtime".into(), json!(self.plan.runtime.name));
                f.insert("source".into(), json!("kernel audit (SECCOMP)"));
                self.counts.denials += 1;
                self.record("denial", Value::Object(f))?;
            }
        }
        Ok(())
    }

    /// A process exit reported by the kernel's process-events connector.
    pub fn proc_exit(&mut self, tgid: u32, status: i32) -> Result<(), MonitorError> {
        let Some(ns_pid) = self.known_pids.get(&tgid).copied() else {
            return Ok(());
        };
        if ns_pid == Some(self.workload_ns_pid) || ns_pid.is_some_and(|p| self.exited.contains(&p))
        {
            // The workload's end comes from the sandbox init; exit_group already recorded this one.
            return Ok(());
        }
        if let Some(p) = ns_pid {
            self.exited.insert(p);
        }
        let f = exit_fields(
            Some(tgid),
            ns_pid,
            Some(decode_wait_status(status)),
            "kernel process-events connector",
        );
        self.record("exit", Value::Object(f))
    }

    /// A process is calling exit_group: record its status.
    fn exit_group(&mut self, n: &Notification, t: &Target) -> Result<(), MonitorError> {
        let (_, ns_pid) = t.ids();
        let code = ExitInfo {
            code: Some((n.args[0] & 0xff) as i32),
            signal: None,
        };
        let mut f = exit_fields(Some(n.pid), ns_pid, Some(code), "exit_group");
        if ns_pid == Some(self.workload_ns_pid) {
            f.insert("workload".into(), json!(true));
        }
        if let Some(p) = ns_pid {
            self.exited.insert(p);
        }
        if let Some(tr) = self.tracked.remove(&n.pid) {
            drop(tr.pidfd);
        }
        self.record("exit", Value::Object(f))
    }

    /// A tracked process exited: record how (best effort when it was reaped first).
    pub fn reap(&mut self, pid: u32) -> Result<(), MonitorError> {
        let Some(t) = self.tracked.remove(&pid) else {
            return Ok(());
        };
        if t.ns_pid.is_some_and(|p| self.exited.contains(&p)) {
            return Ok(());
        }
        let status = zombie_status(pid).map(decode_wait_status);
        let f = exit_fields(
            Some(pid),
            t.ns_pid,
            status,
            "/proc/<pid>/stat of the zombie",
        );
        drop(t.pidfd);
        self.record("exit", Value::Object(f))
    }

    /// Record every tracked process still pending (at session end: all are gone).
    pub fn reap_all(&mut self) -> Result<(), MonitorError> {
        let pids: Vec<u32> = self.tracked.keys().copied().collect();
        for p in pids {
            self.reap(p)?;
        }
        Ok(())
    }

    /// The workload's exit, as the sandbox init reported it (unless exit_group already did).
    pub fn workload_exit(&mut self, exit: ExitInfo) -> Result<(), MonitorError> {
        if exit.signal.is_none() && self.exited.contains(&self.workload_ns_pid) {
            return Ok(());
        }
        let mut f = exit_fields(
            None,
            Some(self.workload_ns_pid),
            Some(exit),
            "sandbox init (waitpid)",
        );
        f.insert("workload".into(), json!(true));
        self.record("exit", Value::Object(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_status_decodes() {
        assert_eq!(
            decode_wait_status(7 << 8),
            ExitInfo {
                code: Some(7),
                signal: None
            }
        );
        assert_eq!(
            decode_wait_status(9),
            ExitInfo {
                code: None,
                signal: Some(9)
            }
        );
        assert_eq!(
            decode_wait_status(31 | 0x80),
            ExitInfo {
                code: None,
                signal: Some(31)
            }
        );
    }

    #[test]
    fn clone_flags_are_named() {
        assert_eq!(
            clone_flag_names((libc::CLONE_NEWUSER | libc::CLONE_NEWNS) as u64),
            vec!["CLONE_NEWNS", "CLONE_NEWUSER"]
        );
        assert!(clone_flag_names(libc::SIGCHLD as u64).is_empty());
    }
}
