//! The compiled tier against the interpreter: every STF test of the suite passes on the
//! generated code of its program; after each STF script, damaged copies of its packets give
//! the same outputs and state on both tiers; and the benchmark programs give the same
//! outputs, byte for byte, and the same table statistics on their traffic and on damaged
//! copies of it. The generated side takes some bursts in lent receive buffers (rewritten where
//! they lie, as from DPDK), the interpreter always copies.
// Lending a buffer to the pipeline is unsafe (`LentBuf::new`).
#![allow(unsafe_code)]

use exo_fastpath::bench::BenchArgs;
use exo_fastpath::io::LentBuf;
use exo_fastpath::{Batch, Outputs, Pipeline};
use std::path::{Path, PathBuf};

fn fastpath_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fastpath/compiled")
        .to_path_buf()
}

fn compiled_program(p4: &Path) -> exo_fastpath::program::CompiledProgram {
    let opts = exo_p4::CompileOptions {
        include_dirs: p4.parent().map(Path::to_path_buf).into_iter().collect(),
        defines: Vec::new(),
    };
    let c = exo_p4::compile_file(p4, &opts);
    assert!(
        !c.has_errors(),
        "{}:\n{}",
        p4.display(),
        c.render_diagnostics()
    );
    let ir = c.ir.expect("IR");
    exo_fastpath::compile::compile(&ir).expect("compiles for the engine")
}

/// `X.stf` and `X-N.stf` run against `X.p4` (as tests/stf_suite.rs).
fn program_for(stf: &Path) -> PathBuf {
    let stem = stf.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let base = match stem.rsplit_once('-') {
        Some((b, n)) if !b.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => b,
        _ => stem,
    };
    stf.with_file_name(format!("{base}.p4"))
}

fn stf_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("an STF directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "stf"))
        .collect();
    files.sort();
    files
}

/// The app `p4/apps/APP.p4` of `p4/apps/tests/APP_CASE.stf` (the longest app name that
/// prefixes the test's name, as tests/apps_stf.rs of exo-fastpath).
fn app_for(stf: &Path) -> PathBuf {
    let apps = stf.parent().and_then(Path::parent).expect("p4/apps/tests");
    let name = stf.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let mut best: Option<PathBuf> = None;
    for e in std::fs::read_dir(apps).expect("p4/apps").flatten() {
        let p = e.path();
        let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if p.extension().is_some_and(|x| x == "p4")
            && name.starts_with(&format!("{stem}_"))
            && best
                .as_ref()
                .and_then(|b| b.file_stem())
                .is_none_or(|b| b.len() < stem.len())
        {
            best = Some(p.clone());
        }
    }
    best.unwrap_or_else(|| panic!("{}: no app", stf.display()))
}

#[test]
fn stf_suite_passes_on_the_compiled_tier() {
    exo_fastpath_compiled::register();
    let mut files = stf_files(&fastpath_dir().join("tests").join("stf"));
    assert!(files.len() >= 60, "the STF suite is missing");
    let apps = fastpath_dir()
        .join("..")
        .join("p4")
        .join("apps")
        .join("tests");
    let app_tests = stf_files(&apps);
    assert!(app_tests.len() >= 8, "the apps' STF tests are missing");
    files.extend(app_tests);
    let mut failed = Vec::new();
    for stf in &files {
        let p4 = if stf.starts_with(&apps) {
            app_for(stf)
        } else {
            program_for(stf)
        };
        let prog = compiled_program(&p4);
        let mut pipe = Pipeline::new(prog).expect("loads");
        assert!(
            pipe.prog.gen.is_some(),
            "{}: no generated code attached",
            stf.display()
        );
        let text = std::fs::read_to_string(stf).expect("readable");
        let name = stf.file_name().and_then(|s| s.to_str()).unwrap_or("?");
        let report = exo_fastpath::stf::run(&mut pipe, name, &text).expect("valid STF");
        if !report.passed() {
            failed.push(format!("{name}:\n  {}", report.failures.join("\n  ")));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} STF tests fail on the compiled tier:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

fn args(program: &str, flows: usize, lpm_fill: usize, ternary_fill: usize) -> BenchArgs {
    BenchArgs {
        flows,
        zipf: 0.9,
        lpm_fill,
        ternary_fill,
        seed: 7,
        ..BenchArgs::new(fastpath_dir().join("benches").join("p4").join(program))
    }
}

/// Processes `pkts` (port, bytes) as one burst of receive buffers lent to the pipeline; the
/// outputs as (port, bytes), those that are their input's buffer read back from it.
fn process_lent(pipe: &mut Pipeline, pkts: &[(u32, Vec<u8>)], now: u64) -> Vec<(u32, Vec<u8>)> {
    process_lent_counted(pipe, pkts, now).0
}

/// [`process_lent`], with the number of outputs that left in their input's buffer.
fn process_lent_counted(
    pipe: &mut Pipeline,
    pkts: &[(u32, Vec<u8>)],
    now: u64,
) -> (Vec<(u32, Vec<u8>)>, usize) {
    let mut bufs: Vec<Vec<u8>> = pkts.iter().map(|p| p.1.clone()).collect();
    let mut out = Outputs::new();
    for (b, (port, _)) in bufs.iter_mut().zip(pkts) {
        let ptr = std::ptr::NonNull::new(b.as_mut_ptr()).expect("a vector's pointer");
        // SAFETY: `bufs` outlives the burst and nothing else touches it until
        // `process_staged` returns (its length does not change).
        unsafe { pipe.stage_lent(LentBuf::new(ptr, b.len()), *port) };
    }
    pipe.process_staged(now, &mut out);
    let in_place = out.as_slice().iter().filter(|o| o.in_input).count();
    let all = out
        .as_slice()
        .iter()
        .zip(out.origins())
        .map(|(o, &i)| {
            if o.in_input {
                (o.port, bufs[i as usize].clone())
            } else {
                (o.port, o.data.clone())
            }
        })
        .collect();
    (all, in_place)
}

/// Output packets of `pipe` for `packets`, in bursts of 32 (port, bytes); every other burst
/// in lent buffers when `lent`; with the number of outputs that left in their input's buffer.
fn outputs(pipe: &mut Pipeline, packets: &[Vec<u8>], lent: bool) -> (Vec<(u32, Vec<u8>)>, usize) {
    let mut all = Vec::new();
    let mut in_place = 0;
    let mut out = Outputs::new();
    for (i, chunk) in packets.chunks(32).enumerate() {
        if lent && i % 2 == 1 {
            let burst: Vec<(u32, Vec<u8>)> = chunk
                .iter()
                .map(|p| (1 + (i as u32 % 3), p.clone()))
                .collect();
            let (o, n) = process_lent_counted(pipe, &burst, 1_000_000 * i as u64);
            all.extend(o);
            in_place += n;
            continue;
        }
        let mut batch = Batch::with_capacity(32);
        for p in chunk {
            batch.push(p, 1 + (i as u32 % 3));
        }
        out.clear();
        pipe.process_batch(&batch, 1_000_000 * i as u64, &mut out);
        all.extend(out.as_slice().iter().map(|o| (o.port, o.data.clone())));
    }
    (all, in_place)
}

#[test]
fn benchmark_programs_match_the_interpreter() {
    exo_fastpath_compiled::register();
    for (a, parse_ahead) in [
        (args("floor.p4", 64, 0, 0), false),
        (args("floor_eth.p4", 64, 0, 0), false),
        (args("l2fwd.p4", 500, 0, 0), false),
        (args("l2fwd.p4", 500, 0, 0), true),
        (args("l3_acl.p4", 500, 2000, 200), false),
        (args("nat.p4", 2000, 0, 0), false),
        (args("nat.p4", 2000, 0, 0), true),
    ] {
        let prog = compiled_program(&a.program);
        let mut fast = Pipeline::new(prog.clone()).expect("loads");
        let mut slow = Pipeline::interpreted(prog).expect("loads");
        assert!(
            fast.prog.gen.is_some(),
            "{}: not generated",
            a.program.display()
        );
        assert!(slow.prog.gen.is_none());
        if parse_ahead {
            // Bursts parsed ahead and their table keys prefetched (generated key builders).
            fast.set_prefetch_min_entries(0);
            slow.set_prefetch_min_entries(0);
            assert!(
                fast.burst_plan().1 > 0,
                "{}: no table prefetched",
                a.program.display()
            );
        }
        let trace = exo_fastpath::bench::prepare(&mut fast, &a).expect("prepares");
        exo_fastpath::bench::prepare(&mut slow, &a).expect("prepares");
        // The trace, then damaged copies: truncated, and with bytes changed.
        let mut packets: Vec<Vec<u8>> = (0..trace.packets().min(4000))
            .map(|i| trace.packet(i).to_vec())
            .collect();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for i in 0..2000 {
            let mut p = packets[i % packets.len()].clone();
            if i % 2 == 0 {
                p.truncate(next() as usize % (p.len() + 1));
            } else {
                for _ in 0..1 + next() % 4 {
                    let at = next() as usize % p.len();
                    p[at] = next() as u8;
                }
            }
            packets.push(p);
        }
        let (got, in_place) = outputs(&mut fast, &packets, true);
        let (want, _) = outputs(&mut slow, &packets, false);
        // Every benchmark program keeps its headers' sizes: its forwarded packets leave in
        // their lent buffers.
        assert!(
            in_place > want.len() / 4,
            "{}: {in_place} of {} outputs in place",
            a.program.display(),
            want.len()
        );
        assert!(
            !want.is_empty(),
            "{}: nothing forwarded",
            a.program.display()
        );
        assert_eq!(
            got.len(),
            want.len(),
            "{}: output count",
            a.program.display()
        );
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{}: output {i} differs", a.program.display());
        }
        for (t, (f, s)) in fast.st.tables.iter().zip(&slow.st.tables).enumerate() {
            assert_eq!((f.hits, f.misses), (s.hits, s.misses), "table {t}");
        }
        assert_eq!(fast.st.counters, slow.st.counters, "counters");
        assert_eq!(fast.st.registers, slow.st.registers, "registers");
    }
}

/// The packets of an STF script (`packet PORT HEX`), with their ports.
fn stf_packets(text: &str) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("packet") {
            continue;
        }
        let Some(port) = words.next().and_then(|p| p.parse().ok()) else {
            continue;
        };
        let hex: String = words.collect();
        let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
            .collect();
        if let Some(b) = bytes {
            out.push((port, b));
        }
    }
    out
}

/// `EXO_COMPARE_STF_DIR=DIR` runs the comparison on the STF tests of another directory
/// (p4c's `p4_16_samples`, with the crate built with `EXO_CODEGEN_P4` naming its programs);
/// programs that do not compile or have no generated code are skipped there.
#[test]
fn stf_programs_match_the_interpreter_on_damaged_packets() {
    exo_fastpath_compiled::register();
    let other = std::env::var_os("EXO_COMPARE_STF_DIR").map(PathBuf::from);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut compared = 0usize;
    let dir = other
        .clone()
        .unwrap_or_else(|| fastpath_dir().join("tests").join("stf"));
    let mut programs = 0usize;
    for stf in stf_files(&dir) {
        let p4 = program_for(&stf);
        let prog = if other.is_some() {
            let c = exo_p4::compile_file(&p4, &exo_p4::CompileOptions::default());
            let ok = !c.has_errors();
            let Some(ir) = c.ir.filter(|_| ok) else {
                continue;
            };
            match exo_fastpath::compile::compile(&ir) {
                Ok(p) => p,
                Err(_) => continue,
            }
        } else {
            compiled_program(&p4)
        };
        let mut fast = Pipeline::new(prog.clone()).expect("loads");
        if fast.prog.gen.is_none() && other.is_some() {
            continue;
        }
        assert!(
            fast.prog.gen.is_some_and(|g| g.staged.is_some()),
            "{}: no pass loop generated",
            p4.display()
        );
        let mut slow = Pipeline::interpreted(prog).expect("loads");
        programs += 1;
        let text = std::fs::read_to_string(&stf).expect("readable");
        let name = stf.file_name().and_then(|s| s.to_str()).unwrap_or("?");
        // The script sets both up alike (entries, registers, sessions...).
        let _ = exo_fastpath::stf::run(&mut fast, name, &text);
        let _ = exo_fastpath::stf::run(&mut slow, name, &text);
        let packets = stf_packets(&text);
        if packets.is_empty() {
            continue;
        }
        let (mut out_f, mut out_s) = (Outputs::new(), Outputs::new());
        for k in 0..200u64 {
            let (port, base) = &packets[k as usize % packets.len()];
            let mut p = base.clone();
            match next() % 4 {
                0 => p.truncate(next() as usize % (p.len() + 1)),
                1 => {
                    for _ in 0..1 + next() % 3 {
                        if !p.is_empty() {
                            let at = next() as usize % p.len();
                            p[at] = next() as u8;
                        }
                    }
                }
                2 => p.extend((0..next() % 40).map(|_| next() as u8)),
                _ => {}
            }
            out_f.clear();
            out_s.clear();
            // The generated side takes the burst path (the pass loop instantiated with the
            // program's own tier, `Generated::staged`), the interpreter the one-packet path.
            // The interpreter lends a quarter of its packets too.
            let want: Vec<(u32, Vec<u8>)> = if k % 4 == 3 {
                process_lent(&mut slow, &[(*port, p.clone())], 1_000 * k)
            } else {
                slow.process(&p, *port, 1_000 * k, &mut out_s);
                out_s
                    .as_slice()
                    .iter()
                    .map(|o| (o.port, o.data.clone()))
                    .collect()
            };
            let got = if k % 2 == 0 {
                let mut batch = Batch::with_capacity(1);
                batch.push(&p, *port);
                fast.process_batch(&batch, 1_000 * k, &mut out_f);
                assert!(out_f.as_slice().iter().all(|o| !o.in_input));
                out_f
                    .as_slice()
                    .iter()
                    .map(|o| (o.port, o.data.clone()))
                    .collect()
            } else {
                // A receive buffer lent: the packet is rewritten where it lies.
                process_lent(&mut fast, &[(*port, p.clone())], 1_000 * k)
            };
            assert_eq!(
                got, want,
                "{name}: packet {k} ({p:02x?}) gives different outputs"
            );
            compared += 1;
        }
        assert_eq!(fast.st.registers, slow.st.registers, "{name}: registers");
        assert_eq!(fast.st.counters, slow.st.counters, "{name}: counters");
        assert_eq!(fast.st.digests, slow.st.digests, "{name}: digests");
        for (t, (f, s)) in fast.st.tables.iter().zip(&slow.st.tables).enumerate() {
            assert_eq!((f.hits, f.misses), (s.hits, s.misses), "{name}: table {t}");
        }
    }
    eprintln!("{compared} packets compared over {programs} programs");
    assert!(compared > 10_000, "only {compared} packets compared");
}
