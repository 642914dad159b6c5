//! What the sandbox must show, driving the real binary, as root and as nobody.

mod util;

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};
use util::*;

#[test]
fn status_shows_no_caps_nnp_and_seccomp() {
    require_root();
    for who in BOTH {
        let dir = workdir("status", who);
        let r = probe(who, &dir, &[], &["status"]);
        r.expect_code(0)
            .expect_stdout("CapEff:\t0000000000000000")
            .expect_stdout("CapPrm:\t0000000000000000")
            .expect_stdout("CapBnd:\t0000000000000000")
            .expect_stdout("CapAmb:\t0000000000000000")
            .expect_stdout("NoNewPrivs:\t1")
            .expect_stdout("Seccomp:\t2");
        // pid 2 in its own pid namespace (the sandbox init is pid 1).
        r.expect_stdout("pid:\t2");
        let uid = if who == As::Root { "0" } else { "65534" };
        r.expect_stdout(&format!("Uid:\t{uid}\t{uid}\t{uid}\t{uid}"));
    }
}

/// How a write into a read-only working directory fails: EACCES (Landlock),
/// or EROFS when the tree is under /tmp, where declared paths are carried into
/// the private /tmp by bind mounts and the read-only bind refuses first.
fn cwd_write_refused(dir: &std::path::Path) -> &'static str {
    if dir.starts_with("/tmp") {
        "errno=30 EROFS"
    } else {
        "errno=13 EACCES"
    }
}

#[test]
fn writes_outside_declared_paths_fail_with_eacces() {
    require_root();
    for who in BOTH {
        let dir = workdir("nowrite", who);
        probe(who, &dir, &[], &["write", "/etc/phase1-should-not-exist"])
            .expect_stdout("errno=13 EACCES");
        // The working directory is readable, not writable, under the shell runtime.
        probe(who, &dir, &[], &["write", "x"]).expect_stdout(cwd_write_refused(&dir));
        assert!(!dir.join("x").exists());
        assert!(!std::path::Path::new("/etc/phase1-should-not-exist").exists());
        // A file of this tree outside the working directory is not reachable
        // either: refused by Landlock, or (tree under /tmp) not even there,
        // since only declared paths are carried into the private /tmp.
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        probe(who, &dir, &[], &["read", manifest]).expect_stdout(if dir.starts_with("/tmp") {
            "errno=2 ENOENT"
        } else {
            "errno=13 EACCES"
        });
    }
}

#[test]
fn declared_writes_succeed_and_land_on_the_host() {
    require_root();
    for who in BOTH {
        let dir = workdir("write", who);
        let out = owned_subdir(&dir, "out", who);
        probe(who, &dir, &["--allow-write", "out"], &["write", "out/f"])
            .expect_code(0)
            .expect_stdout("ok");
        assert_eq!(
            std::fs::read_to_string(out.join("f")).expect("written"),
            "probe\n"
        );
        // Still nothing outside it.
        probe(who, &dir, &["--allow-write", "out"], &["write", "g"])
            .expect_stdout(cwd_write_refused(&dir));
    }
}

#[test]
fn paths_under_tmp_keep_their_declared_access() {
    require_root();
    for who in BOTH {
        let dir = tmpdir("carry", who);
        let out = owned_subdir(&dir, "out", who);
        std::fs::write(dir.join("in.txt"), "data").expect("write");
        // cwd (declared read-only) is visible but not writable, even under the private /tmp.
        probe(who, &dir, &[], &["read", "in.txt"]).expect_stdout("ok");
        probe(who, &dir, &[], &["write", "new"]).expect_stdout("errno=30");
        probe(who, &dir, &["--allow-write", "out"], &["write", "out/f"]).expect_stdout("ok");
        assert!(out.join("f").exists());
        // The private /tmp is writable and vanishes afterwards.
        probe(who, &dir, &[], &["write", "/tmp/scratch"]).expect_stdout("ok");
        assert!(!std::path::Path::new("/tmp/scratch").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn etc_shadow_is_not_readable() {
    require_root();
    for who in BOTH {
        let dir = workdir("shadow", who);
        probe(who, &dir, &[], &["read", "/etc/shadow"]).expect_stdout("errno=13 EACCES");
        // passwd is, by the baseline.
        probe(who, &dir, &[], &["read", "/etc/passwd"]).expect_stdout("ok");
    }
}

#[test]
fn tcp_connect_to_loopback_fails_without_net() {
    require_root();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port().to_string();
    let other = TcpListener::bind("127.0.0.1:0").expect("listen");
    let other_port = other.local_addr().expect("addr").port().to_string();
    for who in BOTH {
        let dir = workdir("net", who);
        // No net: inet sockets are denied outright (and the namespace has no route to the host).
        probe(who, &dir, &[], &["connect", &port])
            .expect_code(1)
            .expect_stdout("errno=1 EPERM");
        // With a declared port: that port connects, another does not (Landlock).
        let grant = format!("connect:{port}");
        probe(who, &dir, &["--net", &grant], &["connect", &port])
            .expect_code(0)
            .expect_stdout("ok");
        probe(who, &dir, &["--net", &grant], &["connect", &other_port])
            .expect_stdout("errno=13 EACCES");
        probe(who, &dir, &["--net", &grant], &["bind", "0"]).expect_stdout("errno=13 EACCES");
    }
}

#[test]
fn full_network_needs_the_trust_gate() {
    require_root();
    let dir = workdir("netfull", As::Root);
    let r = probe(As::Root, &dir, &["--net", "full"], &["status"]);
    r.expect_code(2)
        .expect_stderr("phase1-supervise: net full (unrestricted host network): disabled; enable the trust gate with PHASE1_ALLOW_HOST_TOOLS=1");
    let mut c = command(
        As::Root,
        &dir,
        &["run", "-q", "--net", "full", "--", PROBE, "socket-inet"],
    );
    c.env("PHASE1_ALLOW_HOST_TOOLS", "1");
    let out = c.output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn namespaces_mount_and_ptrace_are_denied() {
    require_root();
    for who in BOTH {
        let dir = workdir("nested", who);
        probe(who, &dir, &[], &["unshare-user"]).expect_stdout("errno=1 EPERM");
        probe(who, &dir, &[], &["mount-tmpfs"]).expect_stdout("errno=1 EPERM");
        probe(who, &dir, &[], &["ptrace", "1"]).expect_stdout("errno=1 EPERM");
        // The real tools fail too.
        let r = sup(who, &dir, &["run", "-q", "--", "unshare", "-U", "true"]);
        assert_ne!(r.code(), 0, "unshare -U succeeded{}", r.context());
        r.expect_stderr("unshare");
        let r = sup(
            who,
            &dir,
            &["run", "-q", "--", "sh", "-c", "mount -t tmpfs none /mnt"],
        );
        assert_ne!(r.code(), 0, "mount succeeded{}", r.context());
    }
}

#[test]
fn x32_syscalls_kill_the_process() {
    require_root();
    let dir = workdir("x32", As::Root);
    // x32 getpid: the filter kills the process (SIGSYS = 31).
    let nr = (0x4000_0000u64 + 39).to_string();
    probe(As::Root, &dir, &[], &["syscall", &nr]).expect_code(128 + 31);
}

#[test]
fn fork_bomb_hits_the_pids_limit_and_the_supervisor_stays_up() {
    require_root();
    for who in BOTH {
        let dir = workdir("bomb", who);
        let r = probe(who, &dir, &["--pids", "16"], &["forkbomb"]);
        r.expect_code(0).expect_stdout("errno=11 EAGAIN");
        let forked: usize = r
            .stdout()
            .split_whitespace()
            .find_map(|w| w.strip_prefix("forked=")?.parse().ok())
            .expect("forked=N");
        assert!(
            forked < 16,
            "forked {forked} processes past a limit of 16{}",
            r.context()
        );
    }
    // A real shell fork bomb: the limit holds it and the wall clock ends it.
    let dir = workdir("bomb-sh", As::Root);
    let start = Instant::now();
    let r = sup(
        As::Root,
        &dir,
        &[
            "run",
            "--pids",
            "32",
            "--timeout",
            "3",
            "--",
            "sh",
            "-c",
            "b() { b | b & }; b; sleep 60",
        ],
    );
    r.expect_code(124)
        .expect_stderr("killed: wall-clock limit reached");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    // Its pids cgroup is gone afterwards.
    let stderr = r.stderr();
    let cg = stderr
        .split_whitespace()
        .find(|w| w.starts_with("/sys/fs/cgroup/"))
        .unwrap_or_else(|| panic!("the header names no cgroup{}", r.context()));
    assert!(
        !std::path::Path::new(cg).exists(),
        "cgroup {cg} left behind"
    );
}

#[test]
fn only_fds_0_to_2_reach_the_workload() {
    require_root();
    for who in BOTH {
        let dir = workdir("fds", who);
        let script =
            format!("exec 7</etc/hostname 9</etc/passwd; exec {BIN} run -q -- {PROBE} fds");
        let mut c = match who {
            As::Root => std::process::Command::new("sh"),
            As::Nobody => {
                let mut c = std::process::Command::new("setpriv");
                c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "sh"]);
                c
            }
        };
        let out = c
            .args(["-c", &script])
            .current_dir(&dir)
            .env("PHASE1_AUDIT_LOG", dir.join("audit.jsonl"))
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("fds=0,1,2\n"),
            "{who:?}: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn environment_is_an_allowlist() {
    require_root();
    let dir = workdir("env", As::Root);
    let mut c = command(As::Root, &dir, &["run", "-q", "--", "env"]);
    c.env("AWS_SECRET_ACCESS_KEY", "hunter2")
        .env("LANG", "C.UTF-8");
    let out = c.output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(stdout.contains("LANG=C.UTF-8"), "{stdout}");
    assert!(stdout.contains("PHASE1_GUARDED_EXEC=1"), "{stdout}");
    assert!(stdout.contains("HOME=/tmp/phase1_"), "{stdout}");
    assert!(stdout.contains("TMPDIR=/tmp/phase1_"), "{stdout}");
    // --env passes one explicitly.
    let mut c = command(
        As::Root,
        &dir,
        &["run", "-q", "--env", "AWS_SECRET_ACCESS_KEY", "--", "env"],
    );
    c.env("AWS_SECRET_ACCESS_KEY", "hunter2");
    let out = c.output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("AWS_SECRET_ACCESS_KEY=hunter2"));
}

#[test]
fn exit_status_propagates() {
    require_root();
    for who in BOTH {
        let dir = workdir("exit", who);
        sup(who, &dir, &["run", "-q", "--", "sh", "-c", "exit 7"]).expect_code(7);
        sup(who, &dir, &["run", "-q", "--", "sh", "-c", "kill -TERM $$"]).expect_code(128 + 15);
        sup(who, &dir, &["run", "-q", "--", "sh", "-c", "kill -KILL $$"]).expect_code(128 + 9);
        sup(who, &dir, &["run", "-q", "--", "true"]).expect_code(0);
    }
}

#[test]
fn missing_command_is_127() {
    require_root();
    let dir = workdir("missing", As::Root);
    sup(As::Root, &dir, &["run", "-q", "--", "no-such-program-p1"])
        .expect_code(127)
        .expect_stderr("phase1-supervise: no-such-program-p1: command not found");
}

#[test]
fn signals_to_the_supervisor_reach_the_workload() {
    require_root();
    let dir = workdir("signal", As::Root);
    let script = "trap 'echo got-term; exit 3' TERM; echo ready; sleep 30 & wait";
    let mut child = command(As::Root, &dir, &["run", "-q", "--", "sh", "-c", script])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until the trap is installed.
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out, &mut first).expect("read");
    assert_eq!(first, "ready\n");
    // Plain kill(1) of our own child, the supervisor.
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let start = Instant::now();
    let status = child.wait().expect("wait");
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("read");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(status.code(), Some(3), "stdout: {rest}");
    assert!(rest.contains("got-term"), "{rest}");
}

#[test]
fn supervisor_death_kills_the_sandbox() {
    require_root();
    let dir = workdir("pdeath", As::Root);
    let marker = format!("61.{}", std::process::id());
    let mut child = command(As::Root, &dir, &["run", "-q", "--", "sleep", &marker])
        .spawn()
        .expect("spawn");
    let find = || {
        std::fs::read_dir("/proc")
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
                    .any(|c| {
                        String::from_utf8_lossy(&c)
                            .replace('\0', " ")
                            .starts_with(&format!("sleep {marker}"))
                    })
            })
            .unwrap_or(false)
    };
    let start = Instant::now();
    while !find() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "workload never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("kill -9 the supervisor");
    let _ = child.wait();
    let start = Instant::now();
    while find() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the workload outlived its supervisor"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn python_and_node_run_under_their_runtimes() {
    require_root();
    for who in BOTH {
        let dir = workdir("langs", who);
        sup(
            who,
            &dir,
            &[
                "run",
                "-q",
                "--runtime",
                "python",
                "--",
                "python3",
                "-c",
                "print(6*7)",
            ],
        )
        .expect_code(0)
        .expect_stdout("42");
        // python declares no spawn: fork is refused.
        sup(who, &dir, &["run", "-q", "--runtime", "python", "--", "python3", "-c", "import os\ntry:\n    os.fork()\nexcept PermissionError as e:\n    print('denied', e.errno)"])
            .expect_code(0)
            .expect_stdout("denied 1");
        sup(
            who,
            &dir,
            &[
                "run",
                "-q",
                "--runtime",
                "node",
                "--",
                "node",
                "-e",
                "console.log(6*7)",
            ],
        )
        .expect_code(0)
        .expect_stdout("42");
    }
}

#[test]
fn header_says_what_runs_where_and_what_is_enforced() {
    require_root();
    let dir = workdir("header", As::Root);
    let r = sup(As::Root, &dir, &["run", "--", "true"]);
    r.expect_code(0)
        .expect_stderr("program      : /usr/bin/true")
        .expect_stderr(&format!("cwd          : {}", dir.display()))
        .expect_stderr("runtime      : shell (documented)")
        .expect_stderr("admitted by  : maturity documented")
        .expect_stderr("stdout       : pipe")
        .expect_stderr("landlock     : enforced (plan ABI 7, kernel ABI 7)")
        .expect_stderr("seccomp      : enforced")
        .expect_stderr("capabilities : all dropped")
        .expect_stderr("not claimed  : not hardened isolation")
        .expect_stderr("status    : ok")
        .expect_stderr("exit      : 0");
    let r = sup(As::Root, &dir, &["run", "--json", "--", "true"]);
    let first = r.stderr().lines().next().unwrap_or_default().to_string();
    let v: serde_json::Value =
        serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}{}", r.context()));
    assert_eq!(v["event"], "run.start");
    assert_eq!(v["landlock"]["status"], "fully_enforced");
    assert_eq!(v["no_new_privs"], true);
    assert!(v["not_claimed"]
        .as_str()
        .unwrap_or("")
        .starts_with("not hardened isolation"));
    let r = sup(As::Root, &dir, &["run", "-q", "--", "true"]);
    assert!(r.stderr().is_empty(), "--quiet printed{}", r.context());
}

#[test]
fn explain_prints_every_rule_with_its_capability() {
    require_root();
    let dir = workdir("explain", As::Root);
    let r = sup(
        As::Root,
        &dir,
        &["explain", "--runtime", "python", "--", "python3", "-c", "1"],
    );
    r.expect_code(0)
        .expect_stdout("plan (nothing is run)")
        .expect_stdout("runtime     : python (documented)")
        .expect_stdout("fs.read [")
        .expect_stdout("deny EPERM         clone if flags has CLONE_NEWUSER")
        .expect_stdout("sys.namespaces")
        .expect_stdout("return ENOSYS (compat) clone3")
        .expect_stdout("not hardened isolation");
    let r = sup(As::Root, &dir, &["explain", "--json", "--", "sh"]);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout()).unwrap_or_else(|e| panic!("{e}{}", r.context()));
    let rules = v["plan"]["seccomp"]["rules"].as_array().expect("rules");
    assert!(rules
        .iter()
        .all(|r| r["capability"].as_str().is_some_and(|c| !c.is_empty())));
    assert_eq!(v["plan_digest"].as_str().map(str::len), Some(64));
}

#[test]
fn bad_manifests_and_flags_exit_2_naming_file_line_and_key() {
    require_root();
    let dir = workdir("bad", As::Root);
    let m = dir.join("bad.toml");
    std::fs::write(&m, "name = \"bad\"\ndescription = \"x\"\nmaturity = \"prototype\"\nprograms = [\"sh\"]\n\n[limits]\npids = \"lots\"\n").expect("write");
    sup(
        As::Root,
        &dir,
        &[
            "run",
            "--manifest",
            m.to_str().unwrap_or_default(),
            "--",
            "true",
        ],
    )
    .expect_code(2)
    .expect_stderr("bad.toml:7:")
    .expect_stderr("key `limits.pids`");
    std::fs::write(&m, "name = \"bad\"\ndescription = \"x\"\nmaturity = \"prototype\"\nprograms = [\"sh\"]\n[fs]\nwrite = [\"relative/path\"]\n").expect("write");
    sup(
        As::Root,
        &dir,
        &[
            "run",
            "--manifest",
            m.to_str().unwrap_or_default(),
            "--",
            "true",
        ],
    )
    .expect_code(2)
    .expect_stderr("bad.toml:6:")
    .expect_stderr("key `fs.write`")
    .expect_stderr("must be absolute");
    std::fs::write(&m, "name = \"bad\"\ndescription = \"x\"\nmaturity = \"prototype\"\nprograms = [\"sh\"]\nspawn_everything = true\n").expect("write");
    sup(
        As::Root,
        &dir,
        &[
            "run",
            "--manifest",
            m.to_str().unwrap_or_default(),
            "--",
            "true",
        ],
    )
    .expect_code(2)
    .expect_stderr("bad.toml:5:")
    .expect_stderr("spawn_everything");
    sup(As::Root, &dir, &["run", "--net", "udp:53", "--", "true"])
        .expect_code(2)
        .expect_stderr("--net udp:53");
    sup(As::Root, &dir, &["run", "--runtime", "cobol", "--", "true"])
        .expect_code(2)
        .expect_stderr("unknown runtime `cobol`");
    sup(
        As::Root,
        &dir,
        &["run", "--allow-write", "/no/such/dir", "--", "true"],
    )
    .expect_code(2)
    .expect_stderr("--allow-write /no/such/dir: no such file or directory");
    sup(As::Root, &dir, &["run", "--bogus-flag", "--", "true"]).expect_code(2);
    sup(As::Root, &dir, &["run"]).expect_code(2);
}

#[test]
fn runtimes_are_listed() {
    require_root();
    let dir = workdir("runtimes", As::Root);
    let r = sup(As::Root, &dir, &["runtimes"]);
    r.expect_code(0)
        .expect_stdout("python")
        .expect_stdout("node")
        .expect_stdout("rust")
        .expect_stdout("shell");
}

#[test]
fn cargo_builds_and_runs_a_project_under_the_rust_runtime() {
    require_root();
    let cargo_home = std::path::Path::new("/root/.cargo/bin/cargo");
    assert!(
        cargo_home.exists(),
        "the rust runtime test needs rustup's cargo at {}",
        cargo_home.display()
    );
    // Under /tmp: outside this repository, whose Cargo.toml cargo would look for.
    let dir = tmpdir("rust-runtime", As::Root);
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    std::fs::write(dir.join("src/main.rs"), "fn main() { println!(\"hello from {}\", std::env::var(\"PHASE1_RUNTIME\").unwrap_or_default()); }\n").expect("write");
    let mut c = command(
        As::Root,
        &dir,
        &[
            "run",
            "-q",
            "--runtime",
            "rust",
            "--",
            "cargo",
            "run",
            "-q",
            "--offline",
        ],
    );
    c.env("HOME", "/root");
    let out = c.output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("hello from rust"), "{stdout}");
    assert!(dir.join("target").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_landlock_downgrade_refuses_to_run_unless_best_effort() {
    require_root();
    let dir = workdir("ll-downgrade", As::Root);
    // Policies asking for Landlock ABI 9, which this kernel (ABI 7) cannot fully enforce.
    let pol = dir.join("policies");
    std::fs::create_dir_all(&pol).expect("mkdir");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    std::fs::copy(src.join("syscalls.toml"), pol.join("syscalls.toml")).expect("copy");
    let baseline = std::fs::read_to_string(src.join("baseline.toml")).expect("read");
    assert!(baseline.contains("landlock_abi = 7"));
    std::fs::write(
        pol.join("baseline.toml"),
        baseline.replace("landlock_abi = 7", "landlock_abi = 9"),
    )
    .expect("write");
    let pol = pol.to_string_lossy().into_owned();
    let marker = dir.join("ran");
    let script = format!("touch {}", marker.display());
    sup(As::Root, &dir, &["run", "-q", "--policies-dir", &pol, "--allow-write", ".", "--", "sh", "-c", &script])
        .expect_code(125)
        .expect_stderr("sandbox setup failed at landlock: ruleset partially_enforced (kernel ABI 7, plan needs ABI 9; not enforceable here: fs.ResolveUnix); refusing to run");
    assert!(
        !marker.exists(),
        "the workload ran under a downgraded Landlock ruleset"
    );
    let log = dir.join("audit.jsonl");
    let logs = log.to_string_lossy().into_owned();
    sup(
        As::Root,
        &dir,
        &[
            "run",
            "--best-effort",
            "--audit-log",
            &logs,
            "--policies-dir",
            &pol,
            "--allow-write",
            ".",
            "--",
            "sh",
            "-c",
            &script,
        ],
    )
    .expect_code(0)
    .expect_stderr(
        "landlock     : DOWNGRADED (partially_enforced, --best-effort; not enforced: fs.ResolveUnix) (plan ABI 9, kernel ABI 7)",
    );
    assert!(marker.exists());
    let start: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .expect("log")
            .lines()
            .next()
            .unwrap_or("{}"),
    )
    .expect("json");
    assert_eq!(start["enforced"]["landlock"], "partially_enforced");
    // A bad ABI in the policy file is bad input.
    std::fs::write(
        dir.join("policies/baseline.toml"),
        baseline.replace("landlock_abi = 7", "landlock_abi = 2"),
    )
    .expect("write");
    sup(
        As::Root,
        &dir,
        &["run", "--policies-dir", &pol, "--", "true"],
    )
    .expect_code(2)
    .expect_stderr("baseline.toml:")
    .expect_stderr("landlock_abi = 2");
}

#[test]
fn spawn_programs_allows_only_the_listed_programs() {
    require_root();
    let dir = workdir("spawn-programs", As::Root);
    let m = dir.join("lister.toml");
    std::fs::write(
        &m,
        "name = \"lister\"\ndescription = \"sh that may run ls only\"\nmaturity = \"prototype\"\nprograms = [\"sh\"]\n\n[fs]\nread = [\"${CWD}\"]\n\n[spawn]\nmode = \"programs\"\nprograms = [\"ls\"]\n",
    )
    .expect("write");
    let ms = m.to_string_lossy().into_owned();
    let r = sup(
        As::Root,
        &dir,
        &[
            "run",
            "-q",
            "--allow-prototype",
            "--manifest",
            &ms,
            "--",
            "sh",
            "-c",
            "ls lister.toml && echo ls-ok; cat lister.toml || echo cat-refused",
        ],
    );
    r.expect_code(0)
        .expect_stdout("lister.toml\nls-ok")
        .expect_stdout("cat-refused");
    r.expect_stderr("Permission denied");
    // explain names the capability behind the exec rule.
    sup(As::Root, &dir, &["explain", "--manifest", &ms, "--", "sh"])
        .expect_code(0)
        .expect_stdout("proc.spawn [");
}
