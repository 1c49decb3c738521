//! Reading a union-key distribution from a pcap trace: count packets per key, rank the keys.
//!
//! Classic pcap only (either byte order, micro- or nanosecond timestamps), link types Ethernet
//! (with 802.1Q/802.1ad tags), raw IP and Linux cooked capture. Non-IP packets and IP packets
//! without the key's fields (e.g. ICMP for `5tuple`) are skipped.

use crate::dist::EmpiricalCdf;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which header fields make the key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PcapKey {
    /// Source and destination address, protocol, source and destination port.
    #[default]
    #[serde(rename = "5tuple")]
    FiveTuple,
    SrcIp,
    DstIp,
    /// Source and destination address.
    IpPair,
}

/// What went wrong, with the byte offset in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcapError {
    pub offset: u64,
    pub message: String,
}

/// Per-key packet counts of a pcap held in memory, as a CDF.
pub fn key_cdf(bytes: &[u8], key: PcapKey) -> Result<EmpiricalCdf, PcapError> {
    let counts = count_keys(bytes, key)?;
    Ok(EmpiricalCdf::from_counts(counts.into_values().collect()))
}

/// Packets per distinct key.
pub fn count_keys(bytes: &[u8], key: PcapKey) -> Result<HashMap<Vec<u8>, u64>, PcapError> {
    let err = |offset: usize, message: &str| PcapError {
        offset: offset as u64,
        message: message.to_string(),
    };
    if bytes.len() < 24 {
        return Err(err(0, "too short for a pcap global header (24 bytes)"));
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    let le = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        [0x0a, 0x0d, 0x0d, 0x0a] => {
            return Err(err(
                0,
                "pcapng is not supported; convert with `editcap -F pcap`",
            ))
        }
        _ => return Err(err(0, "not a pcap file (bad magic number)")),
    };
    let u32_at = |o: usize| {
        let b = [bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]];
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let linktype = u32_at(20) & 0x0fff_ffff;
    if !matches!(linktype, 1 | 12 | 101 | 113 | 228 | 229) {
        return Err(err(20, &format!("unsupported link type {linktype}")));
    }
    let mut counts: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut off = 24usize;
    while off < bytes.len() {
        if bytes.len() - off < 16 {
            return Err(err(off, "truncated packet record header"));
        }
        let incl = u32_at(off + 8) as usize;
        let data_start = off + 16;
        if bytes.len() - data_start < incl {
            return Err(err(
                off,
                &format!("truncated packet: record says {incl} bytes"),
            ));
        }
        let frame = &bytes[data_start..data_start + incl];
        if let Some(k) = frame_key(frame, linktype, key) {
            *counts.entry(k).or_insert(0) += 1;
        }
        off = data_start + incl;
    }
    Ok(counts)
}

fn frame_key(frame: &[u8], linktype: u32, key: PcapKey) -> Option<Vec<u8>> {
    let ip = match linktype {
        1 => {
            let mut et = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
            let mut o = 14;
            while et == 0x8100 || et == 0x88a8 {
                et = u16::from_be_bytes([*frame.get(o + 2)?, *frame.get(o + 3)?]);
                o += 4;
            }
            if et != 0x0800 && et != 0x86dd {
                return None;
            }
            frame.get(o..)?
        }
        113 => {
            let et = u16::from_be_bytes([*frame.get(14)?, *frame.get(15)?]);
            if et != 0x0800 && et != 0x86dd {
                return None;
            }
            frame.get(16..)?
        }
        _ => frame,
    };
    let version = ip.first()? >> 4;
    let (src, dst, proto, l4) = match version {
        4 => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            let frag = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]) & 0x1fff;
            let l4 = if frag == 0 { ip.get(ihl..) } else { None };
            (ip.get(12..16)?, ip.get(16..20)?, *ip.get(9)?, l4)
        }
        6 => (ip.get(8..24)?, ip.get(24..40)?, *ip.get(6)?, ip.get(40..)),
        _ => return None,
    };
    let mut k = Vec::with_capacity(37);
    match key {
        PcapKey::SrcIp => k.extend_from_slice(src),
        PcapKey::DstIp => k.extend_from_slice(dst),
        PcapKey::IpPair => {
            k.extend_from_slice(src);
            k.extend_from_slice(dst);
        }
        PcapKey::FiveTuple => {
            if proto != 6 && proto != 17 {
                return None;
            }
            let ports = l4?.get(0..4)?;
            k.extend_from_slice(src);
            k.extend_from_slice(dst);
            k.push(proto);
            k.extend_from_slice(ports);
        }
    }
    Some(k)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A little-endian microsecond pcap with Ethernet/IPv4/UDP frames, one per `(src, sport)`.
    pub(crate) fn make_pcap(flows: &[(u32, u16)]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65535u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        for &(src, sport) in flows {
            let mut f = vec![0u8; 12];
            f.extend_from_slice(&[0x08, 0x00]);
            let mut ip = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0];
            ip.extend_from_slice(&src.to_be_bytes());
            ip.extend_from_slice(&[10, 0, 0, 1]);
            f.extend_from_slice(&ip);
            f.extend_from_slice(&sport.to_be_bytes());
            f.extend_from_slice(&[0, 53, 0, 8, 0, 0]);
            out.extend_from_slice(&[0; 8]);
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&f);
        }
        out
    }

    #[test]
    fn counts_five_tuples_and_source_addresses() {
        let p = make_pcap(&[(1, 10), (1, 10), (1, 11), (2, 10)]);
        let c = count_keys(&p, PcapKey::FiveTuple).expect("ok");
        assert_eq!(c.len(), 3);
        assert_eq!(c.values().max(), Some(&2));
        let c = count_keys(&p, PcapKey::SrcIp).expect("ok");
        assert_eq!(c.len(), 2);
        let cdf = key_cdf(&p, PcapKey::SrcIp).expect("ok");
        assert!((cdf.at(0.5) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn bad_files_name_the_offset() {
        assert_eq!(count_keys(b"hello", PcapKey::SrcIp).unwrap_err().offset, 0);
        let mut p = make_pcap(&[(1, 10), (2, 10)]);
        p.truncate(p.len() - 3);
        let e = count_keys(&p, PcapKey::SrcIp).unwrap_err();
        assert!(e.offset > 24 && e.message.contains("truncated"), "{e:?}");
        let mut bad = make_pcap(&[]);
        bad[0] = 0;
        assert!(count_keys(&bad, PcapKey::SrcIp)
            .unwrap_err()
            .message
            .contains("magic"));
    }
}
