//! P4Info golden files: selected corpus programs are compiled and their P4Info JSON compared
//! with `tests/golden/NAME.p4info.json`. Run with `UPDATE_GOLDEN=1` to (re)write the goldens;
//! a missing golden is written as well (and the test then fails, so that it gets reviewed).

use exo_p4::{compile_file, CompileOptions};
use std::path::PathBuf;

/// Programs covering every P4Info section: tables (exact/lpm/ternary/range keys, const
/// defaults, idle timeout), action selectors, counters, direct counters and meters,
/// registers, digests, value sets and controller packet metadata.
const PROGRAMS: &[&str] = &[
    "ipv4_lpm_router",
    "acl_ternary_priorities",
    "ecmp_action_selector",
    "port_counters",
    "direct_meter_policer",
    "count_min_sketch",
    "l2_learning_switch",
    "value_set_parser",
    "cpu_packet_io",
    "flow_cache_idle_timeout",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

#[test]
fn p4info_matches_golden() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    for name in PROGRAMS {
        let src = root().join("corpus").join(format!("{name}.p4"));
        let out = compile_file(&src, &CompileOptions::default());
        let Some(ir) = out.ir.as_ref() else {
            problems.push(format!(
                "{name}: does not compile:\n{}",
                out.render_diagnostics()
            ));
            continue;
        };
        let got = exo_p4::p4info::p4info_json(ir);
        let golden = root().join("golden").join(format!("{name}.p4info.json"));
        match std::fs::read_to_string(&golden) {
            Ok(want) if !update => {
                if want != got {
                    problems.push(format!(
                        "{name}: P4Info differs from {} (rerun with UPDATE_GOLDEN=1 if the \
                         change is intended)\n--- got ---\n{got}",
                        golden.display()
                    ));
                }
            }
            existing => {
                std::fs::create_dir_all(golden.parent().expect("golden dir"))
                    .expect("create tests/golden");
                std::fs::write(&golden, &got).expect("write golden");
                if existing.is_err() && !update {
                    problems.push(format!(
                        "{name}: golden was missing; wrote {}",
                        golden.display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn p4info_golden_ids_carry_their_prefix() {
    use exo_p4::ir::id_prefix as px;
    let sections = [
        ("tables", px::TABLE),
        ("actions", px::ACTION),
        ("actionProfiles", px::ACTION_PROFILE),
        ("counters", px::COUNTER),
        ("directCounters", px::DIRECT_COUNTER),
        ("meters", px::METER),
        ("directMeters", px::DIRECT_METER),
        ("registers", px::REGISTER),
        ("digests", px::DIGEST),
        ("valueSets", px::VALUE_SET),
        ("controllerPacketMetadata", px::CONTROLLER_HEADER),
    ];
    for name in PROGRAMS {
        let src = root().join("corpus").join(format!("{name}.p4"));
        let out = compile_file(&src, &CompileOptions::default());
        let Some(ir) = out.ir.as_ref() else { continue };
        let info = exo_p4::p4info::p4info(ir);
        let mut ids = std::collections::HashSet::new();
        for (section, prefix) in sections {
            for e in info[section].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let id = e["preamble"]["id"].as_u64().expect("numeric id");
                assert_eq!(id >> 24, u64::from(prefix), "{name}: {section} id {id:#x}");
                assert!(ids.insert(id), "{name}: id {id:#x} used twice");
            }
        }
    }
}
