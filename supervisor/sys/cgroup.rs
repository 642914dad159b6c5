//! The pids cgroup that bounds the number of processes in a sandbox (root only).
//! Works with cgroup v2 (pids controller enabled at the root) or the v1 pids hierarchy.

use std::path::{Path, PathBuf};

/// Errors with the pids cgroup.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// No usable pids controller.
    #[error("cgroup: no pids controller under {root} (need cgroup v2 with pids, or a v1 pids hierarchy)")]
    NoController {
        /// Root searched.
        root: PathBuf,
    },
    /// A file operation failed.
    #[error("cgroup: {what} {path}: {source}")]
    Io {
        /// What was done.
        what: &'static str,
        /// Path.
        path: PathBuf,
        /// errno.
        source: std::io::Error,
    },
}

/// A created pids cgroup; removed on drop.
#[derive(Debug)]
pub struct PidsCgroup {
    /// Its directory.
    pub path: PathBuf,
    /// "v1" or "v2".
    pub version: &'static str,
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CgroupError {
    let path = path.to_path_buf();
    move |source| CgroupError::Io { what, path, source }
}

/// Find the directory under which a pids cgroup can be created.
fn parent_dir(root: &Path) -> Result<(PathBuf, &'static str), CgroupError> {
    let v2 = root.join("cgroup.controllers");
    if let Ok(c) = std::fs::read_to_string(&v2) {
        if c.split_whitespace().any(|x| x == "pids") {
            let sub = root.join("cgroup.subtree_control");
            let enabled = std::fs::read_to_string(&sub).unwrap_or_default();
            if !enabled.split_whitespace().any(|x| x == "pids") {
                std::fs::write(&sub, "+pids").map_err(io("enabling pids in", &sub))?;
            }
            return Ok((root.to_path_buf(), "v2"));
        }
    }
    let v1 = root.join("pids");
    if v1.join("cgroup.procs").exists() {
        return Ok((v1, "v1"));
    }
    Err(CgroupError::NoController {
        root: root.to_path_buf(),
    })
}

impl PidsCgroup {
    /// Create `<root>/.../phase1-<name>` with `pids.max = max`.
    pub fn create(root: &Path, name: &str, max: u32) -> Result<Self, CgroupError> {
        let (parent, version) = parent_dir(root)?;
        let path = parent.join(format!("phase1-{name}"));
        std::fs::create_dir(&path).map_err(io("creating", &path))?;
        let cg = PidsCgroup { path, version };
        let max_file = cg.path.join("pids.max");
        std::fs::write(&max_file, max.to_string()).map_err(io("writing", &max_file))?;
        Ok(cg)
    }

    /// Put the sandbox init (`pid`, still single-threaded) in the cgroup.
    /// v2: its pid is written to `cgroup.procs` here, and `None` returned.
    /// v1: the cgroup's `tasks` file is returned, opened for writing; the init
    /// writes "0" to it to move itself in. Moving a single thread that way
    /// skips the global threadgroup lock whose writers wait for an RCU grace
    /// period (10-20 ms per run here), which writing a pid to `cgroup.procs`
    /// from outside takes.
    pub fn enter(&self, pid: i32) -> Result<Option<std::fs::File>, CgroupError> {
        if self.version != "v1" {
            let procs = self.path.join("cgroup.procs");
            std::fs::write(&procs, pid.to_string()).map_err(io("writing", &procs))?;
            return Ok(None);
        }
        let tasks = self.path.join("tasks");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&tasks)
            .map(Some)
            .map_err(io("opening", &tasks))
    }

    /// Whether `pid` is a member (its /proc cgroup file names this cgroup).
    pub fn contains(&self, pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
            .map(|t| member(&t, self.version, &self.path))
            .unwrap_or(false)
    }

    /// How often fork failed because of the limit (`pids.events` max count), if known.
    pub fn limit_hits(&self) -> Option<u64> {
        let text = std::fs::read_to_string(self.path.join("pids.events")).ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("max "))
            .and_then(|v| v.trim().parse().ok())
    }
}

/// Whether a /proc/PID/cgroup text places the process in `path`: the line of
/// the pids hierarchy (v1: `N:pids:/x`; v2: `0::/x`) ends with its name.
fn member(proc_cgroup: &str, version: &str, path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    proc_cgroup.lines().any(|l| {
        let mut f = l.splitn(3, ':').skip(1);
        let (controllers, at) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
        let hierarchy = if version == "v2" {
            controllers.is_empty()
        } else {
            controllers.split(',').any(|c| c == "pids")
        };
        hierarchy && at.ends_with(&format!("/{name}"))
    })
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        // The sandbox's processes are gone once init is reaped; the kernel may
        // take a moment to release the cgroup.
        for _ in 0..200 {
            if std::fs::remove_dir(&self.path).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        tracing::warn!(path = %self.path.display(), "could not remove the pids cgroup");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_read_from_the_pids_line() {
        let p = Path::new("/sys/fs/cgroup/pids/phase1-ab");
        let v1 = "9:name=systemd:/\n8:pids:/phase1-ab\n7:blkio:/\n0::/\n";
        assert!(member(v1, "v1", p));
        assert!(!member("8:pids:/\n0::/phase1-ab\n", "v1", p));
        assert!(member("0::/phase1-ab\n", "v2", p));
        assert!(!member("0::/phase1-abc\n", "v2", p));
        assert!(!member("8:pids:/other\n", "v1", p));
    }

    #[test]
    fn fake_v1_root_is_used() {
        let dir = std::env::temp_dir().join(format!("p1cg-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pids")).expect("mkdir");
        std::fs::write(dir.join("pids/cgroup.procs"), "").expect("procs");
        let (parent, v) = parent_dir(&dir).expect("parent");
        assert_eq!((parent, v), (dir.join("pids"), "v1"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn no_controller_is_an_error() {
        let dir = std::env::temp_dir().join(format!("p1cg-none-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        assert!(matches!(
            parent_dir(&dir),
            Err(CgroupError::NoController { .. })
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
}
