//! Every program in `tests/corpus` (realistic v1model programs written for this project) must
//! check cleanly, lower to IR that survives a JSON round trip, and print back to source that
//! parses to the same AST.

use exo_p4::{compile_file, CompileOptions};
use std::path::PathBuf;

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "p4"))
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_has_at_least_forty_programs() {
    assert!(
        corpus().len() >= 40,
        "corpus has {} programs",
        corpus().len()
    );
}

#[test]
fn every_corpus_program_checks() {
    let mut failures = Vec::new();
    for f in corpus() {
        let out = compile_file(&f, &CompileOptions::default());
        if out.has_errors() || out.ir.is_none() {
            failures.push(format!("{}:\n{}", f.display(), out.render_diagnostics()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ir_json_round_trips() {
    for f in corpus() {
        let out = compile_file(&f, &CompileOptions::default());
        let Some(ir) = out.ir else { continue };
        let json = ir.to_json();
        let back = exo_p4::ir::Program::from_json(&json)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert_eq!(back, ir, "{}", f.display());
    }
}

#[test]
fn printed_corpus_reparses_to_the_same_ast() {
    for f in corpus() {
        let out = compile_file(&f, &CompileOptions::default());
        let printed = exo_p4::printer::print_program(&out.ast);
        let mut diags = exo_p4::diag::Diagnostics::default();
        let again = exo_p4::parser::parse(&printed, &mut diags);
        assert!(
            !diags.has_errors(),
            "{}: printed source does not parse: {:?}",
            f.display(),
            diags.items.first()
        );
        assert_eq!(again, out.ast, "{}", f.display());
        // And the printed program still checks.
        let c = exo_p4::compile_str("printed.p4", &printed, &CompileOptions::default());
        assert!(
            !c.has_errors(),
            "{}: {}",
            f.display(),
            c.render_diagnostics()
        );
    }
}

#[test]
fn ir_records_architecture_slots() {
    for f in corpus() {
        let out = compile_file(&f, &CompileOptions::default());
        let Some(ir) = out.ir else { continue };
        assert_eq!(ir.arch.as_deref(), Some("v1model"), "{}", f.display());
        let pkg = ir.package.as_ref().expect("main package");
        assert_eq!(pkg.slots.len(), 6, "{}", f.display());
        for (_, block) in &pkg.slots {
            let known = ir.parsers.iter().any(|p| &p.name == block)
                || ir.controls.iter().any(|c| &c.name == block);
            assert!(known, "{}: slot block {block} missing from IR", f.display());
        }
    }
}
