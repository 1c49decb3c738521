//! `process_batch` parses a chunk of packets ahead of their ingress and prefetches table
//! entries (see `exo_fastpath::burst`). That reordering must be invisible: every program gives
//! the same outputs, in the same order, and the same counters, registers and table statistics
//! whether its packets come one by one or in bursts.

use exo_fastpath::bench::{self, BenchArgs};
use exo_fastpath::{Batch, Outputs, Pipeline};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn args(program: &str, flows: usize) -> BenchArgs {
    BenchArgs {
        flows,
        zipf: 0.9,
        lpm_fill: 50,
        ternary_fill: 20,
        ternary_masks: 4,
        seed: 3,
        ..BenchArgs::new(root().join(program))
    }
}

fn load(path: &Path) -> Pipeline {
    let c = exo_p4::compile_file(path, &exo_p4::CompileOptions::default());
    Pipeline::from_ir(&c.ir.expect("program checks")).expect("program loads")
}

/// Everything observable after a run: outputs and state.
fn observe(p: &Pipeline, out: &[exo_fastpath::OutPacket]) -> String {
    let tables: Vec<(u64, u64)> = p.st.tables.iter().map(|t| (t.hits, t.misses)).collect();
    format!(
        "{out:?}\n{tables:?}\n{:?}\n{:?}\n{:?}",
        p.st.counters, p.st.registers, p.st.digests
    )
}

/// Runs `packets` one by one on a fresh pipeline and in bursts of `burst` on another (both
/// made by `mk`), and demands the same observations.
fn same_either_way(
    name: &str,
    mk: &dyn Fn() -> Pipeline,
    packets: &[Vec<u8>],
    burst: usize,
) -> usize {
    let mut one = mk();
    let mut all_one = Vec::new();
    let mut out = Outputs::new();
    for (i, pk) in packets.iter().enumerate() {
        out.clear();
        one.process(pk, (i % 4) as u32, 1_000 + (i / burst) as u64, &mut out);
        all_one.extend_from_slice(out.as_slice());
    }
    let mut many = mk();
    many.set_prefetch_min_entries(0);
    let mut all_many = Vec::new();
    for (b, chunk) in packets.chunks(burst).enumerate() {
        let mut batch = Batch::with_capacity(burst);
        for (j, pk) in chunk.iter().enumerate() {
            batch.push(pk, ((b * burst + j) % 4) as u32);
        }
        out.clear();
        many.process_batch(&batch, 1_000 + b as u64, &mut out);
        all_many.extend_from_slice(out.as_slice());
    }
    assert_eq!(
        observe(&one, &all_one),
        observe(&many, &all_many),
        "{name}: bursts differ from single packets"
    );
    // Packets copied straight from the batch (no parsing ahead), after a packet staged
    // earlier: the staged one goes first and every output keeps its packet's index.
    let mut mixed = mk();
    mixed.set_prefetch_min_entries(usize::MAX);
    let mut all_mixed = Vec::new();
    for (b, chunk) in packets.chunks(burst).enumerate() {
        let now = 1_000 + b as u64;
        mixed.stage(&chunk[0], ((b * burst) % 4) as u32);
        let mut batch = Batch::with_capacity(burst);
        for (j, pk) in chunk.iter().enumerate().skip(1) {
            batch.push(pk, ((b * burst + j) % 4) as u32);
        }
        out.clear();
        mixed.process_batch(&batch, now, &mut out);
        let origins = out.origins().to_vec();
        assert!(
            origins.windows(2).all(|w| w[0] <= w[1])
                && origins.iter().all(|&o| (o as usize) < chunk.len()),
            "{name}: outputs out of order: {origins:?}"
        );
        all_mixed.extend_from_slice(out.as_slice());
    }
    assert_eq!(
        observe(&one, &all_one),
        observe(&mixed, &all_mixed),
        "{name}: a staged packet followed by a batch differs from single packets"
    );
    all_one.len()
}

#[test]
fn bench_programs_with_entries_behave_the_same_in_bursts() {
    for (prog, flows) in [
        ("fastpath/benches/p4/l2fwd.p4", 300),
        ("fastpath/benches/p4/l3_acl.p4", 300),
        ("fastpath/benches/p4/nat.p4", 3000),
    ] {
        let a = args(prog, flows);
        let mk = || {
            let mut p = load(&a.program);
            bench::prepare(&mut p, &a).expect("entries install");
            p
        };
        let trace = {
            let mut p = load(&a.program);
            bench::prepare(&mut p, &a).expect("entries install")
        };
        let packets: Vec<Vec<u8>> = (0..trace.packets().min(2000))
            .map(|i| trace.packet(i).to_vec())
            .collect();
        // The route lookup of L3 + ACL comes after the ACL: its LPM root is requested as
        // soon as the packet is parsed. L2 and NAT apply one exact table first.
        let early: Vec<String> = {
            let p = mk();
            p.early_prefetch_tables()
                .iter()
                .map(|&t| p.prog.tables[t as usize].name.clone())
                .collect()
        };
        let want: &[&str] = if prog.contains("l3_acl") {
            &["L3Ingress.routes"]
        } else {
            &[]
        };
        assert_eq!(early, want, "{prog}: early prefetch");
        let (ok, prefetched) = mk().burst_plan();
        assert!(ok, "{prog}: the parser should be local");
        assert!(prefetched <= 2);
        // Ragged bursts too: the last chunk of each is shorter than the parse-ahead chunk.
        for burst in [32, 13] {
            let n = same_either_way(prog, &mk, &packets, burst);
            assert!(n > 0, "{prog}: nothing forwarded");
        }
    }
}

#[test]
fn corpus_programs_behave_the_same_in_bursts() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("p4/tests/corpus"))
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "p4"))
        .collect();
    files.sort();
    let mut seed = 0x1234_5678_9abc_def1u64;
    let packets: Vec<Vec<u8>> = (0..200)
        .map(|i| {
            let mut pk = bench::flow_packet(&mut seed, 64 + (i * 7) % 120);
            // Some hostile ones: truncated and with flipped bytes.
            if i % 5 == 0 {
                pk.truncate(i % 40);
            }
            if i % 7 == 0 && !pk.is_empty() {
                let j = (i * 13) % pk.len();
                pk[j] ^= 0xa5;
            }
            pk
        })
        .collect();
    let mut bursty = 0;
    for f in files {
        let c = exo_p4::compile_file(&f, &exo_p4::CompileOptions::default());
        let Some(ir) = c.ir else { continue };
        let mk = || Pipeline::from_ir(&ir).expect("program loads");
        if mk().burst_plan().0 {
            bursty += 1;
        }
        same_either_way(&f.display().to_string(), &mk, &packets, 32);
    }
    assert!(
        bursty >= 10,
        "only {bursty} corpus programs take the burst path"
    );
}

/// `bench --pcap`: the trace is the file's packets in order, entries derived from its distinct
/// packets make them hit, and bursts of it behave as single packets.
#[test]
fn pcap_traces_feed_bench_and_bursts() {
    let dir = std::env::temp_dir().join(format!("exo-bench-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.pcap");
    let mut seed = 99u64;
    let flows: Vec<Vec<u8>> = (0..20)
        .map(|i| bench::flow_packet(&mut seed, 64 + i))
        .collect();
    let frames: Vec<Vec<u8>> = (0..300).map(|i| flows[(i * 7) % 20].clone()).collect();
    {
        let f = std::fs::File::create(&path).unwrap();
        let mut w = exo_traffic::pcap::PcapWriter::new(
            std::io::BufWriter::new(f),
            exo_traffic::pcap::WriterOptions::default(),
        )
        .unwrap();
        for (i, fr) in frames.iter().enumerate() {
            w.write(1_000 + i as u64, fr).unwrap();
        }
        w.flush().unwrap();
    }
    let mut a = args("fastpath/benches/p4/nat.p4", 1000);
    a.pcap = Some(path.clone());
    let mk = || {
        let mut p = load(&a.program);
        bench::prepare(&mut p, &a).expect("entries from the pcap");
        p
    };
    let trace = {
        let mut p = load(&a.program);
        bench::prepare(&mut p, &a).unwrap()
    };
    assert_eq!(trace.packets(), frames.len());
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(trace.packet(i), &f[..]);
    }
    let p = mk();
    let nat = p.st.tables.iter().map(|t| t.table.len()).max().unwrap_or(0);
    assert_eq!(nat, 20, "one entry per distinct packet");
    let forwarded = same_either_way("nat.p4 from pcap", &mk, &frames, 32);
    assert_eq!(forwarded, frames.len());
    // A missing file is a clear error, not a panic.
    let mut bad = a.clone();
    bad.pcap = Some(dir.join("missing.pcap"));
    let err = bench::prepare(&mut load(&bad.program), &bad)
        .err()
        .expect("missing pcap fails");
    assert!(err.to_string().contains("missing.pcap"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `bench --cores 2`: two pipelines with the same entries and trace run at once; the report
/// sums their rates and lists each.
#[test]
fn bench_runs_on_several_cores() {
    let mut a = args("fastpath/benches/p4/l2fwd.p4", 200);
    a.seconds = 0.05;
    a.cores = 2;
    let mut p = load(&a.program);
    let r = bench::run(&mut p, &a).expect("bench runs");
    assert_eq!(r.per_core.len(), 2);
    assert!(r.per_core.iter().all(|&m| m > 0.0), "{:?}", r.per_core);
    assert!((r.mpps - r.per_core.iter().sum::<f64>()).abs() < 1e-9);
    assert_eq!(
        r.out_packets, r.packets,
        "every packet of the trace has an entry"
    );
    assert!(r.to_string().contains("on 2 cores"), "{r}");
}
