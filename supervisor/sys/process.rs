//! Process-level syscalls: clone into namespaces, id maps, prctl, rlimits,
//! descriptors and signals.

use crate::plan::{IdMap, Rlimit};
use nix::sys::signal::{SigSet, Signal};
use nix::unistd::Pid;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Errors from process-level syscalls.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// A syscall failed.
    #[error("{what}: {source}")]
    Sys {
        /// What was being done.
        what: String,
        /// errno.
        source: std::io::Error,
    },
}

fn last(what: impl Into<String>) -> ProcessError {
    ProcessError::Sys {
        what: what.into(),
        source: std::io::Error::last_os_error(),
    }
}

/// Result of [`clone_into`].
pub enum Forked {
    /// In the parent, with the child's pid.
    Parent(Pid),
    /// In the child.
    Child,
}

/// fork(2)-like clone with namespace flags. The caller must be single-threaded.
pub fn clone_into(ns_flags: i32) -> Result<Forked, ProcessError> {
    let flags = (ns_flags | libc::SIGCHLD) as libc::c_ulong;
    // SAFETY: a clone without CLONE_VM and with a NULL stack behaves like fork:
    // the child gets a copy of the address space and continues on its copy of
    // the stack. The supervisor is single-threaded here, so no lock is held by
    // another thread in the copy.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_clone,
            flags,
            std::ptr::null_mut::<libc::c_void>(),
            std::ptr::null_mut::<libc::c_int>(),
            std::ptr::null_mut::<libc::c_int>(),
            0 as libc::c_ulong,
        )
    };
    match rc {
        -1 => Err(last("clone into new namespaces")),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(Pid::from_raw(pid as i32))),
    }
}

/// Plain fork (the child keeps the caller's namespaces).
pub fn fork() -> Result<Forked, ProcessError> {
    clone_into(0)
}

/// Write the child's setgroups, uid_map and gid_map (from the parent).
pub fn write_id_maps(pid: Pid, map: &IdMap) -> Result<(), ProcessError> {
    let base = format!("/proc/{pid}");
    let w = |file: &str, text: String| {
        std::fs::write(format!("{base}/{file}"), text).map_err(|source| ProcessError::Sys {
            what: format!("writing {base}/{file}"),
            source,
        })
    };
    w("setgroups", format!("{}\n", map.setgroups))?;
    w("uid_map", format!("{} {} 1\n", map.uid, map.uid))?;
    w("gid_map", format!("{} {} 1\n", map.gid, map.gid))
}

/// Ask for SIGKILL when the parent dies.
pub fn set_parent_death_signal() -> Result<(), ProcessError> {
    // SAFETY: PR_SET_PDEATHSIG takes an integer signal number; no memory is touched.
    let rc = unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    if rc < 0 {
        return Err(last("prctl(PR_SET_PDEATHSIG)"));
    }
    Ok(())
}

/// Mark the process non-dumpable: without CAP_SYS_PTRACE nobody can ptrace it
/// or read its memory (the sandbox init protects itself from its workload).
pub fn set_not_dumpable() -> Result<(), ProcessError> {
    // SAFETY: PR_SET_DUMPABLE takes an integer; no memory is touched.
    let rc = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0 as libc::c_ulong, 0, 0, 0) };
    if rc < 0 {
        return Err(last("prctl(PR_SET_DUMPABLE)"));
    }
    Ok(())
}

/// Set PR_SET_NO_NEW_PRIVS.
pub fn set_no_new_privs() -> Result<(), ProcessError> {
    // SAFETY: PR_SET_NO_NEW_PRIVS takes integer arguments; no memory is touched.
    let rc = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1 as libc::c_ulong, 0, 0, 0) };
    if rc < 0 {
        return Err(last("prctl(PR_SET_NO_NEW_PRIVS)"));
    }
    Ok(())
}

/// Apply resource limits (soft = hard).
pub fn set_rlimits(limits: &[Rlimit]) -> Result<(), ProcessError> {
    use nix::sys::resource::{setrlimit, Resource};
    for l in limits {
        let res = match l.resource.as_str() {
            "nofile" => Resource::RLIMIT_NOFILE,
            "cpu" => Resource::RLIMIT_CPU,
            "fsize" => Resource::RLIMIT_FSIZE,
            "core" => Resource::RLIMIT_CORE,
            "as" => Resource::RLIMIT_AS,
            "nproc" => Resource::RLIMIT_NPROC,
            other => {
                return Err(ProcessError::Sys {
                    what: format!("unknown rlimit `{other}`"),
                    source: std::io::Error::from_raw_os_error(libc::EINVAL),
                })
            }
        };
        setrlimit(res, l.value, l.value).map_err(|e| ProcessError::Sys {
            what: format!("setrlimit({}, {})", l.resource, l.value),
            source: e.into(),
        })?;
    }
    Ok(())
}

/// Set the hostname (UTS namespace).
pub fn set_hostname(name: &str) -> Result<(), ProcessError> {
    nix::unistd::sethostname(name).map_err(|e| ProcessError::Sys {
        what: "sethostname".into(),
        source: e.into(),
    })
}

/// Close every descriptor >= 3 except `keep`.
pub fn close_fds_except(keep: Option<RawFd>) -> Result<(), ProcessError> {
    let ranges: Vec<(u32, u32)> = match keep {
        Some(k) if k >= 3 => vec![(3, k as u32 - 1), (k as u32 + 1, u32::MAX)],
        _ => vec![(3, u32::MAX)],
    };
    for (lo, hi) in ranges {
        if lo > hi {
            continue;
        }
        // SAFETY: close_range only closes descriptors; the caller no longer uses
        // any descriptor in these ranges (it is about to exec).
        let rc = unsafe { libc::syscall(libc::SYS_close_range, lo, hi, 0 as libc::c_uint) };
        if rc < 0 {
            return Err(last("close_range"));
        }
    }
    Ok(())
}

/// Signals the supervisor and the sandbox init handle synchronously.
pub fn handled_signals() -> SigSet {
    let mut s = SigSet::empty();
    for sig in [
        Signal::SIGCHLD,
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGWINCH,
        Signal::SIGALRM,
    ] {
        s.add(sig);
    }
    s
}

/// Block the handled signals (they are then read with sigwaitinfo or a signalfd).
pub fn block_signals() -> Result<SigSet, ProcessError> {
    let mut old = SigSet::empty();
    nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_BLOCK,
        Some(&handled_signals()),
        Some(&mut old),
    )
    .map_err(|e| ProcessError::Sys {
        what: "sigprocmask".into(),
        source: e.into(),
    })?;
    Ok(old)
}

/// Restore a signal mask and default dispositions (before exec).
pub fn restore_signals(mask: &SigSet) -> Result<(), ProcessError> {
    nix::sys::signal::sigprocmask(nix::sys::signal::SigmaskHow::SIG_SETMASK, Some(mask), None)
        .map_err(|e| ProcessError::Sys {
            what: "sigprocmask".into(),
            source: e.into(),
        })
}

/// A signal with its origin.
#[derive(Debug, Clone, Copy)]
pub struct SigInfo {
    /// Signal number.
    pub signo: i32,
    /// si_code (SI_USER, SI_KERNEL, CLD_*...).
    pub code: i32,
}

impl SigInfo {
    /// Sent by a process (kill, sigqueue), as opposed to the kernel (terminal, timers).
    pub fn from_process(&self) -> bool {
        self.code == libc::SI_USER || self.code == libc::SI_QUEUE || self.code == libc::SI_TKILL
    }
}

/// Wait for one of the blocked handled signals.
pub fn wait_signal() -> Result<SigInfo, ProcessError> {
    let set = handled_signals();
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value for the kernel to overwrite.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set` is a valid sigset and `info` a valid out-pointer for the call.
        let rc = unsafe { libc::sigwaitinfo(set.as_ref(), &mut info) };
        if rc < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(ProcessError::Sys {
                what: "sigwaitinfo".into(),
                source: e,
            });
        }
        return Ok(SigInfo {
            signo: info.si_signo,
            code: info.si_code,
        });
    }
}

/// pidfd_open(2).
pub fn pidfd_open(pid: Pid) -> Result<OwnedFd, ProcessError> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor.
    let rc = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0 as libc::c_uint) };
    if rc < 0 {
        return Err(last("pidfd_open"));
    }
    // SAFETY: the kernel returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(rc as RawFd) })
}

/// Exit immediately without running destructors or atexit handlers (child side).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns and is safe to call in a forked child.
    unsafe { libc::_exit(code) }
}

/// `SIGTERM` for 15; the number for signals nix does not name.
pub fn signal_name(signo: i32) -> String {
    Signal::try_from(signo)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| signo.to_string())
}
