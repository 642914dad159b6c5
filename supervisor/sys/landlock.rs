//! Applying the plan's Landlock rules to the calling process.

use crate::plan::{FsAccess, LandlockPlan};
use ::landlock::{
    Access, AccessFs, AccessNet, BitFlags, NetPort, PathBeneath, PathFd, RestrictionStatus,
    Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, ABI,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Errors applying Landlock.
#[derive(Debug, thiserror::Error)]
pub enum LandlockError {
    /// The ruleset could not be built or applied.
    #[error("landlock: {context}: {source}")]
    Ruleset {
        /// What was being done.
        context: String,
        /// Crate error.
        source: ::landlock::RulesetError,
    },
    /// A required path could not be opened.
    #[error("landlock: rule for {path} ({source_key}): {message}")]
    Path {
        /// Path.
        path: PathBuf,
        /// Where the rule came from.
        source_key: String,
        /// Why.
        message: String,
    },
}

/// What was enforced.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LandlockOutcome {
    /// "fully_enforced", "partially_enforced" or "not_enforced".
    pub status: String,
    /// ABI version the kernel reports.
    pub kernel_abi: i32,
    /// ABI the rules were written for.
    pub plan_abi: u8,
    /// Optional rules whose path is absent on this host.
    pub skipped: Vec<PathBuf>,
    /// Number of filesystem rules added.
    pub fs_rules: usize,
    /// Kernel logs denials after exec (audit).
    pub log_new_exec: bool,
    /// Access rights the plan asks for that this kernel cannot enforce.
    #[serde(default)]
    pub downgraded: Vec<String>,
}

impl LandlockOutcome {
    /// The outcome of a dry-run, where Landlock is deliberately not applied.
    pub fn not_applied(plan_abi: u8) -> Self {
        LandlockOutcome {
            status: "not_applied_dry_run".into(),
            kernel_abi: kernel_abi(),
            plan_abi,
            skipped: Vec::new(),
            fs_rules: 0,
            log_new_exec: false,
            downgraded: Vec::new(),
        }
    }

    /// Whether everything the plan asked for is enforced.
    pub fn fully_enforced(&self) -> bool {
        self.status == "fully_enforced"
    }
}

/// Landlock ABI version of the running kernel (0 = unavailable).
pub fn kernel_abi() -> i32 {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a NULL attr, size 0 and the VERSION flag the syscall only
    // returns the ABI version; it reads and writes no memory.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if rc < 0 {
        0
    } else {
        rc as i32
    }
}

fn abi_of(v: u8) -> ABI {
    match v {
        0..=4 => ABI::V4,
        5 => ABI::V5,
        6 => ABI::V6,
        7 => ABI::V7,
        8 => ABI::V8,
        9 => ABI::V9,
        _ => ABI::V10,
    }
}

/// Rights of the plan's ABI that a kernel at `kernel_abi` does not have.
pub fn downgraded(plan_abi: u8, kernel_abi: i32) -> Vec<String> {
    if kernel_abi <= 0 {
        return vec!["all of Landlock (not available in this kernel)".into()];
    }
    let (plan, kernel) = (abi_of(plan_abi), abi_of(kernel_abi.clamp(0, 255) as u8));
    if kernel_abi as u8 >= plan_abi {
        return Vec::new();
    }
    let mut out: Vec<String> = (AccessFs::from_all(plan) & !AccessFs::from_all(kernel))
        .iter()
        .map(|a| format!("fs.{a:?}"))
        .collect();
    out.extend(
        (AccessNet::from_all(plan) & !AccessNet::from_all(kernel))
            .iter()
            .map(|a| format!("net.{a:?}")),
    );
    out.extend(
        (Scope::from_all(plan) & !Scope::from_all(kernel))
            .iter()
            .map(|a| format!("scope.{a:?}")),
    );
    if kernel_abi < 7 && plan_abi >= 7 {
        out.push("audit log flags (log_new_exec)".into());
    }
    out
}

/// Landlock rights for a set of plan accesses, at an ABI.
pub fn rights(access: &[FsAccess], abi: ABI) -> BitFlags<AccessFs> {
    let mut r = BitFlags::EMPTY;
    for a in access {
        r |= match a {
            FsAccess::Read => AccessFs::ReadFile | AccessFs::ReadDir,
            FsAccess::Write => AccessFs::from_write(abi),
            FsAccess::Exec => BitFlags::from(AccessFs::Execute),
        };
    }
    r
}

fn rs_err(context: &str) -> impl Fn(::landlock::RulesetError) -> LandlockError + '_ {
    move |source| LandlockError::Ruleset {
        context: context.to_string(),
        source,
    }
}

/// Apply the plan to the calling process (and its future children). Does not
/// set no_new_privs (the caller did, as its own step). `log_new_exec` asks the
/// kernel to audit denials after exec.
pub fn apply(plan: &LandlockPlan, log_new_exec: bool) -> Result<LandlockOutcome, LandlockError> {
    let abi = abi_of(plan.abi);
    let mut ruleset = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .map_err(rs_err("handling filesystem access"))?;
    if plan.net.restrict_tcp {
        ruleset = ruleset
            .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)
            .map_err(rs_err("handling TCP access"))?;
    }
    for s in &plan.scopes {
        let scope = match s.as_str() {
            "abstract_unix_socket" => Scope::AbstractUnixSocket,
            _ => Scope::Signal,
        };
        ruleset = ruleset.scope(scope).map_err(rs_err("scoping"))?;
    }
    let mut created = ruleset.create().map_err(rs_err("creating the ruleset"))?;
    let mut skipped = Vec::new();
    let mut fs_rules = 0;
    for rule in &plan.fs {
        let fd = match PathFd::new(&rule.path) {
            Ok(fd) => fd,
            Err(e) => {
                if rule.optional && !rule.path.exists() {
                    skipped.push(rule.path.clone());
                    continue;
                }
                return Err(LandlockError::Path {
                    path: rule.path.clone(),
                    source_key: rule.source.clone(),
                    message: e.to_string(),
                });
            }
        };
        let mut access = rights(&rule.access, abi);
        if !rule.path.is_dir() {
            access &= AccessFs::from_file(abi);
        }
        created = created
            .add_rule(PathBeneath::new(fd, access))
            .map_err(rs_err("adding a filesystem rule"))?;
        fs_rules += 1;
    }
    if plan.net.restrict_tcp {
        for p in &plan.net.connect {
            created = created
                .add_rule(NetPort::new(*p, AccessNet::ConnectTcp))
                .map_err(rs_err("adding a TCP connect rule"))?;
        }
        for p in &plan.net.bind {
            created = created
                .add_rule(NetPort::new(*p, AccessNet::BindTcp))
                .map_err(rs_err("adding a TCP bind rule"))?;
        }
    }
    let created = created.no_new_privs(false);
    let created = if log_new_exec {
        created
            .log_new_exec(true)
            .map_err(rs_err("asking for audit logging"))?
    } else {
        created
    };
    let status: RestrictionStatus = created
        .restrict_self()
        .map_err(rs_err("restricting self"))?;
    Ok(LandlockOutcome {
        status: match status.ruleset {
            RulesetStatus::FullyEnforced => "fully_enforced",
            RulesetStatus::PartiallyEnforced => "partially_enforced",
            RulesetStatus::NotEnforced => "not_enforced",
        }
        .to_string(),
        kernel_abi: kernel_abi(),
        plan_abi: plan.abi,
        skipped,
        fs_rules,
        log_new_exec: status.log_new_exec,
        downgraded: downgraded(plan.abi, kernel_abi()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downgrades_are_named() {
        assert!(downgraded(7, 7).is_empty());
        assert!(downgraded(7, 8).is_empty());
        let d = downgraded(9, 7);
        assert!(d.iter().any(|x| x.contains("ResolveUnix")), "{d:?}");
        let d = downgraded(7, 5);
        assert!(d.iter().any(|x| x.contains("Signal")), "{d:?}");
        assert!(d.iter().any(|x| x.contains("log_new_exec")), "{d:?}");
        assert_eq!(downgraded(7, 0).len(), 1);
    }

    #[test]
    fn read_does_not_include_execute() {
        let abi = ABI::V7;
        let r = rights(&[FsAccess::Read], abi);
        assert!(!r.contains(AccessFs::Execute));
        assert!(r.contains(AccessFs::ReadFile));
        assert!(!r.contains(AccessFs::WriteFile));
        let w = rights(&[FsAccess::Read, FsAccess::Write], abi);
        assert!(
            w.contains(AccessFs::WriteFile)
                && w.contains(AccessFs::Truncate)
                && !w.contains(AccessFs::Execute)
        );
        assert!(rights(&[FsAccess::Exec], abi).contains(AccessFs::Execute));
    }
}
