//! The data-centre leaf apps (paper Table 2): per-VM NAT, stateful firewall, SYN proxy, NetCache.

use super::expect::{CachedKey, Expected, FiveTuple, Rewrite};
use super::{
    addr, eth, host_mac, ipv4, public_addr, tcp, to_hosts, to_uplink, udp, unique_endpoint, v4,
    AppSpace, Lines, Mac, PacketCtx, Shape, H16, H32, PORT_HOSTS, PORT_UPLINK, SWITCH_MAC,
    UPLINK_MAC,
};
use crate::wire::{Encap, Transport};
use std::io;

const VMS: u64 = 4096;

fn remote_service(r: u64) -> (u8, u16) {
    match r % 10 {
        0..=5 => (6, 443),
        6 | 7 => (6, 80),
        _ => (17, 53),
    }
}

fn l4(proto: u8, sport: u16, dport: u16, r: u64) -> Transport {
    if proto == 17 {
        udp(sport, dport)
    } else {
        tcp(sport, dport, r as u32, (r >> 32) as u32)
    }
}

// ---- vm_nat ---------------------------------------------------------------------------------
//
// Flow i: mapping m = i >> 1, direction i & 1 (0 outbound from the VM, 1 inbound reply).
// VM v = m % 4096 has private address 10.1.0.0 + v and public address 198.19.0.0 + v; mapping m
// is the VM's socket 1024 + m / 4096, published as port 65535 - m / 4096.

pub(crate) struct VmMapping {
    pub vm: u32,
    pub private: u32,
    pub pport: u16,
    pub public: u32,
    pub pubport: u16,
    pub proto: u8,
    pub remote: u32,
    pub rport: u16,
}

pub(crate) fn vm_mapping(s: &AppSpace, m: u64) -> VmMapping {
    let r = s.bits(m, 1);
    let vm = (m % VMS) as u32;
    let sock = (m / VMS) as u16;
    let (proto, rport) = remote_service(r);
    VmMapping {
        vm,
        private: addr(10, 1, 0, 0) + vm,
        pport: 1024 + sock,
        public: addr(198, 19, 0, 0) + vm,
        pubport: 65_535 - sock,
        proto,
        remote: public_addr(r >> 8),
        rport,
    }
}

pub(crate) fn vm_nat_packet(s: &AppSpace, i: u64) -> Shape {
    let k = vm_mapping(s, i >> 1);
    let r = s.bits(i, 2);
    if i & 1 == 0 {
        Shape {
            eth: eth(SWITCH_MAC, host_mac(k.private)),
            ip: ipv4(k.private, k.remote),
            transport: l4(k.proto, k.pport, k.rport, r),
            encap: Encap::None,
            prefix: None,
        }
    } else {
        Shape {
            eth: eth(SWITCH_MAC, UPLINK_MAC),
            ip: ipv4(k.remote, k.public),
            transport: l4(k.proto, k.rport, k.pubport, r),
            encap: Encap::None,
            prefix: None,
        }
    }
}

pub(crate) fn vm_nat_entries(s: &AppSpace, out: &mut Lines<'_>) -> io::Result<()> {
    for m in 0..s.flows.div_ceil(2) {
        let k = vm_mapping(s, m);
        out.line(format_args!(
            "add vm_nat_out private_addr:{} private_port:{} protocol:{} snat(vm:{}, public_addr:{}, public_port:{}, port:{}, src_mac:{}, dst_mac:{})",
            H32(k.private), H16(k.pport), k.proto, k.vm, H32(k.public), H16(k.pubport),
            PORT_UPLINK, Mac(SWITCH_MAC), Mac(UPLINK_MAC)
        ))?;
        out.line(format_args!(
            "add vm_nat_in public_addr:{} public_port:{} protocol:{} dnat(vm:{}, private_addr:{}, private_port:{}, port:{}, src_mac:{}, dst_mac:{})",
            H32(k.public), H16(k.pubport), k.proto, k.vm, H32(k.private), H16(k.pport),
            PORT_HOSTS, Mac(SWITCH_MAC), Mac(host_mac(k.private))
        ))?;
    }
    Ok(())
}

pub(crate) fn vm_nat_expected(s: &AppSpace, i: u64) -> Expected {
    let k = vm_mapping(s, i >> 1);
    let (ingress_port, egress, to) = if i & 1 == 0 {
        (
            PORT_HOSTS,
            to_uplink(),
            (k.public, k.pubport, k.remote, k.rport),
        )
    } else {
        (
            PORT_UPLINK,
            to_hosts(host_mac(k.private)),
            (k.remote, k.rport, k.private, k.pport),
        )
    };
    Expected {
        ingress_port,
        egress: Some(egress),
        rewrite: Rewrite::Nat(FiveTuple {
            src: v4(to.0),
            dst: v4(to.2),
            protocol: k.proto,
            sport: to.1,
            dport: to.3,
        }),
        counter: Some(k.vm),
    }
}

// ---- stateful_fw ----------------------------------------------------------------------------
//
// Flow i: TCP connection c = i >> 1 of VM 10.2.0.0 + c % 4096 (port 1024 + c / 4096) with a
// public server on 443 or 80; direction i & 1 (0 outbound, 1 inbound). Every connection is
// established: conn_table holds it.

/// The next hop of the protected VMs.
const FW_HOSTS_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x02, 0x01];

pub(crate) struct FwConn {
    pub vm: u32,
    pub vport: u16,
    pub remote: u32,
    pub rport: u16,
}

pub(crate) fn fw_conn(s: &AppSpace, c: u64) -> FwConn {
    let r = s.bits(c, 1);
    FwConn {
        vm: addr(10, 2, 0, 0) + (c % VMS) as u32,
        vport: 1024 + (c / VMS) as u16,
        remote: public_addr(r >> 8),
        rport: if r.is_multiple_of(3) { 80 } else { 443 },
    }
}

pub(crate) fn fw_packet(s: &AppSpace, i: u64) -> Shape {
    let k = fw_conn(s, i >> 1);
    let r = s.bits(i, 2);
    if i & 1 == 0 {
        Shape {
            eth: eth(SWITCH_MAC, host_mac(k.vm)),
            ip: ipv4(k.vm, k.remote),
            transport: tcp(k.vport, k.rport, r as u32, (r >> 32) as u32),
            encap: Encap::None,
            prefix: None,
        }
    } else {
        Shape {
            eth: eth(SWITCH_MAC, UPLINK_MAC),
            ip: ipv4(k.remote, k.vm),
            transport: tcp(k.rport, k.vport, r as u32, (r >> 32) as u32),
            encap: Encap::None,
            prefix: None,
        }
    }
}

pub(crate) fn fw_entries(s: &AppSpace, out: &mut Lines<'_>) -> io::Result<()> {
    out.line(format_args!(
        "add fw_route dst_prefix:0x0a020000/16 route(port:{}, src_mac:{}, dst_mac:{})",
        PORT_HOSTS,
        Mac(SWITCH_MAC),
        Mac(FW_HOSTS_MAC)
    ))?;
    out.line(format_args!(
        "add fw_route dst_prefix:0x00000000/0 route(port:{}, src_mac:{}, dst_mac:{})",
        PORT_UPLINK,
        Mac(SWITCH_MAC),
        Mac(UPLINK_MAC)
    ))?;
    for c in 0..s.flows.div_ceil(2) {
        let k = fw_conn(s, c);
        out.line(format_args!(
            "add conn_table vm_addr:{} remote_addr:{} protocol:6 vm_port:{} remote_port:{} established()",
            H32(k.vm),
            H32(k.remote),
            H16(k.vport),
            H16(k.rport)
        ))?;
    }
    Ok(())
}

pub(crate) fn fw_expected(_s: &AppSpace, i: u64) -> Expected {
    let (ingress_port, egress) = if i & 1 == 0 {
        (PORT_HOSTS, to_uplink())
    } else {
        (PORT_UPLINK, to_hosts(FW_HOSTS_MAC))
    };
    Expected {
        ingress_port,
        egress: Some(egress),
        rewrite: Rewrite::Route,
        counter: None,
    }
}

// ---- syn_proxy ------------------------------------------------------------------------------
//
// Flow i: established connection c = i >> 1 from a unique public client endpoint to server
// 10.3.0.0 + r % 1024 on 80 or 443; direction i & 1 (0 client -> server, 1 server -> client).
// seq_translate holds both directions with a per-connection delta.

pub(crate) struct ProxyConn {
    pub client: u32,
    pub cport: u16,
    pub server: u32,
    pub sport: u16,
    pub delta: u32,
}

pub(crate) fn proxy_conn(s: &AppSpace, c: u64) -> ProxyConn {
    let r = s.bits(c, 1);
    let (client, cport) = unique_endpoint(c, s.bits(c, 2));
    ProxyConn {
        client,
        cport,
        server: addr(10, 3, 0, 1) + (r % 1024) as u32,
        sport: if (r >> 16).is_multiple_of(2) { 443 } else { 80 },
        delta: (r >> 32) as u32,
    }
}

pub(crate) fn syn_proxy_packet(s: &AppSpace, i: u64) -> Shape {
    let k = proxy_conn(s, i >> 1);
    let r = s.bits(i, 2);
    if i & 1 == 0 {
        Shape {
            eth: eth(SWITCH_MAC, UPLINK_MAC),
            ip: ipv4(k.client, k.server),
            transport: tcp(k.cport, k.sport, r as u32, (r >> 32) as u32),
            encap: Encap::None,
            prefix: None,
        }
    } else {
        Shape {
            eth: eth(SWITCH_MAC, host_mac(k.server)),
            ip: ipv4(k.server, k.client),
            transport: tcp(k.sport, k.cport, r as u32, (r >> 32) as u32),
            encap: Encap::None,
            prefix: None,
        }
    }
}

pub(crate) fn syn_proxy_secret(s: &AppSpace) -> u32 {
    (s.seed >> 16) as u32
}

/// The next hop of the protected servers, for the SYNs the proxy opens to them.
const PROXY_HOSTS_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x03, 0x01];

pub(crate) fn syn_proxy_entries(s: &AppSpace, out: &mut Lines<'_>) -> io::Result<()> {
    out.line(format_args!(
        "register_write cookie_secret 0 {}",
        H32(syn_proxy_secret(s))
    ))?;
    out.line(format_args!(
        "add proxy_route dst_prefix:0x0a030000/16 route(port:{}, src_mac:{}, dst_mac:{})",
        PORT_HOSTS,
        Mac(SWITCH_MAC),
        Mac(PROXY_HOSTS_MAC)
    ))?;
    for c in 0..s.flows.div_ceil(2) {
        let k = proxy_conn(s, c);
        out.line(format_args!(
            "add seq_translate src_addr:{} dst_addr:{} src_port:{} dst_port:{} client_to_server(delta:{}, port:{}, src_mac:{}, dst_mac:{})",
            H32(k.client), H32(k.server), H16(k.cport), H16(k.sport), H32(k.delta),
            PORT_HOSTS, Mac(SWITCH_MAC), Mac(host_mac(k.server))
        ))?;
        out.line(format_args!(
            "add seq_translate src_addr:{} dst_addr:{} src_port:{} dst_port:{} server_to_client(delta:{}, port:{}, src_mac:{}, dst_mac:{})",
            H32(k.server), H32(k.client), H16(k.sport), H16(k.cport), H32(k.delta),
            PORT_UPLINK, Mac(SWITCH_MAC), Mac(UPLINK_MAC)
        ))?;
    }
    Ok(())
}

pub(crate) fn syn_proxy_expected(s: &AppSpace, i: u64) -> Expected {
    let k = proxy_conn(s, i >> 1);
    if i & 1 == 0 {
        Expected {
            ingress_port: PORT_UPLINK,
            egress: Some(to_hosts(host_mac(k.server))),
            rewrite: Rewrite::AckPlus(k.delta),
            counter: None,
        }
    } else {
        Expected {
            ingress_port: PORT_HOSTS,
            egress: Some(to_uplink()),
            rewrite: Rewrite::SeqMinus(k.delta),
            counter: None,
        }
    }
}

// ---- netcache -------------------------------------------------------------------------------
//
// Flow i: key i, 16 bytes: 8 random bytes then i (big-endian), so keys are unique. Requests
// from a public client to server 10.4.0.1 + key % 16, UDP port 50000: 95 % GET, 5 % PUT. The
// control plane caches the most popular keys (their popularity ranks 0..cached-1 are their
// slots) and validates them.

pub const NETCACHE_PORT: u16 = 50_000;
pub const NETCACHE_HEADER_LEN: usize = 37;
pub const NETCACHE_MAX_SLOTS: u64 = 65_536;
/// The key-value servers' next hop.
const NC_SERVERS_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x04, 0x01];

pub(crate) fn nc_key(s: &AppSpace, i: u64) -> u128 {
    ((s.bits(i, 1) as u128) << 64) | i as u128
}

fn nc_value(s: &AppSpace, i: u64) -> u128 {
    ((s.bits(i, 5) as u128) << 64) | s.bits(i, 6) as u128
}

pub(crate) fn netcache_packet(s: &AppSpace, i: u64, ctx: &PacketCtx) -> Shape {
    let key = nc_key(s, i);
    let r = s.bits(i, 2);
    let client = public_addr(r);
    let server = addr(10, 4, 0, 1) + (key % 16) as u32;
    let put = ctx.random % 100 < 5;
    let mut hdr = [0u8; NETCACHE_HEADER_LEN];
    hdr[0] = if put { 1 } else { 0 };
    hdr[1..5].copy_from_slice(&(ctx.number as u32).to_be_bytes());
    hdr[5..21].copy_from_slice(&key.to_be_bytes());
    if put {
        let v = ((ctx.random as u128) << 64) | ctx.number as u128;
        hdr[21..37].copy_from_slice(&v.to_be_bytes());
    }
    Shape {
        eth: eth(SWITCH_MAC, UPLINK_MAC),
        ip: ipv4(client, server),
        transport: udp(1024 + ((r >> 40) % 60_000) as u16, NETCACHE_PORT),
        encap: Encap::None,
        prefix: Some((hdr, NETCACHE_HEADER_LEN)),
    }
}

pub(crate) fn netcache_entries(s: &AppSpace, cached: u64, out: &mut Lines<'_>) -> io::Result<()> {
    out.line(format_args!(
        "add ipv4_route dst_prefix:0x0a040000/16 route(port:{}, src_mac:{}, dst_mac:{})",
        PORT_HOSTS,
        Mac(SWITCH_MAC),
        Mac(NC_SERVERS_MAC)
    ))?;
    out.line(format_args!(
        "add ipv4_route dst_prefix:0x00000000/0 route(port:{}, src_mac:{}, dst_mac:{})",
        PORT_UPLINK,
        Mac(SWITCH_MAC),
        Mac(UPLINK_MAC)
    ))?;
    out.line(format_args!("register_write nc_hot_threshold 0 128"))?;
    for k in netcache_cached(s, cached) {
        let (key, slot, value) = (k.key, k.slot, k.value);
        out.line(format_args!(
            "add nc_cache key:0x{key:032x} cache_hit(slot:{slot})"
        ))?;
        for w in 0..4 {
            let word = (value >> (32 * (3 - w))) as u32;
            out.line(format_args!(
                "register_write nc_value{w} {slot} {}",
                H32(word)
            ))?;
        }
        out.line(format_args!("register_write nc_valid {slot} 1"))?;
    }
    Ok(())
}

/// The cached keys: popularity ranks `0..cached` in their slots.
pub(crate) fn netcache_cached(s: &AppSpace, cached: u64) -> Vec<CachedKey> {
    let cached = cached.min(s.flows).min(NETCACHE_MAX_SLOTS);
    (0..cached)
        .map(|slot| {
            let flow = s.popularity.apply(slot);
            CachedKey {
                flow,
                key: nc_key(s, flow),
                slot: slot as u32,
                value: nc_value(s, flow),
            }
        })
        .collect()
}

pub(crate) fn netcache_expected(_s: &AppSpace, _i: u64) -> Expected {
    Expected {
        ingress_port: PORT_UPLINK,
        egress: Some(to_hosts(NC_SERVERS_MAC)),
        rewrite: Rewrite::Route,
        counter: None,
    }
}
