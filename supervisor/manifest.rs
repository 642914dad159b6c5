//! Runtime manifests (`runtimes/<name>.toml`): what a runtime executes and which
//! capabilities it declares. Parsed with serde, then validated in a separate
//! pass that names the file, line and key of every problem.

use crate::tomlfile::{self, locate, Located, TomlError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Built-in copies of the shipped manifests, so the binary works from any directory.
const BUILTIN: &[(&str, &str)] = &[
    ("shell", include_str!("../runtimes/shell.toml")),
    ("python", include_str!("../runtimes/python.toml")),
    ("node", include_str!("../runtimes/node.toml")),
    ("rust", include_str!("../runtimes/rust.toml")),
    ("wasm", include_str!("../runtimes/wasm.toml")),
];

/// Errors loading or validating a manifest.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file is not valid TOML or does not fit the schema.
    #[error(transparent)]
    Parse(#[from] TomlError),
    /// The file parsed but a value is not acceptable.
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Located,
        /// What is wrong.
        message: String,
    },
    /// The manifest file could not be read.
    #[error("{path}: cannot read runtime manifest: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No manifest of that name.
    #[error("unknown runtime `{name}` (known: {known})")]
    Unknown {
        /// Requested name.
        name: String,
        /// Names that exist.
        known: String,
    },
}

/// Maturity label of a runtime (Phase1's labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Maturity {
    /// Declared, not usable yet.
    Planned,
    /// Works for the authors, rough edges.
    Prototype,
    /// Runs under the supervisor with a reviewed policy.
    Guarded,
    /// Guarded and documented.
    Documented,
    /// Relied upon.
    Stable,
}

impl Maturity {
    /// The label as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Maturity::Planned => "planned",
            Maturity::Prototype => "prototype",
            Maturity::Guarded => "guarded",
            Maturity::Documented => "documented",
            Maturity::Stable => "stable",
        }
    }
}

/// Network mode a runtime declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NetMode {
    /// No network: private network namespace, no TCP, no inet sockets.
    #[default]
    None,
    /// Host network, TCP limited to the listed ports by Landlock.
    Tcp,
    /// Host network without restriction (guarded by the trust gate).
    Full,
}

/// Process-spawning mode a runtime declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SpawnMode {
    /// No new processes (threads are fine).
    #[default]
    None,
    /// New processes, executing only the listed programs.
    Programs,
    /// New processes running any host program under the system trees.
    Any,
}

/// `[fs]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FsDecl {
    /// Readable paths.
    #[serde(default)]
    pub read: Vec<Spanned<String>>,
    /// Writable (and readable) paths.
    #[serde(default)]
    pub write: Vec<Spanned<String>>,
    /// Readable and executable paths.
    #[serde(default)]
    pub exec: Vec<Spanned<String>>,
}

/// `[net]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetDecl {
    /// Mode.
    #[serde(default)]
    pub mode: NetMode,
    /// TCP ports that may be connected to (mode = "tcp").
    #[serde(default)]
    pub connect: Vec<u16>,
    /// TCP ports that may be bound (mode = "tcp").
    #[serde(default)]
    pub bind: Vec<u16>,
}

/// `[spawn]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpawnDecl {
    /// Mode.
    #[serde(default)]
    pub mode: SpawnMode,
    /// Programs (names on PATH, files or directories) for mode = "programs".
    #[serde(default)]
    pub programs: Vec<Spanned<String>>,
}

/// `[limits]` table. Absent values take the defaults below.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Maximum number of processes and threads in the sandbox.
    #[serde(default = "default_pids")]
    pub pids: Spanned<u32>,
    /// Maximum open files per process.
    #[serde(default = "default_nofile")]
    pub nofile: u64,
    /// CPU seconds per process.
    #[serde(default = "default_cpu")]
    pub cpu_seconds: u64,
    /// Largest file a process may write, MiB.
    #[serde(default = "default_fsize")]
    pub file_size_mb: u64,
    /// Address-space limit per process, MiB (RLIMIT_AS); absent = unlimited.
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// Wall-clock limit for the whole run, seconds; absent = none.
    #[serde(default)]
    pub wall_seconds: Option<u64>,
}

fn default_pids() -> Spanned<u32> {
    Spanned::new(0..0, 64)
}
fn default_nofile() -> u64 {
    1024
}
fn default_cpu() -> u64 {
    600
}
fn default_fsize() -> u64 {
    1024
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            pids: default_pids(),
            nofile: default_nofile(),
            cpu_seconds: default_cpu(),
            file_size_mb: default_fsize(),
            memory_mb: None,
            wall_seconds: None,
        }
    }
}

/// `[env]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvDecl {
    /// Host variables passed through when set.
    #[serde(default)]
    pub pass: Vec<Spanned<String>>,
    /// Variables set to these values (`${HOME}`, `${CWD}` expand to the host's).
    #[serde(default)]
    pub set: BTreeMap<String, Spanned<String>>,
    /// Directories put in front of the sandbox's PATH.
    #[serde(default)]
    pub path_prepend: Vec<Spanned<String>>,
}

/// `[wasm]` table: the runtime runs WebAssembly modules with a host engine.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasmDecl {
    /// Host engines in order of preference (`wasmtime`, `node`, or paths to
    /// them); the first found on the sandbox PATH runs the module.
    pub engines: Vec<Spanned<String>>,
}

/// A runtime manifest as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Runtime name; must match the file name.
    pub name: Spanned<String>,
    /// One line for humans.
    pub description: String,
    /// Maturity label.
    pub maturity: Maturity,
    /// Programs the runtime executes (names on PATH or absolute paths); for a
    /// `[wasm]` runtime, the engine found from `wasm.engines`.
    #[serde(default)]
    pub programs: Vec<Spanned<String>>,
    /// Whether the runtime uses host-installed software or host state.
    #[serde(default)]
    pub host: bool,
    /// Filesystem capabilities.
    #[serde(default)]
    pub fs: FsDecl,
    /// Network capability.
    #[serde(default)]
    pub net: NetDecl,
    /// Process-spawning capability.
    #[serde(default)]
    pub spawn: SpawnDecl,
    /// Resource limits.
    #[serde(default)]
    pub limits: Limits,
    /// Environment.
    #[serde(default)]
    pub env: EnvDecl,
    /// Extra syscall groups from policies/syscalls.toml (e.g. "ptrace").
    #[serde(default)]
    pub extra_syscall_groups: Vec<Spanned<String>>,
    /// WebAssembly engine selection (the `wasm` runtime).
    #[serde(default)]
    pub wasm: Option<WasmDecl>,
}

/// A manifest together with where it came from (for error messages).
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    /// The parsed manifest.
    pub manifest: Manifest,
    /// File label used in messages.
    pub file: String,
    /// The text, kept to turn spans into lines.
    pub text: String,
}

impl LoadedManifest {
    /// Location of a span inside this manifest.
    pub fn at(&self, span: std::ops::Range<usize>) -> Located {
        locate(&self.file, &self.text, span.start)
    }

    fn invalid(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> ManifestError {
        ManifestError::Invalid {
            at: self.at(span),
            message: message.into(),
        }
    }
}

/// Variables a path or value may use.
pub const VARIABLES: &[&str] = &["CWD", "HOME"];

/// Check that `${...}` references in `value` name known variables; returns the bad one.
pub fn unknown_variable(value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Some(after.to_string());
        };
        let var = &after[..end];
        if !VARIABLES.contains(&var) {
            return Some(var.to_string());
        }
        rest = &after[end + 1..];
    }
    None
}

/// Parse and validate manifest text.
pub fn parse(
    file: &str,
    text: &str,
    group_names: &[String],
) -> Result<LoadedManifest, ManifestError> {
    let manifest: Manifest = tomlfile::parse(file, text)?;
    let loaded = LoadedManifest {
        manifest,
        file: file.to_string(),
        text: text.to_string(),
    };
    validate(&loaded, group_names)?;
    Ok(loaded)
}

/// The validation pass: everything serde cannot check.
fn validate(l: &LoadedManifest, group_names: &[String]) -> Result<(), ManifestError> {
    let m = &l.manifest;
    let name = m.name.get_ref();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(l.invalid(
            m.name.span(),
            format!("runtime name `{name}` must be lowercase letters, digits, '-' or '_'"),
        ));
    }
    if let Some(stem) = Path::new(&l.file)
        .file_name()
        .and_then(|f| f.to_str())
        .and_then(|f| f.split(' ').next())
        .and_then(|f| f.strip_suffix(".toml"))
    {
        if stem != name {
            return Err(l.invalid(
                m.name.span(),
                format!("runtime name `{name}` does not match the file name `{stem}.toml`"),
            ));
        }
    }
    match &m.wasm {
        None if m.programs.is_empty() => {
            return Err(ManifestError::Invalid {
                at: Located {
                    key: "programs".into(),
                    ..l.at(0..0)
                },
                message: "a runtime must declare at least one program".into(),
            });
        }
        Some(_) if !m.programs.is_empty() => {
            return Err(invalid_key(
                l,
                "wasm",
                "a [wasm] runtime's program is its engine: list engines in wasm.engines, not programs",
            ));
        }
        Some(w) if w.engines.is_empty() => {
            return Err(invalid_key(
                l,
                "wasm",
                "wasm.engines needs at least one engine (wasmtime, node)",
            ));
        }
        Some(w) => {
            for e in &w.engines {
                check_program(l, e)?;
                if crate::wasm::EngineKind::of(e.get_ref()).is_none() {
                    return Err(l.invalid(
                        e.span(),
                        format!(
                            "unknown WebAssembly engine `{}` (known: wasmtime, node)",
                            e.get_ref()
                        ),
                    ));
                }
            }
        }
        None => {}
    }
    for p in &m.programs {
        check_program(l, p)?;
    }
    for p in &m.spawn.programs {
        check_program(l, p)?;
    }
    for p in m.fs.read.iter().chain(&m.fs.write).chain(&m.fs.exec) {
        check_path(l, p)?;
    }
    for p in &m.env.path_prepend {
        check_path(l, p)?;
    }
    for (k, v) in &m.env.set {
        if !valid_env_name(k) {
            return Err(l.invalid(
                v.span(),
                format!("`{k}` is not a valid environment variable name"),
            ));
        }
        if let Some(var) = unknown_variable(v.get_ref()) {
            return Err(l.invalid(
                v.span(),
                format!("unknown variable `${{{var}}}` (known: CWD, HOME)"),
            ));
        }
    }
    for p in &m.env.pass {
        if !valid_env_name(p.get_ref()) {
            return Err(l.invalid(
                p.span(),
                format!("`{}` is not a valid environment variable name", p.get_ref()),
            ));
        }
    }
    match (
        m.net.mode,
        m.net.connect.is_empty() && m.net.bind.is_empty(),
    ) {
        (NetMode::Tcp, true) => {
            return Err(invalid_key(
                l,
                "net",
                "net.mode = \"tcp\" needs at least one port in net.connect or net.bind",
            ));
        }
        (NetMode::None | NetMode::Full, false) => {
            return Err(invalid_key(
                l,
                "net",
                "net.connect and net.bind are only meaningful with net.mode = \"tcp\"",
            ));
        }
        _ => {}
    }
    if m.spawn.mode == SpawnMode::Programs && m.spawn.programs.is_empty() {
        return Err(invalid_key(
            l,
            "spawn",
            "spawn.mode = \"programs\" needs spawn.programs",
        ));
    }
    if m.spawn.mode != SpawnMode::Programs && !m.spawn.programs.is_empty() {
        return Err(invalid_key(
            l,
            "spawn",
            "spawn.programs is only meaningful with spawn.mode = \"programs\"",
        ));
    }
    let pids = *m.limits.pids.get_ref();
    if pids < 2 {
        return Err(l.invalid(
            m.limits.pids.span(),
            "limits.pids must be at least 2 (the sandbox's init and the workload)",
        ));
    }
    for g in &m.extra_syscall_groups {
        if !group_names.iter().any(|n| n == g.get_ref()) {
            return Err(l.invalid(
                g.span(),
                format!(
                    "unknown syscall group `{}` (known: {})",
                    g.get_ref(),
                    group_names.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn invalid_key(l: &LoadedManifest, table: &str, message: &str) -> ManifestError {
    let header = format!("[{table}]");
    let offset = l.text.find(&header).unwrap_or(0);
    ManifestError::Invalid {
        at: Located {
            key: table.to_string(),
            ..l.at(offset..offset)
        },
        message: message.to_string(),
    }
}

fn check_program(l: &LoadedManifest, p: &Spanned<String>) -> Result<(), ManifestError> {
    let v = p.get_ref();
    if v.is_empty() {
        return Err(l.invalid(p.span(), "empty program name"));
    }
    if v.contains('/') {
        return check_path(l, p);
    }
    Ok(())
}

fn check_path(l: &LoadedManifest, p: &Spanned<String>) -> Result<(), ManifestError> {
    let v = p.get_ref().trim_end_matches('?');
    if let Some(var) = unknown_variable(v) {
        return Err(l.invalid(
            p.span(),
            format!("unknown variable `${{{var}}}` (known: CWD, HOME)"),
        ));
    }
    if !(v.starts_with('/') || v.starts_with("${")) {
        return Err(l.invalid(
            p.span(),
            format!("path `{v}` must be absolute or start with ${{CWD}} or ${{HOME}}"),
        ));
    }
    if v.split('/').any(|c| c == "..") {
        return Err(l.invalid(p.span(), format!("path `{v}` must not contain `..`")));
    }
    Ok(())
}

fn valid_env_name(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Where to look for manifests.
#[derive(Debug, Clone, Default)]
pub struct ManifestSource {
    /// An explicit manifest file (`--manifest`).
    pub file: Option<PathBuf>,
    /// A directory of `<name>.toml` files (`--runtimes-dir` / `PHASE1_RUNTIMES_DIR`).
    pub dir: Option<PathBuf>,
}

/// Names of the built-in runtimes.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Names of every runtime a source offers: the built-in ones and the
/// `<name>.toml` files of its directory, sorted.
pub fn names(src: &ManifestSource) -> Vec<String> {
    let mut v: Vec<String> = builtin_names().iter().map(|n| n.to_string()).collect();
    if let Some(dir) = &src.dir {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if let Some(stem) = e.file_name().to_str().and_then(|f| f.strip_suffix(".toml")) {
                v.push(stem.to_string());
            }
        }
    }
    v.sort();
    v.dedup();
    v
}

/// Load the manifest for `name` from the source.
pub fn load(
    src: &ManifestSource,
    name: &str,
    group_names: &[String],
) -> Result<LoadedManifest, ManifestError> {
    if let Some(file) = &src.file {
        let text = tomlfile::read_limited(file).map_err(|source| ManifestError::Read {
            path: file.clone(),
            source,
        })?;
        return parse(&file.display().to_string(), &text, group_names);
    }
    if let Some(dir) = &src.dir {
        let file = dir.join(format!("{name}.toml"));
        if file.exists() {
            let text = tomlfile::read_limited(&file).map_err(|source| ManifestError::Read {
                path: file.clone(),
                source,
            })?;
            return parse(&file.display().to_string(), &text, group_names);
        }
    }
    match BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => parse(&format!("runtimes/{n}.toml (built-in)"), text, group_names),
        None => Err(ManifestError::Unknown {
            name: name.to_string(),
            known: builtin_names().join(", "),
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64) for property tests.
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }

        /// One to three random edits of `text`: delete a range, insert TOML
        /// punctuation or keywords, duplicate or drop a line, truncate.
        pub(crate) fn mutate(&mut self, text: &str) -> String {
            const PIECES: &[&str] = &[
                "[",
                "]",
                "=",
                "\"",
                "'",
                "\n",
                "#",
                "{",
                "}",
                ",",
                ".",
                "${",
                "?",
                "0",
                "-1",
                "99999999999",
                "..",
                "/",
                "[fs]\n",
                "[[rule]]\n",
                "read = ",
                "mode = \"x\"\n",
                "\u{e9}",
                "\t",
                "true",
            ];
            let mut t: Vec<char> = text.chars().collect();
            for _ in 0..1 + self.below(3) {
                let at = self.below(t.len() + 1);
                match self.below(5) {
                    0 => {
                        let end = (at + 1 + self.below(40)).min(t.len());
                        t.drain(at.min(end)..end);
                    }
                    1 | 2 => {
                        let p = PIECES[self.below(PIECES.len())];
                        t.splice(at..at, p.chars());
                    }
                    3 => {
                        let s: String = t.iter().collect();
                        let lines: Vec<&str> = s.lines().collect();
                        let n = self.below(lines.len());
                        let mut out: Vec<&str> = lines.clone();
                        if self.next() % 2 == 0 {
                            out.insert(n, lines.get(n).copied().unwrap_or(""));
                        } else if n < out.len() {
                            out.remove(n);
                        }
                        t = out.join("\n").chars().collect();
                    }
                    _ => t.truncate(at),
                }
            }
            t.into_iter().collect()
        }
    }

    /// An error message starts `file:LINE:` with a line inside the text.
    pub(crate) fn assert_located(msg: &str, file: &str, text: &str) {
        let rest = msg
            .strip_prefix(&format!("{file}:"))
            .unwrap_or_else(|| panic!("error does not name {file}: {msg}\n--- text:\n{text}"));
        let line: usize = rest
            .split(':')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("error has no line: {msg}"));
        assert!(
            line >= 1 && line <= text.lines().count().max(1) + 1,
            "line {line} outside the file: {msg}"
        );
    }

    /// Property test: mutated manifests never panic the parser, and every
    /// error names the file and a line.
    #[test]
    fn mutated_manifests_fail_with_file_and_line() {
        let groups = crate::policy::Policies::builtin()
            .expect("policies")
            .group_names();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut failures = 0;
        for i in 0..3000 {
            let (name, base) = BUILTIN[i % BUILTIN.len()];
            let text = rng.mutate(base);
            let file = format!("{name}.toml");
            if let Err(e) = parse(&file, &text, &groups) {
                failures += 1;
                assert_located(&e.to_string(), &file, &text);
            }
        }
        assert!(
            failures > 1000,
            "the mutations should break most files: {failures}"
        );
    }

    fn groups() -> Vec<String> {
        vec!["ptrace".into(), "io_uring".into()]
    }

    const MINIMAL: &str =
        "name = \"t\"\ndescription = \"d\"\nmaturity = \"prototype\"\nprograms = [\"sh\"]\n";

    #[test]
    fn builtin_manifests_are_valid() {
        for (name, text) in BUILTIN {
            parse(
                &format!("runtimes/{name}.toml (built-in)"),
                text,
                &crate::policy::Policies::builtin()
                    .expect("policies")
                    .group_names(),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn minimal_manifest_takes_defaults() {
        let l = parse("t.toml", MINIMAL, &groups()).expect("parse");
        assert_eq!(l.manifest.net.mode, NetMode::None);
        assert_eq!(l.manifest.spawn.mode, SpawnMode::None);
        assert_eq!(*l.manifest.limits.pids.get_ref(), 64);
    }

    #[test]
    fn bad_maturity_names_line_and_key() {
        let text = MINIMAL.replace("prototype", "shiny");
        let e = parse("t.toml", &text, &groups()).unwrap_err().to_string();
        assert!(e.starts_with("t.toml:3:"), "{e}");
        assert!(e.contains("key `maturity`"), "{e}");
    }

    #[test]
    fn relative_path_is_rejected_with_key() {
        let text = format!("{MINIMAL}[fs]\nread = [\"/usr\", \"etc\"]\n");
        let e = parse("t.toml", &text, &groups()).unwrap_err().to_string();
        assert!(e.starts_with("t.toml:6:"), "{e}");
        assert!(e.contains("fs.read"), "{e}");
        assert!(e.contains("must be absolute"), "{e}");
    }

    #[test]
    fn unknown_variable_is_rejected() {
        let text = format!("{MINIMAL}[fs]\nwrite = [\"${{TMP}}/x\"]\n");
        let e = parse("t.toml", &text, &groups()).unwrap_err().to_string();
        assert!(e.contains("unknown variable `${TMP}`"), "{e}");
        assert!(e.contains("fs.write"), "{e}");
    }

    #[test]
    fn name_must_match_file() {
        let e = parse("other.toml", MINIMAL, &groups())
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not match the file name"), "{e}");
        assert!(e.starts_with("other.toml:1:"), "{e}");
    }

    #[test]
    fn tcp_without_ports_is_rejected() {
        let text = format!("{MINIMAL}[net]\nmode = \"tcp\"\n");
        let e = parse("t.toml", &text, &groups()).unwrap_err().to_string();
        assert!(e.contains("needs at least one port"), "{e}");
        assert!(e.starts_with("t.toml:5:"), "{e}");
    }

    #[test]
    fn port_out_of_range_is_a_parse_error() {
        let text = format!("{MINIMAL}[net]\nmode = \"tcp\"\nconnect = [70000]\n");
        let e = parse("t.toml", &text, &groups()).unwrap_err().to_string();
        assert!(e.starts_with("t.toml:7:"), "{e}");
        assert!(e.contains("net.connect"), "{e}");
    }

    #[test]
    fn unknown_syscall_group_is_rejected() {
        let text = format!("{MINIMAL}extra_syscall_groups = [\"rootkit\"]\n");
        let e = parse("t.toml", &text, &groups()).unwrap_err().to_string();
        assert!(e.contains("unknown syscall group `rootkit`"), "{e}");
        assert!(e.starts_with("t.toml:5:"), "{e}");
    }

    #[test]
    fn pids_below_two_rejected() {
        let text = format!("{MINIMAL}[limits]\npids = 1\n");
        let e = parse("t.toml", &text, &groups()).unwrap_err().to_string();
        assert!(e.starts_with("t.toml:6:"), "{e}");
        assert!(e.contains("limits.pids"), "{e}");
    }

    #[test]
    fn unknown_runtime_lists_known() {
        let e = load(&ManifestSource::default(), "cobol", &groups())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown runtime `cobol`") && e.contains("python"),
            "{e}"
        );
    }
}
