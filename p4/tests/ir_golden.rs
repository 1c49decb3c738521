//! IR golden files: selected corpus programs are lowered and their IR JSON compared with
//! `tests/golden/NAME.ir.json`, so any change to the lowering shows up in review. Run with
//! `UPDATE_GOLDEN=1` to rewrite them.

use exo_p4::{compile_file, CompileOptions};
use std::path::PathBuf;

const PROGRAMS: &[&str] = &[
    "ipv4_lpm_router",
    "acl_ternary_priorities",
    "mpls_label_switch",
    "serializable_enum_classifier",
];

#[test]
fn ir_matches_golden() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    for name in PROGRAMS {
        let src = root.join("corpus").join(format!("{name}.p4"));
        let out = compile_file(&src, &CompileOptions::default());
        let Some(ir) = out.ir.as_ref() else {
            problems.push(format!(
                "{name}: does not compile:\n{}",
                out.render_diagnostics()
            ));
            continue;
        };
        let got = ir.to_json() + "\n";
        let golden = root.join("golden").join(format!("{name}.ir.json"));
        match std::fs::read_to_string(&golden) {
            Ok(want) if !update => {
                if want != got {
                    let line = want
                        .lines()
                        .zip(got.lines())
                        .position(|(a, b)| a != b)
                        .map_or(want.lines().count().min(got.lines().count()) + 1, |i| i + 1);
                    problems.push(format!(
                        "{name}: IR differs from {} from line {line} on (rerun with \
                         UPDATE_GOLDEN=1 if the change is intended)",
                        golden.display()
                    ));
                }
            }
            existing => {
                std::fs::create_dir_all(golden.parent().expect("dir")).expect("create golden dir");
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
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
