//! Inspecting audit logs: sessions, one session, denials with filters, the
//! spawn tree, summaries, verification and `why` (the missing capability and
//! the manifest change that would allow a denied action). Pure functions over
//! records; the CLI prints them as aligned tables or JSON.

use crate::audit;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

type Rec = Map<String, Value>;

/// Errors finding or explaining records.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    /// A record id is not of the form SESSION:SEQ.
    #[error("`{0}`: expected SESSION:SEQ (as `logs denials` shows) or a hash prefix")]
    BadId(String),
    /// No record matches.
    #[error("no record `{0}` (use SESSION:SEQ as shown by `logs denials`, or a hash prefix)")]
    NotFound(String),
    /// Several records match.
    #[error("`{id}` matches {count} records; give more of the session id")]
    Ambiguous {
        /// The id given.
        id: String,
        /// How many matched.
        count: usize,
    },
    /// `why` on a record that is not a denial.
    #[error("record {id} is a `{kind}`, not a denial")]
    NotADenial {
        /// The record.
        id: String,
        /// Its type.
        kind: String,
    },
}

fn s<'a>(r: &'a Rec, k: &str) -> &'a str {
    r.get(k).and_then(Value::as_str).unwrap_or("")
}

fn u(r: &Rec, k: &str) -> Option<u64> {
    r.get(k).and_then(Value::as_u64)
}

/// Is this a denial or a would-be denial?
pub fn is_denial(r: &Rec) -> bool {
    matches!(s(r, "type"), "denial" | "would_deny")
}

/// Sessions whose id starts with `prefix`.
pub fn match_session(records: &[Rec], prefix: &str) -> Vec<String> {
    let mut ids: Vec<String> = records
        .iter()
        .map(|r| s(r, "session").to_string())
        .filter(|id| id.starts_with(prefix))
        .collect();
    ids.dedup();
    ids.sort();
    ids.dedup();
    ids
}

/// A table: headers and rows, printed with aligned columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i < w.len() {
                w[i] = w[i].max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<width$}  ", width = w[i]));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// Per session: start record, end record, denials, spawns.
type SessionAcc<'a> = (Option<&'a Rec>, Option<&'a Rec>, u64, u64);

/// One row per session.
pub fn sessions(records: &[Rec]) -> Vec<Value> {
    let mut by: BTreeMap<String, SessionAcc<'_>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in records {
        let id = s(r, "session").to_string();
        if !by.contains_key(&id) {
            order.push(id.clone());
        }
        let e = by.entry(id).or_insert((None, None, 0, 0));
        match s(r, "type") {
            "session.start" => e.0 = Some(r),
            "session.end" => e.1 = Some(r),
            "spawn" => e.3 += 1,
            _ if is_denial(r) => e.2 += 1,
            _ => {}
        }
    }
    order
        .iter()
        .filter_map(|id| by.get(id).map(|v| (id, v)))
        .map(|(id, (start, end, denials, spawns))| {
            json!({
                "session": id,
                "start": start.map(|r| s(r, "time")),
                "runtime": start.map(|r| s(r, "runtime")),
                "mode": start.map(|r| s(r, "mode")),
                "command": start.and_then(|r| r.get("command")).cloned(),
                "cwd": start.and_then(|r| r.get("cwd")).cloned(),
                "exit": end.and_then(|r| r.get("exit")).cloned(),
                "denials": denials,
                "spawns": spawns,
                "ended": end.is_some(),
            })
        })
        .collect()
}

/// What a denial was about, in a few words.
pub fn detail(r: &Rec) -> String {
    let mut parts = Vec::new();
    for k in ["path", "access", "family", "port", "fstype", "target_pid"] {
        if let Some(v) = r.get(k) {
            if !v.is_null() {
                parts.push(format!(
                    "{k}={}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                ));
            }
        }
    }
    if let Some(Value::Array(f)) = r.get("flags") {
        if !f.is_empty() {
            parts.push(format!(
                "flags={}",
                f.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("|")
            ));
        }
    }
    parts.join(" ")
}

/// Filters for `logs denials`.
#[derive(Debug, Clone, Default)]
pub struct DenialFilter {
    /// Session id prefix.
    pub session: Option<String>,
    /// Runtime name.
    pub runtime: Option<String>,
    /// Syscall name.
    pub syscall: Option<String>,
    /// Path substring.
    pub path: Option<String>,
    /// Only records at or after this time (RFC 3339 or date).
    pub since_ms: Option<u128>,
}

/// Denials and would-be denials matching the filter.
pub fn denials<'a>(records: &'a [Rec], f: &DenialFilter) -> Vec<&'a Rec> {
    records
        .iter()
        .filter(|r| is_denial(r))
        .filter(|r| {
            f.session
                .as_deref()
                .is_none_or(|p| s(r, "session").starts_with(p))
        })
        .filter(|r| f.runtime.as_deref().is_none_or(|x| s(r, "runtime") == x))
        .filter(|r| f.syscall.as_deref().is_none_or(|x| s(r, "syscall") == x))
        .filter(|r| f.path.as_deref().is_none_or(|x| s(r, "path").contains(x)))
        .filter(|r| {
            f.since_ms
                .is_none_or(|since| audit::parse_time(s(r, "time")).is_some_and(|t| t >= since))
        })
        .collect()
}

/// Rows for the denials table.
pub fn denial_rows(list: &[&Rec]) -> Vec<Vec<String>> {
    list.iter()
        .map(|r| {
            vec![
                format!(
                    "{}:{}",
                    &s(r, "session")[..s(r, "session").len().min(8)],
                    u(r, "seq").unwrap_or(0)
                ),
                s(r, "time").to_string(),
                s(r, "type").to_string(),
                s(r, "runtime").to_string(),
                r.get("ns_pid").map(|v| v.to_string()).unwrap_or_default(),
                s(r, "syscall").to_string(),
                s(r, "capability").to_string(),
                detail(r),
            ]
        })
        .collect()
}

/// The spawn tree of one session, as indented lines (`ns_pid argv`).
pub fn spawn_tree(records: &[Rec], session: &str) -> Vec<String> {
    let spawns: Vec<&Rec> = records
        .iter()
        .filter(|r| s(r, "session") == session && s(r, "type") == "spawn")
        .collect();
    let exits: BTreeMap<u64, String> = records
        .iter()
        .filter(|r| s(r, "session") == session && s(r, "type") == "exit")
        .filter_map(|r| {
            let pid = u(r, "ns_pid")?;
            let how = match (u(r, "code"), u(r, "signal")) {
                (Some(c), _) => format!("exit {c}"),
                (None, Some(sig)) => format!("signal {sig}"),
                _ => "exit ?".into(),
            };
            Some((pid, how))
        })
        .collect();
    let pids: std::collections::BTreeSet<u64> = spawns.iter().filter_map(|r| u(r, "pid")).collect();
    let mut children: BTreeMap<Option<u64>, Vec<&Rec>> = BTreeMap::new();
    let mut seen_pid: std::collections::BTreeSet<u64> = Default::default();
    for r in &spawns {
        let pid = u(r, "pid").unwrap_or(0);
        // Later execs of the same process hang below its first exec.
        let parent = if seen_pid.contains(&pid) {
            Some(pid)
        } else {
            u(r, "ppid").filter(|p| pids.contains(p))
        };
        seen_pid.insert(pid);
        children.entry(parent).or_default().push(r);
    }
    let mut out = Vec::new();
    fn walk(
        out: &mut Vec<String>,
        children: &BTreeMap<Option<u64>, Vec<&Rec>>,
        exits: &BTreeMap<u64, String>,
        key: Option<u64>,
        depth: usize,
        visited: &mut std::collections::BTreeSet<u64>,
    ) {
        let Some(list) = children.get(&key) else {
            return;
        };
        for r in list {
            let seq = u(r, "seq").unwrap_or(0);
            if !visited.insert(seq) {
                continue;
            }
            let argv = r
                .get("argv")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            let ns = u(r, "ns_pid");
            let end = ns
                .and_then(|p| exits.get(&p))
                .map(|e| format!("  [{e}]"))
                .unwrap_or_default();
            out.push(format!(
                "{}{} {}{}",
                "  ".repeat(depth),
                ns.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                argv,
                end
            ));
            let pid = u(r, "pid");
            if key != pid {
                walk(out, children, exits, pid, depth + 1, visited);
            }
        }
    }
    let mut visited = Default::default();
    walk(&mut out, &children, &exits, None, 0, &mut visited);
    out
}

/// Counts per capability, syscall and type.
pub fn summary(records: &[Rec]) -> Value {
    let mut by_cap: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_sys: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    for r in records {
        *by_type.entry(s(r, "type").to_string()).or_default() += 1;
        if is_denial(r) {
            *by_cap.entry(s(r, "capability").to_string()).or_default() += 1;
            *by_sys.entry(s(r, "syscall").to_string()).or_default() += 1;
        }
    }
    json!({
        "sessions": match_session(records, "").len(),
        "records": records.len(),
        "by_type": by_type,
        "denials_by_capability": by_cap,
        "denials_by_syscall": by_sys,
    })
}

/// Find a record by `SESSION:SEQ` (session may be a prefix) or by hash prefix.
pub fn find<'a>(records: &'a [Rec], id: &str) -> Result<&'a Rec, LogsError> {
    let hits: Vec<&Rec> = if let Some((sess, seq)) = id.split_once(':') {
        let seq: u64 = seq.parse().map_err(|_| LogsError::BadId(id.to_string()))?;
        records
            .iter()
            .filter(|r| s(r, "session").starts_with(sess) && u(r, "seq") == Some(seq))
            .collect()
    } else {
        records
            .iter()
            .filter(|r| !id.is_empty() && s(r, "hash").starts_with(id))
            .collect()
    };
    match hits.len() {
        0 => Err(LogsError::NotFound(id.to_string())),
        1 => Ok(hits[0]),
        count => Err(LogsError::Ambiguous {
            id: id.to_string(),
            count,
        }),
    }
}

/// Why was it denied, and what manifest change would allow it.
pub fn why(r: &Rec) -> Result<Value, LogsError> {
    if !is_denial(r) {
        return Err(LogsError::NotADenial {
            id: format!("{}:{}", s(r, "session"), u(r, "seq").unwrap_or(0)),
            kind: s(r, "type").to_string(),
        });
    }
    let cap = s(r, "capability");
    let runtime = s(r, "runtime");
    let path = s(r, "path");
    let manifest = format!("runtimes/{runtime}.toml");
    let (change, flag): (String, Option<String>) = match (cap, s(r, "group")) {
        ("fs.write", _) => {
            // Landlock audit names the directory for creations and removals.
            let dir = match r.get("suggest_path").and_then(Value::as_str) {
                Some(p) => p.to_string(),
                None => std::path::Path::new(path)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| path.to_string()),
            };
            (
                format!("[fs]\nwrite = [\"{dir}\"]"),
                Some(format!("--allow-write {dir}")),
            )
        }
        ("fs.read", _) => (
            format!("[fs]\nread = [\"{path}\"]"),
            Some(format!("--allow-read {path}")),
        ),
        ("host.exec", _) => (
            format!("[fs]\nexec = [\"{path}\"]"),
            Some(format!("--allow-exec {path}")),
        ),
        ("host.net", _) => match u(r, "port") {
            Some(p) if s(r, "access") == "tcp.bind" => (
                format!("[net]\nmode = \"tcp\"\nbind = [{p}]"),
                Some(format!("--net bind:{p}")),
            ),
            Some(p) => (
                format!("[net]\nmode = \"tcp\"\nconnect = [{p}]"),
                Some(format!("--net connect:{p}")),
            ),
            None => (
                "[net]\nmode = \"tcp\"\nconnect = [PORT]   # the port(s) it needs".to_string(),
                Some("--net connect:PORT".into()),
            ),
        },
        ("proc.spawn", _) => (
            "[spawn]\nmode = \"programs\"\nprograms = [\"PROGRAM\"]   # or mode = \"any\""
                .to_string(),
            None,
        ),
        (_, g) if !g.is_empty() => (format!("extra_syscall_groups = [\"{g}\"]"), None),
        (c, _) => (
            format!(
                "# no manifest key grants this ({c}); a new group in policies/syscalls.toml would"
            ),
            None,
        ),
    };
    Ok(json!({
        "record": format!("{}:{}", s(r, "session"), u(r, "seq").unwrap_or(0)),
        "type": s(r, "type"),
        "what": format!("{} {}", s(r, "syscall"), detail(r)).trim().to_string(),
        "layer": s(r, "layer"),
        "missing_capability": cap,
        "runtime": runtime,
        "manifest": manifest,
        "manifest_change": change,
        "command_line": flag,
        "caution": "granting a capability widens what every run of this runtime may do; prefer the narrowest path or port",
    }))
}

/// One line describing any record (for `show` and `follow`).
pub fn line(r: &Rec) -> String {
    let t = s(r, "type");
    let what = match t {
        "session.start" => format!(
            "{} ({}) {} in {}",
            s(r, "runtime"),
            s(r, "mode"),
            r.get("command").map(|c| c.to_string()).unwrap_or_default(),
            s(r, "cwd")
        ),
        "session.end" => format!(
            "exit {} ({}) denials={} would_deny={} spawns={}",
            r.get("exit").map(|v| v.to_string()).unwrap_or_default(),
            s(r, "how"),
            u(r, "denials").unwrap_or(0),
            u(r, "would_deny").unwrap_or(0),
            u(r, "spawns").unwrap_or(0)
        ),
        "spawn" => format!(
            "pid {} {}",
            r.get("ns_pid").map(|v| v.to_string()).unwrap_or_default(),
            r.get("argv").map(|v| v.to_string()).unwrap_or_default()
        ),
        "exit" => format!(
            "pid {} code={} signal={}{}",
            r.get("ns_pid").map(|v| v.to_string()).unwrap_or_default(),
            r.get("code")
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into()),
            r.get("signal")
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            r.get("status")
                .and_then(Value::as_str)
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        ),
        _ if is_denial(r) => format!(
            "pid {} {} [{}] missing {} {}",
            r.get("ns_pid").map(|v| v.to_string()).unwrap_or_default(),
            s(r, "syscall"),
            s(r, "layer"),
            s(r, "capability"),
            detail(r)
        ),
        // notice, log.continued and any later type: its message.
        _ => s(r, "message").to_string(),
    };
    format!(
        "{:>4}  {}  {:<13} {}",
        u(r, "seq").unwrap_or(0),
        s(r, "time"),
        t,
        what.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(v: Value) -> Rec {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn sample() -> Vec<Rec> {
        vec![
            rec(
                json!({"session":"aaaa1111","seq":0,"type":"session.start","runtime":"python","mode":"enforce","time":"2026-11-25T07:00:00.000Z","command":["python3"],"hash":"h0"}),
            ),
            rec(
                json!({"session":"aaaa1111","seq":1,"type":"spawn","pid":100,"ppid":99,"ns_pid":2,"argv":["python3","x.py"],"time":"2026-11-25T07:00:00.100Z","hash":"h1"}),
            ),
            rec(
                json!({"session":"aaaa1111","seq":2,"type":"spawn","pid":101,"ppid":100,"ns_pid":3,"argv":["ls"],"time":"2026-11-25T07:00:00.200Z","hash":"h2"}),
            ),
            rec(
                json!({"session":"aaaa1111","seq":3,"type":"denial","syscall":"ptrace","capability":"sys.ptrace","group":"ptrace","runtime":"python","layer":"seccomp","ns_pid":2,"time":"2026-11-25T07:00:01.000Z","hash":"h3"}),
            ),
            rec(
                json!({"session":"aaaa1111","seq":4,"type":"exit","ns_pid":3,"code":0,"signal":null,"time":"2026-11-25T07:00:01.100Z","hash":"h4"}),
            ),
            rec(
                json!({"session":"bbbb2222","seq":0,"type":"session.start","runtime":"shell","mode":"dry_run","time":"2026-11-26T07:00:00.000Z","hash":"h5"}),
            ),
            rec(
                json!({"session":"bbbb2222","seq":1,"type":"would_deny","syscall":"openat","capability":"fs.write","layer":"landlock","path":"/etc/x","access":"write","runtime":"shell","time":"2026-11-26T07:00:01.000Z","hash":"h6"}),
            ),
            rec(
                json!({"session":"bbbb2222","seq":2,"type":"would_deny","syscall":"connect","capability":"host.net","layer":"landlock","port":443,"access":"tcp.connect","runtime":"shell","time":"2026-11-26T07:00:02.000Z","hash":"h7"}),
            ),
            rec(
                json!({"session":"aaaa1111","seq":5,"type":"session.end","exit":0,"time":"2026-11-25T07:00:02.000Z","hash":"h8"}),
            ),
        ]
    }

    #[test]
    fn sessions_are_summarised() {
        let s = sessions(&sample());
        assert_eq!(s.len(), 2);
        assert_eq!(s[0]["session"], "aaaa1111");
        assert_eq!(s[0]["denials"], 1);
        assert_eq!(s[0]["spawns"], 2);
        assert_eq!(s[0]["ended"], true);
        assert_eq!(s[1]["ended"], false);
    }

    #[test]
    fn denial_filters() {
        let all = sample();
        assert_eq!(denials(&all, &DenialFilter::default()).len(), 3);
        let f = DenialFilter {
            runtime: Some("shell".into()),
            ..Default::default()
        };
        assert_eq!(denials(&all, &f).len(), 2);
        let f = DenialFilter {
            syscall: Some("ptrace".into()),
            ..Default::default()
        };
        assert_eq!(denials(&all, &f).len(), 1);
        let f = DenialFilter {
            path: Some("/etc".into()),
            ..Default::default()
        };
        assert_eq!(denials(&all, &f).len(), 1);
        let f = DenialFilter {
            since_ms: audit::parse_time("2026-11-26"),
            ..Default::default()
        };
        assert_eq!(denials(&all, &f).len(), 2);
        let f = DenialFilter {
            session: Some("aaaa".into()),
            ..Default::default()
        };
        assert_eq!(denials(&all, &f).len(), 1);
    }

    #[test]
    fn spawn_tree_nests_children() {
        let t = spawn_tree(&sample(), "aaaa1111");
        assert_eq!(
            t,
            vec!["2 python3 x.py".to_string(), "  3 ls  [exit 0]".to_string()]
        );
    }

    #[test]
    fn why_names_capability_and_change() {
        let all = sample();
        let w = why(find(&all, "aaaa:3").unwrap()).unwrap();
        assert_eq!(w["missing_capability"], "sys.ptrace");
        assert_eq!(w["manifest_change"], "extra_syscall_groups = [\"ptrace\"]");
        let w = why(find(&all, "bbbb:1").unwrap()).unwrap();
        assert_eq!(w["manifest_change"], "[fs]\nwrite = [\"/etc\"]");
        assert_eq!(w["command_line"], "--allow-write /etc");
        let w = why(find(&all, "bbbb:2").unwrap()).unwrap();
        assert_eq!(w["command_line"], "--net connect:443");
        assert!(why(find(&all, "aaaa:1").unwrap()).is_err());
        assert!(find(&all, "cccc:1").is_err());
        assert_eq!(s(find(&all, "h6").unwrap(), "syscall"), "openat");
    }

    #[test]
    fn tables_align() {
        let t = table(&["a", "bb"], &[vec!["xxx".into(), "y".into()]]);
        assert_eq!(t, "a    bb\nxxx  y\n");
    }
}
