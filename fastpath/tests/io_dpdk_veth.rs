//! `exo-fastpath run` with the DPDK backend on `net_af_packet` and `net_af_xdp` virtual devices
//! bound to veth pairs (as root, feature `dpdk`): real frames sent from a peer namespace cross
//! the loaded `l2fwd.p4` and come back on the other pair, in order; a frame with no entry is
//! dropped; the process stops cleanly and leaves no namespace behind. The engine runs as a
//! child process (one DPDK EAL per process).
#![cfg(feature = "dpdk")]

mod common;

use exo_ebpf::netns::{self, RawSocket};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn run_forwards_between_veth_pairs_over_dpdk_af_packet() {
    forward_between_veth_pairs("net_af_packet", 1);
}

#[test]
fn run_forwards_between_veth_pairs_over_dpdk_af_xdp() {
    forward_between_veth_pairs("net_af_xdp", 2);
}

/// `vdev`: the DPDK virtual device bound to each engine-side veth; `n` tells the tests'
/// namespaces apart (they may run in parallel).
fn forward_between_veth_pairs(vdev: &str, n: u32) {
    if let Some(why) = netns::unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tag = std::process::id() % 100_000 * 10 + n;
    let (ns_e, ns_p) = common::two_veth_pairs(&format!("exo-d-e{tag}"), &format!("exo-d-p{tag}"));
    let dir = std::env::temp_dir().join(format!("exo-d-af-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("run.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"version = 1
program = "{prog}"
entries = "{entries}"
backend = "dpdk"
cores = 1
stats_interval_s = 0.5

[dpdk]
eal = ["--no-huge", "-m", "256", "-l", "0", "--no-pci", "--log-level=error",
       "--file-prefix=exo-d-af-{tag}",
       "--vdev={vdev}0,iface=e1", "--vdev={vdev}1,iface=e2"]

[[port]]
p4 = 1
dpdk_port = 0

[[port]]
p4 = 2
dpdk_port = 1
"#,
            prog = root.join("benches/p4/l2fwd.p4").display(),
            entries = root.join("benches/io/l2fwd.stf").display(),
        ),
    )
    .unwrap();
    let mut child = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns_e.name(),
            env!("CARGO_BIN_EXE_exo-fastpath"),
        ])
        .arg("run")
        .arg(&cfg)
        .args(["--seconds", "6"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The loop is running once it prints its first counters line.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut log = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let running = line.contains("Mpps |");
        log.push(line);
        if running {
            break;
        }
    }
    // The peer: frames from p1 to 02..02 (port 2 -> e2 -> p2), and to 02..09 (no entry).
    let name = ns_p.name().to_string();
    let peer = std::thread::spawn(move || {
        netns::enter_named(&name).unwrap();
        let s1 = RawSocket::open("p1").unwrap();
        let s2 = RawSocket::open("p2").unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        for seq in 0..20u16 {
            s1.send(&common::frame(2, seq, 64 + usize::from(seq) * 50))
                .unwrap();
            if seq % 5 == 4 {
                s1.send(&common::frame(9, 1000 + seq, 64)).unwrap();
            }
            while let Some(n) = s2.recv(&mut buf, Duration::from_millis(300)).unwrap() {
                // Only frames of the test's ethertype (the kernel may send its own).
                if n >= 14 && buf[12..14] == [0x88, 0xb5] {
                    got.push(buf[..n].to_vec());
                }
                if got.len() > usize::from(seq) {
                    break;
                }
            }
        }
        got
    });
    let got = peer.join().unwrap();
    log.extend(lines.map_while(Result::ok));
    let status = child.wait().unwrap();
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    drop(ns_e);
    drop(ns_p);
    let _ = std::fs::remove_dir_all(&dir);
    let log = log.join("\n");
    if err.contains("EAL") && !status.success() {
        eprintln!("skipped: the DPDK EAL did not start here: {err}");
        return;
    }
    assert!(status.success(), "run failed: {err}\n{log}");
    let want: Vec<Vec<u8>> = (0..20u16)
        .map(|s| common::frame(2, s, 64 + usize::from(s) * 50))
        .collect();
    assert_eq!(got.len(), want.len(), "{log}");
    assert!(got == want, "frames changed or reordered\n{log}");
    assert!(log.contains("total:"), "{log}");
    assert!(
        err.contains("nothing left attached") || log.contains("nothing left attached"),
        "{err}\n{log}"
    );
    let left = Command::new("ip").args(["netns", "list"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&left.stdout).contains(&format!("exo-d-e{tag}")));
}
