//! The project's STF conformance suite (tests/stf, see its README.md): every `X.stf` and
//! `X-N.stf` there runs against `X.p4` through the library API, and every failing test is
//! listed with its report. `STF_FILTER=substring` runs only the matching tests.
//!
//! A few checks the STF dialect cannot express (digests, the log, table capacity) run the
//! same programs through the runtime API below.

use exo_fastpath::runtime::KeyValue;
use exo_fastpath::Pipeline;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The suite must keep at least this many STF files.
const MIN_STF_FILES: usize = 60;

fn stf_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("stf")
}

/// `X.stf` and `X-N.stf` (N all digits) run against `X.p4`.
fn program_for(stf: &Path) -> PathBuf {
    let stem = stf.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let base = match stem.rsplit_once('-') {
        Some((b, n)) if !b.is_empty() && !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => {
            b
        }
        _ => stem,
    };
    stf.with_file_name(format!("{base}.p4"))
}

fn stf_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(stf_dir())
        .expect("tests/stf exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "stf"))
        .collect();
    v.sort();
    v
}

fn load(p4: &Path) -> Result<Pipeline, String> {
    let c = exo_p4::compile_file(p4, &exo_p4::CompileOptions::default());
    if c.has_errors() {
        return Err(format!(
            "{} does not compile:\n{}",
            p4.display(),
            c.render_diagnostics()
        ));
    }
    let ir =
        c.ir.ok_or_else(|| format!("{}: no IR produced", p4.display()))?;
    Pipeline::from_ir(&ir).map_err(|e| format!("{}: cannot load: {e}", p4.display()))
}

/// Runs one STF file against its program; `Err` carries the report.
fn run_stf(stf: &Path, pipe: &mut Pipeline) -> Result<(), String> {
    let text = std::fs::read_to_string(stf).map_err(|e| format!("{}: {e}", stf.display()))?;
    let name = stf.file_name().and_then(|s| s.to_str()).unwrap_or("?");
    let report =
        exo_fastpath::stf::run(pipe, name, &text).map_err(|e| format!("STF error: {e}"))?;
    if report.passed() {
        Ok(())
    } else {
        Err(report.failures.join("\n"))
    }
}

fn run_one(stf: &Path) -> Result<(), String> {
    let prog = program_for(stf);
    if !prog.exists() {
        return Err(format!(
            "no program {} for {}",
            prog.display(),
            stf.display()
        ));
    }
    let mut pipe = load(&prog)?;
    run_stf(stf, &mut pipe)
}

#[test]
fn stf_suite() {
    let filter = std::env::var("STF_FILTER").unwrap_or_default();
    let mut passed = 0usize;
    let mut failed: Vec<(String, String)> = Vec::new();
    for stf in stf_files() {
        let name = stf
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_string();
        if !name.contains(&filter) {
            continue;
        }
        // A panic in the engine fails that test only, with its message as the report.
        let result = catch_unwind(AssertUnwindSafe(|| run_one(&stf))).unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {msg}"))
        });
        match result {
            Ok(()) => passed += 1,
            Err(report) => failed.push((name, report)),
        }
    }
    if !failed.is_empty() {
        let mut msg = format!("{} STF test(s) failed, {passed} passed:\n", failed.len());
        for (name, report) in &failed {
            msg.push_str(&format!("\n=== {name}\n"));
            for line in report.lines() {
                msg.push_str(&format!("  {line}\n"));
            }
        }
        let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
        msg.push_str(&format!("\nfailing: {}\n", names.join(" ")));
        panic!("{msg}");
    }
    eprintln!("{passed} STF test(s) passed");
}

#[test]
fn suite_has_enough_tests_and_every_test_has_a_program() {
    let files = stf_files();
    assert!(
        files.len() >= MIN_STF_FILES,
        "only {} STF files in tests/stf, want at least {MIN_STF_FILES}",
        files.len()
    );
    for stf in &files {
        assert!(
            program_for(stf).exists(),
            "{} has no program {}",
            stf.display(),
            program_for(stf).display()
        );
    }
}

#[test]
fn pairing_rule() {
    assert_eq!(program_for(Path::new("d/lpm.stf")), Path::new("d/lpm.p4"));
    assert_eq!(program_for(Path::new("d/lpm-2.stf")), Path::new("d/lpm.p4"));
    assert_eq!(
        program_for(Path::new("d/lpm_v6-12.stf")),
        Path::new("d/lpm_v6.p4")
    );
    assert_eq!(program_for(Path::new("d/a-b.stf")), Path::new("d/a-b.p4"));
}

/// misc_externs.p4: a digest per packet from an unknown source, two log messages per packet.
#[test]
fn digests_and_log_messages() {
    let dir = stf_dir();
    let mut pipe = load(&dir.join("misc_externs.p4")).unwrap();
    run_stf(&dir.join("misc_externs.stf"), &mut pipe).unwrap();
    let digests = pipe.drain_digests();
    assert_eq!(
        digests.len(),
        1,
        "one digest (the second source is known): {digests:?}"
    );
    assert_eq!(digests[0].receiver, 1);
    assert_eq!(
        digests[0].fields,
        vec![0xAA01, 5],
        "learn_t {{ src, ingress_port }}"
    );
    assert!(
        pipe.drain_digests().is_empty(),
        "draining empties the queue"
    );

    let log = pipe.drain_log();
    assert!(log.iter().any(|m| m.contains("plain message")), "{log:?}");
    // BMv2 prints the arguments in decimal.
    assert!(
        log.iter()
            .any(|m| m.contains("packet from port 5 type 2048")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|m| m.contains("packet from port 6 type 2054")),
        "{log:?}"
    );
}

/// for_loops.p4: a loop that never ends is stopped at the engine's iteration bound, counted,
/// and its packet dropped; the packets around it are processed as usual.
#[test]
fn runaway_loops_are_stopped_and_counted() {
    let dir = stf_dir();
    let mut pipe = load(&dir.join("for_loops.p4")).unwrap();
    run_stf(&dir.join("for_loops.stf"), &mut pipe).unwrap();
    assert_eq!(
        pipe.st.runaway_loops, 3,
        "three packets ran an endless loop"
    );
    let text = "packet 1 03 00\npacket 1 04 01\nexpect 1 04 01 0002 0001 0000$\n";
    let report = exo_fastpath::stf::run(&mut pipe, "inline", text).unwrap();
    assert!(report.passed(), "{:?}", report.failures);
    assert_eq!(pipe.st.runaway_loops, 4);
}

/// p4c's runner captures only the ports that `packet` and `expect` lines name; the default
/// fails on output anywhere else.
#[test]
fn output_on_unnamed_ports() {
    let dir = stf_dir();
    let mut pipe = load(&dir.join("for_loops.p4")).unwrap();
    // for_loops.p4 sends everything to port 1, which this script never names.
    let text = "packet 0 04 01\n";
    let strict = exo_fastpath::stf::run(&mut pipe, "inline", text).unwrap();
    assert!(
        strict
            .failures
            .iter()
            .any(|f| f.contains("unexpected packet on port 1")),
        "{:?}",
        strict.failures
    );
    let opts = exo_fastpath::stf::StfOptions {
        mentioned_ports_only: true,
    };
    let p4c = exo_fastpath::stf::run_with(&mut pipe, "inline", text, opts).unwrap();
    assert!(p4c.passed(), "{:?}", p4c.failures);
    // A named port is still checked.
    let text = "packet 0 04 01\nexpect 1 04 01 0002 0001 0001$\n";
    let p4c = exo_fastpath::stf::run_with(&mut pipe, "inline", text, opts).unwrap();
    assert!(!p4c.passed());
}

/// size_limit.p4: a table of size 4 takes 4 entries; a fifth insert is an error value and
/// leaves the table working.
#[test]
fn table_capacity_is_enforced() {
    let dir = stf_dir();
    let mut pipe = load(&dir.join("size_limit.p4")).unwrap();
    run_stf(&dir.join("size_limit.stf"), &mut pipe).unwrap();
    assert_eq!(pipe.table_len("small").unwrap(), 4);
    let r = pipe.table_add("small", &[KeyValue::Exact(5)], "set", &[0x55], 0);
    assert!(
        r.is_err(),
        "a fifth entry in a table of size 4 must be refused: {r:?}"
    );
    assert_eq!(pipe.table_len("small").unwrap(), 4);
    // The table still works after the refused insert.
    let text = "packet 0 04 00\nexpect 1 04 44$\npacket 0 05 00\nexpect 1 05 EE$\n";
    let report = exo_fastpath::stf::run(&mut pipe, "inline", text).unwrap();
    assert!(report.passed(), "{:?}", report.failures);
    // Deleting one makes room again.
    pipe.table_delete("small", &[KeyValue::Exact(1)], 0)
        .unwrap();
    pipe.table_add("small", &[KeyValue::Exact(5)], "set", &[0x55], 0)
        .unwrap();
}

/// Runtime errors are values: unknown names and bad arguments never panic.
#[test]
fn runtime_errors_are_values() {
    let dir = stf_dir();
    let mut pipe = load(&dir.join("basic_fwd.p4")).unwrap();
    assert!(pipe
        .table_add("nope", &[KeyValue::Exact(1)], "forward", &[1], 0)
        .is_err());
    assert!(pipe
        .table_add("l2", &[KeyValue::Exact(1)], "nope", &[1], 0)
        .is_err());
    assert!(pipe
        .table_add("l2", &[KeyValue::Exact(1)], "forward", &[], 0)
        .is_err());
    assert!(pipe.table_add("l2", &[], "forward", &[1], 0).is_err());
    assert!(pipe.register_read("nope", 0).is_err());
    assert!(pipe.counter_read("nope", 0).is_err());
    let bad = exo_fastpath::stf::run(&mut pipe, "bad", "frobnicate 1 2\n");
    assert!(bad.is_err(), "an unknown STF command is an error");
}

/// The runtime API by P4Runtime id: the ids of the program's P4Info name the same tables,
/// actions and registers as their names (as numbers, or as decimal / hex text).
#[test]
fn runtime_api_by_p4runtime_id() {
    use exo_fastpath::runtime::Ref;
    let dir = stf_dir();
    let id_of = |p4: &str, section: &str, alias: &str| -> u32 {
        let c = exo_p4::compile_file(&dir.join(p4), &exo_p4::CompileOptions::default());
        let info = exo_p4::p4info::p4info(c.ir.as_ref().expect("compiles"));
        info[section]
            .as_array()
            .expect("section")
            .iter()
            .find(|e| e["preamble"]["alias"] == alias)
            .and_then(|e| e["preamble"]["id"].as_u64())
            .expect("entity in P4Info") as u32
    };
    let mut pipe = load(&dir.join("basic_fwd.p4")).unwrap();
    let (t, fwd) = (
        id_of("basic_fwd.p4", "tables", "l2"),
        id_of("basic_fwd.p4", "actions", "forward"),
    );
    pipe.table_add(t, &[KeyValue::Exact(0x0000_0000_0001)], fwd, &[3], 0)
        .unwrap();
    assert_eq!(pipe.table_len("l2").unwrap(), 1);
    assert_eq!(pipe.table_len(t).unwrap(), 1);
    // The same ids as text (what STF lines and command lines carry).
    let (dec, hex) = (t.to_string(), format!("{t:#x}"));
    assert_eq!(Ref::from(dec.as_str()), Ref::Id(t));
    assert_eq!(Ref::from(hex.as_str()), Ref::Id(t));
    assert_eq!(Ref::from("l2"), Ref::Name("l2"));
    assert_eq!(pipe.table_len(dec.as_str()).unwrap(), 1);
    pipe.table_delete(hex.as_str(), &[KeyValue::Exact(1)], 0)
        .unwrap();
    assert_eq!(pipe.table_len("l2").unwrap(), 0);
    // Unknown ids are errors naming the id; an action id of another table is refused.
    let e = pipe.table_len(0x0200_0000u32).unwrap_err().to_string();
    assert!(e.contains("0x02000000"), "{e}");
    assert!(pipe
        .table_add(t, &[KeyValue::Exact(1)], 12345u32, &[3], 0)
        .is_err());

    let mut pipe = load(&dir.join("register.p4")).unwrap();
    let c = exo_p4::compile_file(&dir.join("register.p4"), &exo_p4::CompileOptions::default());
    let info = exo_p4::p4info::p4info(c.ir.as_ref().unwrap());
    let reg = &info["registers"][0]["preamble"];
    let (rid, rname) = (
        reg["id"].as_u64().unwrap() as u32,
        reg["name"].as_str().unwrap().to_string(),
    );
    pipe.register_write(rid, 1, 0xabcd).unwrap();
    assert_eq!(pipe.register_read(&rname, 1).unwrap(), 0xabcd);
    pipe.register_reset(rid).unwrap();
    assert_eq!(pipe.register_read(rid, 1).unwrap(), 0);
    // A table id is not a register.
    assert!(pipe.register_read(t, 0).is_err());
}
