//! Union-key statistics of a trace: how much of the traffic the most popular keys carry (the
//! CDF of the paper's Fig. 15, §4.1), for a choice of key.
//!
//! Link types: Ethernet (802.1Q / 802.1ad tags skipped), raw IP (101, 228, 229) and Linux cooked
//! capture (113). IPv4 and IPv6 (extension headers walked). Ports are those of TCP and UDP, and
//! only in first fragments; other protocols have ports 0. With `inner`, VXLAN (UDP 4789) and GRE
//! packets are keyed by the packet they carry. Packets without the key's fields (non-IP) are
//! counted as skipped.

use crate::pcap::{
    PcapError, PcapReader, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW,
};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, Read, Write};
use std::str::FromStr;

/// Which header fields make the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Source and destination address, protocol, source and destination port.
    FiveTuple,
    SrcIp,
    DstIp,
    /// Source and destination address.
    IpPair,
    /// Protocol and source port.
    SrcPort,
    /// Protocol and destination port.
    DstPort,
    Proto,
}

impl KeyKind {
    pub const ALL: [KeyKind; 7] = [
        KeyKind::FiveTuple,
        KeyKind::SrcIp,
        KeyKind::DstIp,
        KeyKind::IpPair,
        KeyKind::SrcPort,
        KeyKind::DstPort,
        KeyKind::Proto,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KeyKind::FiveTuple => "5tuple",
            KeyKind::SrcIp => "srcip",
            KeyKind::DstIp => "dstip",
            KeyKind::IpPair => "ippair",
            KeyKind::SrcPort => "srcport",
            KeyKind::DstPort => "dstport",
            KeyKind::Proto => "proto",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<KeyKind, String> {
        KeyKind::ALL
            .into_iter()
            .find(|k| k.name() == s.to_ascii_lowercase())
            .ok_or_else(|| {
                format!("unknown key `{s}` (expected 5tuple, srcip, dstip, ippair, srcport, dstport or proto)")
            })
    }
}

/// What a key counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Packets,
    /// Bytes on the wire (the records' original lengths).
    Bytes,
}

impl FromStr for Weight {
    type Err = String;
    fn from_str(s: &str) -> Result<Weight, String> {
        match s {
            "packets" => Ok(Weight::Packets),
            "bytes" => Ok(Weight::Bytes),
            _ => Err(format!("unknown weight `{s}` (expected packets or bytes)")),
        }
    }
}

/// The header fields of one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields {
    /// IPv4 addresses are stored as IPv4-mapped IPv6 addresses.
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
}

/// A key, as bytes (at most two addresses, a protocol and two ports).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct KeyBytes([u8; 37]);

impl Fields {
    fn key(&self, kind: KeyKind) -> KeyBytes {
        let mut k = [0u8; 37];
        match kind {
            KeyKind::FiveTuple => {
                k[..16].copy_from_slice(&self.src);
                k[16..32].copy_from_slice(&self.dst);
                k[32] = self.proto;
                k[33..35].copy_from_slice(&self.sport.to_be_bytes());
                k[35..37].copy_from_slice(&self.dport.to_be_bytes());
            }
            KeyKind::SrcIp => k[..16].copy_from_slice(&self.src),
            KeyKind::DstIp => k[..16].copy_from_slice(&self.dst),
            KeyKind::IpPair => {
                k[..16].copy_from_slice(&self.src);
                k[16..32].copy_from_slice(&self.dst);
            }
            KeyKind::SrcPort => {
                k[32] = self.proto;
                k[33..35].copy_from_slice(&self.sport.to_be_bytes());
            }
            KeyKind::DstPort => {
                k[32] = self.proto;
                k[35..37].copy_from_slice(&self.dport.to_be_bytes());
            }
            KeyKind::Proto => k[32] = self.proto,
        }
        KeyBytes(k)
    }
}

fn v4_mapped(b: &[u8]) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[10] = 0xff;
    a[11] = 0xff;
    a[12..].copy_from_slice(&b[..4]);
    a
}

/// Header fields of a frame of link type `linktype`; `None` for non-IP or truncated packets.
pub fn parse_fields(frame: &[u8], linktype: u32, inner: bool) -> Option<Fields> {
    match linktype {
        LINKTYPE_ETHERNET => parse_ethernet(frame, inner, 0),
        LINKTYPE_RAW | LINKTYPE_IPV4 | LINKTYPE_IPV6 => parse_ip(frame, inner, 0),
        113 => {
            // Linux cooked capture: 16-byte header, protocol at 14.
            let proto = u16::from_be_bytes([*frame.get(14)?, *frame.get(15)?]);
            parse_ethertype(proto, frame.get(16..)?, inner, 0)
        }
        _ => None,
    }
}

fn parse_ethernet(f: &[u8], inner: bool, depth: u8) -> Option<Fields> {
    let mut off = 12;
    let mut ethertype = u16::from_be_bytes([*f.get(off)?, *f.get(off + 1)?]);
    while ethertype == 0x8100 || ethertype == 0x88a8 {
        off += 4;
        ethertype = u16::from_be_bytes([*f.get(off)?, *f.get(off + 1)?]);
    }
    parse_ethertype(ethertype, f.get(off + 2..)?, inner, depth)
}

fn parse_ethertype(ethertype: u16, rest: &[u8], inner: bool, depth: u8) -> Option<Fields> {
    match ethertype {
        0x0800 | 0x86dd => parse_ip(rest, inner, depth),
        _ => None,
    }
}

fn ports(proto: u8, l4: &[u8]) -> (u16, u16) {
    if (proto == 6 || proto == 17) && l4.len() >= 4 {
        (
            u16::from_be_bytes([l4[0], l4[1]]),
            u16::from_be_bytes([l4[2], l4[3]]),
        )
    } else {
        (0, 0)
    }
}

fn parse_ip(p: &[u8], inner: bool, depth: u8) -> Option<Fields> {
    let version = p.first()? >> 4;
    let (src, dst, proto, l4) = match version {
        4 => {
            let ihl = (p[0] & 0x0f) as usize * 4;
            if ihl < 20 || p.len() < ihl {
                return None;
            }
            let frag = u16::from_be_bytes([p[6], p[7]]) & 0x1fff;
            let l4: &[u8] = if frag == 0 { &p[ihl..] } else { &[] };
            (v4_mapped(&p[12..16]), v4_mapped(&p[16..20]), p[9], l4)
        }
        6 => {
            if p.len() < 40 {
                return None;
            }
            let mut src = [0u8; 16];
            let mut dst = [0u8; 16];
            src.copy_from_slice(&p[8..24]);
            dst.copy_from_slice(&p[24..40]);
            let mut next = p[6];
            let mut off = 40;
            let mut first_fragment = true;
            // Hop-by-hop, routing, fragment, destination options: at most a few.
            for _ in 0..8 {
                match next {
                    0 | 43 | 60 => {
                        let len = (*p.get(off + 1)? as usize + 1) * 8;
                        next = *p.get(off)?;
                        off += len;
                    }
                    44 => {
                        let fo = u16::from_be_bytes([*p.get(off + 2)?, *p.get(off + 3)?]) >> 3;
                        first_fragment = fo == 0;
                        next = *p.get(off)?;
                        off += 8;
                    }
                    _ => break,
                }
            }
            let l4: &[u8] = if first_fragment {
                p.get(off..).unwrap_or(&[])
            } else {
                &[]
            };
            (src, dst, next, l4)
        }
        _ => return None,
    };
    if inner && depth < 2 {
        if proto == 17 && l4.len() >= 8 + 8 && u16::from_be_bytes([l4[2], l4[3]]) == 4789 {
            if let Some(f) = parse_ethernet(&l4[16..], inner, depth + 1) {
                return Some(f);
            }
        }
        if proto == 47 && l4.len() >= 4 {
            let flags = u16::from_be_bytes([l4[0], l4[1]]);
            let ptype = u16::from_be_bytes([l4[2], l4[3]]);
            let mut off = 4;
            for bit in [0x8000u16, 0x2000, 0x1000] {
                if flags & bit != 0 {
                    off += 4;
                }
            }
            if let Some(rest) = l4.get(off..) {
                let f = if ptype == 0x6558 {
                    parse_ethernet(rest, inner, depth + 1)
                } else {
                    parse_ethertype(ptype, rest, inner, depth + 1)
                };
                if f.is_some() {
                    return f;
                }
            }
        }
    }
    let (sport, dport) = ports(proto, l4);
    Some(Fields {
        src,
        dst,
        proto,
        sport,
        dport,
    })
}

/// FxHash-style hasher: keys are not attacker-controlled here, and SipHash would dominate.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn finish(&self) -> u64 {
        crate::rng::mix64(self.0)
    }
}

/// Counts per key.
pub struct KeyCounter {
    kind: KeyKind,
    weight: Weight,
    inner: bool,
    counts: HashMap<KeyBytes, u64, BuildHasherDefault<FastHasher>>,
    pub packets: u64,
    pub skipped: u64,
}

impl KeyCounter {
    pub fn new(kind: KeyKind, weight: Weight, inner: bool) -> KeyCounter {
        KeyCounter {
            kind,
            weight,
            inner,
            counts: HashMap::default(),
            packets: 0,
            skipped: 0,
        }
    }

    pub fn add(&mut self, frame: &[u8], orig_len: u32, linktype: u32) {
        self.packets += 1;
        match parse_fields(frame, linktype, self.inner) {
            Some(f) => {
                let w = match self.weight {
                    Weight::Packets => 1,
                    Weight::Bytes => orig_len as u64,
                };
                *self.counts.entry(f.key(self.kind)).or_insert(0) += w;
            }
            None => self.skipped += 1,
        }
    }

    /// Reads a whole pcap stream.
    pub fn add_pcap<R: Read>(&mut self, reader: &mut PcapReader<R>) -> Result<(), PcapError> {
        let linktype = reader.header().linktype;
        while let Some(rec) = reader.next()? {
            self.add(rec.data, rec.orig_len, linktype);
        }
        Ok(())
    }

    pub fn finish(self) -> KeyCdf {
        let mut counts: Vec<u64> = self.counts.into_values().collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let total = counts.iter().sum();
        let mut cum = Vec::with_capacity(counts.len());
        let mut acc = 0u64;
        for c in &counts {
            acc += c;
            cum.push(acc);
        }
        KeyCdf {
            kind: self.kind,
            weight: self.weight,
            packets: self.packets,
            skipped: self.skipped,
            total,
            cum,
        }
    }
}

/// The union-key CDF: keys ranked by traffic.
#[derive(Clone, Debug)]
pub struct KeyCdf {
    pub kind: KeyKind,
    pub weight: Weight,
    pub packets: u64,
    pub skipped: u64,
    /// Total weight of the counted packets.
    pub total: u64,
    /// `cum[k]` = traffic of the `k + 1` most popular keys.
    cum: Vec<u64>,
}

impl KeyCdf {
    pub fn keys(&self) -> u64 {
        self.cum.len() as u64
    }

    /// Share of the traffic carried by the `top` most popular keys.
    pub fn share_of_top_keys(&self, top: u64) -> f64 {
        if self.total == 0 || top == 0 {
            return 0.0;
        }
        let k = (top.min(self.keys()) - 1) as usize;
        self.cum[k] as f64 / self.total as f64
    }

    /// Share of the traffic carried by the top `fraction` of keys (rounded up to whole keys).
    pub fn share_of_top_fraction(&self, fraction: f64) -> f64 {
        let top = (fraction.clamp(0.0, 1.0) * self.keys() as f64).ceil() as u64;
        self.share_of_top_keys(top)
    }

    /// The fewest keys carrying at least `share` of the traffic.
    pub fn keys_for_share(&self, share: f64) -> u64 {
        let target = (share.clamp(0.0, 1.0) * self.total as f64).ceil() as u64;
        self.cum.partition_point(|&c| c < target) as u64 + 1
    }

    /// `(key_fraction, traffic_fraction)` points: every key up to 100, then log-spaced up to all
    /// keys (about 300 points), starting at (0, 0) and ending at (1, 1).
    pub fn points(&self) -> Vec<(f64, f64)> {
        let n = self.keys();
        let mut ks: Vec<u64> = (1..=n.min(100)).collect();
        if n > 100 {
            let steps = 200;
            let (a, b) = ((100f64).ln(), (n as f64).ln());
            for s in 1..=steps {
                let k = (a + (b - a) * s as f64 / steps as f64).exp().round() as u64;
                if k > *ks.last().unwrap_or(&0) && k <= n {
                    ks.push(k);
                }
            }
            if *ks.last().unwrap_or(&0) != n {
                ks.push(n);
            }
        }
        let mut pts = vec![(0.0, 0.0)];
        pts.extend(
            ks.into_iter()
                .map(|k| (k as f64 / n as f64, self.share_of_top_keys(k))),
        );
        pts
    }

    /// The CSV the scenario format reads as a `cdf` distribution (`key_fraction,traffic_fraction`).
    pub fn write_csv(&self, source: &str, w: &mut dyn Write) -> io::Result<()> {
        writeln!(
            w,
            "# exo-traffic stats: {source}, key {}, weight {}, {} keys, {} packets ({} without the key's fields)",
            self.kind,
            match self.weight {
                Weight::Packets => "packets",
                Weight::Bytes => "bytes",
            },
            self.keys(),
            self.packets,
            self.skipped
        )?;
        writeln!(w, "key_fraction,traffic_fraction")?;
        for (x, y) in self.points() {
            writeln!(w, "{x:.9},{y:.9}")?;
        }
        Ok(())
    }

    /// A human summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "key {}: {} keys in {} packets ({} without the key's fields)\n",
            self.kind,
            self.keys(),
            self.packets,
            self.skipped
        );
        for f in [0.001, 0.01, 0.05, 0.1, 0.2, 0.5] {
            s += &format!(
                "  top {:>5.1}% of keys: {:6.2}% of traffic\n",
                f * 100.0,
                100.0 * self.share_of_top_fraction(f)
            );
        }
        for share in [0.5, 0.8, 0.9, 0.99] {
            let k = self.keys_for_share(share);
            s += &format!(
                "  {:>3.0}% of traffic: {} keys ({:.3}%)\n",
                share * 100.0,
                k,
                100.0 * k as f64 / self.keys().max(1) as f64
            );
        }
        s
    }
}
