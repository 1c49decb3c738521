//! The packet builder against byte literals. The literals come from an independent
//! implementation (p4/apps/tests/tools/pktlib.py) and tcpdump -vvv reports every checksum in
//! them correct.

use exo_traffic::wire::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const SWITCH: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01];
const UPLINK: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x53, 0xfe];
const HOST: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0xaa];

fn host_eth() -> Ethernet {
    Ethernet {
        dst: SWITCH,
        src: HOST,
    }
}

fn tcp4() -> PacketSpec<'static> {
    let mut ip = Ipv4::new(Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(198, 51, 100, 2));
    ip.ident = 0x1234;
    PacketSpec {
        eth: host_eth(),
        ip: Ip::V4(ip),
        transport: Transport::Tcp(Tcp {
            sport: 1234,
            dport: 80,
            seq: 1,
            ack: 2,
            flags: TCP_ACK | TCP_PSH,
            window: 65535,
        }),
        payload: Payload::Bytes(b"hello"),
        encap: Encap::None,
    }
}

fn udp4() -> PacketSpec<'static> {
    let mut ip = Ipv4::new(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
    ip.ident = 7;
    PacketSpec {
        eth: host_eth(),
        ip: Ip::V4(ip),
        transport: Transport::Udp(Udp {
            sport: 5353,
            dport: 53,
            checksum: true,
        }),
        payload: Payload::Bytes(b"abc"),
        encap: Encap::None,
    }
}

#[test]
fn ipv4_tcp() {
    assert_eq!(
        tcp4().to_vec(),
        hex("00005e0053010200000000aa08004500002d1234000040067c60c0000201c633640204d2005000000001000000025018ffff7a99000068656c6c6f")
    );
}

#[test]
fn ipv4_udp() {
    assert_eq!(
        udp4().to_vec(),
        hex("00005e0053010200000000aa08004500001f00070000401166c50a0000010a00000214e90035000b1255616263")
    );
}

#[test]
fn vxlan() {
    let mut outer_ip = Ipv4::new(Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(203, 0, 113, 1));
    outer_ip.ttl = 60;
    let p = PacketSpec {
        encap: Encap::Vxlan {
            outer_eth: Ethernet {
                dst: UPLINK,
                src: SWITCH,
            },
            outer_ip,
            sport: 50000,
            vni: 5001,
        },
        ..udp4()
    };
    assert_eq!(
        p.to_vec(),
        hex("00005e0053fe00005e005301080045000051000000003c118090c000020acb007101c35012b5003d0000080000000013890000005e0053010200000000aa08004500001f00070000401166c50a0000010a00000214e90035000b1255616263")
    );
    assert_eq!(p.len(), p.to_vec().len());
}

#[test]
fn gre_with_key() {
    let p = PacketSpec {
        encap: Encap::Gre {
            outer_eth: Ethernet {
                dst: UPLINK,
                src: SWITCH,
            },
            outer_ip: Ipv4::new(Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 20)),
            key: Some(0x0102_0304),
        },
        ..tcp4()
    };
    assert_eq!(
        p.to_vec(),
        hex("00005e0053fe00005e00530108004500004900000000402ff667c000020ac000021420000800010203044500002d1234000040067c60c0000201c633640204d2005000000001000000025018ffff7a99000068656c6c6f")
    );
}

fn v6() -> Ipv6 {
    Ipv6 {
        src: "2001:db8::1".parse::<Ipv6Addr>().unwrap(),
        dst: "2001:db8::2".parse::<Ipv6Addr>().unwrap(),
        hop_limit: 64,
        traffic_class: 0,
        flow_label: 0,
    }
}

#[test]
fn ipv6_udp_and_tcp() {
    let u = PacketSpec {
        eth: host_eth(),
        ip: Ip::V6(v6()),
        transport: Transport::Udp(Udp {
            sport: 5000,
            dport: 53,
            checksum: true,
        }),
        payload: Payload::Bytes(b"v6"),
        encap: Encap::None,
    };
    assert_eq!(
        u.to_vec(),
        hex("00005e0053010200000000aa86dd60000000000a114020010db800000000000000000000000120010db800000000000000000000000213880035000a1a727636")
    );
    let t = PacketSpec {
        transport: Transport::Tcp(Tcp {
            sport: 4000,
            dport: 443,
            seq: 7,
            ack: 9,
            flags: TCP_ACK,
            window: 1000,
        }),
        payload: Payload::Zeros(0),
        ..u
    };
    assert_eq!(
        t.to_vec(),
        hex("00005e0053010200000000aa86dd600000000014064020010db800000000000000000000000120010db80000000000000000000000020fa001bb0000000700000009501003e83f0d0000")
    );
}

#[test]
fn zero_payload_equals_explicit_zeros() {
    let zeros = [0u8; 300];
    for spec in [tcp4(), udp4()] {
        let a = PacketSpec {
            payload: Payload::Zeros(300),
            ..spec
        };
        let b = PacketSpec {
            payload: Payload::Bytes(&zeros),
            ..spec
        };
        assert_eq!(a.to_vec(), b.to_vec());
    }
}

/// Verifying a built packet's checksums from scratch gives 0 (RFC 1071's check).
#[test]
fn checksums_verify() {
    let payload: Vec<u8> = (0..777u32).map(|i| (i * 7 + 3) as u8).collect();
    for spec in [tcp4(), udp4()] {
        let p = PacketSpec {
            payload: Payload::Bytes(&payload),
            ..spec
        }
        .to_vec();
        let ip = &p[14..34];
        assert_eq!(checksum(ip), 0);
        let l4 = &p[34..];
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&ip[12..20]);
        pseudo.extend_from_slice(&[0, ip[9]]);
        pseudo.extend_from_slice(&(l4.len() as u16).to_be_bytes());
        pseudo.extend_from_slice(l4);
        assert_eq!(checksum(&pseudo), 0);
    }
}
