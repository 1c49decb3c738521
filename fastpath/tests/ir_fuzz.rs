//! Hostile IR files (`exo-fastpath run program.json`): the IR of the benchmark and corpus
//! programs, serialised, with numbers changed or lengthened and names changed, must be refused
//! on load or run packets without a panic.

use exo_fastpath::{Outputs, Pipeline};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn jsons() -> &'static Vec<String> {
    static J: OnceLock<Vec<String>> = OnceLock::new();
    J.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files: Vec<PathBuf> = Vec::new();
        for dir in ["fastpath/benches/p4", "p4/tests/corpus"] {
            files.extend(
                std::fs::read_dir(root.join(dir))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "p4")),
            );
        }
        files.sort();
        let v: Vec<String> = files
            .iter()
            .filter_map(|p| {
                let c = exo_p4::compile_file(p, &exo_p4::CompileOptions::default());
                let ok = !c.has_errors();
                c.ir.filter(|_| ok).map(|ir| ir.to_json())
            })
            .collect();
        assert!(v.len() >= 40, "only {} programs", v.len());
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, .. ProptestConfig::default() })]

    #[test]
    fn mutated_ir_never_panics(
        which in any::<usize>(),
        ops in proptest::collection::vec((any::<u32>(), any::<u8>()), 1..4),
    ) {
        let j = jsons();
        let mut bytes = j[which % j.len()].clone().into_bytes();
        for (at, v) in ops {
            // A digit changed or inserted (numbers: ids, widths, sizes, offsets), or a letter
            // changed (names that refer to other parts).
            let want_digit = v % 3 != 2;
            let pos: Vec<usize> = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| if want_digit { b.is_ascii_digit() } else { b.is_ascii_lowercase() })
                .map(|(i, _)| i)
                .collect();
            let Some(&i) = pos.get(at as usize % pos.len().max(1)) else { break };
            match v % 3 {
                0 => bytes[i] = b'0' + (v / 3) % 10,
                1 => bytes.insert(i, b'0' + (v / 3) % 10),
                _ => bytes[i] = b'a' + (v / 3) % 26,
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let Ok(ir) = exo_p4::ir::Program::from_json(&text) else { return Ok(()) };
        let Ok(mut p) = Pipeline::from_ir(&ir) else { return Ok(()) };
        let mut out = Outputs::new();
        let mut s = 7u64;
        for n in [0usize, 14, 34, 64, 128] {
            let pkt = exo_fastpath::bench::flow_packet(&mut s, n.max(1));
            p.process(&pkt[..n.min(pkt.len())], 1, 1, &mut out);
        }
    }
}
