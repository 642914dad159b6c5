//! Runtimes, maturity gates, documentation gates, the wasm runtime, man page
//! and completions, driving the real binary.

mod util;

use serde_json::Value;
use std::path::{Path, PathBuf};
use util::*;

fn start_record(log: &Path) -> Value {
    records(log)
        .into_iter()
        .rfind(|r| r["type"] == "session.start")
        .expect("a session.start record")
}

fn write(p: &Path, text: &str) -> String {
    std::fs::write(p, text).expect("write");
    p.to_string_lossy().into_owned()
}

#[test]
fn runtimes_list_and_show_give_a_card_per_runtime() {
    require_root();
    let dir = workdir("rt-list", As::Root);
    let r = sup(As::Root, &dir, &["runtimes", "list"]);
    r.expect_code(0);
    for (name, maturity) in [
        ("shell", "documented"),
        ("python", "documented"),
        ("node", "documented"),
        ("rust", "documented"),
        ("wasm", "prototype"),
    ] {
        assert!(
            r.stdout()
                .lines()
                .any(|l| l.starts_with(name) && l.contains(maturity)),
            "{name} {maturity}{}",
            r.context()
        );
    }
    r.expect_stdout("needs --allow-prototype")
        .expect_stdout("not claimed: not hardened isolation");
    let r = sup(As::Nobody, &dir, &["runtimes", "show", "rust"]);
    r.expect_code(0)
        .expect_stdout("maturity      : documented")
        .expect_stdout("executes      : cargo, rustc (host programs)")
        .expect_stdout("touches host  : yes: runs host software; writes host storage (${CWD}")
        .expect_stdout("fs.write      : granted: both: host storage (${CWD}")
        .expect_stdout("host.net      : not granted: none [private network namespace")
        .expect_stdout("proc.spawn    : granted: host processes: any program")
        .expect_stdout("audit records : session.start and session.end")
        .expect_stdout("Landlock denials (only when the supervisor runs as root");
    let r = sup(As::Root, &dir, &["runtimes", "show", "wasm", "--json"]);
    r.expect_code(0);
    let v: Value = serde_json::from_str(&r.stdout()).expect("json");
    assert_eq!(v["maturity"], "prototype");
    assert!(v["capabilities"]
        .as_array()
        .expect("caps")
        .iter()
        .any(|c| c["capability"] == "wasm.exec"));
    sup(As::Root, &dir, &["runtimes", "show", "cobol"])
        .expect_code(2)
        .expect_stderr("unknown runtime `cobol`");
}

#[test]
fn maturity_gates_execution_and_the_session_record_carries_the_label() {
    require_root();
    let dir = workdir("rt-gate", As::Root);
    let rdir = dir.join("runtimes");
    std::fs::create_dir(&rdir).expect("mkdir");
    let body = "description = \"d\"\nprograms = [\"sh\"]\nhost = true\n[fs]\nread = [\"${CWD}\"]\n[spawn]\nmode = \"any\"\n";
    for (name, maturity) in [
        ("proto", "prototype"),
        ("guard", "guarded"),
        ("plan", "planned"),
    ] {
        write(
            &rdir.join(format!("{name}.toml")),
            &format!("name = \"{name}\"\nmaturity = \"{maturity}\"\n{body}"),
        );
    }
    let rd = rdir.to_string_lossy().into_owned();
    let log = dir.join("audit.jsonl");
    let ls = log.to_string_lossy().into_owned();
    let run = |rt: &str, extra: &[&str], env: &[(&str, &str)]| {
        let mut a = vec![
            "run",
            "-q",
            "--audit-log",
            &ls,
            "--runtimes-dir",
            &rd,
            "-r",
            rt,
        ];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--", "sh", "-c", "echo ran"]);
        sup_env(As::Root, &dir, &a, env)
    };

    run("plan", &[], &[])
        .expect_code(2)
        .expect_stderr("runtime `plan` is `planned`");
    run("proto", &[], &[])
        .expect_code(2)
        .expect_stderr("runtime `proto` is `prototype`: disabled; run it with --allow-prototype")
        .expect_not_stdout("ran");
    run("proto", &["--trust"], &[]).expect_code(2);
    run("proto", &["--allow-prototype"], &[])
        .expect_code(0)
        .expect_stdout("ran")
        .expect_stderr("warning: runtime `proto` is a prototype");
    let s = start_record(&log);
    assert_eq!(s["maturity"], "prototype");
    assert_eq!(s["admission"]["by"], "--allow-prototype");
    assert!(s["admission"]["warning"].as_str().is_some());

    run("guard", &[], &[]).expect_code(2).expect_stderr(
        "runtime `guard` is `guarded`: disabled; run it with --trust or PHASE1_ALLOW_HOST_TOOLS=1",
    );
    run("guard", &[], &[("PHASE1_ALLOW_HOST_TOOLS", "yes")]).expect_code(2);
    run("guard", &[], &[("PHASE1_ALLOW_HOST_TOOLS", "1")])
        .expect_code(0)
        .expect_stdout("ran")
        .expect_stderr("admitted by the trust gate (PHASE1_ALLOW_HOST_TOOLS=1)");
    assert_eq!(
        start_record(&log)["admission"]["by"],
        "PHASE1_ALLOW_HOST_TOOLS=1"
    );
    run("guard", &["--trust"], &[])
        .expect_code(0)
        .expect_stdout("ran");
    let s = start_record(&log);
    assert_eq!(s["maturity"], "guarded");
    assert_eq!(s["admission"]["by"], "--trust");

    // Documented runtimes run normally, for an unprivileged user too.
    for who in BOTH {
        let d = workdir("rt-gate-doc", who);
        let r = sup(who, &d, &["run", "--", "true"]);
        r.expect_code(0)
            .expect_stderr("admitted by  : maturity documented");
    }
    // explain shows the verdict without running anything.
    sup(
        As::Root,
        &dir,
        &[
            "explain",
            "--runtimes-dir",
            &rd,
            "-r",
            "proto",
            "--",
            "true",
        ],
    )
    .expect_code(0)
    .expect_stdout("admitted by : REFUSED: `run` needs --allow-prototype");
}

/// The shipped pages pass the documentation gate and their examples run
/// under the supervisor (as root, as CI runs).
#[test]
fn shipped_runtime_docs_pass_the_gate_and_their_examples_run() {
    require_root();
    let dir = workdir("rt-docs", As::Root);
    // Not under /tmp (private in the sandbox) nor inside this repository
    // (cargo would look for a workspace in its parent directories).
    let scratch = PathBuf::from(format!("/var/tmp/p1-examples-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/docs");
    let sc = scratch.to_string_lossy().into_owned();
    let r = sup(
        As::Root,
        &dir,
        &[
            "runtimes",
            "check",
            "--run-examples",
            "--docs-dir",
            docs,
            "--scratch",
            &sc,
        ],
    );
    let _ = std::fs::remove_dir_all(&scratch);
    r.expect_code(0);
    assert!(
        r.stdout()
            .lines()
            .any(|l| l.starts_with("status ") && l.ends_with(": ok")),
        "{}",
        r.context()
    );
    for name in ["shell", "python", "node", "rust"] {
        assert!(
            r.stdout().lines().any(|l| l.starts_with(name)
                && l.contains("documented")
                && l.contains("examples ran and matched")),
            "{name}{}",
            r.context()
        );
    }
}

#[test]
fn the_documentation_gate_fails_missing_pages_sections_and_wrong_examples() {
    require_root();
    let dir = workdir("rt-gatefail", As::Root);
    let rdir = owned_subdir(&dir, "runtimes", As::Root);
    let docs = owned_subdir(&dir, "docs", As::Root);
    std::fs::create_dir(docs.join("runtimes")).expect("mkdir");
    write(
        &rdir.join("doc.toml"),
        "name = \"doc\"\ndescription = \"d\"\nmaturity = \"stable\"\nprograms = [\"sh\"]\n[fs]\nread = [\"${CWD}\"]\n",
    );
    let rd = rdir.to_string_lossy().into_owned();
    let dd = docs.to_string_lossy().into_owned();
    let check = |extra: &[&str]| {
        let mut a = vec![
            "runtimes",
            "check",
            "--runtimes-dir",
            &rd,
            "--docs-dir",
            &dd,
            "doc",
        ];
        a.extend_from_slice(extra);
        sup(As::Root, &dir, &a)
    };
    check(&[])
        .expect_code(1)
        .expect_stdout("doc.md: missing: a `stable` runtime needs a page")
        .expect_stdout("status : FAIL");
    let page = docs.join("runtimes/doc.md");
    let good = "# doc\n\n## Tutorial\nRun it.\n\n## Examples\n\n```console\n$ phase1-supervise run -q --runtimes-dir ../../../runtimes -r doc -- sh -c 'echo four'\nfour\n```\n\n## Safety boundaries\nLayers.\n\n## Non-claims\nNot hardened.\n";
    write(&page, &good.replace("## Non-claims\nNot hardened.\n", ""));
    check(&[])
        .expect_code(1)
        .expect_stdout("doc.md: no `## Non-claims` section");
    write(&page, good);
    check(&[])
        .expect_code(0)
        .expect_stdout("not run, see --run-examples");
    let scratch = dir.join("scratch");
    let sc = scratch.to_string_lossy().into_owned();
    check(&["--run-examples", "--scratch", &sc])
        .expect_code(0)
        .expect_stdout("1 examples ran and matched");
    write(&page, &good.replace("\nfour\n", "\nfive\n"));
    check(&["--run-examples", "--scratch", &sc])
        .expect_code(1)
        .expect_stdout("doc.md:9: example `phase1-supervise run -q")
        .expect_stdout("stdout \"four\", expected \"five\"");
}

const HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasm\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// Opens PATH (data at 100, LEN bytes) beneath the first preopen with OFLAGS
/// and RIGHTS; exits with the WASI errno on failure, else copies it to stdout.
fn opener(path: &str, oflags: u32, rights: u64) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "{path}")
  (func (export "_start")
    (local $e i32)
    (local.set $e (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const {len})
      (i32.const {oflags}) (i64.const {rights}) (i64.const 0) (i32.const 0) (i32.const 200)))
    (if (local.get $e) (then (call $exit (local.get $e))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (drop (call $read (i32.load (i32.const 200)) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 0))))"#,
        len = path.len()
    )
}

fn module(dir: &Path, name: &str, wat: &str, who: As) -> String {
    let p = dir.join(name);
    std::fs::write(&p, wat::parse_str(wat).expect("wat")).expect("write module");
    chown_for(&p, who);
    p.file_name()
        .and_then(|f| f.to_str())
        .expect("name")
        .to_string()
}

#[test]
fn plugins_inspect_maps_wasi_imports_and_refuses_undeclared_ones() {
    require_root();
    let dir = workdir("wasm-inspect", As::Root);
    let hello = module(&dir, "hello.wasm", HELLO, As::Root);
    sup(As::Root, &dir, &["plugins", "inspect", &hello])
        .expect_code(0)
        .expect_stdout("wasi_snapshot_preview1.fd_write  func  -      yes")
        .expect_stdout("declared : fs.read, wasm.exec")
        .expect_stdout("engine   : Node.js built-in WASI")
        .expect_stdout("status : ok");
    let net = module(
        &dir,
        "net.wasm",
        r#"(module
          (import "wasi_snapshot_preview1" "sock_send" (func (param i32 i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "path_unlink_file" (func (param i32 i32 i32) (result i32)))
          (import "env" "host_magic" (func))
          (func (export "_start")))"#,
        As::Root,
    );
    let r = sup(As::Root, &dir, &["plugins", "inspect", &net]);
    r.expect_code(1)
        .expect_stdout("wasi_snapshot_preview1.sock_send         func  host.net")
        .expect_stdout("status : REFUSED: wasi_snapshot_preview1.sock_send: needs `host.net`, which the runtime does not declare")
        .expect_stdout("wasi_snapshot_preview1.path_unlink_file: needs `fs.write`")
        .expect_stdout("env.host_magic: module `env` is not WASI");
    let r = sup(As::Root, &dir, &["plugins", "inspect", "--json", &net]);
    let v: Value = serde_json::from_str(&r.stdout()).expect("json");
    assert_eq!(v["ok"], false);
    assert_eq!(v["refused"].as_array().map(|a| a.len()), Some(3));
    // The run refuses it before anything starts.
    sup(As::Root, &dir, &["run", "-r", "wasm", "--allow-prototype", "--", &net])
        .expect_code(126)
        .expect_stderr("net.wasm: blocked by policy: runtime `wasm` declares fs.read, wasm.exec; wasi_snapshot_preview1.sock_send: needs `host.net`")
        .expect_not_stdout("sandboxed run");
    write(&dir.join("bad.wasm"), "not wasm");
    sup(As::Root, &dir, &["plugins", "inspect", "bad.wasm"])
        .expect_code(2)
        .expect_stderr("bad.wasm: not a valid WebAssembly module");
}

#[test]
fn wasm_modules_run_on_the_host_engine_inside_the_sandbox() {
    require_root();
    for who in BOTH {
        let dir = workdir("wasm-run", who);
        let hello = module(&dir, "hello.wasm", HELLO, who);
        let r = sup(
            who,
            &dir,
            &["run", "-r", "wasm", "--allow-prototype", "--", &hello],
        );
        r.expect_code(0)
            .expect_stdout("hello from wasm")
            .expect_stderr("program      : /usr/bin/node")
            .expect_stderr("runtime      : wasm (prototype)")
            .expect_stderr("landlock     : enforced");
        // A preopened working directory: fs.read works through WASI ...
        let input = dir.join("input.txt");
        write(&input, "read through a preopen\n");
        chown_for(&input, who);
        let cat = module(&dir, "cat.wasm", &opener("input.txt", 0, 2), who);
        sup(
            who,
            &dir,
            &["run", "-q", "-r", "wasm", "--allow-prototype", "--", &cat],
        )
        .expect_code(0)
        .expect_stdout("read through a preopen");
        // ... but creating a file passes the import check (path_open) and is
        // refused underneath the engine: WASI errno 2 (EACCES, Landlock), or
        // 69 (EROFS) when the tree is under /tmp (a read-only bind there).
        let mk = module(&dir, "mk.wasm", &opener("out.txt", 1 | 8, 64), who);
        let r = sup(
            who,
            &dir,
            &["run", "-q", "-r", "wasm", "--allow-prototype", "--", &mk],
        );
        assert!([2, 69].contains(&r.code()), "{}", r.context());
        assert!(!dir.join("out.txt").exists(), "{}", r.context());
    }
}

#[test]
fn a_wasm_runtime_without_an_engine_says_so() {
    require_root();
    let dir = workdir("wasm-noengine", As::Root);
    let rdir = owned_subdir(&dir, "runtimes", As::Root);
    write(
        &rdir.join("wasm.toml"),
        "name = \"wasm\"\ndescription = \"d\"\nmaturity = \"prototype\"\n[wasm]\nengines = [\"/nonexistent/wasmtime\"]\n[fs]\nread = [\"${CWD}\"]\n",
    );
    let hello = module(&dir, "hello.wasm", HELLO, As::Root);
    let rd = rdir.to_string_lossy().into_owned();
    sup(
        As::Root,
        &dir,
        &[
            "run",
            "--runtimes-dir",
            &rd,
            "-r",
            "wasm",
            "--allow-prototype",
            "--",
            &hello,
        ],
    )
    .expect_code(127)
    .expect_stderr("no WebAssembly engine installed: looked for /nonexistent/wasmtime");
    sup(
        As::Root,
        &dir,
        &["plugins", "inspect", "--runtimes-dir", &rd, &hello],
    )
    .expect_code(0)
    .expect_stdout("engine   : NONE INSTALLED");
    write(
        &rdir.join("wasm.toml"),
        "name = \"wasm\"\ndescription = \"d\"\nmaturity = \"prototype\"\nprograms = [\"node\"]\n[wasm]\nengines = [\"node\"]\n",
    );
    sup(
        As::Root,
        &dir,
        &["runtimes", "show", "--runtimes-dir", &rd, "wasm"],
    )
    .expect_code(2)
    .expect_stderr("wasm.toml:5:1: key `wasm`: a [wasm] runtime's program is its engine");
}

#[test]
fn man_pages_and_completions_are_generated_and_up_to_date() {
    require_root();
    let dir = workdir("man", As::Root);
    let out = dir.join("man");
    let os = out.to_string_lossy().into_owned();
    sup(As::Root, &dir, &["man", "--dir", &os]).expect_code(0);
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut pages = 0;
    for e in std::fs::read_dir(&out).expect("man dir").flatten() {
        let name = e.file_name();
        let fresh = std::fs::read_to_string(e.path()).expect("read");
        let kept = std::fs::read_to_string(shipped.join("man").join(&name)).unwrap_or_default();
        assert!(
            fresh == kept,
            "docs/man/{} is out of date: run scripts/gen-docs.sh",
            name.to_string_lossy()
        );
        pages += 1;
    }
    assert!(pages >= 7, "one page per command and the main page");
    let top = std::fs::read_to_string(out.join("phase1-supervise.1")).expect("page");
    assert!(top.contains(".TH phase1-supervise 1"), "{top}");
    assert!(top.contains("Not hardened isolation"));
    for (shell, file) in [
        ("bash", "phase1-supervise.bash"),
        ("zsh", "_phase1-supervise"),
        ("fish", "phase1-supervise.fish"),
    ] {
        let r = sup(As::Root, &dir, &["completions", shell]);
        r.expect_code(0).expect_stdout("runtimes");
        let kept =
            std::fs::read_to_string(shipped.join("completions").join(file)).unwrap_or_default();
        assert!(
            r.stdout() == kept,
            "docs/completions/{file} is out of date: run scripts/gen-docs.sh"
        );
    }
    // bash can load the completion script.
    let ok = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p phase1-supervise",
            shipped.join("completions/phase1-supervise.bash").display()
        ))
        .output()
        .expect("bash");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}
