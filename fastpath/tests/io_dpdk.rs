//! The DPDK backend (feature `dpdk`) on two `net_ring` virtual devices without hugepages:
//! frames written to ring 0 go through `l2fwd.p4` and come out on ring 1 unchanged, the
//! unknown destination is dropped. One EAL per process: this file holds a single test.
#![cfg(feature = "dpdk")]
// Rewriting a lent mbuf as the pipeline does is unsafe (`PktBuf::lend`).
#![allow(unsafe_code)]

use exo_fastpath::io::dpdk::Dpdk;
use exo_fastpath::io::{self, ControlQueue, CoreStats, LoopOptions, PacketIo, PortCounts};
use exo_fastpath::{OutPacket, Pipeline};
use std::path::PathBuf;

fn frame(dst: u8, seq: u16) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[..6].copy_from_slice(&[2, 0, 0, 0, 0, dst]);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0x10, 0x01]);
    f[12..14].copy_from_slice(&0x88b5u16.to_be_bytes());
    f[14..16].copy_from_slice(&seq.to_be_bytes());
    f
}

#[test]
fn net_ring_loop_through_l2fwd() {
    let cpus_before = io::sys::current_cpus();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let ir = io::cli::load_ir(&root.join("benches/p4/l2fwd.p4"), &[]).unwrap();
    let mut pipe = Pipeline::from_ir(&ir).unwrap();
    io::load_entries(&mut pipe, &root.join("benches/io/l2fwd.stf")).unwrap();
    let eal: Vec<String> = [
        "--no-huge",
        "-m",
        "512",
        "--no-pci",
        "--log-level=error",
        "--vdev=net_ring0",
        "--vdev=net_ring1",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        format!("--file-prefix=exo-t{}", std::process::id()),
        // The one lcore on the process's last CPU: the loop must be placed there.
        "-l".into(),
        cpus_before.last().copied().unwrap_or(0).to_string(),
    ])
    .collect();
    let d = match Dpdk::init(&eal, &[0, 1], 1, 4096) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    // The EAL pinned this thread to its lcore's CPU; a loop thread spawned now must still go to
    // the i-th CPU the process started with (the fallback when no lcore names a CPU for it).
    assert_eq!(io::sys::allowed_cpus(), &cpus_before[..]);
    let n = cpus_before.len();
    let pinned = std::thread::spawn(move || (io::sys::pin_to_cpu(n + 1), io::sys::current_cpus()))
        .join()
        .unwrap();
    assert_eq!(pinned, (true, vec![cpus_before[(n + 1) % n]]));
    let last = cpus_before.last().copied().unwrap_or(0);
    assert_eq!(d.lcore_cpus(), &[last]);
    // Queue 0's loop goes to lcore 0's CPU (`run_cores` pins it there).
    let mut dio = d.core_io(&[(1, 0), (2, 1)], 0).unwrap();
    assert_eq!(dio.cpu(), Some(last));
    // A net_ring device's TX feeds its own RX: inject through port 1's TX.
    let input: Vec<OutPacket> = (0..30u16)
        .map(|s| OutPacket {
            port: 1,
            data: frame(if s % 3 == 2 { 9 } else { 2 }, s),
            ..Default::default()
        })
        .collect();
    let mut c = vec![PortCounts::default(); 2];
    assert_eq!(dio.tx_burst(&input, &mut c).unwrap(), 0);
    assert_eq!(c[0].tx, 30);
    // A packet larger than an mbuf's room is dropped and counted, not truncated.
    let big = [OutPacket {
        port: 1,
        data: vec![0xab; 4000],
        ..Default::default()
    }];
    assert_eq!(dio.tx_burst(&big, &mut c).unwrap(), 0);
    assert_eq!((c[0].tx, c[0].drop), (30, 1));

    let ctl = ControlQueue::new(4);
    // A controller's packet-out, staged by a control message before the first burst: it goes
    // out first (on port 2, whose ring feeds it back: the first burst receives the 30 frames
    // of port 1 and then it), and the burst's outputs still leave in their own (lent) mbufs.
    let injected = frame(2, 999);
    let staged = injected.clone();
    assert!(ctl
        .send(io::Control::Apply(Box::new(move |p: &mut Pipeline| {
            p.stage(&staged, 1)
        })))
        .is_ok());
    let stats = CoreStats::new(&[1, 2]);
    let opts = LoopOptions {
        max_packets: Some(30),
        duration: Some(std::time::Duration::from_secs(5)),
        ..LoopOptions::default()
    };
    let rep = io::run_core(
        &mut dio,
        &mut pipe,
        &ctl,
        &stats,
        std::time::Instant::now(),
        &opts,
    )
    .unwrap();
    assert_eq!(rep.counts[0].rx, 30, "{rep:?}");
    assert_eq!(rep.counts[0].drop, 10, "{rep:?}");
    assert_eq!(rep.counts[1].rx, 1, "{rep:?}");
    assert_eq!(rep.counts[1].tx, 22, "{rep:?}");

    // What came out on ring 1, read back through its RX.
    let mut got = Vec::new();
    dio.rx_burst(64, |port, data| got.push((port, data.to_vec())))
        .unwrap();
    let want: Vec<(u32, Vec<u8>)> = (0..30u16)
        .filter(|s| s % 3 != 2)
        .map(|s| (2, frame(2, s)))
        .chain(std::iter::once((2, injected)))
        .collect();
    assert_eq!(got, want);

    // Outputs go out in their inputs' own mbufs when they have the input's length, in fresh
    // ones otherwise: receive three frames, then send an edited copy of the second (its own
    // mbuf), a second copy of it (fresh), the first cut short (fresh) and one to a port this
    // core does not serve, in that order.
    let inject: Vec<OutPacket> = (0..3u16)
        .map(|s| OutPacket {
            port: 1,
            data: frame(2, 100 + s),
            ..Default::default()
        })
        .collect();
    let mut c = vec![PortCounts::default(); 2];
    dio.tx_burst(&inject, &mut c).unwrap();
    let mut rx = Vec::new();
    dio.rx_burst(64, |port, data| rx.push((port, data.to_vec())))
        .unwrap();
    assert_eq!(rx.len(), 3);
    let mut edited = rx[1].1.clone();
    edited[0] ^= 0xff;
    let short = rx[0].1[..20].to_vec();
    let outs = [
        OutPacket {
            port: 2,
            data: edited.clone(),
            ..Default::default()
        },
        OutPacket {
            port: 2,
            data: edited.clone(),
            ..Default::default()
        },
        OutPacket {
            port: 2,
            data: short.clone(),
            ..Default::default()
        },
        OutPacket {
            port: 7,
            data: rx[2].1.clone(),
            ..Default::default()
        },
    ];
    let mut c = vec![PortCounts::default(); 2];
    assert_eq!(dio.tx_burst_from(&outs, &[1, 1, 0, 2], &mut c).unwrap(), 1);
    assert_eq!((c[1].tx, c[1].drop), (3, 0));
    let mut back = Vec::new();
    dio.rx_burst(64, |port, data| back.push((port, data.to_vec())))
        .unwrap();
    assert_eq!(back, vec![(2, edited.clone()), (2, edited), (2, short)]);

    // Lent mbufs: receive two frames lent, rewrite them where they lie, then send a copy
    // of the first with its length (it must not take the first's mbuf, which leaves next as
    // rewritten), the first itself, and the second itself to a port this core does not serve.
    let inject: Vec<OutPacket> = (0..2u16)
        .map(|s| OutPacket {
            port: 1,
            data: frame(2, 200 + s),
            ..Default::default()
        })
        .collect();
    let mut c = vec![PortCounts::default(); 2];
    dio.tx_burst(&inject, &mut c).unwrap();
    let mut seen = Vec::new();
    dio.rx_burst_lent(64, |port, b| match b {
        io::RxBuf::Lent(b) => {
            // The lent buffer is this burst's: rewrite it as the pipeline would.
            let mut pk = exo_fastpath::pktbuf::PktBuf::new();
            // SAFETY: the mbuf is ours until the tx_burst_from below; `pk` forgets it first.
            unsafe { pk.lend(b) };
            pk[0] = 0x42;
            seen.push((port, pk.to_vec()));
            pk.unlend();
        }
        io::RxBuf::Bytes(_) => panic!("a single-segment mbuf was not lent"),
    })
    .unwrap();
    assert_eq!(seen.len(), 2);
    let mut first = frame(2, 200);
    first[0] = 0x42;
    assert_eq!(seen[0], (1, first.clone()));
    let copy = frame(5, 7);
    let outs = [
        OutPacket {
            port: 2,
            data: copy.clone(),
            ..Default::default()
        },
        OutPacket {
            port: 2,
            in_input: true,
            ..Default::default()
        },
        OutPacket {
            port: 7,
            in_input: true,
            ..Default::default()
        },
    ];
    let mut c = vec![PortCounts::default(); 2];
    assert_eq!(dio.tx_burst_from(&outs, &[0, 0, 1], &mut c).unwrap(), 1);
    assert_eq!((c[1].tx, c[1].drop), (2, 0));
    let mut back = Vec::new();
    dio.rx_burst(64, |port, data| back.push((port, data.to_vec())))
        .unwrap();
    assert_eq!(back, vec![(2, copy), (2, first)]);

    // A packet in three segments comes out of the receive paths whole (copied, not lent).
    let parts = frame(2, 300);
    assert!(dio.send_segmented(0, &[&parts[..10], &parts[10..40], &parts[40..]]));
    let mut seg = Vec::new();
    dio.rx_burst_lent(64, |port, b| match b {
        io::RxBuf::Bytes(d) => seg.push((port, d.to_vec())),
        io::RxBuf::Lent(_) => panic!("a segmented mbuf was lent"),
    })
    .unwrap();
    assert_eq!(seg, vec![(1, parts)]);
    dio.tx_burst_from(&[], &[], &mut c).unwrap();
    drop(dio);
    drop(d);
}
