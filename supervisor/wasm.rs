//! WebAssembly modules (the `wasm` runtime): reading a module's imports with
//! wasmparser, mapping WASI imports to Phase1 capabilities, deciding whether a
//! runtime's declared capabilities cover them (pure), and building the command
//! line of the host engine that runs the module under the supervisor.
//!
//! The engine runs inside the sandbox like any other runtime program: Landlock,
//! seccomp and the capability drop confine the engine process, so a module gets
//! at most what the runtime manifest grants, whatever the engine would allow.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Errors reading a module.
#[derive(Debug, thiserror::Error)]
pub enum WasmError {
    /// The file could not be read.
    #[error("{path}: cannot read WebAssembly module: {source}")]
    Read {
        /// Module file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The bytes are not a valid module.
    #[error("{path}: not a valid WebAssembly module: {message}")]
    Malformed {
        /// Module file.
        path: PathBuf,
        /// wasmparser's message.
        message: String,
    },
}

/// The WASI modules (ABI versions) the engines understand.
pub const WASI_MODULES: &[&str] = &["wasi_snapshot_preview1", "wasi_unstable"];

/// WASI functions that need no capability beyond running: arguments,
/// environment, clocks, randomness, and file descriptors the module was given
/// (stdio and preopened directories; opening files is `path_open`).
const WASI_PLAIN: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
];
/// WASI functions that read the file system beneath a preopened directory.
const WASI_FS_READ: &[&str] = &[
    "path_open",
    "path_filestat_get",
    "path_readlink",
    "fd_readdir",
];
/// WASI functions that change the file system.
const WASI_FS_WRITE: &[&str] = &[
    "path_create_directory",
    "path_filestat_set_times",
    "path_link",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
];
/// WASI socket functions (on sockets the engine hands over).
const WASI_NET: &[&str] = &["sock_accept", "sock_recv", "sock_send", "sock_shutdown"];

/// What one import needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Need {
    /// Nothing beyond `wasm.exec`.
    Nothing,
    /// A capability the runtime must declare (`fs.read`, `fs.write`, `host.net`).
    Capability(&'static str),
    /// No engine can provide it (not WASI, or an unknown WASI function).
    Unsupported(String),
}

/// The capability a WASI import needs.
pub fn need(module: &str, name: &str, kind: &str) -> Need {
    if !WASI_MODULES.contains(&module) {
        return Need::Unsupported(format!(
            "module `{module}` is not WASI: no host engine provides it"
        ));
    }
    if kind != "func" {
        return Need::Unsupported(format!("WASI does not export a {kind}"));
    }
    if WASI_PLAIN.contains(&name) {
        Need::Nothing
    } else if WASI_FS_READ.contains(&name) {
        Need::Capability("fs.read")
    } else if WASI_FS_WRITE.contains(&name) {
        Need::Capability("fs.write")
    } else if WASI_NET.contains(&name) {
        Need::Capability("host.net")
    } else {
        Need::Unsupported(format!("unknown WASI function `{name}`"))
    }
}

/// One import of a module.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Import {
    /// Import module (`wasi_snapshot_preview1`).
    pub module: String,
    /// Field name (`fd_write`).
    pub name: String,
    /// `func`, `memory`, `table`, `global`, `tag`.
    pub kind: &'static str,
    /// What it needs.
    pub need: Need,
}

/// What a module looks like from outside.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModuleInfo {
    /// Imports, in order.
    pub imports: Vec<Import>,
    /// Exported function names.
    pub exports: Vec<String>,
    /// The WASI ABI it imports (`wasi_snapshot_preview1` when none).
    pub wasi: String,
}

/// Parse and validate a module's bytes.
pub fn inspect(path: &Path, bytes: &[u8]) -> Result<ModuleInfo, WasmError> {
    use wasmparser::{Parser, Payload, TypeRef, Validator};
    let malformed = |e: wasmparser::BinaryReaderError| WasmError::Malformed {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    Validator::new().validate_all(bytes).map_err(malformed)?;
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(malformed)? {
            Payload::ImportSection(reader) => {
                for imp in reader.into_imports() {
                    let imp = imp.map_err(malformed)?;
                    let kind = match imp.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => "func",
                        TypeRef::Memory(_) => "memory",
                        TypeRef::Table(_) => "table",
                        TypeRef::Global(_) => "global",
                        TypeRef::Tag(_) => "tag",
                    };
                    imports.push(Import {
                        module: imp.module.to_string(),
                        name: imp.name.to_string(),
                        kind,
                        need: need(imp.module, imp.name, kind),
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for exp in reader {
                    let exp = exp.map_err(malformed)?;
                    if exp.kind == wasmparser::ExternalKind::Func {
                        exports.push(exp.name.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let wasi = imports
        .iter()
        .map(|i| i.module.as_str())
        .find(|m| WASI_MODULES.contains(m))
        .unwrap_or(WASI_MODULES[0])
        .to_string();
    Ok(ModuleInfo {
        imports,
        exports,
        wasi,
    })
}

/// Read and inspect a module file.
pub fn inspect_file(path: &Path) -> Result<ModuleInfo, WasmError> {
    let bytes = std::fs::read(path).map_err(|source| WasmError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    inspect(path, &bytes)
}

/// Why a module cannot run under a runtime.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// `module.name` of the import, or `_start` for a missing entry point.
    pub import: String,
    /// What is missing.
    pub reason: String,
}

/// Decide (pure) whether the declared capabilities cover a module: every
/// import needs nothing or a declared capability, one WASI ABI only, and a
/// `_start` command entry point.
pub fn verdict(info: &ModuleInfo, declared: &BTreeSet<String>) -> Vec<Refusal> {
    let mut out = Vec::new();
    for i in &info.imports {
        let reason = match &i.need {
            Need::Nothing => continue,
            Need::Capability(c) if declared.contains(*c) => continue,
            Need::Capability(c) => format!("needs `{c}`, which the runtime does not declare"),
            Need::Unsupported(why) => why.clone(),
        };
        out.push(Refusal {
            import: format!("{}.{}", i.module, i.name),
            reason,
        });
    }
    let abis: BTreeSet<&str> = info
        .imports
        .iter()
        .map(|i| i.module.as_str())
        .filter(|m| WASI_MODULES.contains(m))
        .collect();
    if abis.len() > 1 {
        out.push(Refusal {
            import: abis.into_iter().collect::<Vec<_>>().join(" + "),
            reason: "imports two WASI versions; engines run one".into(),
        });
    }
    if !info.exports.iter().any(|e| e == "_start") {
        out.push(Refusal {
            import: "_start".into(),
            reason: "no `_start` export: not a WASI command module".into(),
        });
    }
    out
}

/// The capabilities a module may use under a manifest plus the run's
/// overrides (pure): `fs.read` with any declared path, `fs.write` with a
/// writable one, `host.net` with any network.
pub fn declared(
    m: &crate::manifest::Manifest,
    extra_read: bool,
    extra_write: bool,
    net: crate::manifest::NetMode,
) -> BTreeSet<String> {
    let mut out = BTreeSet::from(["wasm.exec".to_string()]);
    let write = extra_write || !m.fs.write.is_empty();
    if write || extra_read || !m.fs.read.is_empty() || !m.fs.exec.is_empty() {
        out.insert("fs.read".into());
    }
    if write {
        out.insert("fs.write".into());
    }
    if net != crate::manifest::NetMode::None {
        out.insert("host.net".into());
    }
    out
}

/// A host engine that runs WASI command modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Wasmtime's CLI (`wasmtime run`).
    Wasmtime,
    /// Node.js 20+ with its built-in `node:wasi`.
    Node,
}

impl EngineKind {
    /// The engine a manifest entry (name or path) denotes, by its file name.
    pub fn of(entry: &str) -> Option<EngineKind> {
        match entry.rsplit('/').next().unwrap_or(entry) {
            "wasmtime" => Some(EngineKind::Wasmtime),
            "node" | "nodejs" => Some(EngineKind::Node),
            _ => None,
        }
    }

    /// How it is described in reports.
    pub fn describe(self) -> &'static str {
        match self {
            EngineKind::Wasmtime => "wasmtime (WASI preview1)",
            EngineKind::Node => "Node.js built-in WASI (node:wasi, preview1; experimental in Node)",
        }
    }
}

/// The Node.js program that runs a module: argv\[1\] is a JSON config
/// (`version`, `preopens`), argv\[2\] the module, the rest its arguments.
/// One line, so that reports and spawn records show it whole.
pub const NODE_RUNNER: &str = "const{WASI}=require('node:wasi'),fs=require('node:fs'),[c,m,...a]=process.argv.slice(1),{version,preopens}=JSON.parse(c),w=new WASI({version,args:[m,...a],env:process.env,preopens,returnOnExit:true});process.exitCode=w.start(new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(m)),w.getImportObject()))";

/// A directory handed to the module: host path and the name the module sees.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Preopen {
    /// Directory on the host (and in the sandbox).
    pub host: PathBuf,
    /// Name inside WASI (`.` for the working directory).
    pub guest: String,
}

/// Preopens for a run: the working directory as `.`, other declared
/// directories under their own path (pure).
pub fn preopens(cwd: &Path, dirs: &[PathBuf]) -> Vec<Preopen> {
    let mut out: Vec<Preopen> = Vec::new();
    for d in dirs {
        if !d.is_absolute() || out.iter().any(|p| p.host == *d) {
            continue;
        }
        let guest = if d == cwd {
            ".".to_string()
        } else {
            d.to_string_lossy().into_owned()
        };
        out.push(Preopen {
            host: d.clone(),
            guest,
        });
    }
    out.sort_by_key(|p| p.guest != ".");
    out
}

/// The engine's command line for running `module` with `args` (pure).
pub fn engine_argv(
    kind: EngineKind,
    engine: &Path,
    info: &ModuleInfo,
    module: &Path,
    args: &[String],
    preopens: &[Preopen],
) -> Vec<String> {
    let engine = engine.to_string_lossy().into_owned();
    let module = module.to_string_lossy().into_owned();
    match kind {
        EngineKind::Wasmtime => {
            let mut v = vec![engine, "run".into(), "-S".into(), "inherit-env=y".into()];
            for p in preopens {
                v.push("--dir".into());
                v.push(format!("{}::{}", p.host.display(), p.guest));
            }
            v.push("--".into());
            v.push(module);
            v.extend(args.iter().cloned());
            v
        }
        EngineKind::Node => {
            let version = if info.wasi == "wasi_unstable" {
                "unstable"
            } else {
                "preview1"
            };
            let pre: serde_json::Map<String, serde_json::Value> = preopens
                .iter()
                .map(|p| (p.guest.clone(), serde_json::json!(p.host)))
                .collect();
            let cfg = serde_json::json!({ "version": version, "preopens": pre });
            let mut v = vec![
                engine,
                "--no-warnings".into(),
                "-e".into(),
                NODE_RUNNER.into(),
                cfg.to_string(),
                module,
            ];
            v.extend(args.iter().cloned());
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")))"#;

    fn info(wat: &str) -> ModuleInfo {
        let b = wat::parse_str(wat).expect("wat");
        inspect(Path::new("m.wasm"), &b).expect("inspect")
    }

    fn caps(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wasi_imports_map_to_capabilities() {
        assert_eq!(
            need("wasi_snapshot_preview1", "fd_write", "func"),
            Need::Nothing
        );
        assert_eq!(
            need("wasi_snapshot_preview1", "path_open", "func"),
            Need::Capability("fs.read")
        );
        assert_eq!(
            need("wasi_unstable", "path_unlink_file", "func"),
            Need::Capability("fs.write")
        );
        assert_eq!(
            need("wasi_snapshot_preview1", "sock_send", "func"),
            Need::Capability("host.net")
        );
        assert!(matches!(
            need("wasi_snapshot_preview1", "fd_teleport", "func"),
            Need::Unsupported(_)
        ));
        assert!(matches!(
            need("env", "memory", "memory"),
            Need::Unsupported(_)
        ));
        // Every function is in exactly one list.
        let all: Vec<&str> = [WASI_PLAIN, WASI_FS_READ, WASI_FS_WRITE, WASI_NET].concat();
        let set: BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(set.len(), all.len());
    }

    #[test]
    fn inspect_lists_imports_and_exports() {
        let i = info(HELLO);
        assert_eq!(i.imports.len(), 1);
        assert_eq!(i.imports[0].name, "fd_write");
        assert_eq!(i.imports[0].kind, "func");
        assert_eq!(i.exports, vec!["_start".to_string()]);
        assert_eq!(i.wasi, "wasi_snapshot_preview1");
        assert!(verdict(&i, &caps(&[])).is_empty());
    }

    #[test]
    fn undeclared_capabilities_are_refused() {
        let i = info(
            r#"(module
              (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "sock_send" (func (param i32 i32 i32 i32 i32) (result i32)))
              (import "env" "mystery" (func))
              (func (export "_start")))"#,
        );
        let r = verdict(&i, &caps(&["fs.read"]));
        let names: Vec<&str> = r.iter().map(|r| r.import.as_str()).collect();
        assert_eq!(
            names,
            vec!["wasi_snapshot_preview1.sock_send", "env.mystery"]
        );
        assert!(r[0].reason.contains("`host.net`"), "{:?}", r[0]);
        assert!(verdict(&i, &caps(&[])).len() == 3);
    }

    #[test]
    fn modules_without_start_or_with_two_abis_are_refused() {
        let r = verdict(&info("(module (func (export \"main\")))"), &caps(&[]));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].import, "_start");
        let r = verdict(
            &info(
                r#"(module
                  (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "fd_read" (func (param i32 i32 i32 i32) (result i32)))
                  (func (export "_start")))"#,
            ),
            &caps(&[]),
        );
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(r[0].reason.contains("two WASI versions"));
    }

    #[test]
    fn malformed_modules_are_errors() {
        let e = inspect(Path::new("x.wasm"), b"\0asm\x01\0\0\0\x99").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.wasm: not a valid WebAssembly module"),
            "{e}"
        );
        assert!(inspect(Path::new("x.wasm"), b"hello").is_err());
    }

    #[test]
    fn engine_command_lines() {
        assert_eq!(EngineKind::of("/usr/bin/node"), Some(EngineKind::Node));
        assert_eq!(EngineKind::of("wasmtime"), Some(EngineKind::Wasmtime));
        assert_eq!(EngineKind::of("python3"), None);
        let cwd = Path::new("/w");
        let pre = preopens(
            cwd,
            &[
                PathBuf::from("/data"),
                PathBuf::from("/w"),
                PathBuf::from("/w"),
            ],
        );
        assert_eq!(pre.len(), 2);
        assert_eq!(pre[0].guest, ".");
        let i = info(HELLO);
        let v = engine_argv(
            EngineKind::Wasmtime,
            Path::new("/usr/bin/wasmtime"),
            &i,
            Path::new("/w/m.wasm"),
            &["a".into()],
            &pre,
        );
        assert_eq!(
            v,
            vec![
                "/usr/bin/wasmtime",
                "run",
                "-S",
                "inherit-env=y",
                "--dir",
                "/w::.",
                "--dir",
                "/data::/data",
                "--",
                "/w/m.wasm",
                "a"
            ]
        );
        let v = engine_argv(
            EngineKind::Node,
            Path::new("/usr/bin/node"),
            &i,
            Path::new("/w/m.wasm"),
            &[],
            &pre,
        );
        assert_eq!(v[1], "--no-warnings");
        assert_eq!(v[3], NODE_RUNNER);
        let cfg: serde_json::Value = serde_json::from_str(&v[4]).expect("json");
        assert_eq!(cfg["version"], "preview1");
        assert_eq!(cfg["preopens"]["."], "/w");
        assert_eq!(v[5], "/w/m.wasm");
    }
}
