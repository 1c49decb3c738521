//! Classic libpcap files: reader and writer.
//!
//! Both byte orders and both timestamp resolutions (magic `0xa1b2c3d4` for microseconds,
//! `0xa1b23c4d` for nanoseconds) are read; the writer produces either. pcapng is recognised and
//! refused with a message saying so. Every error names the file and the byte offset where the
//! problem starts. Reading never panics and never allocates more than [`MAX_RECORD`] bytes for a
//! record, whatever the input.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Link types this crate produces and understands.
pub const LINKTYPE_ETHERNET: u32 = 1;
pub const LINKTYPE_RAW: u32 = 101;
pub const LINKTYPE_IPV4: u32 = 228;
pub const LINKTYPE_IPV6: u32 = 229;

/// The largest record accepted (libpcap's own limit for non-USB link types).
pub const MAX_RECORD: u32 = 262_144;

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
const MAGIC_PCAPNG: u32 = 0x0a0d_0d0a;
const GLOBAL_HEADER_LEN: u64 = 24;
const RECORD_HEADER_LEN: u64 = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PcapErrorKind {
    /// The file ended inside the 24-byte global header.
    TruncatedGlobalHeader,
    /// The magic number is not a pcap one.
    BadMagic(u32),
    /// A pcapng file.
    Pcapng,
    /// The file ended inside a 16-byte record header.
    TruncatedRecordHeader,
    /// The file ended inside a record's data.
    TruncatedRecord {
        expected: u32,
        available: u64,
    },
    /// A record longer than [`MAX_RECORD`].
    RecordTooLong(u32),
    /// A record whose captured length exceeds its original length.
    CapturedLongerThanOriginal {
        captured: u32,
        original: u32,
    },
    Io(String),
}

impl fmt::Display for PcapErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PcapErrorKind::TruncatedGlobalHeader => {
                write!(f, "truncated: a pcap file starts with a 24-byte header")
            }
            PcapErrorKind::BadMagic(m) => write!(
                f,
                "not a pcap file (magic number {m:#010x}; expected a1b2c3d4 or a1b23c4d in either byte order)"
            ),
            PcapErrorKind::Pcapng => write!(
                f,
                "this is a pcapng file; only classic pcap is read (convert with `editcap -F pcap IN OUT`)"
            ),
            PcapErrorKind::TruncatedRecordHeader => {
                write!(f, "truncated: the file ends inside a 16-byte packet record header")
            }
            PcapErrorKind::TruncatedRecord {
                expected,
                available,
            } => write!(
                f,
                "truncated: the packet record announces {expected} bytes but only {available} follow"
            ),
            PcapErrorKind::RecordTooLong(n) => write!(
                f,
                "packet record of {n} bytes is longer than the {MAX_RECORD}-byte limit (corrupt file?)"
            ),
            PcapErrorKind::CapturedLongerThanOriginal { captured, original } => write!(
                f,
                "packet record captures {captured} bytes of a {original}-byte packet (corrupt file?)"
            ),
            PcapErrorKind::Io(e) => write!(f, "{e}"),
        }
    }
}

/// A problem in a pcap file: which file, where, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: byte {offset}: {kind}", path.display())]
pub struct PcapError {
    pub path: PathBuf,
    pub offset: u64,
    pub kind: PcapErrorKind,
}

/// Timestamp resolution of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    Micros,
    Nanos,
}

/// The global header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcapHeader {
    pub big_endian: bool,
    pub resolution: Resolution,
    pub version: (u16, u16),
    pub snaplen: u32,
    pub linktype: u32,
}

/// One record, borrowed from the reader's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// Nanoseconds since the epoch (microsecond files are scaled).
    pub ts_ns: u64,
    /// Length of the packet on the wire (`>= data.len()`).
    pub orig_len: u32,
    pub data: &'a [u8],
}

/// Streaming reader over any `Read` (wrap files in a `BufReader`).
pub struct PcapReader<R> {
    inner: R,
    path: PathBuf,
    offset: u64,
    header: PcapHeader,
    buf: Vec<u8>,
}

/// Reads as many bytes as are available up to `buf.len()`; returns how many.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

impl PcapReader<io::BufReader<std::fs::File>> {
    /// Opens a file.
    pub fn open(path: &Path) -> Result<Self, PcapError> {
        let f = std::fs::File::open(path).map_err(|e| PcapError {
            path: path.to_path_buf(),
            offset: 0,
            kind: PcapErrorKind::Io(e.to_string()),
        })?;
        PcapReader::new(io::BufReader::with_capacity(1 << 20, f), path)
    }
}

impl<R: Read> PcapReader<R> {
    /// Reads the global header; `path` names the input in errors.
    pub fn new(mut inner: R, path: impl Into<PathBuf>) -> Result<Self, PcapError> {
        let path = path.into();
        let err = |offset, kind| PcapError {
            path: path.clone(),
            offset,
            kind,
        };
        let mut h = [0u8; GLOBAL_HEADER_LEN as usize];
        let got =
            read_full(&mut inner, &mut h).map_err(|e| err(0, PcapErrorKind::Io(e.to_string())))?;
        if got >= 4 {
            let m = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
            if m == MAGIC_PCAPNG {
                return Err(err(0, PcapErrorKind::Pcapng));
            }
        }
        if got < h.len() {
            if got >= 4 {
                let le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
                let be = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
                if ![MAGIC_MICROS, MAGIC_NANOS].contains(&le)
                    && ![MAGIC_MICROS, MAGIC_NANOS].contains(&be)
                {
                    return Err(err(0, PcapErrorKind::BadMagic(be)));
                }
            }
            return Err(err(got as u64, PcapErrorKind::TruncatedGlobalHeader));
        }
        let le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let be = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        let (big_endian, resolution) = match (le, be) {
            (MAGIC_MICROS, _) => (false, Resolution::Micros),
            (MAGIC_NANOS, _) => (false, Resolution::Nanos),
            (_, MAGIC_MICROS) => (true, Resolution::Micros),
            (_, MAGIC_NANOS) => (true, Resolution::Nanos),
            _ => return Err(err(0, PcapErrorKind::BadMagic(be))),
        };
        let u16_at = |o: usize| {
            let b = [h[o], h[o + 1]];
            if big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            }
        };
        let u32_at = |o: usize| {
            let b = [h[o], h[o + 1], h[o + 2], h[o + 3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let header = PcapHeader {
            big_endian,
            resolution,
            version: (u16_at(4), u16_at(6)),
            snaplen: u32_at(16),
            // The upper bits may carry an FCS length (pcap-linktype(7)).
            linktype: u32_at(20) & 0x03ff_ffff,
        };
        Ok(PcapReader {
            inner,
            path,
            offset: GLOBAL_HEADER_LEN,
            header,
            buf: Vec::new(),
        })
    }

    pub fn header(&self) -> PcapHeader {
        self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Byte offset of the next record.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn error(&self, offset: u64, kind: PcapErrorKind) -> PcapError {
        PcapError {
            path: self.path.clone(),
            offset,
            kind,
        }
    }

    /// The next record, or `None` at a clean end of file.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Record<'_>>, PcapError> {
        let start = self.offset;
        let mut h = [0u8; RECORD_HEADER_LEN as usize];
        let got = read_full(&mut self.inner, &mut h)
            .map_err(|e| self.error(start, PcapErrorKind::Io(e.to_string())))?;
        if got == 0 {
            return Ok(None);
        }
        if got < h.len() {
            return Err(self.error(start, PcapErrorKind::TruncatedRecordHeader));
        }
        let be = self.header.big_endian;
        let u32_at = |o: usize| {
            let b = [h[o], h[o + 1], h[o + 2], h[o + 3]];
            if be {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let (sec, frac, incl, orig) = (u32_at(0), u32_at(4), u32_at(8), u32_at(12));
        if incl > MAX_RECORD {
            return Err(self.error(start, PcapErrorKind::RecordTooLong(incl)));
        }
        if incl > orig {
            return Err(self.error(
                start,
                PcapErrorKind::CapturedLongerThanOriginal {
                    captured: incl,
                    original: orig,
                },
            ));
        }
        self.buf.resize(incl as usize, 0);
        let got = read_full(&mut self.inner, &mut self.buf)
            .map_err(|e| self.error(start, PcapErrorKind::Io(e.to_string())))?;
        if got < incl as usize {
            return Err(self.error(
                start,
                PcapErrorKind::TruncatedRecord {
                    expected: incl,
                    available: got as u64,
                },
            ));
        }
        self.offset = start + RECORD_HEADER_LEN + incl as u64;
        let frac_ns = match self.header.resolution {
            Resolution::Micros => frac as u64 * 1000,
            Resolution::Nanos => frac as u64,
        };
        Ok(Some(Record {
            ts_ns: sec as u64 * 1_000_000_000 + frac_ns,
            orig_len: orig,
            data: &self.buf,
        }))
    }
}

/// Options of a written file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriterOptions {
    pub resolution: Resolution,
    pub big_endian: bool,
    pub snaplen: u32,
    pub linktype: u32,
}

impl Default for WriterOptions {
    /// Little-endian, microseconds, Ethernet: what tcpdump writes on x86.
    fn default() -> WriterOptions {
        WriterOptions {
            resolution: Resolution::Micros,
            big_endian: false,
            snaplen: 65_535,
            linktype: LINKTYPE_ETHERNET,
        }
    }
}

/// Writes records to any `Write` (wrap files in a `BufWriter`).
pub struct PcapWriter<W: Write> {
    inner: W,
    opts: WriterOptions,
    packets: u64,
}

impl<W: Write> PcapWriter<W> {
    pub fn new(mut inner: W, opts: WriterOptions) -> io::Result<Self> {
        let magic = match opts.resolution {
            Resolution::Micros => MAGIC_MICROS,
            Resolution::Nanos => MAGIC_NANOS,
        };
        let mut h = Vec::with_capacity(24);
        let p32 = |v: u32, h: &mut Vec<u8>| {
            h.extend_from_slice(&if opts.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
        };
        let p16 = |v: u16, h: &mut Vec<u8>| {
            h.extend_from_slice(&if opts.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
        };
        p32(magic, &mut h);
        p16(2, &mut h);
        p16(4, &mut h);
        p32(0, &mut h); // thiszone
        p32(0, &mut h); // sigfigs
        p32(opts.snaplen, &mut h);
        p32(opts.linktype, &mut h);
        inner.write_all(&h)?;
        Ok(PcapWriter {
            inner,
            opts,
            packets: 0,
        })
    }

    /// Writes one packet captured whole (`orig_len = data.len()`), cut to the snap length.
    pub fn write(&mut self, ts_ns: u64, data: &[u8]) -> io::Result<()> {
        self.write_record(ts_ns, data, data.len() as u32)
    }

    /// Writes one record with an explicit original length.
    pub fn write_record(&mut self, ts_ns: u64, data: &[u8], orig_len: u32) -> io::Result<()> {
        let incl = data.len().min(self.opts.snaplen as usize);
        let sec = (ts_ns / 1_000_000_000) as u32;
        let frac = match self.opts.resolution {
            Resolution::Micros => ((ts_ns % 1_000_000_000) / 1000) as u32,
            Resolution::Nanos => (ts_ns % 1_000_000_000) as u32,
        };
        let fields = [sec, frac, incl as u32, orig_len.max(incl as u32)];
        let mut h = [0u8; 16];
        for (i, v) in fields.iter().enumerate() {
            let b = if self.opts.big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            h[4 * i..4 * i + 4].copy_from_slice(&b);
        }
        self.inner.write_all(&h)?;
        self.inner.write_all(&data[..incl])?;
        self.packets += 1;
        Ok(())
    }

    pub fn packets(&self) -> u64 {
        self.packets
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-packet file as tcpdump writes it on x86 (little-endian, microseconds).
    const TCPDUMP_LE: [u8; 24 + 16 + 4] = [
        0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0,
        0x01, 0, 0, 0, // global header
        0x10, 0, 0, 0, 0x20, 0xa1, 0x07, 0x00, 0x04, 0, 0, 0, 0x3c, 0, 0, 0, // record
        0xde, 0xad, 0xbe, 0xef,
    ];

    #[test]
    fn reads_a_known_file() {
        let mut r = PcapReader::new(&TCPDUMP_LE[..], "t.pcap").unwrap();
        let h = r.header();
        assert!(!h.big_endian);
        assert_eq!(h.resolution, Resolution::Micros);
        assert_eq!(h.linktype, LINKTYPE_ETHERNET);
        assert_eq!(h.snaplen, 65535);
        let rec = r.next().unwrap().unwrap();
        assert_eq!(rec.ts_ns, 16_000_000_000 + 500_000_000);
        assert_eq!(rec.orig_len, 60);
        assert_eq!(rec.data, &[0xde, 0xad, 0xbe, 0xef]);
        assert!(r.next().unwrap().is_none());
    }

    #[test]
    fn writes_the_known_file() {
        let mut w = PcapWriter::new(Vec::new(), WriterOptions::default()).unwrap();
        w.write_record(16_500_000_000, &[0xde, 0xad, 0xbe, 0xef], 60)
            .unwrap();
        assert_eq!(w.into_inner(), TCPDUMP_LE.to_vec());
    }

    #[test]
    fn errors_name_file_and_offset() {
        let e = PcapReader::new(&TCPDUMP_LE[..10], "short.pcap")
            .err()
            .unwrap();
        assert_eq!(e.offset, 10);
        assert_eq!(e.kind, PcapErrorKind::TruncatedGlobalHeader);
        assert!(
            e.to_string().starts_with("short.pcap: byte 10: truncated"),
            "{e}"
        );

        let mut r = PcapReader::new(&TCPDUMP_LE[..42], "cut.pcap").unwrap();
        let e = r.next().err().unwrap();
        assert_eq!(e.offset, 24);
        assert!(matches!(
            e.kind,
            PcapErrorKind::TruncatedRecord {
                expected: 4,
                available: 2
            }
        ));

        let e = PcapReader::new(&b"hello, this is not a pcap file"[..], "x.txt")
            .err()
            .unwrap();
        assert!(matches!(e.kind, PcapErrorKind::BadMagic(_)));
        assert!(e.to_string().contains("not a pcap file"), "{e}");
    }
}
