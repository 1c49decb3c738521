//! Programs whose deparser gives back the parsed bytes, unchanged or with some headers
//! rewritten in place. Forwarding, filtering and many stateful programs decide where a packet
//! goes (metadata, registers, counters) without touching its headers; for them the deparser only
//! reassembles, field by field, the bytes the parser read, and the engine can send the packet's
//! own bytes instead (`egress` in `pipeline`). That saves the deparser and a copy that reads the
//! deparser's stores right behind them. Routers and translators rewrite a few fields of headers
//! they neither add nor remove; for them the generated code writes just the fields that may
//! have changed over their own bytes in the packet ([`in_place`]), and the packet is sent as
//! it then is.
//!
//! The analysis answers conservatively: anything it does not understand makes the answer
//! `None`, and the deparser runs as usual. It holds when
//! - the deparser is a sequence of `emit`s of fixed-size headers, each header once;
//! - the parser only extracts fixed-size headers (no varbit, stack, `advance` or composite
//!   `lookahead`) and writes no header slot otherwise, its states form no cycle, and along every
//!   path the headers are extracted in the deparser's emit order, each of them emitted: then
//!   the emitted headers are exactly the extracted ones, contiguous from the first byte;
//! - nothing after the parser (verify, ingress, egress, compute checksum, every action,
//!   function and sub-block of the program) writes a header's validity, so the valid headers
//!   at the deparser are the extracted ones, each at the offset it was parsed from. The
//!   fields something after the parser may write are the ones to rewrite (writing a field's
//!   current value back is harmless, so "may" is enough); when there are none, the deparser
//!   is the identity ([`CompiledProgram::identity_deparse`]).

use std::cell::RefCell;

use crate::program::*;

/// When the deparser of `p` emits the headers its parser extracted, in place, with only their
/// fields possibly changed (see the module documentation): the slots of the emitted headers'
/// fields that may have been written after the parser, in increasing order. `None` otherwise.
pub fn in_place(p: &CompiledProgram) -> Option<Vec<u32>> {
    let order = emit_order(&p.deparser)?;
    // The parser itself writes no header slot but through its extracts.
    let strict = Writes {
        headers: &p.headers,
        written: None,
    };
    let w = Writes {
        headers: &p.headers,
        written: Some(RefCell::new(Vec::new())),
    };
    let blocks = [&p.verify, &p.ingress, &p.egress, &p.compute];
    let ok = strict.stmts(&p.parser.init)
        && blocks.iter().all(|b| w.stmts(b))
        && p.actions.iter().all(|a| w.stmts(&a.body))
        && p.functions.iter().all(|f| w.stmts(&f.body))
        // Arguments an actions list binds are copied out when the action runs from the table.
        && p.tables.iter().all(|t| {
            t.bound.iter().all(|(_, args)| w.args(args)) && t.keys.iter().all(|k| w.expr(&k.e))
        })
        && p.blocks
            .iter()
            .all(|b| b.is_parser.is_none() && w.stmts(&b.body))
        && parser_in_order(p, &strict, &order);
    if !ok {
        return None;
    }
    let mut written = w.written.map(RefCell::into_inner).unwrap_or_default();
    // Headers that are never emitted are never extracted either: never valid.
    written.retain(|&s| {
        p.headers
            .iter()
            .any(|&(v, n)| order.contains(&v) && s > v && s < v + n)
    });
    written.sort_unstable();
    Some(written)
}

/// The validity slots of the headers the deparser emits, in order; `None` if it does anything
/// else or emits a header twice.
fn emit_order(deparser: &[S]) -> Option<Vec<u32>> {
    let mut order = Vec::new();
    for s in deparser {
        let S::Extern(e) = s else { return None };
        let Ext::Emit(items) = &**e else { return None };
        for EmitItem::Header(h) in items {
            let (valid, _) = h.fast.as_ref()?;
            if order.contains(valid) {
                return None;
            }
            order.push(*valid);
        }
    }
    Some(order)
}

/// The parser condition of [`in_place`]: every path from the start state extracts headers in
/// strictly increasing emit order, and only emitted ones.
fn parser_in_order(p: &CompiledProgram, w: &Writes<'_>, order: &[u32]) -> bool {
    let parser = &p.parser;
    // Each state's extracted headers, as positions in the emit order.
    let mut extracted: Vec<Vec<usize>> = Vec::with_capacity(parser.states.len());
    for st in &parser.states {
        let mut pos = Vec::new();
        for s in &st.body {
            match s {
                S::Extern(e) => match &**e {
                    Ext::Extract {
                        hdr,
                        varbit_bits: None,
                    } => {
                        let Some((valid, _)) = &hdr.fast else {
                            return false;
                        };
                        let Some(i) = order.iter().position(|v| v == valid) else {
                            return false;
                        };
                        pos.push(i);
                    }
                    Ext::Verify(c, _) if w.expr(c) => {}
                    _ => return false,
                },
                other => {
                    if !w.stmt(other) {
                        return false;
                    }
                }
            }
        }
        let keys_ok = match &st.transition {
            CTransition::Goto(_) => true,
            CTransition::Select { keys, .. } => keys.iter().all(|(e, _)| w.expr(e)),
        };
        if !keys_ok {
            return false;
        }
        extracted.push(pos);
    }
    // Depth-first over the paths, with the last emit position extracted so far; a state seen
    // again on the current path is a cycle. (state, last) pairs already checked are skipped.
    let mut done = std::collections::HashSet::new();
    let mut on_path = vec![false; parser.states.len()];
    walk(
        parser,
        &extracted,
        parser.start,
        None,
        &mut on_path,
        &mut done,
    )
}

fn walk(
    parser: &CParser,
    extracted: &[Vec<usize>],
    state: u32,
    last: Option<usize>,
    on_path: &mut [bool],
    done: &mut std::collections::HashSet<(u32, Option<usize>)>,
) -> bool {
    let i = state as usize;
    let (Some(st), Some(pos)) = (parser.states.get(i), extracted.get(i)) else {
        return false;
    };
    if on_path[i] {
        return false;
    }
    if !done.insert((state, last)) {
        return true;
    }
    let mut l = last;
    for &x in pos {
        if l.is_some_and(|l| x <= l) {
            return false;
        }
        l = Some(x);
    }
    on_path[i] = true;
    let mut next = |n: &Next| match n {
        Next::State(s) => walk(parser, extracted, *s, l, on_path, done),
        Next::Accept | Next::Reject => true,
    };
    let ok = match &st.transition {
        CTransition::Goto(n) => next(n),
        CTransition::Select { cases, .. } => cases.iter().all(|(_, n)| next(n)),
    };
    on_path[i] = false;
    ok
}

/// Whether statements leave every header slot alone, or with `written`, every header's
/// validity, recording the header fields they may write (false also for what is not
/// understood).
struct Writes<'a> {
    /// (validity slot, slots including it) of every header.
    headers: &'a [(u32, u32)],
    /// The header field slots written, when field writes are allowed.
    written: Option<RefCell<Vec<u32>>>,
}

impl Writes<'_> {
    /// Whether writing slot `s` is allowed (and recorded).
    fn write(&self, s: u32) -> bool {
        let Some(&(v, _)) = self.headers.iter().find(|&&(v, n)| s >= v && s < v + n) else {
            return true;
        };
        match &self.written {
            Some(w) if s != v => {
                let mut w = w.borrow_mut();
                if !w.contains(&s) {
                    w.push(s);
                }
                true
            }
            _ => false,
        }
    }

    fn loc(&self, l: &Loc) -> bool {
        self.range(l, 1)
    }

    fn range(&self, l: &Loc, n: u32) -> bool {
        match l {
            Loc::Slot(s) => (*s..s.saturating_add(n)).all(|x| self.write(x)),
            Loc::Dyn(_) => false,
        }
    }

    fn stmts(&self, ss: &[S]) -> bool {
        ss.iter().all(|s| self.stmt(s))
    }

    fn stmt(&self, s: &S) -> bool {
        match s {
            S::Set(l, e) | S::SetSlice(l, _, _, e) => self.loc(l) && self.expr(e),
            S::SetWide(..) => false,
            S::Copy { dst, n, .. } => self.range(dst, *n),
            S::SetValid(l, _, _) => self.loc(l),
            S::UnionInvalidate { .. } => false,
            S::If(c, a, b) => self.expr(c) && self.stmts(a) && self.stmts(b),
            S::Block(a) => self.stmts(a),
            S::Switch(e, cases, def) => {
                self.expr(e)
                    && cases.iter().all(|(_, b)| self.stmts(b))
                    && def.as_ref().is_none_or(|b| self.stmts(b))
            }
            S::Exit | S::Break | S::Continue | S::Apply(_) => true,
            S::Return(r) => r.as_ref().is_none_or(|(e, _)| self.expr(e)),
            // Copies into the function's own return slots.
            S::ReturnComposite(..) => true,
            S::CallAction { args, .. }
            | S::CallFunction { args, .. }
            | S::ApplyBlock { args, .. } => self.args(args),
            S::Extern(e) => self.ext(e),
            S::Loop(l) => self.expr(&l.cond) && self.stmts(&l.body) && self.stmts(&l.update),
        }
    }

    fn args(&self, args: &[Arg]) -> bool {
        args.iter().all(|a| match a {
            Arg::In { e, .. } => self.expr(e),
            Arg::InOut { src, slots, .. } => self.range(src, *slots),
            Arg::List { stmts, .. } => self.stmts(stmts),
            Arg::Slice { src, .. } => self.loc(src),
        })
    }

    fn ext(&self, e: &Ext) -> bool {
        match e {
            Ext::Extract { .. }
            | Ext::ExtractStackNext { .. }
            | Ext::Advance(_)
            | Ext::Emit(_)
            | Ext::PushFront { .. }
            | Ext::PopFront { .. } => false,
            Ext::Verify(c, _) => self.expr(c),
            Ext::RegisterRead { dst, index, .. } => self.loc(dst) && self.expr(index),
            Ext::RegisterWrite { index, value, .. } => self.expr(index) && self.expr(value),
            Ext::CounterCount { index, .. } => self.expr(index),
            Ext::MeterExecute { index, dst, .. } => self.expr(index) && self.loc(dst),
            Ext::DirectMeterRead { dst, .. } => self.loc(dst),
            Ext::Hash { dst, base, max, .. } => self.loc(dst) && self.expr(base) && self.expr(max),
            Ext::VerifyChecksum { cond, expected, .. } => self.expr(cond) && self.expr(expected),
            Ext::UpdateChecksum { cond, dst, .. } => self.expr(cond) && self.loc(dst),
            Ext::Random { dst, lo, hi, .. } => self.loc(dst) && self.expr(lo) && self.expr(hi),
            Ext::Digest { receiver, .. } => self.expr(receiver),
            Ext::MarkToDrop {
                egress_spec,
                mcast_grp,
            } => {
                egress_spec.as_ref().is_none_or(|l| self.loc(l))
                    && mcast_grp.as_ref().is_none_or(|l| self.loc(l))
            }
            Ext::Clone { session, .. } => self.expr(session),
            Ext::Resubmit(_) | Ext::Recirculate(_) | Ext::Log { .. } => true,
            Ext::Truncate(e) | Ext::Assert(e, _) => self.expr(e),
        }
    }

    /// Expressions write only through calls (a function's `out` arguments, a statement
    /// evaluated for its effects).
    fn expr(&self, e: &E) -> bool {
        match e {
            E::Const(_) | E::LastIndex(_) | E::Load(_) | E::TableHit(..) | E::ActionRun(_) => true,
            E::Not(a) | E::BitNot(a, _) | E::Neg(a, _) | E::Slice(a, _, _) => self.expr(a),
            E::Cast { e, .. } => self.expr(e),
            E::Bin(_, a, b, _, _) | E::LogAnd(a, b) | E::LogOr(a, b) | E::Concat(a, b, _) => {
                self.expr(a) && self.expr(b)
            }
            E::Mux(c, a, b) => self.expr(c) && self.expr(a) && self.expr(b),
            E::Call(c) => match &**c {
                Call::Function { args, .. } => self.args(args),
                Call::Lookahead { into, .. } => into.is_none(),
                Call::PacketLength | Call::ChecksumGet(_) => true,
                Call::Stmt(s) => self.stmt(s),
            },
            E::WideCmp(..) | E::WideSlice(..) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::compile::compile_source as prog;

    /// Two headers `a` then `b`; `parser`, `ingress` and `deparser` bodies as given.
    fn with(parser: &str, ingress: &str, deparser: &str) -> CompiledProgram {
        prog(&format!(
            r#"
#include <core.p4>
#include <v1model.p4>
header a_t {{ bit<16> k; bit<8> t; }}
header b_t {{ bit<32> v; }}
struct hs {{ a_t a; b_t b; }}
struct m_t {{ bit<32> x; }}
parser P(packet_in p, out hs h, inout m_t m, inout standard_metadata_t sm) {{ {parser} }}
control V(inout hs h, inout m_t m) {{ apply {{ }} }}
control I(inout hs h, inout m_t m, inout standard_metadata_t sm) {{ {ingress} }}
control E(inout hs h, inout m_t m, inout standard_metadata_t sm) {{ apply {{ }} }}
control C(inout hs h, inout m_t m) {{ apply {{ }} }}
control D(packet_out p, in hs h) {{ apply {{ {deparser} }} }}
V1Switch(P(), V(), I(), E(), C(), D()) main;
"#
        ))
    }

    const PARSE_AB: &str =
        "state start { p.extract(h.a); transition select(h.a.t) { 1: pb; default: accept; } }
        state pb { p.extract(h.b); transition accept; }";
    const EMIT_AB: &str = "p.emit(h.a); p.emit(h.b);";
    const FWD: &str = "register<bit<32>>(8) r;
        action fwd(bit<9> port) { sm.egress_spec = port; m.x = m.x + 1; r.write(0, m.x); }
        table t { key = { h.a.k: exact; h.b.v: exact; } actions = { fwd; } }
        apply { t.apply(); }";

    #[test]
    fn forwarding_without_header_writes_is_identity() {
        assert!(with(PARSE_AB, FWD, EMIT_AB).identity_deparse());
    }

    #[test]
    fn any_header_write_runs_the_deparser() {
        for ingress in [
            "apply { h.a.t = 3; }",
            "apply { h.b.setInvalid(); }",
            "apply { h.b.setValid(); }",
            "action set(bit<32> v) { h.b.v = v; } table t { key = { h.a.k: exact; } actions = { set; } } apply { t.apply(); }",
            "apply { hash(h.b.v, HashAlgorithm.crc32, 32w0, { h.a.k }, 32w1000); }",
            "register<bit<32>>(8) r; apply { r.read(h.b.v, 0); }",
        ] {
            assert!(!with(PARSE_AB, ingress, EMIT_AB).identity_deparse(), "{ingress}");
        }
    }

    #[test]
    fn field_writes_are_rewritten_in_place() {
        // The header fields written after the parser, by any block, action or extern.
        for (ingress, rewrites) in [
            ("apply { h.b.v = 3; h.a.t = 1; }", vec!["a.t", "b.v"]),
            (
                "action set(bit<32> v) { h.b.v = v; } table t { key = { h.a.k: exact; } actions = { set; } } apply { t.apply(); }",
                vec!["b.v"],
            ),
            ("apply { hash(h.a.k, HashAlgorithm.crc16, 16w0, { h.b.v }, 32w1000); }", vec!["a.k"]),
            ("register<bit<32>>(8) r; apply { r.read(h.b.v, 0); }", vec!["b.v"]),
            ("apply { h.a.k[3:0] = 1; }", vec!["a.k"]),
            // Only through an argument the actions list binds.
            (
                "action put(out bit<32> d, bit<32> v) { d = v; } table t { key = { h.a.k: exact; } actions = { put(h.b.v); } } apply { t.apply(); }",
                vec!["b.v"],
            ),
        ] {
            let p = with(PARSE_AB, ingress, EMIT_AB);
            // Header `a` (validity, k, t) comes first in the struct, `b` (validity, v) second.
            let hs: Vec<u32> = p.headers.iter().map(|&(v, _)| v).collect();
            let slot = |name: &str| -> u32 {
                match name {
                    "a.k" => hs[0] + 1,
                    "a.t" => hs[0] + 2,
                    _ => hs[1] + 1,
                }
            };
            let want: Vec<u32> = rewrites.iter().map(|n| slot(n)).collect();
            assert!(!p.identity_deparse(), "{ingress}");
            assert_eq!(p.deparse_rewrites.as_ref(), Some(&want), "{ingress}");
        }
        // Forwarding alone is the identity, not a rewrite.
        let fwd = with(PARSE_AB, FWD, EMIT_AB);
        assert!(fwd.identity_deparse() && fwd.deparse_rewrites == Some(vec![]));
    }

    #[test]
    fn validity_changes_and_header_copies_run_the_deparser() {
        for ingress in [
            "apply { h.b.setInvalid(); h.a.t = 1; }",
            "apply { h.b.setValid(); }",
            "apply { h.a = { 1, 2 }; }",
            "apply { hs x; x.a = h.a; h.a = x.a; }",
        ] {
            let p = with(PARSE_AB, ingress, EMIT_AB);
            assert!(
                !p.identity_deparse() && p.deparse_rewrites.is_none(),
                "{ingress}"
            );
        }
        // A parser that writes a field itself, a deparser emitting out of order.
        let set_in_parser = "state start { p.extract(h.a); h.a.t = 2; transition accept; }";
        let p = with(set_in_parser, "apply { h.a.k = 1; }", EMIT_AB);
        assert!(p.deparse_rewrites.is_none());
        let p = with(
            PARSE_AB,
            "apply { h.a.k = 1; }",
            "p.emit(h.b); p.emit(h.a);",
        );
        assert!(p.deparse_rewrites.is_none());
    }

    #[test]
    fn order_loops_and_skips_run_the_deparser() {
        // Emitted in another order than parsed.
        assert!(!with(PARSE_AB, FWD, "p.emit(h.b); p.emit(h.a);").identity_deparse());
        // A parsed header left out of the output.
        assert!(!with(PARSE_AB, FWD, "p.emit(h.a);").identity_deparse());
        // Skipped bytes, a parser loop, a header extracted twice on a path.
        for parser in [
            "state start { p.extract(h.a); p.advance(8); transition accept; }",
            "state start { p.extract(h.a); transition select(h.a.t) { 1: start; default: accept; } }",
            "state start { p.extract(h.a); p.extract(h.a); transition accept; }",
        ] {
            assert!(!with(parser, FWD, EMIT_AB).identity_deparse(), "{parser}");
        }
        // Emitting a header the parser never extracts is fine: it is never valid.
        let only_a = "state start { p.extract(h.a); transition accept; }";
        assert!(with(only_a, FWD, EMIT_AB).identity_deparse());
    }
}
