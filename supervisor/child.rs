//! The sandbox side: what runs after clone, as pid 1 of the new pid namespace.
//!
//! [`sandbox_init`] applies the plan in a fixed order, forks the workload (which
//! installs seccomp last and execs), then stays as a minimal init that reaps
//! zombies, forwards signals and reports how the workload ended. Nothing here
//! returns: every path ends in `_exit`.

use crate::plan::Plan;
use crate::seccomp::Filter;
use crate::sys::channel::{Channel, ExitInfo, SetupReport, ToChild, ToParent};
use crate::sys::{caps, landlock, mounts, process};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::path::Path;

/// Exit code of the sandbox when its own setup failed (not the workload's).
pub const SETUP_FAILED: i32 = 125;

/// What the child needs besides the plan.
pub struct ChildArgs<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The workload's seccomp filters, in install order (the last one may carry the listener).
    pub filters: &'a [Filter],
    /// Init's own filter.
    pub init_filter: &'a Filter,
    /// Ask Landlock to log denials after exec (audit).
    pub landlock_log: bool,
    /// The channel to the supervisor.
    pub chan: Channel,
}

fn fail(chan: &Channel, step: &str, error: impl std::fmt::Display) -> ! {
    let _ = chan.send(
        &ToParent::Failed {
            step: step.to_string(),
            error: error.to_string(),
        },
        &[],
    );
    process::exit_now(SETUP_FAILED)
}

/// The child's whole life. Runs as pid 1 in the new namespaces.
pub fn sandbox_init(args: ChildArgs<'_>) -> ! {
    let ChildArgs {
        plan,
        filters,
        init_filter,
        landlock_log,
        chan,
    } = args;

    // Step 0: die with the supervisor; wait until it has written our id maps
    // (uid_map, gid_map, setgroups=deny) and created the pids cgroup (v2: put
    // us in it).
    if let Err(e) = process::set_parent_death_signal() {
        fail(&chan, "parent-death signal", e);
    }
    let join_cgroup = match chan.recv::<ToChild>() {
        Ok((ToChild::Proceed, fds)) => fds.into_iter().next(),
        Ok((other, _)) => fail(&chan, "handshake", format!("unexpected message {other:?}")),
        Err(_) => process::exit_now(SETUP_FAILED),
    };
    // Step 0b: with a v1 pids hierarchy the supervisor passed the cgroup's
    // `tasks` file: move ourselves in (we are single-threaded; "0" is the
    // writing thread). Everything forked later is counted.
    if let Some(fd) = join_cgroup {
        use std::io::Write;
        if let Err(e) = std::fs::File::from(fd).write_all(b"0") {
            fail(&chan, "pids cgroup", e);
        }
    }

    // Step 1: mounts — private propagation, fresh /proc, private /tmp, declared
    // paths under /tmp bound back, private HOME. Must precede Landlock.
    let mount_report = match mounts::apply(&plan.mounts) {
        Ok(r) => r,
        Err(e) => fail(&chan, "mounts", e),
    };
    if let Err(e) = std::env::set_current_dir(&plan.command.cwd) {
        fail(
            &chan,
            "chdir",
            format!("{}: {e}", plan.command.cwd.display()),
        );
    }
    if let Err(e) = process::set_hostname(&plan.hostname) {
        fail(&chan, "hostname", e);
    }

    // Step 2: resource limits (RLIMIT_NPROC for non-root; the cgroup is already set).
    if let Err(e) = process::set_rlimits(&plan.rlimits) {
        fail(&chan, "rlimits", e);
    }

    // Step 3: drop every capability: securebits, bounding set up to
    // cap_last_cap, ambient, inheritable, permitted, effective.
    let last_cap = match caps::last_cap(Path::new("/proc")) {
        Ok(c) => c,
        Err(e) => fail(&chan, "capabilities", e),
    };
    if let Err(e) = caps::drop_all(last_cap) {
        fail(&chan, "capabilities", e);
    }

    // Step 4: no_new_privs (needed by Landlock and seccomp without CAP_SYS_ADMIN).
    if let Err(e) = process::set_no_new_privs() {
        fail(&chan, "no_new_privs", e);
    }

    // Step 5: Landlock. Fully enforced, or refuse unless --best-effort. In
    // dry-run it is not applied: the supervisor checks accesses against the
    // same rules and records would-be denials.
    let ll = if plan.dry_run {
        landlock::LandlockOutcome::not_applied(plan.landlock.abi)
    } else {
        match landlock::apply(&plan.landlock, landlock_log) {
            Ok(o) => o,
            Err(e) => fail(&chan, "landlock", e),
        }
    };
    if !plan.dry_run && !ll.fully_enforced() && !plan.best_effort {
        fail(
            &chan,
            "landlock",
            format!(
                "ruleset {} (kernel ABI {}, plan needs ABI {}; not enforceable here: {}); refusing to run (use --best-effort to run anyway)",
                ll.status,
                ll.kernel_abi,
                ll.plan_abi,
                ll.downgraded.join(", ")
            ),
        );
    }

    // Step 6: fork the workload. Signals stay blocked in init (read with
    // sigwaitinfo); the workload unblocks everything before exec.
    if let Err(e) = process::block_signals() {
        fail(&chan, "signals", e);
    }
    let mut report = SetupReport {
        mounts: mount_report,
        caps_dropped_up_to: last_cap,
        no_new_privs: true,
        landlock: ll,
        seccomp_filters: filters.len(),
        seccomp_listener: filters.iter().any(|f| f.listener),
        workload_pid: 0,
    };
    let workload = match process::fork() {
        Ok(process::Forked::Child) => workload(plan, filters, &chan, report),
        Ok(process::Forked::Parent(pid)) => pid,
        Err(e) => fail(&chan, "fork workload", e),
    };
    report.workload_pid = workload.as_raw();

    // Step 7: init protects and confines itself (non-dumpable, so even a dry-run
    // workload cannot ptrace it; its own seccomp filter), then only reaps and forwards.
    if let Err(e) = process::set_not_dumpable() {
        let _ = nix::sys::signal::kill(workload, nix::sys::signal::Signal::SIGKILL);
        fail(&chan, "init dumpable", e);
    }
    if let Err(e) = crate::seccomp::install(init_filter) {
        let _ = nix::sys::signal::kill(workload, nix::sys::signal::Signal::SIGKILL);
        fail(&chan, "init seccomp", e);
    }
    init_loop(workload, &chan)
}

/// The workload: seccomp last, hand the listener over, wait for Go, exec.
fn workload(plan: &Plan, filters: &[Filter], chan: &Channel, mut report: SetupReport) -> ! {
    // The workload starts with no blocked signals, whatever init and the supervisor block.
    if let Err(e) = process::restore_signals(&nix::sys::signal::SigSet::empty()) {
        fail(chan, "signals", e);
    }
    // Prepare everything exec needs before the filter is in place.
    let to_c = |s: &str| CString::new(s.as_bytes()).unwrap_or_default();
    let program = to_c(&plan.command.program.to_string_lossy());
    let argv: Vec<CString> = plan.command.argv.iter().map(|a| to_c(a)).collect();
    let envp: Vec<CString> = plan
        .env
        .iter()
        .map(|(k, v)| to_c(&format!("{k}={v}")))
        .collect();

    // Step 6a: seccomp, the last restriction. The listener (if any) is passed
    // to the supervisor before any syscall that could be notified.
    let mut listener = None;
    for f in filters {
        match crate::seccomp::install(f) {
            Ok(Some(fd)) => listener = Some(fd),
            Ok(None) => {}
            Err(e) => fail(chan, "seccomp", e),
        }
    }
    report.workload_pid = nix::unistd::getpid().as_raw();
    let fds: Vec<i32> = listener.iter().map(|l| l.as_raw_fd()).collect();
    if let Err(e) = chan.send(&ToParent::Ready { report }, &fds) {
        fail(chan, "report", e);
    }
    drop(listener);
    match chan.recv::<ToChild>() {
        Ok((ToChild::Go, _)) => {}
        _ => process::exit_now(SETUP_FAILED),
    }

    // Step 6b: only fds 0-2 (and the channel, close-on-exec) survive; exec.
    if let Err(e) = process::close_fds_except(Some(chan.raw())) {
        fail(chan, "close descriptors", e);
    }
    let err = nix::unistd::execve(&program, &argv, &envp)
        .err()
        .unwrap_or(nix::Error::EINVAL);
    let _ = chan.send(
        &ToParent::ExecFailed {
            errno: err as i32,
            error: format!("{}: {}", plan.command.program.display(), err.desc()),
        },
        &[],
    );
    process::exit_now(if err == nix::Error::ENOENT { 127 } else { 126 })
}

/// Reap every child; forward signals sent to init from outside to the workload;
/// when the workload ends, report it and exit with its status (the kernel then
/// kills whatever is left in the pid namespace).
fn init_loop(workload: Pid, chan: &Channel) -> ! {
    loop {
        let info = match process::wait_signal() {
            Ok(i) => i,
            Err(_) => process::exit_now(SETUP_FAILED),
        };
        if info.signo == libc::SIGCHLD {
            loop {
                match waitpid(None, Some(WaitPidFlag::WNOHANG | WaitPidFlag::__WALL)) {
                    Ok(WaitStatus::StillAlive) | Err(_) => break,
                    Ok(WaitStatus::Exited(pid, code)) if pid == workload => finish(
                        chan,
                        ExitInfo {
                            code: Some(code),
                            signal: None,
                        },
                    ),
                    Ok(WaitStatus::Signaled(pid, sig, _)) if pid == workload => finish(
                        chan,
                        ExitInfo {
                            code: None,
                            signal: Some(sig as i32),
                        },
                    ),
                    Ok(_) => continue,
                }
            }
        } else if info.from_process() {
            // Signals the terminal sends reach the workload directly (same
            // process group); forward only those sent to init by a process.
            // SAFETY: kill with a valid pid and signal number touches no memory.
            unsafe { libc::kill(workload.as_raw(), info.signo) };
        }
    }
}

fn finish(chan: &Channel, exit: ExitInfo) -> ! {
    let _ = chan.send(&ToParent::Exited { exit }, &[]);
    process::exit_now(exit.status())
}
