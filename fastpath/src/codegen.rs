//! The compiled tier: Rust source generated per program from its [`CompiledProgram`], built
//! into a binary, and used in place of the interpreter for the programs it was generated
//! from.
//!
//! [`generate`] turns a compiled program into a module of Rust functions, one per parser,
//! control block, table and action, over the same per-packet context ([`Exec`]) and state as
//! the interpreter. Every slot, width, offset, table and action is a constant there, so the
//! Rust compiler resolves what the interpreter looks up per packet: the tree of operations
//! becomes straight-line code, header fields are read and written at constant offsets, a
//! table's key is built at constant positions and its actions are called directly.
//!
//! The generator covers the statements and expressions of the hot path natively; everything
//! else (wide values, dynamic stack indexes, most externs, function calls, loops...) stays
//! with the interpreter: the statement or expression is kept in [`Fallbacks`] and the
//! generated code calls [`Exec::stmt`] or [`Exec::eval`] on it. The semantics are therefore
//! the interpreter's by construction, statement by statement.
//!
//! A binary holding generated code registers it ([`register`]); [`attach`] (called by
//! [`crate::Pipeline::new`]) looks a loaded program up by its [`fingerprint`] and, when the
//! same program was generated, rebuilds the fallback lists (the same traversal as the
//! generator's, so the indexes agree) and points the program at the generated functions.
//! `EXO_INTERPRET=1` in the environment keeps the interpreter (for A/B comparisons).

use crate::exec::{Exec, Flow};
use crate::program::*;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// The generated functions of one program.
pub struct Generated {
    /// The program's source file name, for reports.
    pub name: &'static str,
    pub fingerprint: u64,
    /// The start of every pass: the PHV slots of [`CompiledProgram::zero`] zeroed, and the
    /// fields of the headers the previous packet left valid ([`CompiledProgram::headers`]).
    pub reset: fn(&mut [u128]),
    pub parser: fn(&mut Exec<'_>) -> bool,
    pub verify: fn(&mut Exec<'_>) -> Flow,
    pub ingress: fn(&mut Exec<'_>) -> Flow,
    pub egress: fn(&mut Exec<'_>) -> Flow,
    pub compute: fn(&mut Exec<'_>) -> Flow,
    pub deparser: fn(&mut Exec<'_>) -> Flow,
    /// The lookup key of table `t` (its bytes as the interpreter's `build_key` writes them,
    /// into the buffer; returns their length), or `None` for a table whose key is not built
    /// on the stack.
    pub key: fn(&mut Exec<'_>, u32, &mut [u8; 80]) -> Option<usize>,
    /// `Pipeline::process_staged_with::<T>` for the module's [`crate::pipeline::Tier`]: the
    /// burst loop calling these functions directly, or `None` to call them through the
    /// pointers above.
    #[allow(clippy::type_complexity)]
    pub staged: Option<
        fn(
            &mut crate::pipeline::Pipeline,
            crate::pipeline::Source<'_>,
            u64,
            &mut crate::pipeline::Outputs,
        ),
    >,
    /// Statements and expressions left to the interpreter, as counted by the generator
    /// (checked against [`Fallbacks`] when attaching).
    pub fallback_counts: (usize, usize, usize),
}

impl std::fmt::Debug for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Generated({}, {:016x})", self.name, self.fingerprint)
    }
}

/// What generated code leaves to the interpreter, by index: statements, expressions and the
/// argument lists of action calls.
#[derive(Clone, Debug, Default)]
pub struct Fallbacks {
    pub s: Vec<S>,
    pub e: Vec<E>,
    pub args: Vec<Vec<Arg>>,
}

static REGISTRY: OnceLock<&'static [&'static Generated]> = OnceLock::new();

/// Makes the generated programs of this binary available to [`attach`]. Call once, first
/// thing in `main`; later calls are ignored.
pub fn register(list: &'static [&'static Generated]) {
    let _ = REGISTRY.set(list);
}

/// The registered generated programs.
pub fn registered() -> &'static [&'static Generated] {
    REGISTRY.get().copied().unwrap_or(&[])
}

/// A hash of everything about a compiled program that generated code depends on (slots,
/// statements, tables, actions...), not of its IR: generated code fits a loaded program
/// exactly when their fingerprints are equal.
pub fn fingerprint(p: &CompiledProgram) -> u64 {
    let text = format!(
        "{:?}",
        (
            (p.phv_slots, &p.zero, &p.meta_zero, &p.headers),
            &p.parser,
            &p.verify,
            &p.ingress,
            &p.egress,
            &p.compute,
            &p.deparser,
            &p.actions,
            &p.tables,
            &p.functions,
            (
                &p.blocks,
                &p.instances,
                &p.value_sets,
                &p.std_meta,
                &p.field_lists,
                &p.meta_base,
                &p.error_codes,
            ),
        )
    );
    // FNV-1a, 64 bits: stable across builds and toolchains.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Points `p` at its generated code when this binary holds code generated from the same
/// program (and `EXO_INTERPRET` is not set). Returns whether it did.
pub fn attach(p: &mut CompiledProgram) -> bool {
    let list = registered();
    if list.is_empty() || std::env::var_os("EXO_INTERPRET").is_some_and(|v| v != "0") {
        return false;
    }
    let fp = fingerprint(p);
    let Some(g) = list.iter().find(|g| g.fingerprint == fp) else {
        return false;
    };
    let (_, fb) = generate(p, g.name);
    if (fb.s.len(), fb.e.len(), fb.args.len()) != g.fallback_counts {
        // Cannot happen for the same program and generator; refuse rather than misindex.
        return false;
    }
    p.gen_fb = fb;
    p.gen = Some(g);
    true
}

/// Rust source of module `module` for program `p` (whose file is `name`), ending with a
/// `pub static GEN: Generated`: a crate that depends on `exo-fastpath` includes it and
/// registers `module::GEN`.
pub fn generate_module(p: &CompiledProgram, name: &str, module: &str) -> String {
    let (code, _) = generate(p, name);
    format!(
        "#[allow(unused_variables, unused_mut, unused_labels, unused_braces, unused_parens, \
         unreachable_code, non_snake_case, dead_code, clippy::all)]\npub mod {module} {{\n{code}}}\n"
    )
}

/// The items of a module for program `p` (whose file is `name`), ending with a
/// `pub static GEN: Generated`, and the fallbacks its code indexes.
pub fn generate(p: &CompiledProgram, name: &str) -> (String, Fallbacks) {
    let mut g = Gen {
        p,
        fb: Fallbacks::default(),
        label: 0,
        out: String::new(),
        narrow: narrow_slots(p),
    };
    g.program(name);
    (g.out, g.fb)
}

/// Helpers the generated code calls (kept here so that generated modules need one import).
pub mod rt {
    pub use crate::bits::{mask, sext, write_bits};
    pub use crate::exec::{
        action_data, binop, copy_slots, keyset_matches, zero, DataRef, Exec, Flow, RegArray,
        ERR_PARSER_TIMEOUT, MAX_LOOP_ITERATIONS, MAX_PARSER_STEPS,
    };
    pub use crate::externs::{hash, GREEN};
    pub use crate::program::{HashAlgo, Keyset, Op};
    pub use exo_tables::hash_bytes;

    /// Writes `v` into the low 64 bits of `phv[s]`, leaving the high half as it is: for a slot
    /// that only ever holds values below 2^64 (a header field of at most 64 bits), whose high
    /// half is therefore zero, one 8-byte store instead of two.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn set_lo(phv: &mut [u128], s: usize, v: u64) {
        let x: *mut u128 = &mut phv[s];
        let lo = if cfg!(target_endian = "little") { 0 } else { 1 };
        // SAFETY: `x` points to a live, exclusively borrowed u128; its two halves are u64s
        // at 8-byte-aligned offsets 0 and 8 inside it.
        unsafe { *x.cast::<u64>().add(lo) = v };
    }

    /// The `K` big-endian 64-bit words at `b[o..]`, where `n <= 8 * K` bytes from `o` are in
    /// `b` (the rest read as zeros when `b` ends before them).
    #[inline(always)]
    pub fn be_words<const K: usize>(b: &[u8], o: usize, n: usize) -> [u64; K] {
        let mut w = [0u64; K];
        if let Some(d) = b.get(o..o + 8 * K) {
            for (i, x) in w.iter_mut().enumerate() {
                let mut a = [0u8; 8];
                a.copy_from_slice(&d[8 * i..8 * i + 8]);
                *x = u64::from_be_bytes(a);
            }
        } else {
            let mut a = [[0u8; 8]; K];
            let n = n.min(b.len().saturating_sub(o)).min(8 * K);
            a.as_flattened_mut()[..n].copy_from_slice(&b[o..o + n]);
            for (x, a) in w.iter_mut().zip(a) {
                *x = u64::from_be_bytes(a);
            }
        }
        w
    }

    /// ORs the low `w` bits of `v` into bits `sh..sh + w` of the 8 bytes at `b[o..]`.
    #[inline(always)]
    pub fn wr64(b: &mut [u8], o: usize, sh: u32, w: u32, v: u128) {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[o..o + 8]);
        let m = if w >= 64 { u64::MAX } else { (1u64 << w) - 1 };
        let x = u64::from_be_bytes(a) | (((v as u64) & m) << (64 - sh - w));
        b[o..o + 8].copy_from_slice(&x.to_be_bytes());
    }

    /// As [`wr64`] for 64 < sh + w <= 128, over 16 bytes.
    #[inline(always)]
    pub fn wr128(b: &mut [u8], o: usize, sh: u32, w: u32, v: u128) {
        let mut a = [0u8; 16];
        a.copy_from_slice(&b[o..o + 16]);
        let x = u128::from_be_bytes(a) | ((v & mask(w)) << (128 - sh - w));
        b[o..o + 16].copy_from_slice(&x.to_be_bytes());
    }

    /// Action data decoding as the interpreter does it (bytes past the end read as zero).
    #[inline(always)]
    pub fn data_field(bytes: &[u8], off: usize, w: u32) -> u128 {
        crate::bits::read_bits(bytes, off * 8, (w.div_ceil(8) * 8).min(128)) & mask(w)
    }
}

struct Gen<'a> {
    p: &'a CompiledProgram,
    fb: Fallbacks,
    label: u32,
    out: String,
    /// Slots known to hold values of at most 64 bits (header fields, action data, standard
    /// metadata): loaded as their low 8 bytes. A 16-byte load of a slot just written as two
    /// 8-byte halves stalls on store forwarding.
    narrow: std::collections::HashSet<u32>,
}

/// Slots whose values fit 64 bits: scalar header fields of at most 64 bits, action data
/// parameters of at most 64 bits, and the standard metadata fields (all narrower).
fn narrow_slots(p: &CompiledProgram) -> std::collections::HashSet<u32> {
    fn walk(ss: &[S], out: &mut std::collections::HashSet<u32>) {
        for s in ss {
            match s {
                S::Extern(x) => match &**x {
                    Ext::Extract { hdr, .. } => header(hdr, out),
                    Ext::Emit(items) => {
                        for EmitItem::Header(h) in items {
                            header(h, out);
                        }
                    }
                    _ => {}
                },
                S::If(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                S::Block(b) => walk(b, out),
                S::Switch(_, cases, d) => {
                    for (_, b) in cases {
                        walk(b, out);
                    }
                    if let Some(d) = d {
                        walk(d, out);
                    }
                }
                _ => {}
            }
        }
    }
    fn header(h: &EmitHeader, out: &mut std::collections::HashSet<u32>) {
        for (l, w, k) in &h.fields {
            if let (Loc::Slot(s), FieldKind::Scalar) = (l, k) {
                if *w <= 64 {
                    out.insert(*s);
                }
            }
        }
    }
    let mut out = std::collections::HashSet::new();
    walk(&p.parser.init, &mut out);
    for st in &p.parser.states {
        walk(&st.body, &mut out);
    }
    for ss in [&p.verify, &p.ingress, &p.egress, &p.compute, &p.deparser] {
        walk(ss, &mut out);
    }
    for a in &p.actions {
        walk(&a.body, &mut out);
        for &(s, w) in &a.data_params {
            if w <= 64 {
                out.insert(s);
            }
        }
    }
    let sm = &p.std_meta;
    for s in [
        sm.ingress_port,
        sm.egress_spec,
        sm.egress_port,
        sm.instance_type,
        sm.packet_length,
        sm.mcast_grp,
        sm.egress_rid,
        sm.checksum_error,
        sm.parser_error,
        sm.ingress_global_timestamp,
        sm.egress_global_timestamp,
        sm.enq_timestamp,
        sm.deq_timedelta,
        sm.priority,
    ]
    .into_iter()
    .flatten()
    {
        out.insert(s);
    }
    out
}

/// Whether evaluating `e` can neither set the packet's exit or reject flags nor apply a table
/// (no calls): such expressions need no flag checks after them.
fn simple(e: &E) -> bool {
    match e {
        E::Const(_) | E::LastIndex(_) | E::Load(Loc::Slot(_)) => true,
        E::Not(a) | E::BitNot(a, _) | E::Neg(a, _) | E::Slice(a, _, _) => simple(a),
        E::Cast { e, .. } => simple(e),
        E::Bin(_, a, b, _, _) | E::LogAnd(a, b) | E::LogOr(a, b) | E::Concat(a, b, _) => {
            simple(a) && simple(b)
        }
        E::Mux(c, a, b) => simple(c) && simple(a) && simple(b),
        _ => false,
    }
}

/// Code packing values (expression, width in bits), most significant bit first and each
/// masked to its width, into the byte array `buf`: each 64-bit word of the result is
/// assembled in a register from the fields that overlap it and stored once. (Storing field
/// by field with 8-byte read-modify-writes at overlapping offsets stalls on store forwarding
/// at every field.) Returns the code and the array size to declare (whole words).
fn packed_words(vals: &[(String, u32)], buf: &str) -> (String, usize) {
    let mut code = String::new();
    let mut spans = Vec::new();
    let mut off = 0u32;
    for (i, (e, w)) in vals.iter().enumerate() {
        if *w > 0 {
            let _ = write!(
                code,
                "let v{i}: u128 = ({e}) & {}u128; ",
                crate::bits::mask(*w)
            );
            spans.push((i, off, *w));
        }
        off += w;
    }
    let words = off.div_ceil(64);
    for k in 0..words {
        let (lo, hi) = (64 * k, 64 * (k + 1));
        let terms: Vec<String> = spans
            .iter()
            .filter(|&&(_, o, w)| o < hi && o + w > lo)
            .map(|&(i, o, w)| {
                let end = o + w;
                if hi >= end {
                    format!("((v{i} << {}) as u64)", hi - end)
                } else {
                    format!("((v{i} >> {}) as u64)", end - hi)
                }
            })
            .collect();
        if !terms.is_empty() {
            let _ = write!(
                code,
                "{buf}[{}..{}].copy_from_slice(&({}).to_be_bytes()); ",
                8 * k,
                8 * k + 8,
                terms.join(" | ")
            );
        }
    }
    (code, 8 * words as usize)
}

/// Hash algorithms whose result depends on the data only (not on the random source).
fn algo_fixed(a: HashAlgo) -> bool {
    !matches!(a, HashAlgo::Random)
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Add => "Add",
        Op::Sub => "Sub",
        Op::Mul => "Mul",
        Op::Div => "Div",
        Op::Mod => "Mod",
        Op::SatAdd => "SatAdd",
        Op::SatSub => "SatSub",
        Op::Shl => "Shl",
        Op::Shr => "Shr",
        Op::And => "And",
        Op::Or => "Or",
        Op::Xor => "Xor",
        Op::Eq => "Eq",
        Op::Ne => "Ne",
        Op::Lt => "Lt",
        Op::Le => "Le",
        Op::Gt => "Gt",
        Op::Ge => "Ge",
    }
}

const FLAGS: &str =
    "if ex.pk.exit { break '{L} Flow::Exit; } if ex.pk.reject { break '{L} Flow::Reject; }";

impl Gen<'_> {
    fn fresh(&mut self) -> String {
        self.label += 1;
        format!("l{}", self.label)
    }

    fn fb_stmt(&mut self, s: S) -> usize {
        self.fb.s.push(s);
        self.fb.s.len() - 1
    }

    fn program(&mut self, name: &str) {
        let p = self.p;
        let _ = writeln!(
            self.out,
            "use exo_fastpath::codegen::{{rt::*, Generated}};\n\
             use exo_fastpath::pipeline::{{Pipeline, Tier}};\n\
             use exo_fastpath::program::{{CompiledProgram, StdMeta}};\n"
        );
        for (i, a) in p.actions.iter().enumerate() {
            let body = self.block(&a.body);
            let _ = writeln!(
                self.out,
                "/// action {}\n#[inline]\nfn a{i}(ex: &mut Exec<'_>) -> Flow {{ {body} }}\n",
                a.name
            );
        }
        for (i, f) in p.functions.iter().enumerate() {
            let body = self.block(&f.body);
            let _ = writeln!(
                self.out,
                "/// function {}\nfn f{i}(ex: &mut Exec<'_>) -> Flow {{ {body} }}\n",
                f.name
            );
        }
        let mut keys = String::new();
        for (i, t) in p.tables.iter().enumerate() {
            self.table(i, t);
            if t.key_on_stack {
                let (code, n) = self.key(t);
                let _ = writeln!(
                    self.out,
                    "fn key{i}(ex: &mut Exec<'_>, small: &mut [u8; 80]) -> usize {{ {code} {n} }}\n"
                );
                let _ = write!(keys, "{i} => Some(key{i}(ex, small)), ");
            }
        }
        let _ = writeln!(
            self.out,
            "fn key(ex: &mut Exec<'_>, t: u32, small: &mut [u8; 80]) -> Option<usize> {{ \
             match t {{ {keys}_ => None }} }}\n"
        );
        self.parser();
        let mut reset = String::new();
        for &(v, n) in &p.headers {
            let _ = write!(
                reset,
                "if phv[{v}] != 0 {{ phv[{v}..{}].fill(0); }} ",
                v + n
            );
        }
        for &(s, n) in &p.zero {
            let _ = write!(reset, "phv[{s}..{}].fill(0); ", s + n);
        }
        let _ = writeln!(
            self.out,
            "fn reset(phv: &mut [u128]) {{ let phv = &mut phv[..{}]; {reset}}}\n",
            p.phv_slots
        );
        for (name, ss) in [
            ("verify", &p.verify),
            ("ingress", &p.ingress),
            ("egress", &p.egress),
            ("compute", &p.compute),
            ("deparser", &p.deparser),
        ] {
            let body = match (name, &p.deparse_rewrites) {
                ("deparser", Some(rewrites)) => self.deparse_in_place(rewrites),
                _ => self.block(ss),
            };
            let _ = writeln!(
                self.out,
                "fn {name}(ex: &mut Exec<'_>) -> Flow {{ ex.block_begin(); let f = {body}; \
                 ex.block_end(); f }}\n"
            );
        }
        // `StdMeta`'s Debug form is a struct literal.
        let sm = format!("{:?}", p.std_meta);
        let _ = writeln!(
            self.out,
            "pub struct T;\n\
             const SM: StdMeta = {sm};\n\
             impl Tier for T {{ \
             #[inline(always)] fn std_meta(_p: &CompiledProgram) -> &StdMeta {{ &SM }} \
             #[inline(always)] fn reset(_p: &CompiledProgram, phv: &mut [u128]) {{ reset(phv) }} \
             #[inline(always)] fn parser(ex: &mut Exec<'_>) -> bool {{ parser(ex) }} \
             #[inline(always)] fn verify(ex: &mut Exec<'_>) -> Flow {{ verify(ex) }} \
             #[inline(always)] fn ingress(ex: &mut Exec<'_>) -> Flow {{ ingress(ex) }} \
             #[inline(always)] fn egress(ex: &mut Exec<'_>) -> Flow {{ egress(ex) }} \
             #[inline(always)] fn compute(ex: &mut Exec<'_>) -> Flow {{ compute(ex) }} \
             #[inline(always)] fn deparser(ex: &mut Exec<'_>) -> Flow {{ deparser(ex) }} \
             #[inline(always)] fn key(ex: &mut Exec<'_>, t: u32, small: &mut [u8; 80]) -> Option<usize> {{ key(ex, t, small) }} }}\n\
             pub static GEN: Generated = Generated {{ name: {name:?}, fingerprint: 0x{:016x}, \
             reset, key, parser, verify, ingress, egress, compute, deparser, \
             staged: Some(Pipeline::process_staged_with::<T>), fallback_counts: ({}, {}, {}) }};",
            fingerprint(p),
            self.fb.s.len(),
            self.fb.e.len(),
            self.fb.args.len()
        );
    }

    /// A statement list as a labelled block expression of type `Flow` (the interpreter's
    /// [`Exec::run`]).
    fn block(&mut self, ss: &[S]) -> String {
        let l = self.fresh();
        let mut code = format!("'{l}: {{ ");
        for s in ss {
            self.stmt(s, &l, &mut code);
        }
        code.push_str("Flow::Next }");
        code
    }

    fn flags(l: &str) -> String {
        FLAGS.replace("{L}", l)
    }

    fn stmt(&mut self, s: &S, l: &str, code: &mut String) {
        match s {
            S::Set(Loc::Slot(d), e) => {
                let v = self.expr(e);
                if simple(e) {
                    let _ = write!(code, "{{ let v = {v}; ex.pk.phv[{d}] = v; }} ");
                } else {
                    let _ = write!(
                        code,
                        "{{ let v = {v}; {} ex.pk.phv[{d}] = v; }} ",
                        Self::flags(l)
                    );
                }
            }
            S::SetSlice(Loc::Slot(d), lo, m, e) => {
                let v = self.expr(e);
                let clear = !(m << lo);
                let _ = write!(
                    code,
                    "{{ let v = ({v}) & {m}u128; let old = ex.pk.phv[{d}]; \
                     ex.pk.phv[{d}] = (old & {clear}u128) | (v << {lo}); }} "
                );
                if !simple(e) {
                    code.push_str(&Self::flags(l));
                }
            }
            S::Copy {
                dst: Loc::Slot(d),
                src: Loc::Slot(s),
                n,
            } => {
                let _ = write!(code, "copy_slots(&mut ex.pk.phv, {s}, {d}, {n}); ");
            }
            S::SetValid(Loc::Slot(s), v, n) => {
                let cond = if *v { "was == 0" } else { "was != 0" };
                let _ = write!(
                    code,
                    "{{ let was = ex.pk.phv[{s}]; if {cond} {{ ex.pk.phv[{s}..{s} + {n}].fill(0); }} \
                     ex.pk.phv[{s}] = {}; }} ",
                    u128::from(*v)
                );
            }
            S::If(c, a, b) => {
                // A table applied in the condition may have run an action that exited: the
                // block ends before either branch (as `Exec::stmt`).
                let check = if simple(c) {
                    String::new()
                } else {
                    Self::flags(l)
                };
                let c = self.expr(c);
                let a = self.block(a);
                let b = self.block(b);
                let _ = write!(
                    code,
                    "{{ let go = ({c}) != 0; {check}let f = if go {{ {a} }} else {{ {b} }}; \
                     if f != Flow::Next {{ break '{l} f; }} }} {}",
                    Self::flags(l)
                );
            }
            S::Block(b) => {
                let b = self.block(b);
                let _ = write!(
                    code,
                    "{{ let f = {b}; if f != Flow::Next {{ break '{l} f; }} }} {}",
                    Self::flags(l)
                );
            }
            S::Switch(e, cases, default) => {
                let check = if simple(e) {
                    String::new()
                } else {
                    Self::flags(l)
                };
                let v = self.expr(e);
                let mut chain = String::new();
                for (labels, body) in cases {
                    let cond = if labels.is_empty() {
                        "false".to_string()
                    } else {
                        labels
                            .iter()
                            .map(|x| format!("v == {x}u128"))
                            .collect::<Vec<_>>()
                            .join(" || ")
                    };
                    let body = self.block(body);
                    let _ = write!(chain, "if {cond} {{ {body} }} else ");
                }
                let d = match default {
                    Some(d) => self.block(d),
                    None => "Flow::Next".to_string(),
                };
                let _ = write!(
                    code,
                    "{{ let v = {v}; {check}let f = {chain}{{ {d} }}; \
                     if f != Flow::Next {{ break '{l} f; }} }} {}",
                    Self::flags(l)
                );
            }
            S::Exit => {
                let _ = write!(code, "ex.pk.exit = true; break '{l} Flow::Exit; ");
            }
            S::Return(None) => {
                let _ = write!(code, "break '{l} Flow::Return; ");
            }
            S::Return(Some((e, slot))) => {
                let v = self.expr(e);
                let _ = write!(
                    code,
                    "{{ let x = {v}; ex.pk.phv[{slot}] = x; break '{l} Flow::Return; }} "
                );
            }
            S::CallFunction { func, args } => {
                self.fb.args.push(args.clone());
                let k = self.fb.args.len() - 1;
                let _ = write!(
                    code,
                    "{{ let p = ex.p; ex.copy_in(&p.gen_fb.args[{k}]); let f = f{func}(ex); \
                     ex.copy_out(&p.gen_fb.args[{k}]); \
                     if f == Flow::Exit {{ break '{l} Flow::Exit; }} }} {}",
                    Self::flags(l)
                );
            }
            S::Apply(t) => {
                let _ = write!(code, "let _ = t{t}(ex); {}", Self::flags(l));
            }
            S::CallAction { action, args } => {
                let a = &self.p.actions[*action as usize];
                let mut z = String::new();
                for &(s, n) in &a.locals {
                    let _ = write!(z, "zero(&mut ex.pk.phv, {s}, {n}); ");
                }
                if args.is_empty() {
                    let _ = write!(
                        code,
                        "{{ {z}let f = a{action}(ex); if f == Flow::Exit {{ break '{l} Flow::Exit; }} }} {}",
                        Self::flags(l)
                    );
                } else {
                    self.fb.args.push(args.clone());
                    let k = self.fb.args.len() - 1;
                    let _ = write!(
                        code,
                        "{{ {z}let p = ex.p; ex.copy_in(&p.gen_fb.args[{k}]); let f = a{action}(ex); \
                         ex.copy_out(&p.gen_fb.args[{k}]); \
                         if f == Flow::Exit {{ break '{l} Flow::Exit; }} }} {}",
                        Self::flags(l)
                    );
                }
            }
            S::Extern(x) => match &**x {
                Ext::Extract {
                    hdr,
                    varbit_bits: None,
                } if hdr.fast.is_some() && hdr.fixed_bits % 8 == 0 => {
                    let k = self.fb_stmt(s.clone());
                    let fast = self.extract(hdr);
                    let _ = write!(
                        code,
                        "if !{fast} {{ let p = ex.p; let f = ex.stmt(&p.gen_fb.s[{k}]); \
                         if f != Flow::Next {{ break '{l} f; }} {} }} ",
                        Self::flags(l)
                    );
                }
                Ext::Emit(items) => {
                    for item in items {
                        let EmitItem::Header(h) = item;
                        if h.fast.is_some() && h.fixed_bits % 8 == 0 {
                            code.push_str(&self.emit(h));
                        } else {
                            let k = self.fb_stmt(S::Extern(Box::new(Ext::Emit(vec![
                                EmitItem::Header(h.clone()),
                            ]))));
                            let _ = write!(
                                code,
                                "{{ let p = ex.p; let _ = ex.stmt(&p.gen_fb.s[{k}]); }} "
                            );
                        }
                    }
                }
                Ext::MarkToDrop {
                    egress_spec,
                    mcast_grp,
                } if matches!(
                    (egress_spec, mcast_grp),
                    (Some(Loc::Slot(_)), Some(Loc::Slot(_)))
                ) =>
                {
                    if let (Some(Loc::Slot(e)), Some(Loc::Slot(m))) = (egress_spec, mcast_grp) {
                        let _ = write!(
                            code,
                            "ex.pk.phv[{e}] = {}; ex.pk.phv[{m}] = 0; ",
                            crate::exec::DROP_PORT
                        );
                    }
                }
                Ext::UpdateChecksum {
                    cond,
                    data,
                    dst: Loc::Slot(d),
                    width,
                    algo,
                    with_payload,
                } if simple(cond) && algo_fixed(*algo) => match self.pack(data) {
                    Some(pack) => {
                        let c = self.expr(cond);
                        let m = crate::bits::mask(*width);
                        let input = Self::checksum_input(*with_payload, *algo);
                        let _ = write!(
                            code,
                            "if ({c}) != 0 {{ {pack} {input} ex.pk.phv[{d}] = h & {m}u128; }} "
                        );
                    }
                    None => self.fallback(s, l, code),
                },
                Ext::VerifyChecksum {
                    cond,
                    data,
                    expected,
                    algo,
                    with_payload,
                } if simple(cond) && simple(expected) && algo_fixed(*algo) => {
                    match self.pack(data) {
                        Some(pack) => {
                            let c = self.expr(cond);
                            let exp = self.expr(expected);
                            let set = match self.p.std_meta.checksum_error {
                                Some(e) => format!("ex.pk.phv[{e}] = 1;"),
                                None => String::new(),
                            };
                            let input = Self::checksum_input(*with_payload, *algo);
                            let _ = write!(
                                code,
                                "if ({c}) != 0 {{ {pack} {input} let exp = {exp}; if h != exp {{ {set} }} }} "
                            );
                        }
                        None => self.fallback(s, l, code),
                    }
                }
                Ext::Verify(c, err) => {
                    let v = self.expr(c);
                    let _ = write!(
                        code,
                        "{{ let v = {v}; if v == 0 {{ ex.pk.parser_error = {err}u128; \
                         break '{l} Flow::Reject; }} }} "
                    );
                    if !simple(c) {
                        code.push_str(&Self::flags(l));
                    }
                }
                Ext::RegisterRead {
                    reg,
                    dst: Loc::Slot(d),
                    index,
                } if simple(index) => {
                    let w = match self.p.instances[*reg as usize].kind {
                        InstanceKind::Register { width, .. } => width,
                        _ => 128,
                    };
                    let var = crate::exec::RegArray::variant(w);
                    let i = self.expr(index);
                    let _ = write!(
                        code,
                        "{{ let i = ({i}) as usize; let v = match ex.st.registers.get({reg}) {{ \
                         Some(RegArray::{var}(r)) => r.get(i).map_or(0, |&x| u128::from(x)), _ => 0 }}; \
                         ex.pk.phv[{d}] = v; }} "
                    );
                }
                Ext::RegisterWrite { reg, index, value } if simple(index) && simple(value) => {
                    let w = match self.p.instances[*reg as usize].kind {
                        InstanceKind::Register { width, .. } => width,
                        _ => 128,
                    };
                    let m = crate::bits::mask(w);
                    let var = crate::exec::RegArray::variant(w);
                    let i = self.expr(index);
                    let v = self.expr(value);
                    let _ = write!(
                        code,
                        "{{ let i = ({i}) as usize; let v = {v}; \
                         if let Some(RegArray::{var}(r)) = ex.st.registers.get_mut({reg}) {{ \
                         if let Some(x) = r.get_mut(i) {{ *x = (v & {m}u128) as _; }} }} }} "
                    );
                }
                Ext::Hash {
                    dst: Loc::Slot(d),
                    dst_width,
                    algo,
                    base,
                    data,
                    max,
                } if simple(base) && simple(max) => match self.pack(data) {
                    Some(pack) => {
                        let b = self.expr(base);
                        let mx = self.expr(max);
                        let m = crate::bits::mask(*dst_width);
                        let _ = write!(
                            code,
                            "{{ {pack} let h = hash(HashAlgo::{algo:?}, &b[..n], &mut ex.st.rng); \
                             let base = {b}; let m = {mx}; \
                             let v = if m == 0 {{ base.wrapping_add(h) }} else {{ base.wrapping_add(h % m) }}; \
                             ex.pk.phv[{d}] = v & {m}u128; }} "
                        );
                    }
                    None => self.fallback(s, l, code),
                },
                Ext::CounterCount { counter, index } if simple(index) => {
                    let i = self.expr(index);
                    let _ = write!(
                        code,
                        "{{ let i = ({i}) as usize; let len = ex.pk.len;                          if let Some(c) = ex.st.counters.get_mut({counter}).and_then(|c| c.get_mut(i))                          {{ c.0 += 1; c.1 += len; }} }} "
                    );
                }
                _ => self.fallback(s, l, code),
            },
            _ => self.fallback(s, l, code),
        }
    }

    /// Code computing `h`, the checksum with `algo` of the packed fields in `b[..n]`,
    /// followed by the payload (the bytes after the parsed headers) when `with_payload`,
    /// gathered in the pipeline's scratch buffer as the interpreter does.
    fn checksum_input(with_payload: bool, algo: HashAlgo) -> String {
        if with_payload {
            format!(
                "let start = ex.pk.cursor.div_ceil(8).min(ex.pk.data.len()); \
                 ex.st.scratch.clear(); ex.st.scratch.extend_from_slice(&b[..n]); \
                 ex.st.scratch.extend_from_slice(&ex.pk.data[start..]); \
                 let h = hash(HashAlgo::{algo:?}, &ex.st.scratch, &mut ex.st.rng);"
            )
        } else {
            format!("let h = hash(HashAlgo::{algo:?}, &b[..n], &mut ex.st.rng);")
        }
    }

    fn fallback(&mut self, s: &S, l: &str, code: &mut String) {
        let k = self.fb_stmt(s.clone());
        let _ = write!(
            code,
            "{{ let p = ex.p; let f = ex.stmt(&p.gen_fb.s[{k}]); \
             if f != Flow::Next {{ break '{l} f; }} }} {}",
            Self::flags(l)
        );
    }

    /// Packing of a field list as [`crate::externs::pack_bits`] does it, into a local byte
    /// array `b` of which the first `n` bytes are the packed fields; `None` when a field is
    /// wide, a varbit or an expression with effects.
    fn pack(&mut self, data: &[DataField]) -> Option<String> {
        if data
            .iter()
            .any(|f| f.multi.is_some() || !simple(&f.e) || f.width > 128)
        {
            return None;
        }
        let vals: Vec<(String, u32)> = data.iter().map(|f| (self.expr(&f.e), f.width)).collect();
        let total: u32 = data.iter().map(|f| f.width).sum();
        let (words, size) = packed_words(&vals, "b");
        Some(format!(
            "let mut b = [0u8; {size}]; let n = {}; {words}",
            total.div_ceil(8)
        ))
    }

    /// An expression of type `u128` (the interpreter's [`Exec::eval`]).
    fn expr(&mut self, e: &E) -> String {
        match e {
            E::Const(v) => format!("{v}u128"),
            E::Load(Loc::Slot(s)) => self.slot_load(*s),
            E::Not(a) => format!("u128::from(({}) == 0)", self.expr(a)),
            E::BitNot(a, m) => format!("(!({}) & {m}u128)", self.expr(a)),
            E::Neg(a, m) => format!("(({}).wrapping_neg() & {m}u128)", self.expr(a)),
            E::Bin(op, a, b, w, signed) => {
                let x = self.expr(a);
                let y = self.expr(b);
                format!(
                    "{{ let x = {x}; let y = {y}; binop(Op::{}, x, y, {w}, {signed}) }}",
                    op_name(*op)
                )
            }
            E::LogAnd(a, b) => format!(
                "u128::from(({}) != 0 && ({}) != 0)",
                self.expr(a),
                self.expr(b)
            ),
            E::LogOr(a, b) => format!(
                "u128::from(({}) != 0 || ({}) != 0)",
                self.expr(a),
                self.expr(b)
            ),
            E::Mux(c, a, b) => format!(
                "(if ({}) != 0 {{ {} }} else {{ {} }})",
                self.expr(c),
                self.expr(a),
                self.expr(b)
            ),
            E::Cast {
                e,
                from_w,
                from_signed,
                to_w,
            } => {
                let v = self.expr(e);
                let m = crate::bits::mask(*to_w);
                if *from_signed {
                    format!("((sext({v}, {from_w}) as u128) & {m}u128)")
                } else {
                    format!("(({v}) & {m}u128)")
                }
            }
            E::Slice(a, lo, m) => format!("((({}) >> {lo}) & {m}u128)", self.expr(a)),
            E::Concat(a, b, bw) => {
                let x = self.expr(a);
                let y = self.expr(b);
                if *bw >= 128 {
                    format!("{{ let _x = {x}; {y} }}")
                } else {
                    format!("{{ let x = {x}; let y = {y}; (x << {bw}) | y }}")
                }
            }
            E::TableHit(t, hit) => format!("u128::from(t{t}(ex).0 == {hit})"),
            E::Call(c) => match &**c {
                Call::Function { func, args } => {
                    let ret = self.p.functions[*func as usize].ret_slot;
                    self.fb.args.push(args.clone());
                    let k = self.fb.args.len() - 1;
                    format!(
                        "{{ let p = ex.p; ex.copy_in(&p.gen_fb.args[{k}]); let _ = f{func}(ex); \
                         ex.copy_out(&p.gen_fb.args[{k}]); ex.pk.phv[{ret}] }}"
                    )
                }
                _ => self.fallback_expr(e),
            },
            E::ActionRun(t) => format!("(t{t}(ex).1 as u128)"),
            _ => self.fallback_expr(e),
        }
    }

    fn fallback_expr(&mut self, e: &E) -> String {
        self.fb.e.push(e.clone());
        let k = self.fb.e.len() - 1;
        format!("{{ let p = ex.p; ex.eval(&p.gen_fb.e[{k}]) }}")
    }

    /// A fast extract (byte-aligned cursor, whole-byte header, enough bytes): an expression
    /// of type `bool` that is false, having done nothing, when those conditions fail.
    ///
    /// The header is read as big-endian 64-bit words (one more than it spans, so that a field
    /// crossing a word boundary, or a wide field, finds its bits in two or three of them), and
    /// each field is shifted out of those registers: a load per word, not per field.
    fn extract(&self, h: &EmitHeader) -> String {
        let Some((valid, fields)) = &h.fast else {
            return "false".into();
        };
        let n = (h.fixed_bits / 8) as usize;
        let k = n.div_ceil(8) + 1;
        let mut code = format!(
            "{{ let c = ex.pk.cursor; let o = c / 8; \
             if c % 8 == 0 && o + {n} <= ex.pk.data.len() {{ \
             let w: [u64; {k}] = be_words(&ex.pk.data, o, {n}); \
             let phv = &mut ex.pk.phv[..{}]; ",
            fields
                .iter()
                .map(|f| f.0)
                .chain([*valid])
                .max()
                .unwrap_or(0)
                + 1
        );
        let mut off = 0u32;
        for &(s, fw) in fields.iter() {
            let (i, sh) = ((off / 64) as usize, off % 64);
            let v = if fw == 0 {
                "0".to_string()
            } else if sh + fw <= 64 {
                format!("((w[{i}] << {sh}) >> {})", 64 - fw)
            } else if fw <= 64 {
                format!(
                    "(((w[{i}] << {sh}) | (w[{}] >> {})) >> {})",
                    i + 1,
                    64 - sh,
                    64 - fw
                )
            } else if fw <= 128 {
                let lo = if sh == 0 {
                    String::new()
                } else {
                    format!(" | (u128::from(w[{}]) >> {})", i + 2, 64 - sh)
                };
                format!(
                    "((((u128::from(w[{i}]) << 64) | u128::from(w[{}])) << {sh}{lo}) >> {})",
                    i + 1,
                    128 - fw
                )
            } else {
                return "false".into();
            };
            if fw <= 64 {
                let _ = write!(code, "set_lo(phv, {s}, {v}); ");
            } else {
                let _ = write!(code, "phv[{s}] = {v}; ");
            }
            off += fw;
        }
        let _ = write!(
            code,
            "phv[{valid}] = 1; ex.pk.cursor = c + {}; true }} else {{ false }} }}",
            h.fixed_bits
        );
        code
    }

    /// The deparser of a program whose parsed headers stay where they are
    /// ([`CompiledProgram::deparse_rewrites`]): in each valid header, the fields of `rewrites`
    /// are written over their own bytes, at the offset the valid headers before it in emit
    /// order add up to; everything else is left as parsed. The pipeline then sends the
    /// packet's bytes.
    fn deparse_in_place(&self, rewrites: &[u32]) -> String {
        let headers: Vec<&EmitHeader> = self
            .p
            .deparser
            .iter()
            .filter_map(|s| match s {
                S::Extern(e) => match &**e {
                    Ext::Emit(items) => Some(items),
                    _ => None,
                },
                _ => None,
            })
            .flat_map(|items| items.iter().map(|EmitItem::Header(h)| h))
            .collect();
        // Headers after the last one with a field to write need no code.
        let last = headers.iter().rposition(|h| {
            h.fast
                .as_ref()
                .is_some_and(|(_, fs)| fs.iter().any(|f| rewrites.contains(&f.0)))
        });
        let mut code = String::from("{ let mut off = 0usize; ");
        for h in headers.iter().take(last.map_or(0, |l| l + 1)) {
            let Some((valid, fields)) = &h.fast else {
                continue;
            };
            let n = (h.fixed_bits / 8) as usize;
            // Fields of fast headers are scalars of at most 128 bits (`write_bits` takes them).
            let mut writes = String::new();
            let mut bit = 0u32;
            for &(s, w) in fields {
                if rewrites.contains(&s) && w > 0 {
                    let load = self.slot_load(s);
                    if bit.is_multiple_of(8) && w.is_multiple_of(8) && w <= 64 {
                        // Whole bytes: a big-endian store of the field's bytes.
                        let (o, k) = (bit / 8, w / 8);
                        let _ = write!(
                            writes,
                            "d[{o}..{}].copy_from_slice(&(({load}) as u64).to_be_bytes()[{}..]); ",
                            o + k,
                            8 - k
                        );
                    } else {
                        let _ = write!(writes, "write_bits(d, {bit}, {w}, {load}); ");
                    }
                }
                bit += w;
            }
            let write = if writes.is_empty() {
                String::new()
            } else {
                format!("if let Some(d) = ex.pk.data.get_mut(off..off + {n}) {{ {writes}}} ")
            };
            let _ = write!(code, "if ex.pk.phv[{valid}] != 0 {{ {write}off += {n}; }} ");
        }
        code.push_str("let _ = off; Flow::Next }");
        code
    }

    /// The load of slot `s` as a `u128` (8 bytes read for a narrow slot).
    fn slot_load(&self, s: u32) -> String {
        if self.narrow.contains(&s) {
            format!("u128::from(ex.pk.phv[{s}] as u64)")
        } else {
            format!("ex.pk.phv[{s}]")
        }
    }

    /// The load of each field of a header, with its width.
    fn header_values(&self, fields: &[(u32, u32)]) -> Vec<(String, u32)> {
        fields
            .iter()
            .map(|&(s, w)| (self.slot_load(s), w))
            .collect()
    }

    /// Emitting a whole-byte header whose fields are static scalars.
    fn emit(&self, h: &EmitHeader) -> String {
        let Some((valid, fields)) = &h.fast else {
            return String::new();
        };
        let n = (h.fixed_bits / 8) as usize;
        let (words, size) = packed_words(&self.header_values(fields), "h");
        format!(
            "if ex.pk.phv[{valid}] != 0 {{ let mut h = [0u8; {size}]; {words}\
             ex.pk.out.extend_from_slice(&h[..{n}]); }} "
        )
    }

    fn table(&mut self, i: usize, t: &CTable) {
        let p = self.p;
        if !t.key_on_stack {
            let _ = writeln!(
                self.out,
                "/// table {}\nfn t{i}(ex: &mut Exec<'_>) -> (bool, u32) {{ ex.apply_table({i}) }}\n",
                t.name
            );
            return;
        }
        let (key, off) = self.key(t);
        let mut code = format!("let mut small = [0u8; {}]; {key}", off.div_ceil(8) * 8);
        if off > 0
            && t.keys
                .iter()
                .all(|k| k.kind == exo_tables::MatchKind::Exact)
        {
            // The hash of the key just built, from registers, and the key as an array (see
            // `Table::lookup_hashed_n`).
            let _ = write!(
                code,
                "let Some(kb) = small.first_chunk::<{off}>() else {{ return (false, u32::MAX) }}; \
                 let h = hash_bytes(kb); \
                 let found = ex.st.tables[{i}].table.lookup_hashed_n(kb, h); "
            );
        } else {
            let _ = write!(
                code,
                "let found = ex.st.tables[{i}].table.lookup(&small[..{off}]); "
            );
        }
        let with_direct = t.direct_counter.is_some() || t.direct_meter.is_some();
        if with_direct {
            let _ = write!(
                code,
                "let Some((hit, action, data)) = ex.table_found({i}, found) else {{ return (false, u32::MAX); }}; "
            );
        } else {
            // `Exec::table_found` without the direct counter and meter.
            let timeout = if t.support_timeout {
                "rt.table.record_hit(h, ex.pk.now);"
            } else {
                ""
            };
            // The entry's action and data read at once; `data` stays for the interpreter's
            // fallback.
            let _ = write!(
                code,
                "let (hit, action, data, bytes): (bool, u32, DataRef, &[u8]) = match found {{ \
                 Some(h) => {{ let rt = &mut ex.st.tables[{i}]; rt.hits += 1; {timeout} \
                 let (a, d) = rt.table.entry(h); (true, a, DataRef::Entry(h), d) }} \
                 None => {{ let rt = &mut ex.st.tables[{i}]; rt.misses += 1; match &rt.default {{ \
                 Some((a, d)) => (false, *a, DataRef::Default, d.as_slice()), None => return (false, u32::MAX) }} }} }}; \
                 ex.last_direct_colour = GREEN; "
            );
        }
        code.push_str("match action { ");
        let mut seen = Vec::new();
        for &a in t
            .actions
            .iter()
            .chain(t.default_action.as_ref().map(|(a, _)| a))
        {
            if seen.contains(&a) {
                continue;
            }
            seen.push(a);
            let Some(ca) = p.actions.get(a as usize) else {
                continue;
            };
            let _ = write!(code, "{a} => {{ ");
            if !ca.data_params.is_empty() {
                if with_direct {
                    let _ = write!(code, "let bytes = action_data(ex.st, {i}, data); ");
                }
                let mut o = 0usize;
                for &(slot, w) in &ca.data_params {
                    let _ = write!(code, "ex.pk.phv[{slot}] = data_field(bytes, {o}, {w}); ");
                    o += w.div_ceil(8) as usize;
                }
            }
            for &(s, n) in &ca.locals {
                let _ = write!(code, "zero(&mut ex.pk.phv, {s}, {n}); ");
            }
            let bound = t.bound.iter().any(|(x, _)| *x == a);
            if bound {
                let _ = write!(code, "ex.bound_args({i}, {a}, true); ");
            }
            let _ = write!(code, "let _ = a{a}(ex); ");
            if bound {
                let _ = write!(code, "ex.bound_args({i}, {a}, false); ");
            }
            code.push_str("} ");
        }
        let _ = write!(
            code,
            "_ => ex.run_action_from_table({i}, action, data), }} (hit, action)"
        );
        let _ = writeln!(
            self.out,
            "/// table {}\nfn t{i}(ex: &mut Exec<'_>) -> (bool, u32) {{ {code} }}\n",
            t.name
        );
    }

    /// Code writing table `t`'s key into `small` (one 16-byte store per field, left-aligned,
    /// as [`Exec::build_key`]), and the key's length.
    fn key(&mut self, t: &CTable) -> (String, usize) {
        // Each field in its whole bytes, big-endian, fields back to back: a packing of the
        // values at widths rounded up to bytes, assembled a word at a time so that hashing
        // the key reads back whole stored words (field-wide stores at unaligned offsets,
        // read back as words, stall on store forwarding).
        let mut code = String::new();
        let mut vals = Vec::new();
        for k in &t.keys {
            let v = self.expr(&k.e);
            let n = k.width.div_ceil(8);
            if n == 0 {
                let _ = write!(code, "let _ = {v}; ");
            } else {
                vals.push((v, 8 * n));
            }
        }
        let off: u32 = vals.iter().map(|(_, w)| w / 8).sum();
        let (words, _) = packed_words(&vals, "small");
        code.push_str(&words);
        (code, off as usize)
    }

    fn parser(&mut self) {
        let p = self.p;
        let cp = &p.parser;
        let init = self.block(&cp.init);
        let mut arms = String::new();
        for (i, st) in cp.states.iter().enumerate() {
            let body = self.block(&st.body);
            let next = |n: &Next| match n {
                Next::Accept => "return true".to_string(),
                Next::Reject => "return false".to_string(),
                Next::State(s) => format!("{s}"),
            };
            let trans = match &st.transition {
                CTransition::Goto(n) => next(n),
                CTransition::Select { keys, cases } => {
                    let mut t = String::from("{ ");
                    for (j, (e, _)) in keys.iter().enumerate() {
                        let v = self.expr(e);
                        let _ = write!(t, "let k{j}: u128 = {v}; ");
                    }
                    t.push_str("if ex.pk.reject { return false; } ");
                    for (set, n) in cases {
                        let conds: Vec<String> = set
                            .iter()
                            .zip(0..keys.len())
                            .map(|(k, j)| match k {
                                Keyset::Any => "true".to_string(),
                                Keyset::Value(x) => format!("k{j} == {x}u128"),
                                Keyset::Mask(x, m) => format!("k{j} & {m}u128 == {x}u128"),
                                Keyset::Range(lo, hi) => {
                                    format!("(k{j} >= {lo}u128 && k{j} <= {hi}u128)")
                                }
                                Keyset::ValueSet(v) => format!(
                                    "keyset_matches(&Keyset::ValueSet({v}), k{j}, &ex.st.value_sets)"
                                ),
                            })
                            .collect();
                        let cond = if conds.is_empty() {
                            "true".to_string()
                        } else {
                            conds.join(" && ")
                        };
                        let _ = write!(t, "if {cond} {{ {} }} else ", next(n));
                    }
                    t.push_str(
                        "{ ex.pk.parser_error = ex.p.error_code(\"NoMatch\"); return false; } }",
                    );
                    t
                }
            };
            let _ = write!(
                arms,
                "{i} => {{ match ({body}) {{ Flow::Reject => return false, \
                 Flow::Exit | Flow::Return => return true, _ => {{}} }} {trans} }} "
            );
        }
        let _ = writeln!(
            self.out,
            "fn parser_inner(ex: &mut Exec<'_>) -> bool {{ let _ = {init}; \
             let mut state: u32 = {}; let mut steps = 0u32; \
             loop {{ steps += 1; if steps > MAX_PARSER_STEPS {{ \
             ex.pk.parser_error = ex.p.error_code(ERR_PARSER_TIMEOUT); return false; }} \
             state = match state {{ {arms} _ => return false, }}; }} }}\n\
             fn parser(ex: &mut Exec<'_>) -> bool {{ ex.pk.reject = false; \
             ex.pk.loop_budget = MAX_LOOP_ITERATIONS; ex.pk.runaway = false; \
             let mut ok = parser_inner(ex); ex.pk.reject = false; \
             if ex.pk.runaway {{ ex.pk.runaway = false; ex.pk.exit = false; \
             ex.pk.parser_error = ex.p.error_code(ERR_PARSER_TIMEOUT); ok = false; }} ok }}\n",
            cp.start
        );
    }
}
