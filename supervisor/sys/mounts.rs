//! Applying the plan's mount steps inside the new mount namespace.

use crate::plan::MountStep;
use nix::mount::{mount, MsFlags};
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Errors applying mounts.
#[derive(Debug, thiserror::Error)]
pub enum MountError {
    /// A mount call failed.
    #[error("mount: {step} on {path}: {source}")]
    Mount {
        /// Step.
        step: &'static str,
        /// Target.
        path: PathBuf,
        /// errno.
        source: nix::Error,
    },
    /// Preparing a path failed.
    #[error("mount: preparing {path}: {source}")]
    Prepare {
        /// Path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn open_path(path: &Path) -> Result<OwnedFd, MountError> {
    nix::fcntl::open(
        path,
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map(|fd| {
        // SAFETY: `open` returned a new descriptor that nothing else owns.
        unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) }
    })
    .map_err(|e| MountError::Prepare {
        path: path.to_path_buf(),
        source: e.into(),
    })
}

/// Remount a bind mount read-only, keeping the flags the kernel locks for
/// mounts inherited from a more privileged namespace (nosuid, nodev, noexec, atime).
fn remount_read_only(path: &Path) -> Result<(), MountError> {
    use nix::sys::statvfs::{statvfs, FsFlags};
    let st = statvfs(path).map_err(|e| MountError::Prepare {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    let f = st.flags();
    let mut flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
    for (have, want) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f.contains(have) {
            flags |= want;
        }
    }
    mount(None::<&str>, path, None::<&str>, flags, None::<&str>).map_err(|source| {
        MountError::Mount {
            step: "read-only remount",
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Apply the steps in order; returns one line per step for the setup report.
pub fn apply(steps: &[MountStep]) -> Result<Vec<String>, MountError> {
    // Paths carried over must be opened before a tmpfs hides them.
    let mut carried: BTreeMap<PathBuf, (OwnedFd, bool)> = BTreeMap::new();
    for step in steps {
        if let MountStep::CarryOver { path, .. } = step {
            carried.insert(path.clone(), (open_path(path)?, path.is_dir()));
        }
    }
    let mut done = Vec::new();
    for step in steps {
        match step {
            MountStep::MakePrivate { path } => {
                mount(
                    None::<&str>,
                    path,
                    None::<&str>,
                    MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                    None::<&str>,
                )
                .map_err(|source| MountError::Mount {
                    step: "make-rprivate",
                    path: path.clone(),
                    source,
                })?;
                done.push(format!("{} rprivate", path.display()));
            }
            MountStep::Proc { path } => {
                mount(
                    Some("proc"),
                    path,
                    Some("proc"),
                    MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
                    None::<&str>,
                )
                .map_err(|source| MountError::Mount {
                    step: "procfs",
                    path: path.clone(),
                    source,
                })?;
                done.push(format!("{} procfs (private pid namespace)", path.display()));
            }
            MountStep::Tmpfs { path, size_mb } => {
                let opts = format!("mode=1777,size={size_mb}m");
                mount(
                    Some("tmpfs"),
                    path,
                    Some("tmpfs"),
                    MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
                    Some(opts.as_str()),
                )
                .map_err(|source| MountError::Mount {
                    step: "tmpfs",
                    path: path.clone(),
                    source,
                })?;
                done.push(format!("{} tmpfs {size_mb} MiB (private)", path.display()));
            }
            MountStep::CarryOver { path, writable } => {
                let Some((fd, is_dir)) = carried.get(path) else {
                    continue;
                };
                let prep = |source| MountError::Prepare {
                    path: path.clone(),
                    source,
                };
                if *is_dir {
                    std::fs::create_dir_all(path).map_err(prep)?;
                } else if !path.exists() {
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).map_err(prep)?;
                    }
                    std::fs::File::create(path).map_err(prep)?;
                }
                let source = format!("/proc/self/fd/{}", fd.as_raw_fd());
                mount(
                    Some(source.as_str()),
                    path,
                    None::<&str>,
                    MsFlags::MS_BIND | MsFlags::MS_REC,
                    None::<&str>,
                )
                .map_err(|source| MountError::Mount {
                    step: "carry-over bind",
                    path: path.clone(),
                    source,
                })?;
                if !*writable {
                    remount_read_only(path)?;
                }
                done.push(format!(
                    "{} bound from the host ({}; declared path under /tmp)",
                    path.display(),
                    if *writable { "read-write" } else { "read-only" }
                ));
            }
            MountStep::MakeDir { path } => {
                std::fs::create_dir_all(path).map_err(|source| MountError::Prepare {
                    path: path.clone(),
                    source,
                })?;
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(
                    |source| MountError::Prepare {
                        path: path.clone(),
                        source,
                    },
                )?;
                done.push(format!("{} private HOME/TMPDIR", path.display()));
            }
        }
    }
    Ok(done)
}
