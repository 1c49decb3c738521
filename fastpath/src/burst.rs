//! What a burst may do ahead of time. `Pipeline::process_batch` parses a chunk of packets
//! before running the ingress of any of them, then starts the memory reads of their exact-table
//! lookups, so that a packet's table entries are in the cache by the time its ingress applies
//! the table. That reordering is invisible only when
//!
//! - the parser and the verify-checksum block touch nothing but the packet's own context (no
//!   registers, counters, meters, random numbers, digests, logs, clones, sub-parsers or
//!   functions): [`parser_is_local`];
//! - a prefetched table's key is a pure function of the PHV ([`pure_expr`]): the prefetch
//!   evaluates it on the post-parser PHV, a guess that is right whenever ingress does not
//!   rewrite the key fields before the apply. A wrong guess costs a wasted cache line, never a
//!   wrong result: the lookup itself runs at its usual place.

use crate::program::*;

/// True when evaluating `e` reads only the PHV (no table applies, calls or state).
pub fn pure_expr(e: &E) -> bool {
    expr_ok(e, false)
}

/// Expressions a parser may evaluate without leaving the packet's context: pure ones, plus
/// (`in_parser`) `lookahead`, the packet length and checksum computations.
fn expr_ok(e: &E, in_parser: bool) -> bool {
    let ok = |x: &E| expr_ok(x, in_parser);
    match e {
        E::Const(_) | E::LastIndex(_) => true,
        E::Load(l) => loc_ok(l, in_parser),
        E::Not(a) | E::BitNot(a, _) | E::Neg(a, _) | E::Slice(a, _, _) => ok(a),
        E::Cast { e, .. } => ok(e),
        E::Bin(_, a, b, _, _) | E::LogAnd(a, b) | E::LogOr(a, b) | E::Concat(a, b, _) => {
            ok(a) && ok(b)
        }
        E::Mux(c, a, b) => ok(c) && ok(a) && ok(b),
        E::Call(c) if in_parser => match &**c {
            Call::Lookahead { .. } | Call::PacketLength => true,
            Call::ChecksumGet(fields) => fields.iter().all(|f| ok(&f.e)),
            Call::Function { .. } | Call::Stmt(_) => false,
        },
        E::TableHit(..) | E::ActionRun(_) | E::Call(_) | E::WideCmp(..) | E::WideSlice(..) => false,
    }
}

fn loc_ok(l: &Loc, in_parser: bool) -> bool {
    match l {
        Loc::Slot(_) => true,
        Loc::Dyn(d) => match &d.index {
            StackIndex::Expr(e) => expr_ok(e, in_parser),
            StackIndex::Next | StackIndex::Last => true,
        },
    }
}

fn local_expr(e: &E) -> bool {
    expr_ok(e, true)
}

fn local_loc(l: &Loc) -> bool {
    loc_ok(l, true)
}

fn local_stmts(ss: &[S]) -> bool {
    ss.iter().all(local_stmt)
}

fn local_stmt(s: &S) -> bool {
    match s {
        S::Set(l, e) | S::SetSlice(l, _, _, e) => local_loc(l) && local_expr(e),
        S::Copy { dst, src, .. } => local_loc(dst) && local_loc(src),
        S::SetValid(l, _, _) => local_loc(l),
        S::UnionInvalidate { valids } => valids.iter().all(local_loc),
        S::If(c, a, b) => local_expr(c) && local_stmts(a) && local_stmts(b),
        S::Block(b) => local_stmts(b),
        S::Switch(e, cases, default) => {
            local_expr(e)
                && cases.iter().all(|(_, b)| local_stmts(b))
                && default.as_ref().is_none_or(|d| local_stmts(d))
        }
        S::Exit => true,
        S::Extern(x) => match &**x {
            Ext::Extract { varbit_bits, .. } | Ext::ExtractStackNext { varbit_bits, .. } => {
                varbit_bits.as_ref().is_none_or(local_expr)
            }
            Ext::Advance(e) | Ext::Verify(e, _) => local_expr(e),
            Ext::VerifyChecksum { .. } | Ext::PushFront { .. } | Ext::PopFront { .. } => true,
            _ => false,
        },
        _ => false,
    }
}

/// True when the parser (all states, their selects) and the verify-checksum block read and
/// write only the packet's own context.
pub fn parser_is_local(p: &CompiledProgram) -> bool {
    let parser = &p.parser;
    local_stmts(&parser.init)
        && local_stmts(&p.verify)
        && parser.states.iter().all(|st| {
            local_stmts(&st.body)
                && match &st.transition {
                    CTransition::Goto(_) => true,
                    CTransition::Select { keys, .. } => keys.iter().all(|(e, _)| local_expr(e)),
                }
        })
}

/// Tables applied by the ingress block (directly, in conditions or in `switch`), in order of
/// first appearance, without repeats.
pub fn ingress_tables(p: &CompiledProgram) -> Vec<u32> {
    let mut out = Vec::new();
    stmts_tables(&p.ingress, &mut out);
    out
}

fn push_unique(out: &mut Vec<u32>, t: u32) {
    if !out.contains(&t) {
        out.push(t);
    }
}

fn stmts_tables(ss: &[S], out: &mut Vec<u32>) {
    for s in ss {
        match s {
            S::Apply(t) => push_unique(out, *t),
            S::If(c, a, b) => {
                expr_tables(c, out);
                stmts_tables(a, out);
                stmts_tables(b, out);
            }
            S::Block(b) => stmts_tables(b, out),
            S::Switch(e, cases, default) => {
                expr_tables(e, out);
                for (_, b) in cases {
                    stmts_tables(b, out);
                }
                if let Some(d) = default {
                    stmts_tables(d, out);
                }
            }
            _ => {}
        }
    }
}

fn expr_tables(e: &E, out: &mut Vec<u32>) {
    match e {
        E::TableHit(t, _) | E::ActionRun(t) => push_unique(out, *t),
        E::Not(a) | E::BitNot(a, _) | E::Neg(a, _) | E::Slice(a, _, _) => expr_tables(a, out),
        E::Cast { e, .. } => expr_tables(e, out),
        E::Bin(_, a, b, _, _) | E::LogAnd(a, b) | E::LogOr(a, b) | E::Concat(a, b, _) => {
            expr_tables(a, out);
            expr_tables(b, out);
        }
        E::Mux(c, a, b) => {
            expr_tables(c, out);
            expr_tables(a, out);
            expr_tables(b, out);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::compile::compile_source as prog;

    const HDRS: &str = r#"
#include <core.p4>
#include <v1model.p4>
header h_t { bit<32> a; bit<32> b; }
struct hs { h_t h; }
struct m_t { bit<32> x; }
control V(inout hs h, inout m_t m) { apply { } }
control E(inout hs h, inout m_t m, inout standard_metadata_t sm) { apply { } }
control C(inout hs h, inout m_t m) { apply { } }
control D(packet_out p, in hs h) { apply { p.emit(h.h); } }
"#;

    fn with(parser: &str, ingress: &str) -> CompiledProgram {
        prog(&format!(
            "{HDRS}\nparser P(packet_in p, out hs h, inout m_t m, inout standard_metadata_t sm) {{ {parser} }}\n\
             control I(inout hs h, inout m_t m, inout standard_metadata_t sm) {{ {ingress} }}\n\
             V1Switch(P(), V(), I(), E(), C(), D()) main;"
        ))
    }

    const INGRESS: &str = "action fwd(bit<9> port) { sm.egress_spec = port; }
        table t1 { key = { h.h.a: exact; } actions = { fwd; } }
        table t2 { key = { h.h.b: exact; m.x: exact; } actions = { fwd; } }
        apply { if (t1.apply().hit) { t2.apply(); } }";

    #[test]
    fn extract_and_select_are_local_and_tables_are_found() {
        let p = with(
            "state start { p.extract(h.h); transition select(h.h.a) { 1: accept; default: reject; } }",
            INGRESS,
        );
        assert!(parser_is_local(&p));
        let ts = ingress_tables(&p);
        assert_eq!(ts.len(), 2);
        assert!(ts
            .iter()
            .all(|&t| p.tables[t as usize].keys.iter().all(|k| pure_expr(&k.e))));
    }

    #[test]
    fn stateful_parsers_are_not_local() {
        let p = with(
            "register<bit<32>>(4) r; state start { p.extract(h.h); r.write(0, h.h.a); transition accept; }",
            INGRESS,
        );
        assert!(!parser_is_local(&p));
        let p = with(
            "state start { p.extract(h.h); log_msg(\"x\"); transition accept; }",
            INGRESS,
        );
        assert!(!parser_is_local(&p));
    }
}
