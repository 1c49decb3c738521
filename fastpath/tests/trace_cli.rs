//! `exo-fastpath trace gen|entries|stats` as a user runs them: a trace of examples/gateway.toml
//! written and read back, the same bytes as exo-traffic's library, entries per app, and clear
//! errors.

use exo_traffic::gen::write_pcap;
use exo_traffic::pcap::{PcapReader, WriterOptions};
use exo_traffic::stats::{KeyCounter, KeyKind, Weight};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn exo_fastpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exo-fastpath"))
        .args(args)
        .output()
        .expect("run exo-fastpath")
}

fn ok(args: &[&str]) -> Output {
    let out = exo_fastpath(args);
    assert!(
        out.status.success(),
        "exo-fastpath {}: {}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh directory under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("exo-trace-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn gateway() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/gateway.toml")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// examples/gateway.toml with 2000 flows per app (so that its entries are small), in `dir`.
fn small_gateway(dir: &Path) -> PathBuf {
    let apps = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../p4/apps/");
    let text = std::fs::read_to_string(gateway())
        .expect("examples/gateway.toml")
        .replace("flows = 1000000", "flows = 2000")
        .replace("../p4/apps/", s(&apps));
    let path = dir.join("gateway.toml");
    std::fs::write(&path, text).expect("write the scenario");
    path
}

#[test]
fn gen_writes_the_scenarios_trace_and_stats_reads_it_back() {
    let dir = temp_dir("gen");
    let scenario = small_gateway(&dir);
    let out = ok(&[
        "trace",
        "gen",
        s(&scenario),
        "-o",
        s(&dir),
        "--packets",
        "3000",
        "--seed",
        "5",
        "--entries",
        s(&dir.join("entries")),
    ]);
    let pcap = dir.join("gateway.pcap");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3000 packets"), "{stderr}");

    // The same bytes as the library's trace of the same configuration.
    let sc = exo_scenario::Scenario::load(&scenario).expect("scenario");
    let mut cfg = exo_traffic::config::from_scenario(&sc);
    cfg.packets = 3000;
    cfg.seed = 5;
    let mut lib = Vec::new();
    write_pcap(&cfg, &mut lib, WriterOptions::default()).expect("library trace");
    let written = std::fs::read(&pcap).expect("read the trace");
    assert!(written == lib, "the CLI's trace differs from the library's");

    // Every record reads back.
    let mut r = PcapReader::open(&pcap).expect("open the trace");
    let mut n = 0;
    while r.next().expect("record").is_some() {
        n += 1;
    }
    assert_eq!(n, 3000);

    // One entries file per app of the scenario.
    for app in ["vpn", "nat", "acl", "univmon"] {
        let text = std::fs::read_to_string(dir.join("entries").join(format!("{app}.stf")))
            .unwrap_or_else(|e| panic!("{app}.stf: {e}"));
        assert!(text.lines().any(|l| l.starts_with("add ")), "{app}.stf");
    }

    // stats: the summary and the CSV of the library's KeyCounter on the same file.
    let csv = dir.join("srcip.csv");
    let out = ok(&[
        "trace",
        "stats",
        s(&pcap),
        "--key",
        "srcip",
        "--csv",
        s(&csv),
    ]);
    let mut c = KeyCounter::new(KeyKind::SrcIp, Weight::Packets, false);
    c.add_pcap(&mut PcapReader::open(&pcap).expect("open"))
        .expect("count");
    let cdf = c.finish();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, format!("{}: {}", pcap.display(), cdf.summary()));
    assert!(stdout.contains("3000 packets"), "{stdout}");
    let mut want = Vec::new();
    cdf.write_csv(&pcap.display().to_string(), &mut want)
        .expect("csv");
    assert_eq!(std::fs::read(&csv).expect("read csv"), want);
    let text = String::from_utf8(want).expect("utf-8");
    assert!(text.contains("key_fraction,traffic_fraction"), "{text}");
    let last = text.lines().last().expect("points");
    assert_eq!(last, "1.000000000,1.000000000");

    // The 5-tuple key is the default.
    let out = ok(&["trace", "stats", s(&pcap)]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("key 5tuple"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn gen_of_the_example_scenario_as_an_option() {
    let dir = temp_dir("example");
    let pcap = dir.join("g.pcap");
    ok(&[
        "trace",
        "gen",
        "--scenario",
        s(&gateway()),
        "--packets",
        "500",
        "-o",
        s(&pcap),
    ]);
    let mut r = PcapReader::open(&pcap).expect("open");
    let mut n = 0;
    while let Some(rec) = r.next().expect("record") {
        // The scenario's packets are 1500 bytes.
        assert_eq!(rec.data.len(), 1500);
        n += 1;
    }
    assert_eq!(n, 500);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn gen_to_a_file_and_entries_from_an_app_list() {
    let dir = temp_dir("apps");
    let pcap = dir.join("sub").join("nat.pcap");
    ok(&[
        "trace",
        "gen",
        "--apps",
        "nat,acl:3",
        "--flows",
        "100",
        "--size",
        "imix",
        "--packets",
        "400",
        "-o",
        s(&pcap),
        "--nanos",
    ]);
    let r = PcapReader::open(&pcap).expect("open");
    assert_eq!(r.header().resolution, exo_traffic::pcap::Resolution::Nanos);

    let entries = dir.join("entries");
    let out = ok(&[
        "trace",
        "entries",
        "--apps",
        "nat",
        "--flows",
        "10",
        "-o",
        s(&entries),
    ]);
    let text = std::fs::read_to_string(entries.join("nat.stf")).expect("nat.stf");
    // Five connections, both directions.
    assert_eq!(
        text.lines().filter(|l| l.starts_with("add nat_")).count(),
        10
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nat.stf: 10 lines"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_gives_a_clear_error() {
    let dir = temp_dir("bad");
    let not_pcap = dir.join("notes.txt");
    std::fs::write(&not_pcap, "# not a capture\n").expect("write");
    let out = exo_fastpath(&["trace", "stats", s(&not_pcap)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("notes.txt") && err.contains("byte 0") && err.contains("not a pcap"),
        "{err}"
    );

    let out = exo_fastpath(&["trace", "gen", "-o", s(&dir)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("scenario file or --apps"), "{err}");

    let missing = dir.join("missing.toml");
    let out = exo_fastpath(&["trace", "entries", s(&missing), "-o", s(&dir)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("missing.toml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
