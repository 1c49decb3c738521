//! What the entries of [`write_entries`](super::write_entries) make each app's program do with the
//! packets of a flow: the generator's own knowledge of the outcome it intends (the address plan
//! and the apps of `p4/apps/README.md`), so that tests can run the apps on a trace and check every
//! packet without first running a reference.
//!
//! The answers hold for the flows the entries cover (`0..space.flows`) and for traffic as the
//! generator writes it (TTL 64, no IPv4 options, ACK segments without SYN or RST). Flows of the
//! same plan beyond the keyspace have no entries: they exercise the apps' miss paths.

use super::{gateway, leaf, AppKind, AppSpace};
use std::net::Ipv4Addr;

/// An IPv4 5-tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FiveTuple {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: u8,
    pub sport: u16,
    pub dport: u16,
}

/// The port a forwarded packet leaves by, with the Ethernet addresses the entries give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Egress {
    pub port: u16,
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
}

/// What happens to a forwarded packet besides its new Ethernet addresses and the TTL decrement of
/// the IPv4 header it is routed by (checksums are updated to match).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// Routed, nothing else changes.
    Route,
    /// `vpn_gateway`, site to VM: the outer Ethernet/IPv4/UDP/VXLAN headers are removed and the
    /// inner frame is routed.
    VxlanDecap,
    /// `vpn_gateway`, VM to site: the frame (TTL decremented) is carried in VXLAN `vni` from
    /// `local_vtep` to `remote_vtep` (outer TTL 64, identification and flags 0, UDP source port
    /// in 49152-65535 from a crc16 of the inner addresses and protocol, UDP checksum 0).
    VxlanEncap {
        vni: u32,
        local_vtep: Ipv4Addr,
        remote_vtep: Ipv4Addr,
    },
    /// `nat`, `vm_nat`: addresses and ports become this 5-tuple.
    Nat(FiveTuple),
    /// `syn_proxy`, client to server: the acknowledgement number grows by `delta` (mod 2^32).
    AckPlus(u32),
    /// `syn_proxy`, server to client: the sequence number shrinks by `delta` (mod 2^32).
    SeqMinus(u32),
}

/// The outcome of every packet of one flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The port the flow's packets arrive on: [`PORT_UPLINK`](super::PORT_UPLINK) from outside,
    /// [`PORT_HOSTS`](super::PORT_HOSTS) from the hosts.
    pub ingress_port: u16,
    /// Where they leave; `None`: dropped.
    pub egress: Option<Egress>,
    /// How they are rewritten (when forwarded).
    pub rewrite: Rewrite,
    /// The per-tenant or per-VM counter cell they count in: `tenant_pkts[tenant]`
    /// (`vpn_gateway`), `acl_dropped[tenant]` (`acl`, denied packets only), `vm_traffic[vm]`
    /// (`vm_nat`).
    pub counter: Option<u32>,
}

/// The outcome of the packets of flow `flow` of `space` with the entries of
/// [`write_entries`](super::write_entries). For `netcache` it is the miss path (a PUT, or a GET of
/// a key not in [`netcache_cache`] or invalidated by a PUT): routed to the key-value server.
/// `generic` apps have no program: their packets are reported as routed to the uplink.
pub fn expected(space: &AppSpace, flow: u64) -> Expected {
    match space.kind {
        AppKind::VpnGateway => gateway::vpn_expected(space, flow),
        AppKind::Nat => gateway::nat_expected(space, flow),
        AppKind::Acl => gateway::acl_expected(space, flow),
        AppKind::UnivMon | AppKind::Generic => gateway::univmon_expected(space, flow),
        AppKind::VmNat => leaf::vm_nat_expected(space, flow),
        AppKind::StatefulFw => leaf::fw_expected(space, flow),
        AppKind::SynProxy => leaf::syn_proxy_expected(space, flow),
        AppKind::NetCache => leaf::netcache_expected(space, flow),
    }
}

/// A key the `netcache` entries cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachedKey {
    /// The flow whose requests carry the key.
    pub flow: u64,
    pub key: u128,
    /// Its slot in `nc_cache`, `nc_value0..3`, `nc_valid` and `nc_hits`.
    pub slot: u32,
    /// The value a GET reply carries (`nc_value0` holds its most significant 32 bits).
    pub value: u128,
}

/// The keys the `netcache` entries cache (valid), in slot order: the `cached_keys` most popular
/// ones, as [`write_entries`](super::write_entries) writes them with the same `cached_keys`.
pub fn netcache_cache(space: &AppSpace, cached_keys: u64) -> Vec<CachedKey> {
    leaf::netcache_cached(space, cached_keys)
}

/// `cookie_secret[0]` of `syn_proxy` as its entries write it: SYN cookies are
/// `crc32(secret, client address, server address, client port, server port)`.
pub fn syn_proxy_cookie_secret(space: &AppSpace) -> u32 {
    leaf::syn_proxy_secret(space)
}
