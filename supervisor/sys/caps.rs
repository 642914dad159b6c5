//! Dropping every Linux capability from the calling process.

use caps::CapSet;
use std::path::Path;

/// Errors dropping capabilities.
#[derive(Debug, thiserror::Error)]
pub enum CapsError {
    /// cap_last_cap could not be read.
    #[error("capabilities: reading {path}: {message}")]
    LastCap {
        /// File.
        path: String,
        /// Why.
        message: String,
    },
    /// prctl or capset failed.
    #[error("capabilities: {step}: {source}")]
    Drop {
        /// Which step.
        step: String,
        /// errno.
        source: std::io::Error,
    },
    /// The caps crate failed.
    #[error("capabilities: clearing the {set} set: {message}")]
    Clear {
        /// Set.
        set: &'static str,
        /// Why.
        message: String,
    },
}

/// Highest capability number the kernel knows (from `<proc>/sys/kernel/cap_last_cap`).
pub fn last_cap(proc_root: &Path) -> Result<u32, CapsError> {
    let path = proc_root.join("sys/kernel/cap_last_cap");
    let text = std::fs::read_to_string(&path).map_err(|e| CapsError::LastCap {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    text.trim()
        .parse()
        .map_err(|e: std::num::ParseIntError| CapsError::LastCap {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

fn prctl(step: &str, op: libc::c_int, arg: libc::c_ulong) -> Result<(), CapsError> {
    // SAFETY: the prctl operations used here (CAPBSET_DROP, SET_SECUREBITS,
    // CAP_AMBIENT) take integer arguments only and touch no user memory.
    let rc = unsafe {
        libc::prctl(
            op,
            arg,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    };
    if rc < 0 {
        return Err(CapsError::Drop {
            step: step.to_string(),
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(())
}

/// Drop all capabilities: lock securebits so uid 0 regains nothing on exec, empty
/// the bounding set up to `last_cap`, then clear ambient, inheritable, permitted
/// and effective. Needs CAP_SETPCAP at the start (held in the new user namespace).
pub fn drop_all(last_cap: u32) -> Result<(), CapsError> {
    const SECBIT_NOROOT: libc::c_ulong = 1 << 0;
    const SECBIT_NOROOT_LOCKED: libc::c_ulong = 1 << 1;
    const SECBIT_NO_SETUID_FIXUP: libc::c_ulong = 1 << 2;
    const SECBIT_NO_SETUID_FIXUP_LOCKED: libc::c_ulong = 1 << 3;
    const SECBIT_KEEP_CAPS_LOCKED: libc::c_ulong = 1 << 5;
    const SECBIT_NO_CAP_AMBIENT_RAISE: libc::c_ulong = 1 << 6;
    const SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED: libc::c_ulong = 1 << 7;
    prctl(
        "locking securebits",
        libc::PR_SET_SECUREBITS,
        SECBIT_NOROOT
            | SECBIT_NOROOT_LOCKED
            | SECBIT_NO_SETUID_FIXUP
            | SECBIT_NO_SETUID_FIXUP_LOCKED
            | SECBIT_KEEP_CAPS_LOCKED
            | SECBIT_NO_CAP_AMBIENT_RAISE
            | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
    )?;
    for cap in 0..=last_cap {
        prctl(
            &format!("dropping capability {cap} from the bounding set"),
            libc::PR_CAPBSET_DROP,
            cap as libc::c_ulong,
        )?;
    }
    caps::clear(None, CapSet::Ambient).map_err(|e| CapsError::Clear {
        set: "ambient",
        message: e.to_string(),
    })?;
    for (set, name) in [
        (CapSet::Inheritable, "inheritable"),
        (CapSet::Effective, "effective"),
        (CapSet::Permitted, "permitted"),
    ] {
        caps::clear(None, set).map_err(|e| CapsError::Clear {
            set: name,
            message: e.to_string(),
        })?;
    }
    Ok(())
}
