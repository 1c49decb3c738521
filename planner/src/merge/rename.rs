//! Per-app renaming of top-level declarations, on the AST.
//!
//! Apps bring their own programs, so two of them may declare the same name differently
//! (`DROP_IP_OPTIONS = 5` and `= 6`, two `ipv4_t` layouts, two `parse_ipv4` parsers). Each
//! app's top-level names get a renaming: a name declared identically by every app that
//! declares it (and referring only to names that are themselves kept) is kept and emitted once;
//! any other name declared by two or more apps becomes `<app>_<name>` in every app declaring
//! it. Parsers, controls and top-level extern instances are always prefixed (Fig. 16, step 1):
//! they hold the app's state (tables, registers, counters), which two apps must never share.
//! Architecture declarations (`core.p4`, `v1model.p4`) are never renamed; neither are extern
//! types and extern functions, which the target implements by name (two apps declaring one
//! differently is an error).
//!
//! References are found with a scope-aware walk: a name declared locally (parameter, local
//! variable or constant, control-local action, table or instance, type parameter) hides the
//! top-level one, as in P4-16 name resolution; `.name` always means the top-level one. Parser
//! state names and struct field names live in other namespaces and are never touched.

use super::MergeError;
use exo_p4::ast::{self, Decl, Expr, ExprKind, Ident, Stmt, StmtKind, TablePropKind, Type};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Calls `f` on every identifier in `d` that refers to a top-level declaration (not on the
/// name `d` itself declares).
pub(crate) fn visit_global_refs(d: &mut Decl, f: &mut dyn FnMut(&mut Ident)) {
    let mut w = Walker {
        scopes: vec![HashSet::new()],
        f,
    };
    w.decl(d);
}

/// Like [`visit_global_refs`] for an expression written at top level.
pub(crate) fn visit_expr_refs(e: &mut Expr, f: &mut dyn FnMut(&mut Ident)) {
    let mut w = Walker {
        scopes: vec![HashSet::new()],
        f,
    };
    w.expr(e);
}

/// The name a top-level declaration introduces, mutably.
pub(crate) fn decl_name_mut(d: &mut Decl) -> Option<&mut Ident> {
    Some(match d {
        Decl::Const(d) => &mut d.name,
        Decl::Var(d) => &mut d.name,
        Decl::Struct(d) => &mut d.name,
        Decl::Enum(d) => &mut d.name,
        Decl::Typedef(d) => &mut d.name,
        Decl::Error(..) | Decl::MatchKind(..) => return None,
        Decl::Extern(d) => &mut d.name,
        Decl::ExternFunction(d) => &mut d.name,
        Decl::ParserType(d) | Decl::ControlType(d) | Decl::Package(d) => &mut d.name,
        Decl::Parser(d) => &mut d.sig.name,
        Decl::Control(d) => &mut d.sig.name,
        Decl::Action(d) => &mut d.name,
        Decl::Function(d) => &mut d.proto.name,
        Decl::Instantiation(d) => &mut d.name,
        Decl::Table(d) => &mut d.name,
        Decl::ValueSet(d) => &mut d.name,
    })
}

struct Walker<'f> {
    scopes: Vec<HashSet<String>>,
    f: &'f mut dyn FnMut(&mut Ident),
}

impl Walker<'_> {
    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.contains(name))
    }

    fn declare(&mut self, name: &str) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.to_string());
        }
    }

    fn push(&mut self) {
        self.scopes.push(HashSet::new());
    }

    fn pop(&mut self) {
        self.scopes.pop();
    }

    fn path(&mut self, p: &mut ast::Path) {
        if p.absolute || !self.is_local(&p.name.name) {
            (self.f)(&mut p.name);
        }
    }

    fn ty(&mut self, t: &mut Type) {
        match t {
            Type::Bits { width, .. } => self.expr(width),
            Type::Varbit(w) => self.expr(w),
            Type::Named { path, args } => {
                self.path(path);
                for a in args {
                    self.ty(a);
                }
            }
            Type::Stack { elem, size } => {
                self.ty(elem);
                self.expr(size);
            }
            Type::Tuple(ts) => {
                for t in ts {
                    self.ty(t);
                }
            }
            Type::List(t) => self.ty(t),
            Type::Bool
            | Type::Error
            | Type::MatchKind
            | Type::String
            | Type::Void
            | Type::DontCare
            | Type::Int => {}
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        match &mut e.kind {
            ExprKind::Path(p) => self.path(p),
            ExprKind::Member { base, .. } => self.expr(base),
            ExprKind::Index { base, index } => {
                self.expr(base);
                self.expr(index);
            }
            ExprKind::Slice { base, hi, lo } => {
                self.expr(base);
                self.expr(hi);
                self.expr(lo);
            }
            ExprKind::Call {
                callee,
                type_args,
                args,
            } => {
                self.expr(callee);
                for t in type_args {
                    self.ty(t);
                }
                for a in args {
                    self.expr(&mut a.value);
                }
            }
            ExprKind::Unary { expr, .. } => self.expr(expr),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Ternary { cond, then, els } => {
                self.expr(cond);
                self.expr(then);
                self.expr(els);
            }
            ExprKind::Cast { ty, expr } => {
                self.ty(ty);
                self.expr(expr);
            }
            ExprKind::List(es) => {
                for e in es {
                    self.expr(e);
                }
            }
            ExprKind::StructInit { fields, .. } => {
                for (_, e) in fields {
                    self.expr(e);
                }
            }
            ExprKind::TypedInit { ty, fields } => {
                self.ty(ty);
                for (_, e) in fields {
                    self.expr(e);
                }
            }
            ExprKind::TypeExpr(t) => self.ty(t),
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Str(_)
            | ExprKind::Default
            | ExprKind::DontCare
            | ExprKind::Dots
            | ExprKind::This => {}
        }
    }

    /// Parameters: their types and defaults, then their names come into scope.
    fn params(&mut self, ps: &mut [ast::Param]) {
        for p in ps.iter_mut() {
            self.ty(&mut p.ty);
            if let Some(d) = &mut p.default {
                self.expr(d);
            }
        }
        for p in ps.iter() {
            self.declare(&p.name.name);
        }
    }

    fn type_params(&mut self, tps: &[Ident]) {
        for t in tps {
            self.declare(&t.name);
        }
    }

    fn block(&mut self, b: &mut ast::Block) {
        self.push();
        for s in &mut b.stmts {
            self.stmt(s);
        }
        self.pop();
    }

    /// A statement in its own scope (an `if` branch that is a single declaration).
    fn scoped_stmt(&mut self, s: &mut Stmt) {
        self.push();
        self.stmt(s);
        self.pop();
    }

    fn stmt(&mut self, s: &mut Stmt) {
        match &mut s.kind {
            StmtKind::Assign { lhs, rhs } | StmtKind::CompoundAssign { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            StmtKind::Call(e) => self.expr(e),
            StmtKind::If { cond, then, els } => {
                self.expr(cond);
                self.scoped_stmt(then);
                if let Some(e) = els {
                    self.scoped_stmt(e);
                }
            }
            StmtKind::Block(b) => self.block(b),
            StmtKind::Return(Some(e)) => self.expr(e),
            StmtKind::Switch { expr, cases } => {
                self.expr(expr);
                for c in cases {
                    self.expr(&mut c.label);
                    if let Some(b) = &mut c.body {
                        self.block(b);
                    }
                }
            }
            StmtKind::Var(v) => {
                self.ty(&mut v.ty);
                if let Some(i) = &mut v.init {
                    self.expr(i);
                }
                self.declare(&v.name.name);
            }
            StmtKind::Const(c) => {
                self.ty(&mut c.ty);
                self.expr(&mut c.value);
                self.declare(&c.name.name);
            }
            StmtKind::For {
                init,
                cond,
                update,
                body,
            } => {
                // The header's declarations are visible in the condition, update and body.
                self.push();
                for s in init {
                    self.stmt(s);
                }
                if let Some(c) = cond {
                    self.expr(c);
                }
                for s in update {
                    self.stmt(s);
                }
                self.scoped_stmt(body);
                self.pop();
            }
            StmtKind::ForIn {
                ty,
                name,
                coll,
                body,
                ..
            } => {
                self.expr(coll);
                self.push();
                self.ty(ty);
                self.declare(&name.name);
                self.scoped_stmt(body);
                self.pop();
            }
            StmtKind::Annotated(_, s) => self.stmt(s),
            StmtKind::Return(None)
            | StmtKind::Exit
            | StmtKind::Empty
            | StmtKind::Break
            | StmtKind::Continue => {}
        }
    }

    fn proto(&mut self, p: &mut ast::FunctionProto) {
        self.push();
        self.type_params(&p.type_params);
        if let Some(r) = &mut p.ret {
            self.ty(r);
        }
        self.params(&mut p.params);
        self.pop();
    }

    fn action_ref(&mut self, a: &mut ast::ActionRef) {
        self.path(&mut a.name);
        if let Some(args) = &mut a.args {
            for x in args {
                self.expr(&mut x.value);
            }
        }
    }

    /// A declaration's contents; a local declaration's name comes into scope afterwards.
    fn decl(&mut self, d: &mut Decl) {
        match d {
            Decl::Const(c) => {
                self.ty(&mut c.ty);
                self.expr(&mut c.value);
            }
            Decl::Var(v) => {
                self.ty(&mut v.ty);
                if let Some(i) = &mut v.init {
                    self.expr(i);
                }
            }
            Decl::Struct(s) => {
                self.push();
                self.type_params(&s.type_params);
                for f in &mut s.fields {
                    self.ty(&mut f.ty);
                }
                self.pop();
            }
            Decl::Enum(e) => {
                if let Some(u) = &mut e.underlying {
                    self.ty(u);
                }
                for (_, v) in &mut e.members {
                    if let Some(v) = v {
                        self.expr(v);
                    }
                }
            }
            Decl::Typedef(t) => self.ty(&mut t.ty),
            Decl::Error(..) | Decl::MatchKind(..) => {}
            Decl::Extern(x) => {
                self.push();
                self.type_params(&x.type_params);
                for m in &mut x.methods {
                    self.proto(m);
                }
                self.pop();
            }
            Decl::ExternFunction(p) => self.proto(p),
            Decl::ParserType(s) | Decl::ControlType(s) | Decl::Package(s) => {
                self.push();
                self.type_params(&s.type_params);
                self.params(&mut s.params);
                self.pop();
            }
            Decl::Parser(p) => {
                self.push();
                self.type_params(&p.sig.type_params);
                self.params(&mut p.sig.params);
                if let Some(c) = &mut p.ctor_params {
                    self.params(c);
                }
                for l in &mut p.locals {
                    self.local(l);
                }
                for s in &mut p.states {
                    self.push();
                    for st in &mut s.body {
                        self.stmt(st);
                    }
                    if let Some(ast::Transition::Select { exprs, cases, .. }) = &mut s.transition {
                        for e in exprs {
                            self.expr(e);
                        }
                        for c in cases {
                            for k in &mut c.keys {
                                self.expr(k);
                            }
                        }
                    }
                    self.pop();
                }
                self.pop();
            }
            Decl::Control(c) => {
                self.push();
                self.type_params(&c.sig.type_params);
                self.params(&mut c.sig.params);
                if let Some(p) = &mut c.ctor_params {
                    self.params(p);
                }
                for l in &mut c.locals {
                    self.local(l);
                }
                self.block(&mut c.body);
                self.pop();
            }
            Decl::Action(a) => {
                self.push();
                self.params(&mut a.params);
                self.block(&mut a.body);
                self.pop();
            }
            Decl::Function(f) => {
                self.push();
                self.type_params(&f.proto.type_params);
                if let Some(r) = &mut f.proto.ret {
                    self.ty(r);
                }
                self.params(&mut f.proto.params);
                self.block(&mut f.body);
                self.pop();
            }
            Decl::Instantiation(i) => {
                self.ty(&mut i.ty);
                for a in &mut i.args {
                    self.expr(&mut a.value);
                }
                if let Some(init) = &mut i.initializer {
                    self.push();
                    for d in init {
                        self.local(d);
                    }
                    self.pop();
                }
            }
            Decl::Table(t) => {
                for p in &mut t.props {
                    match &mut p.kind {
                        TablePropKind::Key(ks) => {
                            for k in ks {
                                self.expr(&mut k.expr);
                            }
                        }
                        TablePropKind::Actions(refs) => {
                            for a in refs {
                                self.action_ref(a);
                            }
                        }
                        TablePropKind::Entries(es) => {
                            for e in es {
                                if let Some(p) = &mut e.priority {
                                    self.expr(p);
                                }
                                for k in &mut e.keys {
                                    self.expr(k);
                                }
                                self.action_ref(&mut e.action);
                            }
                        }
                        TablePropKind::Custom { value, .. } => self.expr(value),
                    }
                }
            }
            Decl::ValueSet(v) => {
                self.ty(&mut v.elem);
                self.expr(&mut v.size);
            }
        }
    }

    fn local(&mut self, d: &mut Decl) {
        self.decl(d);
        if let Some(n) = d.name() {
            let n = n.name.clone();
            self.declare(&n);
        }
    }
}

/// One app's top-level declarations (architecture declarations and `main` left out).
pub(crate) struct AppDecls<'a> {
    pub prefix: &'a str,
    pub decls: Vec<&'a Decl>,
}

/// Per app: the top-level names it must rename, old -> new.
pub(crate) type Renaming = HashMap<String, String>;

fn refs_of(d: &Decl) -> BTreeSet<String> {
    let mut c = d.clone();
    let mut out = BTreeSet::new();
    visit_global_refs(&mut c, &mut |id| {
        out.insert(id.name.clone());
    });
    out
}

fn renameable(d: &Decl) -> bool {
    !matches!(d, Decl::Extern(_) | Decl::ExternFunction(_))
}

/// Decides every app's renaming. `reserved`: names the merger itself declares (an app
/// declaring one is renamed).
pub(crate) fn plan(
    apps: &[AppDecls<'_>],
    reserved: &dyn Fn(&str) -> bool,
) -> Result<Vec<Renaming>, MergeError> {
    // name -> its declarations (overloads grouped), per app.
    let groups: Vec<BTreeMap<String, Vec<&Decl>>> = apps
        .iter()
        .map(|a| {
            let mut g: BTreeMap<String, Vec<&Decl>> = BTreeMap::new();
            for d in &a.decls {
                if let Some(n) = d.name() {
                    g.entry(n.name.clone()).or_default().push(d);
                }
            }
            g
        })
        .collect();
    let mut declared_by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        for n in g.keys() {
            declared_by.entry(n.as_str()).or_default().push(i);
        }
    }
    let mut renamed: BTreeSet<String> = BTreeSet::new();
    for (&name, who) in &declared_by {
        let decls: Vec<&Vec<&Decl>> = who.iter().map(|&i| &groups[i][name]).collect();
        // Blocks and extern instances hold per-app state: two apps never share one.
        let always = decls.iter().flat_map(|g| g.iter()).any(|d| {
            matches!(
                d,
                Decl::Parser(_) | Decl::Control(_) | Decl::Instantiation(_)
            )
        });
        let differ = decls.windows(2).any(|w| w[0] != w[1]);
        if always || reserved(name) || differ {
            renamed.insert(name.to_string());
        }
    }
    // A declaration shared by several apps that refers to a renamed name differs after
    // renaming; repeat until nothing changes.
    let refs: Vec<BTreeMap<&str, BTreeSet<String>>> = groups
        .iter()
        .map(|g| {
            g.iter()
                .filter(|(n, _)| declared_by[n.as_str()].len() > 1)
                .map(|(n, ds)| (n.as_str(), ds.iter().flat_map(|d| refs_of(d)).collect()))
                .collect()
        })
        .collect();
    loop {
        let mut changed = false;
        for (i, r) in refs.iter().enumerate() {
            for (&name, uses) in r {
                if renamed.contains(name) {
                    continue;
                }
                if uses
                    .iter()
                    .any(|u| renamed.contains(u) && groups[i].contains_key(u))
                {
                    renamed.insert(name.to_string());
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut maps = Vec::with_capacity(apps.len());
    // Every name in the merged program, to catch `<app>_<name>` colliding with a kept name.
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    for (i, (a, g)) in apps.iter().zip(&groups).enumerate() {
        let mut m = Renaming::new();
        for (name, ds) in g {
            if !renamed.contains(name) {
                taken
                    .entry(name.clone())
                    .or_insert_with(|| a.prefix.to_string());
                continue;
            }
            if let Some(d) = ds.iter().find(|d| !renameable(d)) {
                let other = declared_by[name.as_str()]
                    .iter()
                    .find(|&&j| j != i)
                    .map_or("the merger", |&j| apps[j].prefix);
                return Err(MergeError::Conflict {
                    a: other.to_string(),
                    b: a.prefix.to_string(),
                    kind: if matches!(d, Decl::Extern(_)) {
                        "extern type".into()
                    } else {
                        "extern function".into()
                    },
                    name: name.clone(),
                });
            }
            m.insert(name.clone(), format!("{}_{name}", a.prefix));
        }
        maps.push(m);
    }
    for (a, m) in apps.iter().zip(&maps) {
        let mut news: Vec<&String> = m.values().collect();
        news.sort();
        for new in news {
            if let Some(owner) = taken.insert(new.clone(), a.prefix.to_string()) {
                return Err(MergeError::App {
                    app: a.prefix.to_string(),
                    message: format!(
                        "renaming a declaration to `{new}` collides with a declaration of that name in app `{owner}`; rename one of them"
                    ),
                });
            }
        }
    }
    Ok(maps)
}

/// `d` with its own name and every reference renamed by `m`.
pub(crate) fn apply(d: &Decl, m: &Renaming) -> Decl {
    let mut d = d.clone();
    visit_global_refs(&mut d, &mut |id| {
        if let Some(n) = m.get(&id.name) {
            id.name = n.clone();
        }
    });
    if let Some(id) = decl_name_mut(&mut d) {
        if let Some(n) = m.get(&id.name) {
            id.name = n.clone();
        }
    }
    d
}
