//! The kernel's process-events connector: an exit event, with its wait status,
//! for every process on the system. Needs CAP_NET_ADMIN (root). Used to record
//! how each spawned process ended, even when its parent reaps it at once.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

const NETLINK_CONNECTOR: i32 = 11;
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
const PROC_CN_MCAST_LISTEN: u32 = 1;
const NLMSG_DONE: u16 = 3;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;
/// nlmsghdr (16) + cn_msg (20).
const EVENT_OFFSET: usize = 36;

/// Errors with the connector.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// A syscall failed.
    #[error("proc connector: {what}: {source}")]
    Sys {
        /// What.
        what: &'static str,
        /// errno.
        source: std::io::Error,
    },
}

/// One process exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitEvent {
    /// Thread-group id (the process's pid).
    pub tgid: u32,
    /// Wait status (code << 8, or the killing signal in the low bits).
    pub status: i32,
}

/// A subscription to process events.
#[derive(Debug)]
pub struct ProcConnector {
    sock: OwnedFd,
}

impl ProcConnector {
    /// Subscribe (root only).
    pub fn open() -> Result<Self, ConnectorError> {
        let sock =
            crate::sys::netlink::open_bound(libc::SOCK_DGRAM, NETLINK_CONNECTOR, CN_IDX_PROC)
                .map_err(|(step, source)| ConnectorError::Sys {
                    what: if step == "bind" {
                        "joining the process-events group (needs CAP_NET_ADMIN)"
                    } else {
                        "socket(NETLINK_CONNECTOR)"
                    },
                    source,
                })?;
        // Room for bursts of system-wide events.
        let size: libc::c_int = 4 << 20;
        // SAFETY: `size` is a valid c_int for the length passed.
        unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                &size as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as u32,
            )
        };
        let mut msg = Vec::with_capacity(40);
        msg.extend_from_slice(&40u32.to_ne_bytes()); // nlmsg_len
        msg.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        msg.extend_from_slice(&0u16.to_ne_bytes()); // flags
        msg.extend_from_slice(&0u32.to_ne_bytes()); // seq
        msg.extend_from_slice(&std::process::id().to_ne_bytes()); // pid
        msg.extend_from_slice(&CN_IDX_PROC.to_ne_bytes());
        msg.extend_from_slice(&CN_VAL_PROC.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes()); // seq
        msg.extend_from_slice(&0u32.to_ne_bytes()); // ack
        msg.extend_from_slice(&4u16.to_ne_bytes()); // len
        msg.extend_from_slice(&0u16.to_ne_bytes()); // flags
        msg.extend_from_slice(&PROC_CN_MCAST_LISTEN.to_ne_bytes());
        // SAFETY: `msg` is valid for its length.
        let rc = unsafe {
            libc::send(
                sock.as_raw_fd(),
                msg.as_ptr() as *const libc::c_void,
                msg.len(),
                0,
            )
        };
        if rc < 0 {
            return Err(ConnectorError::Sys {
                what: "subscribing to process events",
                source: std::io::Error::last_os_error(),
            });
        }
        Ok(ProcConnector { sock })
    }

    /// The socket, for poll.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    /// Exit events queued now. `lost` is set when the kernel dropped events.
    pub fn read(&self) -> Result<(Vec<ExitEvent>, bool), ConnectorError> {
        let mut out = Vec::new();
        let lost =
            crate::sys::netlink::drain(&self.sock, |b| out.extend(parse(b))).map_err(|source| {
                ConnectorError::Sys {
                    what: "recv",
                    source,
                }
            })?;
        Ok((out, lost))
    }
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// An exit event of a whole process (thread-group leader) from one datagram.
pub fn parse(b: &[u8]) -> Option<ExitEvent> {
    if u32_at(b, EVENT_OFFSET)? != PROC_EVENT_EXIT {
        return None;
    }
    let data = EVENT_OFFSET + 16;
    let (pid, tgid, code) = (u32_at(b, data)?, u32_at(b, data + 4)?, u32_at(b, data + 8)?);
    (pid == tgid).then_some(ExitEvent {
        tgid,
        status: code as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datagram(what: u32, pid: u32, tgid: u32, code: u32) -> Vec<u8> {
        let mut b = vec![0u8; EVENT_OFFSET];
        b.extend_from_slice(&what.to_ne_bytes());
        b.extend_from_slice(&0u32.to_ne_bytes());
        b.extend_from_slice(&0u64.to_ne_bytes());
        for v in [pid, tgid, code, 17, 1, 1] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        b
    }

    #[test]
    fn exits_of_processes_are_parsed_and_threads_skipped() {
        assert_eq!(
            parse(&datagram(PROC_EVENT_EXIT, 42, 42, 9)),
            Some(ExitEvent {
                tgid: 42,
                status: 9
            })
        );
        assert_eq!(parse(&datagram(PROC_EVENT_EXIT, 43, 42, 0)), None);
        assert_eq!(parse(&datagram(2, 42, 42, 0)), None);
        assert_eq!(parse(&[0u8; 10]), None);
    }
}
