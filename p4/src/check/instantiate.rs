//! Per-instance state of sub-parsers and sub-controls.
//!
//! The checker lowers each parser and control declaration once, naming what it declares after
//! the type (`Row.cells`). A control instantiated twice (`Row(1) r1; Row(2) r2;`) must however
//! have two sets of tables, registers and counters, named after the instances
//! (`MyIngress.r1.cells`, `MyIngress.r2.cells`) as p4c names them in P4Info. This pass copies
//! every sub-instantiated block, with everything it owns, once per instance path, renames all
//! references in the copies, and drops the type-level originals that nothing else uses.

use crate::ir::{self, CallTarget, ExprKind, Program, Stmt};
use std::collections::HashSet;

/// Most copies made (guards against exponential nesting of instantiations).
const MAX_COPIES: usize = 4096;

pub(crate) fn instantiate(p: &mut Program) {
    if p.sub_instances.is_empty() {
        return;
    }
    let slot_blocks: HashSet<String> = p
        .package
        .as_ref()
        .map(|pk| pk.slots.iter().map(|(_, b)| b.clone()).collect())
        .unwrap_or_default();
    let originals: Vec<ir::SubInstance> = std::mem::take(&mut p.sub_instances);
    let mut ids: HashSet<u32> = p
        .actions
        .iter()
        .map(|a| a.id)
        .chain(p.tables.iter().map(|t| t.id))
        .chain(p.instances.iter().map(|i| i.id))
        .chain(p.value_sets.iter().map(|v| v.id))
        .collect();
    // Instances declared in the package's blocks (or at the top level) are roots; those declared
    // inside another sub-instantiated block are copied along with their parent.
    let owner = |si: &ir::SubInstance| si.name.rsplit_once('.').map(|(o, _)| o.to_string());
    let mut work: Vec<(ir::SubInstance, String)> = originals
        .iter()
        .filter(|si| {
            owner(si)
                .is_none_or(|o| slot_blocks.contains(&o) || !originals.iter().any(|x| x.block == o))
        })
        .map(|si| (si.clone(), si.name.clone()))
        .collect();
    let mut made: Vec<ir::SubInstance> = Vec::new();
    let mut copied_types: HashSet<String> = HashSet::new();
    while let Some((si, path)) = work.pop() {
        if made.len() >= MAX_COPIES {
            break;
        }
        copied_types.insert(si.block.clone());
        copy_block(p, &si.block, &path, &si.args, &mut ids);
        made.push(ir::SubInstance {
            name: path.clone(),
            block: path.clone(),
            args: si.args.clone(),
        });
        // Nested instances of this block type get copied under this path; instances passed
        // to their constructors are named under it too.
        let rn = renamer(&si.block, &path);
        for inner in originals
            .iter()
            .filter(|x| owner(x).as_deref() == Some(si.block.as_str()))
        {
            let local = inner
                .name
                .rsplit_once('.')
                .map_or(inner.name.as_str(), |(_, l)| l);
            let mut inner = inner.clone();
            for a in &mut inner.args {
                if let ir::CtorArg::Instance { name } = a {
                    if let Some(n) = rn(name) {
                        *name = n;
                    }
                }
            }
            work.push((inner, format!("{path}.{local}")));
        }
    }
    // Drop the type-level originals that are not package blocks.
    let dead: HashSet<String> = copied_types.difference(&slot_blocks).cloned().collect();
    let owned = |name: &str| {
        dead.iter().any(|b| {
            name.strip_prefix(b.as_str())
                .is_some_and(|r| r.starts_with('.'))
        })
    };
    p.controls.retain(|c| !dead.contains(&c.name));
    p.parsers.retain(|c| !dead.contains(&c.name));
    p.actions.retain(|a| !dead.contains(&a.control));
    p.tables.retain(|t| !dead.contains(&t.control));
    p.instances.retain(|i| !owned(&i.name));
    p.value_sets.retain(|v| !owned(&v.name));
    made.reverse();
    p.sub_instances = made;
    // Blocks applied by other sub-instantiated blocks come first (deeper instance paths first).
    let depth = |n: &str| n.matches('.').count();
    let is_copy = |n: &str| p.sub_instances.iter().any(|s| s.block == n);
    let (mut copies, rest): (Vec<ir::Control>, Vec<ir::Control>) = std::mem::take(&mut p.controls)
        .into_iter()
        .partition(|c| is_copy(&c.name));
    copies.sort_by_key(|c| std::cmp::Reverse(depth(&c.name)));
    let copies = applied_first(copies, |c| applied_blocks(&c.body), |c| c.name.clone());
    p.controls = copies.into_iter().chain(rest).collect();
    let (mut copies, rest): (Vec<ir::Parser>, Vec<ir::Parser>) = std::mem::take(&mut p.parsers)
        .into_iter()
        .partition(|c| is_copy(&c.name));
    copies.sort_by_key(|c| std::cmp::Reverse(depth(&c.name)));
    let copies = applied_first(
        copies,
        |x| {
            let mut v = applied_blocks(&x.init);
            for st in &x.states {
                v.extend(applied_blocks(&st.stmts));
            }
            v
        },
        |x| x.name.clone(),
    );
    p.parsers = copies.into_iter().chain(rest).collect();
}

/// The blocks `ss` applies.
fn applied_blocks(ss: &[Stmt]) -> Vec<String> {
    let mut out = Vec::new();
    ir::walk_calls_in_stmts(ss, &mut |c| {
        if let CallTarget::ApplyBlock { name } = &c.target {
            out.push(name.clone());
        }
    });
    out
}

/// `blocks` reordered so that every block comes after the blocks it applies (an instance
/// passed to a constructor can be applied by a sibling declared before it), otherwise in
/// their order. Cycles (which the checker does not allow) keep their order.
fn applied_first<B>(
    blocks: Vec<B>,
    applies: impl Fn(&B) -> Vec<String>,
    name: impl Fn(&B) -> String,
) -> Vec<B> {
    let names: Vec<String> = blocks.iter().map(&name).collect();
    let deps: Vec<Vec<usize>> = blocks
        .iter()
        .map(|b| {
            applies(b)
                .iter()
                .filter_map(|n| names.iter().position(|x| x == n))
                .collect()
        })
        .collect();
    // 0: not visited, 1: in progress, 2: placed.
    let mut state = vec![0u8; blocks.len()];
    let mut order = Vec::with_capacity(blocks.len());
    fn visit(i: usize, deps: &[Vec<usize>], state: &mut [u8], order: &mut Vec<usize>) {
        if state[i] != 0 {
            return;
        }
        state[i] = 1;
        for &d in &deps[i] {
            visit(d, deps, state, order);
        }
        state[i] = 2;
        order.push(i);
    }
    for i in 0..blocks.len() {
        visit(i, &deps, &mut state, &mut order);
    }
    let mut slots: Vec<Option<B>> = blocks.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

fn renamer<'a>(block: &'a str, path: &'a str) -> impl Fn(&str) -> Option<String> + 'a {
    move |name: &str| {
        name.strip_prefix(block)
            .filter(|r| r.starts_with('.'))
            .map(|r| format!("{path}{r}"))
    }
}

fn fresh_id(ids: &mut HashSet<u32>, prefix: u8, name: &str) -> u32 {
    let mut id = ir::entity_id(prefix, name);
    while !ids.insert(id) {
        let low = (id & 0x00ff_ffff).wrapping_add(1) & 0x00ff_ffff;
        id = (u32::from(prefix) << 24) | low.max(1);
    }
    id
}

/// `rn`, and the constructor parameters of parser or control type (`$ctor.t`, see
/// [`ir::CTOR_BLOCK_PREFIX`]) resolved to the instances passed in `args`.
fn with_ctor_blocks<'a>(
    rn: impl Fn(&str) -> Option<String> + 'a,
    params: &[ir::Param],
    args: &[ir::CtorArg],
) -> impl Fn(&str) -> Option<String> + 'a {
    let blocks: Vec<(String, String)> = params
        .iter()
        .zip(args)
        .filter_map(|(p, a)| match a {
            ir::CtorArg::Instance { name } => Some((p.name.clone(), name.clone())),
            _ => None,
        })
        .collect();
    move |name: &str| match name.strip_prefix(ir::CTOR_BLOCK_PREFIX) {
        Some(param) => blocks
            .iter()
            .find(|(p, _)| p == param)
            .map(|(_, inst)| inst.clone()),
        None => rn(name),
    }
}

fn copy_block(
    p: &mut Program,
    block: &str,
    path: &str,
    args: &[ir::CtorArg],
    ids: &mut HashSet<u32>,
) {
    let rn = renamer(block, path);
    if let Some(c) = p.controls.iter().find(|c| c.name == block).cloned() {
        let mut c = c;
        c.name = path.to_string();
        let rn = with_ctor_blocks(&rn, &c.ctor_params, args);
        rename_stmts(&mut c.body, &rn);
        p.controls.push(c);
    } else if let Some(x) = p.parsers.iter().find(|c| c.name == block).cloned() {
        let mut x = x;
        x.name = path.to_string();
        let rn = with_ctor_blocks(&rn, &x.ctor_params, args);
        rename_stmts(&mut x.init, &rn);
        for s in &mut x.states {
            rename_stmts(&mut s.stmts, &rn);
            if let ir::Transition::Select { keys, cases } = &mut s.transition {
                for k in keys {
                    rename_expr(k, &rn);
                }
                for c in cases {
                    for k in &mut c.keyset {
                        if let ir::KeysetElem::ValueSet { name } = k {
                            if let Some(n) = rn(name) {
                                *name = n;
                            }
                        }
                    }
                }
            }
        }
        p.parsers.push(x);
    } else {
        return;
    }
    let actions: Vec<ir::Action> = p
        .actions
        .iter()
        .filter(|a| a.control == block)
        .cloned()
        .collect();
    for mut a in actions {
        a.name = rn(&a.name).unwrap_or(a.name);
        a.control = path.to_string();
        a.id = fresh_id(ids, ir::id_prefix::ACTION, &a.name);
        rename_stmts(&mut a.body, &rn);
        p.actions.push(a);
    }
    let tables: Vec<ir::Table> = p
        .tables
        .iter()
        .filter(|t| t.control == block)
        .cloned()
        .collect();
    for mut t in tables {
        t.name = rn(&t.name).unwrap_or(t.name);
        t.control = path.to_string();
        t.id = fresh_id(ids, ir::id_prefix::TABLE, &t.name);
        for k in &mut t.keys {
            rename_expr(&mut k.expr, &rn);
        }
        for a in &mut t.actions {
            if let Some(n) = rn(&a.action) {
                a.action = n;
            }
            for e in &mut a.args {
                rename_expr(e, &rn);
            }
        }
        let calls = t
            .default_action
            .iter_mut()
            .chain(t.entries.iter_mut().map(|e| &mut e.action));
        for call in calls {
            if let Some(n) = rn(&call.action) {
                call.action = n;
            }
            for e in &mut call.args {
                rename_expr(e, &rn);
            }
        }
        for r in [
            &mut t.direct_counter,
            &mut t.direct_meter,
            &mut t.implementation,
        ] {
            if let Some(n) = r.as_ref().and_then(|x| rn(x)) {
                *r = Some(n);
            }
        }
        p.tables.push(t);
    }
    let insts: Vec<ir::ExternInstance> = p
        .instances
        .iter()
        .filter(|i| rn(&i.name).is_some())
        .cloned()
        .collect();
    for mut i in insts {
        i.name = rn(&i.name).unwrap_or(i.name);
        i.id = fresh_id(ids, (i.id >> 24) as u8, &i.name);
        for a in &mut i.args {
            if let ir::CtorArg::Instance { name } = a {
                if let Some(n) = rn(name) {
                    *name = n;
                }
            }
        }
        p.instances.push(i);
    }
    let vsets: Vec<ir::ValueSet> = p
        .value_sets
        .iter()
        .filter(|v| rn(&v.name).is_some())
        .cloned()
        .collect();
    for mut v in vsets {
        v.name = rn(&v.name).unwrap_or(v.name);
        v.id = fresh_id(ids, ir::id_prefix::VALUE_SET, &v.name);
        p.value_sets.push(v);
    }
}

fn rename_ty(t: &mut ir::Ty, rn: &dyn Fn(&str) -> Option<String>) {
    if let ir::Ty::TableResult { table } | ir::Ty::ActionEnum { table } = t {
        if let Some(n) = rn(table) {
            *table = n;
        }
    }
}

fn rename_stmts(ss: &mut [Stmt], rn: &dyn Fn(&str) -> Option<String>) {
    for s in ss {
        match s {
            Stmt::Assign { lhs, rhs } => {
                rename_expr(lhs, rn);
                rename_expr(rhs, rn);
            }
            Stmt::Call(c) => rename_call(c, rn),
            Stmt::If { cond, then, els } => {
                rename_expr(cond, rn);
                rename_stmts(then, rn);
                rename_stmts(els, rn);
            }
            Stmt::Switch { on, cases } => {
                rename_expr(on, rn);
                for c in cases {
                    for l in &mut c.labels {
                        rename_expr(l, rn);
                    }
                    rename_stmts(&mut c.body, rn);
                }
            }
            Stmt::Block { stmts } => rename_stmts(stmts, rn),
            Stmt::Return { value: Some(v) } => rename_expr(v, rn),
            Stmt::For {
                init,
                cond,
                update,
                body,
            } => {
                rename_stmts(init, rn);
                rename_expr(cond, rn);
                rename_stmts(update, rn);
                rename_stmts(body, rn);
            }
            Stmt::Exit | Stmt::Return { value: None } | Stmt::Break | Stmt::Continue => {}
        }
    }
}

fn rename_call(c: &mut ir::Call, rn: &dyn Fn(&str) -> Option<String>) {
    match &mut c.target {
        CallTarget::Action { name } | CallTarget::ApplyBlock { name } => {
            if let Some(n) = rn(name) {
                *name = n;
            }
        }
        CallTarget::TableApply { table } => {
            if let Some(n) = rn(table) {
                *table = n;
            }
        }
        _ => {}
    }
    if let Some(r) = &mut c.receiver {
        rename_expr(r, rn);
    }
    for a in &mut c.args {
        rename_expr(a, rn);
    }
}

fn rename_expr(e: &mut ir::Expr, rn: &dyn Fn(&str) -> Option<String>) {
    rename_ty(&mut e.ty, rn);
    match &mut e.kind {
        ExprKind::Instance { name } => {
            if let Some(n) = rn(name) {
                *name = n;
            }
        }
        ExprKind::TableHit { table, .. } | ExprKind::ActionRun { table } => {
            if let Some(n) = rn(table) {
                *table = n;
            }
        }
        // Labels of `switch (t.apply().action_run)` are action names.
        ExprKind::Str { value } if matches!(e.ty, ir::Ty::ActionEnum { .. }) => {
            if let Some(n) = rn(value) {
                *value = n;
            }
        }
        ExprKind::Field { base, .. }
        | ExprKind::StackProp { base, .. }
        | ExprKind::Slice { base, .. } => rename_expr(base, rn),
        ExprKind::Index { base, index } => {
            rename_expr(base, rn);
            rename_expr(index, rn);
        }
        ExprKind::Unary { arg, .. } | ExprKind::Cast { arg } => rename_expr(arg, rn),
        ExprKind::Binary { lhs, rhs, .. } => {
            rename_expr(lhs, rn);
            rename_expr(rhs, rn);
        }
        ExprKind::Mux { cond, then, els } => {
            rename_expr(cond, rn);
            rename_expr(then, rn);
            rename_expr(els, rn);
        }
        ExprKind::List { elems } => {
            for x in elems {
                rename_expr(x, rn);
            }
        }
        ExprKind::Call(c) => rename_call(c, rn),
        _ => {}
    }
}
