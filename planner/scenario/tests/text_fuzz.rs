//! Hostile scenarios: the example scenarios with bytes changed, lines dropped or repeated and
//! words of the format inserted, random text, and random CDF files must give a scenario or a
//! named error, never a panic.

use exo_scenario::{parse_cdf_csv, Scenario};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn examples() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    ["gateway.toml", "leaf.toml"]
        .iter()
        .map(|f| {
            let p = dir.join(f);
            let text = std::fs::read_to_string(&p).expect("example scenario");
            (p, text)
        })
        .collect()
}

const WORDS: &[&str] = &[
    "[[app]]",
    "[[device]]",
    "[traffic]",
    "name",
    "p4",
    "weight",
    "flows",
    "quantum",
    "distribution",
    "kind",
    "zipf",
    "uniform",
    "cdf",
    "pcap",
    "alpha",
    "=",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    "-1",
    "0",
    "1e309",
    "nan",
    "inf",
    "18446744073709551616",
    "0.0",
    "true",
    "#",
    "\n",
    "replicas",
    "objective",
    "version",
    "affinity",
    "packet_size",
    "path",
    "../",
];

/// `base` with each op (kind, position, value) applied: a byte changed, a line dropped or
/// repeated, a word inserted.
fn mutate(base: &str, ops: &[(u8, u32, u16)]) -> String {
    let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
    for &(kind, at, v) in ops {
        let li = at as usize % lines.len().max(1);
        match (kind % 4, lines.get_mut(li)) {
            (0, Some(l)) if !l.is_empty() => {
                let mut b = std::mem::take(l).into_bytes();
                let i = v as usize % b.len();
                b[i] = (v >> 8) as u8;
                *l = String::from_utf8_lossy(&b).into_owned();
            }
            (1, Some(_)) => {
                lines.remove(li);
            }
            (2, Some(l)) => {
                let l = l.clone();
                lines.insert(li, l);
            }
            (_, Some(l)) => {
                let at = (v as usize) % (l.len() + 1);
                let at = (0..=at).rev().find(|&c| l.is_char_boundary(c)).unwrap_or(0);
                l.insert_str(at, WORDS[v as usize % WORDS.len()]);
            }
            (_, None) => lines.push(WORDS[v as usize % WORDS.len()].to_string()),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_give_a_scenario_or_a_named_error(
        which in any::<usize>(),
        ops in proptest::collection::vec((any::<u8>(), any::<u32>(), any::<u16>()), 0..10),
    ) {
        let ex = examples();
        let (path, text) = &ex[which % ex.len()];
        if let Err(e) = Scenario::from_str(&mutate(text, &ops), path) {
            let msg = e.to_string();
            prop_assert!(msg.contains(".toml"), "{}", msg);
        }
    }

    #[test]
    fn random_text_is_no_scenario(text in "[ -~\\n]{0,300}") {
        let path = Path::new("/nonexistent/random.toml");
        if let Err(e) = Scenario::from_str(&text, path) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn random_cdf_files_parse_or_name_a_line(text in "[0-9.,e#a-z \\n-]{0,300}") {
        if let Err((line, msg)) = parse_cdf_csv(&text) {
            prop_assert!(line >= 1 && line <= text.lines().count().max(1), "line {}", line);
            prop_assert!(!msg.is_empty());
        }
    }
}

#[test]
fn the_examples_load() {
    for (path, text) in examples() {
        assert!(
            Scenario::from_str(&text, &path).is_ok(),
            "{}",
            path.display()
        );
    }
}
