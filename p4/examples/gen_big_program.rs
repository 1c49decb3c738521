//! Writes a synthetic but realistic v1model program of about N lines (default 5000) to stdout:
//! many headers, a parser state per header, and per-header actions, tables, registers and
//! counters. Used to benchmark `exo-p4c check` (see docs/benchmarks.md).
//!
//! `cargo run --release -p exo-p4 --example gen_big_program -- 5000 > /tmp/big.p4`

use std::fmt::Write;

fn main() {
    let target: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    print!("{}", exo_p4_big_program(target));
}

/// About 40 lines per unit; `target` lines in all.
fn exo_p4_big_program(target: usize) -> String {
    let units = (target / 40).max(1);
    let mut s = String::new();
    s.push_str("#include <core.p4>\n#include <v1model.p4>\n\n");
    for i in 0..units {
        let _ = writeln!(
            s,
            "header h{i}_t {{\n    bit<8> kind;\n    bit<16> len;\n    bit<32> addr;\n    bit<8> flags;\n}}\n"
        );
    }
    s.push_str("struct headers_t {\n");
    for i in 0..units {
        let _ = writeln!(s, "    h{i}_t h{i};");
    }
    s.push_str("}\n\nstruct meta_t {\n    bit<32> acc;\n    bit<16> tag;\n}\n\n");
    s.push_str("parser MyParser(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {\n");
    s.push_str("    state start {\n        transition parse_h0;\n    }\n");
    for i in 0..units {
        let next = if i + 1 < units {
            format!("parse_h{}", i + 1)
        } else {
            "accept".into()
        };
        let _ = writeln!(
            s,
            "    state parse_h{i} {{\n        pkt.extract(hdr.h{i});\n        transition select(hdr.h{i}.kind) {{\n            8w0: accept;\n            default: {next};\n        }}\n    }}"
        );
    }
    s.push_str(
        "}\n\ncontrol MyVerify(inout headers_t hdr, inout meta_t meta) {\n    apply { }\n}\n\n",
    );
    s.push_str("control MyIngress(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {\n");
    for i in 0..units {
        let _ = writeln!(
            s,
            "    register<bit<32>>(1024) r{i};\n    counter(1024, CounterType.packets) c{i};\n    action set{i}(bit<9> port, bit<32> v) {{\n        sm.egress_spec = port;\n        hdr.h{i}.addr = v + (bit<32>)hdr.h{i}.len;\n        meta.acc = meta.acc |+| v;\n        c{i}.count((bit<32>)hdr.h{i}.flags);\n    }}\n    action drop{i}() {{\n        mark_to_drop(sm);\n    }}\n    table t{i} {{\n        key = {{\n            hdr.h{i}.addr: lpm;\n            hdr.h{i}.flags: ternary;\n        }}\n        actions = {{ set{i}; drop{i}; NoAction; }}\n        default_action = NoAction();\n        size = 1024;\n    }}"
        );
    }
    s.push_str("    apply {\n");
    for i in 0..units {
        let _ = writeln!(
            s,
            "        if (hdr.h{i}.isValid()) {{\n            bit<32> x{i};\n            r{i}.read(x{i}, (bit<32>)hdr.h{i}.kind);\n            r{i}.write((bit<32>)hdr.h{i}.kind, x{i} + 1);\n            t{i}.apply();\n        }}"
        );
    }
    s.push_str("    }\n}\n\ncontrol MyEgress(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {\n    apply { }\n}\n\n");
    s.push_str("control MyCompute(inout headers_t hdr, inout meta_t meta) {\n    apply { }\n}\n\n");
    s.push_str("control MyDeparser(packet_out pkt, in headers_t hdr) {\n    apply {\n");
    for i in 0..units {
        let _ = writeln!(s, "        pkt.emit(hdr.h{i});");
    }
    s.push_str("    }\n}\n\nV1Switch(MyParser(), MyVerify(), MyIngress(), MyEgress(), MyCompute(), MyDeparser()) main;\n");
    s
}
