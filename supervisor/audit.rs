//! The append-only audit log: JSON Lines with a schema version, a per-session
//! sequence number, monotonic and wall time, and a hash chain across the whole
//! file (each record carries the previous valid record's hash), so `logs verify`
//! detects tampering and loss.
//!
//! Writing: one `write()` per record, O_APPEND, under an exclusive advisory
//! lock (flock) held while the chain tail is read and the record appended, so
//! concurrent runs into one log never interleave or fork the chain. A torn last
//! line (a writer that died mid-write) is terminated and skipped, never fatal.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Schema version of every record.
pub const SCHEMA: u64 = 1;
/// `prev` of the first record of a file.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Errors with the audit log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A file operation failed.
    #[error("audit log {path}: {what}: {source}")]
    Io {
        /// The log.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// errno.
        source: std::io::Error,
    },
}

/// Default log location: `/var/log/phase1/audit.jsonl` for root, otherwise
/// `$XDG_STATE_HOME/phase1/audit.jsonl` (`~/.local/state` when unset).
pub fn default_path(uid: u32, xdg_state_home: Option<&str>, home: &Path) -> PathBuf {
    if uid == 0 {
        return PathBuf::from("/var/log/phase1/audit.jsonl");
    }
    let base = match xdg_state_home {
        Some(x) if x.starts_with('/') => PathBuf::from(x),
        _ => home.join(".local/state"),
    };
    base.join("phase1/audit.jsonl")
}

/// Hex SHA-256.
fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash of a record: SHA-256 of its canonical JSON without the `hash` key
/// (serde_json's map keeps keys sorted, so serialisation is canonical).
pub fn record_hash(rec: &Map<String, Value>) -> String {
    let mut r = rec.clone();
    r.remove("hash");
    sha_hex(&serde_json::to_vec(&Value::Object(r)).unwrap_or_default())
}

/// Wall-clock time as RFC 3339 UTC with milliseconds.
pub fn wall_time() -> (String, u128) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (rfc3339(now.as_millis()), now.as_millis())
}

/// Format milliseconds since the epoch as RFC 3339 UTC.
pub fn rfc3339(ms: u128) -> String {
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        ms % 1000
    )
}

/// Parse the RFC 3339 form [`rfc3339`] writes (and plain dates) to epoch milliseconds.
pub fn parse_time(s: &str) -> Option<u128> {
    let (date, time) = s.split_once('T').unwrap_or((s, "00:00:00Z"));
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.trim_end_matches('Z');
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next().unwrap_or("0").parse().ok()?;
    let sec_f: f64 = t.next().unwrap_or("0").parse().ok()?;
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = (days * 86_400 + h * 3600 + mi * 60) * 1000 + (sec_f * 1000.0) as i64;
    u128::try_from(ms).ok()
}

/// Monotonic clock, nanoseconds.
pub fn mono_ns() -> u128 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .map(|t| t.tv_sec() as u128 * 1_000_000_000 + t.tv_nsec() as u128)
        .unwrap_or(0)
}

/// A writer for one session into one log file.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
    session: String,
    seq: u64,
    /// Hash of our last record and the file length right after it: when the
    /// length is unchanged, nobody appended since and the tail need not be read.
    last: Option<(String, u64)>,
}

impl AuditLog {
    /// Open (creating it and its directory, 0700/0600) the log at `path`.
    pub fn open(path: &Path, session: &str) -> Result<Self, AuditError> {
        let err = |what: &'static str| {
            let path = path.to_path_buf();
            move |source| AuditError::Io { path, what, source }
        };
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(err("creating its directory"))?;
            }
        }
        let file = open_file(path)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file,
            session: session.to_string(),
            seq: 0,
            last: None,
        })
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record of `kind` with `fields`. Returns the record written.
    ///
    /// When the log was rotated (renamed or removed) since the last record,
    /// the session continues in a new file at the same path, which starts
    /// (for this session) with a `log.continued` record naming the last hash
    /// of the file left behind: nothing is lost, and each file verifies.
    pub fn append(
        &mut self,
        kind: &str,
        fields: Map<String, Value>,
    ) -> Result<Map<String, Value>, AuditError> {
        if self.rotated() {
            let previous = {
                let _lock = Flock::exclusive(self.file.as_raw_fd()).map_err(self.err("locking"))?;
                tail_state(&mut self.file)
                    .map_err(self.err("reading the chain tail"))?
                    .0
            };
            self.file = open_file(&self.path)?;
            self.last = None;
            let mut f = Map::new();
            f.insert(
                "message".into(),
                Value::from("the log was rotated (renamed or removed) during this session; its earlier records are in the file it was renamed to"),
            );
            f.insert("previous_hash".into(), Value::from(previous));
            self.append_here("log.continued", f)?;
        }
        self.append_here(kind, fields)
    }

    /// Whether the path no longer names the file this writer has open.
    fn rotated(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(&self.path), self.file.metadata()) {
            (Ok(p), Ok(f)) => p.dev() != f.dev() || p.ino() != f.ino(),
            (Err(_), _) => true,
            (Ok(_), Err(_)) => false,
        }
    }

    fn append_here(
        &mut self,
        kind: &str,
        fields: Map<String, Value>,
    ) -> Result<Map<String, Value>, AuditError> {
        let _lock = Flock::exclusive(self.file.as_raw_fd()).map_err(self.err("locking"))?;
        let len = self
            .file
            .metadata()
            .map_err(self.err("reading the log's size"))?
            .len();
        let (prev, torn) = match &self.last {
            Some((hash, at)) if *at == len => (hash.clone(), false),
            _ => tail_state(&mut self.file).map_err(self.err("reading the chain tail"))?,
        };
        let (time, _) = wall_time();
        let mut rec = fields;
        rec.insert("v".into(), Value::from(SCHEMA));
        rec.insert("session".into(), Value::from(self.session.clone()));
        rec.insert("seq".into(), Value::from(self.seq));
        rec.insert("time".into(), Value::from(time));
        rec.insert("mono_ns".into(), Value::from(mono_ns() as u64));
        rec.insert("type".into(), Value::from(kind));
        rec.insert("prev".into(), Value::from(prev));
        let hash = record_hash(&rec);
        rec.insert("hash".into(), Value::from(hash));
        let mut line = Vec::new();
        if torn {
            // Terminate a torn line so this record starts on its own line.
            line.push(b'\n');
        }
        serde_json::to_writer(&mut line, &Value::Object(rec.clone())).unwrap_or_default();
        line.push(b'\n');
        let n = self
            .file
            .write(&line)
            .map_err(self.err("appending a record"))?;
        if n != line.len() {
            return Err(AuditError::Io {
                path: self.path.clone(),
                what: "appending a record",
                source: std::io::Error::new(std::io::ErrorKind::WriteZero, "short write"),
            });
        }
        self.seq += 1;
        let hash = rec
            .get("hash")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.last = Some((hash, len + line.len() as u64));
        Ok(rec)
    }

    fn err(&self, what: &'static str) -> impl FnOnce(std::io::Error) -> AuditError {
        let path = self.path.clone();
        move |source| AuditError::Io { path, what, source }
    }

    /// Flush to stable storage (at session end).
    pub fn sync(&self) -> Result<(), AuditError> {
        self.file.sync_data().map_err(|source| AuditError::Io {
            path: self.path.clone(),
            what: "syncing",
            source,
        })
    }
}

/// Open (creating, 0600) a log file for appending.
fn open_file(path: &Path) -> Result<File, AuditError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .map_err(|source| AuditError::Io {
            path: path.to_path_buf(),
            what: "opening",
            source,
        })
}

/// An flock held until dropped. The descriptor must outlive it.
struct Flock(std::os::fd::RawFd);

impl Flock {
    fn exclusive(fd: std::os::fd::RawFd) -> std::io::Result<Self> {
        loop {
            // SAFETY: flock on a descriptor the caller owns; no memory is passed.
            let rc = unsafe { libc::flock(fd, libc::LOCK_EX) };
            if rc == 0 {
                return Ok(Flock(fd));
            }
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EINTR) {
                return Err(e);
            }
        }
    }
}

impl Drop for Flock {
    fn drop(&mut self) {
        // SAFETY: unlocking a descriptor the caller still owns (the lock lives
        // inside AuditLog::append, which borrows the file).
        unsafe { libc::flock(self.0, libc::LOCK_UN) };
    }
}

/// The hash of the last valid record and whether the file ends in a torn line.
fn tail_state(f: &mut File) -> std::io::Result<(String, bool)> {
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((GENESIS.to_string(), false));
    }
    let mut window: u64 = 64 * 1024;
    loop {
        let start = len.saturating_sub(window);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        f.take(len - start).read_to_end(&mut buf)?;
        let torn = buf.last() != Some(&b'\n');
        // Complete lines only; the first may be cut by the window.
        let lines: Vec<&[u8]> = buf.split(|b| *b == b'\n').collect();
        let complete = if torn {
            &lines[..lines.len().saturating_sub(1)]
        } else {
            &lines[..]
        };
        let skip_first = start > 0;
        for (i, line) in complete.iter().enumerate().rev() {
            if skip_first && i == 0 {
                break;
            }
            if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(line) {
                if let Some(h) = m.get("hash").and_then(Value::as_str) {
                    return Ok((h.to_string(), torn));
                }
            }
        }
        if start == 0 {
            return Ok((GENESIS.to_string(), torn));
        }
        window *= 4;
    }
}

/// One line of a log as read back.
#[derive(Debug, Clone)]
pub enum Line {
    /// A parsed record.
    Record(Map<String, Value>),
    /// A line that is not a complete JSON record (torn write or damage).
    Torn {
        /// 1-based line number.
        line: usize,
    },
}

/// Read every line of a log.
pub fn read(path: &Path) -> Result<Vec<(usize, Line)>, AuditError> {
    let text = std::fs::read(path).map_err(|source| AuditError::Io {
        path: path.to_path_buf(),
        what: "reading",
        source,
    })?;
    Ok(parse_lines(&text))
}

/// Parse log bytes into lines.
pub fn parse_lines(text: &[u8]) -> Vec<(usize, Line)> {
    let mut out = Vec::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(Value::Object(m)) if m.contains_key("hash") => out.push((i + 1, Line::Record(m))),
            _ => out.push((i + 1, Line::Torn { line: i + 1 })),
        }
    }
    out
}

/// Valid records only (torn lines skipped).
pub fn records(path: &Path) -> Result<Vec<Map<String, Value>>, AuditError> {
    Ok(read(path)?
        .into_iter()
        .filter_map(|(_, l)| match l {
            Line::Record(r) => Some(r),
            Line::Torn { .. } => None,
        })
        .collect())
}

/// What `verify` found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Verification {
    /// Records checked.
    pub records: usize,
    /// Sessions seen.
    pub sessions: usize,
    /// Torn lines skipped (line numbers).
    pub torn: Vec<usize>,
    /// Problems: tampering, loss, gaps.
    pub problems: Vec<String>,
    /// Sessions without a session.end (still running, or cut off).
    pub open_sessions: Vec<String>,
}

impl Verification {
    /// Whether the log is intact (torn last lines and open sessions are not failures).
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Check the hash chain, each record's hash, and per-session sequence numbers.
pub fn verify(lines: &[(usize, Line)]) -> Verification {
    let mut v = Verification::default();
    let mut prev = GENESIS.to_string();
    let mut seqs: std::collections::BTreeMap<String, u64> = Default::default();
    let mut ended: std::collections::BTreeSet<String> = Default::default();
    for (n, line) in lines {
        let rec = match line {
            Line::Torn { line } => {
                v.torn.push(*line);
                continue;
            }
            Line::Record(r) => r,
        };
        v.records += 1;
        let stored = rec.get("hash").and_then(Value::as_str).unwrap_or("");
        if record_hash(rec) != stored {
            v.problems.push(format!(
                "line {n}: record hash does not match its content (modified)"
            ));
        }
        let p = rec.get("prev").and_then(Value::as_str).unwrap_or("");
        if p != prev {
            v.problems.push(format!(
                "line {n}: chain broken: prev does not match the previous record's hash (a record before it was removed, changed or reordered)"
            ));
        }
        prev = stored.to_string();
        let session = rec
            .get("session")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let seq = rec.get("seq").and_then(Value::as_u64).unwrap_or(u64::MAX);
        let continued = rec.get("type").and_then(Value::as_str) == Some("log.continued");
        let want = match seqs.get(&session) {
            Some(s) => s + 1,
            // A session that began in a rotated-away file continues here.
            None if continued => seq,
            None => 0,
        };
        if seq != want {
            v.problems.push(format!(
                "line {n}: session {session}: sequence {seq}, expected {want} (records missing)"
            ));
        }
        seqs.insert(session.clone(), seq);
        if rec.get("type").and_then(Value::as_str) == Some("session.end") {
            ended.insert(session);
        }
    }
    v.sessions = seqs.len();
    v.open_sessions = seqs
        .keys()
        .filter(|s| !ended.contains(*s))
        .cloned()
        .collect();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("p1-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    fn fields(k: &str, v: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(k.into(), Value::from(v));
        m
    }

    #[test]
    fn chain_verifies_and_detects_tampering_and_loss() {
        let p = tmp("chain");
        let mut log = AuditLog::open(&p, "s1").expect("open");
        for i in 0..5 {
            log.append("denial", fields("n", &i.to_string()))
                .expect("append");
        }
        log.append("session.end", Map::new()).expect("end");
        let lines = read(&p).expect("read");
        let v = verify(&lines);
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!((v.records, v.sessions), (6, 1));

        let text = std::fs::read_to_string(&p).expect("read");
        // Modify a value.
        let changed = text.replacen("\"n\":\"2\"", "\"n\":\"7\"", 1);
        assert!(!verify(&parse_lines(changed.as_bytes())).ok());
        // Remove a line.
        let removed: String = text
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let v = verify(&parse_lines(removed.as_bytes()));
        assert!(
            v.problems.iter().any(|p| p.contains("chain broken")),
            "{:?}",
            v.problems
        );
        assert!(
            v.problems.iter().any(|p| p.contains("records missing")),
            "{:?}",
            v.problems
        );
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn a_rotated_log_continues_in_a_new_file_and_loses_nothing() {
        let p = tmp("rotate");
        let rotated = tmp("rotate.1");
        let mut log = AuditLog::open(&p, "s1").expect("open");
        log.append("session.start", Map::new()).expect("append");
        log.append("spawn", fields("n", "1")).expect("append");
        std::fs::rename(&p, &rotated).expect("rename");
        log.append("spawn", fields("n", "2")).expect("append");
        log.append("session.end", Map::new()).expect("end");
        let old = read(&rotated).expect("read");
        let new = read(&p).expect("read");
        let (vo, vn) = (verify(&old), verify(&new));
        assert!(vo.ok() && vn.ok(), "{:?} {:?}", vo.problems, vn.problems);
        assert_eq!(vo.open_sessions, vec!["s1".to_string()]);
        let recs: Vec<&Map<String, Value>> = new
            .iter()
            .filter_map(|(_, l)| match l {
                Line::Record(r) => Some(r),
                Line::Torn { .. } => None,
            })
            .collect();
        assert_eq!(recs[0]["type"], "log.continued");
        assert_eq!(recs[0]["seq"], 2);
        let last_old = match &old[1].1 {
            Line::Record(r) => r["hash"].clone(),
            Line::Torn { .. } => Value::Null,
        };
        assert_eq!(recs[0]["previous_hash"], last_old);
        assert_eq!(
            (recs[1]["seq"].as_u64(), recs[2]["seq"].as_u64()),
            (Some(3), Some(4))
        );
        // A removed log is recreated the same way.
        std::fs::remove_file(&p).expect("rm");
        log.append("notice", Map::new())
            .expect("append after removal");
        assert!(verify(&read(&p).expect("read")).ok());
        let _ = std::fs::remove_file(&p);
        let _ = std::fs::remove_file(&rotated);
    }

    #[test]
    fn torn_last_line_is_skipped_and_the_chain_continues() {
        let p = tmp("torn");
        let mut log = AuditLog::open(&p, "s1").expect("open");
        log.append("spawn", Map::new()).expect("append");
        // A writer died mid-record.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .expect("open")
            .write_all(b"{\"v\":1,\"sess")
            .expect("write");
        let mut log2 = AuditLog::open(&p, "s2").expect("open");
        log2.append("session.start", Map::new())
            .expect("append after torn line");
        let lines = read(&p).expect("read");
        let v = verify(&lines);
        assert_eq!(v.torn, vec![2]);
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!(v.records, 2);
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn concurrent_writers_never_interleave() {
        let p = tmp("concurrent");
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let p = p.clone();
                std::thread::spawn(move || {
                    let mut log = AuditLog::open(&p, &format!("s{t}")).expect("open");
                    for i in 0..100 {
                        log.append("denial", fields("pad", &"x".repeat(100 + i)))
                            .expect("append");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("join");
        }
        let v = verify(&read(&p).expect("read"));
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!((v.records, v.sessions), (400, 4));
        assert!(v.torn.is_empty());
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn time_formats_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
        assert_eq!(
            parse_time("2026-11-18T11:06:40.123Z"),
            Some(1_795_000_000_123)
        );
        assert_eq!(parse_time("2026-11-18"), Some(1_794_960_000_000));
        assert_eq!(parse_time("garbage"), None);
    }

    #[test]
    fn default_paths() {
        assert_eq!(
            default_path(0, None, Path::new("/root")),
            Path::new("/var/log/phase1/audit.jsonl")
        );
        assert_eq!(
            default_path(1000, Some("/s"), Path::new("/h")),
            Path::new("/s/phase1/audit.jsonl")
        );
        assert_eq!(
            default_path(1000, None, Path::new("/h")),
            Path::new("/h/.local/state/phase1/audit.jsonl")
        );
    }
}
