//! The ExoPlane apps' traffic: for each app of `p4/apps/` (see its README for the address plan),
//! what flow `i` of its keyspace is, what its packets look like, and which control-plane entries
//! make the app process them (STF `add` / `register_write` lines).
//!
//! Flows are pure functions of (app seed, flow index): nothing is stored, so a keyspace of
//! millions of flows costs no memory and the entry generator recomputes exactly the flows the
//! trace generator used. Every union-key value is unique within an app's keyspace (up to
//! [`AppKind::max_flows`]) so that per-flow exact-match entries never collide. [`expect`] says
//! what each app does with each flow's packets, for tests.

pub mod expect;
mod gateway;
mod leaf;

use crate::rng::{hash3, Permutation};
use crate::wire::{
    Encap, Ethernet, Ip, Ipv4, PacketSpec, Payload, Tcp, Transport, Udp, TCP_ACK, TCP_PSH,
};
use expect::Egress;
use std::fmt;
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::path::Path;

/// The switch's router MAC, and the next hop on the uplink (documentation range, RFC 7042).
pub const SWITCH_MAC: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01];
pub const UPLINK_MAC: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x53, 0xfe];
/// Ports of the entries: 1 is the uplink, 2 faces the hosts.
pub const PORT_UPLINK: u16 = 1;
pub const PORT_HOSTS: u16 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AppKind {
    VpnGateway,
    Nat,
    Acl,
    UnivMon,
    VmNat,
    StatefulFw,
    SynProxy,
    NetCache,
    /// Any other program: random IPv4 TCP/UDP 5-tuples, no entries.
    Generic,
}

impl AppKind {
    pub const ALL: [AppKind; 9] = [
        AppKind::VpnGateway,
        AppKind::Nat,
        AppKind::Acl,
        AppKind::UnivMon,
        AppKind::VmNat,
        AppKind::StatefulFw,
        AppKind::SynProxy,
        AppKind::NetCache,
        AppKind::Generic,
    ];

    /// The app's file stem in `p4/apps/`.
    pub fn name(self) -> &'static str {
        match self {
            AppKind::VpnGateway => "vpn_gateway",
            AppKind::Nat => "nat",
            AppKind::Acl => "acl",
            AppKind::UnivMon => "univmon",
            AppKind::VmNat => "vm_nat",
            AppKind::StatefulFw => "stateful_fw",
            AppKind::SynProxy => "syn_proxy",
            AppKind::NetCache => "netcache",
            AppKind::Generic => "generic",
        }
    }

    /// From a file stem or a usual short name (`vpn`, `fw`, `synproxy`, ...).
    pub fn from_name(s: &str) -> Option<AppKind> {
        let s = s.to_ascii_lowercase().replace('-', "_");
        Some(match s.as_str() {
            "vpn_gateway" | "vpn" => AppKind::VpnGateway,
            "nat" => AppKind::Nat,
            "acl" => AppKind::Acl,
            "univmon" | "monitor" => AppKind::UnivMon,
            "vm_nat" | "vmnat" => AppKind::VmNat,
            "stateful_fw" | "fw" | "firewall" => AppKind::StatefulFw,
            "syn_proxy" | "synproxy" => AppKind::SynProxy,
            "netcache" => AppKind::NetCache,
            "generic" => AppKind::Generic,
            _ => return None,
        })
    }

    /// From the program's path (`.../vm_nat.p4`), falling back to the app's name.
    pub fn detect(p4: Option<&Path>, name: &str) -> AppKind {
        p4.and_then(|p| p.file_stem())
            .and_then(|s| s.to_str())
            .and_then(AppKind::from_name)
            .or_else(|| AppKind::from_name(name))
            .unwrap_or(AppKind::Generic)
    }

    /// The largest keyspace for which every flow has its own union-key value.
    pub fn max_flows(self) -> u64 {
        match self {
            AppKind::VpnGateway => 1 << 23,
            AppKind::VmNat | AppKind::StatefulFw => 2 * 4096 * 32_000,
            AppKind::NetCache => u64::MAX,
            _ => 64_512 * 65_536,
        }
    }
}

impl fmt::Display for AppKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One app's keyspace.
#[derive(Clone, Debug)]
pub struct AppSpace {
    pub kind: AppKind,
    /// Seed of this app's flows (see [`app_seed`]).
    pub seed: u64,
    pub flows: u64,
    /// Popularity rank (0 = most popular) -> flow index, before churn.
    pub popularity: Permutation,
}

/// The seed of an app's flows: a function of the trace seed and the app's name, so that the
/// entries of an app do not change when other apps are added to the scenario.
pub fn app_seed(trace_seed: u64, app_name: &str) -> u64 {
    // FNV-1a of the name.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in app_name.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    hash3(trace_seed, h, 0)
}

impl AppSpace {
    pub fn new(kind: AppKind, trace_seed: u64, app_name: &str, flows: u64) -> AppSpace {
        let seed = app_seed(trace_seed, app_name);
        AppSpace {
            kind,
            seed,
            flows,
            popularity: Permutation::new(flows, seed ^ 0x706f_7075_6c61_7269),
        }
    }

    /// Random bits number `k` of flow `i`.
    #[inline]
    pub(crate) fn bits(&self, i: u64, k: u64) -> u64 {
        hash3(self.seed, k, i)
    }
}

/// Per-packet inputs that are not a function of the flow.
#[derive(Clone, Copy, Debug)]
pub struct PacketCtx {
    /// Packet number in the trace (IPv4 identification, NetCache sequence numbers).
    pub number: u64,
    /// Fresh random bits (NetCache operation, PUT values).
    pub random: u64,
    /// Target frame size.
    pub size: u16,
}

/// Writes one packet of flow `flow` to `out` (appended); `scratch` holds payloads.
pub fn write_packet(
    space: &AppSpace,
    flow: u64,
    ctx: &PacketCtx,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    let shape = match space.kind {
        AppKind::VpnGateway => gateway::vpn_packet(space, flow),
        AppKind::Nat => gateway::nat_packet(space, flow),
        AppKind::Acl => gateway::acl_packet(space, flow),
        AppKind::UnivMon | AppKind::Generic => gateway::univmon_packet(space, flow),
        AppKind::VmNat => leaf::vm_nat_packet(space, flow),
        AppKind::StatefulFw => leaf::fw_packet(space, flow),
        AppKind::SynProxy => leaf::syn_proxy_packet(space, flow),
        AppKind::NetCache => leaf::netcache_packet(space, flow, ctx),
    };
    shape.write(ctx, scratch, out);
}

/// The control-plane entries (STF lines) that make the app process its traffic. Returns the
/// number of lines written.
pub fn write_entries(space: &AppSpace, cached_keys: u64, w: &mut dyn Write) -> io::Result<u64> {
    let mut out = Lines { w, n: 0 };
    writeln!(
        out.w,
        "# {} entries for {} flows (exo-traffic; consistent with traces of the same seed)",
        space.kind, space.flows
    )?;
    match space.kind {
        AppKind::VpnGateway => gateway::vpn_entries(space, &mut out)?,
        AppKind::Nat => gateway::nat_entries(space, &mut out)?,
        AppKind::Acl => gateway::acl_entries(space, &mut out)?,
        AppKind::UnivMon => gateway::univmon_entries(space, &mut out)?,
        AppKind::VmNat => leaf::vm_nat_entries(space, &mut out)?,
        AppKind::StatefulFw => leaf::fw_entries(space, &mut out)?,
        AppKind::SynProxy => leaf::syn_proxy_entries(space, &mut out)?,
        AppKind::NetCache => leaf::netcache_entries(space, cached_keys, &mut out)?,
        AppKind::Generic => {}
    }
    Ok(out.n)
}

/// Counts the lines written.
pub(crate) struct Lines<'a> {
    w: &'a mut dyn Write,
    n: u64,
}

impl Lines<'_> {
    pub(crate) fn line(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
        self.w.write_fmt(args)?;
        self.w.write_all(b"\n")?;
        self.n += 1;
        Ok(())
    }
}

/// What one packet of a flow looks like, before sizing.
pub(crate) struct Shape {
    pub eth: Ethernet,
    pub ip: Ipv4,
    pub transport: Transport,
    pub encap: Encap,
    /// Bytes the payload starts with (a NetCache header), then zeros.
    pub prefix: Option<([u8; 37], usize)>,
}

impl Shape {
    fn write(&self, ctx: &PacketCtx, scratch: &mut Vec<u8>, out: &mut Vec<u8>) {
        let mut ip = self.ip;
        ip.ident = ctx.number as u16;
        let mut spec = PacketSpec {
            eth: self.eth,
            ip: Ip::V4(ip),
            transport: self.transport,
            payload: Payload::Zeros(0),
            encap: self.encap,
        };
        let prefix_len = self.prefix.map_or(0, |(_, n)| n);
        let room = (ctx.size as usize).saturating_sub(spec.header_len());
        let payload_len = room.max(prefix_len);
        if let Transport::Tcp(t) = &mut spec.transport {
            if payload_len > 0 {
                t.flags |= TCP_PSH;
            }
        }
        match self.prefix {
            Some((bytes, n)) => {
                scratch.clear();
                scratch.extend_from_slice(&bytes[..n]);
                scratch.resize(payload_len, 0);
                spec.payload = Payload::Bytes(scratch);
                spec.write(out);
            }
            None => {
                spec.payload = Payload::Zeros(payload_len);
                spec.write(out);
            }
        }
    }
}

// ---- address plan helpers ----------------------------------------------------------------

pub(crate) fn v4(x: u32) -> Ipv4Addr {
    Ipv4Addr::from(x)
}

pub(crate) const fn addr(a: u8, b: u8, c: u8, d: u8) -> u32 {
    u32::from_be_bytes([a, b, c, d])
}

/// A public unicast address outside every range of the address plan: first octet 11..=99.
pub(crate) fn public_addr(r: u64) -> u32 {
    ((11 + (r % 89) as u32) << 24) | ((r >> 8) as u32 & 0x00ff_ffff)
}

/// A public (address, port) unique for each `c < 64512 * 65536`: the port and the low 16 bits
/// of the address encode `c`, the rest is random.
pub(crate) fn unique_endpoint(c: u64, r: u64) -> (u32, u16) {
    let port = 1024 + (c % 64_512) as u16;
    let hi = public_addr(r) & 0xffff_0000;
    (hi | ((c / 64_512) as u32 & 0xffff), port)
}

/// Leaving by the uplink, to the uplink's next hop (as the entries route).
pub(crate) fn to_uplink() -> Egress {
    Egress {
        port: PORT_UPLINK,
        src_mac: SWITCH_MAC,
        dst_mac: UPLINK_MAC,
    }
}

/// Leaving by the hosts' port, to `dst_mac`.
pub(crate) fn to_hosts(dst_mac: [u8; 6]) -> Egress {
    Egress {
        port: PORT_HOSTS,
        src_mac: SWITCH_MAC,
        dst_mac,
    }
}

/// A host MAC derived from an address (locally administered).
pub(crate) fn host_mac(a: u32) -> [u8; 6] {
    let b = a.to_be_bytes();
    [0x02, 0x00, b[0], b[1], b[2], b[3]]
}

pub(crate) fn eth(dst: [u8; 6], src: [u8; 6]) -> Ethernet {
    Ethernet { dst, src }
}

pub(crate) fn ipv4(src: u32, dst: u32) -> Ipv4 {
    Ipv4::new(v4(src), v4(dst))
}

pub(crate) fn tcp(sport: u16, dport: u16, seq: u32, ack: u32) -> Transport {
    Transport::Tcp(Tcp {
        sport,
        dport,
        seq,
        ack,
        flags: TCP_ACK,
        window: 65_535,
    })
}

pub(crate) fn udp(sport: u16, dport: u16) -> Transport {
    Transport::Udp(Udp {
        sport,
        dport,
        checksum: true,
    })
}

/// STF hex forms.
pub(crate) struct H32(pub u32);
impl fmt::Display for H32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08x}", self.0)
    }
}
pub(crate) struct H16(pub u16);
impl fmt::Display for H16 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:04x}", self.0)
    }
}
pub(crate) struct Mac(pub [u8; 6]);
impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
