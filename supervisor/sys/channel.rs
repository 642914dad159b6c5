//! The typed parent/child protocol over a SOCK_SEQPACKET socketpair. Each
//! message is one JSON datagram; descriptors travel with SCM_RIGHTS.

use crate::sys::landlock::LandlockOutcome;
use nix::sys::socket::{
    recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags,
    SockFlag, SockType,
};
use serde::{Deserialize, Serialize};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Errors on the channel.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// A socket call failed.
    #[error("channel: {what}: {source}")]
    Sys {
        /// What.
        what: &'static str,
        /// errno.
        source: nix::Error,
    },
    /// The other side closed the channel.
    #[error("channel: the other side closed the connection")]
    Closed,
    /// A message did not decode.
    #[error("channel: bad message: {0}")]
    Decode(String),
}

/// Parent → child.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum ToChild {
    /// Id maps are written and the pids limit is in place: start the setup.
    Proceed,
    /// The run header is out: exec the workload.
    Go,
}

/// What the child set up, reported before the workload runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SetupReport {
    /// Mount steps done.
    pub mounts: Vec<String>,
    /// Capabilities dropped (bounding up to this cap number, ambient, inheritable, permitted, effective).
    pub caps_dropped_up_to: u32,
    /// no_new_privs set.
    pub no_new_privs: bool,
    /// Landlock outcome.
    pub landlock: LandlockOutcome,
    /// Number of seccomp filters installed on the workload.
    pub seccomp_filters: usize,
    /// A notification listener was passed with this message.
    pub seccomp_listener: bool,
    /// Pid of the workload inside the sandbox.
    pub workload_pid: i32,
}

/// How the workload ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExitInfo {
    /// Exit code when it exited.
    pub code: Option<i32>,
    /// Signal when it was killed.
    pub signal: Option<i32>,
}

impl ExitInfo {
    /// Shell-style status: code, or 128 + signal.
    pub fn status(&self) -> i32 {
        match (self.code, self.signal) {
            (Some(c), _) => c,
            (None, Some(s)) => 128 + s,
            (None, None) => 125,
        }
    }
}

/// Child → parent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum ToParent {
    /// Setup done; the workload waits for Go. May carry the seccomp listener.
    Ready {
        /// What was applied.
        report: SetupReport,
    },
    /// A setup step failed; nothing was executed.
    Failed {
        /// Step.
        step: String,
        /// Error.
        error: String,
    },
    /// execve failed.
    ExecFailed {
        /// errno.
        errno: i32,
        /// Message.
        error: String,
    },
    /// The workload ended (sent by the sandbox init).
    Exited {
        /// How.
        exit: ExitInfo,
    },
}

/// One end of the socketpair.
#[derive(Debug)]
pub struct Channel {
    fd: OwnedFd,
}

/// Create a connected pair (both ends close-on-exec).
pub fn pair() -> Result<(Channel, Channel), ChannelError> {
    let (a, b) = socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(|source| ChannelError::Sys {
        what: "socketpair",
        source,
    })?;
    Ok((Channel { fd: a }, Channel { fd: b }))
}

impl Channel {
    /// The raw descriptor (for poll and for keeping it across close_range).
    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Send a message with optional descriptors.
    pub fn send<T: Serialize>(&self, msg: &T, fds: &[RawFd]) -> Result<(), ChannelError> {
        let bytes = serde_json::to_vec(msg).map_err(|e| ChannelError::Decode(e.to_string()))?;
        let iov = [IoSlice::new(&bytes)];
        let cmsg = [ControlMessage::ScmRights(fds)];
        let cmsgs: &[ControlMessage] = if fds.is_empty() { &[] } else { &cmsg };
        loop {
            match sendmsg::<()>(
                self.fd.as_raw_fd(),
                &iov,
                cmsgs,
                MsgFlags::MSG_NOSIGNAL,
                None,
            ) {
                Ok(_) => return Ok(()),
                Err(nix::Error::EINTR) => continue,
                Err(nix::Error::EPIPE) | Err(nix::Error::ECONNRESET) => {
                    return Err(ChannelError::Closed)
                }
                Err(source) => {
                    return Err(ChannelError::Sys {
                        what: "sendmsg",
                        source,
                    })
                }
            }
        }
    }

    /// Receive one message and any descriptors that came with it.
    pub fn recv<T: for<'de> Deserialize<'de>>(&self) -> Result<(T, Vec<OwnedFd>), ChannelError> {
        let mut buf = vec![0u8; 1 << 16];
        let mut cmsg_space = nix::cmsg_space!([RawFd; 4]);
        let (n, fds) = loop {
            let mut iov = [IoSliceMut::new(&mut buf)];
            match recvmsg::<()>(
                self.fd.as_raw_fd(),
                &mut iov,
                Some(&mut cmsg_space),
                MsgFlags::MSG_CMSG_CLOEXEC,
            ) {
                Ok(msg) => {
                    let mut fds = Vec::new();
                    if let Ok(cmsgs) = msg.cmsgs() {
                        for c in cmsgs {
                            if let ControlMessageOwned::ScmRights(list) = c {
                                for fd in list {
                                    // SAFETY: SCM_RIGHTS installed these descriptors in this
                                    // process just now; nothing else owns them.
                                    fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
                                }
                            }
                        }
                    }
                    break (msg.bytes, fds);
                }
                Err(nix::Error::EINTR) => continue,
                Err(source) => {
                    return Err(ChannelError::Sys {
                        what: "recvmsg",
                        source,
                    })
                }
            }
        };
        if n == 0 {
            return Err(ChannelError::Closed);
        }
        let msg =
            serde_json::from_slice(&buf[..n]).map_err(|e| ChannelError::Decode(e.to_string()))?;
        Ok((msg, fds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_descriptors_cross() {
        let (a, b) = pair().expect("pair");
        let (r, _w) = nix::unistd::pipe().expect("pipe");
        a.send(
            &ToParent::Exited {
                exit: ExitInfo {
                    code: Some(3),
                    signal: None,
                },
            },
            &[r.as_raw_fd()],
        )
        .expect("send");
        let (msg, fds): (ToParent, _) = b.recv().expect("recv");
        assert_eq!(
            msg,
            ToParent::Exited {
                exit: ExitInfo {
                    code: Some(3),
                    signal: None
                }
            }
        );
        assert_eq!(fds.len(), 1);
        drop(a);
        assert!(matches!(b.recv::<ToParent>(), Err(ChannelError::Closed)));
    }

    #[test]
    fn exit_status_is_shell_style() {
        assert_eq!(
            ExitInfo {
                code: Some(7),
                signal: None
            }
            .status(),
            7
        );
        assert_eq!(
            ExitInfo {
                code: None,
                signal: Some(9)
            }
            .status(),
            137
        );
    }
}
