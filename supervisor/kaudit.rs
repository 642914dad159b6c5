//! Kernel audit records: parsing `key=value` text and grouping the records of
//! one event (same serial) until its end-of-event record. Pure.

use std::collections::BTreeMap;

/// LANDLOCK_ACCESS.
pub const LANDLOCK_ACCESS: u16 = 1423;
/// LANDLOCK_DOMAIN.
pub const LANDLOCK_DOMAIN: u16 = 1424;
/// SYSCALL.
pub const SYSCALL: u16 = 1300;
/// SECCOMP.
pub const SECCOMP: u16 = 1326;
/// End of event.
pub const EOE: u16 = 1320;

/// The serial number of `audit(SECONDS.MILLIS:SERIAL): ...`.
pub fn serial(text: &str) -> Option<u64> {
    let rest = text.strip_prefix("audit(")?;
    let end = rest.find(')')?;
    rest[..end].split(':').nth(1)?.parse().ok()
}

/// `key=value` pairs of a record (quoted values unquoted).
pub fn fields(text: &str) -> BTreeMap<String, String> {
    let body = text.split_once("): ").map(|(_, b)| b).unwrap_or(text);
    let mut out = BTreeMap::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_string();
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (q[..end].to_string(), &q[end + 1..]),
                None => (q.to_string(), ""),
            }
        } else {
            match after.find(' ') {
                Some(end) => (after[..end].to_string(), &after[end..]),
                None => (after.to_string(), ""),
            }
        };
        out.insert(key, value);
        rest = next.trim_start();
    }
    out
}

/// The records of one event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// Serial.
    pub serial: u64,
    /// (type, fields) in arrival order.
    pub records: Vec<(u16, BTreeMap<String, String>)>,
}

impl Event {
    /// The first record of a type.
    pub fn get(&self, kind: u16) -> Option<&BTreeMap<String, String>> {
        self.records
            .iter()
            .find(|(t, _)| *t == kind)
            .map(|(_, f)| f)
    }
    /// All records of a type.
    pub fn all(&self, kind: u16) -> impl Iterator<Item = &BTreeMap<String, String>> {
        self.records
            .iter()
            .filter(move |(t, _)| *t == kind)
            .map(|(_, f)| f)
    }
}

/// Groups records by serial; an event is complete at its EOE record.
#[derive(Debug, Default)]
pub struct Assembler {
    pending: BTreeMap<u64, Event>,
}

impl Assembler {
    /// Add one record; returns the event it completes, if any. Records that
    /// have no serial, or that never get an EOE (standalone), come out on flush.
    pub fn push(&mut self, kind: u16, text: &str) -> Option<Event> {
        let serial = serial(text)?;
        let ev = self.pending.entry(serial).or_insert_with(|| Event {
            serial,
            records: Vec::new(),
        });
        if kind == EOE {
            return self.pending.remove(&serial);
        }
        let f = fields(text);
        // A domain's deallocation is logged on its own, without an EOE.
        let standalone =
            kind == LANDLOCK_DOMAIN && f.get("status").map(String::as_str) == Some("deallocated");
        ev.records.push((kind, f));
        if standalone {
            return self.pending.remove(&serial);
        }
        None
    }

    /// Everything still pending (at the end of a session).
    pub fn flush(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.pending).into_values().collect()
    }
}

/// The capability a Landlock blocker belongs to, and the access it stands for.
pub fn blocker_capability(blocker: &str) -> (&'static str, &'static str) {
    match blocker {
        "fs.read_file" | "fs.read_dir" => ("fs.read", "read"),
        "fs.execute" => ("host.exec", "exec"),
        b if b.starts_with("fs.") => ("fs.write", "write"),
        "net.connect_tcp" => ("host.net", "tcp.connect"),
        "net.bind_tcp" => ("host.net", "tcp.bind"),
        b if b.starts_with("net.") => ("host.net", "net"),
        _ => (
            "scope (not grantable: the sandbox may not reach outside its domain)",
            "scope",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real records, as read from the kernel on this machine.
    const ACCESS: &str = "audit(1795590939.694:20): domain=17a08f77d blockers=fs.read_file path=\"/etc/shadow\" dev=\"vda\" ino=817";
    const DOMAIN: &str = "audit(1795590939.694:18): domain=17a08f77d status=allocated mode=enforcing pid=24970 uid=0 exe=\"/work/main/target/debug/phase1-supervise\" comm=\"phase1-supervis\"";
    const SYSCALL_REC: &str = "audit(1795590939.694:20): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffef1499f05 a2=0 a3=0 items=0 ppid=24971 pid=24972 auid=4294967295 uid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)";

    #[test]
    fn fields_are_parsed() {
        let f = fields(ACCESS);
        assert_eq!(f["domain"], "17a08f77d");
        assert_eq!(f["blockers"], "fs.read_file");
        assert_eq!(f["path"], "/etc/shadow");
        assert_eq!(f["ino"], "817");
        let d = fields(DOMAIN);
        assert_eq!(d["pid"], "24970");
        assert_eq!(d["comm"], "phase1-supervis");
        let s = fields(SYSCALL_REC);
        assert_eq!(
            (s["syscall"].as_str(), s["pid"].as_str(), s["exe"].as_str()),
            ("257", "24972", "/usr/bin/cat")
        );
        assert_eq!(serial(ACCESS), Some(20));
    }

    #[test]
    fn events_complete_at_eoe() {
        let mut a = Assembler::default();
        assert!(a.push(LANDLOCK_ACCESS, ACCESS).is_none());
        assert!(a.push(SYSCALL, SYSCALL_REC).is_none());
        assert!(a
            .push(1327, "audit(1795590939.694:20): proctitle=636174")
            .is_none());
        let ev = a.push(EOE, "audit(1795590939.694:20): ").expect("complete");
        assert_eq!(ev.serial, 20);
        assert_eq!(
            ev.get(LANDLOCK_ACCESS).map(|f| f["path"].as_str()),
            Some("/etc/shadow")
        );
        assert_eq!(ev.get(SYSCALL).map(|f| f["syscall"].as_str()), Some("257"));
        assert!(a.flush().is_empty());
        let ev = a
            .push(
                LANDLOCK_DOMAIN,
                "audit(1.2:21): domain=1 status=deallocated denials=3",
            )
            .expect("a deallocation stands alone");
        assert_eq!(
            ev.get(LANDLOCK_DOMAIN).map(|f| f["status"].as_str()),
            Some("deallocated")
        );
        assert!(a
            .push(
                LANDLOCK_DOMAIN,
                "audit(1.2:22): domain=2 status=allocated pid=1"
            )
            .is_none());
        assert_eq!(a.flush().len(), 1);
    }

    #[test]
    fn blockers_map_to_capabilities() {
        assert_eq!(blocker_capability("fs.read_file"), ("fs.read", "read"));
        assert_eq!(blocker_capability("fs.make_reg"), ("fs.write", "write"));
        assert_eq!(blocker_capability("fs.execute"), ("host.exec", "exec"));
        assert_eq!(
            blocker_capability("net.connect_tcp"),
            ("host.net", "tcp.connect")
        );
        assert!(blocker_capability("scope.signal").0.starts_with("scope"));
    }
}
