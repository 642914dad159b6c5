//! seccomp user-notification: receiving notifications on the listener,
//! replying, and reading the notifying process's memory and /proc state.
//!
//! What is read from another process's memory is used for the record only;
//! it can change under us (TOCTOU), so it never decides anything. Every read is
//! followed by an ID_VALID check so a recycled pid cannot be confused with it.

use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::FileExt;

/// Errors on the listener.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// An ioctl failed.
    #[error("seccomp listener: {what}: {source}")]
    Ioctl {
        /// Which.
        what: &'static str,
        /// errno.
        source: std::io::Error,
    },
}

/// One notification.
#[derive(Debug, Clone, Copy)]
pub struct Notification {
    /// Cookie to reply with.
    pub id: u64,
    /// Pid of the caller, in the supervisor's pid namespace.
    pub pid: u32,
    /// Syscall number.
    pub nr: i64,
    /// Audit arch.
    pub arch: u32,
    /// Arguments.
    pub args: [u64; 6],
}

/// The kernel's answer to a reply.
pub enum Reply {
    /// Fail the syscall with this errno.
    Errno(i32),
    /// Let the syscall run (not a security decision: the arguments may change).
    Continue,
}

const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: u64 = 1;

/// Ask the kernel to wake the caller on the same CPU (cuts a round trip).
pub fn set_sync_wakeup(fd: &OwnedFd) -> Result<(), NotifyError> {
    // SAFETY: SET_FLAGS takes its flags by value; no memory is passed.
    let rc = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS as _,
            SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
        )
    };
    if rc < 0 {
        return Err(NotifyError::Ioctl {
            what: "SET_FLAGS(SYNC_WAKE_UP)",
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(())
}

/// Receive one notification. `Ok(None)` when the caller went away meanwhile.
pub fn recv(fd: RawFd) -> Result<Option<Notification>, NotifyError> {
    // SAFETY: seccomp_notif is plain old data; all-zero is what RECV requires.
    let mut req: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: RECV writes one seccomp_notif into `req`, which is valid and large enough.
    let rc = unsafe {
        libc::ioctl(
            fd,
            libc::SECCOMP_IOCTL_NOTIF_RECV as _,
            &mut req as *mut libc::seccomp_notif,
        )
    };
    if rc < 0 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENOENT) | Some(libc::EINTR) => Ok(None),
            _ => Err(NotifyError::Ioctl {
                what: "RECV",
                source: e,
            }),
        };
    }
    Ok(Some(Notification {
        id: req.id,
        pid: req.pid,
        nr: req.data.nr as i64,
        arch: req.data.arch,
        args: req.data.args,
    }))
}

/// Whether the notification is still pending (the caller still waits in it).
pub fn id_valid(fd: RawFd, id: u64) -> bool {
    let mut id = id;
    // SAFETY: ID_VALID reads one u64 from the pointer, which is valid.
    unsafe {
        libc::ioctl(
            fd,
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID as _,
            &mut id as *mut u64,
        ) == 0
    }
}

/// Answer a notification. A caller that died meanwhile is not an error.
pub fn reply(fd: RawFd, id: u64, reply: Reply) -> Result<(), NotifyError> {
    let (error, flags) = match reply {
        Reply::Errno(e) => (-e, 0),
        Reply::Continue => (0, libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32),
    };
    let mut resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error,
        flags,
    };
    // SAFETY: SEND reads one seccomp_notif_resp from the pointer, which is valid.
    let rc = unsafe {
        libc::ioctl(
            fd,
            libc::SECCOMP_IOCTL_NOTIF_SEND as _,
            &mut resp as *mut libc::seccomp_notif_resp,
        )
    };
    if rc < 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::ENOENT) {
            return Err(NotifyError::Ioctl {
                what: "SEND",
                source: e,
            });
        }
    }
    Ok(())
}

/// Reads another process's memory and /proc entries.
pub struct Target {
    /// Host pid.
    pub pid: u32,
    mem: Option<File>,
}

impl Target {
    /// Open /proc/<pid>/mem (may fail if the process is gone; reads then return None).
    pub fn open(pid: u32) -> Self {
        Target {
            pid,
            mem: File::open(format!("/proc/{pid}/mem")).ok(),
        }
    }

    /// A NUL-terminated string at `addr` (at most 4096 bytes).
    pub fn string(&self, addr: u64) -> Option<String> {
        let mem = self.mem.as_ref()?;
        if addr == 0 {
            return None;
        }
        let mut out = Vec::new();
        let mut buf = [0u8; 256];
        while out.len() < 4096 {
            let n = mem.read_at(&mut buf, addr + out.len() as u64).ok()?;
            if n == 0 {
                break;
            }
            if let Some(end) = buf[..n].iter().position(|b| *b == 0) {
                out.extend_from_slice(&buf[..end]);
                return Some(String::from_utf8_lossy(&out).into_owned());
            }
            out.extend_from_slice(&buf[..n]);
        }
        Some(String::from_utf8_lossy(&out).into_owned())
    }

    /// `len` bytes at `addr`.
    pub fn bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        let mem = self.mem.as_ref()?;
        let mut buf = vec![0u8; len];
        mem.read_exact_at(&mut buf, addr).ok()?;
        Some(buf)
    }

    /// A NULL-terminated array of string pointers (argv), at most `max` entries.
    pub fn string_array(&self, addr: u64, max: usize) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for i in 0..max {
            let p = self.bytes(addr + 8 * i as u64, 8)?;
            let ptr = u64::from_ne_bytes(p.try_into().ok()?);
            if ptr == 0 {
                return Some(out);
            }
            out.push(self.string(ptr).unwrap_or_default());
        }
        out.push("…".into());
        Some(out)
    }

    /// Current directory.
    pub fn cwd(&self) -> Option<String> {
        std::fs::read_link(format!("/proc/{}/cwd", self.pid))
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    }

    /// Path of one of its descriptors.
    pub fn fd_path(&self, fd: i32) -> Option<String> {
        std::fs::read_link(format!("/proc/{}/fd/{fd}", self.pid))
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    }

    /// (parent pid, pid inside the sandbox) from /proc/<pid>/status.
    pub fn ids(&self) -> (Option<u32>, Option<u32>) {
        let Ok(s) = std::fs::read_to_string(format!("/proc/{}/status", self.pid)) else {
            return (None, None);
        };
        let field = |k: &str| {
            s.lines()
                .find(|l| l.starts_with(k))
                .map(|l| l[k.len()..].trim().to_string())
        };
        let ppid = field("PPid:").and_then(|v| v.parse().ok());
        let ns_pid =
            field("NSpid:").and_then(|v| v.split_whitespace().last().and_then(|x| x.parse().ok()));
        (ppid, ns_pid)
    }
}
