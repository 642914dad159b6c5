//! Test harness: run the real `phase1-supervise` binary, as root or as an
//! unprivileged user, and print command, cwd, stdout and stderr on failure.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_phase1-supervise");
pub const PROBE: &str = env!("CARGO_BIN_EXE_phase1-probe");
pub const NOBODY: u32 = 65534;

/// Who runs the supervisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum As {
    Root,
    Nobody,
}

/// These tests need root (to create the pids cgroup and to switch to nobody).
/// A test that cannot run says why and fails.
pub fn require_root() {
    if !nix_is_root() {
        panic!("these integration tests must run as root (CI does): they use cgroups and setpriv to test an unprivileged user too");
    }
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// A fresh directory owned by the user, outside /tmp (under the target dir).
pub fn workdir(name: &str, who: As) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("p1-tests");
    let dir = base.join(format!("{name}-{:?}-{}", who, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create workdir");
    make_traversable(&base);
    chown_for(&dir, who);
    dir
}

/// A fresh directory under /tmp (exercises the carried-over binds).
pub fn tmpdir(name: &str, who: As) -> PathBuf {
    let dir = PathBuf::from(format!(
        "/tmp/p1-test-{name}-{:?}-{}",
        who,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create tmpdir");
    chown_for(&dir, who);
    dir
}

/// `dir/name`, created and owned by `who`.
pub fn owned_subdir(dir: &Path, name: &str, who: As) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir(&p).expect("mkdir");
    chown_for(&p, who);
    p
}

pub fn chown_for(p: &Path, who: As) {
    if who == As::Nobody {
        std::os::unix::fs::chown(p, Some(NOBODY), Some(NOBODY)).expect("chown");
    }
}

fn make_traversable(p: &Path) {
    // Every ancestor must be searchable by nobody.
    let mut cur = Some(p);
    while let Some(d) = cur {
        if let Ok(m) = std::fs::metadata(d) {
            let mode = m.permissions().mode();
            if mode & 0o001 == 0 {
                let _ = std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode | 0o011));
            }
        }
        cur = d.parent();
    }
}

pub struct Run {
    pub cmd: String,
    pub cwd: PathBuf,
    pub out: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn context(&self) -> String {
        format!(
            "\n--- command: {}\n--- cwd: {}\n--- exit: {:?}\n--- stdout:\n{}\n--- stderr:\n{}\n",
            self.cmd,
            self.cwd.display(),
            self.out.status,
            self.stdout(),
            self.stderr()
        )
    }
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), code, "unexpected exit code{}", self.context());
        self
    }
    pub fn expect_stdout(&self, needle: &str) -> &Self {
        assert!(
            self.stdout().contains(needle),
            "stdout lacks {needle:?}{}",
            self.context()
        );
        self
    }
    pub fn expect_stderr(&self, needle: &str) -> &Self {
        assert!(
            self.stderr().contains(needle),
            "stderr lacks {needle:?}{}",
            self.context()
        );
        self
    }
    pub fn expect_not_stdout(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout().contains(needle),
            "stdout has {needle:?}{}",
            self.context()
        );
        self
    }
}

/// Build the command that runs the supervisor with `args`, as `who`, in `cwd`.
pub fn command(who: As, cwd: &Path, args: &[&str]) -> Command {
    let mut c = match who {
        As::Root => Command::new(BIN),
        As::Nobody => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(BIN);
            c
        }
    };
    c.args(args).current_dir(cwd).stdin(Stdio::null());
    c.env_remove("PHASE1_ALLOW_HOST_TOOLS");
    if who == As::Nobody {
        // nobody's default log goes under $HOME/.local/state.
        c.env("HOME", cwd)
            .env_remove("PHASE1_AUDIT_LOG")
            .env_remove("XDG_STATE_HOME");
    } else {
        // Keep the host's /var/log clean; runs share one log, as concurrent users would.
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("p1-tests/shared-audit.jsonl");
        c.env("PHASE1_AUDIT_LOG", log);
    }
    c
}

/// Run the supervisor and collect its output.
pub fn sup(who: As, cwd: &Path, args: &[&str]) -> Run {
    let mut c = command(who, cwd, args);
    let out = c.output().expect("spawn phase1-supervise");
    Run {
        cmd: format!("{who:?}: phase1-supervise {}", args.join(" ")),
        cwd: cwd.to_path_buf(),
        out,
    }
}

/// `run -q [extra...] -- phase1-probe <probe...>` under the shell runtime.
pub fn probe(who: As, cwd: &Path, extra: &[&str], probe_args: &[&str]) -> Run {
    let mut args = vec!["run", "-q"];
    args.extend_from_slice(extra);
    args.push("--");
    args.push(PROBE);
    args.extend_from_slice(probe_args);
    sup(who, cwd, &args)
}

pub const BOTH: [As; 2] = [As::Root, As::Nobody];

/// Like [`sup`], with extra environment variables.
pub fn sup_env(who: As, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = command(who, cwd, args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("spawn phase1-supervise");
    Run {
        cmd: format!("{who:?}: {env:?} phase1-supervise {}", args.join(" ")),
        cwd: cwd.to_path_buf(),
        out,
    }
}

/// The records of a JSON Lines audit log (unparsable lines skipped).
pub fn records(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
