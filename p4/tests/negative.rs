//! Every program directly in `tests/negative` has one deliberate error and, on its first line,
//! `// expect: PHRASE`; checking it must fail with a diagnostic containing PHRASE that points
//! into the program.

use exo_p4::{compile_file, CompileOptions};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn cases() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/negative");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir)
        .expect("negative directory")
        .flatten()
    {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "p4") {
            continue;
        }
        let text = std::fs::read_to_string(&p).expect("readable");
        let first = text.lines().next().unwrap_or_default();
        let phrase = first
            .trim()
            .strip_prefix("// expect:")
            .unwrap_or_else(|| panic!("{}: first line must be '// expect: PHRASE'", p.display()))
            .trim()
            .to_lowercase();
        out.push((p, phrase));
    }
    out.sort();
    out
}

#[test]
fn at_least_25_distinct_errors() {
    let phrases: BTreeSet<String> = cases().into_iter().map(|(_, p)| p).collect();
    assert!(
        phrases.len() >= 25,
        "only {} distinct expected errors: {phrases:?}",
        phrases.len()
    );
}

#[test]
fn every_negative_program_is_rejected_with_its_diagnostic() {
    let mut failures = Vec::new();
    for (p, phrase) in cases() {
        let out = compile_file(&p, &CompileOptions::default());
        let rendered = out.render_diagnostics();
        let errors: Vec<String> = out
            .diags
            .items
            .iter()
            .filter(|d| d.severity == exo_p4::diag::Severity::Error)
            .map(|d| d.message.to_lowercase())
            .collect();
        if errors.is_empty() {
            failures.push(format!(
                "{}: accepted, expected an error containing '{phrase}'",
                p.display()
            ));
        } else if !errors.iter().any(|m| m.contains(&phrase)) {
            failures.push(format!(
                "{}: expected '{phrase}', got:\n{rendered}",
                p.display()
            ));
        } else if !rendered.contains(&*p.file_name().unwrap_or_default().to_string_lossy())
            && !rendered.contains("inc/")
        {
            failures.push(format!(
                "{}: diagnostic does not name the file:\n{rendered}",
                p.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
