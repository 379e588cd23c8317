//! Test support shared by the integration tests (std only): temporary
//! directories, the sled-dump v1 reader (/work/shared/formats/sled-dump.md),
//! CRC-32, a small JSON reader for the fixtures' expectation files, and the
//! daemon's bincode `CacheEntry`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory removed (recursively) when dropped. Created under
/// `$LMKV_TEST_TMP` (set by tests/run.sh) or the system temp directory.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::var_os("LMKV_TEST_TMP").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
        let p = base.join(format!("lmkv-rs-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The repository's tests/fixtures/sled (or `$LMKV_FIXTURES/sled`).
pub fn sled_fixtures() -> PathBuf {
    match std::env::var_os("LMKV_FIXTURES") {
        Some(p) => PathBuf::from(p).join("sled"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/fixtures/sled"),
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib's crc32()
/// and sled's checksum. `crc` is the running value (0 to start).
pub fn crc32_update(crc: u32, data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *e = c;
        }
        t
    });
    let mut c = !crc;
    for &b in data {
        c = t[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// One collection of a sled dump.
#[derive(Debug, Clone)]
pub struct Collection {
    pub kind: Vec<u8>,
    pub name: Vec<u8>,
    pub pairs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Reads a whole (uncompressed) sled-dump v1 file, enforcing the format's
/// rules: magic, version, flags, tags, counts, strictly ascending keys,
/// nothing after the footer, and the CRC.
pub fn read_sled_dump(path: &Path) -> Result<Vec<Collection>, String> {
    let buf = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut pos = 0usize;
    let take = |pos: &mut usize, n: usize| -> Result<&[u8], String> {
        if buf.len() - *pos < n {
            return Err(format!("truncated at byte {}", *pos));
        }
        let s = &buf[*pos..*pos + n];
        *pos += n;
        Ok(s)
    };
    let u64_at = |pos: &mut usize| -> Result<u64, String> { Ok(u64::from_le_bytes(take(pos, 8)?.try_into().unwrap())) };
    if take(&mut pos, 8)? != b"SLEDDUMP" {
        return Err("bad magic".into());
    }
    let version = u32::from_le_bytes(take(&mut pos, 4)?.try_into().unwrap());
    let flags = u32::from_le_bytes(take(&mut pos, 4)?.try_into().unwrap());
    if version != 1 || flags != 0 {
        return Err(format!("version {version} flags {flags}"));
    }
    let mut out = Vec::new();
    let mut total = 0u64;
    loop {
        let at = pos;
        match take(&mut pos, 1)?[0] {
            b'C' => {
                let n = u64_at(&mut pos)? as usize;
                let kind = take(&mut pos, n)?.to_vec();
                let n = u64_at(&mut pos)? as usize;
                let name = take(&mut pos, n)?.to_vec();
                let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
                loop {
                    let at = pos;
                    match take(&mut pos, 1)?[0] {
                        b'P' => {
                            let n = u64_at(&mut pos)? as usize;
                            let k = take(&mut pos, n)?.to_vec();
                            let n = u64_at(&mut pos)? as usize;
                            let v = take(&mut pos, n)?.to_vec();
                            if let Some((last, _)) = pairs.last() {
                                if *last >= k {
                                    return Err(format!("keys not ascending at byte {at}"));
                                }
                            }
                            pairs.push((k, v));
                        }
                        b'E' => {
                            if u64_at(&mut pos)? != pairs.len() as u64 {
                                return Err(format!("pair count mismatch at byte {at}"));
                            }
                            break;
                        }
                        t => return Err(format!("unknown tag {t:#x} at byte {at}")),
                    }
                }
                total += pairs.len() as u64;
                out.push(Collection { kind, name, pairs });
            }
            b'Z' => {
                let ncoll = u64_at(&mut pos)?;
                let npairs = u64_at(&mut pos)?;
                let crc_end = pos;
                let crc = u32::from_le_bytes(take(&mut pos, 4)?.try_into().unwrap());
                if ncoll != out.len() as u64 || npairs != total {
                    return Err("footer counts mismatch".into());
                }
                if pos != buf.len() {
                    return Err(format!("trailing bytes after footer at byte {pos}"));
                }
                if crc32_update(0, &buf[..crc_end]) != crc {
                    return Err("crc mismatch".into());
                }
                return Ok(out);
            }
            t => return Err(format!("unknown tag {t:#x} at byte {at}")),
        }
    }
}

/// A JSON value (enough for the fixtures' expectation files).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

impl Json {
    pub fn parse(s: &str) -> Result<Json, String> {
        let b = s.as_bytes();
        let mut i = 0;
        let v = parse_value(b, &mut i)?;
        skip_ws(b, &mut i);
        if i != b.len() {
            return Err(format!("trailing JSON at {i}"));
        }
        Ok(v)
    }
    pub fn get(&self, k: &str) -> &Json {
        match self {
            Json::Obj(m) => m.get(k).unwrap_or(&Json::Null),
            _ => &Json::Null,
        }
    }
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Num(n) if *n >= 0.0 && n.fract() == 0.0 => Some(*n as u64),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_array(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            _ => &[],
        }
    }
}

fn skip_ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && b[*i].is_ascii_whitespace() {
        *i += 1;
    }
}

fn parse_value(b: &[u8], i: &mut usize) -> Result<Json, String> {
    skip_ws(b, i);
    let c = *b.get(*i).ok_or("unexpected end of JSON")?;
    match c {
        b'{' => {
            *i += 1;
            let mut m = BTreeMap::new();
            skip_ws(b, i);
            if b.get(*i) == Some(&b'}') {
                *i += 1;
                return Ok(Json::Obj(m));
            }
            loop {
                skip_ws(b, i);
                let k = match parse_value(b, i)? {
                    Json::Str(s) => s,
                    _ => return Err(format!("object key at {i}")),
                };
                skip_ws(b, i);
                if b.get(*i) != Some(&b':') {
                    return Err(format!("expected ':' at {i}"));
                }
                *i += 1;
                m.insert(k, parse_value(b, i)?);
                skip_ws(b, i);
                match b.get(*i) {
                    Some(b',') => *i += 1,
                    Some(b'}') => {
                        *i += 1;
                        return Ok(Json::Obj(m));
                    }
                    _ => return Err(format!("expected ',' or '}}' at {i}")),
                }
            }
        }
        b'[' => {
            *i += 1;
            let mut a = Vec::new();
            skip_ws(b, i);
            if b.get(*i) == Some(&b']') {
                *i += 1;
                return Ok(Json::Arr(a));
            }
            loop {
                a.push(parse_value(b, i)?);
                skip_ws(b, i);
                match b.get(*i) {
                    Some(b',') => *i += 1,
                    Some(b']') => {
                        *i += 1;
                        return Ok(Json::Arr(a));
                    }
                    _ => return Err(format!("expected ',' or ']' at {i}")),
                }
            }
        }
        b'"' => {
            *i += 1;
            let mut s = String::new();
            loop {
                let c = *b.get(*i).ok_or("unterminated string")?;
                *i += 1;
                match c {
                    b'"' => return Ok(Json::Str(s)),
                    b'\\' => {
                        let e = *b.get(*i).ok_or("bad escape")?;
                        *i += 1;
                        match e {
                            b'"' => s.push('"'),
                            b'\\' => s.push('\\'),
                            b'/' => s.push('/'),
                            b'b' => s.push('\u{8}'),
                            b'f' => s.push('\u{c}'),
                            b'n' => s.push('\n'),
                            b'r' => s.push('\r'),
                            b't' => s.push('\t'),
                            b'u' => {
                                let hex = std::str::from_utf8(b.get(*i..*i + 4).ok_or("bad \\u")?)
                                    .map_err(|e| e.to_string())?;
                                let cp = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                                *i += 4;
                                s.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                            }
                            _ => return Err("bad escape".into()),
                        }
                    }
                    _ => {
                        // Copy a whole UTF-8 sequence.
                        let start = *i - 1;
                        let mut end = *i;
                        while end < b.len() && (b[end] & 0xC0) == 0x80 {
                            end += 1;
                        }
                        s.push_str(std::str::from_utf8(&b[start..end]).map_err(|e| e.to_string())?);
                        *i = end;
                    }
                }
            }
        }
        b't' if b[*i..].starts_with(b"true") => {
            *i += 4;
            Ok(Json::Bool(true))
        }
        b'f' if b[*i..].starts_with(b"false") => {
            *i += 5;
            Ok(Json::Bool(false))
        }
        b'n' if b[*i..].starts_with(b"null") => {
            *i += 4;
            Ok(Json::Null)
        }
        _ => {
            let start = *i;
            while *i < b.len() && matches!(b[*i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                *i += 1;
            }
            let t = std::str::from_utf8(&b[start..*i]).unwrap();
            t.parse::<f64>().map(Json::Num).map_err(|_| format!("bad JSON at {start}"))
        }
    }
}

/// The daemon's `CacheEntry` (universal_cache/store.rs at a0a73659), in
/// bincode 1.x default layout: u64 len | data | u64 secs | u32 nanos |
/// u64 secs | u32 nanos | u64 access_count | u64 size_bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    pub data: Vec<u8>,
    pub created_at: (u64, u32),
    pub last_accessed: (u64, u32),
    pub access_count: u64,
    pub size_bytes: u64,
}

impl CacheEntry {
    pub fn decode(b: &[u8]) -> Result<CacheEntry, String> {
        let rd64 = |o: usize| -> Result<u64, String> {
            b.get(o..o + 8).map(|s| u64::from_le_bytes(s.try_into().unwrap())).ok_or_else(|| format!("short at {o}"))
        };
        let rd32 = |o: usize| -> Result<u32, String> {
            b.get(o..o + 4).map(|s| u32::from_le_bytes(s.try_into().unwrap())).ok_or_else(|| format!("short at {o}"))
        };
        let n = rd64(0)? as usize;
        let data = b.get(8..8 + n).ok_or("data runs past the end")?.to_vec();
        let o = 8 + n;
        let e = CacheEntry {
            data,
            created_at: (rd64(o)?, rd32(o + 8)?),
            last_accessed: (rd64(o + 12)?, rd32(o + 20)?),
            access_count: rd64(o + 24)?,
            size_bytes: rd64(o + 32)?,
        };
        if o + 40 != b.len() {
            return Err(format!("{} trailing bytes", b.len() - o - 40));
        }
        Ok(e)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.data.len() + 48);
        v.extend_from_slice(&(self.data.len() as u64).to_le_bytes());
        v.extend_from_slice(&self.data);
        v.extend_from_slice(&self.created_at.0.to_le_bytes());
        v.extend_from_slice(&self.created_at.1.to_le_bytes());
        v.extend_from_slice(&self.last_accessed.0.to_le_bytes());
        v.extend_from_slice(&self.last_accessed.1.to_le_bytes());
        v.extend_from_slice(&self.access_count.to_le_bytes());
        v.extend_from_slice(&self.size_bytes.to_le_bytes());
        v
    }
}

/// FNV-1a 64 (a stand-in for the daemon's blake3 content hash: any stable
/// hash gives keys of the same shape).
pub fn fnv64(parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for p in parts {
        for &b in *p {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
