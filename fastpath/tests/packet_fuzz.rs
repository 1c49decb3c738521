//! Hostile packets: random bytes, truncations and mutations of valid packets, fed to every
//! program of the frontend corpus and the benchmark programs. The engine must never panic and
//! must keep processing afterwards, and give the same outputs when the packets come in lent
//! receive buffers.
// Lending a buffer to the pipeline is unsafe (`LentBuf::new`).
#![allow(unsafe_code)]

use exo_fastpath::{Outputs, Pipeline};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn programs() -> &'static Vec<(String, exo_p4::ir::Program)> {
    static P: OnceLock<Vec<(String, exo_p4::ir::Program)>> = OnceLock::new();
    P.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files: Vec<PathBuf> = Vec::new();
        for dir in ["p4/tests/corpus", "fastpath/benches/p4"] {
            if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
                files.extend(
                    rd.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "p4")),
                );
            }
        }
        files.sort();
        files
            .into_iter()
            .filter_map(|f| {
                let c = exo_p4::compile_file(&f, &exo_p4::CompileOptions::default());
                c.ir.map(|ir| (f.display().to_string(), ir))
            })
            .collect()
    })
}

fn valid_packet(seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    exo_fastpath::bench::flow_packet(&mut s, 64 + (seed % 200) as usize)
}

#[test]
fn every_corpus_program_loads_on_the_engine() {
    let mut failures = Vec::new();
    for (name, ir) in programs() {
        if let Err(e) = Pipeline::from_ir(ir) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        programs().len() >= 40,
        "only {} programs compiled",
        programs().len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn truncated_packets_never_panic() {
    for (_, ir) in programs() {
        let Ok(mut p) = Pipeline::from_ir(ir) else {
            continue;
        };
        let mut out = Outputs::new();
        let pkt = valid_packet(7);
        for cut in 0..pkt.len() {
            out.clear();
            p.process(&pkt[..cut], 1, 1000 + cut as u64, &mut out);
        }
        // Still processes a whole packet afterwards.
        out.clear();
        p.process(&pkt, 1, 5000, &mut out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_and_mutated_packets_never_panic(
        prog in 0usize..64,
        seed in any::<u64>(),
        flips in proptest::collection::vec((any::<u16>(), any::<u8>()), 0..16),
        random in proptest::collection::vec(any::<u8>(), 0..300),
        port in 0u32..512,
    ) {
        let progs = programs();
        let (_, ir) = &progs[prog % progs.len()];
        let Ok(mut p) = Pipeline::from_ir(ir) else { return Ok(()) };
        let Ok(mut lent) = Pipeline::from_ir(ir) else { return Ok(()) };
        let mut out = Outputs::new();
        let mut pkt = valid_packet(seed);
        for (pos, b) in flips {
            let i = pos as usize % pkt.len();
            pkt[i] = b;
        }
        p.process(&pkt, port, 1, &mut out);
        let first = resolved(&out, &[]);
        out.clear();
        p.process(&random, port, 2, &mut out);
        for o in out.as_slice() {
            prop_assert!(o.data.len() <= 65_536);
        }
        // The same packets in lent receive buffers give the same outputs.
        let second = resolved(&out, &[]);
        prop_assert_eq!(process_lent(&mut lent, &pkt, port, 1), first);
        prop_assert_eq!(process_lent(&mut lent, &random, port, 2), second);
    }
}

/// Outputs as (port, bytes), those that are their input's lent buffer read from `inputs`.
fn resolved(out: &Outputs, inputs: &[Vec<u8>]) -> Vec<(u32, Vec<u8>)> {
    out.as_slice()
        .iter()
        .zip(out.origins())
        .map(|(o, &i)| {
            if o.in_input {
                (o.port, inputs[i as usize].clone())
            } else {
                (o.port, o.data.clone())
            }
        })
        .collect()
}

/// One packet processed in a receive buffer lent to the pipeline.
fn process_lent(p: &mut Pipeline, pkt: &[u8], port: u32, now: u64) -> Vec<(u32, Vec<u8>)> {
    let mut bufs = vec![pkt.to_vec()];
    let ptr = std::ptr::NonNull::new(bufs[0].as_mut_ptr()).expect("a vector's pointer");
    // SAFETY: `bufs[0]` keeps its length and is not touched until `process_staged` returns.
    unsafe { p.stage_lent(exo_fastpath::io::LentBuf::new(ptr, pkt.len()), port) };
    let mut out = Outputs::new();
    p.process_staged(now, &mut out);
    resolved(&out, &bufs)
}

/// Programs whose deparser the engine skips (`identity_deparse()`: it would only give back the
/// parsed bytes) send the same packets as with the deparser run: whole, truncated and mutated
/// packets, on every corpus and benchmark program the analysis accepts.
#[test]
fn skipped_deparsers_send_the_deparsers_bytes() {
    let mut checked = Vec::new();
    for (name, ir) in programs() {
        let Ok(cp) = exo_fastpath::compile::compile(ir) else {
            continue;
        };
        if !cp.identity_deparse() {
            continue;
        }
        let mut with_deparser = cp.clone();
        with_deparser.deparse_rewrites = None;
        let (Ok(mut fast), Ok(mut slow)) = (Pipeline::new(cp), Pipeline::new(with_deparser)) else {
            continue;
        };
        for seed in 0..96u64 {
            let mut pkt = valid_packet(seed);
            match seed % 3 {
                0 => pkt.truncate((seed as usize * 7) % pkt.len()),
                1 => {
                    let i = (seed as usize * 13) % pkt.len();
                    pkt[i] ^= (seed as u8) | 1;
                }
                _ => {}
            }
            let (mut a, mut b) = (Outputs::new(), Outputs::new());
            fast.process(&pkt, 1 + (seed % 3) as u32, seed, &mut a);
            slow.process(&pkt, 1 + (seed % 3) as u32, seed, &mut b);
            assert_eq!(a.as_slice(), b.as_slice(), "{name}, seed {seed}");
        }
        checked.push(name.clone());
    }
    assert!(
        checked.len() >= 3,
        "only {} programs skip their deparser: {checked:?}",
        checked.len()
    );
}
