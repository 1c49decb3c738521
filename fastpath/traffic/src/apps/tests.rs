use super::*;
use std::collections::HashSet;

/// Parses the 5-tuple of a generated frame (outer headers).
fn five_tuple(f: &[u8]) -> (u32, u32, u8, u16, u16) {
    let ip = &f[14..];
    let ihl = (ip[0] & 0xf) as usize * 4;
    let l4 = &ip[ihl..];
    (
        u32::from_be_bytes([ip[12], ip[13], ip[14], ip[15]]),
        u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]),
        ip[9],
        u16::from_be_bytes([l4[0], l4[1]]),
        u16::from_be_bytes([l4[2], l4[3]]),
    )
}

fn in_net(a: u32, net: u32, len: u32) -> bool {
    (a ^ net) >> (32 - len) == 0
}

/// Which app of the reference address plan (p4/apps/README.md) a packet belongs to.
fn gateway_class(src: u32, dst: u32) -> AppKind {
    let vpn = in_net(dst, addr(203, 0, 113, 0), 24) || in_net(dst, addr(172, 16, 0, 0), 12);
    let nat = in_net(dst, addr(198, 18, 0, 0), 16) || in_net(src, addr(10, 18, 0, 0), 16);
    let acl = in_net(dst, addr(10, 20, 0, 0), 16) || in_net(src, addr(10, 20, 0, 0), 16);
    if vpn {
        AppKind::VpnGateway
    } else if nat {
        AppKind::Nat
    } else if acl {
        AppKind::Acl
    } else {
        AppKind::UnivMon
    }
}

fn leaf_class(src: u32, dst: u32) -> Option<AppKind> {
    let r = |n: u32, len| in_net(dst, n, len) || in_net(src, n, len);
    if in_net(dst, addr(198, 19, 0, 0), 16) || in_net(src, addr(10, 1, 0, 0), 16) {
        Some(AppKind::VmNat)
    } else if r(addr(10, 2, 0, 0), 16) {
        Some(AppKind::StatefulFw)
    } else if r(addr(10, 3, 0, 0), 16) {
        Some(AppKind::SynProxy)
    } else if r(addr(10, 4, 0, 0), 16) {
        Some(AppKind::NetCache)
    } else {
        None
    }
}

fn frame(space: &AppSpace, i: u64, size: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    let ctx = PacketCtx {
        number: i,
        random: i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        size,
    };
    write_packet(space, i, &ctx, &mut scratch, &mut out);
    out
}

#[test]
fn packets_fall_in_their_apps_traffic_class() {
    for kind in [
        AppKind::VpnGateway,
        AppKind::Nat,
        AppKind::Acl,
        AppKind::UnivMon,
    ] {
        let s = AppSpace::new(kind, 5, kind.name(), 10_000);
        for i in 0..2_000 {
            let (src, dst, ..) = five_tuple(&frame(&s, i, 64));
            assert_eq!(gateway_class(src, dst), kind, "{kind} flow {i}");
        }
    }
    for kind in [
        AppKind::VmNat,
        AppKind::StatefulFw,
        AppKind::SynProxy,
        AppKind::NetCache,
    ] {
        let s = AppSpace::new(kind, 5, kind.name(), 10_000);
        for i in 0..2_000 {
            let (src, dst, ..) = five_tuple(&frame(&s, i, 64));
            assert_eq!(leaf_class(src, dst), Some(kind), "{kind} flow {i}");
        }
    }
}

#[test]
fn union_keys_are_distinct() {
    for kind in AppKind::ALL {
        let s = AppSpace::new(kind, 9, kind.name(), 50_000);
        let mut seen = HashSet::new();
        for i in 0..50_000 {
            let f = frame(&s, i, 64);
            let key = match kind {
                // (outer src, outer dst, VNI) for tunnelled packets, addresses for the others.
                AppKind::VpnGateway => {
                    let (src, dst, proto, ..) = five_tuple(&f);
                    let vni = if proto == 17 && f.len() > 50 && f[36..38] == [0x12, 0xb5] {
                        u32::from_be_bytes([0, f[46], f[47], f[48]])
                    } else {
                        0
                    };
                    (src, dst, 0u8, vni as u16, (vni >> 16) as u16)
                }
                AppKind::NetCache => {
                    let k = &f[42 + 5..42 + 21];
                    let k = u128::from_be_bytes(k.try_into().unwrap());
                    (
                        (k >> 96) as u32,
                        (k >> 64) as u32,
                        0,
                        (k >> 16) as u16,
                        k as u16,
                    )
                }
                _ => five_tuple(&f),
            };
            assert!(seen.insert(key), "{kind}: flow {i} repeats a union key");
        }
    }
}

#[test]
fn sizes_are_honoured_above_the_headers() {
    let s = AppSpace::new(AppKind::Nat, 1, "nat", 100);
    assert_eq!(frame(&s, 0, 64).len(), 64);
    assert_eq!(frame(&s, 0, 1500).len(), 1500);
    let v = AppSpace::new(AppKind::VpnGateway, 1, "vpn", 100);
    // A VXLAN packet needs 50 bytes of outer headers around the inner Ethernet/IPv4/L4 headers.
    for i in (0..20).step_by(2) {
        let f = frame(&v, i, 64);
        let inner_l4 = if f[14 + 20 + 8 + 8 + 14 + 9] == 6 {
            20
        } else {
            8
        };
        assert_eq!(f.len(), 50 + 14 + 20 + inner_l4);
    }
    let n = AppSpace::new(AppKind::NetCache, 1, "netcache", 100);
    assert_eq!(frame(&n, 0, 64).len(), 14 + 20 + 8 + 37);
}

#[test]
fn entries_cover_the_flows() {
    let mut out = Vec::new();
    let s = AppSpace::new(AppKind::Nat, 3, "nat", 10);
    let n = write_entries(&s, 0, &mut out).unwrap();
    assert_eq!(n, 10);
    let text = String::from_utf8(out).unwrap();
    // Flow 0 is connection 0 inbound: its 5-tuple is in an nat_inbound line.
    let (src, dst, proto, sport, dport) = five_tuple(&frame(&s, 0, 64));
    let want = format!(
        "add nat_inbound client_addr:0x{src:08x} public_addr:0x{dst:08x} protocol:{proto} client_port:0x{sport:04x} public_port:0x{dport:04x} dnat("
    );
    assert!(text.contains(&want), "{want}\n{text}");

    let mut out = Vec::new();
    let s = AppSpace::new(AppKind::NetCache, 3, "netcache", 1000);
    write_entries(&s, 16, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("add nc_cache").count(), 16);
    assert_eq!(text.matches("register_write nc_valid").count(), 16);
}

#[test]
fn expectations_agree_with_the_packets_of_the_other_direction() {
    use expect::{expected, Rewrite};
    // A translated request reaches the endpoint that sends the reply, and the reply is
    // translated back to the endpoint that sent the request.
    for kind in [AppKind::Nat, AppKind::VmNat] {
        let s = AppSpace::new(kind, 4, kind.name(), 2_000);
        for c in 0..1_000 {
            let (there, back) = (2 * c, 2 * c + 1);
            let (src, dst, proto, sport, dport) = five_tuple(&frame(&s, there, 64));
            let (rsrc, rdst, rproto, rsport, rdport) = five_tuple(&frame(&s, back, 64));
            let (Rewrite::Nat(a), Rewrite::Nat(b)) =
                (expected(&s, there).rewrite, expected(&s, back).rewrite)
            else {
                panic!("{kind}: not translated")
            };
            assert_eq!((a.protocol, b.protocol, rproto), (proto, proto, proto));
            assert_eq!(
                (u32::from(a.dst), a.dport),
                (rsrc, rsport),
                "{kind} connection {c}"
            );
            assert_eq!(
                (u32::from(a.src), a.sport),
                (rdst, rdport),
                "{kind} connection {c}"
            );
            assert_eq!(
                (u32::from(b.dst), b.dport, u32::from(b.src), b.sport),
                (src, sport, dst, dport),
                "{kind} connection {c}"
            );
        }
    }
}

#[test]
fn the_acl_denies_ssh_and_pinned_requests_only() {
    let s = AppSpace::new(AppKind::Acl, 4, "acl", 20_000);
    let mut denied = 0;
    for i in 0..20_000 {
        let e = expect::expected(&s, i);
        let (.., sport, dport) = five_tuple(&frame(&s, i, 64));
        if e.egress.is_none() {
            denied += 1;
            assert!(e
                .counter
                .is_some_and(|t| (1..=gateway::ACL_TENANTS).contains(&t)));
            assert!(sport == 22 || dport == 22 || (i & 1 == 0 && dport == 443));
        } else {
            assert!(e.counter.is_none() && sport != 22 && dport != 22);
        }
    }
    // SSH: 10 % of connections both ways; pinned: 1 % of connections, 70 % of them to 443.
    assert!((2_000..2_400).contains(&denied), "{denied}");
}

#[test]
fn the_cache_is_what_the_entries_cache() {
    let s = AppSpace::new(AppKind::NetCache, 3, "netcache", 1000);
    let mut out = Vec::new();
    write_entries(&s, 16, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let cache = expect::netcache_cache(&s, 16);
    assert_eq!(cache.len(), 16);
    for k in &cache {
        let line = format!(
            "add nc_cache key:0x{:032x} cache_hit(slot:{})",
            k.key, k.slot
        );
        assert!(text.contains(&line), "{line}");
        let word0 = format!(
            "register_write nc_value0 {} 0x{:08x}",
            k.slot,
            k.value >> 96
        );
        assert!(text.contains(&word0), "{word0}");
        // The key is the one the flow's requests carry.
        let f = frame(&s, k.flow, 64);
        assert_eq!(u128::from_be_bytes(f[47..63].try_into().unwrap()), k.key);
    }
}
