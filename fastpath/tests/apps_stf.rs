//! The paper's applications (p4/apps) on the engine: every `p4/apps/tests/APP_CASE.stf` runs
//! against `p4/apps/APP.p4` (the longest app name that prefixes the test's name).

use exo_fastpath::Pipeline;
use std::path::PathBuf;

#[test]
fn every_app_stf_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../p4/apps");
    let mut apps: Vec<String> = std::fs::read_dir(&root)
        .expect("p4/apps")
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            if p.extension()? != "p4" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    apps.sort_by_key(|a| std::cmp::Reverse(a.len()));
    assert_eq!(apps.len(), 8, "expected the eight apps, found {apps:?}");
    let mut tests: Vec<PathBuf> = std::fs::read_dir(root.join("tests"))
        .expect("p4/apps/tests")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "stf"))
        .collect();
    tests.sort();
    let mut failures = Vec::new();
    let mut per_app = std::collections::BTreeMap::<String, usize>::new();
    for t in &tests {
        let name = t
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(app) = apps.iter().find(|a| name.starts_with(&format!("{a}_"))) else {
            failures.push(format!("{name}: no app matches"));
            continue;
        };
        *per_app.entry(app.clone()).or_default() += 1;
        let c = exo_p4::compile_file(
            &root.join(format!("{app}.p4")),
            &exo_p4::CompileOptions::default(),
        );
        let Some(ir) = c.ir else {
            failures.push(format!(
                "{app}: does not check:\n{}",
                c.render_diagnostics()
            ));
            continue;
        };
        let mut pipe = match Pipeline::from_ir(&ir) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{app}: does not load: {e}"));
                continue;
            }
        };
        let text = std::fs::read_to_string(t).expect("read stf");
        match exo_fastpath::stf::run(&mut pipe, &name, &text) {
            Ok(r) if r.passed() => {}
            Ok(r) => failures.push(format!("{name}:\n  {}", r.failures.join("\n  "))),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        per_app.len() == 8 && per_app.values().all(|n| *n >= 2),
        "every app needs STF tests: {per_app:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
