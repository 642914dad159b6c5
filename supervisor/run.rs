//! The supervisor side of `run`: start the sandbox, tell the user plainly what
//! runs and what is enforced, wait for it, and pass its exit status on.

use crate::child::{self, ChildArgs};
use crate::plan::{Namespace, PidsMechanism, Plan};
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
    /// Unique id of this run.
    pub run_id: String,
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
fn start(plan: &Plan, opts: &RunOptions) -> Result<(Started, SetupReport), RunError> {
    let filters = seccomp::compile(&plan.seccomp, false)?;
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
                landlock_log: false,
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
    let (cgroup, pids_status) = match plan.pids.mechanism {
        PidsMechanism::RlimitNproc => (
            None,
            format!(
                "{} (RLIMIT_NPROC of uid {}, counts all its processes)",
                plan.pids.max, plan.id_map.uid
            ),
        ),
        PidsMechanism::Cgroup => {
            match PidsCgroup::create(&opts.cgroup_root, &opts.run_id, plan.pids.max)
                .and_then(|cg| cg.add(pid.as_raw()).map(|_| cg))
            {
                Ok(cg) => {
                    let s = format!(
                        "{} (cgroup {} pids.max at {}, includes the sandbox init)",
                        plan.pids.max,
                        cg.version,
                        cg.path.display()
                    );
                    (Some(cg), s)
                }
                Err(e) if plan.best_effort => (None, format!("NOT ENFORCED (--best-effort): {e}")),
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
    if let Err(e) = started.chan.send(&ToChild::Proceed, &[]) {
        kill_and_reap(pid);
        return Err(e.into());
    }
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
        Ok((ToParent::Ready { report }, _fds)) => Ok((started, report)),
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
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<RunOutcome, RunError> {
    let (started, setup) = start(plan, opts)?;
    let dest = Destinations::of_this_process();
    let header = RunHeader::new(plan, &setup, &started.pids_status, &dest);
    if !opts.quiet {
        report::print_header(&header, opts.json);
    }
    if let Err(e) = started.chan.send(&ToChild::Go, &[]) {
        kill_and_reap(started.pid);
        return Err(e.into());
    }
    let outcome = supervise(plan, &started)?;
    if !opts.quiet {
        report::print_footer(&outcome, opts.json);
    }
    drop(started);
    Ok(outcome)
}

/// Wait for the sandbox: forward signals, enforce the wall-clock limit, collect the exit.
fn supervise(plan: &Plan, s: &Started) -> Result<RunOutcome, RunError> {
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
    let init_status = loop {
        let timeout = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                PollTimeout::try_from(left.as_millis().min(60_000) as i32)
                    .unwrap_or(PollTimeout::MAX)
            }
            None => PollTimeout::NONE,
        };
        let mut fds = vec![
            PollFd::new(s.pidfd.as_fd(), PollFlags::POLLIN),
            PollFd::new(sigfd.as_fd(), PollFlags::POLLIN),
        ];
        if chan_open {
            fds.push(PollFd::new(s.chan_fd(), PollFlags::POLLIN));
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
        let (pid_ready, sig_ready, chan_ready) =
            (ready(0, &fds), ready(1, &fds), chan_open && ready(2, &fds));
        drop(fds);
        if chan_ready {
            match s.chan.recv::<ToParent>() {
                Ok((ToParent::Exited { exit: e }, _)) => exit = Some(e),
                Ok((ToParent::ExecFailed { error, .. }, _)) => {
                    eprintln!("phase1-supervise: exec failed inside the sandbox: {error}");
                }
                Ok((ToParent::Failed { step, error }, _)) => {
                    eprintln!("phase1-supervise: sandbox failed at {step}: {error}");
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
    };
    // Drain a last message that raced with init's exit.
    if exit.is_none() && chan_open {
        if let Ok((ToParent::Exited { exit: e }, _)) = s.chan.recv::<ToParent>() {
            exit = Some(e);
        }
    }
    let exit_code = if timed_out {
        TIMEOUT_EXIT
    } else {
        exit.unwrap_or(init_status).status()
    };
    Ok(RunOutcome {
        exit_code,
        exit,
        timed_out,
        pids_limit_hits: s.cgroup.as_ref().and_then(|c| c.limit_hits()),
    })
}

/// Whether this plan's namespaces need anything this process lacks (informational).
pub fn namespaces_summary(plan: &Plan) -> String {
    plan.namespaces
        .iter()
        .map(|n: &Namespace| n.name())
        .collect::<Vec<_>>()
        .join(", ")
}
