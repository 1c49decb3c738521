//! Golden files for the example scenarios' plans: the merged programs of both roles and
//! `allocation.json`, compared with `tests/golden/<scenario>/`. Run with `UPDATE_GOLDEN=1` to
//! (re)write them; a missing golden is written as well (and the test then fails, so that it
//! gets reviewed). The merged programs are also checked by the frontend on their own.
//!
//! `allocation.json` is normalised first: the solve time is zeroed and numbers are rounded to
//! 9 significant digits, so that the goldens do not depend on the machine or its libm.

mod common;

use exo_planner::merge::Role;
use exo_planner::plan::PlanOutput;
use std::path::PathBuf;

fn golden_dir(scenario: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(scenario)
}

fn round(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if !(n.is_i64() || n.is_u64()) => {
            if let Some(x) = n.as_f64() {
                let r: f64 = format!("{x:.8e}").parse().unwrap_or(x);
                if let Some(m) = serde_json::Number::from_f64(r) {
                    *n = m;
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round),
        serde_json::Value::Object(o) => o.values_mut().for_each(round),
        _ => {}
    }
}

fn allocation_json(out: &PlanOutput) -> String {
    let mut v = serde_json::to_value(&out.allocation).expect("allocation");
    v["solve_ms"] = serde_json::json!(0.0);
    round(&mut v);
    serde_json::to_string_pretty(&v).expect("json") + "\n"
}

/// Compares `got` with the golden `name`, or writes it; returns a problem, if any.
fn compare(dir: &std::path::Path, name: &str, got: &str, update: bool) -> Option<String> {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(want) if !update => (want != got).then(|| {
            let line = want
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .map_or_else(
                    || want.lines().count().min(got.lines().count()) + 1,
                    |i| i + 1,
                );
            format!(
                "{} differs from the golden at line {line} (rerun with UPDATE_GOLDEN=1 if the change is intended)\n--- got (from that line) ---\n{}",
                path.display(),
                got.lines().skip(line - 1).take(20).collect::<Vec<_>>().join("\n")
            )
        }),
        existing => {
            std::fs::create_dir_all(dir).expect("create golden dir");
            std::fs::write(&path, got).expect("write golden");
            (existing.is_err() && !update)
                .then(|| format!("{}: golden was missing; wrote it", path.display()))
        }
    }
}

fn check_scenario(scenario: &str) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let (_, out) = common::plan_example(scenario);
    let dir = golden_dir(scenario);
    let mut problems = Vec::new();
    for role in [Role::Switch, Role::External] {
        let (_, text, _) = out
            .merged
            .iter()
            .find(|m| m.0 == role)
            .expect("merged program");
        let name = format!("merged_{}.p4", role.as_str());
        // The frontend, on the text alone.
        let c = exo_p4::compile_str(&name, text, &exo_p4::CompileOptions::default());
        if c.has_errors() || c.ir.is_none() {
            problems.push(format!(
                "{scenario}/{name} does not check:\n{}",
                c.render_diagnostics()
            ));
        }
        problems.extend(compare(&dir, &name, text, update));
    }
    problems.extend(compare(
        &dir,
        "allocation.json",
        &allocation_json(&out),
        update,
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn gateway_plan_matches_golden() {
    check_scenario("gateway");
}

#[test]
fn leaf_plan_matches_golden() {
    check_scenario("leaf");
}
