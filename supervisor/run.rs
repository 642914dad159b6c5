//! The supervisor side of `run`: start the sandbox, tell the user plainly what
//! runs and what is enforced, wait for it, and pass its exit status on.

use crate::audit::{AuditError, AuditLog};
use crate::child::{self, ChildArgs};
use crate::monitor::{Counts, Monitor, MonitorError};
use crate::plan::{PidsMechanism, Plan};
use crate::policy::Policies;
use crate::report::{self, Destinations, RunHeader};
use crate::seccomp;
use crate::sys::cgroup::PidsCgroup;
use crate::sys::channel::{self, ExitInfo, SetupReport, ToChild, ToParent};
use crate::sys::process::{self, Forked};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Exit code when the wall-clock limit ends the run (as timeout(1)).
pub const TIMEOUT_EXIT: i32 = 124;

/// Errors running a sandbox. Exit code 125 unless the error says otherwise.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Building the seccomp filters failed.
    #[error(transparent)]
    Seccomp(#[from] seccomp::SeccompError),
    /// A supervisor-side syscall failed.
    #[error("{0}")]
    Process(#[from] process::ProcessError),
    /// The channel to the sandbox failed.
    #[error("{0}")]
    Channel(#[from] channel::ChannelError),
    /// A requested layer cannot be applied (fail closed).
    #[error("{layer}: {message}; refusing to run (use --best-effort to run without it, loudly)")]
    Layer {
        /// Layer.
        layer: &'static str,
        /// Why.
        message: String,
    },
    /// The sandbox reported a failed setup step; nothing was executed.
    #[error("sandbox setup failed at {step}: {error}; nothing was executed")]
    Setup {
        /// Step.
        step: String,
        /// Error.
        error: String,
    },
    /// The sandbox did not answer in time.
    #[error("the sandbox did not report ready within {0} s; nothing was executed")]
    NoAnswer(u64),
    /// The audit log cannot be written (fail closed).
    #[error("{0}; refusing to run without an audit log")]
    Audit(#[from] AuditError),
    /// Recording failed mid-run; the sandbox was killed.
    #[error("recording failed, the sandbox was killed: {0}")]
    Monitor(#[from] MonitorError),
    /// Reading the kernel audit socket failed mid-run.
    #[error("reading kernel audit records failed, the sandbox was killed: {0}")]
    KernelAudit(String),
    /// The sandbox did not hand over the seccomp listener.
    #[error("the sandbox did not pass the seccomp notification listener; nothing was executed")]
    NoListener,
}

/// Options of one run that are not part of the plan.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// No header or footer.
    pub quiet: bool,
    /// Header and footer as JSON lines.
    pub json: bool,
    /// cgroup filesystem root (normally /sys/fs/cgroup).
    pub cgroup_root: PathBuf,
    /// Unique id of this run (also the audit session id).
    pub run_id: String,
    /// Audit log file.
    pub audit_log: PathBuf,
    /// Directory of the lock files coordinating the kernel audit state between concurrent runs.
    pub audit_lock: PathBuf,
    /// After SIGTERM, SIGINT, SIGHUP or SIGQUIT reaches the supervisor and is
    /// forwarded, how long the sandbox has to end before it is killed.
    pub grace: Duration,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Exit status to pass on.
    pub exit_code: i32,
    /// How the workload ended, if it ran.
    pub exit: Option<ExitInfo>,
    /// The wall-clock limit ended the run.
    pub timed_out: bool,
    /// The pids limit was hit this many times (cgroup only).
    pub pids_limit_hits: Option<u64>,
    /// What was recorded.
    pub counts: Counts,
    /// Dry-run.
    pub dry_run: bool,
    /// Audit log and session.
    pub audit: (PathBuf, String),
}

/// What `supervise` learns about how the sandbox ended.
struct Ended {
    exit_code: i32,
    exit: Option<ExitInfo>,
    timed_out: bool,
    pids_limit_hits: Option<u64>,
}

struct Started {
    pid: Pid,
    pidfd: OwnedFd,
    chan: channel::Channel,
    cgroup: Option<PidsCgroup>,
    pids_status: String,
}

fn kill_and_reap(pid: Pid) {
    let _ = kill(pid, Signal::SIGKILL);
    let _ = waitpid(pid, None);
}

/// Clone the sandbox and bring it to the point where the workload waits for Go.
fn start(
    plan: &Plan,
    opts: &RunOptions,
    landlock_log: bool,
) -> Result<(Started, SetupReport, OwnedFd), RunError> {
    let filters = seccomp::compile(&plan.seccomp, true)?;
    let init_filter = seccomp::init_filter()?;
    let (parent_end, child_end) = channel::pair()?;
    process::block_signals()?;
    let ns_flags = plan
        .namespaces
        .iter()
        .fold(0, |acc, n| acc | n.clone_flag());
    let pid = match process::clone_into(ns_flags)? {
        Forked::Child => {
            drop(parent_end);
            child::sandbox_init(ChildArgs {
                plan,
                filters: &filters,
                init_filter: &init_filter,
                landlock_log,
                chan: child_end,
            })
        }
        Forked::Parent(pid) => pid,
    };
    drop(child_end);
    let pidfd = match process::pidfd_open(pid) {
        Ok(fd) => fd,
        Err(e) => {
            kill_and_reap(pid);
            return Err(e.into());
        }
    };
    if let Err(e) = process::write_id_maps(pid, &plan.id_map) {
        kill_and_reap(pid);
        return Err(e.into());
    }
    let (cgroup, pids_status, join_cgroup) = match plan.pids.mechanism {
        PidsMechanism::RlimitNproc => (
            None,
            format!(
                "{} (RLIMIT_NPROC of uid {}, counts all its processes)",
                plan.pids.max, plan.id_map.uid
            ),
            None,
        ),
        PidsMechanism::Cgroup => {
            // v1: the init moves itself in with the file `enter` returns.
            match PidsCgroup::create(&opts.cgroup_root, &opts.run_id, plan.pids.max)
                .and_then(|cg| cg.enter(pid.as_raw()).map(|tasks| (cg, tasks)))
            {
                Ok((cg, tasks)) => {
                    let s = format!(
                        "{} (cgroup {} pids.max at {}, includes the sandbox init)",
                        plan.pids.max,
                        cg.version,
                        cg.path.display()
                    );
                    (Some(cg), s, tasks)
                }
                Err(e) if plan.best_effort => {
                    (None, format!("NOT ENFORCED (--best-effort): {e}"), None)
                }
                Err(e) => {
                    kill_and_reap(pid);
                    return Err(RunError::Layer {
                        layer: "pids limit",
                        message: e.to_string(),
                    });
                }
            }
        }
    };
    let started = Started {
        pid,
        pidfd,
        chan: parent_end,
        cgroup,
        pids_status,
    };
    let join_fds: Vec<std::os::fd::RawFd> = join_cgroup
        .iter()
        .map(std::os::fd::AsRawFd::as_raw_fd)
        .collect();
    if let Err(e) = started.chan.send(&ToChild::Proceed, &join_fds) {
        kill_and_reap(pid);
        return Err(e.into());
    }
    drop(join_cgroup);
    const READY_WITHIN: u64 = 30;
    let mut fds = [PollFd::new(started.chan_fd(), PollFlags::POLLIN)];
    match poll(&mut fds, PollTimeout::from((READY_WITHIN * 1000) as u16)) {
        Ok(0) => {
            kill_and_reap(pid);
            return Err(RunError::NoAnswer(READY_WITHIN));
        }
        Ok(_) => {}
        Err(e) => {
            kill_and_reap(pid);
            return Err(RunError::Process(process::ProcessError::Sys {
                what: "poll".into(),
                source: e.into(),
            }));
        }
    }
    match started.chan.recv::<ToParent>() {
        Ok((ToParent::Ready { report }, fds)) => match fds.into_iter().next() {
            // Fail closed: the pids limit holds only if init really is in the cgroup.
            Some(_)
                if started
                    .cgroup
                    .as_ref()
                    .is_some_and(|cg| !cg.contains(pid.as_raw())) =>
            {
                kill_and_reap(pid);
                Err(RunError::Layer {
                    layer: "pids limit",
                    message: "the sandbox init is not in its pids cgroup".into(),
                })
            }
            Some(listener) => Ok((started, report, listener)),
            None => {
                kill_and_reap(pid);
                Err(RunError::NoListener)
            }
        },
        Ok((ToParent::Failed { step, error }, _)) => {
            kill_and_reap(pid);
            Err(RunError::Setup { step, error })
        }
        Ok((other, _)) => {
            kill_and_reap(pid);
            Err(RunError::Setup {
                step: "handshake".into(),
                error: format!("unexpected message {other:?}"),
            })
        }
        Err(e) => {
            let status = waitpid(pid, None);
            Err(RunError::Setup {
                step: "handshake".into(),
                error: format!("{e} (sandbox init ended: {status:?})"),
            })
        }
    }
}

impl Started {
    fn chan_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        // SAFETY: the channel's descriptor lives as long as `self`.
        unsafe { std::os::fd::BorrowedFd::borrow_raw(self.chan.raw()) }
    }
}

/// Run the plan. Returns the exit status to pass on.
pub fn run(plan: &Plan, policies: &Policies, opts: &RunOptions) -> Result<RunOutcome, RunError> {
    // The log must be writable before anything runs.
    let mut log = AuditLog::open(&opts.audit_log, &opts.run_id)?;
    let started_at = std::time::Instant::now();
    // Landlock denials come from the kernel audit log, readable by root only.
    // It must be subscribed (and audit enabled) before the domain exists.
    let (kaudit, landlock_source) = if plan.dry_run {
        (
            None,
            "not applicable: Landlock is not applied in dry-run".to_string(),
        )
    } else if !nix::unistd::geteuid().is_root() {
        (None, "not recorded: reading kernel audit records needs root (CAP_AUDIT_READ); denials still return EACCES".to_string())
    } else {
        match crate::sys::audit_netlink::AuditReader::open(&opts.audit_lock) {
            Ok(r) => (
                Some(r),
                "recorded from the kernel audit log (LANDLOCK_ACCESS with log_new_exec)"
                    .to_string(),
            ),
            Err(e) => (
                None,
                format!("not recorded: {e}; denials still return EACCES"),
            ),
        }
    };
    // Exits of every spawned process, with their status, from the kernel (root).
    let connector = if nix::unistd::geteuid().is_root() {
        match crate::sys::proc_connector::ProcConnector::open() {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!("{e}; exit statuses of processes killed by signals may be unknown");
                None
            }
        }
    } else {
        None
    };
    let sources = report::Sources {
        landlock: landlock_source,
        exits: if connector.is_some() {
            "exit_group and the kernel's process-events connector; the workload's from the sandbox init"
        } else {
            "exit_group; the workload's from the sandbox init; processes killed by a signal from their zombie /proc entry when read in time"
        }
        .to_string(),
    };
    let (started, setup, listener) = start(plan, opts, kaudit.is_some())?;
    // PHASE1_NO_SYNC_WAKEUP=1 exists for scripts/bench to measure the difference.
    if std::env::var("PHASE1_NO_SYNC_WAKEUP").as_deref() != Ok("1") {
        if let Err(e) = crate::sys::notify::set_sync_wakeup(&listener) {
            tracing::warn!("{e}; notifications take the slower wake-up path");
        }
    }
    let dest = Destinations::of_this_process();
    let header = RunHeader::new(
        plan,
        &setup,
        &started.pids_status,
        &dest,
        &opts.audit_log,
        &opts.run_id,
        &sources,
    );
    if let Err(e) = log.append("session.start", header.session_start(plan)) {
        kill_and_reap(started.pid);
        return Err(e.into());
    }
    if !opts.quiet {
        report::print_header(&header, opts.json);
    }
    if let Err(e) = started.chan.send(&ToChild::Go, &[]) {
        kill_and_reap(started.pid);
        return Err(e.into());
    }
    let mut monitor = Monitor::new(
        plan,
        policies,
        &mut log,
        listener,
        setup.workload_pid as u32,
        started.pid.as_raw() as u32,
    );
    monitor.connector = connector.is_some();
    let ended = match supervise(
        plan,
        &started,
        &mut monitor,
        kaudit.as_ref(),
        connector.as_ref(),
        opts.grace,
    ) {
        Ok(o) => o,
        Err(e) => {
            kill_and_reap(started.pid);
            let _ = monitor.record(
                "session.end",
                serde_json::json!({"exit": child::SETUP_FAILED, "how": format!("supervisor error: {e}"), "error": true}),
            );
            return Err(e);
        }
    };
    let outcome = RunOutcome {
        exit_code: ended.exit_code,
        exit: ended.exit,
        timed_out: ended.timed_out,
        pids_limit_hits: ended.pids_limit_hits,
        counts: monitor.counts.clone(),
        dry_run: plan.dry_run,
        audit: (opts.audit_log.clone(), opts.run_id.clone()),
    };
    monitor.record(
        "session.end",
        serde_json::json!({
            "exit": outcome.exit_code,
            "how": report::how(&outcome),
            "timed_out": outcome.timed_out,
            "duration_ms": started_at.elapsed().as_millis() as u64,
            "denials": outcome.counts.denials,
            "would_deny": outcome.counts.would_deny,
            "spawns": outcome.counts.spawns,
            "by_capability": outcome.counts.by_capability,
            "pids_limit_hits": outcome.pids_limit_hits,
            "mode": if plan.dry_run { "dry_run" } else { "enforce" },
        }),
    )?;
    drop(monitor);
    log.sync()?;
    if !opts.quiet {
        report::print_footer(&outcome, opts.json);
    }
    drop(started);
    Ok(outcome)
}

/// Wait for the sandbox: forward signals, enforce the wall-clock limit, collect the exit.
fn supervise(
    plan: &Plan,
    s: &Started,
    monitor: &mut Monitor<'_>,
    kaudit: Option<&crate::sys::audit_netlink::AuditReader>,
    connector: Option<&crate::sys::proc_connector::ProcConnector>,
    grace: Duration,
) -> Result<Ended, RunError> {
    let drain_connector = |monitor: &mut Monitor<'_>| -> Result<(), RunError> {
        if let Some(c) = connector {
            let (events, lost) = c.read().map_err(|e| RunError::KernelAudit(e.to_string()))?;
            if lost {
                monitor.record(
                    "notice",
                    serde_json::json!({"message": "the kernel dropped process events; some exit records may be missing", "source": "proc connector"}),
                )?;
            }
            for ev in events {
                monitor.proc_exit(ev.tgid, ev.status)?;
            }
        }
        Ok(())
    };
    // Returns whether any kernel audit record was read.
    let drain_audit = |monitor: &mut Monitor<'_>| -> Result<bool, RunError> {
        let Some(k) = kaudit else { return Ok(false) };
        let recs = k.read().map_err(|e| RunError::KernelAudit(e.to_string()))?;
        let any = !recs.is_empty();
        monitor.audit_records(recs)?;
        Ok(any)
    };
    let sigfd = SignalFd::with_flags(
        &process::handled_signals(),
        SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK,
    )
    .map_err(|e| process::ProcessError::Sys {
        what: "signalfd".into(),
        source: e.into(),
    })?;
    let deadline = plan
        .timeout
        .map(|t| Instant::now() + Duration::from_secs(t));
    let mut exit: Option<ExitInfo> = None;
    let mut chan_open = true;
    let mut timed_out = false;
    // Set when a terminating signal was forwarded: the sandbox is killed then.
    let mut kill_at: Option<Instant> = None;
    let init_status = loop {
        let timeout = match [deadline, kill_at].into_iter().flatten().min() {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                PollTimeout::try_from(left.as_millis().min(60_000) as i32)
                    .unwrap_or(PollTimeout::MAX)
            }
            None => PollTimeout::NONE,
        };
        let tracked: Vec<(u32, std::os::fd::RawFd)> = monitor
            .pidfds()
            .into_iter()
            .map(|(p, fd)| (p, std::os::fd::AsRawFd::as_raw_fd(&fd)))
            .collect();
        let chan_events = if chan_open {
            PollFlags::POLLIN
        } else {
            PollFlags::empty()
        };
        let mut fds = vec![
            PollFd::new(s.pidfd.as_fd(), PollFlags::POLLIN),
            PollFd::new(sigfd.as_fd(), PollFlags::POLLIN),
            match monitor.listener() {
                Some(l) => PollFd::new(l, PollFlags::POLLIN),
                None => PollFd::new(sigfd.as_fd(), PollFlags::empty()),
            },
            PollFd::new(s.chan_fd(), chan_events),
        ];
        let audit_idx = fds.len();
        if let Some(k) = kaudit {
            fds.push(PollFd::new(k.fd(), PollFlags::POLLIN));
        }
        let conn_idx = fds.len();
        if let Some(c) = connector {
            fds.push(PollFd::new(c.fd(), PollFlags::POLLIN));
        }
        let tracked_base = fds.len();
        for (_, raw) in &tracked {
            // SAFETY: the monitor owns these pidfds and keeps them open until reap(),
            // which runs only after this poll vector is dropped.
            fds.push(PollFd::new(
                unsafe { std::os::fd::BorrowedFd::borrow_raw(*raw) },
                PollFlags::POLLIN,
            ));
        }
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::Error::EINTR) => {}
            Err(e) => {
                return Err(process::ProcessError::Sys {
                    what: "poll".into(),
                    source: e.into(),
                }
                .into())
            }
        }
        let ready = |i: usize, fds: &[PollFd]| {
            fds.get(i).and_then(|f| f.revents()).is_some_and(|r| {
                r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR)
            })
        };
        let (pid_ready, sig_ready, notif_ready, chan_ready) = (
            ready(0, &fds),
            ready(1, &fds),
            ready(2, &fds),
            chan_open && ready(3, &fds),
        );
        let exited: Vec<u32> = tracked
            .iter()
            .enumerate()
            .filter(|(i, _)| ready(tracked_base + i, &fds))
            .map(|(_, (p, _))| *p)
            .collect();
        let audit_ready = kaudit.is_some() && ready(audit_idx, &fds);
        let conn_ready = connector.is_some() && ready(conn_idx, &fds);
        drop(fds);
        if audit_ready {
            drain_audit(monitor)?;
        }
        if notif_ready {
            monitor.handle()?;
        }
        if conn_ready {
            drain_connector(monitor)?;
        }
        for p in exited {
            monitor.reap(p)?;
        }
        if chan_ready {
            match s.chan.recv::<ToParent>() {
                Ok((ToParent::Exited { exit: e }, _)) => {
                    exit = Some(e);
                    monitor.workload_exit(e)?;
                }
                Ok((ToParent::ExecFailed { error, .. }, _)) => {
                    report::say(&format!(
                        "phase1-supervise: exec failed inside the sandbox: {error}\n"
                    ));
                }
                Ok((ToParent::Failed { step, error }, _)) => {
                    report::say(&format!(
                        "phase1-supervise: sandbox failed at {step}: {error}\n"
                    ));
                }
                Ok(_) => {}
                Err(_) => chan_open = false,
            }
        }
        if sig_ready {
            while let Ok(Some(info)) = sigfd.read_signal() {
                let si = process::SigInfo {
                    signo: info.ssi_signo as i32,
                    code: info.ssi_code,
                };
                if si.signo != libc::SIGCHLD && si.from_process() {
                    // SAFETY: kill with a valid pid and signal number touches no memory.
                    unsafe { libc::kill(s.pid.as_raw(), si.signo) };
                    let terminating = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGQUIT]
                        .contains(&si.signo);
                    if terminating && kill_at.is_none() {
                        kill_at = Some(Instant::now() + grace);
                        monitor.record(
                            "notice",
                            serde_json::json!({
                                "message": format!("the supervisor received {} and forwarded it to the sandbox; it is killed if still running after {} ms", process::signal_name(si.signo), grace.as_millis()),
                                "signal": process::signal_name(si.signo),
                                "grace_ms": grace.as_millis() as u64,
                            }),
                        )?;
                    }
                }
            }
        }
        if pid_ready {
            match waitpid(s.pid, Some(nix::sys::wait::WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, c)) => {
                    break ExitInfo {
                        code: Some(c),
                        signal: None,
                    }
                }
                Ok(WaitStatus::Signaled(_, sig, _)) => {
                    break ExitInfo {
                        code: None,
                        signal: Some(sig as i32),
                    }
                }
                _ => {}
            }
        }
        if let Some(d) = deadline {
            if !timed_out && Instant::now() >= d {
                timed_out = true;
                let _ = kill(s.pid, Signal::SIGKILL);
            }
        }
        if let Some(k) = kill_at {
            if Instant::now() >= k {
                kill_at = None;
                let _ = kill(s.pid, Signal::SIGKILL);
                monitor.record(
                    "notice",
                    serde_json::json!({"message": "grace period over: the sandbox was killed (SIGKILL)", "signal": "SIGKILL"}),
                )?;
            }
        }
    };
    // Drain a last message that raced with init's exit.
    if exit.is_none() && chan_open {
        if let Ok((ToParent::Exited { exit: e }, _)) = s.chan.recv::<ToParent>() {
            exit = Some(e);
            monitor.workload_exit(e)?;
        }
    }
    // Everything in the sandbox is gone now: record the remaining exits.
    drain_connector(monitor)?;
    monitor.reap_all()?;
    monitor.close_listener();
    // Kernel audit records arrive asynchronously. Everything in the sandbox
    // has exited, so its records are queued: a marker logged now comes back
    // behind them. Then, if our Landlock domain logged anything, wait for the
    // record of its release too (it is freed later, from a work queue).
    if let Some(k) = kaudit {
        let marker = k.send_marker(&format!("{}", s.pid)).is_ok();
        let now = Instant::now();
        let until = now + Duration::from_millis(1000);
        // Without a marker (the kernel refused it), give late records 20 ms.
        let blind_until = now + Duration::from_millis(if marker { 0 } else { 20 });
        loop {
            drain_audit(monitor)?;
            let marked = if marker {
                k.drained()
            } else {
                Instant::now() >= blind_until
            };
            if marked && (!monitor.saw_domain() || monitor.domain_released) {
                break;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            k.wait(left.min(Duration::from_millis(50)));
        }
        monitor.audit_flush()?;
    }
    let exit_code = if timed_out {
        TIMEOUT_EXIT
    } else {
        exit.unwrap_or(init_status).status()
    };
    Ok(Ended {
        exit_code,
        exit,
        timed_out,
        pids_limit_hits: s.cgroup.as_ref().and_then(|c| c.limit_hits()),
    })
}
