//! Hostile and malformed input: every stage must answer with diagnostics, never a panic, a hang
//! or a stack overflow.

use exo_p4::{compile_str, CompileOptions};
use proptest::prelude::*;

fn corpus_texts() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "p4"))
        .collect();
    v.sort();
    v.iter()
        .take(8)
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect()
}

fn compile(src: &str) -> exo_p4::Compiled {
    compile_str("fuzz.p4", src, &CompileOptions::default())
}

#[test]
fn truncated_programs_give_diagnostics() {
    for text in corpus_texts() {
        let bytes = text.as_bytes();
        for cut in (1..bytes.len()).step_by((bytes.len() / 23).max(1)) {
            let s = String::from_utf8_lossy(&bytes[..cut]);
            let out = compile(&s);
            // A prefix may happen to be complete; when it is not, it must say why.
            let _ = out.render_diagnostics();
        }
    }
}

#[test]
fn binary_input_is_rejected_cleanly() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let out = compile(&String::from_utf8_lossy(&junk));
    assert!(out.has_errors());
}

#[test]
fn deep_nesting_is_bounded() {
    let deep_expr = format!(
        "const bit<8> x = {}1{};",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    assert!(compile(&deep_expr)
        .render_diagnostics()
        .contains("too deep"));
    let deep_blocks = format!("control C() {{ apply {{ {} }} }}", "{".repeat(20_000));
    assert!(compile(&deep_blocks).has_errors());
    let deep_types = format!(
        "typedef {}bit<8>{} t;",
        "tuple<".repeat(5000),
        ">".repeat(5000)
    );
    assert!(compile(&deep_types).has_errors());
}

#[test]
fn ten_megabytes_of_source_is_handled() {
    let unit = "const bit<32> c_NAME = 32w1 + 32w2;\n";
    let mut s = String::with_capacity(10 << 20);
    let mut i = 0;
    while s.len() < 10 << 20 {
        s.push_str(&unit.replace("NAME", &i.to_string()));
        i += 1;
    }
    let out = compile(&s);
    assert!(
        !out.has_errors(),
        "{}",
        out.render_diagnostics().lines().next().unwrap_or("")
    );
    assert_eq!(out.ast.decls.len(), i);
}

#[test]
fn include_cycle_is_an_error() {
    let dir = std::env::temp_dir().join(format!("exo-p4-cycle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    std::fs::write(dir.join("a.p4"), "#include \"b.p4\"\n").expect("write");
    std::fs::write(dir.join("b.p4"), "#include \"a.p4\"\n").expect("write");
    let out = exo_p4::compile_file(&dir.join("a.p4"), &CompileOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.render_diagnostics().contains("include cycle"),
        "{}",
        out.render_diagnostics()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Random edits (deletions, duplications, byte flips) of real programs.
    #[test]
    fn mutated_programs_never_panic(
        which in 0usize..8,
        edits in proptest::collection::vec((any::<u16>(), any::<u16>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let texts = corpus_texts();
        let mut b = texts[which % texts.len()].clone().into_bytes();
        for (pos, len, byte, kind) in edits {
            if b.is_empty() { break; }
            let p = pos as usize % b.len();
            let l = (len as usize % 64).min(b.len() - p);
            match kind {
                0 => { b.drain(p..p + l); }
                1 => { let chunk: Vec<u8> = b[p..p + l].to_vec(); b.splice(p..p, chunk); }
                _ => { b[p] = byte; }
            }
        }
        let _ = compile(&String::from_utf8_lossy(&b));
    }

    /// Random soup of P4 tokens.
    #[test]
    fn token_soup_never_panics(toks in proptest::collection::vec(
        proptest::sample::select(vec![
            "control", "parser", "state", "apply", "table", "key", "actions", "=", "{", "}", "(", ")",
            "<", ">", ";", ":", ",", ".", "bit", "8", "8w3", "x", "hdr", "if", "else", "switch",
            "transition", "select", "default", "_", "&&&", "..", "++", "|+|", "-", "!", "~", "?",
            "header", "struct", "const", "typedef", "extern", "action", "return", "exit", "@name",
            "\"s\"", "#define X 1", "#if X", "#endif", "[", "]", "error", "enum", "true",
            "for", "in", "break", "continue", "bit<8>", "i", "0", "10",
        ]), 0..200)) {
        let src = toks.join(" ");
        let _ = compile(&src);
    }
}
