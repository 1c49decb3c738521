//! Union-key statistics of known traces.

use exo_traffic::pcap::{PcapReader, PcapWriter, WriterOptions, LINKTYPE_RAW};
use exo_traffic::stats::{KeyCounter, KeyKind, Weight};
use exo_traffic::wire::*;
use std::net::Ipv4Addr;

fn udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16) -> Vec<u8> {
    PacketSpec {
        eth: Ethernet {
            dst: [2, 0, 0, 0, 0, 1],
            src: [2, 0, 0, 0, 0, 2],
        },
        ip: Ip::V4(Ipv4::new(Ipv4Addr::from(src), Ipv4Addr::from(dst))),
        transport: Transport::Udp(Udp {
            sport,
            dport,
            checksum: true,
        }),
        payload: Payload::Zeros(10),
        encap: Encap::None,
    }
    .to_vec()
}

fn cdf_of(frames: &[Vec<u8>], key: KeyKind, weight: Weight, inner: bool) -> exo_traffic::KeyCdf {
    let mut w = PcapWriter::new(Vec::new(), WriterOptions::default()).unwrap();
    for f in frames {
        w.write(0, f).unwrap();
    }
    let bytes = w.into_inner();
    let mut r = PcapReader::new(&bytes[..], "t").unwrap();
    let mut c = KeyCounter::new(key, weight, inner);
    c.add_pcap(&mut r).unwrap();
    c.finish()
}

#[test]
fn counts_and_shares() {
    // Flow A: 6 packets, B: 3, C: 1, plus one ARP frame.
    let a = udp([10, 0, 0, 1], [10, 0, 0, 9], 1000, 53);
    let b = udp([10, 0, 0, 2], [10, 0, 0, 9], 1000, 53);
    let c = udp([10, 0, 0, 3], [10, 0, 0, 8], 1000, 80);
    let mut frames = vec![a.clone(); 6];
    frames.extend(vec![b; 3]);
    frames.push(c);
    let mut arp = vec![0xffu8; 12];
    arp.extend_from_slice(&[0x08, 0x06]);
    arp.extend_from_slice(&[0; 28]);
    frames.push(arp);

    let cdf = cdf_of(&frames, KeyKind::FiveTuple, Weight::Packets, false);
    assert_eq!(
        (cdf.keys(), cdf.packets, cdf.skipped, cdf.total),
        (3, 11, 1, 10)
    );
    assert!((cdf.share_of_top_keys(1) - 0.6).abs() < 1e-9);
    assert!((cdf.share_of_top_keys(2) - 0.9).abs() < 1e-9);
    assert!((cdf.share_of_top_fraction(0.5) - 0.9).abs() < 1e-9);
    assert_eq!(cdf.keys_for_share(0.8), 2);
    let pts = cdf.points();
    assert_eq!(pts.first(), Some(&(0.0, 0.0)));
    assert_eq!(pts.last().map(|p| p.1), Some(1.0));

    let dst = cdf_of(&frames, KeyKind::DstIp, Weight::Packets, false);
    assert_eq!(dst.keys(), 2);
    assert!((dst.share_of_top_keys(1) - 0.9).abs() < 1e-9);
    let port = cdf_of(&frames, KeyKind::DstPort, Weight::Packets, false);
    assert_eq!(port.keys(), 2);

    let mut csv = Vec::new();
    cdf.write_csv("t.pcap", &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("key_fraction,traffic_fraction"));
    // The scenario format reads what we write.
    let parsed = exo_scenario::parse_cdf_csv(&text).unwrap();
    assert!((parsed.at(1.0 / 3.0) - 0.6).abs() < 1e-6);
}

#[test]
fn inner_keys_of_tunnels() {
    let inner = PacketSpec {
        eth: Ethernet {
            dst: [2, 0, 0, 0, 0, 1],
            src: [2, 0, 0, 0, 0, 2],
        },
        ip: Ip::V4(Ipv4::new(
            Ipv4Addr::new(172, 16, 0, 1),
            Ipv4Addr::new(10, 7, 0, 1),
        )),
        transport: Transport::Tcp(Tcp {
            sport: 1,
            dport: 2,
            seq: 0,
            ack: 0,
            flags: TCP_ACK,
            window: 1,
        }),
        payload: Payload::Zeros(0),
        encap: Encap::None,
    };
    let outer_eth = inner.eth;
    let outer_ip = Ipv4::new(Ipv4Addr::new(100, 64, 0, 1), Ipv4Addr::new(203, 0, 113, 1));
    let frames: Vec<Vec<u8>> = (0..4u16)
        .map(|i| {
            let mut p = inner;
            if let Transport::Tcp(t) = &mut p.transport {
                t.sport = i;
            }
            p.encap = if i % 2 == 0 {
                Encap::Vxlan {
                    outer_eth,
                    outer_ip,
                    sport: 50000,
                    vni: 1,
                }
            } else {
                Encap::Gre {
                    outer_eth,
                    outer_ip,
                    key: Some(9),
                }
            };
            p.to_vec()
        })
        .collect();
    assert_eq!(
        cdf_of(&frames, KeyKind::SrcIp, Weight::Packets, false).keys(),
        1
    );
    let inner_cdf = cdf_of(&frames, KeyKind::FiveTuple, Weight::Packets, true);
    assert_eq!(inner_cdf.keys(), 4);
    let inner_src = cdf_of(&frames, KeyKind::SrcIp, Weight::Bytes, true);
    assert_eq!(inner_src.keys(), 1);
}

#[test]
fn raw_ip_link_type() {
    let f = udp([1, 2, 3, 4], [5, 6, 7, 8], 1, 2);
    let opts = WriterOptions {
        linktype: LINKTYPE_RAW,
        ..WriterOptions::default()
    };
    let mut w = PcapWriter::new(Vec::new(), opts).unwrap();
    w.write(0, &f[14..]).unwrap();
    let bytes = w.into_inner();
    let mut r = PcapReader::new(&bytes[..], "raw").unwrap();
    let mut c = KeyCounter::new(KeyKind::FiveTuple, Weight::Packets, false);
    c.add_pcap(&mut r).unwrap();
    let cdf = c.finish();
    assert_eq!((cdf.keys(), cdf.skipped), (1, 0));
}
