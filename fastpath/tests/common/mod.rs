//! Pieces shared by the packet I/O tests that run in network namespaces.
#![allow(dead_code)]

use exo_ebpf::netns::{self, NetNs};

/// An Ethernet frame of `len` bytes to `dst` (last byte of 02:00:00:00:00:xx) tagged `seq`,
/// with a local experimental ethertype the kernel leaves alone.
pub fn frame(dst: u8, seq: u16, len: usize) -> Vec<u8> {
    let mut f = vec![0u8; len];
    f[..6].copy_from_slice(&[2, 0, 0, 0, 0, dst]);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0x10, 0x01]);
    f[12..14].copy_from_slice(&0x88b5u16.to_be_bytes());
    f[14..16].copy_from_slice(&seq.to_be_bytes());
    f
}

/// Namespaces `engine` and `peer` joined by two veth pairs: e1 <-> p1 (peer MAC
/// 02:00:00:00:00:01) and e2 <-> p2 (02:00:00:00:00:02). Dropping a namespace removes it and
/// its links.
pub fn two_veth_pairs(engine: &str, peer: &str) -> (NetNs, NetNs) {
    let ns_e = NetNs::create(engine).unwrap();
    let ns_p = NetNs::create(peer).unwrap();
    for k in 1..=2 {
        netns::veth_pair(
            &format!("e{k}"),
            &ns_e,
            &format!("02:00:00:00:e0:0{k}"),
            &format!("p{k}"),
            &ns_p,
            &format!("02:00:00:00:00:0{k}"),
            1,
        )
        .unwrap();
    }
    (ns_e, ns_p)
}
