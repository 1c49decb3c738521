//! Building packets: Ethernet, IPv4, IPv6, TCP, UDP, VXLAN (RFC 7348) and GRE (RFC 2784/2890),
//! with every length and checksum filled in (IPv4 header checksum, TCP and UDP checksums over the
//! IPv4 or IPv6 pseudo-header; a UDP checksum that computes to 0 is sent as 0xffff, RFC 768).
//!
//! A [`PacketSpec`] describes one packet; [`PacketSpec::write`] appends its bytes to a buffer.
//! Writing allocates only when the buffer has to grow, so a generator reusing one buffer builds
//! packets without allocating.

use std::net::{Ipv4Addr, Ipv6Addr};

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_GRE: u8 = 47;
pub const UDP_PORT_VXLAN: u16 = 4789;

pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_RST: u8 = 0x04;
pub const TCP_PSH: u8 = 0x08;
pub const TCP_ACK: u8 = 0x10;

pub const ETHERNET_LEN: usize = 14;
pub const IPV4_LEN: usize = 20;
pub const IPV6_LEN: usize = 40;
pub const TCP_LEN: usize = 20;
pub const UDP_LEN: usize = 8;
pub const VXLAN_LEN: usize = 8;

/// Ones'-complement sum of `data` as big-endian 16-bit words (odd length padded with a zero
/// byte), not yet folded: add several with `+` and finish with [`fold`].
pub fn ones_sum(data: &[u8]) -> u64 {
    // 32-bit big-endian words: 2^16 = 1 (mod 2^16 - 1), so their sum folds to the same value.
    let mut sum = 0u64;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        sum += u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as u64;
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 4];
    tail[..rest.len()].copy_from_slice(rest);
    sum + u32::from_be_bytes(tail) as u64
}

/// Folds a [`ones_sum`] to 16 bits.
pub fn fold(mut sum: u64) -> u16 {
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The Internet checksum of `data` (RFC 1071).
pub fn checksum(data: &[u8]) -> u16 {
    !fold(ones_sum(data))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ethernet {
    pub dst: [u8; 6],
    pub src: [u8; 6],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4 {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub tos: u8,
    pub ident: u16,
    pub dont_fragment: bool,
}

impl Ipv4 {
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr) -> Ipv4 {
        Ipv4 {
            src,
            dst,
            ttl: 64,
            tos: 0,
            ident: 0,
            dont_fragment: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6 {
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
    pub traffic_class: u8,
    pub flow_label: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ip {
    V4(Ipv4),
    V6(Ipv6),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tcp {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Udp {
    pub sport: u16,
    pub dport: u16,
    /// Compute the checksum (false: send 0, allowed over IPv4 only).
    pub checksum: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp(Tcp),
    Udp(Udp),
    /// Another IP protocol: the payload follows the IP header directly.
    Other(u8),
}

/// An outer tunnel around the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encap {
    None,
    /// Outer Ethernet / IPv4 / UDP (checksum 0) / VXLAN around the whole inner frame.
    Vxlan {
        outer_eth: Ethernet,
        outer_ip: Ipv4,
        sport: u16,
        vni: u32,
    },
    /// Outer Ethernet / IPv4 / GRE around the inner IP packet (the inner Ethernet header is not
    /// carried); with the key extension when `key` is set.
    Gre {
        outer_eth: Ethernet,
        outer_ip: Ipv4,
        key: Option<u32>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    Bytes(&'a [u8]),
    /// That many zero bytes.
    Zeros(usize),
}

impl Payload<'_> {
    pub fn len(&self) -> usize {
        match self {
            Payload::Bytes(b) => b.len(),
            Payload::Zeros(n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketSpec<'a> {
    pub eth: Ethernet,
    pub ip: Ip,
    pub transport: Transport,
    pub payload: Payload<'a>,
    pub encap: Encap,
}

impl PacketSpec<'_> {
    fn ip_len(&self) -> usize {
        match self.ip {
            Ip::V4(_) => IPV4_LEN,
            Ip::V6(_) => IPV6_LEN,
        }
    }

    fn l4_len(&self) -> usize {
        match self.transport {
            Transport::Tcp(_) => TCP_LEN,
            Transport::Udp(_) => UDP_LEN,
            Transport::Other(_) => 0,
        }
    }

    fn encap_len(&self) -> usize {
        match self.encap {
            Encap::None => 0,
            Encap::Vxlan { .. } => ETHERNET_LEN + IPV4_LEN + UDP_LEN + VXLAN_LEN,
            // The inner Ethernet header is replaced by the outer one.
            Encap::Gre { key, .. } => IPV4_LEN + 4 + if key.is_some() { 4 } else { 0 },
        }
    }

    /// Bytes before the payload.
    pub fn header_len(&self) -> usize {
        ETHERNET_LEN + self.ip_len() + self.l4_len() + self.encap_len()
    }

    /// Bytes of the whole frame (no FCS).
    pub fn len(&self) -> usize {
        self.header_len() + self.payload.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the frame to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        let start = out.len();
        let inner_ip_total = self.ip_len() + self.l4_len() + self.payload.len();
        match self.encap {
            Encap::None => {}
            Encap::Vxlan {
                outer_eth,
                outer_ip,
                sport,
                vni,
            } => {
                let udp_len = UDP_LEN + VXLAN_LEN + ETHERNET_LEN + inner_ip_total;
                write_ethernet(out, &outer_eth, ETHERTYPE_IPV4);
                write_ipv4(out, &outer_ip, IPPROTO_UDP, udp_len);
                out.extend_from_slice(&sport.to_be_bytes());
                out.extend_from_slice(&UDP_PORT_VXLAN.to_be_bytes());
                out.extend_from_slice(&(udp_len as u16).to_be_bytes());
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(&[0x08, 0, 0, 0]);
                out.extend_from_slice(&((vni & 0x00ff_ffff) << 8).to_be_bytes());
            }
            Encap::Gre {
                outer_eth,
                outer_ip,
                key,
            } => {
                let gre_len = 4 + if key.is_some() { 4 } else { 0 };
                write_ethernet(out, &outer_eth, ETHERTYPE_IPV4);
                write_ipv4(out, &outer_ip, IPPROTO_GRE, gre_len + inner_ip_total);
                let flags: u16 = if key.is_some() { 0x2000 } else { 0 };
                out.extend_from_slice(&flags.to_be_bytes());
                let proto = match self.ip {
                    Ip::V4(_) => ETHERTYPE_IPV4,
                    Ip::V6(_) => ETHERTYPE_IPV6,
                };
                out.extend_from_slice(&proto.to_be_bytes());
                if let Some(k) = key {
                    out.extend_from_slice(&k.to_be_bytes());
                }
            }
        }
        let ethertype = match self.ip {
            Ip::V4(_) => ETHERTYPE_IPV4,
            Ip::V6(_) => ETHERTYPE_IPV6,
        };
        if !matches!(self.encap, Encap::Gre { .. }) {
            write_ethernet(out, &self.eth, ethertype);
        }
        let proto = match self.transport {
            Transport::Tcp(_) => IPPROTO_TCP,
            Transport::Udp(_) => IPPROTO_UDP,
            Transport::Other(p) => p,
        };
        let l4_total = self.l4_len() + self.payload.len();
        // Pseudo-header sum for the transport checksum.
        let pseudo = match &self.ip {
            Ip::V4(h) => {
                write_ipv4(out, h, proto, l4_total);
                ones_sum(&h.src.octets())
                    + ones_sum(&h.dst.octets())
                    + proto as u64
                    + l4_total as u64
            }
            Ip::V6(h) => {
                write_ipv6(out, h, proto, l4_total);
                ones_sum(&h.src.octets())
                    + ones_sum(&h.dst.octets())
                    + proto as u64
                    + l4_total as u64
            }
        };
        let l4_start = out.len();
        match self.transport {
            Transport::Tcp(t) => {
                out.extend_from_slice(&t.sport.to_be_bytes());
                out.extend_from_slice(&t.dport.to_be_bytes());
                out.extend_from_slice(&t.seq.to_be_bytes());
                out.extend_from_slice(&t.ack.to_be_bytes());
                out.extend_from_slice(&[0x50, t.flags]);
                out.extend_from_slice(&t.window.to_be_bytes());
                out.extend_from_slice(&[0, 0, 0, 0]);
            }
            Transport::Udp(u) => {
                out.extend_from_slice(&u.sport.to_be_bytes());
                out.extend_from_slice(&u.dport.to_be_bytes());
                out.extend_from_slice(&(l4_total as u16).to_be_bytes());
                out.extend_from_slice(&[0, 0]);
            }
            Transport::Other(_) => {}
        }
        let payload_sum = match self.payload {
            Payload::Bytes(b) => {
                // An odd-length header never precedes the payload, so word alignment holds.
                out.extend_from_slice(b);
                ones_sum(b)
            }
            Payload::Zeros(n) => {
                out.resize(out.len() + n, 0);
                0
            }
        };
        let csum_at = match self.transport {
            Transport::Tcp(_) => Some(l4_start + 16),
            Transport::Udp(u) if u.checksum || matches!(self.ip, Ip::V6(_)) => Some(l4_start + 6),
            _ => None,
        };
        if let Some(at) = csum_at {
            let hdr = ones_sum(&out[l4_start..l4_start + self.l4_len()]);
            let mut c = !fold(pseudo + hdr + payload_sum);
            if c == 0 && matches!(self.transport, Transport::Udp(_)) {
                c = 0xffff;
            }
            out[at..at + 2].copy_from_slice(&c.to_be_bytes());
        }
        debug_assert_eq!(out.len() - start, self.len());
    }

    /// The frame as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len());
        self.write(&mut v);
        v
    }
}

fn write_ethernet(out: &mut Vec<u8>, e: &Ethernet, ethertype: u16) {
    out.extend_from_slice(&e.dst);
    out.extend_from_slice(&e.src);
    out.extend_from_slice(&ethertype.to_be_bytes());
}

fn write_ipv4(out: &mut Vec<u8>, h: &Ipv4, proto: u8, payload_len: usize) {
    let at = out.len();
    let total = (IPV4_LEN + payload_len) as u16;
    let flags: u16 = if h.dont_fragment { 0x4000 } else { 0 };
    out.extend_from_slice(&[0x45, h.tos]);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&h.ident.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&[h.ttl, proto, 0, 0]);
    out.extend_from_slice(&h.src.octets());
    out.extend_from_slice(&h.dst.octets());
    let c = checksum(&out[at..at + IPV4_LEN]);
    out[at + 10..at + 12].copy_from_slice(&c.to_be_bytes());
}

fn write_ipv6(out: &mut Vec<u8>, h: &Ipv6, next: u8, payload_len: usize) {
    let first = (6u32 << 28) | ((h.traffic_class as u32) << 20) | (h.flow_label & 0x000f_ffff);
    out.extend_from_slice(&first.to_be_bytes());
    out.extend_from_slice(&(payload_len as u16).to_be_bytes());
    out.extend_from_slice(&[next, h.hop_limit]);
    out.extend_from_slice(&h.src.octets());
    out.extend_from_slice(&h.dst.octets());
}

/// `"02:00:00:00:00:01"` as bytes (for tests and configuration).
pub fn mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut out {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}
