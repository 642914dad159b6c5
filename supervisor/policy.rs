//! Shared policy data from `policies/`: syscall groups and baseline filesystem rules.

use crate::syscall_table::{SYSCALLS, SYSCALLS_EXTRA};
use crate::tomlfile::{self, locate, Located, TomlError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

const BUILTIN_SYSCALLS: &str = include_str!("../policies/syscalls.toml");
const BUILTIN_BASELINE: &str = include_str!("../policies/baseline.toml");

/// Errors loading policy data.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Not valid TOML or not the expected shape.
    #[error(transparent)]
    Parse(#[from] TomlError),
    /// A value that parsed but is not acceptable.
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Located,
        /// What.
        message: String,
    },
    /// A file could not be read.
    #[error("{path}: cannot read policy file: {source}")]
    Read {
        /// File.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// One syscall group as written in policies/syscalls.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyscallGroup {
    /// Capability that grants the group.
    pub capability: String,
    /// Part of every plan.
    #[serde(default)]
    pub always: bool,
    /// For humans.
    pub description: String,
    /// Syscall names.
    pub syscalls: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyscallsFile {
    groups: BTreeMap<String, SyscallGroup>,
}

/// Access a baseline rule grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Read files, list directories.
    Read,
    /// Create, change, remove.
    Write,
    /// Execute.
    Exec,
}

/// One `[[rule]]` of policies/baseline.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineRule {
    /// Absolute path.
    pub path: Spanned<String>,
    /// Access granted.
    pub access: Vec<Access>,
    /// May be absent on the host.
    #[serde(default)]
    pub optional: bool,
    /// Why it is there.
    #[serde(default)]
    pub why: Option<String>,
}

/// policies/baseline.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Landlock ABI the rules are written for: every access right of this ABI
    /// is handled, and the run is refused if the kernel cannot enforce them all.
    #[serde(default = "default_abi")]
    pub landlock_abi: u8,
    /// System trees: readable always, executable with spawn = "any".
    pub system: Vec<String>,
    /// Dynamic loader candidates.
    pub loader: Vec<String>,
    /// Always-present rules.
    pub rule: Vec<BaselineRule>,
    /// Rules present when the runtime declares network access.
    #[serde(default)]
    pub net_rule: Vec<BaselineRule>,
}

fn default_abi() -> u8 {
    crate::plan::LANDLOCK_ABI
}

/// All policy data.
#[derive(Debug, Clone)]
pub struct Policies {
    /// Syscall groups by name.
    pub groups: BTreeMap<String, SyscallGroup>,
    /// Baseline filesystem rules.
    pub baseline: Baseline,
}

/// Every known syscall as (name, number), names without the `SYS_` prefix.
fn all_syscalls() -> impl Iterator<Item = (&'static str, i64)> {
    SYSCALLS
        .iter()
        .chain(SYSCALLS_EXTRA)
        .map(|(n, nr)| (n.strip_prefix("SYS_").unwrap_or(n), *nr))
}

/// The number of a syscall by name (x86_64).
pub fn syscall_nr(name: &str) -> Option<i64> {
    all_syscalls().find(|(n, _)| *n == name).map(|(_, nr)| nr)
}

/// The name of a syscall by number (x86_64).
pub fn syscall_name(nr: i64) -> Option<&'static str> {
    all_syscalls().find(|(_, n)| *n == nr).map(|(name, _)| name)
}

impl Policies {
    /// The policy files compiled into the binary.
    pub fn builtin() -> Result<Self, PolicyError> {
        Self::parse(
            ("policies/syscalls.toml (built-in)", BUILTIN_SYSCALLS),
            ("policies/baseline.toml (built-in)", BUILTIN_BASELINE),
        )
    }

    /// Policy files from a directory (`--policies-dir`).
    pub fn from_dir(dir: &Path) -> Result<Self, PolicyError> {
        let read = |name: &str| {
            let p = dir.join(name);
            tomlfile::read_limited(&p)
                .map(|t| (p.display().to_string(), t))
                .map_err(|source| PolicyError::Read {
                    path: p.display().to_string(),
                    source,
                })
        };
        let (sf, st) = read("syscalls.toml")?;
        let (bf, bt) = read("baseline.toml")?;
        Self::parse((&sf, &st), (&bf, &bt))
    }

    fn parse(syscalls: (&str, &str), baseline: (&str, &str)) -> Result<Self, PolicyError> {
        let sf: SyscallsFile = tomlfile::parse(syscalls.0, syscalls.1)?;
        for group in sf.groups.values() {
            for s in &group.syscalls {
                if syscall_nr(s.get_ref()).is_none() {
                    return Err(PolicyError::Invalid {
                        at: locate(syscalls.0, syscalls.1, s.span().start),
                        message: format!("unknown syscall `{}` (x86_64)", s.get_ref()),
                    });
                }
            }
        }
        let b: Baseline = tomlfile::parse(baseline.0, baseline.1)?;
        if !(4..=10).contains(&b.landlock_abi) {
            let offset = baseline.1.find("landlock_abi").unwrap_or(0);
            return Err(PolicyError::Invalid {
                at: locate(baseline.0, baseline.1, offset),
                message: format!(
                    "landlock_abi = {}: must be 4 (TCP rules) to 10",
                    b.landlock_abi
                ),
            });
        }
        for r in b.rule.iter().chain(&b.net_rule) {
            let path = r.path.get_ref();
            if !path.starts_with('/') || path.split('/').any(|c| c == "..") {
                return Err(PolicyError::Invalid {
                    at: locate(baseline.0, baseline.1, r.path.span().start),
                    message: format!("path `{path}` must be absolute, without `..`"),
                });
            }
        }
        Ok(Policies {
            groups: sf.groups,
            baseline: b,
        })
    }

    /// Names of all syscall groups.
    pub fn group_names(&self) -> Vec<String> {
        self.groups.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Property test: mutated policy files never panic the parser, and every
    /// error names the file and a line.
    #[test]
    fn mutated_policies_fail_with_file_and_line() {
        let mut rng = crate::manifest::tests::Rng(0x9e37_79b9_7f4a_7c15);
        for i in 0..1500 {
            let (which, base) = if i % 2 == 0 {
                ("s.toml", BUILTIN_SYSCALLS)
            } else {
                ("b.toml", BUILTIN_BASELINE)
            };
            let text = rng.mutate(base);
            let (s, b) = if which == "s.toml" {
                (("s.toml", text.as_str()), ("b.toml", BUILTIN_BASELINE))
            } else {
                (("s.toml", BUILTIN_SYSCALLS), ("b.toml", text.as_str()))
            };
            if let Err(e) = Policies::parse(s, b) {
                crate::manifest::tests::assert_located(&e.to_string(), which, &text);
            }
        }
    }

    #[test]
    fn builtin_policies_parse_and_every_syscall_is_known() {
        let p = Policies::builtin().expect("builtin policies");
        assert!(p.groups.contains_key("base"));
        assert!(p.groups["base"].always);
        assert!(!p.groups["ptrace"].always);
    }

    #[test]
    fn table_round_trips() {
        assert_eq!(syscall_nr("read"), Some(0));
        assert_eq!(syscall_nr("clone3"), Some(435));
        assert_eq!(syscall_name(101), Some("ptrace"));
        assert_eq!(syscall_nr("mseal"), Some(462));
        assert_eq!(syscall_nr("nope"), None);
    }

    #[test]
    fn unknown_syscall_in_group_names_line() {
        let text = "[groups.x]\ncapability = \"c\"\ndescription = \"d\"\nsyscalls = [\"read\",\n \"reed\"]\n";
        let e = Policies::parse(("s.toml", text), ("b.toml", BUILTIN_BASELINE))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.toml:5:"), "{e}");
        assert!(e.contains("unknown syscall `reed`"), "{e}");
    }
}
