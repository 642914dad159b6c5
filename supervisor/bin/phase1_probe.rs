//! `phase1-probe`: a small test helper that attempts one operation and prints
//! `ok` or `errno=<N> <NAME>` so tests can assert on the exact outcome inside
//! the sandbox. It is not part of the supervisor.
//!
//! Usage: phase1-probe <op> [args]
//!   read PATH | write PATH | exec PATH | connect PORT | bind PORT | socket-inet
//!   unshare-user | mount-tmpfs | ptrace PID | status | fds | forkbomb | fork
//!   kill PID | sleep SECS | syscall NR | loop NR COUNT | audit-enabled

use std::ffi::CString;
use std::io::Write;

fn errno_name(e: i32) -> &'static str {
    match e {
        libc::EPERM => "EPERM",
        libc::EACCES => "EACCES",
        libc::ENOENT => "ENOENT",
        libc::EAGAIN => "EAGAIN",
        libc::ENOSYS => "ENOSYS",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::EROFS => "EROFS",
        libc::ESRCH => "ESRCH",
        libc::EINVAL => "EINVAL",
        _ => "other",
    }
}

fn report(rc: i64) -> i32 {
    if rc < 0 {
        let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        println!("errno={e} {}", errno_name(e));
        1
    } else {
        println!("ok");
        0
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

fn inet_addr(port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_be_bytes([127, 0, 0, 1]).to_be(),
        },
        sin_zero: [0; 8],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let code = match arg(0).as_str() {
        "read" => match std::fs::read(arg(1)) {
            Ok(_) => report(0),
            Err(e) => {
                let n = e.raw_os_error().unwrap_or(0);
                println!("errno={n} {}", errno_name(n));
                1
            }
        },
        "write" => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(arg(1))
        {
            Ok(mut f) => {
                let _ = f.write_all(b"probe\n");
                report(0)
            }
            Err(e) => {
                let n = e.raw_os_error().unwrap_or(0);
                println!("errno={n} {}", errno_name(n));
                1
            }
        },
        "exec" => {
            let p = cstr(&arg(1));
            let argv = [p.as_ptr(), std::ptr::null()];
            let envp = [std::ptr::null()];
            // SAFETY: argv and envp are NULL-terminated arrays of valid C strings.
            report(unsafe { libc::execve(p.as_ptr(), argv.as_ptr(), envp.as_ptr()) } as i64)
        }
        "socket-inet" => {
            // SAFETY: plain socket(2) call with integer arguments.
            report(unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) } as i64)
        }
        op @ ("connect" | "bind") => {
            let port: u16 = arg(1).parse().unwrap_or(0);
            // SAFETY: plain socket(2) call with integer arguments.
            let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
            if fd < 0 {
                report(-1)
            } else {
                let addr = inet_addr(port);
                let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
                let p = &addr as *const libc::sockaddr_in as *const libc::sockaddr;
                // SAFETY: `addr` is a valid sockaddr_in of `len` bytes for the duration of the call.
                let rc = unsafe {
                    if op == "connect" {
                        libc::connect(fd, p, len)
                    } else {
                        libc::bind(fd, p, len)
                    }
                };
                report(rc as i64)
            }
        }
        "unshare-user" => {
            // SAFETY: unshare(2) with a flag; no memory is passed.
            report(unsafe { libc::unshare(libc::CLONE_NEWUSER) } as i64)
        }
        "mount-tmpfs" => {
            let (src, tgt, fs) = (cstr("tmpfs"), cstr("/tmp"), cstr("tmpfs"));
            // SAFETY: all pointers are valid NUL-terminated strings or NULL.
            report(unsafe {
                libc::mount(src.as_ptr(), tgt.as_ptr(), fs.as_ptr(), 0, std::ptr::null())
            } as i64)
        }
        "ptrace" => {
            let pid: i32 = arg(1).parse().unwrap_or(1);
            // SAFETY: PTRACE_ATTACH with integer arguments.
            report(unsafe { libc::ptrace(libc::PTRACE_ATTACH, pid, 0usize, 0usize) })
        }
        "kill" => {
            let pid: i32 = arg(1).parse().unwrap_or(1);
            // SAFETY: kill(2) with signal 0 only checks permission.
            report(unsafe { libc::kill(pid, 0) } as i64)
        }
        "syscall" => {
            let nr: i64 = arg(1).parse().unwrap_or(-1);
            // SAFETY: a raw syscall with zero arguments; the probe only reports its result.
            report(unsafe { libc::syscall(nr, 0, 0, 0, 0, 0, 0) })
        }
        "status" => {
            let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            for l in s.lines() {
                if [
                    "CapInh",
                    "CapPrm",
                    "CapEff",
                    "CapBnd",
                    "CapAmb",
                    "NoNewPrivs",
                    "Seccomp:",
                    "Uid",
                    "Gid",
                ]
                .iter()
                .any(|k| l.starts_with(k))
                {
                    println!("{l}");
                }
            }
            println!("pid:\t{}", std::process::id());
            0
        }
        "fds" => {
            let dir = std::fs::read_dir("/proc/self/fd")
                .map(|d| d.filter_map(|e| e.ok()).count())
                .unwrap_or(0);
            // One of the entries is the directory handle read_dir holds.
            let mut fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")
                .map(|d| {
                    d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            fds.sort();
            let _ = dir;
            // The listing opens one descriptor itself: the highest one.
            fds.pop();
            println!(
                "fds={}",
                fds.iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            0
        }
        "fork" => {
            // SAFETY: fork in a single-threaded process; the child only exits.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                // SAFETY: _exit in the forked child.
                unsafe { libc::_exit(0) }
            }
            if pid > 0 {
                let mut st = 0;
                // SAFETY: waiting for our own child with a valid status pointer.
                unsafe { libc::waitpid(pid, &mut st, 0) };
            }
            report(pid as i64)
        }
        "forkbomb" => {
            // Fork children that sleep until the limit stops us; report how far we got.
            let mut kids = Vec::new();
            let errno = loop {
                // SAFETY: fork in a single-threaded process; children only pause and exit.
                let pid = unsafe { libc::fork() };
                if pid == 0 {
                    // SAFETY: sleep then _exit in the forked child.
                    unsafe {
                        libc::sleep(30);
                        libc::_exit(0)
                    }
                }
                if pid < 0 {
                    break std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
                }
                kids.push(pid);
                if kids.len() > 10_000 {
                    break 0;
                }
            };
            println!("forked={} errno={errno} {}", kids.len(), errno_name(errno));
            for k in &kids {
                // SAFETY: killing and reaping our own children.
                unsafe {
                    libc::kill(*k, libc::SIGKILL);
                    libc::waitpid(*k, std::ptr::null_mut(), 0);
                }
            }
            0
        }
        "audit-enabled" => {
            // Ask the kernel whether audit is enabled (AUDIT_GET; needs root).
            // SAFETY: socket(2) with integer arguments.
            let fd =
                unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 9) };
            let mut req = [0u8; 16];
            req[0..4].copy_from_slice(&16u32.to_ne_bytes());
            req[4..6].copy_from_slice(&1000u16.to_ne_bytes());
            req[6..8].copy_from_slice(&1u16.to_ne_bytes());
            // SAFETY: sockaddr_nl is plain data; zero addresses the kernel.
            let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
            addr.nl_family = libc::AF_NETLINK as u16;
            // SAFETY: buffers and address are valid for the sizes passed.
            unsafe {
                libc::sendto(
                    fd,
                    req.as_ptr() as *const libc::c_void,
                    16,
                    0,
                    &addr as *const libc::sockaddr_nl as *const libc::sockaddr,
                    std::mem::size_of::<libc::sockaddr_nl>() as u32,
                )
            };
            let mut buf = [0u8; 8192];
            let mut code = 1;
            for _ in 0..4 {
                // SAFETY: `buf` is valid for writes of its length.
                let n =
                    unsafe { libc::recv(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0) };
                if n >= 24 && u16::from_ne_bytes([buf[4], buf[5]]) == 1000 {
                    println!(
                        "enabled={}",
                        u32::from_ne_bytes([buf[20], buf[21], buf[22], buf[23]])
                    );
                    code = 0;
                    break;
                }
            }
            code
        }
        "loop" => {
            // Call syscall NR (no arguments) COUNT times; print nanoseconds per call.
            let nr: i64 = arg(1).parse().unwrap_or(110);
            let count: u64 = arg(2).parse().unwrap_or(10_000);
            let start = std::time::Instant::now();
            for _ in 0..count {
                // SAFETY: a raw syscall without arguments; only its cost is measured.
                unsafe { libc::syscall(nr) };
            }
            println!(
                "ns_per_call={}",
                start.elapsed().as_nanos() as u64 / count.max(1)
            );
            0
        }
        "sleep" => {
            std::thread::sleep(std::time::Duration::from_secs(arg(1).parse().unwrap_or(1)));
            0
        }
        other => {
            eprintln!("phase1-probe: unknown op `{other}`");
            2
        }
    };
    std::process::exit(code);
}
