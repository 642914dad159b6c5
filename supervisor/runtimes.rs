//! The runtime roadmap made inspectable: a capability card per runtime (what it
//! executes, where its files live, whether it touches the host, network, spawn,
//! which actions leave audit records, its maturity and what admits a run), and
//! the documentation gate: a runtime labeled `documented` or higher needs
//! `docs/runtimes/NAME.md` with a tutorial, examples, safety boundaries and
//! non-claims, and its examples must run under the supervisor.
//!
//! Cards and page checks are pure; running a page's examples is the one I/O
//! part ([`run_examples`]).

use crate::manifest::{LoadedManifest, Maturity, NetMode, SpawnMode};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Errors running a page's examples.
#[derive(Debug, thiserror::Error)]
pub enum RuntimesError {
    /// The scratch directory could not be prepared.
    #[error("{path}: cannot prepare the examples' scratch directory: {source}")]
    Scratch {
        /// Directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An example could not be started.
    #[error("{page}:{line}: cannot start the example: {source}")]
    Spawn {
        /// Page.
        page: String,
        /// Line of the `$` command.
        line: usize,
        /// Why.
        source: std::io::Error,
    },
}

/// One row of a capability card.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CapabilityRow {
    /// Dotted capability (`fs.read`, `fs.write`, `host.net`, `proc.spawn`, `host.exec`, `wasm.exec`).
    pub capability: &'static str,
    /// Granted at all.
    pub granted: bool,
    /// One word or two for tables (`scratch`, `host+scratch`, `tcp (guarded)`).
    pub short: String,
    /// Where or how (e.g. `host storage + sandbox scratch`).
    pub scope: String,
    /// What confines it.
    pub guard: String,
}

/// What `runtimes show` prints for one runtime.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Card {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Maturity label.
    pub maturity: Maturity,
    /// What a `run` needs to be admitted.
    pub admission: String,
    /// Manifest file.
    pub manifest: String,
    /// What it executes.
    pub executes: String,
    /// Where files live.
    pub files: String,
    /// Whether it touches the host, and how.
    pub touches_host: String,
    /// Capabilities.
    pub capabilities: Vec<CapabilityRow>,
    /// Actions that produce audit records.
    pub audit: Vec<String>,
}

fn list(v: &[toml::Spanned<String>]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in v {
        if !seen.contains(&s.get_ref().as_str()) {
            seen.push(s.get_ref());
        }
    }
    seen.join(", ")
}

fn short_storage(paths: &[toml::Spanned<String>]) -> String {
    if paths.is_empty() {
        "scratch"
    } else {
        "host+scratch"
    }
    .into()
}

/// Where the paths of one access live: the sandbox's private scratch (tmpfs
/// HOME and /tmp) always, and the declared paths on host storage.
fn storage(paths: &[toml::Spanned<String>]) -> String {
    if paths.is_empty() {
        "sandbox scratch only (private tmpfs HOME and /tmp, gone at exit)".into()
    } else {
        format!(
            "both: host storage ({}) and sandbox scratch (private tmpfs HOME and /tmp)",
            list(paths)
        )
    }
}

/// What a run needs to be admitted: [`crate::plan::admission`] for a run
/// with no flags and no trust gate.
pub fn admission_text(maturity: Maturity, host: bool) -> String {
    let a = crate::plan::admission("", maturity, host, false, false, false);
    match (maturity, a.admitted) {
        (Maturity::Planned, _) => "never runs (planned)".into(),
        (_, true) => "runs normally".into(),
        (_, false) => format!("needs {}", a.by),
    }
}

/// Build a runtime's card from its manifest (pure).
pub fn card(l: &LoadedManifest) -> Card {
    let m = &l.manifest;
    let executes = match &m.wasm {
        Some(w) => format!(
            "WebAssembly (WASI) command modules, on the first host engine found of: {}",
            list(&w.engines)
        ),
        None => format!("{} (host programs)", list(&m.programs)),
    };
    let spawn = match m.spawn.mode {
        SpawnMode::None => (
            "none",
            "none (threads only)".to_string(),
            "seccomp: clone without CLONE_THREAD, fork, vfork, execve after start refused"
                .to_string(),
        ),
        SpawnMode::Programs => (
            "programs",
            format!("host processes: {} only", list(&m.spawn.programs)),
            "Landlock execute rights on those files only".into(),
        ),
        SpawnMode::Any => (
            "any",
            "host processes: any program under the system trees".into(),
            "Landlock execute rights on the system trees; pids limit".into(),
        ),
    };
    let net = match m.net.mode {
        NetMode::None => (
            "none",
            "none".to_string(),
            "private network namespace (loopback only); seccomp refuses inet sockets".to_string(),
        ),
        NetMode::Tcp => (
            "tcp (guarded)",
            format!(
                "host network, TCP connect {:?} bind {:?}",
                m.net.connect, m.net.bind
            ),
            "guarded: Landlock TCP port rules (UDP is not restricted by Landlock ABI 7)".into(),
        ),
        NetMode::Full => (
            "full (trust gate)",
            "host network, unrestricted".into(),
            "unguarded; needs the trust gate (PHASE1_ALLOW_HOST_TOOLS=1 or --trust)".into(),
        ),
    };
    let readable = [m.fs.read.clone(), m.fs.write.clone(), m.fs.exec.clone()].concat();
    let (reads, writes) = (storage(&readable), storage(&m.fs.write));
    let mut capabilities = vec![
        CapabilityRow {
            capability: "fs.read",
            granted: true,
            short: short_storage(&readable),
            scope: format!("{reads}; system trees read-only"),
            guard: "Landlock (read rights), private mount namespace".into(),
        },
        CapabilityRow {
            capability: "fs.write",
            granted: true,
            short: short_storage(&m.fs.write),
            scope: writes.clone(),
            guard: "Landlock (write rights only beneath these paths); RLIMIT_FSIZE".into(),
        },
        CapabilityRow {
            capability: "host.net",
            granted: m.net.mode != NetMode::None,
            short: net.0.into(),
            scope: net.1,
            guard: net.2,
        },
        CapabilityRow {
            capability: "proc.spawn",
            granted: m.spawn.mode != SpawnMode::None,
            short: spawn.0.into(),
            scope: spawn.1,
            guard: spawn.2,
        },
        CapabilityRow {
            capability: "host.exec",
            granted: m.host,
            short: if m.host { "yes" } else { "no" }.into(),
            scope: if m.host {
                "runs host-installed software".into()
            } else {
                "no host software beyond the system trees".into()
            },
            guard: "all layers above; capabilities dropped, no_new_privs".into(),
        },
    ];
    if m.wasm.is_some() {
        capabilities.push(CapabilityRow {
            capability: "wasm.exec",
            granted: true,
            short: "yes".into(),
            scope: "WASI imports checked before the run (plugins inspect)".into(),
            guard: "modules needing undeclared capabilities are refused; the engine runs confined"
                .into(),
        });
    }
    let mut audit = vec![
        "session.start and session.end (plan digest, layers enforced, exit)".to_string(),
        "every execve (spawn, with argv; secrets redacted)".into(),
        "every seccomp denial (denial, with the missing capability)".into(),
        "process exits (exit)".into(),
        "Landlock denials (only when the supervisor runs as root: kernel audit)".into(),
        "dry-run: every would-be denial (would_deny)".into(),
    ];
    if m.spawn.mode == SpawnMode::None {
        audit[1] = "every execve (spawn; only the first succeeds)".into();
    }
    Card {
        name: m.name.get_ref().clone(),
        description: m.description.clone(),
        maturity: m.maturity,
        admission: admission_text(m.maturity, m.host),
        manifest: l.file.clone(),
        executes,
        files: format!("reads: {}; writes: {}", reads, writes),
        touches_host: match (m.host, m.fs.write.is_empty(), m.net.mode) {
            (false, true, NetMode::None) => "no".into(),
            (h, w, n) => {
                let mut parts = Vec::new();
                if h {
                    parts.push("runs host software".to_string());
                }
                if !w {
                    parts.push(format!("writes host storage ({})", list(&m.fs.write)));
                }
                if n != NetMode::None {
                    parts.push("uses the host network".into());
                }
                format!("yes: {}", parts.join("; "))
            }
        },
        capabilities,
        audit,
    }
}

/// Sections a documentation page must have (as `## Heading`).
pub const REQUIRED_SECTIONS: &[&str] = &["Tutorial", "Examples", "Safety boundaries", "Non-claims"];

/// One example from a page's Examples section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// Line of the `$ ` command in the page.
    pub line: usize,
    /// The command (run by /bin/sh).
    pub command: String,
    /// Expected stdout lines.
    pub stdout: Vec<String>,
    /// Expected exit status (`[exit N]` line; 0 when absent).
    pub exit: i32,
}

/// A page's sections (heading → body) in order.
fn sections(text: &str) -> Vec<(String, usize, String)> {
    let mut out: Vec<(String, usize, String)> = Vec::new();
    let mut in_fence = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if let Some(h) = line.strip_prefix("## ") {
                out.push((h.trim().to_string(), i + 1, String::new()));
                continue;
            }
        }
        if let Some(last) = out.last_mut() {
            last.2.push_str(line);
            last.2.push('\n');
        }
    }
    out
}

/// The examples of a page: each ```` ```console ```` block in the Examples
/// section holds `$ command` lines, each followed by its expected stdout and
/// optionally `[exit N]`.
pub fn examples(text: &str) -> Vec<Example> {
    let Some((_, start, body)) = sections(text).into_iter().find(|(h, _, _)| h == "Examples")
    else {
        return Vec::new();
    };
    let mut out: Vec<Example> = Vec::new();
    let mut in_console = false;
    for (i, line) in body.lines().enumerate() {
        let lineno = start + 1 + i;
        if line.starts_with("```") {
            in_console = !in_console && line.trim() == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            out.push(Example {
                line: lineno,
                command: cmd.to_string(),
                stdout: Vec::new(),
                exit: 0,
            });
        } else if let Some(ex) = out.last_mut() {
            match line
                .strip_prefix("[exit ")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse().ok())
            {
                Some(n) => ex.exit = n,
                None => ex.stdout.push(line.trim_end().to_string()),
            }
        }
    }
    out
}

/// Problems with a page for a runtime of this maturity (pure). Below
/// `documented` a page is optional; when it exists it is still checked.
pub fn check_page(maturity: Maturity, page: &str, text: Option<&str>) -> Vec<String> {
    let required = matches!(maturity, Maturity::Documented | Maturity::Stable);
    let Some(text) = text else {
        return if required {
            vec![format!(
                "{page}: missing: a `{}` runtime needs a page with {}",
                maturity.as_str(),
                REQUIRED_SECTIONS.join(", ")
            )]
        } else {
            Vec::new()
        };
    };
    let secs = sections(text);
    let mut problems = Vec::new();
    for want in REQUIRED_SECTIONS {
        match secs.iter().find(|(h, _, _)| h == want) {
            None => problems.push(format!("{page}: no `## {want}` section")),
            Some((_, line, body)) if body.trim().is_empty() => {
                problems.push(format!("{page}:{line}: section `{want}` is empty"))
            }
            Some(_) => {}
        }
    }
    if secs.iter().any(|(h, _, _)| h == "Examples") && examples(text).is_empty() {
        problems.push(format!(
            "{page}: the Examples section has no ```console block with a `$ phase1-supervise ...` line"
        ));
    }
    problems
}

/// Outcome of one example run.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleResult {
    /// The example.
    pub example: Example,
    /// Whether stdout and exit status matched.
    pub ok: bool,
    /// What differed.
    pub detail: String,
}

/// Run a page's examples in order, each with `/bin/sh -c` in `scratch/work`
/// (shared, so later examples see earlier files), with `phase1-supervise` on
/// PATH being `exe` and the audit log in `scratch/audit.jsonl`.
pub fn run_examples(
    page: &str,
    list: &[Example],
    exe: &Path,
    scratch: &Path,
) -> Result<Vec<ExampleResult>, RuntimesError> {
    let prep = |path: &Path, r: std::io::Result<()>| {
        r.map_err(|source| RuntimesError::Scratch {
            path: path.to_path_buf(),
            source,
        })
    };
    let bin = scratch.join("bin");
    let work = scratch.join("work");
    prep(&bin, std::fs::create_dir_all(&bin))?;
    prep(&work, std::fs::create_dir_all(&work))?;
    let link = bin.join("phase1-supervise");
    if link.symlink_metadata().is_ok() {
        prep(&link, std::fs::remove_file(&link))?;
    }
    prep(&link, std::os::unix::fs::symlink(exe, &link))?;
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_else(|_| crate::plan::SYSTEM_PATH.into())
    );
    let mut out = Vec::new();
    for ex in list {
        let o = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&ex.command)
            .current_dir(&work)
            .env("PATH", &path)
            .env("PHASE1_AUDIT_LOG", scratch.join("audit.jsonl"))
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|source| RuntimesError::Spawn {
                page: page.to_string(),
                line: ex.line,
                source,
            })?;
        let got: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect();
        let code = o.status.code().unwrap_or(-1);
        let mut detail = Vec::new();
        if got != ex.stdout {
            detail.push(format!(
                "stdout {:?}, expected {:?}",
                got.join("\n"),
                ex.stdout.join("\n")
            ));
        }
        if code != ex.exit {
            detail.push(format!("exit {code}, expected {}", ex.exit));
        }
        if !detail.is_empty() {
            let err = String::from_utf8_lossy(&o.stderr);
            let tail: Vec<&str> = err.lines().rev().take(6).collect();
            detail.push(format!(
                "stderr (last lines): {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        out.push(ExampleResult {
            example: ex.clone(),
            ok: detail.is_empty(),
            detail: detail.join("; "),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# x\n\n## Tutorial\nDo this.\n\n## Examples\n\n```console\n$ phase1-supervise run -q -- sh -c 'echo hi'\nhi\n$ phase1-supervise run -q -- false\n[exit 1]\n```\n\n```sh\n$ not an example\n```\n\n## Safety boundaries\nLandlock.\n\n## Non-claims\nNot hardened.\n";

    #[test]
    fn examples_are_parsed_with_lines_output_and_exit() {
        let e = examples(PAGE);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].line, 9);
        assert_eq!(e[0].command, "phase1-supervise run -q -- sh -c 'echo hi'");
        assert_eq!(e[0].stdout, vec!["hi".to_string()]);
        assert_eq!(e[0].exit, 0);
        assert!(e[1].stdout.is_empty());
        assert_eq!(e[1].exit, 1);
    }

    #[test]
    fn pages_need_every_section_from_documented_up() {
        assert!(check_page(Maturity::Documented, "p.md", Some(PAGE)).is_empty());
        let p = check_page(Maturity::Stable, "p.md", None);
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("missing"));
        assert!(check_page(Maturity::Prototype, "p.md", None).is_empty());
        let cut = PAGE.replace("## Non-claims\nNot hardened.\n", "");
        let p = check_page(Maturity::Documented, "p.md", Some(&cut));
        assert_eq!(p, vec!["p.md: no `## Non-claims` section".to_string()]);
        let empty = PAGE.replace("Landlock.\n", "\n");
        let p = check_page(Maturity::Documented, "p.md", Some(&empty));
        assert_eq!(
            p,
            vec!["p.md:19: section `Safety boundaries` is empty".to_string()]
        );
        let no_ex = PAGE.replace("```console", "```text");
        let p = check_page(Maturity::Documented, "p.md", Some(&no_ex));
        assert!(p[0].contains("no ```console block"), "{p:?}");
        // A heading inside a code block is not a section.
        let fenced = "## Tutorial\nx\n```\n## Examples\n```\n";
        assert!(check_page(Maturity::Documented, "p.md", Some(fenced))
            .iter()
            .any(|p| p.contains("no `## Examples`")));
    }

    #[test]
    fn cards_say_what_a_runtime_touches() {
        let p = crate::policy::Policies::builtin().expect("policies");
        let l = crate::manifest::load(&Default::default(), "rust", &p.group_names()).expect("rust");
        let c = card(&l);
        assert_eq!(c.executes, "cargo, rustc (host programs)");
        assert!(c
            .touches_host
            .starts_with("yes: runs host software; writes host storage (${CWD}"));
        let w = &c.capabilities[1];
        assert_eq!(w.capability, "fs.write");
        assert!(
            w.scope.starts_with("both: host storage (${CWD}"),
            "{}",
            w.scope
        );
        let spawn = &c.capabilities[3];
        assert!(spawn.granted && spawn.scope.contains("any program"));
        let l = crate::manifest::load(&Default::default(), "wasm", &p.group_names()).expect("wasm");
        let c = card(&l);
        assert!(c.executes.contains("wasmtime, node"));
        assert_eq!(
            c.capabilities[1].scope,
            "sandbox scratch only (private tmpfs HOME and /tmp, gone at exit)"
        );
        assert!(!c.capabilities[2].granted);
        assert_eq!(
            c.capabilities.last().map(|r| r.capability),
            Some("wasm.exec")
        );
        assert_eq!(c.admission, "needs --allow-prototype");
        assert_eq!(
            admission_text(Maturity::Guarded, true),
            "needs --trust or PHASE1_ALLOW_HOST_TOOLS=1"
        );
        assert_eq!(admission_text(Maturity::Guarded, false), "runs normally");
    }
}
