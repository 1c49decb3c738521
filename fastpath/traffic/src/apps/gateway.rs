//! The data-centre gateway apps (paper Table 1): VPN gateway, NAT, ACL, UnivMon.

use super::expect::{Expected, FiveTuple, Rewrite};
use super::{
    addr, eth, host_mac, ipv4, public_addr, tcp, to_hosts, to_uplink, udp, unique_endpoint, v4,
    AppSpace, Lines, Mac, Shape, H16, H32, PORT_HOSTS, PORT_UPLINK, SWITCH_MAC, UPLINK_MAC,
};
use crate::wire::{Encap, Ipv4, Transport};
use std::io;

// ---- vpn_gateway ----------------------------------------------------------------------------
//
// Flow i: direction i & 1, j = i >> 1.
//   0, external -> internal: VXLAN from site VTEP 100.64.0.0/10 + j (one tunnel per flow) to the
//      gateway VTEP 203.0.113.1, VNI 5000 + tenant; inner packet from the tenant's on-premise
//      /24 (172.16.0.0 + 256 * tenant) to a VM in 10.7.0.0/16.
//   1, internal -> external: from VM 10.64.0.0/10 + j to the tenant's on-premise /24.
// Tenants 1..=VPN_TENANTS (index t = tenant - 1).

pub const VPN_TENANTS: u64 = 1024;
const GW_VTEP: u32 = addr(203, 0, 113, 1);
const VNI_BASE: u32 = 5000;
/// The next hop of decapsulated packets, on the hosts' side.
const VPN_NEXT_HOP: [u8; 6] = [0x02, 0, 0, 0, 0x07, 0x02];

fn vpn_tenant(s: &AppSpace, j: u64) -> u32 {
    (s.bits(j, 1) % VPN_TENANTS) as u32
}

fn onprem_prefix(t: u32) -> u32 {
    addr(172, 16, 0, 0) + (t << 8)
}

/// The VTEP of tenant t's main site, the target of its encapsulated traffic.
fn tenant_site_vtep(t: u32) -> u32 {
    addr(100, 127, 0, 0) + t
}

pub(crate) fn vpn_packet(s: &AppSpace, i: u64) -> Shape {
    let j = i >> 1;
    let t = vpn_tenant(s, j);
    let r = s.bits(i, 2);
    let onprem_host = onprem_prefix(t) + 1 + (r % 254) as u32;
    let vm = addr(10, 7, 0, 0) | ((r >> 8) as u32 & 0xffff);
    let l4 = if (r >> 24).is_multiple_of(5) {
        udp(1024 + ((r >> 32) % 60_000) as u16, 53)
    } else {
        tcp(
            1024 + ((r >> 32) % 60_000) as u16,
            443,
            (r >> 16) as u32,
            r as u32,
        )
    };
    if i & 1 == 0 {
        let site = addr(100, 64, 0, 0) + (j as u32 & 0x003f_ffff);
        let mut outer_ip = ipv4(site, GW_VTEP);
        outer_ip.ttl = 60;
        Shape {
            eth: eth([0x02, 0, 0, 0, 0x07, 0xfe], host_mac(onprem_host)),
            ip: ipv4(onprem_host, vm),
            transport: l4,
            encap: Encap::Vxlan {
                outer_eth: eth(SWITCH_MAC, UPLINK_MAC),
                outer_ip,
                sport: 49_152 + (r % 16_384) as u16,
                vni: VNI_BASE + t,
            },
            prefix: None,
        }
    } else {
        let src = addr(10, 64, 0, 0) + (j as u32 & 0x003f_ffff);
        Shape {
            eth: eth(SWITCH_MAC, host_mac(src)),
            ip: ipv4(src, onprem_host),
            transport: l4,
            encap: Encap::None,
            prefix: None,
        }
    }
}

pub(crate) fn vpn_entries(s: &AppSpace, out: &mut Lines<'_>) -> io::Result<()> {
    for t in 0..VPN_TENANTS as u32 {
        out.line(format_args!(
            "add vpn_encap onprem_prefix:{}/24 encap(tenant:{}, vni:{}, local_vtep:{}, remote_vtep:{}, port:{}, src_mac:{}, dst_mac:{})",
            H32(onprem_prefix(t)),
            t + 1,
            VNI_BASE + t,
            H32(GW_VTEP),
            H32(tenant_site_vtep(t)),
            PORT_UPLINK,
            Mac(SWITCH_MAC),
            Mac(UPLINK_MAC)
        ))?;
    }
    for i in (0..s.flows).step_by(2) {
        let j = i >> 1;
        let t = vpn_tenant(s, j);
        out.line(format_args!(
            "add vpn_tunnel_map remote_vtep:{} local_vtep:{} vni:{} decap(tenant:{}, port:{}, src_mac:{}, dst_mac:{})",
            H32(addr(100, 64, 0, 0) + (j as u32 & 0x003f_ffff)),
            H32(GW_VTEP),
            VNI_BASE + t,
            t + 1,
            PORT_HOSTS,
            Mac(SWITCH_MAC),
            Mac(VPN_NEXT_HOP)
        ))?;
    }
    Ok(())
}

pub(crate) fn vpn_expected(s: &AppSpace, i: u64) -> Expected {
    let t = vpn_tenant(s, i >> 1);
    if i & 1 == 0 {
        Expected {
            ingress_port: PORT_UPLINK,
            egress: Some(to_hosts(VPN_NEXT_HOP)),
            rewrite: Rewrite::VxlanDecap,
            counter: Some(t + 1),
        }
    } else {
        Expected {
            ingress_port: PORT_HOSTS,
            egress: Some(to_uplink()),
            rewrite: Rewrite::VxlanEncap {
                vni: VNI_BASE + t,
                local_vtep: v4(GW_VTEP),
                remote_vtep: v4(tenant_site_vtep(t)),
            },
            counter: Some(t + 1),
        }
    }
}

// ---- nat ------------------------------------------------------------------------------------
//
// Flow i: connection c = i >> 1, direction i & 1 (0 inbound client -> VIP, 1 outbound reply).
// Client: a unique public endpoint; VIP in 198.18.0.0/16; service private in 10.18.0.0/16.
// Services: 443/tcp (60 %), 80/tcp (25 %), 53/udp (15 %); private port = public port + 8000.

pub(crate) struct NatConn {
    pub client: u32,
    pub cport: u16,
    pub vip: u32,
    pub vport: u16,
    pub private: u32,
    pub pport: u16,
    pub proto: u8,
}

pub(crate) fn nat_conn(s: &AppSpace, c: u64) -> NatConn {
    let r = s.bits(c, 1);
    let (client, cport) = unique_endpoint(c, s.bits(c, 2));
    let (proto, vport) = match r % 100 {
        0..=59 => (6, 443),
        60..=84 => (6, 80),
        _ => (17, 53),
    };
    NatConn {
        client,
        cport,
        vip: addr(198, 18, 0, 0) | ((r >> 8) as u32 & 0xffff),
        vport,
        private: addr(10, 18, 0, 0) | ((r >> 24) as u32 & 0xffff),
        pport: vport + 8000,
        proto,
    }
}

fn l4(proto: u8, sport: u16, dport: u16, r: u64) -> Transport {
    if proto == 17 {
        udp(sport, dport)
    } else {
        tcp(sport, dport, r as u32, (r >> 32) as u32)
    }
}

pub(crate) fn nat_packet(s: &AppSpace, i: u64) -> Shape {
    let k = nat_conn(s, i >> 1);
    let r = s.bits(i, 3);
    if i & 1 == 0 {
        Shape {
            eth: eth(SWITCH_MAC, UPLINK_MAC),
            ip: ipv4(k.client, k.vip),
            transport: l4(k.proto, k.cport, k.vport, r),
            encap: Encap::None,
            prefix: None,
        }
    } else {
        Shape {
            eth: eth(SWITCH_MAC, host_mac(k.private)),
            ip: ipv4(k.private, k.client),
            transport: l4(k.proto, k.pport, k.cport, r),
            encap: Encap::None,
            prefix: None,
        }
    }
}

pub(crate) fn nat_entries(s: &AppSpace, out: &mut Lines<'_>) -> io::Result<()> {
    for c in 0..s.flows.div_ceil(2) {
        let k = nat_conn(s, c);
        out.line(format_args!(
            "add nat_inbound client_addr:{} public_addr:{} protocol:{} client_port:{} public_port:{} dnat(private_addr:{}, private_port:{}, port:{}, src_mac:{}, dst_mac:{})",
            H32(k.client), H32(k.vip), k.proto, H16(k.cport), H16(k.vport),
            H32(k.private), H16(k.pport), PORT_HOSTS, Mac(SWITCH_MAC), Mac(host_mac(k.private))
        ))?;
        out.line(format_args!(
            "add nat_outbound private_addr:{} client_addr:{} protocol:{} private_port:{} client_port:{} snat(public_addr:{}, public_port:{}, port:{}, src_mac:{}, dst_mac:{})",
            H32(k.private), H32(k.client), k.proto, H16(k.pport), H16(k.cport),
            H32(k.vip), H16(k.vport), PORT_UPLINK, Mac(SWITCH_MAC), Mac(UPLINK_MAC)
        ))?;
    }
    Ok(())
}

pub(crate) fn nat_expected(s: &AppSpace, i: u64) -> Expected {
    let k = nat_conn(s, i >> 1);
    let (ingress_port, egress, to) = if i & 1 == 0 {
        (
            PORT_UPLINK,
            to_hosts(host_mac(k.private)),
            (k.client, k.cport, k.private, k.pport),
        )
    } else {
        (PORT_HOSTS, to_uplink(), (k.vip, k.vport, k.client, k.cport))
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
        counter: None,
    }
}

// ---- acl ------------------------------------------------------------------------------------
//
// Flow i: connection c = i >> 1, direction i & 1 (0 request to the service, 1 reply).
// Tenant t in 1..=ACL_TENANTS owns 10.20.t.0/24. Services: 443/tcp (70 %), 53/udp (20 %),
// 22/tcp (10 %, not permitted by the rules: dropped and counted). Connections with
// c % 100 == 7 to 443/tcp are pinned as denied in acl_flow (their requests are dropped).

pub const ACL_TENANTS: u32 = 200;
/// The next hop of requests to the services.
const ACL_HOSTS_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x20, 0x01];

pub(crate) struct AclConn {
    pub tenant: u32,
    pub client: u32,
    pub cport: u16,
    pub service: u32,
    pub sport: u16,
    pub proto: u8,
}

pub(crate) fn acl_conn(s: &AppSpace, c: u64) -> AclConn {
    let r = s.bits(c, 1);
    let tenant = 1 + (r % ACL_TENANTS as u64) as u32;
    let (client, cport) = unique_endpoint(c, s.bits(c, 2));
    let (proto, sport) = match (r >> 16) % 100 {
        0..=69 => (6, 443),
        70..=89 => (17, 53),
        _ => (6, 22),
    };
    AclConn {
        tenant,
        client,
        cport,
        service: addr(10, 20, tenant as u8, 1 + ((r >> 32) % 254) as u8),
        sport,
        proto,
    }
}

fn acl_pinned_deny(c: u64, k: &AclConn) -> bool {
    c % 100 == 7 && k.proto == 6 && k.sport == 443
}

pub(crate) fn acl_packet(s: &AppSpace, i: u64) -> Shape {
    let k = acl_conn(s, i >> 1);
    let r = s.bits(i, 3);
    if i & 1 == 0 {
        Shape {
            eth: eth(SWITCH_MAC, UPLINK_MAC),
            ip: ipv4(k.client, k.service),
            transport: l4(k.proto, k.cport, k.sport, r),
            encap: Encap::None,
            prefix: None,
        }
    } else {
        Shape {
            eth: eth(SWITCH_MAC, host_mac(k.service)),
            ip: ipv4(k.service, k.client),
            transport: l4(k.proto, k.sport, k.cport, r),
            encap: Encap::None,
            prefix: None,
        }
    }
}

pub(crate) fn acl_entries(s: &AppSpace, out: &mut Lines<'_>) -> io::Result<()> {
    out.line(format_args!(
        "add acl_route dst_prefix:0x0a140000/16 route(port:{}, src_mac:{}, dst_mac:{})",
        PORT_HOSTS,
        Mac(SWITCH_MAC),
        Mac(ACL_HOSTS_MAC)
    ))?;
    out.line(format_args!(
        "add acl_route dst_prefix:0x00000000/0 route(port:{}, src_mac:{}, dst_mac:{})",
        PORT_UPLINK,
        Mac(SWITCH_MAC),
        Mac(UPLINK_MAC)
    ))?;
    // The rules of a tenant do not overlap, so their priorities do not matter.
    for t in 1..=ACL_TENANTS {
        let net = addr(10, 20, t as u8, 0);
        let pfx = format!("0x0a14{:02x}**", t);
        out.line(format_args!(
            "add acl_tenant service_prefix:{}/24 set_tenant(tenant:{t})",
            H32(net)
        ))?;
        for (prio, src, dst, proto, sp, dp) in [
            (
                10,
                "0x********",
                pfx.as_str(),
                "0x06",
                "0->65535",
                "443->443",
            ),
            (11, "0x********", pfx.as_str(), "0x11", "0->65535", "53->53"),
            (
                12,
                pfx.as_str(),
                "0x********",
                "0x06",
                "443->443",
                "0->65535",
            ),
            (13, pfx.as_str(), "0x********", "0x11", "53->53", "0->65535"),
        ] {
            out.line(format_args!(
                "add acl_rules {prio} tenant:{} src_addr:{src} dst_addr:{dst} protocol:{proto} src_port:{sp} dst_port:{dp} permit()",
                H16(t as u16)
            ))?;
        }
    }
    for c in 0..s.flows.div_ceil(2) {
        let k = acl_conn(s, c);
        if acl_pinned_deny(c, &k) {
            out.line(format_args!(
                "add acl_flow src_addr:{} dst_addr:{} protocol:{} src_port:{} dst_port:{} deny()",
                H32(k.client),
                H32(k.service),
                k.proto,
                H16(k.cport),
                H16(k.sport)
            ))?;
        }
    }
    Ok(())
}

pub(crate) fn acl_expected(s: &AppSpace, i: u64) -> Expected {
    let c = i >> 1;
    let k = acl_conn(s, c);
    let request = i & 1 == 0;
    // The rules permit 443/tcp and 53/udp both ways; acl_flow pins the requests of some
    // connections as denied (their replies still match the rules).
    let permitted =
        matches!((k.proto, k.sport), (6, 443) | (17, 53)) && !(request && acl_pinned_deny(c, &k));
    Expected {
        ingress_port: if request { PORT_UPLINK } else { PORT_HOSTS },
        egress: permitted.then(|| {
            if request {
                to_hosts(ACL_HOSTS_MAC)
            } else {
                to_uplink()
            }
        }),
        rewrite: Rewrite::Route,
        counter: (!permitted).then_some(k.tenant),
    }
}

// ---- univmon --------------------------------------------------------------------------------
//
// Flow i: a unique public source endpoint to a random public destination, TCP or UDP, on a
// common service port (or a random one).

pub(crate) fn univmon_packet(s: &AppSpace, i: u64) -> Shape {
    let r = s.bits(i, 1);
    let (src, sport) = unique_endpoint(i, s.bits(i, 2));
    let dst = public_addr(r);
    let dport = match (r >> 40) % 8 {
        0..=2 => 443,
        3 | 4 => 80,
        5 => 53,
        6 => 123,
        _ => 1024 + ((r >> 44) % 60_000) as u16,
    };
    let mut ip: Ipv4 = ipv4(src, dst);
    ip.ttl = 64;
    Shape {
        eth: eth(SWITCH_MAC, UPLINK_MAC),
        ip,
        transport: if dport == 53 || dport == 123 {
            udp(sport, dport)
        } else {
            tcp(sport, dport, r as u32, (r >> 32) as u32)
        },
        encap: Encap::None,
        prefix: None,
    }
}

pub(crate) fn univmon_entries(_s: &AppSpace, out: &mut Lines<'_>) -> io::Result<()> {
    out.line(format_args!(
        "add ipv4_route dst_prefix:0x00000000/0 route(port:{}, src_mac:{}, dst_mac:{})",
        PORT_UPLINK,
        Mac(SWITCH_MAC),
        Mac(UPLINK_MAC)
    ))
}

pub(crate) fn univmon_expected(_s: &AppSpace, _i: u64) -> Expected {
    Expected {
        ingress_port: PORT_UPLINK,
        egress: Some(to_uplink()),
        rewrite: Rewrite::Route,
        counter: None,
    }
}
