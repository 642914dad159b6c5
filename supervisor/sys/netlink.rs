//! Opening a netlink socket bound to multicast groups (shared by the kernel
//! audit reader and the process-events connector).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Open a non-blocking, close-on-exec netlink socket of `protocol` and bind it
/// to `groups`. Errors carry the step that failed.
pub fn open_bound(
    sock_type: i32,
    protocol: i32,
    groups: u32,
) -> Result<OwnedFd, (&'static str, std::io::Error)> {
    // SAFETY: socket(2) with integer arguments.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            sock_type | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            protocol,
        )
    };
    if fd < 0 {
        return Err(("socket", std::io::Error::last_os_error()));
    }
    // SAFETY: a fresh descriptor nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: sockaddr_nl is plain data; zero is a valid start.
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as u16;
    addr.nl_groups = groups;
    // SAFETY: `addr` is a valid sockaddr_nl of the size passed.
    let rc = unsafe {
        libc::bind(
            sock.as_raw_fd(),
            &addr as *const libc::sockaddr_nl as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_nl>() as u32,
        )
    };
    if rc < 0 {
        return Err(("bind", std::io::Error::last_os_error()));
    }
    Ok(sock)
}

/// Receive every datagram now queued, calling `each` with its bytes. Returns
/// whether the kernel reported dropped messages (ENOBUFS).
pub fn drain(sock: &OwnedFd, mut each: impl FnMut(&[u8])) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 1 << 16];
    let mut lost = false;
    loop {
        // SAFETY: `buf` is valid for writes of its length.
        let n = unsafe {
            libc::recv(
                sock.as_raw_fd(),
                buf.as_mut_ptr() as *mut libc::c_void,
                buf.len(),
                0,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EAGAIN) | Some(libc::EINTR) => return Ok(lost),
                Some(libc::ENOBUFS) => {
                    lost = true;
                    continue;
                }
                _ => return Err(e),
            }
        }
        each(&buf[..n as usize]);
    }
}

/// Wait until `sock` is readable or `timeout` passes; whether it is readable.
pub fn wait_readable(sock: &OwnedFd, timeout: std::time::Duration) -> bool {
    use std::os::fd::AsFd;
    let mut fds = [nix::poll::PollFd::new(
        sock.as_fd(),
        nix::poll::PollFlags::POLLIN,
    )];
    let ms = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
    matches!(nix::poll::poll(&mut fds, ms), Ok(n) if n > 0)
}
