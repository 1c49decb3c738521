//! The steering program on a veth pair in namespaces the test creates: attach (native), the
//! management / data split with its per-CPU counters, detach, and the bad-input errors. Needs
//! root and the `bpf` feature; skipped with the reason otherwise.

use exo_ebpf::netns::{self, NetNs, RawSocket};
use exo_ebpf::{AttachMode, Attached, Steering, XdpError};
use std::time::Duration;

fn unavailable() -> Option<String> {
    if !exo_ebpf::programs_built() {
        return Some("built without the `bpf` feature".into());
    }
    netns::unavailable()
}

/// IPv4/UDP to 10.9.0.1:`dport`.
fn udp(dport: u16) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[..6].copy_from_slice(&[2, 0, 0, 0, 0xe0, 1]);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14] = 0x45;
    f[16..18].copy_from_slice(&50u16.to_be_bytes());
    f[22] = 64;
    f[23] = 17;
    f[26..30].copy_from_slice(&[10, 9, 0, 2]);
    f[30..34].copy_from_slice(&[10, 9, 0, 1]);
    f[34..36].copy_from_slice(&40000u16.to_be_bytes());
    f[36..38].copy_from_slice(&dport.to_be_bytes());
    f
}

fn xdp_attached(ns: &str, dev: &str) -> bool {
    let out = std::process::Command::new("ip")
        .args(["-n", ns, "link", "show", dev])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).contains("xdp")
}

#[test]
fn attach_count_and_detach() {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let tag = std::process::id() % 100_000;
    let ns_e = NetNs::create(&format!("exo-x-e{tag}")).unwrap();
    let ns_p = NetNs::create(&format!("exo-x-p{tag}")).unwrap();
    netns::veth_pair(
        "xe",
        &ns_e,
        "02:00:00:00:e0:01",
        "xp",
        &ns_p,
        "02:00:00:00:00:01",
        1,
    )
    .unwrap();
    let (e_name, p_name) = (ns_e.name().to_string(), ns_p.name().to_string());

    let (to_attached, attached) = std::sync::mpsc::channel();
    let (to_sent, sent) = std::sync::mpsc::channel::<()>();
    let engine = std::thread::spawn(move || {
        netns::enter_named(&e_name).unwrap();
        assert!(matches!(
            Steering::attach("nonexistent0", AttachMode::Auto),
            Err(XdpError::NoInterface(_))
        ));
        let mut s = Steering::attach("xe", AttachMode::Native).unwrap();
        assert_eq!(s.mode(), Attached::Native);
        s.add_mgmt_port(50051).unwrap();
        s.add_mgmt_addr("10.9.0.9".parse().unwrap()).unwrap();
        assert!(matches!(
            s.register_socket(99, std::io::stdin()),
            Err(XdpError::Queue(99))
        ));
        to_attached.send(()).unwrap();
        sent.recv().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let st = s.stats().unwrap();
        s.detach();
        st
    });
    attached.recv().unwrap();
    assert!(xdp_attached(ns_e.name(), "xe"));
    let peer = std::thread::spawn(move || {
        netns::enter_named(&p_name).unwrap();
        let sock = RawSocket::open("xp").unwrap();
        for _ in 0..5 {
            sock.send(&udp(50051)).unwrap(); // management: passed to the kernel
        }
        for _ in 0..7 {
            sock.send(&udp(9)).unwrap(); // data, no AF_XDP socket on the queue: dropped
        }
    });
    peer.join().unwrap();
    to_sent.send(()).unwrap();
    let st = engine.join().unwrap();
    assert_eq!(st.passed, 5, "{st:?}");
    assert_eq!(st.dropped, 7, "{st:?}");
    assert_eq!(st.redirected, 0, "{st:?}");
    assert!(
        !xdp_attached(ns_e.name(), "xe"),
        "program still attached after detach"
    );
    let names = [ns_e.name().to_string(), ns_p.name().to_string()];
    drop(ns_e);
    drop(ns_p);
    let left = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    let left = String::from_utf8_lossy(&left.stdout);
    for n in names {
        assert!(!left.contains(&n), "namespace {n} left behind");
    }
}

#[test]
fn unsupported_mode_is_an_error_not_a_fallback() {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let tag = std::process::id() % 100_000;
    let ns = NetNs::create(&format!("exo-x-m{tag}")).unwrap();
    let name = ns.name().to_string();
    let r = std::thread::spawn(move || {
        netns::enter_named(&name).unwrap();
        let native = Steering::attach("lo", AttachMode::Native).map(|s| s.mode());
        let auto = Steering::attach("lo", AttachMode::Auto).map(|s| s.mode());
        (
            native.map_err(|e| e.to_string()),
            auto.map_err(|e| e.to_string()),
        )
    })
    .join()
    .unwrap();
    drop(ns);
    let err = r.0.expect_err("native XDP on loopback should fail");
    assert!(err.contains("native"), "{err}");
    assert_eq!(r.1, Ok(Attached::Generic));
}
