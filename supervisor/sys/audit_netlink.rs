//! Reading kernel audit records (Landlock and seccomp denials) from the audit
//! netlink socket's read-log multicast group. Needs CAP_AUDIT_READ (root), and
//! audit enabled: when it is off, it is switched on for the run and restored
//! afterwards. Concurrent runs coordinate through a lock file: the last run out
//! restores the state the first run found.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const NETLINK_AUDIT: i32 = 9;
const AUDIT_NLGRP_READLOG: u32 = 1;
const AUDIT_GET: u16 = 1000;
const AUDIT_SET: u16 = 1001;
/// A user-space message; the kernel logs it (type 1005) behind every record
/// already queued.
const AUDIT_USER: u16 = 1005;
/// Text of the drain marker, followed by a per-run token.
const MARKER: &str = "phase1-supervise drain ";
const AUDIT_STATUS_ENABLED: u32 = 1;
const NLM_F_REQUEST: u16 = 1;
const NLMSG_ERROR: u16 = 2;

/// Errors with the audit socket.
#[derive(Debug, thiserror::Error)]
pub enum AuditNlError {
    /// A syscall failed.
    #[error("kernel audit: {what}: {source}")]
    Sys {
        /// What.
        what: &'static str,
        /// errno.
        source: std::io::Error,
    },
    /// The kernel's answer was not understood.
    #[error("kernel audit: {0}")]
    Protocol(String),
}

fn last(what: &'static str) -> AuditNlError {
    AuditNlError::Sys {
        what,
        source: std::io::Error::last_os_error(),
    }
}

/// An open read-log subscription.
#[derive(Debug)]
pub struct AuditReader {
    sock: OwnedFd,
    /// Held exclusively only while the audit state is decided or restored.
    state: File,
    /// Held shared by every run for its whole duration.
    active: File,
    lock_dir: PathBuf,
    /// The token of the marker sent by [`AuditReader::send_marker`].
    marker: std::cell::RefCell<Option<String>>,
    /// Whether that marker has come back.
    marker_seen: std::cell::Cell<bool>,
}

fn open_lock(path: &Path) -> Result<File, AuditNlError> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|source| AuditNlError::Sys {
            what: "opening the audit state lock",
            source,
        })
}

fn flock(f: &File, op: i32) -> Result<(), AuditNlError> {
    loop {
        // SAFETY: flock on a descriptor we own.
        if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(AuditNlError::Sys {
                what: "locking the audit state",
                source: e,
            });
        }
    }
}

fn nlmsg(kind: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let len = 16 + payload.len() as u32;
    let mut v = Vec::with_capacity(len as usize);
    v.extend_from_slice(&len.to_ne_bytes());
    v.extend_from_slice(&kind.to_ne_bytes());
    v.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
    v.extend_from_slice(&seq.to_ne_bytes());
    v.extend_from_slice(&0u32.to_ne_bytes());
    v.extend_from_slice(payload);
    v
}

fn set_enabled_payload(enabled: u32) -> Vec<u8> {
    // struct audit_status: mask, enabled, failure, pid, rate_limit,
    // backlog_limit, lost, backlog, then version/backlog_wait_time fields.
    let mut p = vec![0u8; 64];
    p[0..4].copy_from_slice(&AUDIT_STATUS_ENABLED.to_ne_bytes());
    p[4..8].copy_from_slice(&enabled.to_ne_bytes());
    p
}

impl AuditReader {
    /// Subscribe to the read-log group and make sure audit is enabled. The lock
    /// files live in `lock_dir`.
    pub fn open(lock_dir: &Path) -> Result<Self, AuditNlError> {
        let sock =
            crate::sys::netlink::open_bound(libc::SOCK_RAW, NETLINK_AUDIT, AUDIT_NLGRP_READLOG)
                .map_err(|(step, source)| AuditNlError::Sys {
                    what: if step == "bind" {
                        "joining the read-log group (needs CAP_AUDIT_READ)"
                    } else {
                        "socket(NETLINK_AUDIT)"
                    },
                    source,
                })?;
        std::fs::create_dir_all(lock_dir).map_err(|source| AuditNlError::Sys {
            what: "creating the lock directory",
            source,
        })?;
        let reader = AuditReader {
            sock,
            state: open_lock(&lock_dir.join("kernel-audit.state"))?,
            active: open_lock(&lock_dir.join("kernel-audit.active"))?,
            lock_dir: lock_dir.to_path_buf(),
            marker: std::cell::RefCell::new(None),
            marker_seen: std::cell::Cell::new(false),
        };
        // Decide under the state mutex; then hold `active` shared for the run.
        flock(&reader.state, libc::LOCK_EX)?;
        let result = (|| {
            if reader.get_enabled()? == 0 {
                reader.set_enabled(1)?;
                reader.write_note("enabled-by-phase1\n")?;
            }
            flock(&reader.active, libc::LOCK_SH)
        })();
        flock(&reader.state, libc::LOCK_UN)?;
        result?;
        Ok(reader)
    }

    fn write_note(&self, note: &str) -> Result<(), AuditNlError> {
        let mut f = &self.state;
        let io = |source| AuditNlError::Sys {
            what: "writing the audit state lock",
            source,
        };
        f.set_len(0).map_err(io)?;
        f.seek(SeekFrom::Start(0)).map_err(io)?;
        f.write_all(note.as_bytes()).map_err(io)
    }

    fn send(&self, kind: u16, payload: &[u8]) -> Result<(), AuditNlError> {
        let msg = nlmsg(kind, 1, payload);
        // SAFETY: sockaddr_nl is plain data; zero addresses the kernel.
        let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        kernel.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: `msg` and `kernel` are valid for the sizes passed.
        let rc = unsafe {
            libc::sendto(
                self.sock.as_raw_fd(),
                msg.as_ptr() as *const libc::c_void,
                msg.len(),
                0,
                &kernel as *const libc::sockaddr_nl as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if rc < 0 {
            return Err(last("sending a request"));
        }
        Ok(())
    }

    /// Wait (up to 1 s) for a unicast reply of `kind` (or an error ack).
    fn reply(&self, kind: u16) -> Result<Vec<u8>, AuditNlError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        while std::time::Instant::now() < deadline {
            for (t, payload) in self.recv_raw()? {
                if t == kind {
                    return Ok(payload);
                }
                if t == NLMSG_ERROR && payload.len() >= 4 {
                    let err = i32::from_ne_bytes([payload[0], payload[1], payload[2], payload[3]]);
                    if err < 0 {
                        return Err(AuditNlError::Sys {
                            what: "request refused",
                            source: std::io::Error::from_raw_os_error(-err),
                        });
                    }
                    if kind == NLMSG_ERROR {
                        return Ok(payload);
                    }
                }
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            crate::sys::netlink::wait_readable(&self.sock, left);
        }
        Err(AuditNlError::Protocol(format!("no answer of type {kind}")))
    }

    fn get_enabled(&self) -> Result<u32, AuditNlError> {
        self.send(AUDIT_GET, &[])?;
        let p = self.reply(AUDIT_GET)?;
        if p.len() < 8 {
            return Err(AuditNlError::Protocol("short audit_status".into()));
        }
        Ok(u32::from_ne_bytes([p[4], p[5], p[6], p[7]]))
    }

    fn set_enabled(&self, enabled: u32) -> Result<(), AuditNlError> {
        self.send(AUDIT_SET, &set_enabled_payload(enabled))?;
        Ok(())
    }

    /// Read every datagram now queued: (message type, payload).
    fn recv_raw(&self) -> Result<Vec<(u16, Vec<u8>)>, AuditNlError> {
        let mut out = Vec::new();
        let lost = crate::sys::netlink::drain(&self.sock, |data| {
            let mut off = 0;
            while off + 16 <= data.len() {
                let len =
                    u32::from_ne_bytes([data[off], data[off + 1], data[off + 2], data[off + 3]])
                        as usize;
                let kind = u16::from_ne_bytes([data[off + 4], data[off + 5]]);
                let end = if len < 16 || off + len > data.len() {
                    data.len()
                } else {
                    off + len
                };
                out.push((kind, data[off + 16..end].to_vec()));
                off += (len.max(16) + 3) & !3;
            }
        })
        .map_err(|source| AuditNlError::Sys {
            what: "recv",
            source,
        })?;
        if lost {
            // The kernel dropped messages: say so in the record stream.
            out.push((
                0,
                b"lost: the kernel dropped audit messages (ENOBUFS)".to_vec(),
            ));
        }
        Ok(out)
    }

    /// Ask the kernel to log a marker behind every record queued so far. The
    /// kernel's audit queue is first in, first out: once [`Self::drained`]
    /// says the marker came back, every earlier record has been read.
    pub fn send_marker(&self, token: &str) -> Result<(), AuditNlError> {
        *self.marker.borrow_mut() = Some(token.to_string());
        self.marker_seen.set(false);
        // NUL-terminated: the kernel drops the last byte of the text.
        self.send(AUDIT_USER, format!("{MARKER}{token}\0").as_bytes())
    }

    /// Whether the marker sent last has been read.
    pub fn drained(&self) -> bool {
        self.marker_seen.get()
    }

    /// Audit records queued now: (type, text). Our own markers are consumed here.
    pub fn read(&self) -> Result<Vec<(u16, String)>, AuditNlError> {
        let mut out = Vec::new();
        for (t, p) in self.recv_raw()? {
            if t == NLMSG_ERROR || t == AUDIT_GET {
                continue;
            }
            let text = String::from_utf8_lossy(&p)
                .trim_end_matches('\0')
                .to_string();
            if t == AUDIT_USER && text.contains(MARKER) {
                if let Some(token) = self.marker.borrow().as_deref() {
                    if text.contains(&format!("{MARKER}{token}")) {
                        self.marker_seen.set(true);
                    }
                }
                continue;
            }
            out.push((t, text));
        }
        Ok(out)
    }

    /// Wait until records may be readable, at most `timeout`.
    pub fn wait(&self, timeout: std::time::Duration) -> bool {
        crate::sys::netlink::wait_readable(&self.sock, timeout)
    }

    /// The socket, for poll.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl Drop for AuditReader {
    fn drop(&mut self) {
        // The last run out restores what the first run found.
        if flock(&self.state, libc::LOCK_EX).is_err() {
            return;
        }
        let _ = flock(&self.active, libc::LOCK_UN);
        // SAFETY: flock on a descriptor we own; non-blocking.
        let alone =
            unsafe { libc::flock(self.active.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        if alone {
            let mut note = String::new();
            let _ = (&self.state).seek(SeekFrom::Start(0));
            let _ = (&self.state).read_to_string(&mut note);
            if note.contains("enabled-by-phase1") && self.set_enabled(0).is_ok() {
                let _ = self.write_note("");
            }
            let _ = flock(&self.active, libc::LOCK_UN);
        }
        let _ = flock(&self.state, libc::LOCK_UN);
        tracing::debug!(dir = %self.lock_dir.display(), alone, "kernel audit reader closed");
    }
}
