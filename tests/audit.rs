//! The audit log, dry-run and `logs`, driving the real binary.

mod util;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use util::*;

fn of_type<'a>(recs: &'a [Value], t: &str) -> Vec<&'a Value> {
    recs.iter().filter(|r| r["type"] == t).collect()
}

/// `run -q --audit-log LOG -- sh -c SCRIPT` as root.
fn run_sh(dir: &Path, logs: &str, script: &str) -> Run {
    sup(
        As::Root,
        dir,
        &["run", "-q", "--audit-log", logs, "--", "sh", "-c", script],
    )
}

fn log_in(dir: &Path) -> (PathBuf, String) {
    let p = dir.join("audit.jsonl");
    let s = p.to_string_lossy().into_owned();
    (p, s)
}

#[test]
fn enforced_run_records_start_spawns_denials_exits_and_end() {
    require_root();
    for who in BOTH {
        let dir = workdir("audit-enforce", who);
        let (log, logs) = log_in(&dir);
        let r = sup(
            who,
            &dir,
            &[
                "run",
                "-q",
                "--audit-log",
                &logs,
                "--allow-exec",
                PROBE,
                "--",
                "sh",
                "-c",
                &format!("ls / >/dev/null 2>&1; unshare -U true; {PROBE} ptrace 1; exit 3"),
            ],
        );
        r.expect_code(3);
        let recs = records(&log);
        assert_eq!(
            recs.first().map(|r| r["type"].clone()),
            Some(Value::from("session.start")),
            "{recs:?}"
        );
        assert_eq!(
            recs.last().map(|r| r["type"].clone()),
            Some(Value::from("session.end"))
        );
        let start = &recs[0];
        assert_eq!(start["runtime"], "shell");
        assert_eq!(start["mode"], "enforce");
        assert_eq!(start["v"], 1);
        assert_eq!(start["enforced"]["landlock"], "fully_enforced");
        assert_eq!(start["plan_digest"].as_str().map(str::len), Some(64));
        assert!(start["destinations"]["stdout"].is_string());
        // Every process start, with argv.
        let spawns = of_type(&recs, "spawn");
        let argvs: Vec<String> = spawns.iter().map(|s| s["argv"].to_string()).collect();
        assert!(
            argvs
                .iter()
                .any(|a| a.contains("\"unshare\",\"-U\",\"true\"")),
            "{argvs:?}"
        );
        assert!(argvs.iter().any(|a| a.contains("\"ls\"")), "{argvs:?}");
        assert!(spawns
            .iter()
            .all(|s| s["pid"].is_u64() && s["cwd"].is_string()));
        // Every seccomp denial, with the missing capability and decoded arguments.
        let denials = of_type(&recs, "denial");
        let unshare = denials
            .iter()
            .find(|d| d["syscall"] == "unshare")
            .expect("unshare denial");
        assert_eq!(unshare["capability"], "sys.namespaces");
        assert_eq!(unshare["flags"][0], "CLONE_NEWUSER");
        assert_eq!(unshare["errno"], "EPERM");
        let ptrace = denials
            .iter()
            .find(|d| d["syscall"] == "ptrace")
            .expect("ptrace denial");
        assert_eq!(ptrace["capability"], "sys.ptrace");
        // Exits, the workload's with its status.
        assert!(
            of_type(&recs, "exit")
                .iter()
                .any(|e| e["ns_pid"] == 2 && e["code"] == 3),
            "{recs:?}"
        );
        let end = recs.last().expect("end");
        assert_eq!(end["exit"], 3);
        assert_eq!(end["denials"], denials.len() as u64);
        // Sequence numbers and the chain.
        for (i, r) in recs.iter().enumerate() {
            assert_eq!(r["seq"], i as u64);
            assert!(r["mono_ns"].is_u64() && r["time"].is_string());
        }
        sup(who, &dir, &["logs", "--audit-log", &logs, "verify"])
            .expect_code(0)
            .expect_stdout("status        : ok");
    }
}

#[test]
fn the_footer_and_header_name_the_log() {
    require_root();
    let dir = workdir("audit-footer", As::Root);
    let (_, logs) = log_in(&dir);
    let r = sup(
        As::Root,
        &dir,
        &[
            "run",
            "--audit-log",
            &logs,
            "--",
            "sh",
            "-c",
            "unshare -U true; true",
        ],
    );
    r.expect_code(0)
        .expect_stderr(&format!("audit log    : {logs} (session "))
        .expect_stderr("denials   : 1 recorded (sys.namespaces 1)")
        .expect_stderr("spawns    : 2");
}

#[test]
fn default_log_location_for_an_unprivileged_user() {
    require_root();
    let dir = workdir("audit-default", As::Nobody);
    // util::command sets HOME to the workdir for nobody.
    probe(As::Nobody, &dir, &[], &["status"]).expect_code(0);
    let log = dir.join(".local/state/phase1/audit.jsonl");
    assert!(log.exists(), "no log at {}", log.display());
    let recs = records(&log);
    assert_eq!(recs[0]["uid"], 65534);
}

#[test]
fn an_unwritable_log_refuses_the_run() {
    require_root();
    for who in BOTH {
        let dir = workdir("audit-fail", who);
        let marker = dir.join("ran");
        let script = format!("touch {}", marker.display());
        let r = sup(
            who,
            &dir,
            &[
                "run",
                "-q",
                "--allow-write",
                ".",
                "--audit-log",
                "/proc/phase1-no/audit.jsonl",
                "--",
                "sh",
                "-c",
                &script,
            ],
        );
        r.expect_code(125)
            .expect_stderr("refusing to run without an audit log");
        assert!(!marker.exists(), "the workload ran without an audit log");
    }
}

#[test]
fn dry_run_blocks_nothing_and_records_would_be_denials() {
    require_root();
    for who in BOTH {
        let dir = workdir("audit-dry", who);
        let (log, logs) = log_in(&dir);
        // A copy in the working directory, so that it is visible in the
        // sandbox wherever the tree is (under /tmp only declared paths are).
        let probe = dir.join("probe");
        std::fs::copy(PROBE, &probe).expect("copy the probe");
        chown_for(&probe, who);
        let script = "echo hi > undeclared.txt && cat undeclared.txt; ./probe ptrace 1; ./probe socket-inet; echo done";
        let r = sup(
            who,
            &dir,
            &[
                "run",
                "--dry-run",
                "--audit-log",
                &logs,
                "--",
                "sh",
                "-c",
                script,
            ],
        );
        r.expect_code(0)
            .expect_stdout("hi\n")
            .expect_stdout("done")
            .expect_stderr("mode         : DRY-RUN")
            .expect_stderr("landlock     : NOT APPLIED (dry-run")
            .expect_stderr("would deny :");
        // Nothing was blocked: the write happened.
        assert!(dir.join("undeclared.txt").exists());
        let recs = records(&log);
        assert_eq!(recs[0]["mode"], "dry_run");
        let would = of_type(&recs, "would_deny");
        assert!(of_type(&recs, "denial").is_empty());
        let write = would
            .iter()
            .find(|w| w["capability"] == "fs.write")
            .unwrap_or_else(|| panic!("no fs.write would_deny in {would:?}"));
        assert!(
            write["path"]
                .as_str()
                .unwrap_or("")
                .ends_with("/undeclared.txt"),
            "{write}"
        );
        assert_eq!(write["layer"], "landlock");
        assert!(would
            .iter()
            .any(|w| w["syscall"] == "ptrace" && w["capability"] == "sys.ptrace"));
        assert!(would
            .iter()
            .any(|w| w["syscall"] == "socket" && w["capability"] == "host.net"));
        // The probe is not declared executable: recorded, not blocked.
        assert!(would
            .iter()
            .any(|w| w["syscall"] == "execve" && w["capability"] == "host.exec"));
        let end = recs.last().expect("end");
        assert_eq!(end["would_deny"], would.len() as u64);
        assert!(end["by_capability"]["fs.write"].as_u64().unwrap_or(0) >= 1);
        // The footer groups them by capability.
        r.expect_stderr("fs.write").expect_stderr("sys.ptrace");
    }
}

#[test]
fn logs_commands_filter_and_explain() {
    require_root();
    let dir = workdir("audit-logs", As::Root);
    let (_, logs) = log_in(&dir);
    sup(
        As::Root,
        &dir,
        &[
            "run",
            "-q",
            "--audit-log",
            &logs,
            "--runtime",
            "python",
            "--",
            "python3",
            "-c",
            "import os\ntry:\n    os.fork()\nexcept OSError: pass",
        ],
    )
    .expect_code(0);
    sup(
        As::Root,
        &dir,
        &[
            "run",
            "-q",
            "--dry-run",
            "--audit-log",
            &logs,
            "--",
            "sh",
            "-c",
            "echo x > /etc/phase1-dry; rm -f /etc/phase1-dry; true",
        ],
    )
    .expect_code(0);
    let l = |args: &[&str]| {
        let mut v = vec!["logs", "--audit-log", &logs];
        v.extend_from_slice(args);
        sup(As::Root, &dir, &v)
    };
    l(&["sessions"])
        .expect_code(0)
        .expect_stdout("python")
        .expect_stdout("dry_run")
        .expect_stdout("SESSION");
    let r = l(&["denials", "--runtime", "python"]);
    r.expect_code(0)
        .expect_stdout("proc.spawn")
        .expect_not_stdout("/etc/phase1-dry");
    l(&["denials", "--path", "/etc/phase1-dry"])
        .expect_code(0)
        .expect_stdout("would_deny")
        .expect_stdout("fs.write");
    l(&["denials", "--syscall", "unlinkat"])
        .expect_code(0)
        .expect_stdout("unlinkat");
    l(&["denials", "--since", "2999-01-01"])
        .expect_code(0)
        .expect_stdout("0 record(s)");
    l(&["denials", "--since", "yesterday"])
        .expect_code(2)
        .expect_stderr("--since yesterday");
    // why: the record id from the JSON listing.
    let r = l(&["denials", "--json", "--runtime", "python"]);
    let list: Value =
        serde_json::from_str(&r.stdout()).unwrap_or_else(|e| panic!("{e}{}", r.context()));
    let first = &list[0];
    let id = format!(
        "{}:{}",
        first["session"].as_str().unwrap_or(""),
        first["seq"]
    );
    l(&["why", &id])
        .expect_code(0)
        .expect_stdout("missing capability : proc.spawn")
        .expect_stdout("[spawn]")
        .expect_stdout("runtimes/python.toml");
    let r = l(&["denials", "--json", "--path", "/etc/phase1-dry"]);
    let list: Value = serde_json::from_str(&r.stdout()).unwrap_or_default();
    let id = format!(
        "{}:{}",
        list[0]["session"].as_str().unwrap_or(""),
        list[0]["seq"]
    );
    l(&["why", &id])
        .expect_code(0)
        .expect_stdout("write = [\"/etc\"]")
        .expect_stdout("--allow-write /etc");
    let w: Value = serde_json::from_str(&l(&["why", "--json", &id]).stdout()).unwrap_or_default();
    assert_eq!(w["missing_capability"], "fs.write");
    l(&["why", "nosuch:1"])
        .expect_code(2)
        .expect_stderr("no record");
    // Spawn tree and summary.
    let r = l(&["spawns"]);
    r.expect_code(0)
        .expect_stdout("2 python3 -c")
        .expect_stdout("2 sh -c");
    l(&["summary"])
        .expect_code(0)
        .expect_stdout("missing proc.spawn")
        .expect_stdout("missing fs.write")
        .expect_stdout("sessions");
    let s: Value = serde_json::from_str(&l(&["summary", "--json"]).stdout()).unwrap_or_default();
    assert_eq!(s["sessions"], 2);
    l(&["show", "nosuch"]).expect_code(2);
    let sessions: Value =
        serde_json::from_str(&l(&["sessions", "--json"]).stdout()).unwrap_or_default();
    let sid = sessions[0]["session"].as_str().unwrap_or("").to_string();
    l(&["show", &sid[..6]])
        .expect_code(0)
        .expect_stdout("session.start")
        .expect_stdout("session.end");
    // follow of a finished session prints it and stops at its end.
    l(&["follow", "--session", &sid[..6]])
        .expect_code(0)
        .expect_stdout("session.end");
}

#[test]
fn verify_detects_tampering_loss_and_tolerates_a_torn_tail() {
    require_root();
    let dir = workdir("audit-verify", As::Root);
    let (log, logs) = log_in(&dir);
    for _ in 0..2 {
        run_sh(&dir, &logs, "unshare -U true; true").expect_code(0);
    }
    let good = std::fs::read_to_string(&log).expect("log");
    let check = |text: &str| {
        std::fs::write(&log, text).expect("write");
        sup(As::Root, &dir, &["logs", "--audit-log", &logs, "verify"])
    };
    check(&good).expect_code(0);
    // A changed value.
    check(&good.replacen("\"CLONE_NEWUSER\"", "\"CLONE_NEWNS\"", 1))
        .expect_code(1)
        .expect_stdout("modified");
    // A removed record.
    let lines: Vec<&str> = good.lines().collect();
    let without: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    check(&without)
        .expect_code(1)
        .expect_stdout("chain broken")
        .expect_stdout("records missing");
    // A torn last line (a writer that died mid-record) is reported and skipped...
    let torn = format!("{good}{{\"v\":1,\"session\":\"dead");
    check(&torn).expect_code(0).expect_stdout("torn lines");
    // ...and the next run appends after it, keeping the chain.
    sup(
        As::Root,
        &dir,
        &["run", "-q", "--audit-log", &logs, "--", "true"],
    )
    .expect_code(0);
    let r = sup(
        As::Root,
        &dir,
        &["logs", "--audit-log", &logs, "verify", "--json"],
    );
    let v: Value =
        serde_json::from_str(&r.stdout()).unwrap_or_else(|e| panic!("{e}{}", r.context()));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["result"]["sessions"], 3);
    assert_eq!(v["result"]["torn"].as_array().map(Vec::len), Some(1));
}

#[test]
fn concurrent_runs_share_one_log_without_interleaving() {
    require_root();
    let dir = workdir("audit-concurrent", As::Root);
    let (log, logs) = log_in(&dir);
    let children: Vec<_> = (0..4)
        .map(|i| {
            command(
                As::Root,
                &dir,
                &[
                    "run",
                    "-q",
                    "--audit-log",
                    &logs,
                    "--",
                    "sh",
                    "-c",
                    &format!("for j in 1 2 3 4 5; do unshare -U true; done; exit {i}"),
                ],
            )
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn")
        })
        .collect();
    for mut c in children {
        c.wait().expect("wait");
    }
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "interleaved lines:\n{text}"
    );
    let recs = records(&log);
    assert_eq!(of_type(&recs, "session.end").len(), 4);
    assert_eq!(of_type(&recs, "denial").len(), 20);
    sup(As::Root, &dir, &["logs", "--audit-log", &logs, "verify"]).expect_code(0);
}

#[test]
fn follow_prints_records_as_they_arrive() {
    require_root();
    let dir = workdir("audit-follow", As::Root);
    let (log, logs) = log_in(&dir);
    std::fs::write(&log, "").expect("create");
    let mut follower = command(As::Root, &dir, &["logs", "--audit-log", &logs, "follow"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("follow");
    run_sh(&dir, &logs, "unshare -U true; true").expect_code(0);
    let start = Instant::now();
    let out = follower.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = Vec::new();
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let end = line.contains("session.end");
            seen.push(line);
            if end {
                break;
            }
        }
        seen
    });
    while !reader.is_finished() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = follower.kill();
    let _ = follower.wait();
    let seen = reader.join().expect("reader");
    assert!(
        seen.iter()
            .any(|l| l.contains("denial") && l.contains("unshare")),
        "{seen:?}"
    );
    assert!(seen.iter().any(|l| l.contains("session.end")), "{seen:?}");
}

#[test]
fn a_sigsys_kill_is_recorded_as_the_workloads_exit() {
    require_root();
    let dir = workdir("audit-sigsys", As::Root);
    let (log, logs) = log_in(&dir);
    let nr = (0x4000_0000u64 + 39).to_string();
    probe(As::Root, &dir, &["--audit-log", &logs], &["syscall", &nr]).expect_code(128 + 31);
    let recs = records(&log);
    let exit = of_type(&recs, "exit")
        .into_iter()
        .find(|e| e["workload"] == true)
        .cloned()
        .expect("workload exit");
    assert_eq!(exit["signal"], 31);
    assert!(exit["note"].as_str().unwrap_or("").contains("SIGSYS"));
    // As root the kernel's SECCOMP audit record names the killing syscall.
    let kill = of_type(&recs, "denial")
        .into_iter()
        .find(|d| d["action"] == "kill_process")
        .unwrap_or_else(|| panic!("no kill denial in {recs:?}"));
    assert_eq!(kill["nr"], 0x4000_0000u64 + 39);
}

fn kernel_audit_enabled() -> String {
    let out = std::process::Command::new(PROBE)
        .arg("audit-enabled")
        .output()
        .expect("probe");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The kernel audit state the runs restore once none needs it: the current
/// one, unless a run switched audit on (its note says so) and was killed
/// before it could switch it off: then "off".
pub fn original_audit_state() -> String {
    let now = kernel_audit_enabled();
    assert!(
        now.starts_with("enabled="),
        "cannot read the kernel audit state: {now:?}"
    );
    let note = std::fs::read_to_string("/run/phase1/kernel-audit.state").unwrap_or_default();
    if note.contains("enabled-by-phase1") {
        "enabled=0".to_string()
    } else {
        now
    }
}

#[test]
fn landlock_denials_come_from_the_kernel_audit_log_as_root() {
    require_root();
    let before = original_audit_state();
    let dir = workdir("audit-landlock", As::Root);
    let (log, logs) = log_in(&dir);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let other = (port as u32 + 1).min(65535).to_string();
    let grant = format!("connect:{port}");
    let script =
        format!("echo x > /etc/phase1-ll-test; cat /etc/shadow; {PROBE} connect {other}; true");
    let r = sup(
        As::Root,
        &dir,
        &[
            "run",
            "--audit-log",
            &logs,
            "--net",
            &grant,
            "--allow-exec",
            PROBE,
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    r.expect_code(0)
        .expect_stderr("Landlock denials recorded from the kernel audit log");
    let recs = records(&log);
    assert!(
        recs[0]["landlock_denials"]
            .as_str()
            .unwrap_or("")
            .starts_with("recorded"),
        "{}",
        recs[0]
    );
    let ll: Vec<&Value> = of_type(&recs, "denial")
        .into_iter()
        .filter(|d| d["layer"] == "landlock")
        .collect();
    let shadow = ll
        .iter()
        .find(|d| d["path"] == "/etc/shadow")
        .unwrap_or_else(|| panic!("no /etc/shadow denial in {ll:?}"));
    assert_eq!(shadow["capability"], "fs.read");
    assert_eq!(shadow["syscall"], "openat");
    assert_eq!(shadow["comm"], "cat");
    let write = ll
        .iter()
        .find(|d| d["capability"] == "fs.write")
        .unwrap_or_else(|| panic!("no fs.write denial in {ll:?}"));
    assert_eq!(write["path"], "/etc");
    let net = ll
        .iter()
        .find(|d| d["capability"] == "host.net")
        .unwrap_or_else(|| panic!("no TCP denial in {ll:?}"));
    assert_eq!(net["port"].to_string(), other);
    // why explains a Landlock denial too.
    let id = format!(
        "{}:{}",
        shadow["session"].as_str().unwrap_or(""),
        shadow["seq"]
    );
    sup(As::Root, &dir, &["logs", "--audit-log", &logs, "why", &id])
        .expect_code(0)
        .expect_stdout("missing capability : fs.read")
        .expect_stdout("read = [\"/etc/shadow\"]");
    // The kernel audit state is restored once no run needs it.
    let start = Instant::now();
    while kernel_audit_enabled() != before {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "audit state not restored: {} (was {before})",
            kernel_audit_enabled()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_unprivileged_session_says_landlock_denials_are_not_recorded() {
    require_root();
    let dir = workdir("audit-ll-nobody", As::Nobody);
    let (log, logs) = log_in(&dir);
    sup(
        As::Nobody,
        &dir,
        &[
            "run",
            "-q",
            "--audit-log",
            &logs,
            "--",
            "sh",
            "-c",
            "cat /etc/shadow; true",
        ],
    )
    .expect_code(0);
    let recs = records(&log);
    let why = recs[0]["landlock_denials"].as_str().unwrap_or("");
    assert!(
        why.starts_with("not recorded: reading kernel audit records needs root"),
        "{why}"
    );
}

#[test]
fn a_log_that_fills_up_mid_run_kills_the_sandbox() {
    require_root();
    let dir = workdir("audit-full", As::Root);
    let mnt = dir.join("small");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&mnt)
        .status()
        .expect("mount");
    assert!(ok.success(), "cannot mount a small tmpfs for the test");
    let log = mnt.join("audit.jsonl");
    let logs = log.to_string_lossy().into_owned();
    let start = Instant::now();
    // vhangup (153) is never allowed: every call is a recorded denial.
    let r = probe(
        As::Root,
        &dir,
        &["--audit-log", &logs, "--allow-exec", PROBE],
        &["loop", "153", "1000000"],
    );
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    r.expect_code(125)
        .expect_stderr("recording failed, the sandbox was killed");
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn secrets_in_arguments_are_redacted_from_the_log_and_header() {
    require_root();
    let dir = workdir("audit-redact", As::Root);
    let (log, logs) = log_in(&dir);
    let r = sup(
        As::Root,
        &dir,
        &[
            "run",
            "--audit-log",
            &logs,
            "--",
            "sh",
            "-c",
            "true token=s3cr3t; echo done",
            "password=hunter2",
        ],
    );
    r.expect_code(0).expect_stdout("done");
    assert!(
        !r.stderr().contains("s3cr3t") && !r.stderr().contains("hunter2"),
        "{}",
        r.context()
    );
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains("s3cr3t") && !text.contains("hunter2"),
        "secret in the log:\n{text}"
    );
    assert!(text.contains("token=<redacted>"));
}

#[test]
fn exits_of_spawned_processes_carry_their_status_or_signal() {
    require_root();
    let dir = workdir("audit-exits", As::Root);
    let (log, logs) = log_in(&dir);
    run_sh(
        &dir,
        &logs,
        "sh -c 'exit 5'; sh -c 'kill -9 $$'; sh -c 'kill -TERM $$'; exit 4",
    )
    .expect_code(4);
    let recs = records(&log);
    let exits = of_type(&recs, "exit");
    let by_ns = |ns: u64| {
        exits
            .iter()
            .find(|e| e["ns_pid"] == ns)
            .cloned()
            .unwrap_or_else(|| panic!("no exit for {ns} in {exits:?}"))
    };
    assert_eq!(by_ns(3)["code"], 5);
    assert_eq!(by_ns(4)["signal"], 9);
    assert_eq!(by_ns(5)["signal"], 15);
    assert_eq!(by_ns(2)["code"], 4);
    // The spawn tree shows them.
    sup(As::Root, &dir, &["logs", "--audit-log", &logs, "spawns"])
        .expect_code(0)
        .expect_stdout("[signal 9]")
        .expect_stdout("[exit 5]");
}
