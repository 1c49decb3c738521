//! Generates the compiled tier (`exo_fastpath::codegen`) of the engine's benchmark programs,
//! the STF suite's programs, the paper's applications (`p4/apps`) and any programs named in
//! `EXO_CODEGEN_P4` (paths separated by
//! `:`; each compiled with its own directory as include directory), into one module per
//! program. A program that does not compile is skipped with a warning: the binary then runs
//! it with the interpreter.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn p4_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "p4"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let fastpath = here.parent().expect("fastpath/compiled").to_path_buf();
    let root = fastpath.parent().expect("the workspace").to_path_buf();
    let dirs = [
        fastpath.join("benches").join("p4"),
        fastpath.join("tests").join("stf"),
        root.join("p4").join("apps"),
    ];
    let mut programs = Vec::new();
    for d in &dirs {
        println!("cargo:rerun-if-changed={}", d.display());
        programs.extend(p4_files(d));
    }
    println!("cargo:rerun-if-env-changed=EXO_CODEGEN_P4");
    if let Ok(list) = std::env::var("EXO_CODEGEN_P4") {
        for p in list.split(':').filter(|s| !s.is_empty()) {
            println!("cargo:rerun-if-changed={p}");
            programs.push(PathBuf::from(p));
        }
    }
    let mut out = String::new();
    let mut all = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, path) in programs.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", path.display());
        let opts = exo_p4::CompileOptions {
            include_dirs: path.parent().map(Path::to_path_buf).into_iter().collect(),
            defines: Vec::new(),
        };
        let c = exo_p4::compile_file(path, &opts);
        let ok = !c.has_errors();
        let Some(ir) = c.ir.filter(|_| ok) else {
            println!(
                "cargo:warning={}: does not compile; left to the interpreter",
                path.display()
            );
            continue;
        };
        let prog = match exo_fastpath::compile::compile(&ir) {
            Ok(p) => p,
            Err(e) => {
                println!(
                    "cargo:warning={}: {e}; left to the interpreter",
                    path.display()
                );
                continue;
            }
        };
        if !seen.insert(exo_fastpath::codegen::fingerprint(&prog)) {
            continue;
        }
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let module = format!("p{i}");
        out.push_str(&exo_fastpath::codegen::generate_module(
            &prog, &name, &module,
        ));
        all.push(module);
    }
    let _ = writeln!(
        out,
        "/// Every generated program of this crate.\npub static ALL: &[&exo_fastpath::codegen::Generated] = &[{}];",
        all.iter()
            .map(|m| format!("&{m}::GEN"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("generated.rs");
    std::fs::write(&dest, out).expect("writing the generated module");
}
