//! Hostile text for the fast path's text parsers: STF scripts (the `stf` runner, also how
//! `--entries` files are read) and `exo-fastpath run` configurations. Mutations of valid files
//! (bytes changed, lines cut, duplicated and shuffled, words of the dialect inserted) and
//! random text must give a result or an error, never a panic or a hang.

use exo_fastpath::io::config::RunConfig;
use exo_fastpath::Pipeline;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (program, STF text) of a few suite tests with tables, registers, counters and clones, and
/// the benchmark entries file.
fn stf_cases() -> &'static Vec<(exo_p4::ir::Program, String)> {
    static C: OnceLock<Vec<(exo_p4::ir::Program, String)>> = OnceLock::new();
    C.get_or_init(|| {
        let stf = root().join("tests").join("stf");
        let mut v = Vec::new();
        let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&stf)
            .expect("tests/stf")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "stf"))
            .map(|s| (s.with_extension("p4"), s))
            .filter(|(p4, _)| p4.exists())
            .collect();
        pairs.sort();
        pairs.push((
            root().join("benches/p4/l2fwd.p4"),
            root().join("benches/io/l2fwd.stf"),
        ));
        for (p4, s) in pairs.into_iter().step_by(3) {
            let c = exo_p4::compile_file(&p4, &exo_p4::CompileOptions::default());
            if let (Some(ir), Ok(text)) = (c.ir, std::fs::read_to_string(&s)) {
                v.push((ir, text));
            }
        }
        assert!(v.len() >= 10, "only {} STF cases", v.len());
        v
    })
}

/// Words an STF script or a TOML file is made of, to insert.
const WORDS: &[&str] = &[
    "packet",
    "expect",
    "add",
    "setdefault",
    "mirroring_add",
    "mc_group_create",
    "mc_node_create",
    "mc_node_associate",
    "register_write",
    "register_read",
    "counter_read",
    "wait",
    "check_counter",
    "*",
    "$",
    "0x",
    "0x10",
    "-1",
    "4294967296",
    "999999999999999999999999",
    ":",
    "=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "#",
    "\n",
    " ",
    "ffff",
    "****",
    "0/8",
    "&&&",
    "->",
    ",",
    "priority",
    "version",
    "backend",
    "port",
    "p4",
    "dpdk_port",
    "interface",
    "cores",
    "burst",
    "program",
    "entries",
    "[[port]]",
    "[dpdk]",
    "eal",
    "true",
    "1e999",
    "nan",
];

/// `base` mutated by `ops`: each op (kind, position, value) changes a byte, cuts the text,
/// inserts a word, or duplicates, drops or swaps a line.
fn mutate(base: &str, ops: &[(u8, u32, u16)]) -> String {
    let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
    for &(kind, at, v) in ops {
        let n = lines.len().max(1);
        let li = at as usize % n;
        match kind % 6 {
            0 => {
                if let Some(l) = lines.get_mut(li) {
                    let mut b = l.clone().into_bytes();
                    if !b.is_empty() {
                        let i = v as usize % b.len();
                        b[i] = (v >> 8) as u8;
                    }
                    *l = String::from_utf8_lossy(&b).into_owned();
                }
            }
            1 => {
                if let Some(l) = lines.get_mut(li) {
                    let cut = (v as usize) % (l.len() + 1);
                    let cut = (0..=cut)
                        .rev()
                        .find(|&c| l.is_char_boundary(c))
                        .unwrap_or(0);
                    l.truncate(cut);
                }
            }
            2 => {
                let w = WORDS[v as usize % WORDS.len()];
                if let Some(l) = lines.get_mut(li) {
                    let at = (v as usize / WORDS.len()) % (l.len() + 1);
                    let at = (0..=at).rev().find(|&c| l.is_char_boundary(c)).unwrap_or(0);
                    l.insert_str(at, w);
                } else {
                    lines.push(w.to_string());
                }
            }
            3 => {
                if let Some(l) = lines.get(li).cloned() {
                    lines.insert(li, l);
                }
            }
            4 => {
                if li < lines.len() {
                    lines.remove(li);
                }
            }
            _ => {
                let other = v as usize % n;
                if li < lines.len() && other < lines.len() {
                    lines.swap(li, other);
                }
            }
        }
    }
    lines.join("\n")
}

fn run_configs() -> Vec<String> {
    ["dpdk-null.toml", "afxdp.toml"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(root().join("benches/io").join(f)).ok())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn mutated_stf_scripts_never_panic(
        case in any::<usize>(),
        ops in proptest::collection::vec((any::<u8>(), any::<u32>(), any::<u16>()), 0..12),
    ) {
        let cases = stf_cases();
        let (ir, text) = &cases[case % cases.len()];
        let mut pipe = Pipeline::from_ir(ir).expect("the suite's programs load");
        let script = mutate(text, &ops);
        // A report (passed or not) or an error: both fine; a panic fails the test.
        let _ = exo_fastpath::stf::run(&mut pipe, "fuzz.stf", &script);
    }

    #[test]
    fn random_stf_text_never_panics(
        case in any::<usize>(),
        text in "[ -~\\n]{0,400}",
    ) {
        let cases = stf_cases();
        let (ir, _) = &cases[case % cases.len()];
        let mut pipe = Pipeline::from_ir(ir).expect("the suite's programs load");
        let _ = exo_fastpath::stf::run(&mut pipe, "fuzz.stf", &text);
    }

    #[test]
    fn mutated_run_configs_give_a_config_or_an_error(
        which in any::<usize>(),
        ops in proptest::collection::vec((any::<u8>(), any::<u32>(), any::<u16>()), 0..12),
        random in "[ -~\\n]{0,200}",
    ) {
        let configs = run_configs();
        prop_assert!(configs.len() == 2);
        let text = mutate(&configs[which % configs.len()], &ops);
        let base = Path::new("/nonexistent");
        // Errors are one clear line (`exo-fastpath run` prints them as they are).
        for t in [&text, &random] {
            if let Err(e) = RunConfig::parse(t, base) {
                prop_assert!(!e.trim().is_empty() && !e.contains('\n'), "{:?} for {:?}", e, t);
            }
        }
    }
}

#[test]
fn the_valid_files_parse() {
    // The mutations start from files that work.
    for c in run_configs() {
        assert!(RunConfig::parse(&c, &root().join("benches/io")).is_ok());
    }
    for (ir, text) in stf_cases() {
        let mut pipe = Pipeline::from_ir(ir).expect("loads");
        assert!(exo_fastpath::stf::run(&mut pipe, "x.stf", text).is_ok());
    }
}
