//! Deciding: a runtime manifest plus command-line overrides plus a few host
//! facts compile into a [`Plan`]. [`compile`] is a pure function (no I/O); the
//! plan is what `explain` prints, what `run --dry-run` checks against and what
//! the child applies. Every Landlock and seccomp rule carries the capability
//! that caused it.

use crate::manifest::{LoadedManifest, Maturity, NetMode, SpawnMode};
use crate::policy::{self, Access, Policies};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Default Landlock ABI plans are written for (kernel 6.15+: fs, TCP, scopes,
/// audit log flags); `landlock_abi` in policies/baseline.toml changes it.
pub const LANDLOCK_ABI: u8 = 7;
/// PATH inside the sandbox, after any runtime `path_prepend`.
pub const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Errors deciding a plan. All are about the user's input: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The runtime's maturity forbids running it.
    #[error(
        "runtime `{runtime}` is `planned`: it has a manifest but is not runnable yet ({file})"
    )]
    NotRunnable {
        /// Runtime.
        runtime: String,
        /// Manifest file.
        file: String,
    },
    /// A guarded capability needs the trust gate.
    #[error("{what}: disabled; enable the trust gate with PHASE1_ALLOW_HOST_TOOLS=1 (or --trust)")]
    TrustGate {
        /// What needed it.
        what: String,
    },
    /// A `--net` value is malformed.
    #[error("--net {value}: {message}")]
    BadNet {
        /// Value given.
        value: String,
        /// Why.
        message: String,
    },
    /// A path override is not usable.
    #[error("{flag} {path}: {message}")]
    BadPath {
        /// Which flag.
        flag: String,
        /// Path.
        path: String,
        /// Why.
        message: String,
    },
    /// A `--env` value is malformed.
    #[error("--env {value}: {message}")]
    BadEnv {
        /// Value given.
        value: String,
        /// Why.
        message: String,
    },
}

/// Network override from `--net`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetOverride {
    /// `none`, `full`, or `tcp` when ports are given.
    pub mode: Option<NetMode>,
    /// `connect:PORT`.
    pub connect: Vec<u16>,
    /// `bind:PORT`.
    pub bind: Vec<u16>,
}

impl NetOverride {
    /// Fold one `--net` value in: `none`, `full`, `connect:P[,P..]`, `bind:P[,P..]`.
    pub fn add(&mut self, value: &str) -> Result<(), PlanError> {
        let bad = |m: &str| PlanError::BadNet {
            value: value.to_string(),
            message: m.to_string(),
        };
        let wanted = match value {
            "none" => NetMode::None,
            "full" => NetMode::Full,
            _ => NetMode::Tcp,
        };
        if let Some(m) = self.mode.filter(|m| *m != wanted) {
            let name = |m: NetMode| match m {
                NetMode::None => "none",
                NetMode::Full => "full",
                NetMode::Tcp => "connect:/bind: ports",
            };
            return Err(bad(&format!(
                "conflicts with an earlier --net ({}): give one of none, full, or ports",
                name(m)
            )));
        }
        match value {
            "none" => self.mode = Some(NetMode::None),
            "full" => self.mode = Some(NetMode::Full),
            _ => {
                let (kind, ports) = value.split_once(':').ok_or_else(|| {
                    bad("expected none, full, connect:PORT[,PORT] or bind:PORT[,PORT]")
                })?;
                let list = ports
                    .split(',')
                    .map(|p| {
                        p.parse::<u16>()
                            .ok()
                            .filter(|p| *p > 0)
                            .ok_or_else(|| bad(&format!("`{p}` is not a TCP port (1-65535)")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                match kind {
                    "connect" => self.connect.extend(list),
                    "bind" => self.bind.extend(list),
                    _ => {
                        return Err(bad(
                            "expected none, full, connect:PORT[,PORT] or bind:PORT[,PORT]",
                        ))
                    }
                }
                self.mode = Some(NetMode::Tcp);
            }
        }
        Ok(())
    }
}

/// What the command line adds to or changes in a manifest.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--allow-read`.
    pub allow_read: Vec<PathBuf>,
    /// `--allow-write`.
    pub allow_write: Vec<PathBuf>,
    /// `--allow-exec`.
    pub allow_exec: Vec<PathBuf>,
    /// `--net`.
    pub net: Option<NetOverride>,
    /// `--env NAME` or `--env NAME=VALUE`.
    pub env: Vec<String>,
    /// `--pids N`.
    pub pids: Option<u32>,
    /// `--timeout SECS`.
    pub timeout: Option<u64>,
    /// `--best-effort`: run even if a layer is downgraded, and say so.
    pub best_effort: bool,
    /// `--dry-run`: record would-be denials instead of enforcing them.
    pub dry_run: bool,
    /// `--allow-prototype`: admit a `prototype` runtime (with a warning).
    pub allow_prototype: bool,
    /// `--trust`: the explicit trust gate, as `PHASE1_ALLOW_HOST_TOOLS=1`.
    pub trust: bool,
}

/// Facts about the host the plan depends on, gathered by the caller.
#[derive(Debug, Clone)]
pub struct HostFacts {
    /// Working directory of the run.
    pub cwd: PathBuf,
    /// The invoking user's home directory.
    pub home: PathBuf,
    /// Effective uid and gid of the supervisor.
    pub uid: u32,
    /// Effective gid.
    pub gid: u32,
    /// The supervisor's environment (only allowlisted names are used).
    pub env: BTreeMap<String, String>,
    /// The command as resolved: absolute program path and argv.
    pub program: PathBuf,
    /// argv (argv\[0\] as the user typed it).
    pub argv: Vec<String>,
    /// Manifest programs as resolved on the sandbox PATH (None = not found).
    pub runtime_programs: Vec<(String, Option<PathBuf>)>,
    /// `spawn.programs` entries as resolved.
    pub spawn_programs: Vec<(String, Option<PathBuf>)>,
    /// Random nonce naming the private HOME.
    pub nonce: String,
    /// `PHASE1_ALLOW_HOST_TOOLS=1` is set.
    pub trust_gate: bool,
}

/// Namespaces the sandbox gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Namespace {
    /// User namespace (always first).
    User,
    /// Mount namespace.
    Mount,
    /// PID namespace.
    Pid,
    /// Network namespace.
    Net,
    /// IPC namespace.
    Ipc,
    /// UTS namespace.
    Uts,
    /// Cgroup namespace.
    Cgroup,
}

impl Namespace {
    /// The clone flag.
    pub fn clone_flag(self) -> i32 {
        match self {
            Namespace::User => libc::CLONE_NEWUSER,
            Namespace::Mount => libc::CLONE_NEWNS,
            Namespace::Pid => libc::CLONE_NEWPID,
            Namespace::Net => libc::CLONE_NEWNET,
            Namespace::Ipc => libc::CLONE_NEWIPC,
            Namespace::Uts => libc::CLONE_NEWUTS,
            Namespace::Cgroup => libc::CLONE_NEWCGROUP,
        }
    }
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Namespace::User => "user",
            Namespace::Mount => "mount",
            Namespace::Pid => "pid",
            Namespace::Net => "net",
            Namespace::Ipc => "ipc",
            Namespace::Uts => "uts",
            Namespace::Cgroup => "cgroup",
        }
    }
}

/// uid/gid mapping: one id, the supervisor's own, mapped to itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdMap {
    /// uid inside = uid outside.
    pub uid: u32,
    /// gid inside = gid outside.
    pub gid: u32,
    /// setgroups is always denied.
    pub setgroups: String,
}

/// One mount step, in order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MountStep {
    /// `mount --make-rprivate /`: nothing propagates back to the host.
    MakePrivate {
        /// Usually "/".
        path: PathBuf,
    },
    /// Fresh procfs for the new pid namespace.
    Proc {
        /// "/proc".
        path: PathBuf,
    },
    /// Fresh tmpfs.
    Tmpfs {
        /// "/tmp".
        path: PathBuf,
        /// Size limit, MiB.
        size_mb: u64,
    },
    /// A declared host path under the tmpfs, bound back in so it stays visible.
    /// Landlock's rule on /tmp covers it too, so a path not declared writable is
    /// bound read-only: the kernel then refuses writes there (EROFS).
    CarryOver {
        /// Host path (also the path inside).
        path: PathBuf,
        /// Declared writable; otherwise the bind is read-only.
        writable: bool,
    },
    /// The private HOME/TMPDIR directory inside the tmpfs.
    MakeDir {
        /// Path.
        path: PathBuf,
    },
}

/// One Landlock filesystem rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FsRule {
    /// Path (the rule covers it and everything beneath).
    pub path: PathBuf,
    /// Access granted.
    pub access: Vec<FsAccess>,
    /// Capability that caused the rule.
    pub capability: String,
    /// Where it came from (manifest key, policy file, flag).
    pub source: String,
    /// Absent paths are skipped and reported, not an error.
    pub optional: bool,
}

/// Access kinds of a filesystem rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FsAccess {
    /// Read files, list directories.
    Read,
    /// Create, change, remove.
    Write,
    /// Execute.
    Exec,
}

impl From<Access> for FsAccess {
    fn from(a: Access) -> Self {
        match a {
            Access::Read => FsAccess::Read,
            Access::Write => FsAccess::Write,
            Access::Exec => FsAccess::Exec,
        }
    }
}

/// Landlock TCP rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NetRules {
    /// Whether Landlock handles TCP at all (false only for net = full).
    pub restrict_tcp: bool,
    /// Ports that may be connected to.
    pub connect: Vec<u16>,
    /// Ports that may be bound.
    pub bind: Vec<u16>,
    /// Capability behind the port rules.
    pub capability: String,
}

/// The Landlock part of the plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LandlockPlan {
    /// ABI the rules need.
    pub abi: u8,
    /// Filesystem rules; every access not granted here is denied.
    pub fs: Vec<FsRule>,
    /// TCP rules.
    pub net: NetRules,
    /// Scopes: "abstract_unix_socket", "signal".
    pub scopes: Vec<String>,
    /// Declared paths under /tmp, carried over into the private /tmp by bind
    /// mounts, with whether an enforced run binds them writable. Landlock's
    /// `/tmp` write rule covers them too (rules follow the mount tree), so a
    /// read-only bind is what refuses writes there (EROFS).
    pub tmp_binds: Vec<(PathBuf, bool)>,
}

/// A condition on one syscall argument.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ArgMatch {
    /// `args[index] == value`.
    Eq {
        /// Argument index.
        index: u8,
        /// Value.
        value: u64,
    },
    /// `args[index] & mask == mask`.
    AllSet {
        /// Argument index.
        index: u8,
        /// Mask.
        mask: u64,
    },
}

impl ArgMatch {
    /// Whether the condition holds for these arguments.
    pub fn matches(&self, args: &[u64; 6]) -> bool {
        match *self {
            ArgMatch::Eq { index, value } => args[index as usize] == value,
            ArgMatch::AllSet { index, mask } => args[index as usize] & mask == mask,
        }
    }
}

/// What a seccomp rule does.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Let the syscall run.
    Allow,
    /// Deny with this errno and record it (a denial).
    Deny {
        /// errno returned.
        errno: i32,
    },
    /// Return this errno for compatibility (not a denial, not recorded), e.g.
    /// clone3 → ENOSYS so libc falls back to clone, whose flags can be inspected.
    Compat {
        /// errno returned.
        errno: i32,
    },
    /// Kill the process (non-native ABI).
    Kill,
    /// Let it run, but notify the supervisor first so it can record it
    /// (spawns; in dry-run also writes, exec, connect and bind). The reply is
    /// CONTINUE: this is observation, never a security decision.
    Observe,
}

impl Action {
    /// Kernel precedence when several stacked filters answer (higher wins).
    pub fn precedence(self, record: bool) -> u8 {
        match self {
            Action::Kill => 4,
            Action::Compat { .. } => 3,
            // Recorded denials go through SECCOMP_RET_USER_NOTIF, which ranks below ERRNO.
            Action::Deny { .. } if record => 2,
            Action::Deny { .. } => 3,
            Action::Observe if record => 1,
            Action::Observe | Action::Allow => 0,
        }
    }
}

/// One seccomp rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SyscallRule {
    /// Syscall name.
    pub syscall: String,
    /// x86_64 number.
    pub nr: i64,
    /// Argument condition (None = always).
    pub when: Option<ArgMatch>,
    /// Action when it matches.
    pub action: Action,
    /// Capability that caused the rule.
    pub capability: String,
    /// Syscall group (or "conditional").
    pub group: String,
}

/// The seccomp part of the plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeccompPlan {
    /// Action for every syscall no rule allows.
    pub default: Action,
    /// Rules. Non-allow rules override allow rules.
    pub rules: Vec<SyscallRule>,
    /// Syscall numbers >= 0x40000000 (x32 ABI) and non-x86_64 arches are killed.
    pub x32_guard: bool,
}

/// What the filter decides for one syscall, and which rule decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'a> {
    /// Action.
    pub action: Action,
    /// The rule, or None for the default action.
    pub rule: Option<&'a SyscallRule>,
}

impl SeccompPlan {
    /// Evaluate the plan for one syscall the way the stacked kernel filters do:
    /// every non-allow rule that matches competes by precedence; otherwise an
    /// allow rule lets it through; otherwise the default applies.
    pub fn decide(&self, nr: i64, args: &[u64; 6], record: bool) -> Decision<'_> {
        if self.x32_guard && nr >= 0x4000_0000 {
            return Decision {
                action: Action::Kill,
                rule: None,
            };
        }
        let matching = |r: &&SyscallRule| r.nr == nr && r.when.is_none_or(|w| w.matches(args));
        let override_rule = self
            .rules
            .iter()
            .filter(|r| r.action != Action::Allow && (record || r.action != Action::Observe))
            .filter(matching)
            .max_by_key(|r| r.action.precedence(record));
        let allow_rule = self
            .rules
            .iter()
            .filter(|r| r.action == Action::Allow)
            .find(matching);
        let base = match allow_rule {
            Some(r) => Decision {
                action: Action::Allow,
                rule: Some(r),
            },
            None => Decision {
                action: self.default,
                rule: None,
            },
        };
        match override_rule {
            Some(r) if r.action.precedence(record) >= base.action.precedence(record) => Decision {
                action: r.action,
                rule: Some(r),
            },
            _ => base,
        }
    }

    /// Names of unconditionally allowed syscalls.
    pub fn allowed_names(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| r.action == Action::Allow)
            .map(|r| r.syscall.as_str())
            .collect()
    }
}

/// One resource limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Rlimit {
    /// Name (nofile, cpu, fsize, core, as, nproc).
    pub resource: String,
    /// Soft = hard limit.
    pub value: u64,
    /// Why.
    pub why: String,
}

/// How the process-count limit is enforced.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PidsMechanism {
    /// cgroup `pids.max` (needs root; v1 or v2).
    Cgroup,
    /// RLIMIT_NPROC on the (non-root) uid; counts all of that uid's processes.
    RlimitNproc,
}

/// Process-count limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PidsPlan {
    /// Maximum processes + threads.
    pub max: u32,
    /// Mechanism.
    pub mechanism: PidsMechanism,
}

/// Runtime identity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RuntimeInfo {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Maturity label.
    pub maturity: Maturity,
    /// Manifest file.
    pub manifest: String,
    /// Uses host-installed software.
    pub host: bool,
    /// Whether the maturity gate admits a run, and on what grounds.
    pub admission: Admission,
}

/// The maturity gate's verdict for one run: `planned` never runs (compile
/// refuses it), `prototype` needs `--allow-prototype`, a host-backed `guarded`
/// runtime needs the trust gate (`--trust` or `PHASE1_ALLOW_HOST_TOOLS=1`),
/// `documented` and `stable` run normally.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Admission {
    /// Whether `run` may start the workload.
    pub admitted: bool,
    /// What admitted it (`maturity documented`, `--allow-prototype`, `--trust`,
    /// `PHASE1_ALLOW_HOST_TOOLS=1`) or, when refused, what would.
    pub by: String,
    /// A warning to print and record when admitted below `documented`.
    pub warning: Option<String>,
}

/// Decide the maturity gate (pure).
pub fn admission(
    runtime: &str,
    maturity: Maturity,
    host: bool,
    allow_prototype: bool,
    trust_flag: bool,
    trust_env: bool,
) -> Admission {
    let trusted_by = if trust_flag {
        Some("--trust")
    } else if trust_env {
        Some("PHASE1_ALLOW_HOST_TOOLS=1")
    } else {
        None
    };
    match maturity {
        Maturity::Planned => Admission {
            admitted: false,
            by: "nothing: planned runtimes never run".into(),
            warning: None,
        },
        Maturity::Prototype if allow_prototype => Admission {
            admitted: true,
            by: "--allow-prototype".into(),
            warning: Some(format!(
                "runtime `{runtime}` is a prototype: its policy and documentation are incomplete"
            )),
        },
        Maturity::Prototype => Admission {
            admitted: false,
            by: "--allow-prototype".into(),
            warning: None,
        },
        Maturity::Guarded if host => match trusted_by {
            Some(t) => Admission {
                admitted: true,
                by: t.into(),
                warning: Some(format!(
                    "runtime `{runtime}` is guarded and runs host software: admitted by the trust gate ({t})"
                )),
            },
            None => Admission {
                admitted: false,
                by: "--trust or PHASE1_ALLOW_HOST_TOOLS=1".into(),
                warning: None,
            },
        },
        Maturity::Guarded | Maturity::Documented | Maturity::Stable => Admission {
            admitted: true,
            by: format!("maturity {}", maturity.as_str()),
            warning: None,
        },
    }
}

/// The command.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CommandPlan {
    /// Absolute program path.
    pub program: PathBuf,
    /// argv.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
}

/// Everything the child applies, in data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Plan {
    /// Runtime.
    pub runtime: RuntimeInfo,
    /// Command.
    pub command: CommandPlan,
    /// Namespaces, in clone order.
    pub namespaces: Vec<Namespace>,
    /// Id mapping.
    pub id_map: IdMap,
    /// Hostname inside.
    pub hostname: String,
    /// Mount steps, in order.
    pub mounts: Vec<MountStep>,
    /// Capabilities: all dropped (bounding, ambient, inheritable, permitted, effective).
    pub drop_capabilities: bool,
    /// PR_SET_NO_NEW_PRIVS.
    pub no_new_privs: bool,
    /// Landlock.
    pub landlock: LandlockPlan,
    /// Seccomp.
    pub seccomp: SeccompPlan,
    /// Resource limits.
    pub rlimits: Vec<Rlimit>,
    /// Process-count limit.
    pub pids: PidsPlan,
    /// Complete environment of the workload.
    pub env: Vec<(String, String)>,
    /// Private HOME and TMPDIR.
    pub home: PathBuf,
    /// Wall-clock limit, seconds.
    pub timeout: Option<u64>,
    /// Run even when a layer is downgraded (loudly).
    pub best_effort: bool,
    /// Dry-run: nothing is blocked; Landlock is not applied and every would-be
    /// denial (seccomp, and filesystem/TCP accesses checked against the
    /// Landlock rules) is recorded instead.
    pub dry_run: bool,
}

impl Plan {
    /// SHA-256 over the plan's canonical JSON, hex.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let d = Sha256::digest(&json);
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether the network namespace is private.
    pub fn private_net(&self) -> bool {
        self.namespaces.contains(&Namespace::Net)
    }
}

/// Path-changing syscalls checked in dry-run: (name, dirfd argument or -1, path argument).
pub const DRY_RUN_PATH_OPS: &[(&str, i8, u8)] = &[
    ("mkdir", -1, 0),
    ("mkdirat", 0, 1),
    ("rmdir", -1, 0),
    ("unlink", -1, 0),
    ("unlinkat", 0, 1),
    ("rename", -1, 1),
    ("renameat", 2, 3),
    ("renameat2", 2, 3),
    ("link", -1, 1),
    ("linkat", 2, 3),
    ("symlink", -1, 1),
    ("symlinkat", 1, 2),
    ("truncate", -1, 0),
    ("mknod", -1, 0),
    ("mknodat", 0, 1),
];

/// Lexically normalise an absolute path (".", "..", repeated slashes).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(x) => out.push(x),
            _ => {}
        }
    }
    out
}

impl LandlockPlan {
    /// The rule that grants `access` on `path`, if any (what Landlock would
    /// decide, lexically: symlinks are not resolved).
    pub fn allows(&self, path: &Path, access: FsAccess) -> Option<&FsRule> {
        let path = normalize(path);
        if access == FsAccess::Write {
            let bind = self
                .tmp_binds
                .iter()
                .filter(|(b, _)| path.starts_with(b))
                .max_by_key(|(b, _)| b.components().count());
            if matches!(bind, Some((_, false))) {
                return None;
            }
        }
        self.fs
            .iter()
            .filter(|r| r.access.contains(&access))
            .find(|r| path.starts_with(normalize(&r.path)))
    }

    /// Whether a TCP connect (or bind) to `port` is allowed.
    pub fn allows_tcp(&self, port: u16, bind: bool) -> bool {
        !self.net.restrict_tcp
            || if bind {
                self.net.bind.contains(&port)
            } else {
                self.net.connect.contains(&port)
            }
    }
}

/// The capability a denied syscall lacks, and the syscall group that would grant it.
pub fn missing_capability(
    policies: &Policies,
    decision: &Decision<'_>,
    name: &str,
    args: &[u64; 6],
) -> (String, Option<String>) {
    if let Some(r) = decision.rule {
        if r.action != Action::Allow {
            let group = if r.capability == "sys.namespaces" {
                Some("namespaces".to_string())
            } else {
                None
            };
            return (r.capability.clone(), group);
        }
    }
    match name {
        "socket" => {
            let fam = args[0] as i32;
            if fam == libc::AF_INET || fam == libc::AF_INET6 || fam == libc::AF_NETLINK {
                return ("host.net".into(), None);
            }
            return (format!("socket family {fam} (not grantable)"), None);
        }
        "clone" if args[0] & libc::CLONE_THREAD as u64 == 0 => {
            return ("proc.spawn".into(), Some("spawn".into()))
        }
        _ => {}
    }
    match policies
        .groups
        .iter()
        .find(|(_, g)| g.syscalls.iter().any(|s| s.get_ref() == name))
    {
        Some((gname, g)) => (g.capability.clone(), Some(gname.clone())),
        None => (
            "none: not in any syscall group of policies/syscalls.toml".into(),
            None,
        ),
    }
}

fn expand(template: &str, facts: &HostFacts) -> PathBuf {
    PathBuf::from(
        template
            .replace("${CWD}", &facts.cwd.to_string_lossy())
            .replace("${HOME}", &facts.home.to_string_lossy()),
    )
}

fn rule(
    path: PathBuf,
    access: &[FsAccess],
    capability: &str,
    source: String,
    optional: bool,
) -> FsRule {
    let mut access = access.to_vec();
    access.sort();
    access.dedup();
    FsRule {
        path,
        access,
        capability: capability.to_string(),
        source,
        optional,
    }
}

fn is_under(path: &Path, dir: &Path) -> bool {
    path.starts_with(dir) && path != dir
}

/// Compile a plan. Pure: everything it needs is in its arguments.
pub fn compile(
    loaded: &LoadedManifest,
    policies: &Policies,
    overrides: &Overrides,
    facts: &HostFacts,
) -> Result<Plan, PlanError> {
    let m = &loaded.manifest;
    let mfile = loaded.file.clone();
    if m.maturity == Maturity::Planned {
        return Err(PlanError::NotRunnable {
            runtime: m.name.get_ref().clone(),
            file: mfile,
        });
    }

    // ---- network ------------------------------------------------------------
    let (net_mode, mut connect, mut bind) = match &overrides.net {
        Some(o) => (
            o.mode.unwrap_or(m.net.mode),
            o.connect.clone(),
            o.bind.clone(),
        ),
        None => (m.net.mode, m.net.connect.clone(), m.net.bind.clone()),
    };
    connect.sort_unstable();
    connect.dedup();
    bind.sort_unstable();
    bind.dedup();
    if net_mode == NetMode::Full && !(facts.trust_gate || overrides.trust) {
        return Err(PlanError::TrustGate {
            what: "net full (unrestricted host network)".into(),
        });
    }
    let net_source = if overrides.net.is_some() {
        "--net".to_string()
    } else {
        format!("{mfile} net")
    };

    // ---- namespaces and id map ------------------------------------------------
    let mut namespaces = vec![
        Namespace::User,
        Namespace::Mount,
        Namespace::Pid,
        Namespace::Ipc,
        Namespace::Uts,
        Namespace::Cgroup,
    ];
    if net_mode == NetMode::None {
        namespaces.push(Namespace::Net);
    }

    // ---- filesystem rules (Landlock) --------------------------------------------
    let spawn_any = m.spawn.mode == SpawnMode::Any;
    let mut fs = Vec::new();
    let system_access: &[FsAccess] = if spawn_any {
        &[FsAccess::Read, FsAccess::Exec]
    } else {
        &[FsAccess::Read]
    };
    for p in &policies.baseline.system {
        fs.push(rule(
            PathBuf::from(p),
            system_access,
            if spawn_any { "proc.spawn" } else { "fs.read" },
            "policies/baseline.toml system".into(),
            true,
        ));
    }
    for p in &policies.baseline.loader {
        fs.push(rule(
            PathBuf::from(p),
            &[FsAccess::Read, FsAccess::Exec],
            "host.exec",
            "policies/baseline.toml loader".into(),
            true,
        ));
    }
    let baseline_rules = policies.baseline.rule.iter().map(|r| (r, "baseline"));
    let net_rules = policies
        .baseline
        .net_rule
        .iter()
        .filter(|_| net_mode != NetMode::None)
        .map(|r| (r, "host.net"));
    for (r, cap) in baseline_rules.chain(net_rules) {
        let access: Vec<FsAccess> = r.access.iter().map(|a| FsAccess::from(*a)).collect();
        fs.push(rule(
            PathBuf::from(r.path.get_ref()),
            &access,
            cap,
            "policies/baseline.toml".into(),
            r.optional,
        ));
    }
    fs.push(rule(
        facts.program.clone(),
        &[FsAccess::Read, FsAccess::Exec],
        "host.exec",
        "command line".into(),
        false,
    ));
    for (name, path) in &facts.runtime_programs {
        if let Some(p) = path {
            fs.push(rule(
                p.clone(),
                &[FsAccess::Read, FsAccess::Exec],
                "host.exec",
                format!("{mfile} programs ({name})"),
                false,
            ));
        }
    }
    for (name, path) in &facts.spawn_programs {
        if let Some(p) = path {
            fs.push(rule(
                p.clone(),
                &[FsAccess::Read, FsAccess::Exec],
                "proc.spawn",
                format!("{mfile} spawn.programs ({name})"),
                false,
            ));
        }
    }
    let declared = [
        (&m.fs.read, &[FsAccess::Read][..], "fs.read", "fs.read"),
        (
            &m.fs.write,
            &[FsAccess::Read, FsAccess::Write][..],
            "fs.write",
            "fs.write",
        ),
        (
            &m.fs.exec,
            &[FsAccess::Read, FsAccess::Exec][..],
            "host.exec",
            "fs.exec",
        ),
    ];
    for (list, access, cap, key) in declared {
        for p in list {
            let raw = p.get_ref();
            let optional = raw.ends_with('?');
            let path = expand(raw.trim_end_matches('?'), facts);
            let line = loaded.at(p.span()).line;
            fs.push(rule(
                path,
                access,
                cap,
                format!("{mfile}:{line} {key}"),
                optional,
            ));
        }
    }
    let flags = [
        (
            &overrides.allow_read,
            &[FsAccess::Read][..],
            "fs.read",
            "--allow-read",
        ),
        (
            &overrides.allow_write,
            &[FsAccess::Read, FsAccess::Write][..],
            "fs.write",
            "--allow-write",
        ),
        (
            &overrides.allow_exec,
            &[FsAccess::Read, FsAccess::Exec][..],
            "host.exec",
            "--allow-exec",
        ),
    ];
    for (list, access, cap, flag) in flags {
        for p in list {
            if !p.is_absolute() {
                return Err(PlanError::BadPath {
                    flag: flag.into(),
                    path: p.display().to_string(),
                    message: "must be an absolute path (the caller resolves relative ones)".into(),
                });
            }
            fs.push(rule(p.clone(), access, cap, flag.to_string(), false));
        }
    }

    // ---- mounts --------------------------------------------------------------
    let tmp = PathBuf::from("/tmp");
    let home = tmp.join(format!("phase1_{}", facts.nonce));
    let mut mounts = vec![
        MountStep::MakePrivate { path: "/".into() },
        MountStep::Proc {
            path: "/proc".into(),
        },
        MountStep::Tmpfs {
            path: tmp.clone(),
            size_mb: 1024,
        },
    ];
    // Declared paths under /tmp are carried over; a path is writable when a
    // declared (non-baseline) write rule covers it, or in dry-run, which
    // blocks nothing (writes outside the rules are recorded as would_deny).
    // A nested path is bound separately only when its writability differs
    // from its parent's.
    let declared_under_tmp: Vec<&FsRule> = fs.iter().filter(|r| is_under(&r.path, &tmp)).collect();
    let writable = |p: &Path| {
        declared_under_tmp
            .iter()
            .any(|r| r.access.contains(&FsAccess::Write) && p.starts_with(&r.path))
    };
    let mut carry: Vec<PathBuf> = declared_under_tmp.iter().map(|r| r.path.clone()).collect();
    carry.sort();
    carry.dedup();
    let mut carried: Vec<(PathBuf, bool)> = Vec::new();
    for p in carry {
        let w = writable(&p);
        let parent = carried.iter().rev().find(|(q, _)| p.starts_with(q));
        if parent.is_some_and(|(_, pw)| *pw == w) {
            continue;
        }
        carried.push((p, w));
    }
    let tmp_binds = carried.clone();
    mounts.extend(
        carried
            .into_iter()
            .map(|(path, writable)| MountStep::CarryOver {
                path,
                writable: writable || overrides.dry_run,
            }),
    );
    mounts.push(MountStep::MakeDir { path: home.clone() });

    // ---- seccomp ---------------------------------------------------------------
    let mut groups: Vec<&str> = policies
        .groups
        .iter()
        .filter(|(_, g)| g.always)
        .map(|(n, _)| n.as_str())
        .collect();
    if m.spawn.mode != SpawnMode::None {
        groups.push("spawn");
    }
    let extra: Vec<&str> = m
        .extra_syscall_groups
        .iter()
        .map(|g| g.get_ref().as_str())
        .collect();
    groups.extend(extra.iter().copied());
    groups.sort_unstable();
    groups.dedup();
    let mut rules = Vec::new();
    for gname in &groups {
        let Some(g) = policies.groups.get(*gname) else {
            continue;
        };
        for s in &g.syscalls {
            let name = s.get_ref();
            if let Some(nr) = policy::syscall_nr(name) {
                rules.push(SyscallRule {
                    syscall: name.clone(),
                    nr,
                    when: None,
                    action: Action::Allow,
                    capability: g.capability.clone(),
                    group: (*gname).to_string(),
                });
            }
        }
    }
    let cond = |name: &str, when: Option<ArgMatch>, action: Action, cap: &str| SyscallRule {
        syscall: name.to_string(),
        nr: policy::syscall_nr(name).unwrap_or(-1),
        when,
        action,
        capability: cap.to_string(),
        group: "conditional".to_string(),
    };
    // Threads are always allowed; new processes only with a spawn capability.
    if m.spawn.mode == SpawnMode::None {
        rules.push(cond(
            "clone",
            Some(ArgMatch::AllSet {
                index: 0,
                mask: libc::CLONE_THREAD as u64,
            }),
            Action::Allow,
            "baseline",
        ));
    } else {
        rules.push(cond("clone", None, Action::Allow, "proc.spawn"));
    }
    // clone with namespace flags is denied unless namespaces were declared.
    if !extra.contains(&"namespaces") {
        for flag in [
            libc::CLONE_NEWNS,
            libc::CLONE_NEWUTS,
            libc::CLONE_NEWIPC,
            libc::CLONE_NEWUSER,
            libc::CLONE_NEWPID,
            libc::CLONE_NEWNET,
            libc::CLONE_NEWCGROUP,
        ] {
            rules.push(cond(
                "clone",
                Some(ArgMatch::AllSet {
                    index: 0,
                    mask: flag as u64,
                }),
                Action::Deny { errno: libc::EPERM },
                "sys.namespaces",
            ));
        }
    }
    // clone3 passes its flags in memory the filter cannot read: ENOSYS makes libc use clone.
    rules.push(cond(
        "clone3",
        None,
        Action::Compat {
            errno: libc::ENOSYS,
        },
        "baseline",
    ));
    rules.push(cond(
        "socket",
        Some(ArgMatch::Eq {
            index: 0,
            value: libc::AF_UNIX as u64,
        }),
        Action::Allow,
        "ipc.unix",
    ));
    if net_mode != NetMode::None {
        for fam in [libc::AF_INET, libc::AF_INET6, libc::AF_NETLINK] {
            rules.push(cond(
                "socket",
                Some(ArgMatch::Eq {
                    index: 0,
                    value: fam as u64,
                }),
                Action::Allow,
                "host.net",
            ));
        }
    }
    // Spawns are recorded: execve/execveat notify the supervisor, which lets them run.
    for name in ["execve", "execveat"] {
        rules.push(cond(name, None, Action::Observe, "audit (spawn record)"));
    }
    // Exits are recorded with their status from exit_group (once per process).
    rules.push(cond(
        "exit_group",
        None,
        Action::Observe,
        "audit (exit record)",
    ));
    if overrides.dry_run {
        // Dry-run checks these against the Landlock rules in the supervisor.
        // Read-only opens and stats are hot and are not notified.
        for (name, flags_arg) in [("open", 1u8), ("openat", 2), ("creat", 9)] {
            if flags_arg == 9 {
                rules.push(cond(name, None, Action::Observe, "audit (dry-run check)"));
                continue;
            }
            for bit in [libc::O_WRONLY, libc::O_RDWR, libc::O_CREAT, libc::O_TRUNC] {
                rules.push(cond(
                    name,
                    Some(ArgMatch::AllSet {
                        index: flags_arg,
                        mask: bit as u64,
                    }),
                    Action::Observe,
                    "audit (dry-run check)",
                ));
            }
        }
        for name in DRY_RUN_PATH_OPS
            .iter()
            .map(|(n, _, _)| *n)
            .chain(["openat2", "connect", "bind"])
        {
            rules.push(cond(name, None, Action::Observe, "audit (dry-run check)"));
        }
    }
    let seccomp = SeccompPlan {
        default: Action::Deny { errno: libc::EPERM },
        rules,
        x32_guard: true,
    };

    // ---- landlock net and scopes --------------------------------------------------
    let net = NetRules {
        restrict_tcp: net_mode != NetMode::Full,
        connect: if net_mode == NetMode::Tcp {
            connect
        } else {
            vec![]
        },
        bind: if net_mode == NetMode::Tcp {
            bind
        } else {
            vec![]
        },
        capability: format!("host.net ({net_source})"),
    };
    let landlock = LandlockPlan {
        abi: policies.baseline.landlock_abi,
        fs,
        net,
        scopes: vec!["abstract_unix_socket".into(), "signal".into()],
        tmp_binds,
    };

    // ---- limits ----------------------------------------------------------------
    let lim = &m.limits;
    let pids_max = overrides.pids.unwrap_or(*lim.pids.get_ref());
    if pids_max < 2 {
        return Err(PlanError::BadPath {
            flag: "--pids".into(),
            path: pids_max.to_string(),
            message: "must be at least 2 (the sandbox's init and the workload)".into(),
        });
    }
    let mut rlimits = vec![
        Rlimit {
            resource: "nofile".into(),
            value: lim.nofile,
            why: format!("{mfile} limits.nofile"),
        },
        Rlimit {
            resource: "cpu".into(),
            value: lim.cpu_seconds,
            why: format!("{mfile} limits.cpu_seconds"),
        },
        Rlimit {
            resource: "fsize".into(),
            value: lim.file_size_mb.saturating_mul(1 << 20),
            why: format!("{mfile} limits.file_size_mb"),
        },
        Rlimit {
            resource: "core".into(),
            value: 0,
            why: "no core dumps (they would hold the workload's memory)".into(),
        },
    ];
    if let Some(mb) = lim.memory_mb {
        rlimits.push(Rlimit {
            resource: "as".into(),
            value: mb.saturating_mul(1 << 20),
            why: format!("{mfile} limits.memory_mb"),
        });
    }
    let mechanism = if facts.uid == 0 {
        PidsMechanism::Cgroup
    } else {
        rlimits.push(Rlimit {
            resource: "nproc".into(),
            value: pids_max as u64,
            why: "process limit for a non-root user (counts all of this uid's processes)".into(),
        });
        PidsMechanism::RlimitNproc
    };

    // ---- environment -------------------------------------------------------------
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let mut path = String::new();
    for p in &m.env.path_prepend {
        path.push_str(&expand(p.get_ref(), facts).to_string_lossy());
        path.push(':');
    }
    path.push_str(SYSTEM_PATH);
    env.insert("PATH".into(), path);
    env.insert("HOME".into(), home.to_string_lossy().into_owned());
    env.insert("TMPDIR".into(), home.to_string_lossy().into_owned());
    env.insert("PHASE1_GUARDED_EXEC".into(), "1".into());
    env.insert("PHASE1_RUNTIME".into(), m.name.get_ref().clone());
    for name in &m.env.pass {
        if let Some(v) = facts.env.get(name.get_ref()) {
            env.insert(name.get_ref().clone(), v.clone());
        }
    }
    for (k, v) in &m.env.set {
        env.insert(
            k.clone(),
            expand(v.get_ref(), facts).to_string_lossy().into_owned(),
        );
    }
    for e in &overrides.env {
        let (k, v) = match e.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (e.clone(), facts.env.get(e).cloned()),
        };
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(PlanError::BadEnv {
                value: e.clone(),
                message: "expected NAME or NAME=VALUE".into(),
            });
        }
        if let Some(v) = v {
            env.insert(k, v);
        }
    }

    Ok(Plan {
        runtime: RuntimeInfo {
            name: m.name.get_ref().clone(),
            description: m.description.clone(),
            maturity: m.maturity,
            manifest: mfile,
            host: m.host,
            admission: admission(
                m.name.get_ref(),
                m.maturity,
                m.host,
                overrides.allow_prototype,
                overrides.trust,
                facts.trust_gate,
            ),
        },
        command: CommandPlan {
            program: facts.program.clone(),
            argv: facts.argv.clone(),
            cwd: facts.cwd.clone(),
        },
        namespaces,
        id_map: IdMap {
            uid: facts.uid,
            gid: facts.gid,
            setgroups: "deny".into(),
        },
        hostname: "phase1-sandbox".into(),
        mounts,
        drop_capabilities: true,
        no_new_privs: true,
        landlock,
        seccomp,
        rlimits,
        pids: PidsPlan {
            max: pids_max,
            mechanism,
        },
        env: env.into_iter().collect(),
        home,
        timeout: overrides.timeout.or(lim.wall_seconds),
        best_effort: overrides.best_effort,
        dry_run: overrides.dry_run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest;

    fn policies() -> Policies {
        Policies::builtin().expect("policies")
    }

    fn facts() -> HostFacts {
        let mut env = BTreeMap::new();
        env.insert("LANG".to_string(), "C.UTF-8".to_string());
        env.insert("AWS_SECRET_ACCESS_KEY".to_string(), "hunter2".to_string());
        HostFacts {
            cwd: "/work/proj".into(),
            home: "/home/u".into(),
            uid: 1000,
            gid: 1000,
            env,
            program: "/usr/bin/python3.11".into(),
            argv: vec!["python3".into(), "x.py".into()],
            runtime_programs: vec![("python3".into(), Some("/usr/bin/python3".into()))],
            spawn_programs: vec![],
            nonce: "abc".into(),
            trust_gate: false,
        }
    }

    fn load(name: &str) -> LoadedManifest {
        manifest::load(&Default::default(), name, &policies().group_names()).expect("manifest")
    }

    fn plan(name: &str, o: &Overrides, f: &HostFacts) -> Plan {
        compile(&load(name), &policies(), o, f).expect("plan")
    }

    const ZERO: [u64; 6] = [0; 6];

    fn act(p: &Plan, nr: i64, args: &[u64; 6], record: bool) -> Action {
        p.seccomp.decide(nr, args, record).action
    }

    fn args0(a: u64) -> [u64; 6] {
        [a, 0, 0, 0, 0, 0]
    }

    #[test]
    fn python_plan_has_private_net_and_no_spawn() {
        let p = plan("python", &Overrides::default(), &facts());
        assert!(p.private_net());
        assert_eq!(p.namespaces[0], Namespace::User);
        let fork = policy::syscall_nr("fork").unwrap_or(-1);
        assert_eq!(
            act(&p, fork, &ZERO, false),
            Action::Deny { errno: libc::EPERM }
        );
        let clone = policy::syscall_nr("clone").unwrap_or(-1);
        // A plain fork-style clone is denied, a thread is allowed.
        assert_eq!(
            p.seccomp
                .decide(clone, &args0(libc::SIGCHLD as u64), false)
                .action,
            Action::Deny { errno: libc::EPERM }
        );
        let thread = (libc::CLONE_THREAD | libc::CLONE_VM | libc::CLONE_SIGHAND) as u64;
        assert_eq!(act(&p, clone, &args0(thread), false), Action::Allow);
    }

    #[test]
    fn shell_plan_allows_fork_but_not_namespaces() {
        let p = plan("shell", &Overrides::default(), &facts());
        let clone = policy::syscall_nr("clone").unwrap_or(-1);
        assert_eq!(
            p.seccomp
                .decide(clone, &args0(libc::SIGCHLD as u64), false)
                .action,
            Action::Allow
        );
        let d = p.seccomp.decide(
            clone,
            &args0((libc::CLONE_NEWUSER | libc::SIGCHLD) as u64),
            false,
        );
        assert_eq!(d.action, Action::Deny { errno: libc::EPERM });
        assert_eq!(
            d.rule.map(|r| r.capability.as_str()),
            Some("sys.namespaces")
        );
        for name in [
            "unshare",
            "setns",
            "mount",
            "ptrace",
            "bpf",
            "keyctl",
            "perf_event_open",
            "userfaultfd",
            "io_uring_setup",
        ] {
            let nr = policy::syscall_nr(name).unwrap_or(-1);
            assert_eq!(
                p.seccomp.decide(nr, &ZERO, false).action,
                Action::Deny { errno: libc::EPERM },
                "{name} must be denied"
            );
        }
    }

    #[test]
    fn clone3_is_enosys_and_not_a_denial() {
        let p = plan("shell", &Overrides::default(), &facts());
        let nr = policy::syscall_nr("clone3").unwrap_or(-1);
        assert_eq!(
            p.seccomp.decide(nr, &ZERO, true).action,
            Action::Compat {
                errno: libc::ENOSYS
            }
        );
    }

    #[test]
    fn x32_numbers_are_killed() {
        let p = plan("shell", &Overrides::default(), &facts());
        assert_eq!(act(&p, 0x4000_0000, &ZERO, false), Action::Kill);
        assert_eq!(act(&p, 0x4000_0000 + 59, &ZERO, true), Action::Kill);
    }

    #[test]
    fn inet_sockets_need_net() {
        let socket = policy::syscall_nr("socket").unwrap_or(-1);
        let p = plan("python", &Overrides::default(), &facts());
        let d = p
            .seccomp
            .decide(socket, &args0(libc::AF_INET as u64), false);
        assert_eq!(d.action, Action::Deny { errno: libc::EPERM });
        assert_eq!(
            p.seccomp
                .decide(socket, &args0(libc::AF_UNIX as u64), false)
                .action,
            Action::Allow
        );
        let mut net = NetOverride::default();
        net.add("connect:443").expect("net");
        let o = Overrides {
            net: Some(net),
            ..Default::default()
        };
        let p = plan("python", &o, &facts());
        assert!(!p.private_net());
        assert!(p.landlock.net.restrict_tcp);
        assert_eq!(p.landlock.net.connect, vec![443]);
        assert!(p.landlock.net.bind.is_empty());
        let d = p
            .seccomp
            .decide(socket, &args0(libc::AF_INET as u64), false);
        assert_eq!(d.action, Action::Allow);
        assert_eq!(d.rule.map(|r| r.capability.as_str()), Some("host.net"));
        // Network-only files come with the network.
        assert!(p
            .landlock
            .fs
            .iter()
            .any(|r| r.path == Path::new("/etc/resolv.conf")));
    }

    #[test]
    fn maturity_gate() {
        use Maturity::*;
        let a = |m, host, proto, flag, env| admission("x", m, host, proto, flag, env);
        assert!(!a(Planned, true, true, true, true).admitted);
        let p = a(Prototype, true, false, true, true);
        assert!(!p.admitted, "trust does not admit a prototype");
        assert_eq!(p.by, "--allow-prototype");
        let p = a(Prototype, true, true, false, false);
        assert!(p.admitted);
        assert!(p.warning.expect("warning").contains("prototype"));
        let g = a(Guarded, true, false, false, false);
        assert!(!g.admitted);
        assert_eq!(g.by, "--trust or PHASE1_ALLOW_HOST_TOOLS=1");
        assert_eq!(a(Guarded, true, false, true, false).by, "--trust");
        assert_eq!(
            a(Guarded, true, false, false, true).by,
            "PHASE1_ALLOW_HOST_TOOLS=1"
        );
        assert!(a(Guarded, true, false, false, true).warning.is_some());
        let n = a(Guarded, false, false, false, false);
        assert!(
            n.admitted && n.warning.is_none(),
            "guarded without host software"
        );
        for m in [Documented, Stable] {
            let d = a(m, true, false, false, false);
            assert!(d.admitted && d.warning.is_none());
        }
        // The verdict is part of the plan, so explain shows it.
        let mut pr = MINIMAL_PROTOTYPE_FOR_GATE.to_string();
        pr.push('\n');
        let l = crate::manifest::parse("t.toml", &pr, &policies().group_names()).expect("manifest");
        let p = compile(&l, &policies(), &Overrides::default(), &facts()).expect("plan");
        assert!(!p.runtime.admission.admitted);
        let o = Overrides {
            allow_prototype: true,
            ..Default::default()
        };
        assert!(
            compile(&l, &policies(), &o, &facts())
                .expect("plan")
                .runtime
                .admission
                .admitted
        );
    }

    const MINIMAL_PROTOTYPE_FOR_GATE: &str =
        "name = \"t\"\ndescription = \"d\"\nmaturity = \"prototype\"\nprograms = [\"sh\"]";

    #[test]
    fn net_full_needs_trust_gate() {
        let mut net = NetOverride::default();
        net.add("full").expect("net");
        let o = Overrides {
            net: Some(net),
            ..Default::default()
        };
        let e = compile(&load("python"), &policies(), &o, &facts()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "net full (unrestricted host network): disabled; enable the trust gate with PHASE1_ALLOW_HOST_TOOLS=1 (or --trust)"
        );
        let mut f = facts();
        f.trust_gate = true;
        let p = compile(&load("python"), &policies(), &o, &f).expect("plan");
        assert!(!p.landlock.net.restrict_tcp);
        let o = Overrides { trust: true, ..o };
        let p = compile(&load("python"), &policies(), &o, &facts()).expect("plan");
        assert!(!p.landlock.net.restrict_tcp, "--trust is the same gate");
    }

    #[test]
    fn conflicting_net_values_are_rejected() {
        let mut n = NetOverride::default();
        n.add("connect:80").expect("first");
        n.add("bind:8080").expect("ports combine");
        let e = n.add("none").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--net none: conflicts with an earlier --net (connect:/bind: ports): give one of none, full, or ports"
        );
        let mut n = NetOverride::default();
        n.add("full").expect("first");
        assert!(n.add("none").is_err());
        n.add("full").expect("repeating is fine");
    }

    #[test]
    fn bad_net_values_are_rejected() {
        let mut n = NetOverride::default();
        assert!(n.add("connect:0").is_err());
        assert!(n.add("connect:http").is_err());
        assert!(n.add("udp:53").is_err());
        assert!(n.add("sometimes").is_err());
        n.add("bind:8080,8081").expect("bind");
        assert_eq!(n.bind, vec![8080, 8081]);
    }

    #[test]
    fn every_rule_has_a_capability() {
        for name in manifest::builtin_names() {
            let p = plan(name, &Overrides::default(), &facts());
            assert!(p
                .landlock
                .fs
                .iter()
                .all(|r| !r.capability.is_empty() && !r.source.is_empty()));
            assert!(p
                .seccomp
                .rules
                .iter()
                .all(|r| !r.capability.is_empty() && r.nr >= 0));
        }
    }

    #[test]
    fn system_trees_executable_only_with_spawn_any() {
        let p = plan("python", &Overrides::default(), &facts());
        let usr = p
            .landlock
            .fs
            .iter()
            .find(|r| r.path == Path::new("/usr"))
            .expect("/usr");
        assert_eq!(usr.access, vec![FsAccess::Read]);
        // The command itself and the loader are executable.
        assert!(p
            .landlock
            .fs
            .iter()
            .any(|r| r.path == Path::new("/usr/bin/python3.11")
                && r.access.contains(&FsAccess::Exec)));
        let p = plan("shell", &Overrides::default(), &facts());
        let usr = p
            .landlock
            .fs
            .iter()
            .find(|r| r.path == Path::new("/usr"))
            .expect("/usr");
        assert_eq!(usr.access, vec![FsAccess::Read, FsAccess::Exec]);
        assert_eq!(usr.capability, "proc.spawn");
    }

    #[test]
    fn shadow_is_never_granted() {
        for name in manifest::builtin_names() {
            let p = plan(name, &Overrides::default(), &facts());
            assert!(
                !p.landlock
                    .fs
                    .iter()
                    .any(|r| Path::new("/etc/shadow").starts_with(&r.path)),
                "{name} grants /etc/shadow"
            );
        }
    }

    #[test]
    fn manifest_paths_expand_and_cite_their_line() {
        let p = plan("rust", &Overrides::default(), &facts());
        let r = p
            .landlock
            .fs
            .iter()
            .find(|r| r.path == Path::new("/home/u/.rustup"))
            .expect("rustup rule");
        assert!(r.optional);
        assert!(
            r.source.contains("rust.toml") && r.source.contains("fs.read"),
            "{}",
            r.source
        );
        let w = p
            .landlock
            .fs
            .iter()
            .find(|r| r.path == Path::new("/work/proj") && r.access.contains(&FsAccess::Write))
            .expect("cwd writable");
        assert!(!w.optional);
        assert!(p
            .env
            .iter()
            .any(|(k, v)| k == "CARGO_HOME" && v == "/home/u/.cargo"));
        let path = &p.env.iter().find(|(k, _)| k == "PATH").expect("PATH").1;
        assert!(path.starts_with("/home/u/.cargo/bin:"), "{path}");
    }

    #[test]
    fn environment_is_an_allowlist() {
        let p = plan("python", &Overrides::default(), &facts());
        let keys: Vec<&str> = p.env.iter().map(|(k, _)| k.as_str()).collect();
        assert!(!keys.contains(&"AWS_SECRET_ACCESS_KEY"));
        assert!(keys.contains(&"LANG"));
        assert!(p
            .env
            .iter()
            .any(|(k, v)| k == "HOME" && v == "/tmp/phase1_abc"));
        assert!(p
            .env
            .iter()
            .any(|(k, v)| k == "PHASE1_GUARDED_EXEC" && v == "1"));
        let o = Overrides {
            env: vec!["AWS_SECRET_ACCESS_KEY".into(), "X=1".into()],
            ..Default::default()
        };
        let p = plan("python", &o, &facts());
        assert!(p.env.iter().any(|(k, _)| k == "AWS_SECRET_ACCESS_KEY"));
        assert!(p.env.iter().any(|(k, v)| k == "X" && v == "1"));
        let o = Overrides {
            env: vec!["=1".into()],
            ..Default::default()
        };
        assert!(compile(&load("python"), &policies(), &o, &facts()).is_err());
    }

    /// The plan's carry-over mounts: (path, writable).
    fn carry_overs(p: &Plan) -> Vec<(&Path, bool)> {
        p.mounts
            .iter()
            .filter_map(|m| match m {
                MountStep::CarryOver { path, writable } => Some((path.as_path(), *writable)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn paths_under_tmp_are_carried_over_with_their_writability() {
        let mut f = facts();
        f.cwd = "/tmp/proj".into();
        let o = Overrides {
            allow_write: vec!["/tmp/proj/out".into(), "/tmp/other".into()],
            allow_read: vec!["/tmp/proj/out/sub".into(), "/tmp/proj/docs".into()],
            ..Default::default()
        };
        let p = plan("python", &o, &f);
        let carried = carry_overs(&p);
        // /tmp/proj (${CWD}, read-only) first, the writable /tmp/proj/out on top;
        // /tmp/proj/docs and /tmp/proj/out/sub come with their parents.
        assert_eq!(
            carried,
            vec![
                (Path::new("/tmp/other"), true),
                (Path::new("/tmp/proj"), false),
                (Path::new("/tmp/proj/out"), true),
            ]
        );
        // The tmpfs comes before the carried paths, the private HOME last.
        let pos = |want: &dyn Fn(&MountStep) -> bool| {
            p.mounts.iter().position(want).unwrap_or(usize::MAX)
        };
        assert!(
            pos(&|m| matches!(m, MountStep::Tmpfs { .. }))
                < pos(&|m| matches!(m, MountStep::CarryOver { .. }))
        );
        assert!(matches!(p.mounts.last(), Some(MountStep::MakeDir { .. })));
        // The dry-run check knows which binds refuse writes in enforce mode.
        let l = &p.landlock;
        assert!(l
            .allows(Path::new("/tmp/proj/x"), FsAccess::Write)
            .is_none());
        assert!(l
            .allows(Path::new("/tmp/proj/out/x"), FsAccess::Write)
            .is_some());
        assert!(l.allows(Path::new("/tmp/proj/x"), FsAccess::Read).is_some());
        // Dry-run blocks nothing: the binds are writable (the check is the same).
        let o = Overrides { dry_run: true, ..o };
        let p = plan("python", &o, &f);
        assert!(p
            .landlock
            .allows(Path::new("/tmp/proj/x"), FsAccess::Write)
            .is_none());
        let carried = carry_overs(&p);
        assert_eq!(
            carried,
            vec![
                (Path::new("/tmp/other"), true),
                (Path::new("/tmp/proj"), true),
                (Path::new("/tmp/proj/out"), true),
            ]
        );
    }

    #[test]
    fn undeclared_cwd_under_tmp_is_not_carried() {
        let mut f = facts();
        f.cwd = "/tmp/secret".into();
        let policies = policies();
        let text =
            "name = \"t\"\ndescription = \"d\"\nmaturity = \"prototype\"\nprograms = [\"sh\"]\n";
        let l = manifest::parse("t.toml", text, &policies.group_names()).expect("manifest");
        let p = compile(&l, &policies, &Overrides::default(), &f).expect("plan");
        assert!(!p
            .mounts
            .iter()
            .any(|m| matches!(m, MountStep::CarryOver { .. })));
    }

    #[test]
    fn relative_override_paths_are_rejected() {
        let o = Overrides {
            allow_write: vec!["rel".into()],
            ..Default::default()
        };
        let e = compile(&load("python"), &policies(), &o, &facts()).unwrap_err();
        assert!(e.to_string().starts_with("--allow-write rel:"), "{e}");
    }

    #[test]
    fn pids_mechanism_depends_on_uid() {
        let p = plan("shell", &Overrides::default(), &facts());
        assert_eq!(p.pids.mechanism, PidsMechanism::RlimitNproc);
        assert!(p
            .rlimits
            .iter()
            .any(|r| r.resource == "nproc" && r.value == 64));
        let mut f = facts();
        f.uid = 0;
        let p = plan(
            "shell",
            &Overrides {
                pids: Some(10),
                ..Default::default()
            },
            &f,
        );
        assert_eq!(p.pids.mechanism, PidsMechanism::Cgroup);
        assert_eq!(p.pids.max, 10);
        assert!(!p.rlimits.iter().any(|r| r.resource == "nproc"));
    }

    #[test]
    fn declared_groups_are_allowed() {
        let policies = policies();
        let text = "name = \"dbg\"\ndescription = \"d\"\nmaturity = \"prototype\"\nprograms = [\"gdb\"]\nextra_syscall_groups = [\"ptrace\"]\n";
        let l = manifest::parse("dbg.toml", text, &policies.group_names()).expect("manifest");
        let p = compile(&l, &policies, &Overrides::default(), &facts()).expect("plan");
        let d = p
            .seccomp
            .decide(policy::syscall_nr("ptrace").unwrap_or(-1), &ZERO, false);
        assert_eq!(d.action, Action::Allow);
        assert_eq!(d.rule.map(|r| r.capability.as_str()), Some("sys.ptrace"));
    }

    #[test]
    fn planned_runtimes_do_not_run() {
        let policies = policies();
        let text = "name = \"wasm\"\ndescription = \"d\"\nmaturity = \"planned\"\nprograms = [\"wasmtime\"]\n";
        let l = manifest::parse("wasm.toml", text, &policies.group_names()).expect("manifest");
        let e = compile(&l, &policies, &Overrides::default(), &facts()).unwrap_err();
        assert!(e.to_string().contains("is `planned`"), "{e}");
    }

    #[test]
    fn spawns_are_observed_and_dry_run_observes_writes() {
        let p = plan("python", &Overrides::default(), &facts());
        let nr = |n| policy::syscall_nr(n).unwrap_or(-1);
        assert_eq!(act(&p, nr("execve"), &ZERO, true), Action::Observe);
        // Without a listener an observed syscall simply runs.
        assert_eq!(act(&p, nr("execve"), &ZERO, false), Action::Allow);
        // Enforced runs never notify opens.
        assert_eq!(
            p.seccomp
                .decide(nr("openat"), &[0, 0, libc::O_WRONLY as u64, 0, 0, 0], true)
                .action,
            Action::Allow
        );
        let d = plan(
            "python",
            &Overrides {
                dry_run: true,
                ..Default::default()
            },
            &facts(),
        );
        assert!(d.dry_run);
        let openat = nr("openat");
        assert_eq!(
            d.seccomp
                .decide(openat, &[0, 0, libc::O_RDONLY as u64, 0, 0, 0], true)
                .action,
            Action::Allow
        );
        for f in [
            libc::O_WRONLY,
            libc::O_RDWR | libc::O_CLOEXEC,
            libc::O_CREAT | libc::O_WRONLY,
            libc::O_TRUNC,
        ] {
            assert_eq!(
                d.seccomp
                    .decide(openat, &[0, 0, f as u64, 0, 0, 0], true)
                    .action,
                Action::Observe,
                "flags {f:#x}"
            );
        }
        assert_eq!(act(&d, nr("unlinkat"), &ZERO, true), Action::Observe);
        assert_eq!(act(&d, nr("connect"), &ZERO, true), Action::Observe);
        // Denials stay denials in the plan; the monitor turns them into would_deny.
        assert_eq!(
            act(&d, nr("ptrace"), &ZERO, true),
            Action::Deny { errno: libc::EPERM }
        );
    }

    #[test]
    fn landlock_allows_matches_rules_lexically() {
        let p = plan(
            "python",
            &Overrides {
                allow_write: vec!["/work/out".into()],
                ..Default::default()
            },
            &facts(),
        );
        let l = &p.landlock;
        assert!(l
            .allows(Path::new("/work/proj/a.py"), FsAccess::Read)
            .is_some());
        assert!(l
            .allows(Path::new("/work/proj/a.py"), FsAccess::Write)
            .is_none());
        assert!(l
            .allows(Path::new("/work/out/x"), FsAccess::Write)
            .is_some());
        assert!(l
            .allows(Path::new("/work/out/../proj/x"), FsAccess::Write)
            .is_none());
        assert!(l.allows(Path::new("/etc/shadow"), FsAccess::Read).is_none());
        assert!(l
            .allows(Path::new("/tmp/phase1_abc/f"), FsAccess::Write)
            .is_some());
        assert!(!l.allows_tcp(443, false));
    }

    #[test]
    fn missing_capabilities_are_named() {
        let pol = policies();
        let p = plan("python", &Overrides::default(), &facts());
        let nr = |n: &str| policy::syscall_nr(n).unwrap_or(-1);
        let cap = |name: &str, args: [u64; 6]| {
            let d = p.seccomp.decide(nr(name), &args, true);
            missing_capability(&pol, &d, name, &args)
        };
        assert_eq!(
            cap("ptrace", ZERO),
            ("sys.ptrace".into(), Some("ptrace".into()))
        );
        assert_eq!(cap("socket", args0(libc::AF_INET as u64)).0, "host.net");
        assert_eq!(
            cap("clone", args0(libc::SIGCHLD as u64)),
            ("proc.spawn".into(), Some("spawn".into()))
        );
        assert_eq!(
            cap("fork", ZERO),
            ("proc.spawn".into(), Some("spawn".into()))
        );
        assert_eq!(
            cap(
                "clone",
                args0((libc::CLONE_NEWUSER | libc::CLONE_THREAD) as u64)
            ),
            ("sys.namespaces".into(), Some("namespaces".into()))
        );
        assert!(cap("kexec_load", ZERO).0.starts_with("none"));
    }

    #[test]
    fn digest_is_stable_and_sensitive() {
        let a = plan("python", &Overrides::default(), &facts());
        let b = plan("python", &Overrides::default(), &facts());
        assert_eq!(a.digest(), b.digest());
        assert_eq!(a.digest().len(), 64);
        let c = plan(
            "python",
            &Overrides {
                allow_read: vec!["/srv".into()],
                ..Default::default()
            },
            &facts(),
        );
        assert_ne!(a.digest(), c.digest());
    }
}
