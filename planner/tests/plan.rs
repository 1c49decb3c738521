//! End-to-end: scenario -> profile -> allocation -> merged programs that check.

use exo_planner::alloc::SolverKind;
use exo_planner::catalog::Catalog;
use exo_planner::merge::Role;
use exo_planner::plan::{self, PlanError, PlanOptions, PlanOutput};
use exo_scenario::Scenario;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A one-stage Tofino: small enough that the per-flow app cannot keep all its flows.
const SMALL_SWITCH: &str = r#"
name = "tiny-switch"
kind = "switch"
latency_ns = 330
link_gbps = 100
features = ["exact", "lpm", "ternary", "registers", "counters", "hashing", "idle_timeout", "pktgen"]
[pipeline]
stages = 1
sram_blocks_per_stage = 60
sram_block_words = 1024
sram_word_bits = 128
tcam_blocks_per_stage = 24
tcam_block_entries = 512
tcam_block_bits = 44
salus_per_stage = 4
hash_bits_per_stage = 416
map_ram_blocks_per_stage = 48
logical_tables_per_stage = 16
xbar_exact_bytes_per_stage = 128
xbar_ternary_bytes_per_stage = 66
exact_match_fill = 0.9
"#;

fn run(scenario: &Scenario, solver: SolverKind) -> Result<PlanOutput, PlanError> {
    let mut cat = Catalog::builtin().expect("catalog");
    cat.add_text("tiny.toml", SMALL_SWITCH).expect("tiny model");
    let mut progress = |_: usize, _: usize, _: &str| {};
    plan::plan(
        scenario,
        PlanOptions {
            catalog: cat,
            objective: None,
            solver,
            compiler: None,
            progress: &mut progress,
        },
    )
}

fn fixture_scenario(switch_model: &str) -> Scenario {
    let text = std::fs::read_to_string(fixtures().join("rack.toml"))
        .expect("fixture")
        .replace(
            "model = \"tofino1\"",
            &format!("model = \"{switch_model}\""),
        );
    Scenario::from_str(&text, &fixtures().join("rack.toml")).expect("scenario")
}

#[test]
fn plans_merge_and_check_for_both_roles() {
    let s = fixture_scenario("tiny-switch");
    let out = run(&s, SolverKind::Fast).expect("plan");
    assert!(out.merge_error.is_none(), "{:?}", out.merge_error);
    let a = &out.allocation;
    assert_eq!(a.version, plan::PLAN_VERSION);
    let flows = &a.apps[0];
    assert!(
        flows.quanta_on_switch > 0 && flows.quanta_on_switch < flows.quanta,
        "the per-flow app should be split: {} of {}",
        flows.quanta_on_switch,
        flows.quanta
    );
    assert_eq!(flows.flow_manager_entries, flows.flows_on_switch);
    assert_eq!(a.apps[1].switch_traffic_share, 1.0);
    assert!(a.gap < 1e-9);

    let (_, sw_text, sw) = out
        .merged
        .iter()
        .find(|m| m.0 == Role::Switch)
        .expect("switch program");
    // Re-check the text independently of the planner.
    let c = exo_p4::compile_str("merged.p4", sw_text, &exo_p4::CompileOptions::default());
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let fm = sw
        .tables
        .iter()
        .find(|t| t.name == exo_planner::merge::flow_manager_table("flows"))
        .expect("flow manager table");
    assert!(fm.support_timeout);
    assert_eq!(fm.size, Some(flows.flows_on_switch));
    assert_eq!(fm.keys.len(), 5);
    let state = sw
        .tables
        .iter()
        .find(|t| t.name.ends_with("flow_state"))
        .expect("resized app table");
    assert_eq!(state.size, Some(flows.flows_on_switch));
    assert!(sw.tables.iter().any(|t| t.name.ends_with("exo_device_map")));
    assert!(sw
        .instances
        .iter()
        .any(|i| i.name.ends_with("exo_port_down")));

    let (_, _, ext) = out
        .merged
        .iter()
        .find(|m| m.0 == Role::External)
        .expect("external program");
    let state = ext
        .tables
        .iter()
        .find(|t| t.name.ends_with("flow_state"))
        .expect("full-size table");
    assert_eq!(state.size, Some(65536));
    assert!(!ext.tables.iter().any(|t| t.name.ends_with("exo_fm")));

    // The plan directory.
    let dir = std::env::temp_dir().join(format!("exo-plan-test-{}", std::process::id()));
    let files = plan::write_plan(&dir, &out).expect("write");
    assert!(files.iter().any(|f| f.ends_with("allocation.json")));
    assert!(dir.join("merged_switch.p4info.json").is_file());
    assert!(dir.join("devices/srv0.json").is_file());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("allocation.json")).expect("read"))
            .expect("json");
    assert_eq!(json["version"], 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ilp_and_fast_solver_agree_on_the_fixture() {
    let mut s = fixture_scenario("tiny-switch");
    // Coarse quanta keep the ILP small.
    s.apps[0].quantum = 8192;
    s.apps[1].quantum = 5000;
    let fast = run(&s, SolverKind::Fast).expect("fast");
    let ilp = run(&s, SolverKind::Microlp).expect("ilp");
    let (f, i) = (&fast.allocation, &ilp.allocation);
    assert!(
        (f.objective_value - i.objective_value).abs() < 1e-6 * f.objective_value,
        "fast {} ilp {}",
        f.objective_value,
        i.objective_value
    );
}

#[test]
fn bad_inputs_name_what_is_wrong() {
    // An app that does not check.
    let dir = std::env::temp_dir().join(format!("exo-plan-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("broken.p4"), "control X( { apply { } }\n").expect("write");
    for f in ["common.p4", "flows.p4", "filter.p4"] {
        std::fs::copy(fixtures().join(f), dir.join(f)).expect("copy");
    }
    let text = std::fs::read_to_string(fixtures().join("rack.toml"))
        .expect("fixture")
        .replace("p4 = \"filter.p4\"", "p4 = \"broken.p4\"");
    let s = Scenario::from_str(&text, &dir.join("rack.toml")).expect("scenario");
    let e = run(&s, SolverKind::Fast)
        .err()
        .expect("does not check")
        .to_string();
    assert!(e.contains("app `filter`") && e.contains("broken.p4"), "{e}");

    // An unknown device model.
    let s = fixture_scenario("tofino9");
    let e = run(&s, SolverKind::Fast)
        .err()
        .expect("unknown model")
        .to_string();
    assert!(e.contains("tofino9") && e.contains("`tor`"), "{e}");

    // A high-affinity app that cannot fit.
    let mut s = fixture_scenario("tiny-switch");
    s.apps[0].affinity = exo_scenario::Affinity::High;
    s.apps[0].objects.insert("flow_state".into(), 10_000_000);
    s.apps[0].flows = 10_000_000;
    let e = run(&s, SolverKind::Fast)
        .err()
        .expect("infeasible")
        .to_string();
    assert!(e.contains("sram_blocks") && e.contains("flows"), "{e}");

    // An object override that names nothing.
    let mut s = fixture_scenario("tofino1");
    s.apps[1].objects.insert("nonesuch".into(), 5);
    let e = run(&s, SolverKind::Fast)
        .err()
        .expect("unknown object")
        .to_string();
    assert!(e.contains("nonesuch") && e.contains("filter"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn compiler_hook_measures_and_rejects() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("exo-plan-cc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    // A fake vendor compiler: fails above 40000 entries in the first sized table, otherwise
    // reports one SRAM block per 1000 entries.
    let script = dir.join("fake-cc.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nn=$(grep -o 'size = [0-9]*' \"$1\" | head -n 1 | grep -o '[0-9]*$')\n\
         [ \"$n\" -gt 40000 ] && exit 1\n\
         printf '{\"version\": 1, \"fits\": true, \"resources\": {\"sram_blocks\": %d}}' $((n / 1000 + 1)) > \"$2\"\n",
    )
    .expect("write script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let s = fixture_scenario("tofino1");
    let mut progress = |_: usize, _: usize, _: &str| {};
    let out = plan::plan(
        &s,
        PlanOptions {
            catalog: Catalog::builtin().expect("catalog"),
            objective: None,
            solver: SolverKind::Fast,
            compiler: Some((script.display().to_string(), dir.join("work"))),
            progress: &mut progress,
        },
    )
    .expect("plan");
    let flows = &out.allocation.apps[0];
    // 32 quanta (32768 entries) compile, 64 do not.
    assert_eq!(flows.quanta_on_switch, 32);
    assert_eq!(flows.switch_usage["sram_blocks"], 33.0);
    assert!(dir.join("work/flows_32.p4").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The paper's scenarios: the ILP of Eq. 1-5 solved by HiGHS and the fast solver reach the same
/// optimum for every objective.
#[cfg(feature = "highs")]
#[test]
fn highs_and_fast_solver_agree_on_the_paper_scenarios() {
    use exo_planner::alloc;
    use exo_scenario::Objective;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for name in ["gateway", "leaf"] {
        let s = Scenario::load(&root.join(format!("examples/{name}.toml"))).expect("scenario");
        let cat = Catalog::builtin().expect("catalog");
        let rack = plan::rack(&s, &cat).expect("rack");
        let apps = plan::load_apps(&s, &mut |_, _, _| {}).expect("apps");
        for objective in [
            Objective::MinWeightedLatency,
            Objective::MaxMinThroughput,
            Objective::MinExternalLoad,
        ] {
            let (p, _) = plan::build_problem(&s, &apps, &rack, objective, None).expect("problem");
            let f = alloc::solve(&p, SolverKind::Fast).expect("fast");
            let h = alloc::solve(&p, SolverKind::Highs).expect("highs");
            assert!(
                p.feasible(&h.k),
                "{name}: HiGHS gave an infeasible {:?}",
                h.k
            );
            assert!(f.gap() < 1e-9 && h.gap() < 1e-9, "{name} {objective:?}");
            assert!(
                (f.objective - h.objective).abs() <= 1e-6 * f.objective.abs().max(1.0),
                "{name} {objective:?}: fast {} {:?} highs {} {:?}",
                f.objective,
                f.k,
                h.objective,
                h.k
            );
        }
    }
}
