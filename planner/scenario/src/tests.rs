use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory with an `app.p4` in it, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> Scratch {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "exo-scenario-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join("app.p4"), "// empty\n").expect("write");
    Scratch(d)
}

const GOOD: &str = r#"
version = 1
name = "t"
objective = "max-min-throughput"

[[app]]
name = "nat"
p4 = "app.p4"
affinity = "medium"
weight = 0.6
flows = 1000
quantum = 100
packet_size = "imix"
distribution = { kind = "zipf", alpha = 0.9 }
objects = { snat = 5000 }

[[app]]
name = "acl"
p4 = "app.p4"
affinity = "high"
weight = 0.4

[[device]]
name = "tor"
model = "tofino1"
role = "switch"

[[device]]
name = "nic"
model = "agilio-cx-40g"
role = "external"
count = 4

[traffic]
packets = 10
seed = 7
churn = { top_k = 100, period_s = 2.0 }
"#;

fn load(dir: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let p = dir.join("s.toml");
    std::fs::write(&p, text).expect("write");
    Scenario::load(&p)
}

fn err(text: &str) -> String {
    load(&scratch(), text).expect_err("should fail").to_string()
}

#[test]
fn loads_a_full_scenario() {
    let d = scratch();
    let s = load(&d, GOOD).expect("loads");
    assert_eq!(s.objective, Objective::MaxMinThroughput);
    assert_eq!(s.apps.len(), 2);
    let nat = s.app("nat").expect("nat");
    assert_eq!(nat.p4, d.join("app.p4"));
    assert_eq!(nat.quanta(), 10);
    assert_eq!(nat.objects.get("snat"), Some(&5000));
    assert!((nat.packet_size.mean_bytes() - 4252.0 / 12.0).abs() < 1e-9);
    let f = nat.quantum_fractions();
    assert_eq!(f.len(), 10);
    assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    let acl = s.app("acl").expect("acl");
    assert_eq!(acl.flows, 1_000_000);
    assert_eq!(acl.quantum, 1024);
    assert_eq!(acl.affinity, Affinity::High);
    assert_eq!(s.externals().map(|d| d.count).sum::<u32>(), 4);
    assert_eq!(s.switch().map(|d| d.name.as_str()), Some("tor"));
    assert_eq!(s.replicas, 2);
    assert_eq!(s.traffic.as_ref().map(|t| t.seed), Some(7));
}

#[test]
fn unknown_keys_are_named() {
    let e = err(&GOOD.replace("affinity = \"medium\"", "afinity = \"medium\""));
    assert!(e.contains("afinity"), "{e}");
    let e = err(&GOOD.replace("alpha = 0.9", "alpha = 0.9, beta = 1"));
    assert!(e.contains("beta"), "{e}");
}

#[test]
fn bad_values_are_named() {
    let cases = [
        ("version = 1", "version = 2", "version"),
        ("weight = 0.6", "weight = 0.5", "sum to"),
        ("weight = 0.6", "weight = -0.6", "weight"),
        ("quantum = 100", "quantum = 0", "quantum"),
        ("quantum = 100", "quantum = 5000", "quantum"),
        ("name = \"nat\"", "name = \"n-a-t\"", "identifier"),
        ("name = \"nat\"", "name = \"acl\"", "another app"),
        ("packet_size = \"imix\"", "packet_size = 10", "packet_size"),
        (
            "packet_size = \"imix\"",
            "packet_size = \"jumbo\"",
            "packet_size",
        ),
        ("alpha = 0.9", "alpha = -1.0", "alpha"),
        (
            "objective = \"max-min-throughput\"",
            "objective = \"fastest\"",
            "objective",
        ),
        (
            "role = \"switch\"",
            "role = \"external\"",
            "exactly one switch",
        ),
        ("count = 4", "count = 0", "count"),
        ("affinity = \"high\"", "affinity = \"always\"", "affinity"),
        ("period_s = 2.0", "period_s = 0.0", "period_s"),
        (
            "objects = { snat = 5000 }",
            "objects = { snat = 0 }",
            "objects.snat",
        ),
    ];
    for (from, to, needle) in cases {
        assert!(GOOD.contains(from), "{from}");
        let e = err(&GOOD.replacen(from, to, 1));
        assert!(e.contains(needle), "{to}: {e}");
        assert!(e.contains("s.toml"), "{to}: {e}");
    }
}

#[test]
fn missing_files_are_named() {
    let e = err(&GOOD.replacen("p4 = \"app.p4\"", "p4 = \"nope.p4\"", 1));
    assert!(e.contains("nope.p4") && e.contains("app `nat`: p4"), "{e}");
    let e = err(&GOOD.replace(
        "{ kind = \"zipf\", alpha = 0.9 }",
        "{ kind = \"cdf\", path = \"missing.csv\" }",
    ));
    assert!(e.contains("missing.csv"), "{e}");
    let e = Scenario::load(Path::new("/nonexistent-dir/s.toml")).expect_err("no dir");
    assert!(e.to_string().contains("/nonexistent-dir/s.toml"), "{e}");
}

#[test]
fn not_toml_is_a_syntax_error() {
    let e = err("version = = 1");
    assert!(e.contains("s.toml"), "{e}");
}

#[test]
fn cdf_and_pcap_distributions() {
    let d = scratch();
    std::fs::write(
        d.join("d.csv"),
        "key_fraction,traffic_fraction\n# measured\n0.1, 0.8\n0.5,0.95\n",
    )
    .expect("write");
    let s = load(
        &d,
        &GOOD.replace(
            "{ kind = \"zipf\", alpha = 0.9 }",
            "{ kind = \"cdf\", path = \"d.csv\" }",
        ),
    )
    .expect("cdf loads");
    let nat = s.app("nat").expect("nat");
    assert!((nat.fraction_of_top(100) - 0.8).abs() < 1e-12);
    assert!((nat.quantum_fractions()[0] - 0.8).abs() < 1e-12);

    std::fs::write(d.join("bad.csv"), "0.1,0.8\n0.05,0.9\n").expect("write");
    let e = load(
        &d,
        &GOOD.replace(
            "{ kind = \"zipf\", alpha = 0.9 }",
            "{ kind = \"cdf\", path = \"bad.csv\" }",
        ),
    )
    .expect_err("decreasing");
    assert!(e.to_string().contains("line 2"), "{e}");

    let pcap = crate::pcap::tests::make_pcap(&[(1, 1), (1, 1), (1, 1), (2, 2)]);
    std::fs::write(d.join("t.pcap"), &pcap).expect("write");
    let s = load(
        &d,
        &GOOD.replace(
            "{ kind = \"zipf\", alpha = 0.9 }",
            "{ kind = \"pcap\", path = \"t.pcap\", key = \"srcip\" }",
        ),
    )
    .expect("pcap loads");
    // 2 keys in the trace; top half of the keys carries 3/4 of the packets.
    assert!((s.app("nat").expect("nat").fraction_of_top(500) - 0.75).abs() < 1e-12);
    std::fs::write(d.join("t.pcap"), &pcap[..pcap.len() - 1]).expect("write");
    let e = load(
        &d,
        &GOOD.replace(
            "{ kind = \"zipf\", alpha = 0.9 }",
            "{ kind = \"pcap\", path = \"t.pcap\" }",
        ),
    )
    .expect_err("truncated");
    assert!(
        e.to_string().contains("truncated") && e.to_string().contains("t.pcap"),
        "{e}"
    );
}

#[test]
fn round_trips_through_toml() {
    let d = scratch();
    let s = load(&d, GOOD).expect("loads");
    let text = s.to_toml().expect("serialises");
    let again = Scenario::from_str(&text, &d.join("again.toml")).expect("reloads");
    assert_eq!(again.apps.len(), 2);
    assert_eq!(again.devices, s.devices);
}
