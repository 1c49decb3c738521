//! Lowers the IR of a v1model program to a [`CompiledProgram`]: storage is laid out in the PHV,
//! every variable and field becomes a slot, every extern call a specialised operation.

use crate::bits::mask;
use crate::layout::{scalar_slots, Layout};
use crate::program::*;
use exo_p4::ir::{self, CallTarget, ExprKind as K, Ty};
use num_bigint::BigInt;
#[allow(unused_imports)]
use num_bigint::ToBigUint;
use num_traits::{Signed, ToPrimitive};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("unsupported program: {0}")]
    Unsupported(String),
    #[error(
        "the program has no V1Switch package instance (only v1model programs run on the engine)"
    )]
    NoPackage,
    #[error("internal inconsistency in the IR: {0}")]
    Ir(String),
}

type R<T> = Result<T, CompileError>;

fn unsupported<T>(msg: impl Into<String>) -> R<T> {
    Err(CompileError::Unsupported(msg.into()))
}

/// The mask of slice `[hi:lo]` of a value of at most `limit` bits (the checker's output always
/// has `lo <= hi < limit`; a hand-edited IR file may not).
fn slice_mask(hi: u32, lo: u32, limit: u32) -> R<u128> {
    if lo > hi || hi >= limit {
        return Err(CompileError::Ir(format!(
            "slice [{hi}:{lo}] of a value of at most {limit} bits"
        )));
    }
    Ok(mask(hi - lo + 1))
}

/// Converts an IR constant to the raw bits of a value of width `w`.
pub fn const_bits(v: &BigInt, w: u32) -> u128 {
    let m = mask(w.min(128));
    if v.is_negative() {
        let abs = (-v).to_u128().unwrap_or(u128::MAX);
        (abs.wrapping_neg()) & m
    } else {
        // Truncate to 128 bits, then to the width.
        let low = v
            .iter_u64_digits()
            .take(2)
            .enumerate()
            .fold(0u128, |a, (i, d)| a | (u128::from(d) << (64 * i)));
        low & m
    }
}

/// Bit width of a scalar type (bool = 1, enum = 32, error = 16 as in BMv2's error codes).
pub fn scalar_width(l: &Layout, ty: &Ty) -> u32 {
    match ty {
        Ty::Bool => 1,
        Ty::Bits { width, .. } => *width,
        Ty::Varbit { max } => *max,
        Ty::Int => 128,
        Ty::Error => 16,
        Ty::Named { .. } => match l.kind(ty) {
            Some(ir::TypeKind::SerEnum { width, .. }) => *width,
            _ => 32,
        },
        _ => 32,
    }
}

fn is_signed(l: &Layout, ty: &Ty) -> bool {
    match ty {
        Ty::Bits { signed, .. } => *signed,
        Ty::Int => true,
        Ty::Named { .. } => matches!(l.kind(ty), Some(ir::TypeKind::SerEnum { signed: true, .. })),
        _ => false,
    }
}

fn is_scalar(l: &Layout, ty: &Ty) -> bool {
    match ty {
        Ty::Bool | Ty::Bits { .. } | Ty::Int | Ty::Error | Ty::MatchKind | Ty::String => true,
        Ty::Named { .. } => matches!(
            l.kind(ty),
            Some(ir::TypeKind::Enum { .. } | ir::TypeKind::SerEnum { .. })
        ),
        Ty::TableResult { .. } | Ty::ActionEnum { .. } => true,
        _ => false,
    }
}

struct Compiler<'p> {
    l: Layout<'p>,
    next: u32,
    zero: Vec<(u32, u32)>,
    meta_zero: Vec<(u32, u32)>,
    headers: Vec<(u32, u32)>,
    /// Storage of the architecture's shared values (hdr, meta, standard_metadata) by type id.
    roots: HashMap<u32, u32>,
    scopes: Vec<HashMap<String, (u32, Ty)>>,
    tables: Vec<CTable>,
    actions: Vec<CAction>,
    functions: Vec<CFunction>,
    func_index: HashMap<String, u32>,
    blocks: Vec<CBlockApply>,
    block_index: HashMap<String, u32>,
    instances: Vec<CInstance>,
    value_sets: Vec<(String, u32)>,
    field_lists: Vec<(u32, Vec<(u32, u32)>)>,
    meta_base: Option<(u32, u32)>,
    /// Per control: names of its params/locals with storage, for actions compiled later.
    control_scopes: HashMap<String, HashMap<String, (u32, Ty)>>,
}

/// Compiles a checked program for the engine.
pub fn compile(prog: &ir::Program) -> R<CompiledProgram> {
    let pkg = prog.package.as_ref().ok_or(CompileError::NoPackage)?;
    if pkg.package_type != "V1Switch" || pkg.slots.len() != 6 {
        return unsupported(format!(
            "package {} (the engine runs V1Switch programs)",
            pkg.package_type
        ));
    }
    let mut c = Compiler {
        l: Layout::new(prog),
        next: 0,
        zero: Vec::new(),
        meta_zero: Vec::new(),
        headers: Vec::new(),
        roots: HashMap::new(),
        scopes: Vec::new(),
        tables: Vec::new(),
        actions: Vec::new(),
        functions: Vec::new(),
        func_index: HashMap::new(),
        blocks: Vec::new(),
        block_index: HashMap::new(),
        instances: Vec::new(),
        value_sets: Vec::new(),
        field_lists: Vec::new(),
        meta_base: None,
        control_scopes: HashMap::new(),
    };
    c.instances(prog)?;
    for vs in &prog.value_sets {
        c.value_sets.push((vs.name.clone(), vs.size));
    }
    let slot_blocks: Vec<&str> = pkg.slots.iter().map(|(_, b)| b.as_str()).collect();

    // Storage for every control and parser: package-slot blocks share the architecture's values.
    for p in &prog.parsers {
        let shared = slot_blocks.contains(&p.name.as_str());
        let scope = c.block_storage(&p.params, &p.ctor_params, &p.locals, shared)?;
        c.control_scopes.insert(p.name.clone(), scope);
    }
    for ctl in &prog.controls {
        let shared = slot_blocks.contains(&ctl.name.as_str());
        let scope = c.block_storage(&ctl.params, &ctl.ctor_params, &ctl.locals, shared)?;
        c.control_scopes.insert(ctl.name.clone(), scope);
    }
    // Functions (storage and bodies), then actions and tables.
    for f in &prog.functions {
        c.function(f)?;
    }
    for a in &prog.actions {
        c.action_storage(a)?;
    }
    for (i, a) in prog.actions.iter().enumerate() {
        c.action_body(i, a)?;
    }
    for t in &prog.tables {
        c.table(t)?;
    }
    // Sub-blocks that are applied from other blocks.
    for ctl in &prog.controls {
        if !slot_blocks.contains(&ctl.name.as_str()) {
            let scope = c.control_scopes.get(&ctl.name).cloned().unwrap_or_default();
            c.scopes = vec![scope];
            let body = c.stmts(&ctl.body)?;
            let params = ctl
                .params
                .iter()
                .map(|p| {
                    let (s, t) = c.scopes[0].get(&p.name).cloned().unwrap_or((0, Ty::Void));
                    (s, c.l.slots(&t))
                })
                .collect();
            c.block_index
                .insert(ctl.name.clone(), c.blocks.len() as u32);
            c.blocks.push(CBlockApply {
                name: ctl.name.clone(),
                params,
                body,
                is_parser: None,
            });
        }
    }
    for p in &prog.parsers {
        if !slot_blocks.contains(&p.name.as_str()) {
            let parser = c.parser(p)?;
            let params = p
                .params
                .iter()
                .map(|pp| {
                    let (s, t) = c
                        .control_scopes
                        .get(&p.name)
                        .and_then(|sc| sc.get(&pp.name).cloned())
                        .unwrap_or((0, Ty::Void));
                    (s, c.l.slots(&t))
                })
                .collect();
            c.block_index.insert(p.name.clone(), c.blocks.len() as u32);
            c.blocks.push(CBlockApply {
                name: p.name.clone(),
                params,
                body: Vec::new(),
                is_parser: Some(Box::new(parser)),
            });
        }
    }
    let find_parser = |n: &str| prog.parsers.iter().find(|p| p.name == n);
    let find_control = |n: &str| prog.controls.iter().find(|p| p.name == n);
    let parser_ir = find_parser(slot_blocks[0])
        .ok_or_else(|| CompileError::Ir(format!("parser {} missing", slot_blocks[0])))?;
    let parser = c.parser(parser_ir)?;
    let mut bodies = Vec::new();
    for name in &slot_blocks[1..] {
        let ctl = find_control(name)
            .ok_or_else(|| CompileError::Ir(format!("control {name} missing")))?;
        let scope = c.control_scopes.get(&ctl.name).cloned().unwrap_or_default();
        c.scopes = vec![scope];
        bodies.push(c.stmts(&ctl.body)?);
    }
    let mut bodies = bodies.into_iter();
    let verify = bodies.next().unwrap_or_default();
    let ingress = bodies.next().unwrap_or_default();
    let egress = bodies.next().unwrap_or_default();
    let compute = bodies.next().unwrap_or_default();
    let deparser = bodies.next().unwrap_or_default();

    // standard_metadata slots.
    let mut sm = StdMeta::default();
    if let Some((id, _)) = prog.type_by_name("standard_metadata_t") {
        if let Some(&base) = c.roots.get(&id) {
            let ty = Ty::Named { id };
            let f = |n: &str| c.l.field(&ty, n).map(|(o, _)| base + o);
            sm = StdMeta {
                ingress_port: f("ingress_port"),
                egress_spec: f("egress_spec"),
                egress_port: f("egress_port"),
                instance_type: f("instance_type"),
                packet_length: f("packet_length"),
                mcast_grp: f("mcast_grp"),
                egress_rid: f("egress_rid"),
                checksum_error: f("checksum_error"),
                parser_error: f("parser_error"),
                ingress_global_timestamp: f("ingress_global_timestamp"),
                egress_global_timestamp: f("egress_global_timestamp"),
                enq_timestamp: f("enq_timestamp"),
                deq_timedelta: f("deq_timedelta"),
                priority: f("priority"),
            };
        }
    }
    // User metadata (the ingress control's second parameter) for field-list preservation.
    if let Some(ctl) = find_control(slot_blocks[2]) {
        if let Some(p) = ctl.params.get(1) {
            if let Ty::Named { id } = p.ty {
                if let Some(&base) = c.roots.get(&id) {
                    c.meta_base = Some((base, c.l.slots(&p.ty)));
                    for (off, f) in c.l.fields(&p.ty) {
                        for a in f.annotations.iter().filter(|a| a.name == "field_list") {
                            for v in a.strings() {
                                let idx = v.trim().parse::<u32>().unwrap_or(u32::MAX);
                                let slots = c.l.slots(&f.ty);
                                match c.field_lists.iter_mut().find(|(i, _)| *i == idx) {
                                    Some((_, list)) => list.push((base + off, slots)),
                                    None => c.field_lists.push((idx, vec![(base + off, slots)])),
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let merged = merge_ranges(std::mem::take(&mut c.zero));
    let meta_zero = merge_ranges(std::mem::take(&mut c.meta_zero));
    let mut cp = CompiledProgram {
        ir: prog.clone(),
        phv_slots: c.next,
        zero: merged,
        meta_zero,
        headers: c.headers,
        parser,
        verify,
        ingress,
        egress,
        compute,
        deparser,
        actions: c.actions,
        tables: c.tables,
        functions: c.functions,
        blocks: c.blocks,
        instances: c.instances,
        value_sets: c.value_sets,
        std_meta: sm,
        field_lists: c.field_lists,
        meta_base: c.meta_base,
        error_codes: prog.errors.clone(),
        gen: None,
        gen_fb: Default::default(),
        deparse_rewrites: None,
    };
    cp.deparse_rewrites = crate::deparse::in_place(&cp);
    Ok(cp)
}

/// Checks and compiles P4 source (tests of the analyses over compiled programs).
#[cfg(test)]
pub(crate) fn compile_source(src: &str) -> CompiledProgram {
    let c = exo_p4::compile_str("t.p4", src, &exo_p4::CompileOptions::default());
    let ir = c.ir.expect("program checks");
    compile(&ir).expect("program compiles")
}

impl<'p> Compiler<'p> {
    // ---- storage ----

    /// Allocates storage for a value of `ty` and records what must be zeroed per packet.
    fn alloc(&mut self, ty: &Ty) -> u32 {
        let base = self.next;
        let n = self.l.slots(ty);
        self.next += n;
        self.mark_zero(base, ty);
        base
    }

    fn mark_zero(&mut self, base: u32, ty: &Ty) {
        match self.l.kind(ty) {
            Some(ir::TypeKind::Header { .. }) => {
                self.zero.push((base, 1));
                self.headers.push((base, self.l.slots(ty)));
            }
            Some(ir::TypeKind::HeaderUnion { .. }) | Some(ir::TypeKind::Struct { .. }) => {
                for (off, f) in self.l.fields(ty) {
                    self.mark_zero(base + off, &f.ty);
                }
            }
            _ => match ty {
                Ty::Stack { elem, size } => {
                    self.zero.push((base, 1));
                    let stride = self.l.slots(&Ty::Named { id: *elem });
                    // Each element as a value of its own type: the validity of a header, or
                    // of every member of a header union.
                    for i in 0..*size {
                        self.mark_zero(base + 1 + i * stride, &Ty::Named { id: *elem });
                    }
                }
                _ => {
                    let n = self.l.slots(ty);
                    if n > 0 {
                        self.zero.push((base, n));
                        self.meta_zero.push((base, n));
                    }
                }
            },
        }
    }

    fn block_storage(
        &mut self,
        params: &[ir::Param],
        ctor_params: &[ir::Param],
        locals: &[ir::Local],
        shared: bool,
    ) -> R<HashMap<String, (u32, Ty)>> {
        let mut scope = HashMap::new();
        // Constructor parameters: set per instance when it is applied, never zeroed.
        for p in ctor_params {
            let s = self.next;
            self.next += self.l.slots(&p.ty);
            scope.insert(p.name.clone(), (s, p.ty.clone()));
        }
        for p in params {
            if matches!(p.ty, Ty::Extern { .. }) {
                scope.insert(p.name.clone(), (u32::MAX, p.ty.clone()));
                continue;
            }
            let slot = match (&p.ty, shared) {
                (Ty::Named { id }, true) => match self.roots.get(id) {
                    Some(&s) => s,
                    None => {
                        let s = self.alloc(&p.ty);
                        self.roots.insert(*id, s);
                        s
                    }
                },
                _ => self.alloc(&p.ty),
            };
            scope.insert(p.name.clone(), (slot, p.ty.clone()));
        }
        for l in locals {
            let s = self.alloc(&l.ty);
            scope.insert(l.name.clone(), (s, l.ty.clone()));
        }
        Ok(scope)
    }

    fn instances(&mut self, prog: &ir::Program) -> R<()> {
        for inst in &prog.instances {
            let int_arg = |i: usize| -> Option<u32> {
                match inst.args.get(i) {
                    Some(ir::CtorArg::Int { value, .. }) => value.to_u32(),
                    _ => None,
                }
            };
            let enum_arg = |i: usize| -> Option<String> {
                inst.args
                    .iter()
                    .filter_map(|a| match a {
                        ir::CtorArg::Enum { member, .. } => Some(member.clone()),
                        _ => None,
                    })
                    .nth(i)
            };
            let ckind = |m: Option<String>| match m.as_deref() {
                Some("bytes") => CounterKind::Bytes,
                Some("packets_and_bytes") => CounterKind::Both,
                _ => CounterKind::Packets,
            };
            let kind = match inst.extern_type.as_str() {
                "register" => {
                    let width = match inst.type_args.first() {
                        Some(t) => scalar_width(&self.l, t),
                        None => 32,
                    };
                    if width > 128 {
                        return unsupported(format!("register {} wider than 128 bits", inst.name));
                    }
                    InstanceKind::Register {
                        size: int_arg(0).unwrap_or(0),
                        width,
                    }
                }
                "counter" => InstanceKind::Counter {
                    size: int_arg(0).unwrap_or(0),
                    kind: ckind(enum_arg(0)),
                },
                "direct_counter" => InstanceKind::DirectCounter {
                    kind: ckind(enum_arg(0)),
                },
                "meter" => InstanceKind::Meter {
                    size: int_arg(0).unwrap_or(0),
                    bytes: enum_arg(0).as_deref() == Some("bytes"),
                },
                "direct_meter" => InstanceKind::DirectMeter {
                    bytes: enum_arg(0).as_deref() == Some("bytes"),
                },
                _ => InstanceKind::Other,
            };
            self.instances.push(CInstance {
                name: inst.name.clone(),
                id: inst.id,
                kind,
            });
        }
        Ok(())
    }

    fn instance(&self, name: &str) -> R<u32> {
        self.instances
            .iter()
            .position(|i| i.name == name)
            .map(|i| i as u32)
            .ok_or_else(|| CompileError::Ir(format!("unknown extern instance {name}")))
    }

    fn function(&mut self, f: &ir::Function) -> R<()> {
        let mut scope = HashMap::new();
        let mut params = Vec::new();
        for p in &f.params {
            let s = self.alloc(&p.ty);
            params.push((s, self.l.slots(&p.ty)));
            scope.insert(p.name.clone(), (s, p.ty.clone()));
        }
        for l in &f.locals {
            let s = self.alloc(&l.ty);
            scope.insert(l.name.clone(), (s, l.ty.clone()));
        }
        let ret_slot = self.alloc(&f.ret);
        let idx = self.functions.len() as u32;
        self.func_index.insert(f.name.clone(), idx);
        self.functions.push(CFunction {
            name: f.name.clone(),
            params,
            ret_slot,
            body: Vec::new(),
        });
        self.scopes = vec![scope];
        let body = self.stmts(&f.body)?;
        self.functions[idx as usize].body = body;
        Ok(())
    }

    fn action_storage(&mut self, a: &ir::Action) -> R<()> {
        let mut params = Vec::new();
        let mut data_params = Vec::new();
        for p in &a.params {
            let s = self.alloc(&p.ty);
            params.push((s, self.l.slots(&p.ty)));
            if p.direction == ir::Direction::None {
                data_params.push((s, scalar_width(&self.l, &p.ty)));
            }
        }
        let mut locals = Vec::new();
        for l in &a.locals {
            let s = self.alloc(&l.ty);
            locals.push((s, self.l.slots(&l.ty)));
        }
        self.actions.push(CAction {
            name: a.name.clone(),
            id: a.id,
            data_params,
            params,
            body: Vec::new(),
            locals,
        });
        Ok(())
    }

    fn action_body(&mut self, i: usize, a: &ir::Action) -> R<()> {
        let mut scope = self
            .control_scopes
            .get(&a.control)
            .cloned()
            .unwrap_or_default();
        let act = &self.actions[i];
        for (p, (s, _)) in a.params.iter().zip(act.params.clone()) {
            scope.insert(p.name.clone(), (s, p.ty.clone()));
        }
        for (k, l) in a.locals.iter().enumerate() {
            if let Some(&(s, _)) = self.actions[i].locals.get(k) {
                scope.insert(l.name.clone(), (s, l.ty.clone()));
            }
        }
        self.scopes = vec![scope];
        let body = self.stmts(&a.body)?;
        self.actions[i].body = body;
        Ok(())
    }

    fn action_idx(&self, name: &str) -> R<u32> {
        self.actions
            .iter()
            .position(|a| a.name == name)
            .map(|i| i as u32)
            .ok_or_else(|| CompileError::Ir(format!("unknown action {name}")))
    }

    /// Encodes action data for a call with constant arguments.
    fn encode_action_data(&self, action: u32, args: &[ir::Expr]) -> R<Vec<u8>> {
        let a = &self.actions[action as usize];
        let mut out = Vec::new();
        // Arguments may be given for all parameters or only for the data parameters.
        let data_args: Vec<&ir::Expr> =
            if args.len() == a.params.len() && args.len() != a.data_params.len() {
                let ir_a = &self.l.prog.actions[action as usize];
                ir_a.params
                    .iter()
                    .zip(args)
                    .filter(|(p, _)| p.direction == ir::Direction::None)
                    .map(|(_, e)| e)
                    .collect()
            } else {
                args.iter().collect()
            };
        for ((_, w), e) in a.data_params.iter().zip(data_args) {
            let v = match &e.kind {
                K::Const { value } => const_bits(value, *w),
                K::Bool { value } => u128::from(*value),
                K::EnumMember { name } => self.enum_value(&e.ty, name),
                _ => return unsupported(format!("non-constant action data for {}", a.name)),
            };
            push_be(&mut out, v, *w);
        }
        Ok(out)
    }

    fn enum_value(&self, ty: &Ty, member: &str) -> u128 {
        match self.l.kind(ty) {
            Some(ir::TypeKind::SerEnum { members, width, .. }) => members
                .iter()
                .find(|m| m.name == member)
                .map_or(0, |m| const_bits(&m.value, *width)),
            Some(ir::TypeKind::Enum { members }) => {
                members.iter().position(|m| m == member).unwrap_or(0) as u128
            }
            _ => 0,
        }
    }

    fn table(&mut self, t: &ir::Table) -> R<()> {
        let scope = self
            .control_scopes
            .get(&t.control)
            .cloned()
            .unwrap_or_default();
        self.scopes = vec![scope];
        let mut keys = Vec::new();
        for k in &t.keys {
            let kind = match k.match_kind.as_str() {
                "exact" => exo_tables::MatchKind::Exact,
                "lpm" => exo_tables::MatchKind::Lpm,
                "ternary" => exo_tables::MatchKind::Ternary,
                "range" => exo_tables::MatchKind::Range,
                "optional" => exo_tables::MatchKind::Optional,
                // Selector keys feed the action selector's hash; they do not match.
                "selector" => continue,
                other => return unsupported(format!("match kind {other} in table {}", t.name)),
            };
            let width = scalar_width(&self.l, &k.expr.ty);
            if width > 128 {
                return unsupported(format!(
                    "key {} of table {} is wider than 128 bits",
                    k.name, t.name
                ));
            }
            keys.push(CKey {
                e: self.expr(&k.expr)?,
                width,
                kind,
                name: k.name.clone(),
            });
        }
        let mut actions = Vec::new();
        let mut bound = Vec::new();
        for a in &t.actions {
            let idx = self.action_idx(&a.action)?;
            actions.push(idx);
            if !a.args.is_empty() {
                // The directional parameters, with their slots, in order.
                let (params, slots): (Vec<ir::Param>, Vec<(u32, u32)>) = self.l.prog.actions
                    [idx as usize]
                    .params
                    .iter()
                    .zip(&self.actions[idx as usize].params)
                    .filter(|(p, _)| p.direction != ir::Direction::None)
                    .map(|(p, s)| (p.clone(), *s))
                    .unzip();
                bound.push((idx, self.args_for(&slots, &params, &a.args)?));
            }
        }
        let default_action = match &t.default_action {
            Some(call) => {
                let idx = self.action_idx(&call.action)?;
                Some((idx, self.encode_action_data(idx, &call.args)?))
            }
            None => None,
        };
        let mut const_entries = Vec::new();
        let n = t.entries.len() as i32;
        for (i, en) in t.entries.iter().enumerate() {
            let idx = self.action_idx(&en.action.action)?;
            let data = self.encode_action_data(idx, &en.action.args)?;
            let mut matches = Vec::new();
            for (m, k) in en.keys.iter().zip(&keys) {
                let bytes = k.width.div_ceil(8) as usize;
                let enc = |v: &BigInt| be_bytes(const_bits(v, k.width), bytes);
                matches.push(match m {
                    ir::KeyMatch::Exact { value } => match k.kind {
                        exo_tables::MatchKind::Optional => {
                            exo_tables::FieldMatch::Exact(enc(value))
                        }
                        exo_tables::MatchKind::Ternary => exo_tables::FieldMatch::Ternary {
                            value: enc(value),
                            mask: be_bytes(mask(k.width), bytes),
                        },
                        exo_tables::MatchKind::Lpm => exo_tables::FieldMatch::Lpm {
                            value: enc(value),
                            prefix_len: k.width,
                        },
                        exo_tables::MatchKind::Range => exo_tables::FieldMatch::Range {
                            lo: enc(value),
                            hi: enc(value),
                        },
                        exo_tables::MatchKind::Exact => exo_tables::FieldMatch::Exact(enc(value)),
                    },
                    ir::KeyMatch::Lpm { value, prefix_len } => {
                        let m = if *prefix_len == 0 {
                            0
                        } else {
                            mask(*prefix_len) << (k.width - prefix_len)
                        };
                        exo_tables::FieldMatch::Lpm {
                            value: be_bytes(const_bits(value, k.width) & m, bytes),
                            prefix_len: *prefix_len,
                        }
                    }
                    ir::KeyMatch::Ternary { value, mask: mk } => {
                        let mm = const_bits(mk, k.width);
                        exo_tables::FieldMatch::Ternary {
                            value: be_bytes(const_bits(value, k.width) & mm, bytes),
                            mask: be_bytes(mm, bytes),
                        }
                    }
                    ir::KeyMatch::Range { lo, hi } => exo_tables::FieldMatch::Range {
                        lo: enc(lo),
                        hi: enc(hi),
                    },
                    ir::KeyMatch::DontCare => match k.kind {
                        exo_tables::MatchKind::Ternary => exo_tables::FieldMatch::Ternary {
                            value: vec![0; bytes],
                            mask: vec![0; bytes],
                        },
                        exo_tables::MatchKind::Lpm => exo_tables::FieldMatch::Lpm {
                            value: vec![0; bytes],
                            prefix_len: 0,
                        },
                        exo_tables::MatchKind::Range => exo_tables::FieldMatch::Range {
                            lo: vec![0; bytes],
                            hi: be_bytes(mask(k.width), bytes),
                        },
                        _ => exo_tables::FieldMatch::Any,
                    },
                });
            }
            // Earlier entries win: without explicit priorities give decreasing ones.
            let priority = en
                .priority
                .map_or(n - i as i32, |p| p.min(i32::MAX as u64) as i32);
            const_entries.push(exo_tables::EntrySpec {
                matches,
                priority,
                action: idx,
                data,
            });
        }
        let counter = match &t.direct_counter {
            Some(n) => Some(self.instance(n)?),
            None => None,
        };
        let meter = match &t.direct_meter {
            Some(n) => Some(self.instance(n)?),
            None => None,
        };
        let key_on_stack = keys.iter().all(|k| k.width <= 128)
            && keys.iter().map(|k| k.width.div_ceil(8)).sum::<u32>() <= 64;
        self.tables.push(CTable {
            name: t.name.clone(),
            id: t.id,
            key_on_stack,
            keys,
            actions,
            bound,
            default_action,
            default_const: t.default_action_const,
            size: t.size.unwrap_or(1024).max(t.entries.len() as u64) as usize,
            support_timeout: t.support_timeout,
            direct_counter: counter,
            direct_meter: meter,
            const_entries,
            needs_priority: t.needs_priority(),
        });
        Ok(())
    }

    fn table_idx(&self, name: &str) -> R<u32> {
        // Tables are compiled after the blocks that apply them are laid out; look them up in the
        // IR order, which is the order of `self.tables` once complete.
        self.l
            .prog
            .tables
            .iter()
            .position(|t| t.name == name)
            .map(|i| i as u32)
            .ok_or_else(|| CompileError::Ir(format!("unknown table {name}")))
    }

    fn parser(&mut self, p: &ir::Parser) -> R<CParser> {
        let scope = self
            .control_scopes
            .get(&p.name)
            .cloned()
            .unwrap_or_default();
        self.scopes = vec![scope];
        let init = self.stmts(&p.init)?;
        let names: Vec<&str> = p.states.iter().map(|s| s.name.as_str()).collect();
        let next = |n: &str| -> Next {
            match n {
                "accept" => Next::Accept,
                "reject" => Next::Reject,
                other => names
                    .iter()
                    .position(|s| *s == other)
                    .map_or(Next::Reject, |i| Next::State(i as u32)),
            }
        };
        let mut states = Vec::new();
        for s in &p.states {
            let body = self.stmts(&s.stmts)?;
            let transition = match &s.transition {
                ir::Transition::Goto { state } => CTransition::Goto(next(state)),
                ir::Transition::Select { keys, cases } => {
                    let mut ks = Vec::new();
                    for k in keys {
                        let w = scalar_width(&self.l, &k.ty);
                        ks.push((self.expr(k)?, w));
                    }
                    let mut cs = Vec::new();
                    for c in cases {
                        let mut set = Vec::new();
                        for (e, (_, w)) in c.keyset.iter().zip(&ks) {
                            set.push(match e {
                                ir::KeysetElem::Default => Keyset::Any,
                                ir::KeysetElem::Value { value } => {
                                    Keyset::Value(const_bits(value, *w))
                                }
                                ir::KeysetElem::Mask { value, mask: m } => {
                                    let m = const_bits(m, *w);
                                    Keyset::Mask(const_bits(value, *w) & m, m)
                                }
                                ir::KeysetElem::Range { lo, hi } => {
                                    Keyset::Range(const_bits(lo, *w), const_bits(hi, *w))
                                }
                                ir::KeysetElem::ValueSet { name } => Keyset::ValueSet(
                                    self.value_sets
                                        .iter()
                                        .position(|(n, _)| n == name)
                                        .unwrap_or(0) as u32,
                                ),
                            });
                        }
                        cs.push((set, next(&c.next)));
                    }
                    CTransition::Select {
                        keys: ks,
                        cases: cs,
                    }
                }
            };
            states.push(CState {
                name: s.name.clone(),
                body,
                transition,
            });
        }
        let start = names.iter().position(|n| *n == "start").unwrap_or(0) as u32;
        Ok(CParser {
            name: p.name.clone(),
            init,
            states,
            start,
        })
    }

    // ---- locations ----

    fn lookup(&self, name: &str) -> R<(u32, Ty)> {
        for s in self.scopes.iter().rev() {
            if let Some(v) = s.get(name) {
                return Ok(v.clone());
            }
        }
        Err(CompileError::Ir(format!("unknown variable {name}")))
    }

    /// The location of an l-value (or any storage-backed expression) and its type.
    /// P4 evaluates an assignment's left side before its right side (P4-16 8.16): a stack
    /// index whose right side calls something (that may change the index's operands) is
    /// computed into a scratch slot first. Returns the statements to run first and the
    /// location to store to.
    fn index_first(&mut self, dst: Loc, rhs: &ir::Expr) -> (Vec<S>, Loc) {
        let Loc::Dyn(d) = dst else {
            return (Vec::new(), dst);
        };
        let StackIndex::Expr(index) = &d.index else {
            return (Vec::new(), Loc::Dyn(d));
        };
        if matches!(index, E::Const(_)) || !has_call(rhs) {
            return (Vec::new(), Loc::Dyn(d));
        }
        let tmp = self.next;
        self.next += 1;
        let pre = vec![S::Set(Loc::Slot(tmp), index.clone())];
        let fixed = Loc::Dyn(Box::new(DynLoc {
            index: StackIndex::Expr(E::Load(Loc::Slot(tmp))),
            ..*d
        }));
        (pre, fixed)
    }

    fn loc(&mut self, e: &ir::Expr) -> R<(Loc, Ty)> {
        match &e.kind {
            K::Var { name } => {
                let (s, t) = self.lookup(name)?;
                Ok((Loc::Slot(s), t))
            }
            K::Field { base, field } => {
                let (l, t) = self.loc(base)?;
                let (off, ft) = self
                    .l
                    .field(&t, field)
                    .ok_or_else(|| CompileError::Ir(format!("no field {field}")))?;
                Ok((offset(l, off), ft))
            }
            K::Index { base, index } => {
                let (l, t) = self.loc(base)?;
                let Ty::Stack { elem, size } = t else {
                    return Err(CompileError::Ir("index of a non-stack".into()));
                };
                let stride = self.l.slots(&Ty::Named { id: elem });
                let et = Ty::Named { id: elem };
                match (&index.kind, l) {
                    (K::Const { value }, Loc::Slot(b)) => {
                        let i = value.to_u32().unwrap_or(u32::MAX);
                        if i >= size {
                            return unsupported("constant stack index out of bounds");
                        }
                        Ok((Loc::Slot(b + 1 + i * stride), et))
                    }
                    (_, Loc::Slot(b)) => {
                        let ie = self.expr(index)?;
                        Ok((
                            Loc::Dyn(Box::new(DynLoc {
                                base: b,
                                stride,
                                size,
                                index: StackIndex::Expr(ie),
                                off: 0,
                            })),
                            et,
                        ))
                    }
                    _ => unsupported("nested dynamic stack index"),
                }
            }
            K::StackProp { base, prop } => {
                let (l, t) = self.loc(base)?;
                let (Ty::Stack { elem, size }, Loc::Slot(b)) = (t, l) else {
                    return unsupported("stack property of a non-stack");
                };
                let stride = self.l.slots(&Ty::Named { id: elem });
                let index = match prop.as_str() {
                    "next" => StackIndex::Next,
                    "last" => StackIndex::Last,
                    other => return unsupported(format!("stack property {other} as a location")),
                };
                Ok((
                    Loc::Dyn(Box::new(DynLoc {
                        base: b,
                        stride,
                        size,
                        index,
                        off: 0,
                    })),
                    Ty::Named { id: elem },
                ))
            }
            K::DontCare if e.ty != Ty::Void => {
                // `_` for an out argument of an extern: a scratch value of its type, reset
                // per packet, that nothing reads.
                let s = self.alloc(&e.ty);
                Ok((Loc::Slot(s), e.ty.clone()))
            }
            _ => unsupported(format!(
                "{} is not a location (an assignable value is needed here)",
                expr_kind_name(&e.kind)
            )),
        }
    }

    // ---- expressions ----

    fn expr(&mut self, e: &ir::Expr) -> R<E> {
        let w = scalar_width(&self.l, &e.ty);
        Ok(match &e.kind {
            K::Const { value } => E::Const(const_bits(value, w)),
            K::Bool { value } => E::Const(u128::from(*value)),
            K::Str { .. } => E::Const(0),
            K::ErrorConst { name } => E::Const(
                self.l
                    .prog
                    .errors
                    .iter()
                    .position(|x| x == name)
                    .unwrap_or(0) as u128,
            ),
            K::EnumMember { name } => E::Const(self.enum_value(&e.ty, name)),
            K::Field { base, field } if is_lookahead(base) => {
                // `pkt.lookahead<h_t>().f`: read just that field ahead of the cursor.
                let mut skip = 0;
                for (_, f) in self.l.fields(&base.ty) {
                    let fw = scalar_width(&self.l, &f.ty);
                    if &f.name == field {
                        if fw > 128 {
                            return unsupported("lookahead of a field wider than 128 bits");
                        }
                        return Ok(E::Call(Box::new(Call::Lookahead {
                            skip,
                            width: fw,
                            into: None,
                        })));
                    }
                    skip += fw;
                }
                return Err(CompileError::Ir(format!(
                    "no field {field} in lookahead type"
                )));
            }
            K::Var { .. } | K::Field { .. } | K::Index { .. } => {
                let (l, t) = self.loc(e)?;
                if !is_scalar(&self.l, &t) {
                    return unsupported("a composite value used as a scalar");
                }
                if let Ty::Bits { width, .. } = t {
                    if width > 128 {
                        return unsupported(format!("a {width}-bit value used where a value of at most 128 bits is expected"));
                    }
                }
                E::Load(l)
            }
            K::StackProp { base, prop } => {
                let (l, _) = self.loc(base)?;
                let Loc::Slot(b) = l else {
                    return unsupported("dynamic stack");
                };
                match prop.as_str() {
                    "lastIndex" => E::LastIndex(b),
                    other => return unsupported(format!("stack property {other} as a value")),
                }
            }
            K::Instance { .. } | K::DontCare => E::Const(0),
            K::Slice { base, hi, lo } if scalar_width(&self.l, &base.ty) > 128 => {
                let m = slice_mask(*hi, *lo, exo_p4::lexer::MAX_WIDTH)?;
                E::WideSlice(Box::new(self.wexpr(base)?), *lo, m)
            }
            K::Cast { arg }
                if scalar_width(&self.l, &arg.ty) > 128 && matches!(arg.ty, Ty::Bits { .. }) =>
            {
                E::WideSlice(Box::new(self.wexpr(arg)?), 0, mask(w))
            }
            K::Binary { op, lhs, rhs }
                if matches!(lhs.ty, Ty::Bits { width, .. } if width > 128)
                    && matches!(
                        op,
                        ir::BinOp::Eq
                            | ir::BinOp::Ne
                            | ir::BinOp::Lt
                            | ir::BinOp::Le
                            | ir::BinOp::Gt
                            | ir::BinOp::Ge
                    ) =>
            {
                let o = match op {
                    ir::BinOp::Eq => Op::Eq,
                    ir::BinOp::Ne => Op::Ne,
                    ir::BinOp::Lt => Op::Lt,
                    ir::BinOp::Le => Op::Le,
                    ir::BinOp::Gt => Op::Gt,
                    _ => Op::Ge,
                };
                E::WideCmp(o, Box::new(self.wexpr(lhs)?), Box::new(self.wexpr(rhs)?))
            }
            K::Slice { base, hi, lo } => {
                let m = slice_mask(*hi, *lo, 128)?;
                let b = self.expr(base)?;
                E::Slice(Box::new(b), *lo, m)
            }
            K::Unary { op, arg } => {
                let a = self.expr(arg)?;
                match op {
                    ir::UnOp::Not => E::Not(Box::new(a)),
                    ir::UnOp::BitNot => E::BitNot(Box::new(a), mask(w)),
                    ir::UnOp::Neg => E::Neg(Box::new(a), mask(w)),
                }
            }
            K::Binary { op, lhs, rhs }
                if matches!(op, ir::BinOp::Eq | ir::BinOp::Ne) && !is_scalar(&self.l, &lhs.ty) =>
            {
                let eq = self.composite_eq(Side::Val(lhs), Side::Val(rhs), &lhs.ty)?;
                if *op == ir::BinOp::Eq {
                    eq
                } else {
                    E::Not(Box::new(eq))
                }
            }
            K::Binary { op, lhs, rhs } => {
                let lw = scalar_width(&self.l, &lhs.ty);
                let signed = is_signed(&self.l, &lhs.ty);
                let a = self.expr(lhs)?;
                if let ir::BinOp::Concat = op {
                    let bw = scalar_width(&self.l, &rhs.ty);
                    let b = self.expr(rhs)?;
                    return Ok(E::Concat(Box::new(a), Box::new(b), bw));
                }
                let b = self.expr(rhs)?;
                let o = match op {
                    ir::BinOp::Add => Op::Add,
                    ir::BinOp::Sub => Op::Sub,
                    ir::BinOp::Mul => Op::Mul,
                    ir::BinOp::Div => Op::Div,
                    ir::BinOp::Mod => Op::Mod,
                    ir::BinOp::SatAdd => Op::SatAdd,
                    ir::BinOp::SatSub => Op::SatSub,
                    ir::BinOp::Shl => Op::Shl,
                    ir::BinOp::Shr => Op::Shr,
                    ir::BinOp::BitAnd => Op::And,
                    ir::BinOp::BitOr => Op::Or,
                    ir::BinOp::BitXor => Op::Xor,
                    ir::BinOp::Eq => Op::Eq,
                    ir::BinOp::Ne => Op::Ne,
                    ir::BinOp::Lt => Op::Lt,
                    ir::BinOp::Le => Op::Le,
                    ir::BinOp::Gt => Op::Gt,
                    ir::BinOp::Ge => Op::Ge,
                    ir::BinOp::And => return Ok(E::LogAnd(Box::new(a), Box::new(b))),
                    ir::BinOp::Or => return Ok(E::LogOr(Box::new(a), Box::new(b))),
                    ir::BinOp::Concat => unreachable_concat()?,
                };
                E::Bin(o, Box::new(a), Box::new(b), lw, signed)
            }
            K::Mux { cond, then, els } => E::Mux(
                Box::new(self.expr(cond)?),
                Box::new(self.expr(then)?),
                Box::new(self.expr(els)?),
            ),
            K::Cast { arg } => {
                let from_w = scalar_width(&self.l, &arg.ty);
                let from_signed = is_signed(&self.l, &arg.ty);
                let a = self.expr(arg)?;
                let to_w = if matches!(e.ty, Ty::Bool) { 1 } else { w };
                if matches!(e.ty, Ty::Bool) {
                    return Ok(E::Bin(
                        Op::Ne,
                        Box::new(a),
                        Box::new(E::Const(0)),
                        from_w,
                        false,
                    ));
                }
                E::Cast {
                    e: Box::new(a),
                    from_w,
                    from_signed,
                    to_w,
                }
            }
            K::TableHit { table, hit } => E::TableHit(self.table_idx(table)?, *hit),
            K::ActionRun { table } => E::ActionRun(self.table_idx(table)?),
            K::List { .. } => return unsupported("a list used as a scalar"),
            K::Call(call) => self.call_expr(call, &e.ty)?,
        })
    }

    /// An expression of any width on the arbitrary-precision path.
    fn wexpr(&mut self, e: &ir::Expr) -> R<WE> {
        let w = scalar_width(&self.l, &e.ty);
        if w <= 128 || !matches!(e.ty, Ty::Bits { .. }) {
            let signed = is_signed(&self.l, &e.ty);
            return Ok(WE::Narrow(Box::new(self.expr(e)?), w, signed));
        }
        Ok(match &e.kind {
            K::Const { value } => {
                let m = (num_bigint::BigUint::from(1u8) << w) - 1u8;
                let v = if value.is_negative() {
                    let modulus = num_bigint::BigInt::from(1u8) << w;
                    ((value % &modulus) + &modulus)
                        .to_biguint()
                        .unwrap_or_default()
                } else {
                    value.to_biguint().unwrap_or_default()
                };
                WE::Const(v & m)
            }
            K::Var { .. } | K::Field { .. } | K::Index { .. } => {
                let (l, _) = self.loc(e)?;
                WE::Load(l, scalar_slots(w))
            }
            K::Cast { arg } => {
                let aw = scalar_width(&self.l, &arg.ty);
                if aw <= 128 {
                    WE::Resize(
                        Box::new(WE::Narrow(
                            Box::new(self.expr(arg)?),
                            aw,
                            is_signed(&self.l, &arg.ty),
                        )),
                        w,
                    )
                } else {
                    WE::Resize(Box::new(self.wexpr(arg)?), w)
                }
            }
            K::Unary { op, arg } => {
                let a = Box::new(self.wexpr(arg)?);
                match op {
                    ir::UnOp::BitNot => WE::Not(a, w),
                    ir::UnOp::Neg => WE::Neg(a, w),
                    ir::UnOp::Not => return unsupported("'!' on a wide value"),
                }
            }
            K::Binary {
                op: ir::BinOp::Concat,
                lhs,
                rhs,
            } => {
                let bw = scalar_width(&self.l, &rhs.ty);
                WE::Concat(
                    Box::new(self.wexpr(lhs)?),
                    Box::new(self.wexpr(rhs)?),
                    bw,
                    w,
                )
            }
            K::Binary {
                op: op @ (ir::BinOp::Shl | ir::BinOp::Shr),
                lhs,
                rhs,
            } => {
                let o = if *op == ir::BinOp::Shl {
                    Op::Shl
                } else {
                    Op::Shr
                };
                WE::Shift(o, Box::new(self.wexpr(lhs)?), Box::new(self.expr(rhs)?), w)
            }
            K::Binary { op, lhs, rhs } => {
                let o = match op {
                    ir::BinOp::Add => Op::Add,
                    ir::BinOp::Sub => Op::Sub,
                    ir::BinOp::Mul => Op::Mul,
                    ir::BinOp::BitAnd => Op::And,
                    ir::BinOp::BitOr => Op::Or,
                    ir::BinOp::BitXor => Op::Xor,
                    ir::BinOp::SatAdd => Op::SatAdd,
                    ir::BinOp::SatSub => Op::SatSub,
                    ir::BinOp::Div => Op::Div,
                    ir::BinOp::Mod => Op::Mod,
                    other => {
                        return unsupported(format!(
                            "operator {other:?} on values wider than 128 bits"
                        ))
                    }
                };
                WE::Bin(o, Box::new(self.wexpr(lhs)?), Box::new(self.wexpr(rhs)?), w)
            }
            K::Mux { cond, then, els } => WE::Mux(
                Box::new(self.expr(cond)?),
                Box::new(self.wexpr(then)?),
                Box::new(self.wexpr(els)?),
            ),
            _ => return unsupported("this expression on values wider than 128 bits"),
        })
    }

    /// `a == b` on values of a non-scalar type `t` (headers, unions, structs, stacks, tuples,
    /// varbits), lowered to a conjunction of scalar comparisons so that the engine needs no
    /// type information at run time. Headers are equal when both are invalid, or both valid
    /// with equal fields (the fields of an invalid header are never read); stacks compare
    /// their elements, not `nextIndex`; a varbit compares its current length and its limbs
    /// (extract and assignment keep the bits above the length zero).
    fn composite_eq(&mut self, a: Side<'_>, b: Side<'_>, t: &Ty) -> R<E> {
        let a = self.side(a)?;
        let b = self.side(b)?;
        let conj = |parts: Vec<E>| {
            parts
                .into_iter()
                .reduce(|x, y| E::LogAnd(Box::new(x), Box::new(y)))
                .unwrap_or(E::Const(1))
        };
        let eq = |x: E, y: E, w: u32| E::Bin(Op::Eq, Box::new(x), Box::new(y), w, false);
        if is_scalar(&self.l, t) {
            let w = scalar_width(&self.l, t);
            if w <= 128 {
                let x = self.side_value(a)?;
                let y = self.side_value(b)?;
                return Ok(eq(x, y, w));
            }
            return Ok(E::WideCmp(
                Op::Eq,
                Box::new(self.side_wide(a, w)?),
                Box::new(self.side_wide(b, w)?),
            ));
        }
        match t {
            Ty::Varbit { max } => {
                let (Side::At(x), Side::At(y)) = (&a, &b) else {
                    return unsupported("comparison of a varbit value that is not stored");
                };
                let slots = (0..1 + scalar_slots(*max))
                    .map(|i| {
                        let x = E::Load(offset(x.clone(), i));
                        let y = E::Load(offset(y.clone(), i));
                        eq(x, y, 128)
                    })
                    .collect();
                Ok(conj(slots))
            }
            Ty::Stack { elem, size } => {
                let et = Ty::Named { id: *elem };
                let stride = self.l.slots(&et);
                let mut parts = Vec::new();
                for i in 0..*size {
                    let x = self.side_part(&a, 1 + i * stride, i as usize)?;
                    let y = self.side_part(&b, 1 + i * stride, i as usize)?;
                    parts.push(self.composite_eq(x, y, &et)?);
                }
                Ok(conj(parts))
            }
            Ty::Tuple { elems } => {
                let mut parts = Vec::new();
                let mut off = 0;
                for (i, et) in elems.iter().enumerate() {
                    let x = self.side_part(&a, off, i)?;
                    let y = self.side_part(&b, off, i)?;
                    parts.push(self.composite_eq(x, y, et)?);
                    off += self.l.slots(et);
                }
                Ok(conj(parts))
            }
            Ty::Named { .. } => {
                let mut parts = Vec::new();
                for (i, (off, f)) in self.l.fields(t).into_iter().enumerate() {
                    let x = self.side_part(&a, off, i)?;
                    let y = self.side_part(&b, off, i)?;
                    parts.push(self.composite_eq(x, y, &f.ty)?);
                }
                let fields = conj(parts);
                if !self.l.is_header(t) {
                    return Ok(fields);
                }
                // A header value written as a list is valid.
                let valid = |s: &Side<'_>| match s {
                    Side::At(l) => E::Load(l.clone()),
                    Side::Val(_) => E::Const(1),
                };
                let both_invalid = eq(valid(&a), E::Const(0), 1);
                Ok(E::LogAnd(
                    Box::new(eq(valid(&a), valid(&b), 1)),
                    Box::new(E::LogOr(Box::new(both_invalid), Box::new(fields))),
                ))
            }
            _ => unsupported("comparison of values of this type"),
        }
    }

    /// A stored composite operand becomes its location; lists and scalars stay expressions.
    fn side<'e>(&mut self, s: Side<'e>) -> R<Side<'e>> {
        Ok(match s {
            Side::Val(e) if !matches!(e.kind, K::List { .. }) && !is_scalar(&self.l, &e.ty) => {
                Side::At(self.loc(e)?.0)
            }
            other => other,
        })
    }

    /// Part `i` of a composite operand, `off` slots into it when stored.
    fn side_part<'e>(&self, s: &Side<'e>, off: u32, i: usize) -> R<Side<'e>> {
        Ok(match s {
            Side::At(l) => Side::At(offset(l.clone(), off)),
            Side::Val(e) => match &e.kind {
                K::List { elems } => Side::Val(
                    elems
                        .get(i)
                        .ok_or_else(|| CompileError::Ir("list shorter than its type".into()))?,
                ),
                _ => return unsupported("comparison of a composite value that is not stored"),
            },
        })
    }

    fn side_value(&mut self, s: Side<'_>) -> R<E> {
        match s {
            Side::At(l) => Ok(E::Load(l)),
            Side::Val(e) => self.expr(e),
        }
    }

    fn side_wide(&mut self, s: Side<'_>, w: u32) -> R<WE> {
        match s {
            Side::At(l) => Ok(WE::Load(l, scalar_slots(w))),
            Side::Val(e) => self.wexpr(e),
        }
    }

    fn call_expr(&mut self, call: &ir::Call, ty: &Ty) -> R<E> {
        match &call.target {
            CallTarget::Builtin { method } if method == "isValid" => {
                let recv = call
                    .receiver
                    .as_ref()
                    .ok_or_else(|| CompileError::Ir("isValid without receiver".into()))?;
                let (l, t) = self.loc(recv)?;
                if self.l.is_union(&t) {
                    // A union is valid if any member is.
                    let mut acc: Option<E> = None;
                    for (off, _) in self.l.fields(&t) {
                        let v = E::Load(offset(l.clone(), off));
                        acc = Some(match acc {
                            None => v,
                            Some(a) => E::LogOr(Box::new(a), Box::new(v)),
                        });
                    }
                    return Ok(acc.unwrap_or(E::Const(0)));
                }
                Ok(E::Load(l))
            }
            CallTarget::Method {
                extern_type,
                method,
            } if extern_type == "packet_in" && method == "lookahead" => {
                let t = call
                    .type_args
                    .first()
                    .cloned()
                    .unwrap_or_else(|| ty.clone());
                let width = self.l.prog.bit_width(&t).unwrap_or(0);
                if is_scalar(&self.l, &t) {
                    if width > 128 {
                        return unsupported("lookahead of more than 128 bits into a scalar");
                    }
                    Ok(E::Call(Box::new(Call::Lookahead {
                        skip: 0,
                        width,
                        into: None,
                    })))
                } else if *ty == Ty::Void {
                    // `pkt.lookahead<H>();` as a statement: only its length check is seen.
                    let slots = self.l.slots(&t);
                    let base = Loc::Slot(self.alloc(&t));
                    Ok(E::Call(Box::new(Call::Lookahead {
                        skip: 0,
                        width,
                        into: Some(Box::new(Composite { base, ty: t, slots })),
                    })))
                } else {
                    unsupported(
                        "lookahead of a header used as a value (assign it to a header variable)",
                    )
                }
            }
            CallTarget::Method {
                extern_type,
                method,
            } if extern_type == "packet_in" && method == "length" => {
                Ok(E::Call(Box::new(Call::PacketLength)))
            }
            CallTarget::Method { method, .. } if method == "get" => {
                let data = self.data_fields(call.args.first())?;
                Ok(E::Call(Box::new(Call::ChecksumGet(data))))
            }
            CallTarget::Function { name } => {
                let func = *self
                    .func_index
                    .get(name)
                    .ok_or_else(|| CompileError::Ir(format!("unknown function {name}")))?;
                let args = self.args_for(
                    &self.functions[func as usize].params.clone(),
                    &self.l.prog.functions[func as usize].params.clone(),
                    &call.args,
                )?;
                Ok(E::Call(Box::new(Call::Function { func, args })))
            }
            _ => {
                // A call used for its effect inside an expression (rare): run it, yield 0.
                let s = self.call_stmt(call)?;
                Ok(E::Call(Box::new(Call::Stmt(Box::new(s)))))
            }
        }
    }

    /// Flattens a list / struct / header / scalar argument into its fields.
    fn data_fields(&mut self, e: Option<&ir::Expr>) -> R<Vec<DataField>> {
        let Some(e) = e else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        self.flatten(e, &mut out)?;
        Ok(out)
    }

    fn flatten(&mut self, e: &ir::Expr, out: &mut Vec<DataField>) -> R<()> {
        match &e.kind {
            K::List { elems } => {
                for x in elems {
                    self.flatten(x, out)?;
                }
                Ok(())
            }
            _ if is_scalar(&self.l, &e.ty) || matches!(e.ty, Ty::Bits { .. }) => {
                let w = scalar_width(&self.l, &e.ty);
                if w > 128 {
                    let (l, t) = self.loc(e)?;
                    return self.flatten_loc(l, &t, out);
                }
                out.push(DataField {
                    e: self.expr(e)?,
                    width: w,
                    multi: None,
                });
                Ok(())
            }
            _ => {
                let (l, t) = self.loc(e)?;
                self.flatten_loc(l, &t, out)
            }
        }
    }

    fn flatten_loc(&mut self, l: Loc, t: &Ty, out: &mut Vec<DataField>) -> R<()> {
        if let Ty::Varbit { max } = t {
            out.push(DataField {
                e: E::Load(l.clone()),
                width: *max,
                multi: Some((l, true)),
            });
            return Ok(());
        }
        if is_scalar(&self.l, t) || matches!(t, Ty::Bits { .. }) {
            let w = scalar_width(&self.l, t);
            let multi = (w > 128).then(|| (l.clone(), false));
            out.push(DataField {
                e: E::Load(l),
                width: w,
                multi,
            });
            return Ok(());
        }
        for (off, f) in self.l.fields(t) {
            self.flatten_loc(offset(l.clone(), off), &f.ty, out)?;
        }
        Ok(())
    }

    /// Arguments for a callee whose parameters live at `slots`.
    fn args_for(
        &mut self,
        slots: &[(u32, u32)],
        params: &[ir::Param],
        args: &[ir::Expr],
    ) -> R<Vec<Arg>> {
        let mut out = Vec::new();
        for ((p, (slot, n)), a) in params.iter().zip(slots).zip(args) {
            let scalar = is_scalar(&self.l, &p.ty);
            match p.direction {
                ir::Direction::In | ir::Direction::None => {
                    if scalar {
                        out.push(Arg::In {
                            e: self.expr(a)?,
                            dst: *slot,
                        });
                    } else if let K::List { .. } = a.kind {
                        let stmts = self.assign_composite(Loc::Slot(*slot), &p.ty, a)?;
                        out.push(Arg::List { dst: *slot, stmts });
                    } else {
                        let (src, _) = self.loc(a)?;
                        out.push(Arg::InOut {
                            src,
                            dst: *slot,
                            slots: *n,
                            copy_in: true,
                        });
                    }
                }
                ir::Direction::Out | ir::Direction::InOut => {
                    if matches!(a.kind, K::DontCare) {
                        continue;
                    }
                    if let Some((base, hi, lo)) = slice_of(a) {
                        // `f(x[hi:lo])`: the slice's bits in, and back out into `x`.
                        let (src, t) = self.loc(base)?;
                        if scalar_width(&self.l, &t) > 128 {
                            return unsupported(
                                "a slice of a value wider than 128 bits as an argument",
                            );
                        }
                        out.push(Arg::Slice {
                            src,
                            lo,
                            mask: slice_mask(hi, lo, 128)?,
                            dst: *slot,
                            copy_in: p.direction == ir::Direction::InOut,
                        });
                        continue;
                    }
                    let (src, _) = self.loc(a)?;
                    out.push(Arg::InOut {
                        src,
                        dst: *slot,
                        slots: *n,
                        copy_in: p.direction == ir::Direction::InOut,
                    });
                }
            }
        }
        Ok(out)
    }

    // ---- statements ----

    fn stmts(&mut self, ss: &[ir::Stmt]) -> R<Vec<S>> {
        let mut out = Vec::with_capacity(ss.len());
        for s in ss {
            out.push(self.stmt(s)?);
        }
        Ok(out)
    }

    fn stmt(&mut self, s: &ir::Stmt) -> R<S> {
        Ok(match s {
            ir::Stmt::Assign { lhs, rhs } if matches!(lhs.kind, K::Slice { .. }) => {
                let Some((base, hi, lo)) = slice_of(lhs) else {
                    return unsupported("slice");
                };
                let (dst, t) = self.loc(base)?;
                if scalar_width(&self.l, &t) > 128 {
                    return unsupported("assignment to a slice of a value wider than 128 bits");
                }
                let (pre, dst) = self.index_first(dst, rhs);
                with_pre(
                    pre,
                    S::SetSlice(dst, lo, slice_mask(hi, lo, 128)?, self.expr(rhs)?),
                )
            }
            ir::Stmt::Assign { lhs, rhs } => {
                let (dst, t) = self.loc(lhs)?;
                let (pre, dst) = self.index_first(dst, rhs);
                let assign = if is_scalar(&self.l, &t) {
                    let w = scalar_width(&self.l, &t);
                    if w > 128 {
                        // Wide values: a plain copy, or the arbitrary-precision path.
                        match self.loc(rhs) {
                            Ok((src, _)) => S::Copy {
                                dst,
                                src,
                                n: scalar_slots(w),
                            },
                            Err(_) => S::SetWide(dst, self.wexpr(rhs)?, scalar_slots(w)),
                        }
                    } else {
                        S::Set(dst, self.expr(rhs)?)
                    }
                } else if let Ty::Varbit { max } = t {
                    let (src, _) = self.loc(rhs)?;
                    S::Copy {
                        dst,
                        src,
                        n: 1 + scalar_slots(max),
                    }
                } else {
                    S::Block(self.assign_composite(dst, &t, rhs)?)
                };
                with_pre(pre, assign)
            }
            ir::Stmt::Call(c) => self.call_stmt(c)?,
            ir::Stmt::If { cond, then, els } => {
                S::If(self.expr(cond)?, self.stmts(then)?, self.stmts(els)?)
            }
            ir::Stmt::Block { stmts } => S::Block(self.stmts(stmts)?),
            ir::Stmt::Exit => S::Exit,
            ir::Stmt::For {
                init,
                cond,
                update,
                body,
            } => {
                let mut out = self.stmts(init)?;
                out.push(S::Loop(Box::new(Loop {
                    cond: self.expr(cond)?,
                    body: self.stmts(body)?,
                    update: self.stmts(update)?,
                })));
                S::Block(out)
            }
            ir::Stmt::Break => S::Break,
            ir::Stmt::Continue => S::Continue,
            ir::Stmt::Return { value: None } => S::Return(None),
            ir::Stmt::Return { value: Some(v) } => {
                // Inside a function: store into its return slot.
                let f = self.functions.last().map(|f| f.ret_slot).unwrap_or(0);
                if is_scalar(&self.l, &v.ty) {
                    S::Return(Some((self.expr(v)?, f)))
                } else if is_location(v) {
                    let (src, t) = self.loc(v)?;
                    S::ReturnComposite(src, f, self.l.slots(&t))
                } else {
                    // `return {…}`, a conditional or a call: built in the return slots.
                    let mut out = self.assign_composite(Loc::Slot(f), &v.ty, v)?;
                    out.push(S::Return(None));
                    S::Block(out)
                }
            }
            ir::Stmt::Switch { on, cases } => {
                let e = self.expr(on)?;
                let action_run = matches!(on.ty, Ty::ActionEnum { .. });
                let w = scalar_width(&self.l, &on.ty);
                let mut out = Vec::new();
                let mut default = None;
                for c in cases {
                    let body = self.stmts(&c.body)?;
                    if c.labels.is_empty() {
                        default = Some(body);
                        continue;
                    }
                    let mut labels = Vec::new();
                    for l in &c.labels {
                        labels.push(match &l.kind {
                            K::Str { value } if action_run => self.action_idx(value)? as u128,
                            K::Const { value } => const_bits(value, w),
                            K::EnumMember { name } => self.enum_value(&l.ty, name),
                            K::ErrorConst { name } => {
                                self.l
                                    .prog
                                    .errors
                                    .iter()
                                    .position(|x| x == name)
                                    .unwrap_or(0) as u128
                            }
                            K::Bool { value } => u128::from(*value),
                            _ => return unsupported("non-constant switch label"),
                        });
                    }
                    out.push((labels, body));
                }
                S::Switch(e, out, default)
            }
        })
    }

    /// Assigns a composite value (list, struct/header value, mux) to `dst` of type `t`.
    fn assign_composite(&mut self, dst: Loc, t: &Ty, rhs: &ir::Expr) -> R<Vec<S>> {
        match &rhs.kind {
            K::List { elems } => {
                let mut out = Vec::new();
                let fields = self.l.fields(t);
                if self.l.is_header(t) {
                    out.push(S::SetValid(dst.clone(), true, self.l.slots(t)));
                }
                for ((off, f), e) in fields.iter().zip(elems) {
                    let fl = offset(dst.clone(), *off);
                    if is_scalar(&self.l, &f.ty) {
                        out.push(S::Set(fl, self.expr(e)?));
                    } else {
                        out.extend(self.assign_composite(fl, &f.ty, e)?);
                    }
                }
                Ok(out)
            }
            K::Mux { cond, then, els } => {
                let c = self.expr(cond)?;
                let a = self.assign_composite(dst.clone(), t, then)?;
                let b = self.assign_composite(dst, t, els)?;
                Ok(vec![S::If(c, a, b)])
            }
            K::Call(call) => {
                // `hdr = pkt.lookahead<hdr_t>()` and functions returning composites.
                match &call.target {
                    CallTarget::Method {
                        extern_type,
                        method,
                    } if extern_type == "packet_in" && method == "lookahead" => {
                        let width = self.l.prog.bit_width(t).unwrap_or(0);
                        let slots = self.l.slots(t);
                        let e = E::Call(Box::new(Call::Lookahead {
                            skip: 0,
                            width,
                            into: Some(Box::new(Composite {
                                base: dst,
                                ty: t.clone(),
                                slots,
                            })),
                        }));
                        Ok(vec![S::If(e, Vec::new(), Vec::new())])
                    }
                    CallTarget::Function { name } => {
                        let func = *self
                            .func_index
                            .get(name)
                            .ok_or_else(|| CompileError::Ir(format!("unknown function {name}")))?;
                        let f = self.functions[func as usize].clone();
                        let args = self.args_for(
                            &f.params,
                            &self.l.prog.functions[func as usize].params.clone(),
                            &call.args,
                        )?;
                        Ok(vec![
                            S::CallFunction { func, args },
                            S::Copy {
                                dst,
                                src: Loc::Slot(f.ret_slot),
                                n: self.l.slots(t),
                            },
                        ])
                    }
                    _ => unsupported("composite-valued call"),
                }
            }
            _ => {
                let (src, _) = self.loc(rhs)?;
                Ok(vec![S::Copy {
                    dst,
                    src,
                    n: self.l.slots(t),
                }])
            }
        }
    }

    fn emit_header(&self, l: Loc, t: &Ty) -> EmitHeader {
        let mut fields = Vec::new();
        for (off, f) in self.l.fields(t) {
            let kind = match &f.ty {
                Ty::Varbit { max } => FieldKind::Varbit { max: *max },
                Ty::Bits { width, .. } if *width > 128 => FieldKind::Wide,
                _ => FieldKind::Scalar,
            };
            fields.push((offset(l.clone(), off), scalar_width(&self.l, &f.ty), kind));
        }
        EmitHeader::new(l, fields)
    }

    /// Everything `emit(x)` writes, in order.
    fn emit_items(&self, l: Loc, t: &Ty, out: &mut Vec<EmitItem>) -> R<()> {
        if self.l.is_header(t) {
            out.push(EmitItem::Header(self.emit_header(l, t)));
            return Ok(());
        }
        match t {
            Ty::Stack { elem, size } => {
                let Loc::Slot(b) = l else {
                    return unsupported("emit of a dynamic stack");
                };
                let et = Ty::Named { id: *elem };
                let stride = self.l.slots(&et);
                for i in 0..*size {
                    self.emit_items(Loc::Slot(b + 1 + i * stride), &et, out)?;
                }
                Ok(())
            }
            _ => {
                for (off, f) in self.l.fields(t) {
                    self.emit_items(offset(l.clone(), off), &f.ty, out)?;
                }
                Ok(())
            }
        }
    }

    fn arg(&self, call: &ir::Call, i: usize) -> R<ir::Expr> {
        call.args
            .get(i)
            .cloned()
            .ok_or_else(|| CompileError::Ir("missing argument".into()))
    }

    fn call_stmt(&mut self, call: &ir::Call) -> R<S> {
        let ext = |x: Ext| Ok(S::Extern(Box::new(x)));
        match &call.target {
            CallTarget::TableApply { table } => Ok(S::Apply(self.table_idx(table)?)),
            CallTarget::Action { name } => {
                let action = self.action_idx(name)?;
                let a = self.actions[action as usize].clone();
                let params = self.l.prog.actions[action as usize].params.clone();
                let args = self.args_for(&a.params, &params, &call.args)?;
                Ok(S::CallAction { action, args })
            }
            CallTarget::Function { name } => {
                let func = *self
                    .func_index
                    .get(name)
                    .ok_or_else(|| CompileError::Ir(format!("unknown function {name}")))?;
                let f = self.functions[func as usize].clone();
                let args = self.args_for(
                    &f.params,
                    &self.l.prog.functions[func as usize].params.clone(),
                    &call.args,
                )?;
                Ok(S::CallFunction { func, args })
            }
            CallTarget::ApplyBlock { name } => {
                let block_name = self
                    .l
                    .prog
                    .sub_instances
                    .iter()
                    .find(|s| &s.name == name)
                    .map(|s| s.block.clone())
                    .unwrap_or_else(|| name.clone());
                let Some(&block) = self.block_index.get(&block_name) else {
                    return unsupported(format!("applying {block_name} (sub-blocks must be declared before the blocks that apply them)"));
                };
                let b = self.blocks[block as usize].clone();
                let params: Vec<ir::Param> = self
                    .l
                    .prog
                    .controls
                    .iter()
                    .find(|c| c.name == block_name)
                    .map(|c| c.params.clone())
                    .or_else(|| {
                        self.l
                            .prog
                            .parsers
                            .iter()
                            .find(|p| p.name == block_name)
                            .map(|p| p.params.clone())
                    })
                    .unwrap_or_default();
                // Extern-typed parameters (packet_in/out) are not copied.
                let mut slots = Vec::new();
                let mut ps = Vec::new();
                let mut args = Vec::new();
                for ((p, s), a) in params.iter().zip(&b.params).zip(&call.args) {
                    if matches!(p.ty, Ty::Extern { .. }) {
                        continue;
                    }
                    slots.push(*s);
                    ps.push(p.clone());
                    args.push(a.clone());
                }
                let args = self.args_for(&slots, &ps, &args)?;
                let ctor = self.ctor_values(name, &block_name)?;
                Ok(S::ApplyBlock { block, args, ctor })
            }
            CallTarget::Builtin { method } => {
                let recv = call
                    .receiver
                    .as_ref()
                    .ok_or_else(|| CompileError::Ir("builtin without receiver".into()))?;
                let (l, t) = self.loc(recv)?;
                match method.as_str() {
                    "setValid" | "setInvalid" => {
                        let valid = method == "setValid";
                        // Making a union member valid invalidates its siblings: handled by the
                        // caller's union layout when the receiver is a union member.
                        let mut stmts = Vec::new();
                        if let (true, K::Field { base, .. }) = (valid, &recv.kind) {
                            let (ul, ut) = self.loc(base)?;
                            if self.l.is_union(&ut) {
                                let valids: Vec<Loc> = self
                                    .l
                                    .fields(&ut)
                                    .iter()
                                    .map(|(o, _)| offset(ul.clone(), *o))
                                    .collect();
                                stmts.push(S::UnionInvalidate { valids });
                            }
                        }
                        stmts.push(S::SetValid(l, valid, self.l.slots(&t)));
                        Ok(S::Block(stmts))
                    }
                    "push_front" | "pop_front" => {
                        let Ty::Stack { elem, size } = t else {
                            return unsupported("push/pop on a non-stack");
                        };
                        let Loc::Slot(base) = l else {
                            return unsupported("dynamic stack");
                        };
                        let n = match call.args.first().map(|a| &a.kind) {
                            Some(K::Const { value }) => value.to_u32().unwrap_or(0),
                            _ => return unsupported("non-constant push/pop count"),
                        };
                        let stride = self.l.slots(&Ty::Named { id: elem });
                        if method == "push_front" {
                            ext(Ext::PushFront {
                                base,
                                stride,
                                size,
                                n,
                            })
                        } else {
                            ext(Ext::PopFront {
                                base,
                                stride,
                                size,
                                n,
                            })
                        }
                    }
                    "isValid" => Ok(S::Block(Vec::new())),
                    other => unsupported(format!("builtin method {other}")),
                }
            }
            CallTarget::Method {
                extern_type,
                method,
            } => self.method_stmt(call, extern_type, method),
            CallTarget::ExternFunction { name } => self.extern_fn(call, name),
        }
    }

    fn method_stmt(&mut self, call: &ir::Call, extern_type: &str, method: &str) -> R<S> {
        let ext = |x: Ext| Ok(S::Extern(Box::new(x)));
        let inst = || -> R<String> {
            match call.receiver.as_ref().map(|r| &r.kind) {
                Some(K::Instance { name }) => Ok(name.clone()),
                _ => unsupported(format!(
                    "{extern_type}.{method} on something other than an instance"
                )),
            }
        };
        match (extern_type, method) {
            ("packet_in", "extract") => {
                let target = self.arg(call, 0)?;
                let varbit_bits = match call.args.get(1) {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                // `stack.next`, or `stack.next.member` for a stack of header unions.
                let next_target = match &target.kind {
                    K::StackProp { base, prop } => Some((base, prop, None)),
                    K::Field { base, field } => match &base.kind {
                        K::StackProp { base, prop } => Some((base, prop, Some(field))),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some((base, _, member_name)) = next_target.filter(|t| t.1 == "next") {
                    let (l, t) = self.loc(base)?;
                    let (Ty::Stack { elem, size }, Loc::Slot(b)) = (t, l) else {
                        return unsupported("extract into a dynamic stack");
                    };
                    let elem_ty = Ty::Named { id: elem };
                    let stride = self.l.slots(&elem_ty);
                    let (member, et, siblings) = match member_name {
                        None => (0, elem_ty, Vec::new()),
                        Some(name) => {
                            let (off, mt) = self
                                .l
                                .field(&elem_ty, name)
                                .ok_or_else(|| CompileError::Ir(format!("no member {name}")))?;
                            let siblings = self
                                .l
                                .fields(&elem_ty)
                                .into_iter()
                                .map(|(o, _)| o)
                                .filter(|&o| o != off)
                                .collect();
                            (off, mt, siblings)
                        }
                    };
                    if !self.l.is_header(&et) {
                        return unsupported("extract into something other than a header");
                    }
                    let h = self.emit_header(Loc::Slot(0), &et);
                    let fields = h
                        .fields
                        .into_iter()
                        .map(|(l, w, k)| match l {
                            Loc::Slot(o) => (o, w, k),
                            Loc::Dyn(_) => (0, w, k),
                        })
                        .collect();
                    return ext(Ext::ExtractStackNext {
                        base: b,
                        stride,
                        size,
                        member,
                        siblings,
                        fields,
                        varbit_bits,
                    });
                }
                let (l, t) = match (&target.kind, call.type_args.first()) {
                    // `pkt.extract<H>(_)`: skips an `H`, extracted into a scratch header.
                    (K::DontCare, Some(ty)) => (Loc::Slot(self.alloc(ty)), ty.clone()),
                    _ => self.loc(&target)?,
                };
                if !self.l.is_header(&t) {
                    return unsupported("extract into something other than a header");
                }
                let hdr = self.emit_header(l, &t);
                ext(Ext::Extract { hdr, varbit_bits })
            }
            ("packet_in", "advance") => {
                let e = self.expr(&self.arg(call, 0)?)?;
                ext(Ext::Advance(e))
            }
            ("packet_in", "lookahead") | ("packet_in", "length") => {
                let e = self.call_expr(call, &Ty::Void)?;
                Ok(S::If(e, Vec::new(), Vec::new()))
            }
            ("packet_out", "emit") => {
                let a = self.arg(call, 0)?;
                let (l, t) = self.loc(&a)?;
                let mut items = Vec::new();
                self.emit_items(l, &t, &mut items)?;
                ext(Ext::Emit(items))
            }
            ("register", "read") => {
                let reg = self.instance(&inst()?)?;
                let (dst, _) = self.loc(&self.arg(call, 0)?)?;
                let index = self.expr(&self.arg(call, 1)?)?;
                ext(Ext::RegisterRead { reg, dst, index })
            }
            ("register", "write") => {
                let reg = self.instance(&inst()?)?;
                let index = self.expr(&self.arg(call, 0)?)?;
                let value = self.expr(&self.arg(call, 1)?)?;
                ext(Ext::RegisterWrite { reg, index, value })
            }
            ("counter", "count") => {
                let counter = self.instance(&inst()?)?;
                let index = self.expr(&self.arg(call, 0)?)?;
                ext(Ext::CounterCount { counter, index })
            }
            // Direct counters count when their table hits.
            ("direct_counter", "count") => Ok(S::Block(Vec::new())),
            ("meter", "execute_meter") => {
                let meter = self.instance(&inst()?)?;
                let index = self.expr(&self.arg(call, 0)?)?;
                let (dst, _) = self.loc(&self.arg(call, 1)?)?;
                ext(Ext::MeterExecute { meter, index, dst })
            }
            ("direct_meter", "read") => {
                let meter = self.instance(&inst()?)?;
                let (dst, _) = self.loc(&self.arg(call, 0)?)?;
                ext(Ext::DirectMeterRead { meter, dst })
            }
            (_, "get") => {
                let e = self.call_expr(call, &Ty::Void)?;
                Ok(S::If(e, Vec::new(), Vec::new()))
            }
            (t, m) => unsupported(format!("extern method {t}.{m}")),
        }
    }

    /// Constructor-parameter slots of a block and the values instance `inst` gives them.
    fn ctor_values(&self, inst: &str, block: &str) -> R<Vec<(u32, u128)>> {
        let prog = self.l.prog;
        let Some(si) = prog.sub_instances.iter().find(|s| s.name == inst) else {
            return Ok(Vec::new());
        };
        let params = prog
            .controls
            .iter()
            .find(|c| c.name == block)
            .map(|c| &c.ctor_params)
            .or_else(|| {
                prog.parsers
                    .iter()
                    .find(|p| p.name == block)
                    .map(|p| &p.ctor_params)
            });
        let Some(params) = params else {
            return Ok(Vec::new());
        };
        let scope = self.control_scopes.get(block);
        let mut out = Vec::new();
        for (p, a) in params.iter().zip(&si.args) {
            let Some(&(slot, _)) = scope.and_then(|s| s.get(&p.name)) else {
                continue;
            };
            let w = scalar_width(&self.l, &p.ty);
            let v = match a {
                ir::CtorArg::Int { value, .. } => const_bits(value, w),
                ir::CtorArg::Bool { value } => u128::from(*value),
                ir::CtorArg::Enum { member, .. } => self.enum_value(&p.ty, member),
                // A parser or control instance: instantiation already made the block apply
                // it directly; no value to pass.
                ir::CtorArg::Instance { .. } if p.ty == Ty::Void => continue,
                _ => return unsupported(format!("constructor argument of {inst} for {}", p.name)),
            };
            out.push((slot, v));
        }
        Ok(out)
    }

    fn field_list_arg(&self, call: &ir::Call, i: usize) -> Option<u32> {
        match call.args.get(i).map(|a| &a.kind) {
            Some(K::Const { value }) => value.to_u32(),
            _ => None,
        }
    }

    fn extern_fn(&mut self, call: &ir::Call, name: &str) -> R<S> {
        let ext = |x: Ext| Ok(S::Extern(Box::new(x)));
        let algo = |c: &mut Self, i: usize| -> R<HashAlgo> {
            match call.args.get(i).map(|a| &a.kind) {
                Some(K::EnumMember { name }) => HashAlgo::from_name(name)
                    .ok_or_else(|| CompileError::Unsupported(format!("hash algorithm {name}"))),
                _ => {
                    let _ = c;
                    unsupported("non-constant hash algorithm")
                }
            }
        };
        match name {
            "mark_to_drop" => match call.args.first() {
                // The argument may be a sub-control's own copy of standard_metadata.
                Some(a) => {
                    let (l, t) = self.loc(a)?;
                    let f = |n: &str| self.l.field(&t, n).map(|(o, _)| offset(l.clone(), o));
                    ext(Ext::MarkToDrop {
                        egress_spec: f("egress_spec"),
                        mcast_grp: f("mcast_grp"),
                    })
                }
                None => ext(Ext::MarkToDrop {
                    egress_spec: None,
                    mcast_grp: None,
                }),
            },
            "verify" => {
                let cond = self.expr(&self.arg(call, 0)?)?;
                let err = match &self.arg(call, 1)?.kind {
                    K::ErrorConst { name } => self
                        .l
                        .prog
                        .errors
                        .iter()
                        .position(|x| x == name)
                        .unwrap_or(0) as u128,
                    _ => return unsupported("non-constant error in verify"),
                };
                ext(Ext::Verify(cond, err))
            }
            "hash" => {
                let out = self.arg(call, 0)?;
                let (dst, dt) = self.loc(&out)?;
                let a = algo(self, 1)?;
                let base = self.expr(&self.arg(call, 2)?)?;
                let data = self.data_fields(call.args.get(3))?;
                let max = self.expr(&self.arg(call, 4)?)?;
                ext(Ext::Hash {
                    dst,
                    dst_width: scalar_width(&self.l, &dt),
                    algo: a,
                    base,
                    data,
                    max,
                })
            }
            "verify_checksum" | "verify_checksum_with_payload" => {
                let cond = self.expr(&self.arg(call, 0)?)?;
                let data = self.data_fields(call.args.get(1))?;
                let expected = self.expr(&self.arg(call, 2)?)?;
                let a = algo(self, 3)?;
                ext(Ext::VerifyChecksum {
                    cond,
                    data,
                    expected,
                    algo: a,
                    with_payload: name.ends_with("payload"),
                })
            }
            "update_checksum" | "update_checksum_with_payload" => {
                let cond = self.expr(&self.arg(call, 0)?)?;
                let data = self.data_fields(call.args.get(1))?;
                let out = self.arg(call, 2)?;
                let (dst, dt) = self.loc(&out)?;
                let a = algo(self, 3)?;
                ext(Ext::UpdateChecksum {
                    cond,
                    data,
                    dst,
                    width: scalar_width(&self.l, &dt),
                    algo: a,
                    with_payload: name.ends_with("payload"),
                })
            }
            "random" => {
                let out = self.arg(call, 0)?;
                let (dst, dt) = self.loc(&out)?;
                let lo = self.expr(&self.arg(call, 1)?)?;
                let hi = self.expr(&self.arg(call, 2)?)?;
                ext(Ext::Random {
                    dst,
                    lo,
                    hi,
                    width: scalar_width(&self.l, &dt),
                })
            }
            "digest" => {
                let receiver = self.expr(&self.arg(call, 0)?)?;
                let data = self.data_fields(call.args.get(1))?;
                ext(Ext::Digest { receiver, data })
            }
            "clone" | "clone3" | "clone_preserving_field_list" => {
                let i2e = match call.args.first().map(|a| &a.kind) {
                    Some(K::EnumMember { name }) => name == "I2E",
                    _ => true,
                };
                let session = self.expr(&self.arg(call, 1)?)?;
                let fields = if name == "clone_preserving_field_list" {
                    self.field_list_arg(call, 2)
                } else {
                    None
                };
                ext(Ext::Clone {
                    i2e,
                    session,
                    fields,
                })
            }
            "resubmit" | "resubmit_preserving_field_list" => {
                ext(Ext::Resubmit(if name.ends_with("list") {
                    self.field_list_arg(call, 0)
                } else {
                    None
                }))
            }
            "recirculate" | "recirculate_preserving_field_list" => {
                ext(Ext::Recirculate(if name.ends_with("list") {
                    self.field_list_arg(call, 0)
                } else {
                    None
                }))
            }
            "truncate" => {
                let e = self.expr(&self.arg(call, 0)?)?;
                ext(Ext::Truncate(e))
            }
            "assert" | "assume" => {
                let e = self.expr(&self.arg(call, 0)?)?;
                ext(Ext::Assert(e, name == "assert"))
            }
            "log_msg" => {
                let fmt = match call.args.first().map(|a| &a.kind) {
                    Some(K::Str { value }) => value.clone(),
                    _ => String::new(),
                };
                let args = self.data_fields(call.args.get(1))?;
                ext(Ext::Log { fmt, args })
            }
            other => unsupported(format!("extern function {other}")),
        }
    }
}

/// Sorts and coalesces (start, len) slot ranges.
fn merge_ranges(mut v: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    v.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (s, n) in v {
        match merged.last_mut() {
            Some((ls, ln)) if *ls + *ln >= s => *ln = (*ln).max(s + n - *ls),
            _ => merged.push((s, n)),
        }
    }
    merged
}

fn is_lookahead(e: &ir::Expr) -> bool {
    matches!(&e.kind, K::Call(c) if matches!(&c.target, CallTarget::Method { extern_type, method } if extern_type == "packet_in" && method == "lookahead"))
}

fn unreachable_concat<T>() -> R<T> {
    Err(CompileError::Ir("concatenation handled earlier".into()))
}

/// An operand of a composite comparison: stored at a location, or an expression (a list).
enum Side<'e> {
    At(Loc),
    Val(&'e ir::Expr),
}

/// Moves a location by `off` slots.
fn offset(l: Loc, off: u32) -> Loc {
    match l {
        Loc::Slot(s) => Loc::Slot(s + off),
        Loc::Dyn(mut d) => {
            d.off += off;
            Loc::Dyn(d)
        }
    }
}

/// Big-endian bytes of the low `n*8` bits of `v`.
pub fn be_bytes(v: u128, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    let mut x = v;
    for b in out.iter_mut().rev() {
        *b = x as u8;
        x >>= 8;
    }
    out
}

fn push_be(out: &mut Vec<u8>, v: u128, w: u32) {
    out.extend(be_bytes(v, w.div_ceil(8) as usize));
}

/// Whether `e` names storage (`Compiler::loc` resolves it without building a value).
fn is_location(e: &ir::Expr) -> bool {
    matches!(
        e.kind,
        K::Var { .. } | K::Field { .. } | K::Index { .. } | K::StackProp { .. }
    )
}

/// What an expression is, for messages.
fn expr_kind_name(k: &K) -> &'static str {
    match k {
        K::Const { .. } => "a constant",
        K::Bool { .. } => "a boolean constant",
        K::Str { .. } => "a string",
        K::ErrorConst { .. } => "an error constant",
        K::EnumMember { .. } => "an enum member",
        K::Var { .. } => "a variable",
        K::Instance { .. } => "an instance",
        K::Field { .. } => "a field",
        K::Index { .. } => "a stack element",
        K::StackProp { .. } => "a stack property",
        K::Slice { .. } => "a bit slice",
        K::Unary { .. } => "a unary operation",
        K::Binary { .. } => "a binary operation",
        K::Mux { .. } => "a conditional expression",
        K::Cast { .. } => "a cast",
        K::List { .. } => "a list expression",
        K::Call(_) => "a call",
        K::TableHit { .. } => "a table hit test",
        K::ActionRun { .. } => "a table's action_run",
        K::DontCare => "`_`",
    }
}

/// A bit slice used as a location, nested slices folded (`x[7:4][1:0]` is `x[5:4]`): the
/// sliced expression and the bounds within it.
fn slice_of(e: &ir::Expr) -> Option<(&ir::Expr, u32, u32)> {
    let K::Slice { base, hi, lo } = &e.kind else {
        return None;
    };
    match slice_of(base) {
        Some((b, _, outer_lo)) => Some((b, outer_lo + hi, outer_lo + lo)),
        None => Some((base, *hi, *lo)),
    }
}

/// Whether evaluating `e` calls anything (a function, a method, a table).
fn has_call(e: &ir::Expr) -> bool {
    let mut found = false;
    ir::walk_calls_in_expr(e, &mut |_| found = true);
    found
}

/// `s` after `pre`, as one statement.
fn with_pre(mut pre: Vec<S>, s: S) -> S {
    if pre.is_empty() {
        return s;
    }
    pre.push(s);
    S::Block(pre)
}
