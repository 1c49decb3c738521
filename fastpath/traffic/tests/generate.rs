//! Trace generation: the Zipf shape, determinism, weights, churn, the statistics of a trace, and
//! configuration from a scenario.

use exo_scenario::Zipf;
use exo_traffic::config;
use exo_traffic::gen::{write_pcap, AppTraffic, Churn, Generator, Popularity, TraceConfig};
use exo_traffic::pcap::{PcapReader, WriterOptions};
use exo_traffic::rng::Rng;
use exo_traffic::stats::{KeyCounter, KeyKind, Weight};
use exo_traffic::zipf::ZipfSampler;
use exo_traffic::{AppKind, SizeDist};
use std::collections::HashMap;

fn app(kind: AppKind, weight: f64, flows: u64, alpha: f64) -> AppTraffic {
    AppTraffic {
        name: kind.name().to_string(),
        kind,
        weight,
        flows,
        popularity: Popularity::Zipf(alpha),
        sizes: SizeDist::Fixed(64),
    }
}

fn cfg(apps: Vec<AppTraffic>, packets: u64, seed: u64) -> TraceConfig {
    TraceConfig {
        apps,
        packets,
        seed,
        churn: None,
        rate_pps: 1e6,
        start_ns: config::DEFAULT_START_NS,
    }
}

/// The share of the top 1 % of keys among 2 M samples is within 0.01 of the analytic value
/// (the sampling error is about 0.0004), for the paper's three exponents and 1 M keys.
#[test]
fn zipf_top_one_percent_matches_the_analytic_share() {
    let n = 1_000_000u64;
    for alpha in [0.9, 0.95, 0.99] {
        let z = ZipfSampler::new(alpha, n);
        let mut rng = Rng::new(11);
        let draws = 2_000_000;
        let top = (0..draws).filter(|_| z.sample(&mut rng) <= n / 100).count();
        let got = top as f64 / draws as f64;
        let want = Zipf::new(alpha, n).fraction_of_top(n / 100);
        assert!(
            (got - want).abs() < 0.01,
            "alpha {alpha}: {got:.4} vs {want:.4}"
        );
    }
}

/// The same through the whole pipeline: generate a trace, measure its 5-tuple CDF.
#[test]
fn trace_5tuple_cdf_follows_zipf() {
    let n = 100_000;
    let c = cfg(vec![app(AppKind::UnivMon, 1.0, n, 0.99)], 400_000, 3);
    let mut bytes = Vec::new();
    write_pcap(&c, &mut bytes, WriterOptions::default()).unwrap();
    let mut r = PcapReader::new(&bytes[..], "trace").unwrap();
    let mut k = KeyCounter::new(KeyKind::FiveTuple, Weight::Packets, false);
    k.add_pcap(&mut r).unwrap();
    let cdf = k.finish();
    assert_eq!(cdf.packets, 400_000);
    assert_eq!(cdf.skipped, 0);
    // The top 1 000 ranks (1 % of the keyspace) all appear; measure their share directly.
    let got = cdf.share_of_top_keys(n / 100);
    let want = Zipf::new(0.99, n).fraction_of_top(n / 100);
    assert!((got - want).abs() < 0.02, "{got} vs {want}");
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let apps = || {
        vec![
            app(AppKind::VpnGateway, 0.25, 10_000, 0.9),
            app(AppKind::Nat, 0.25, 10_000, 0.95),
            app(AppKind::Acl, 0.25, 10_000, 0.99),
            AppTraffic {
                sizes: SizeDist::imix(),
                ..app(AppKind::NetCache, 0.25, 10_000, 0.99)
            },
        ]
    };
    let run = |seed| {
        let mut v = Vec::new();
        write_pcap(&cfg(apps(), 20_000, seed), &mut v, WriterOptions::default()).unwrap();
        v
    };
    let (a, b, c) = (run(5), run(5), run(6));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn weights_are_respected() {
    let c = cfg(
        vec![
            app(AppKind::VmNat, 0.5, 1000, 0.9),
            app(AppKind::StatefulFw, 0.3, 1000, 0.9),
            app(AppKind::SynProxy, 0.2, 1000, 0.9),
        ],
        100_000,
        1,
    );
    let s = write_pcap(&c, std::io::sink(), WriterOptions::default()).unwrap();
    for (n, w) in s.per_app.iter().zip([0.5, 0.3, 0.2]) {
        assert!((*n as f64 / 100_000.0 - w).abs() < 0.01, "{n} vs {w}");
    }
}

/// Churn: in the second period, the top-K flows of the first are cold and K previously cold
/// flows are the hottest.
#[test]
fn churn_rotates_the_top_flows() {
    let k = 10u64;
    let mut c = cfg(vec![app(AppKind::Nat, 1.0, 10_000, 1.2)], 200_000, 2);
    c.churn = Some(Churn {
        top_k: k,
        period_s: 0.1,
    });
    // 1 Mpps: 100 000 packets per period.
    let mut g = Generator::new(&c).unwrap();
    let mut per_period = [HashMap::new(), HashMap::new()];
    let mut i = 0usize;
    while let Some(p) = g.next() {
        *per_period[i / 100_000].entry(p.flow).or_insert(0u64) += 1;
        i += 1;
    }
    let top = |m: &HashMap<u64, u64>| {
        let mut v: Vec<(u64, u64)> = m.iter().map(|(f, n)| (*n, *f)).collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        v.iter().take(k as usize).map(|x| x.1).collect::<Vec<u64>>()
    };
    let (t0, t1) = (top(&per_period[0]), top(&per_period[1]));
    for f in &t0 {
        assert!(!t1.contains(f), "flow {f} stayed in the top {k}");
        let before = per_period[0][f];
        let after = per_period[1].get(f).copied().unwrap_or(0);
        assert!(after * 20 < before, "flow {f}: {before} -> {after}");
    }
}

#[test]
fn scenario_drives_the_generator() {
    let apps = concat!(env!("CARGO_MANIFEST_DIR"), "/../../p4/apps");
    let text = format!(
        r#"
version = 1
name = "leaf"
[[app]]
name = "vm_nat"
p4 = "{apps}/vm_nat.p4"
weight = 0.5
flows = 5000
packet_size = "imix"
distribution = {{ kind = "zipf", alpha = 0.9 }}
[[app]]
name = "kv"
p4 = "{apps}/netcache.p4"
weight = 0.5
flows = 5000
packet_size = 128
[[device]]
name = "tor"
model = "tofino1"
role = "switch"
[traffic]
packets = 3000
seed = 9
churn = {{ top_k = 10, period_s = 1.0 }}
"#
    );
    let s =
        exo_scenario::Scenario::from_str(&text, std::path::Path::new("/tmp/leaf.toml")).unwrap();
    let c = config::from_scenario(&s);
    assert_eq!(c.apps[0].kind, AppKind::VmNat);
    assert_eq!(c.apps[1].kind, AppKind::NetCache);
    assert_eq!(c.apps[0].sizes, SizeDist::imix());
    assert_eq!(c.apps[1].sizes, SizeDist::Fixed(128));
    assert_eq!((c.packets, c.seed), (3000, 9));
    assert_eq!(
        c.churn,
        Some(Churn {
            top_k: 10,
            period_s: 1.0
        })
    );
    let sum = write_pcap(&c, std::io::sink(), WriterOptions::default()).unwrap();
    assert_eq!(sum.packets, 3000);
}

#[test]
fn bad_configurations_are_errors() {
    let mut c = cfg(vec![app(AppKind::Nat, 1.0, 0, 0.9)], 10, 1);
    assert!(Generator::new(&c).is_err());
    c.apps[0].flows = 10;
    c.apps[0].weight = f64::NAN;
    assert!(Generator::new(&c).is_err());
    c.apps[0].weight = 1.0;
    c.rate_pps = 0.0;
    assert!(Generator::new(&c).is_err());
    c.rate_pps = 1.0;
    c.apps[0].flows = u64::MAX;
    assert!(Generator::new(&c).is_err());
    assert!(Generator::new(&cfg(vec![], 1, 1)).is_err());
}
