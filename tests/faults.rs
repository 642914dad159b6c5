//! Faults: signals to the supervisor, the supervisor killed, output floods, a
//! full or rotated audit log. Each drives the real binary.

mod util;

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};
use util::*;

/// Processes whose command line contains `needle`.
fn procs_with(needle: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(c) = std::fs::read(format!("/proc/{pid}/cmdline")) {
            if String::from_utf8_lossy(&c)
                .replace('\0', " ")
                .contains(needle)
            {
                out.push(pid);
            }
        }
    }
    out
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn terminating_signals_are_forwarded_then_the_sandbox_is_killed_after_the_grace_period() {
    require_root();
    for who in BOTH {
        let dir = workdir("sigterm", who);
        let log = dir.join("audit.jsonl");
        let ls = log.to_string_lossy().into_owned();
        for (sig, script, want, grace_over) in [
            // The workload dies of the forwarded signal: its status is passed on.
            (libc::SIGTERM, "exec sleep 30", 128 + libc::SIGTERM, false),
            (libc::SIGINT, "exec sleep 30", 128 + libc::SIGINT, false),
            // It ignores it: killed when the grace period is over.
            (
                libc::SIGTERM,
                "trap 'echo got-it' TERM; while :; do sleep 0.1; done",
                128 + libc::SIGKILL,
                true,
            ),
        ] {
            let _ = std::fs::remove_file(&log);
            let mut c = command(
                who,
                &dir,
                &[
                    "run",
                    "-q",
                    "--audit-log",
                    &ls,
                    "--grace",
                    "1",
                    "--",
                    "sh",
                    "-c",
                    script,
                ],
            );
            let mut child = c.stdout(Stdio::piped()).spawn().expect("spawn");
            wait_for("the session to start", Duration::from_secs(10), || {
                records(&log).iter().any(|r| r["type"] == "spawn")
            });
            std::thread::sleep(Duration::from_millis(200));
            let t0 = Instant::now();
            // SAFETY: kill(2) on our own child's pid; no memory is passed.
            unsafe { libc::kill(child.id() as i32, sig) };
            let status = child.wait().expect("wait");
            let took = t0.elapsed();
            assert_eq!(status.code(), Some(want), "{who:?} {script}");
            assert!(took < Duration::from_secs(4), "{took:?}");
            let recs = records(&log);
            let notices: Vec<&str> = recs
                .iter()
                .filter(|r| r["type"] == "notice")
                .filter_map(|r| r["message"].as_str())
                .collect();
            assert!(
                notices
                    .iter()
                    .any(|m| m.contains("forwarded it to the sandbox")),
                "{notices:?}"
            );
            assert_eq!(
                notices.iter().any(|m| m.contains("grace period over")),
                grace_over,
                "{notices:?}"
            );
            let end = recs
                .iter()
                .find(|r| r["type"] == "session.end")
                .expect("session.end");
            assert_eq!(end["exit"], want);
            if grace_over {
                let mut out = String::new();
                child
                    .stdout
                    .take()
                    .expect("stdout")
                    .read_to_string(&mut out)
                    .expect("read");
                assert!(out.contains("got-it"), "the workload saw the signal: {out}");
            }
        }
    }
}

#[test]
fn a_killed_supervisor_leaves_no_sandbox_process_behind() {
    require_root();
    for who in BOTH {
        let dir = workdir("sigkill", who);
        let marker = format!("{}.{}", 900 + who as u32, std::process::id() % 1000);
        let script = format!("sleep {marker} & sleep {marker} & sleep {marker}");
        let mut child = command(who, &dir, &["run", "-q", "--", "sh", "-c", &script])
            .spawn()
            .expect("spawn");
        wait_for("three sandboxed sleeps", Duration::from_secs(10), || {
            procs_with(&format!("sleep {marker}")).len() >= 3
        });
        child.kill().expect("SIGKILL the supervisor");
        let _ = child.wait();
        wait_for(
            "every sandboxed process to be gone",
            Duration::from_secs(5),
            || procs_with(&format!("sleep {marker}")).is_empty(),
        );
    }
    // A killed root supervisor cannot switch kernel audit back off; the next
    // run to end does (the state note says who switched it on).
    let note = std::fs::read_to_string("/run/phase1/kernel-audit.state").unwrap_or_default();
    let dir = workdir("sigkill-after", As::Root);
    sup(As::Root, &dir, &["run", "-q", "--", "true"]).expect_code(0);
    if note.contains("enabled-by-phase1") {
        wait_for(
            "kernel audit switched back off",
            Duration::from_secs(20),
            || {
                std::fs::read_to_string("/run/phase1/kernel-audit.state")
                    .map(|n| !n.contains("enabled-by-phase1"))
                    .unwrap_or(false)
            },
        );
    }
}

#[test]
fn an_output_flood_does_not_grow_the_supervisors_memory() {
    require_root();
    let dir = workdir("flood", As::Root);
    const BYTES: u64 = 400 * 1024 * 1024;
    let mut child = command(
        As::Root,
        &dir,
        &[
            "run",
            "-q",
            "--",
            "sh",
            "-c",
            &format!("head -c {BYTES} /dev/zero; sleep 2"),
        ],
    )
    .stdout(Stdio::piped())
    .spawn()
    .expect("spawn");
    let pid = child.id();
    let mut out = child.stdout.take().expect("stdout");
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    while total < BYTES {
        let n = out.read(&mut buf).expect("read");
        assert!(n > 0, "output ended early at {total} bytes");
        total += n as u64;
    }
    // The workload sleeps now; the supervisor is still there to be measured.
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let hwm_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .expect("VmHWM");
    let st = child.wait().expect("wait");
    assert_eq!(st.code(), Some(0));
    assert_eq!(total, BYTES);
    assert!(
        hwm_kb < 32 * 1024,
        "the supervisor's peak memory grew to {hwm_kb} kB with {BYTES} bytes of output"
    );
}

#[test]
fn a_full_disk_refuses_the_run_with_a_clear_message() {
    require_root();
    let dir = workdir("diskfull", As::Root);
    let r = sup(
        As::Root,
        &dir,
        &[
            "run",
            "--audit-log",
            "/dev/full",
            "--",
            "sh",
            "-c",
            "echo ran",
        ],
    );
    r.expect_code(125)
        .expect_stderr("/dev/full")
        .expect_stderr("No space left on device")
        .expect_not_stdout("ran");
}

#[test]
fn a_log_rotated_mid_run_loses_nothing() {
    require_root();
    let dir = workdir("rotate", As::Root);
    let log = dir.join("audit.jsonl");
    let rotated = dir.join("audit.jsonl.1");
    let ls = log.to_string_lossy().into_owned();
    let mut child = command(
        As::Root,
        &dir,
        &[
            "run",
            "-q",
            "--audit-log",
            &ls,
            "--",
            "sh",
            "-c",
            "i=0; while [ $i -lt 30 ]; do /bin/true; sleep 0.03; i=$((i+1)); done",
        ],
    )
    .spawn()
    .expect("spawn");
    wait_for("some spawns", Duration::from_secs(10), || {
        records(&log)
            .iter()
            .filter(|r| r["type"] == "spawn")
            .count()
            >= 10
    });
    std::fs::rename(&log, &rotated).expect("rotate");
    assert_eq!(child.wait().expect("wait").code(), Some(0));
    let old = records(&rotated);
    let new = records(&log);
    assert!(
        !new.is_empty(),
        "records after the rotation went to the new file"
    );
    assert_eq!(new[0]["type"], "log.continued");
    assert_eq!(
        new[0]["previous_hash"],
        old.last().expect("old records")["hash"]
    );
    // Together: one session, sequence 0..n without a gap, from start to end.
    let seqs: Vec<u64> = old
        .iter()
        .chain(&new)
        .filter_map(|r| r["seq"].as_u64())
        .collect();
    assert_eq!(seqs, (0..seqs.len() as u64).collect::<Vec<_>>());
    assert_eq!(old[0]["type"], "session.start");
    assert_eq!(new.last().expect("new")["type"], "session.end");
    let spawns = old
        .iter()
        .chain(&new)
        .filter(|r| r["type"] == "spawn")
        .count();
    assert!(spawns >= 31, "sh and 30 trues (and sleeps): {spawns}");
    for f in [&log, &rotated] {
        let fs = f.to_string_lossy().into_owned();
        sup(As::Root, &dir, &["logs", "--audit-log", &fs, "verify"])
            .expect_code(0)
            .expect_stdout("status");
    }
}

#[test]
fn a_reader_that_goes_away_ends_logs_quietly() {
    use std::os::unix::process::ExitStatusExt;
    require_root();
    let dir = workdir("epipe", As::Root);
    let log = dir.join("audit.jsonl");
    let ls = log.to_string_lossy().into_owned();
    sup(
        As::Root,
        &dir,
        &[
            "run",
            "-q",
            "--audit-log",
            &ls,
            "--",
            "sh",
            "-c",
            "for i in $(seq 300); do /bin/true; done",
        ],
    )
    .expect_code(0);
    let mut child = command(As::Root, &dir, &["logs", "--audit-log", &ls, "sessions"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        out.status.signal() == Some(libc::SIGPIPE) || out.status.success(),
        "{:?} {err}",
        out.status
    );
    // A long listing, read one line only.
    let mut child = command(As::Root, &dir, &["logs", "--audit-log", &ls, "spawns"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("read");
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{err}");
}
