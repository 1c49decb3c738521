//! Shared by the planner's integration tests: plans of the shipped example scenarios.

use exo_planner::alloc::SolverKind;
use exo_planner::catalog::Catalog;
use exo_planner::plan::{self, PlanOptions, PlanOutput};
use exo_scenario::Scenario;
use std::path::{Path, PathBuf};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `examples/<name>.toml` planned with the built-in catalog and the default solver.
pub fn plan_example(name: &str) -> (Scenario, PlanOutput) {
    let path = workspace().join("examples").join(format!("{name}.toml"));
    let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut progress = |_: usize, _: usize, _: &str| {};
    let out = plan::plan(
        &s,
        PlanOptions {
            catalog: Catalog::builtin().expect("catalog"),
            objective: None,
            solver: SolverKind::Fast,
            compiler: None,
            progress: &mut progress,
        },
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    if let Some(e) = &out.merge_error {
        panic!("{name}: merging failed: {e}");
    }
    (s, out)
}
