//! Parsing TOML files with errors that name the file, the line and the key.
//!
//! serde does the parsing; [`Located`] turns a byte offset into a line, a column
//! and the dotted key that stands there, so every error about a policy or
//! manifest file reads `file:line: key `x.y`: message`.

use serde::de::DeserializeOwned;
use std::fmt;

/// Where in a TOML document something stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file as the user knows it (a path, or `runtimes/x.toml (built-in)`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Dotted key at that place (`fs.read`), or empty when none could be found.
    pub key: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        } else {
            write!(
                f,
                "{}:{}:{}: key `{}`",
                self.file, self.line, self.column, self.key
            )
        }
    }
}

/// A TOML file that failed to parse into the expected shape.
#[derive(Debug, thiserror::Error)]
#[error("{at}: {message}")]
pub struct TomlError {
    /// Where the problem is.
    pub at: Located,
    /// What is wrong, from the TOML parser or the schema.
    pub message: String,
}

/// Largest policy or manifest file accepted (they are a few KiB).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Read a policy or manifest file, at most one byte more than
/// [`MAX_FILE_BYTES`] (so [`parse`] can say it is too large without the
/// whole of a huge file in memory).
pub fn read_limited(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// Parse `text` (read from `file`) into `T`, mapping errors to file/line/key.
pub fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, TomlError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(TomlError {
            at: Located {
                file: file.to_string(),
                line: 1,
                column: 1,
                key: String::new(),
            },
            message: format!("file too large: more than {MAX_FILE_BYTES} bytes"),
        });
    }
    toml::from_str::<T>(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let mut message = e.message().trim().to_string();
        if let Some(first) = message.lines().next() {
            message = first.to_string();
        }
        if let Some(hint) = did_you_mean(&message) {
            message.push_str(&format!("; did you mean `{hint}`?"));
        }
        TomlError {
            at: locate(file, text, offset),
            message,
        }
    })
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (or "unknown
/// variant"), the expected name closest to `x`, when it is close enough.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (got, expected) = rest.split_once('`')?;
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|c| (edit_distance(got, c), c))
        .min()?;
    (best.0 > 0 && best.0 <= got.len().max(3) / 2 + 1).then(|| best.1.to_string())
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Turn a byte offset in `text` into a [`Located`].
pub fn locate(file: &str, text: &str, offset: usize) -> Located {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    Located {
        file: file.to_string(),
        line,
        column,
        key: key_at(text, offset),
    }
}

/// The dotted key whose value contains `offset`: the last `[table]` header above
/// it joined with the nearest `key =` at or above the offset inside that table.
fn key_at(text: &str, offset: usize) -> String {
    let mut table = String::new();
    let mut key = String::new();
    let mut pos = 0usize;
    for raw in text.split_inclusive('\n') {
        if pos > offset {
            break;
        }
        let line = raw.trim();
        if line.starts_with('[') {
            table = line
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            key.clear();
        } else if let Some((k, _)) = line.split_once('=') {
            let k = k.trim();
            if !k.is_empty() && !k.starts_with('#') && !k.contains(' ') && !k.contains('"') {
                key = k.to_string();
            }
        }
        pos += raw.len();
    }
    match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_get_a_did_you_mean() {
        assert_eq!(
            did_you_mean("unknown field `wirte`, expected `read`, `write` or `exec`"),
            Some("write".into())
        );
        assert_eq!(
            did_you_mean("unknown variant `tpc`, expected one of `none`, `tcp`, `full`"),
            Some("tcp".into())
        );
        assert_eq!(
            did_you_mean("unknown field `spawn_everything`, expected one of `name`, `fs`"),
            None
        );
        assert_eq!(did_you_mean("invalid type: string"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn huge_files_are_refused_before_parsing() {
        let text = format!("name = \"x\"\n#{}\n", "a".repeat(MAX_FILE_BYTES));
        let e = parse::<toml::Value>("big.toml", &text).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("big.toml:1:1: file too large: more than {MAX_FILE_BYTES} bytes")
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        limits: Limits,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Limits {
        pids: u32,
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let text = "name = \"x\"\n\n[limits]\npids = \"many\"\n";
        let err = parse::<Doc>("m.toml", text).unwrap_err();
        assert_eq!(err.at.line, 4);
        assert_eq!(err.at.key, "limits.pids");
        assert!(err.to_string().starts_with("m.toml:4:"), "{err}");
    }

    #[test]
    fn unknown_key_is_named() {
        let text = "name = \"x\"\n[limits]\npids = 3\npidz = 4\n";
        let err = parse::<Doc>("m.toml", text).unwrap_err();
        assert_eq!(err.at.line, 4);
        assert_eq!(err.at.key, "limits.pidz");
        assert!(err.message.contains("pidz"), "{}", err.message);
    }

    #[test]
    fn locate_counts_columns_from_one() {
        let at = locate("f", "a = 1\nbb = 2\n", 7);
        assert_eq!((at.line, at.column, at.key.as_str()), (2, 2, "bb"));
    }
}
