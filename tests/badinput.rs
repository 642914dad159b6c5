//! Bad input: every malformed manifest, policy file or flag is refused with
//! exit 2 and a message naming file, line and key, before anything runs or
//! anything is written to the audit log.

mod util;

use std::path::Path;
use util::*;

const HEAD: &str =
    "name = \"bad\"\ndescription = \"x\"\nmaturity = \"stable\"\nprograms = [\"sh\"]\n";

/// `run --manifest FILE -- sh -c 'echo ran'` must fail with exit 2 and each
/// needle on stderr, without running anything or touching the audit log.
fn refused(dir: &Path, manifest_text: &str, extra: &[&str], needles: &[&str]) {
    let m = dir.join("bad.toml");
    std::fs::write(&m, manifest_text).expect("write manifest");
    let log = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&log);
    let (ms, ls) = (
        m.to_string_lossy().into_owned(),
        log.to_string_lossy().into_owned(),
    );
    let mut args = vec!["run", "--audit-log", &ls, "--manifest", &ms];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", "sh", "-c", "echo ran"]);
    let r = sup(As::Root, dir, &args);
    r.expect_code(2).expect_not_stdout("ran");
    for n in needles {
        r.expect_stderr(n);
    }
    assert!(
        !log.exists(),
        "bad input wrote to the audit log{}",
        r.context()
    );
}

#[test]
fn malformed_toml_names_file_line_and_key() {
    require_root();
    let dir = workdir("bad-toml", As::Root);
    refused(
        &dir,
        "name = \"bad\"\ndescription = \"x\nmaturity = \"stable\"\n",
        &[],
        &["bad.toml:2:17: key `description`: invalid basic string"],
    );
}

#[test]
fn unknown_keys_and_values_get_a_did_you_mean() {
    require_root();
    let dir = workdir("bad-key", As::Root);
    refused(
        &dir,
        &format!("{HEAD}[fs]\nwirte = [\"${{CWD}}\"]\n"),
        &[],
        &[
            "bad.toml:6:1: key `fs.wirte`: unknown field `wirte`",
            "did you mean `write`?",
        ],
    );
    refused(
        &dir,
        &format!("{HEAD}[net]\nmode = \"tpc\"\n"),
        &[],
        &[
            "bad.toml:6:8: key `net.mode`: unknown variant `tpc`",
            "did you mean `tcp`?",
        ],
    );
    refused(
        &dir,
        &format!("{HEAD}[limitz]\npids = 3\n"),
        &[],
        &[
            "bad.toml:5:",
            "unknown field `limitz`",
            "did you mean `limits`?",
        ],
    );
}

#[test]
fn relative_and_dotdot_paths_are_refused() {
    require_root();
    let dir = workdir("bad-path", As::Root);
    refused(
        &dir,
        &format!("{HEAD}[fs]\nread = [\"data\"]\n"),
        &[],
        &["bad.toml:6:9: key `fs.read`: path `data` must be absolute or start with ${CWD} or ${HOME}"],
    );
    refused(
        &dir,
        &format!("{HEAD}[fs]\nwrite = [\"${{CWD}}/../..\"]\n"),
        &[],
        &["bad.toml:6:10: key `fs.write`: path `${CWD}/../..` must not contain `..`"],
    );
}

#[test]
fn symlinked_paths_are_canonicalized_and_shown() {
    require_root();
    let dir = workdir("symlink", As::Root);
    std::fs::create_dir(dir.join("real")).expect("mkdir");
    std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).expect("symlink");
    let m = dir.join("ok.toml");
    std::fs::write(&m, "name = \"ok\"\ndescription = \"x\"\nmaturity = \"stable\"\nprograms = [\"sh\"]\n[fs]\nread = [\"${CWD}/link\"]\n").expect("write");
    let ms = m.to_string_lossy().into_owned();
    let real = dir.join("real").display().to_string();
    let link = dir.join("link").display().to_string();
    let r = sup(
        As::Root,
        &dir,
        &[
            "explain",
            "--manifest",
            &ms,
            "--allow-read",
            "link/../real/.",
            "--",
            "true",
        ],
    );
    r.expect_code(0)
        .expect_stdout(&format!("read             {real} "))
        .expect_stdout(&format!("{link} resolves to {real}"))
        .expect_stdout(&format!(
            "--allow-read ({}/link/../real/. resolves to {real})",
            dir.display()
        ));
    assert!(
        !r.stdout().contains(&format!("read             {link} ")),
        "{}",
        r.context()
    );
}

#[test]
fn unknown_syscall_names_in_policy_files_are_refused() {
    require_root();
    let dir = workdir("bad-syscall", As::Root);
    let pol = dir.join("policies");
    std::fs::create_dir(&pol).expect("mkdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let sys = std::fs::read_to_string(src.join("syscalls.toml")).expect("read");
    std::fs::copy(src.join("baseline.toml"), pol.join("baseline.toml")).expect("copy");
    let bad = sys.replacen("\"read\"", "\"raed\"", 1);
    assert_ne!(bad, sys, "the policy file lists `read`");
    std::fs::write(pol.join("syscalls.toml"), &bad).expect("write");
    let line = bad
        .lines()
        .position(|l| l.contains("\"raed\""))
        .expect("line")
        + 1;
    let ps = pol.to_string_lossy().into_owned();
    let log = dir.join("audit.jsonl").to_string_lossy().into_owned();
    let r = sup(
        As::Root,
        &dir,
        &[
            "run",
            "--audit-log",
            &log,
            "--policies-dir",
            &ps,
            "--",
            "true",
        ],
    );
    r.expect_code(2)
        .expect_stderr(&format!("policies/syscalls.toml:{line}:"))
        .expect_stderr("unknown syscall `raed` (x86_64)");
    assert!(!dir.join("audit.jsonl").exists());
}

#[test]
fn conflicting_rules_are_refused() {
    require_root();
    let dir = workdir("bad-conflict", As::Root);
    refused(
        &dir,
        &format!("{HEAD}[net]\nmode = \"none\"\nconnect = [443]\n"),
        &[],
        &["bad.toml:5:1: key `net`: net.connect and net.bind are only meaningful with net.mode = \"tcp\""],
    );
    refused(
        &dir,
        &format!("{HEAD}[spawn]\nmode = \"none\"\nprograms = [\"ls\"]\n"),
        &[],
        &["key `spawn`: spawn.programs is only meaningful with spawn.mode = \"programs\""],
    );
    refused(
        &dir,
        HEAD,
        &["--net", "none", "--net", "connect:80"],
        &["--net connect:80: conflicts with an earlier --net (none)"],
    );
}

#[test]
fn huge_files_are_refused() {
    require_root();
    let dir = workdir("bad-huge", As::Root);
    let mut big = HEAD.to_string();
    while big.len() <= 2 * 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding\n");
    }
    refused(
        &dir,
        &big,
        &[],
        &["bad.toml:1:1: file too large: more than 1048576 bytes"],
    );
}

#[test]
fn bad_flags_exit_2() {
    require_root();
    let dir = workdir("bad-flags", As::Root);
    refused(
        &dir,
        HEAD,
        &["--pids", "lots"],
        &["invalid value 'lots' for '--pids <N>'"],
    );
    refused(
        &dir,
        HEAD,
        &["--net", "connect:99999"],
        &["`99999` is not a TCP port"],
    );
    refused(
        &dir,
        HEAD,
        &["--allow-read", "/nonexistent/p1"],
        &["--allow-read /nonexistent/p1: no such file or directory"],
    );
}
