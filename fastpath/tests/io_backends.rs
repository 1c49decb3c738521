//! Packet I/O backends end to end: pcap replay in and capture out through `l2fwd.p4` (library
//! and `exo-fastpath run`), and, as root with the `bpf` feature, AF_XDP between veth pairs in
//! network namespaces that the test creates and removes.

mod common;

use exo_fastpath::io::pcap::{Pace, PcapIo, PcapPort};
use exo_fastpath::io::{self, ControlQueue, CoreStats, LoopOptions};
use exo_fastpath::Pipeline;
use exo_traffic::pcap::{PcapReader, PcapWriter, WriterOptions};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn l2fwd() -> Pipeline {
    let ir = io::cli::load_ir(&root().join("benches/p4/l2fwd.p4"), &[]).unwrap();
    let mut p = Pipeline::from_ir(&ir).unwrap();
    io::load_entries(&mut p, &root().join("benches/io/l2fwd.stf")).unwrap();
    p
}

fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::new(std::io::BufWriter::new(f), WriterOptions::default()).unwrap();
    for (i, fr) in frames.iter().enumerate() {
        w.write(1_000_000_000 + i as u64 * 1000, fr).unwrap();
    }
    w.flush().unwrap();
}

fn read_pcap(path: &Path) -> Vec<Vec<u8>> {
    let mut r = PcapReader::open(path).unwrap();
    let mut v = Vec::new();
    while let Some(rec) = r.next().unwrap() {
        v.push(rec.data.to_vec());
    }
    v
}

type Frames = Vec<Vec<u8>>;

/// The input and what `l2fwd.stf` makes of it: per port, the frames expected in order.
fn l2_case() -> (Frames, Frames, Frames) {
    let mut input = Vec::new();
    let (mut to1, mut to2) = (Vec::new(), Vec::new());
    for seq in 0..60u16 {
        let dst = [1u8, 2, 9][seq as usize % 3]; // 9: no entry, dropped
        let f = common::frame(dst, seq, 64 + seq as usize);
        match dst {
            1 => to1.push(f.clone()),
            2 => to2.push(f.clone()),
            _ => {}
        }
        input.push(f);
    }
    (input, to1, to2)
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("exo-io-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn pcap_replay_and_capture_match_the_expectation() {
    let dir = tmpdir("pcap");
    let (input, to1, to2) = l2_case();
    write_pcap(&dir.join("in.pcap"), &input);
    let ports = [
        PcapPort {
            port: 1,
            replay: Some(dir.join("in.pcap")),
            capture: Some(dir.join("out1.pcap")),
        },
        PcapPort {
            port: 2,
            replay: None,
            capture: Some(dir.join("out2.pcap")),
        },
    ];
    let mut pio = PcapIo::open(&ports, Pace::Fast, 1).unwrap();
    let mut pipe = l2fwd();
    let ctl = ControlQueue::new(4);
    let stats = CoreStats::new(&[1, 2]);
    let rep = io::run_core(
        &mut pio,
        &mut pipe,
        &ctl,
        &stats,
        std::time::Instant::now(),
        &LoopOptions::default(),
    )
    .unwrap();
    drop(pio);
    assert_eq!(rep.rx(), 60);
    assert_eq!(rep.tx(), 40);
    assert_eq!(rep.counts[0].drop, 20, "dst 9 has no entry");
    assert_eq!(read_pcap(&dir.join("out1.pcap")), to1);
    assert_eq!(read_pcap(&dir.join("out2.pcap")), to2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_command_replays_a_pcap_config() {
    let dir = tmpdir("run");
    let (input, to1, to2) = l2_case();
    write_pcap(&dir.join("in.pcap"), &input);
    let cfg = format!(
        "version = 1\nprogram = \"{}\"\nentries = \"{}\"\nbackend = \"pcap\"\n\
         [[port]]\np4 = 1\nreplay = \"in.pcap\"\ncapture = \"out1.pcap\"\n\
         [[port]]\np4 = 2\ncapture = \"out2.pcap\"\n",
        root().join("benches/p4/l2fwd.p4").display(),
        root().join("benches/io/l2fwd.stf").display()
    );
    std::fs::write(dir.join("run.toml"), cfg).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_exo-fastpath"))
        .arg("run")
        .arg(dir.join("run.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("rx 60 tx 40 drop 20"), "{text}");
    // The loop's placement is printed at start.
    assert!(
        text.lines().any(|l| l.starts_with("core 0: CPU ")),
        "{text}"
    );
    assert_eq!(read_pcap(&dir.join("out1.pcap")), to1);
    assert_eq!(read_pcap(&dir.join("out2.pcap")), to2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_command_rejects_bad_input_in_one_line() {
    let dir = tmpdir("bad");
    let cases = [
        (
            "program = \"x.p4\"\nbackend = \"pcap\"\n[[port]]\np4 = 1\n[[port]]\np4 = 1\n",
            "twice",
        ),
        (
            "program = \"x.p4\"\nbackend = \"afxdp\"\n[[port]]\np4 = 1\n",
            "needs `interface`",
        ),
        (
            "program = \"x.p4\"\nbackend = \"warp\"\n[[port]]\np4 = 1\n",
            "warp",
        ),
    ];
    for (i, (cfg, want)) in cases.iter().enumerate() {
        let p = dir.join(format!("c{i}.toml"));
        std::fs::write(&p, cfg).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_exo-fastpath"))
            .arg("run")
            .arg(&p)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Why the AF_XDP test cannot run here, if it cannot.
fn afxdp_unavailable() -> Option<String> {
    if !exo_ebpf::programs_built() {
        return Some("built without the `bpf` feature (the XDP program is not compiled in)".into());
    }
    exo_ebpf::netns::unavailable()
}

/// A thread that runs `l2fwd.p4` over AF_XDP on e1 (P4 port 1) and e2 (P4 port 2) of namespace
/// `ns` until `packets` arrived or `limit` passed; its loop report and the steering programs'
/// statistics.
fn afxdp_l2fwd_engine(
    ns: &str,
    packets: u64,
    limit: std::time::Duration,
) -> std::thread::JoinHandle<(io::LoopReport, Vec<exo_ebpf::SteerStats>)> {
    let name = ns.to_string();
    std::thread::spawn(move || {
        exo_ebpf::netns::enter_named(&name).unwrap();
        let mut steer = Vec::new();
        let mut socks = Vec::new();
        for (port, ifc) in [(1u32, "e1"), (2, "e2")] {
            let mut s = exo_ebpf::Steering::attach(ifc, exo_ebpf::AttachMode::Native).unwrap();
            let x = io::afxdp::XskSocket::open(ifc, 0, port, &Default::default()).unwrap();
            s.register_socket(0, x.fd()).unwrap();
            steer.push(s);
            socks.push(x);
        }
        let mut afx = io::afxdp::AfXdpIo::new(socks).unwrap();
        let mut pipe = l2fwd();
        let opts = LoopOptions {
            duration: Some(limit),
            max_packets: Some(packets),
            ..LoopOptions::default()
        };
        let rep = io::run_core(
            &mut afx,
            &mut pipe,
            &ControlQueue::new(4),
            &CoreStats::new(&[1, 2]),
            std::time::Instant::now(),
            &opts,
        )
        .unwrap();
        // Let the last transmissions complete before the sockets close.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let st: Vec<_> = steer.iter().map(|s| s.stats().unwrap()).collect();
        (rep, st)
    })
}

#[test]
fn afxdp_forwards_between_veth_pairs_through_l2fwd() {
    if let Some(why) = afxdp_unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    use exo_ebpf::netns::{self, RawSocket};
    use std::time::Duration;
    let tag = std::process::id() % 100_000;
    let (ns_e, ns_p) = common::two_veth_pairs(&format!("exo-t-e{tag}"), &format!("exo-t-p{tag}"));

    // The engine: AF_XDP on e1 (P4 port 1) and e2 (P4 port 2), in namespace E.
    let engine = afxdp_l2fwd_engine(ns_e.name(), 40, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));

    // The peer: send from p1 to 02..02 (-> port 2 -> p2) and from p2 to 02..01 (-> p1).
    let name = ns_p.name().to_string();
    let peer = std::thread::spawn(move || {
        netns::enter_named(&name).unwrap();
        let s1 = RawSocket::open("p1").unwrap();
        let s2 = RawSocket::open("p2").unwrap();
        let mut got1 = Vec::new();
        let mut got2 = Vec::new();
        let mut buf = [0u8; 2048];
        for seq in 0..20u16 {
            s1.send(&common::frame(2, seq, 64)).unwrap();
            s2.send(&common::frame(1, 100 + seq, 100)).unwrap();
            while let Some(n) = s2.recv(&mut buf, Duration::from_millis(200)).unwrap() {
                got2.push(buf[..n].to_vec());
                if got2.len() > seq as usize {
                    break;
                }
            }
            while let Some(n) = s1.recv(&mut buf, Duration::from_millis(200)).unwrap() {
                got1.push(buf[..n].to_vec());
                if got1.len() > seq as usize {
                    break;
                }
            }
        }
        (got1, got2)
    });
    let (got1, got2) = peer.join().unwrap();
    let (rep, st) = engine.join().unwrap();
    drop(ns_e);
    drop(ns_p);
    assert_eq!(rep.rx(), 40, "{rep:?}");
    assert_eq!(rep.tx(), 40, "{rep:?}");
    let want2: Vec<Vec<u8>> = (0..20).map(|s| common::frame(2, s, 64)).collect();
    let want1: Vec<Vec<u8>> = (0..20).map(|s| common::frame(1, 100 + s, 100)).collect();
    assert_eq!(got2, want2);
    assert_eq!(got1, want1);
    assert_eq!(st[0].redirected, 20);
    assert_eq!(st[1].redirected, 20);
    // Nothing left behind.
    let left = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&left.stdout).contains(&format!("exo-t-e{tag}")));
}

/// A longer run: 7 500 frames from p1, a third back to port 1, a third to port 2, a third with no
/// entry, in rounds of 30. More transmit descriptors than the TX ring has slots, so a ring
/// reservation that trusted a stale view of the ring (about every 2 048th frame counted as
/// dropped, the peer left waiting) fails it, and so would frames lost to the fill ring.
#[test]
fn afxdp_long_run_keeps_every_frame() {
    if let Some(why) = afxdp_unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    use exo_ebpf::netns::{self, RawSocket};
    use std::time::Duration;
    const N: u16 = 7500;
    let tag = std::process::id() % 100_000;
    let (ns_e, ns_p) = common::two_veth_pairs(&format!("exo-h-e{tag}"), &format!("exo-h-p{tag}"));
    let engine = afxdp_l2fwd_engine(ns_e.name(), u64::from(N), Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    let name = ns_p.name().to_string();
    let peer = std::thread::spawn(move || {
        netns::enter_named(&name).unwrap();
        let s1 = RawSocket::open("p1").unwrap();
        let s2 = RawSocket::open("p2").unwrap();
        let (mut back, mut other) = (Vec::new(), Vec::new());
        let mut buf = [0u8; 2048];
        // Every third frame to port 1 (back where it came from), to port 2, or to nowhere; in
        // rounds of 30, each round's forwarded frames collected before the next.
        for round in 0..N / 30 {
            for k in 0..30u16 {
                let seq = round * 30 + k;
                let dst = [1u8, 2, 9][usize::from(seq % 3)];
                s1.send(&common::frame(dst, seq, 60 + usize::from(seq % 64)))
                    .unwrap();
            }
            let want = usize::from(round + 1) * 10;
            while back.len() < want {
                match s1.recv(&mut buf, Duration::from_millis(500)).unwrap() {
                    Some(n) => back.push(buf[..n].to_vec()),
                    None => break,
                }
            }
            while other.len() < want {
                match s2.recv(&mut buf, Duration::from_millis(500)).unwrap() {
                    Some(n) => other.push(buf[..n].to_vec()),
                    None => break,
                }
            }
        }
        (back, other)
    });
    let (back, other) = peer.join().unwrap();
    let (rep, _) = engine.join().unwrap();
    drop(ns_e);
    drop(ns_p);
    let frames = |dst: u8| -> Vec<Vec<u8>> {
        (0..N)
            .filter(|s| [1u8, 2, 9][usize::from(s % 3)] == dst)
            .map(|s| common::frame(dst, s, 60 + usize::from(s % 64)))
            .collect()
    };
    assert_eq!(rep.rx(), u64::from(N), "{rep:?}");
    assert_eq!(rep.counts[0].drop, u64::from(N / 3), "{rep:?}");
    assert_eq!(back, frames(1));
    assert_eq!(other, frames(2));
}

/// Two cores, two queues: veth pairs with two queues each, one AF_XDP socket per (interface,
/// queue) and one engine loop per core (core k serves queue k of both interfaces). The peer
/// sends UDP frames of 40 flows; the kernel spreads flows over the veth queues by their hash,
/// so both cores get traffic; every frame comes out on the other pair (order across queues is
/// free).
#[test]
fn afxdp_two_queues_two_cores() {
    if let Some(why) = afxdp_unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    use exo_ebpf::netns::{self, NetNs, RawSocket};
    use std::time::Duration;
    let tag = std::process::id() % 100_000;
    let ns_e = NetNs::create(&format!("exo-q-e{tag}")).unwrap();
    let ns_p = NetNs::create(&format!("exo-q-p{tag}")).unwrap();
    for (e, p, mac) in [
        ("e1", "p1", "02:00:00:00:00:01"),
        ("e2", "p2", "02:00:00:00:00:02"),
    ] {
        let ok = std::process::Command::new("ip")
            .args(["link", "add", e, "netns", ns_e.name(), "numtxqueues", "2"])
            .args(["numrxqueues", "2", "type", "veth", "peer", "name", p])
            .args(["netns", ns_p.name(), "address", mac])
            .args(["numtxqueues", "2", "numrxqueues", "2"])
            .status()
            .unwrap();
        assert!(ok.success());
        ns_e.ip(&["link", "set", e, "up"]).unwrap();
        ns_p.ip(&["link", "set", p, "up"]).unwrap();
        for (ns, dev) in [(&ns_e, e), (&ns_p, p)] {
            let _ = std::process::Command::new("ip")
                .args(["netns", "exec", ns.name(), "sysctl", "-qw"])
                .arg(format!("net.ipv6.conf.{dev}.disable_ipv6=1"))
                .output();
        }
    }
    const N: u16 = 40;
    let engine = {
        let name = ns_e.name().to_string();
        std::thread::spawn(move || {
            netns::enter_named(&name).unwrap();
            let mut steer = Vec::new();
            let mut ios = vec![Vec::new(), Vec::new()];
            for (port, ifc) in [(1u32, "e1"), (2, "e2")] {
                let mut s = exo_ebpf::Steering::attach(ifc, exo_ebpf::AttachMode::Native).unwrap();
                for (q, socks) in ios.iter_mut().enumerate() {
                    let x = io::afxdp::XskSocket::open(ifc, q as u32, port, &Default::default())
                        .unwrap();
                    s.register_socket(q as u32, x.fd()).unwrap();
                    socks.push(x);
                }
                steer.push(s);
            }
            let mut ios: Vec<io::afxdp::AfXdpIo> = ios
                .into_iter()
                .map(|socks| io::afxdp::AfXdpIo::new(socks).unwrap())
                .collect();
            let mut procs = vec![l2fwd(), l2fwd()];
            // The peer needs well under a second; the loops run a fixed time.
            let opts = LoopOptions {
                duration: Some(Duration::from_secs(4)),
                ..LoopOptions::default()
            };
            let reps = io::cli::run_cores(&mut ios, &mut procs, &opts, None).unwrap();
            std::thread::sleep(Duration::from_millis(200));
            drop(steer);
            reps
        })
    };
    std::thread::sleep(Duration::from_millis(400));
    let name = ns_p.name().to_string();
    let peer = std::thread::spawn(move || {
        netns::enter_named(&name).unwrap();
        let s2 = RawSocket::open("p2").unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        let s1 = RawSocket::open("p1").unwrap();
        for seq in 0..N {
            s1.send(&udp_frame(seq)).unwrap();
            while let Some(n) = s2.recv(&mut buf, Duration::from_millis(200)).unwrap() {
                if n == 64 && buf[12..14] == [0x08, 0x00] && buf[36..38] == [0x27, 0x0f] {
                    got.push(buf[..n].to_vec());
                }
                if got.len() > usize::from(seq) {
                    break;
                }
            }
        }
        got
    });
    let mut got = peer.join().unwrap();
    let reps = engine.join().unwrap();
    drop(ns_e);
    drop(ns_p);
    got.sort();
    let mut want: Vec<Vec<u8>> = (0..N).map(udp_frame).collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(reps.len(), 2);
    for (core, r) in reps.iter().enumerate() {
        assert!(r.rx() > 0, "core {core} received nothing: {reps:?}");
    }
    assert_eq!(reps.iter().map(|r| r.tx()).sum::<u64>(), u64::from(N));
}

/// A 64-byte IPv4/UDP frame to 02:00:00:00:00:02 from source port 1000 + `seq` to port 9999
/// (one flow per `seq`; the IPv4 checksum is left zero, nobody checks it on the way).
fn udp_frame(seq: u16) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[..6].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0x10, 0x01]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45;
    f[16..18].copy_from_slice(&50u16.to_be_bytes());
    f[22] = 64;
    f[23] = 17;
    f[26..30].copy_from_slice(&[10, 0, 0, 1]);
    f[30..34].copy_from_slice(&[10, 0, 0, 2]);
    f[34..36].copy_from_slice(&(1000 + seq).to_be_bytes());
    f[36..38].copy_from_slice(&9999u16.to_be_bytes());
    f[38..40].copy_from_slice(&30u16.to_be_bytes());
    f[42..44].copy_from_slice(&seq.to_be_bytes());
    f
}
