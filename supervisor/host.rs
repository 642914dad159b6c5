//! Gathering the host facts a plan depends on (the I/O half of deciding):
//! working directory, home, ids, environment, and programs resolved on the
//! sandbox's PATH. Also the post-compile check that required paths exist.

use crate::manifest::LoadedManifest;
use crate::plan::{HostFacts, Plan, SYSTEM_PATH};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Errors gathering facts. Exit 2, except a missing command (127).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The command is not on the sandbox PATH.
    #[error("{name}: command not found on the sandbox PATH ({path})")]
    CommandNotFound {
        /// As typed.
        name: String,
        /// PATH searched.
        path: String,
    },
    /// A runtime program is missing.
    #[error("{file}: programs: `{name}` not found on the sandbox PATH ({path}); is the runtime installed?")]
    ProgramNotFound {
        /// Manifest.
        file: String,
        /// Program.
        name: String,
        /// PATH.
        path: String,
    },
    /// A required path does not exist.
    #[error("{source_key}: {path}: no such file or directory (mark manifest paths optional with a trailing '?')")]
    MissingPath {
        /// Path.
        path: PathBuf,
        /// Where it came from.
        source_key: String,
    },
    /// The working directory is unusable.
    #[error("cannot determine the working directory: {0}")]
    Cwd(std::io::Error),
    /// A `[wasm]` runtime found none of its engines.
    #[error("{file}: no WebAssembly engine installed: looked for {looked} on the sandbox PATH ({path}); install wasmtime, or Node.js 20+ (built-in WASI)")]
    NoWasmEngine {
        /// Manifest.
        file: String,
        /// Engines looked for.
        looked: String,
        /// PATH.
        path: String,
    },
    /// No command was given.
    #[error("no command given (usage: phase1-supervise run [OPTIONS] -- CMD [ARGS...])")]
    NoCommand,
}

impl HostError {
    /// Process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            HostError::CommandNotFound { .. } | HostError::NoWasmEngine { .. } => 127,
            _ => 2,
        }
    }
}

fn is_executable_file(p: &Path) -> bool {
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Resolve a program name on a PATH string (names with '/' are taken relative to `cwd`).
pub fn resolve(name: &str, path: &str, cwd: &Path) -> Option<PathBuf> {
    if name.contains('/') {
        let p = cwd.join(name);
        return is_executable_file(&p).then_some(p);
    }
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| is_executable_file(p))
}

/// The existing directories a manifest declares (fs.read, fs.write, fs.exec;
/// `${CWD}`/`${HOME}` expanded, optional `?` paths skipped when absent),
/// followed by `extra`.
pub fn declared_dirs(
    m: &LoadedManifest,
    cwd: &Path,
    home: &Path,
    extra: &[PathBuf],
) -> Vec<PathBuf> {
    let fs = &m.manifest.fs;
    fs.read
        .iter()
        .chain(&fs.write)
        .chain(&fs.exec)
        .map(|p| PathBuf::from(expand(p.get_ref().trim_end_matches('?'), cwd, home)))
        .chain(extra.iter().cloned())
        .filter(|p| p.is_dir())
        .collect()
}

fn expand(s: &str, cwd: &Path, home: &Path) -> String {
    s.replace("${CWD}", &cwd.to_string_lossy())
        .replace("${HOME}", &home.to_string_lossy())
}

/// Random hex nonce.
pub fn nonce() -> String {
    let mut b = [0u8; 8];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut b);
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The sandbox PATH for a manifest.
pub fn sandbox_path(m: &LoadedManifest, cwd: &Path, home: &Path) -> String {
    let mut p = String::new();
    for d in &m.manifest.env.path_prepend {
        p.push_str(&expand(d.get_ref(), cwd, home));
        p.push(':');
    }
    p.push_str(SYSTEM_PATH);
    p
}

/// The invoking user's home: $HOME, else the password database, else "/".
pub fn home_dir(uid: u32) -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                .ok()
                .flatten()
                .map(|u| u.dir)
        })
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// The engine of a `[wasm]` runtime: the first of `wasm.engines` found on the
/// sandbox PATH. `Ok(None)` for a runtime without `[wasm]`.
pub fn find_engine(
    m: &LoadedManifest,
    cwd: &Path,
    home: &Path,
) -> Result<Option<(crate::wasm::EngineKind, String, PathBuf)>, HostError> {
    let Some(w) = &m.manifest.wasm else {
        return Ok(None);
    };
    let path = sandbox_path(m, cwd, home);
    for e in &w.engines {
        let name = expand(e.get_ref(), cwd, home);
        let found = if name.starts_with('/') {
            Some(PathBuf::from(&name)).filter(|p| is_executable_file(p))
        } else {
            resolve(&name, &path, cwd)
        };
        if let (Some(found), Some(kind)) = (found, crate::wasm::EngineKind::of(&name)) {
            return Ok(Some((kind, name, found)));
        }
    }
    Err(HostError::NoWasmEngine {
        file: m.file.clone(),
        looked: w
            .engines
            .iter()
            .map(|e| e.get_ref().as_str())
            .collect::<Vec<_>>()
            .join(", "),
        path,
    })
}

/// Gather facts for running `argv` under manifest `m`.
pub fn gather(m: &LoadedManifest, argv: &[String]) -> Result<HostFacts, HostError> {
    let first = argv.first().ok_or(HostError::NoCommand)?;
    let cwd = std::env::current_dir().map_err(HostError::Cwd)?;
    let uid = nix::unistd::geteuid().as_raw();
    let gid = nix::unistd::getegid().as_raw();
    let home = home_dir(uid);
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let path = sandbox_path(m, &cwd, &home);
    let program = resolve(first, &path, &cwd).ok_or_else(|| HostError::CommandNotFound {
        name: first.clone(),
        path: path.clone(),
    })?;
    let mut runtime_programs = Vec::new();
    for p in &m.manifest.programs {
        let name = expand(p.get_ref(), &cwd, &home);
        let found = resolve(&name, &path, &cwd).ok_or_else(|| HostError::ProgramNotFound {
            file: m.file.clone(),
            name: name.clone(),
            path: path.clone(),
        })?;
        runtime_programs.push((name, Some(found)));
    }
    if let Some((_, name, found)) = find_engine(m, &cwd, &home)? {
        runtime_programs.push((name, Some(found)));
    }
    let spawn_programs = m
        .manifest
        .spawn
        .programs
        .iter()
        .map(|p| {
            let name = expand(p.get_ref(), &cwd, &home);
            let found = if name.starts_with('/') {
                Some(PathBuf::from(&name)).filter(|p| p.exists())
            } else {
                resolve(&name, &path, &cwd)
            };
            (name, found)
        })
        .collect();
    Ok(HostFacts {
        cwd,
        home,
        uid,
        gid,
        trust_gate: env.get("PHASE1_ALLOW_HOST_TOOLS").map(String::as_str) == Some("1"),
        env,
        program,
        argv: argv.to_vec(),
        runtime_programs,
        spawn_programs,
        nonce: nonce(),
    })
}

/// Make a command-line path absolute against `cwd`.
pub fn absolute(p: &Path, cwd: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

/// Every non-optional filesystem rule must name an existing path.
/// Resolve symbolic links in the plan's filesystem rules: Landlock attaches a
/// rule to the file a path leads to, so the plan shows that file, and the
/// rule's source says which symlink led there (`..` components and `.` are
/// resolved the same way). Absent optional paths are left as they are.
pub fn resolve_symlinks(plan: &mut Plan) {
    for r in &mut plan.landlock.fs {
        if let Ok(real) = std::fs::canonicalize(&r.path) {
            if real != r.path {
                r.source = format!(
                    "{} ({} resolves to {})",
                    r.source,
                    r.path.display(),
                    real.display()
                );
                r.path = real;
            }
        }
    }
}

/// Fail when a required (not optional) path of the plan does not exist.
pub fn check_paths(plan: &Plan) -> Result<(), HostError> {
    for r in &plan.landlock.fs {
        if !r.optional && !r.path.exists() {
            return Err(HostError::MissingPath {
                path: r.path.clone(),
                source_key: r.source.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_on_path() {
        let p = resolve("sh", SYSTEM_PATH, Path::new("/")).expect("sh");
        assert!(p.ends_with("sh"));
        assert!(resolve("definitely-not-a-program-p1", SYSTEM_PATH, Path::new("/")).is_none());
        assert_eq!(
            resolve("/bin/sh", "", Path::new("/x")),
            Some(PathBuf::from("/bin/sh"))
        );
    }

    #[test]
    fn nonce_is_hex() {
        let n = nonce();
        assert_eq!(n.len(), 16);
        assert!(n.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
