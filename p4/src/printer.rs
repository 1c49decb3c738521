//! Pretty printer: turns an AST back into readable P4-16 source.
//!
//! The AST has no parenthesis node, so the printer inserts parentheses wherever re-parsing would
//! otherwise build a different tree (see [`print_expr`]). Printing and re-parsing a program yields
//! an equal AST (spans compare equal regardless of position); the round-trip test at the bottom of
//! this file checks that on random programs.

use crate::ast::*;
use crate::lexer::{quote_string, Punct, Tok, Token};

const INDENT: &str = "    ";

/// Precedence of primary and postfix expressions (literals, names, members, calls, ...).
const PRIMARY_PRECEDENCE: u8 = PREFIX_PRECEDENCE + 1;

/// Prints a whole program: one declaration after another, separated by blank lines.
pub fn print_program(p: &Program) -> String {
    let mut pr = Printer::default();
    for (i, d) in p.decls.iter().enumerate() {
        if i > 0 {
            pr.out.push('\n');
        }
        pr.decl(d, 0);
    }
    pr.out
}

/// Prints one declaration at `indent` levels (4 spaces each); the result ends with a newline.
pub fn print_decl(d: &Decl, indent: usize) -> String {
    let mut pr = Printer::default();
    pr.decl(d, indent);
    pr.out
}

/// Prints one statement at `indent` levels (4 spaces each); the result ends with a newline.
pub fn print_stmt(s: &Stmt, indent: usize) -> String {
    let mut pr = Printer::default();
    pr.stmt(s, indent);
    pr.out
}

/// Prints a type: `bit<8>`, `int<(W + 1)>`, `.h_t[4]`, `register<bit<32>>`, `tuple<bool, int>`.
pub fn print_type(t: &Type) -> String {
    match t {
        Type::Bool => "bool".into(),
        Type::Error => "error".into(),
        Type::MatchKind => "match_kind".into(),
        Type::String => "string".into(),
        Type::Void => "void".into(),
        Type::DontCare => "_".into(),
        Type::Int => "int".into(),
        Type::Bits { signed, width } => {
            let kw = if *signed { "int" } else { "bit" };
            format!("{kw}<{}>", width_expr(width))
        }
        Type::Varbit(w) => format!("varbit<{}>", width_expr(w)),
        Type::Named { path, args } => format!("{}{}", print_path(path), type_args(args)),
        Type::Stack { elem, size } => format!("{}[{}]", print_type(elem), print_expr(size)),
        Type::Tuple(ts) => format!("tuple<{}>", types(ts)),
        Type::List(t) => format!("list<{}>", print_type(t)),
    }
}

/// Prints an expression, parenthesising sub-expressions so that parsing the text gives back the
/// same tree:
///
/// * binary operators are left-associative: an operand that binds looser than the operator, or a
///   right operand that binds equally loosely, is parenthesised (`(a + b) * c`, `a - (b - c)`);
///   a relational left operand of a relational operator is parenthesised as well (`(a < b) > c`),
///   so that no `a < b > c` can be mistaken for type arguments, and so is a right operand of `<`
///   that starts with an absolute name (`a < (.b)`; `f(a < .b, c > (d))` would be a call `a<.b, c>`);
/// * a conditional `?:` is parenthesised wherever it is an operand of anything;
/// * the operand of a prefix operator is parenthesised unless it is primary or a cast
///   (`-(a + b)`, `-(-a)`), the operand of a cast unless it is primary or another cast, and also
///   when it starts with an absolute name (`(T)(.x)`, since `(T).x` is a member of `(T)`);
/// * the base of a member access, index, slice or call is parenthesised unless it is primary
///   (`((bit<8>)x).y`).
pub fn print_expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Str(s) => quote_string(s),
        ExprKind::Path(p) => print_path(p),
        ExprKind::Member { base, member } => format!("{}.{}", postfix_base(base), member.name),
        ExprKind::Index { base, index } => {
            format!("{}[{}]", postfix_base(base), print_expr(index))
        }
        ExprKind::Slice { base, hi, lo } => format!(
            "{}[{}:{}]",
            postfix_base(base),
            operand(hi, 0),
            operand(lo, 0)
        ),
        ExprKind::Call {
            callee,
            type_args: targs,
            args: a,
        } => format!("{}{}({})", postfix_base(callee), type_args(targs), args(a)),
        ExprKind::Unary { op, expr } => {
            let inner =
                if prec(expr) < PRIMARY_PRECEDENCE && !matches!(expr.kind, ExprKind::Cast { .. }) {
                    parens(expr)
                } else {
                    print_expr(expr)
                };
            format!("{}{inner}", op.as_str())
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let p = op.precedence();
            let l = if is_relational(*op)
                && matches!(&lhs.kind, ExprKind::Binary { op, .. } if is_relational(*op))
            {
                parens(lhs)
            } else {
                operand(lhs, p)
            };
            let mut r = operand(rhs, p + 1);
            // `a < .b, c > (d)` would read as a call with type arguments `<.b, c>`: a right
            // operand of `<` that starts with an absolute name is parenthesised.
            if *op == BinOp::Lt && r.starts_with('.') {
                r = format!("({r})");
            }
            format!("{l} {} {r}", op.as_str())
        }
        ExprKind::Ternary { cond, then, els } => format!(
            "{} ? {} : {}",
            operand(cond, TERNARY_PRECEDENCE + 1),
            operand(then, TERNARY_PRECEDENCE + 1),
            operand(els, TERNARY_PRECEDENCE + 1)
        ),
        ExprKind::Cast { ty, expr } => {
            let inner = print_expr(expr);
            // `(T).x` reads as a member of a parenthesised `T`: an operand that starts with an
            // absolute name is parenthesised, as is any operand that is not primary or a cast.
            let simple = match &expr.kind {
                ExprKind::Cast { .. } => true,
                _ => prec(expr) == PRIMARY_PRECEDENCE,
            };
            if simple && !inner.starts_with('.') {
                format!("({}){inner}", print_type(ty))
            } else {
                format!("({})({inner})", print_type(ty))
            }
        }
        ExprKind::List(items) => format!("{{{}}}", exprs(items)),
        ExprKind::StructInit { fields, has_dots } => {
            let mut parts: Vec<String> = fields.iter().map(field_init).collect();
            if *has_dots {
                parts.push("...".into());
            }
            format!("{{{}}}", parts.join(", "))
        }
        ExprKind::TypedInit { ty, fields } => {
            let parts: Vec<String> = fields.iter().map(field_init).collect();
            format!("{} {{{}}}", print_type(ty), parts.join(", "))
        }
        ExprKind::Default => "default".into(),
        ExprKind::DontCare => "_".into(),
        ExprKind::Dots => "...".into(),
        ExprKind::This => "this".into(),
        ExprKind::TypeExpr(t) => print_type(t),
    }
}

fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => op.precedence(),
        ExprKind::Ternary { .. } => TERNARY_PRECEDENCE,
        ExprKind::Unary { .. } | ExprKind::Cast { .. } => PREFIX_PRECEDENCE,
        _ => PRIMARY_PRECEDENCE,
    }
}

fn is_relational(op: BinOp) -> bool {
    matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
}

fn parens(e: &Expr) -> String {
    format!("({})", print_expr(e))
}

/// `e` as an operand of something that binds with precedence `min`: parenthesised when it binds
/// more loosely, and always when it is a conditional.
fn operand(e: &Expr, min: u8) -> String {
    if matches!(e.kind, ExprKind::Ternary { .. }) || prec(e) < min {
        parens(e)
    } else {
        print_expr(e)
    }
}

fn postfix_base(e: &Expr) -> String {
    operand(e, PRIMARY_PRECEDENCE)
}

/// Widths of `bit<...>`, `int<...>` and `varbit<...>`: literals and simple names as they are,
/// anything else in parentheses.
fn width_expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(_) => print_expr(e),
        ExprKind::Path(p) if !p.absolute => print_expr(e),
        _ => parens(e),
    }
}

/// An integer literal as it is, anything else in parentheses (entry priorities).
fn literal_or_parens(e: &Expr) -> String {
    match e.kind {
        ExprKind::Int(_) => print_expr(e),
        _ => parens(e),
    }
}

/// A keyset (select case, table entry): `(k1, k2)` for tuples, else the single element. Tuple
/// elements that are conditionals are parenthesised for readability; a single element is not,
/// since `(a ? b : c): s;` would read as a one-element tuple.
fn keyset(keys: &[Expr], tuple: bool) -> String {
    if tuple || keys.len() != 1 {
        let parts: Vec<String> = keys.iter().map(|k| operand(k, 0)).collect();
        format!("({})", parts.join(", "))
    } else {
        print_expr(&keys[0])
    }
}

fn print_path(p: &Path) -> String {
    if p.absolute {
        format!(".{}", p.name.name)
    } else {
        p.name.name.clone()
    }
}

fn field_init((name, value): &(Ident, Expr)) -> String {
    format!("{} = {}", name.name, print_expr(value))
}

fn exprs(es: &[Expr]) -> String {
    es.iter().map(print_expr).collect::<Vec<_>>().join(", ")
}

fn types(ts: &[Type]) -> String {
    ts.iter().map(print_type).collect::<Vec<_>>().join(", ")
}

fn type_args(ts: &[Type]) -> String {
    if ts.is_empty() {
        String::new()
    } else {
        format!("<{}>", types(ts))
    }
}

fn type_params(ps: &[Ident]) -> String {
    if ps.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = ps.iter().map(|p| p.name.as_str()).collect();
        format!("<{}>", names.join(", "))
    }
}

fn arg(a: &Arg) -> String {
    match &a.name {
        Some(n) => format!("{} = {}", n.name, print_expr(&a.value)),
        None => print_expr(&a.value),
    }
}

fn args(a: &[Arg]) -> String {
    a.iter().map(arg).collect::<Vec<_>>().join(", ")
}

fn param(p: &Param) -> String {
    let mut s = annotations_inline(&p.annotations);
    if let Some(d) = p.direction {
        s.push_str(d.as_str());
        s.push(' ');
    }
    s.push_str(&print_type(&p.ty));
    s.push(' ');
    s.push_str(&p.name.name);
    if let Some(d) = &p.default {
        s.push_str(" = ");
        s.push_str(&print_expr(d));
    }
    s
}

fn params(ps: &[Param]) -> String {
    ps.iter().map(param).collect::<Vec<_>>().join(", ")
}

/// Tokens of an unparsed annotation body, separated by single spaces except before `,` and `)`
/// and after `(`.
fn tokens(ts: &[Token]) -> String {
    let mut s = String::new();
    let mut after_open = true;
    for t in ts {
        if t.tok == Tok::Eof {
            continue;
        }
        let tight = matches!(t.tok, Tok::P(Punct::Comma | Punct::RParen));
        if !after_open && !tight {
            s.push(' ');
        }
        s.push_str(&t.tok.to_string());
        after_open = t.tok == Tok::P(Punct::LParen);
    }
    s
}

fn annotation(a: &Annotation) -> String {
    let name = &a.name.name;
    match &a.body {
        AnnotationBody::Empty => format!("@{name}"),
        AnnotationBody::Unparsed(ts) => format!("@{name}({})", tokens(ts)),
        AnnotationBody::Expressions(es) => format!("@{name}[{}]", exprs(es)),
        AnnotationBody::KeyValue(kvs) => {
            let parts: Vec<String> = kvs.iter().map(field_init).collect();
            format!("@{name}[{}]", parts.join(", "))
        }
    }
}

/// The annotations followed by a space, or nothing.
fn annotations_inline(annos: &[Annotation]) -> String {
    annos.iter().map(|a| annotation(a) + " ").collect()
}

/// The annotations preceded by a space, or nothing.
fn annotations_after(annos: &[Annotation]) -> String {
    annos
        .iter()
        .map(|a| format!(" {}", annotation(a)))
        .collect()
}

fn function_proto(f: &FunctionProto) -> String {
    let mut s = annotations_inline(&f.annotations);
    if f.is_abstract {
        s.push_str("abstract ");
    }
    if let Some(ret) = &f.ret {
        s.push_str(&print_type(ret));
        s.push(' ');
    }
    s.push_str(&f.name.name);
    s.push_str(&type_params(&f.type_params));
    s.push('(');
    s.push_str(&params(&f.params));
    s.push(')');
    s
}

fn type_decl_sig(keyword: &str, sig: &TypeDeclSig) -> String {
    format!(
        "{}{keyword} {}{}({})",
        annotations_inline(&sig.annotations),
        sig.name.name,
        type_params(&sig.type_params),
        params(&sig.params)
    )
}

/// A statement of a `for` header: a declaration, an assignment or a call, without the `;`.
fn for_clause(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Var(v) => var_decl(v).trim_end_matches(';').to_string(),
        StmtKind::Assign { lhs, rhs } => format!("{} = {}", print_expr(lhs), print_expr(rhs)),
        StmtKind::CompoundAssign { op, lhs, rhs } => {
            format!("{} {}= {}", print_expr(lhs), op.as_str(), print_expr(rhs))
        }
        StmtKind::Call(e) => print_expr(e),
        // The parser produces nothing else here.
        _ => String::new(),
    }
}

fn var_decl(v: &VarDecl) -> String {
    let mut s = format!(
        "{}{} {}",
        annotations_inline(&v.annotations),
        print_type(&v.ty),
        v.name.name
    );
    if let Some(init) = &v.init {
        s.push_str(" = ");
        s.push_str(&print_expr(init));
    }
    s.push(';');
    s
}

fn const_decl(c: &ConstDecl) -> String {
    format!(
        "{}const {} {} = {};",
        annotations_inline(&c.annotations),
        print_type(&c.ty),
        c.name.name,
        print_expr(&c.value)
    )
}

fn action_ref(a: &ActionRef) -> String {
    let mut s = annotations_inline(&a.annotations);
    s.push_str(&print_path(&a.name));
    if let Some(a) = &a.args {
        s.push('(');
        s.push_str(&args(a));
        s.push(')');
    }
    s
}

#[derive(Default)]
struct Printer {
    out: String,
}

impl Printer {
    fn indent(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push_str(INDENT);
        }
    }

    fn line(&mut self, n: usize, text: &str) {
        self.indent(n);
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn end_line(&mut self) {
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// Declarations inside a parser, control or initializer: a blank line separates two
    /// neighbours when either spans several lines.
    fn decls(&mut self, ds: &[Decl], n: usize) {
        let mut prev_multi = false;
        for (i, d) in ds.iter().enumerate() {
            let text = print_decl(d, n);
            let multi = text.trim_end().contains('\n');
            if i > 0 && (multi || prev_multi) {
                self.out.push('\n');
            }
            self.out.push_str(&text);
            prev_multi = multi;
        }
    }

    /// Annotations of a multi-line declaration, on a line of their own.
    fn annotation_line(&mut self, annos: &[Annotation], n: usize) {
        if !annos.is_empty() {
            let all: Vec<String> = annos.iter().map(annotation).collect();
            self.line(n, &all.join(" "));
        }
    }

    /// `header {`, one comma-separated item per line, `}`.
    fn comma_list(&mut self, header: &str, items: &[String], n: usize) {
        self.indent(n);
        self.out.push_str(header);
        self.out.push_str(" {\n");
        for (i, item) in items.iter().enumerate() {
            self.indent(n + 1);
            self.out.push_str(item);
            if i + 1 < items.len() {
                self.out.push(',');
            }
            self.out.push('\n');
        }
        self.line(n, "}");
    }

    fn decl(&mut self, d: &Decl, n: usize) {
        match d {
            Decl::Const(c) => self.line(n, &const_decl(c)),
            Decl::Var(v) => self.line(n, &var_decl(v)),
            Decl::Struct(s) => {
                self.annotation_line(&s.annotations, n);
                self.line(
                    n,
                    &format!(
                        "{} {}{} {{",
                        s.kind.keyword(),
                        s.name.name,
                        type_params(&s.type_params)
                    ),
                );
                for f in &s.fields {
                    self.line(
                        n + 1,
                        &format!(
                            "{}{} {};",
                            annotations_inline(&f.annotations),
                            print_type(&f.ty),
                            f.name.name
                        ),
                    );
                }
                self.line(n, "}");
            }
            Decl::Enum(e) => {
                self.annotation_line(&e.annotations, n);
                let header = match &e.underlying {
                    Some(t) => format!("enum {} {}", print_type(t), e.name.name),
                    None => format!("enum {}", e.name.name),
                };
                let items: Vec<String> = e
                    .members
                    .iter()
                    .map(|(name, value)| match value {
                        Some(v) => format!("{} = {}", name.name, print_expr(v)),
                        None => name.name.clone(),
                    })
                    .collect();
                self.comma_list(&header, &items, n);
            }
            Decl::Typedef(t) => self.line(
                n,
                &format!(
                    "{}{} {} {};",
                    annotations_inline(&t.annotations),
                    if t.newtype { "type" } else { "typedef" },
                    print_type(&t.ty),
                    t.name.name
                ),
            ),
            Decl::Error(names, _) | Decl::MatchKind(names, _) => {
                let kw = if matches!(d, Decl::Error(..)) {
                    "error"
                } else {
                    "match_kind"
                };
                let items: Vec<String> = names.iter().map(|i| i.name.clone()).collect();
                self.comma_list(kw, &items, n);
            }
            Decl::Extern(e) => {
                self.annotation_line(&e.annotations, n);
                self.line(
                    n,
                    &format!("extern {}{} {{", e.name.name, type_params(&e.type_params)),
                );
                for m in &e.methods {
                    self.line(n + 1, &format!("{};", function_proto(m)));
                }
                self.line(n, "}");
            }
            Decl::ExternFunction(f) => {
                let annos = annotations_inline(&f.annotations);
                let proto = FunctionProto {
                    annotations: Vec::new(),
                    ..f.clone()
                };
                self.line(n, &format!("{annos}extern {};", function_proto(&proto)));
            }
            Decl::ParserType(s) => self.line(n, &format!("{};", type_decl_sig("parser", s))),
            Decl::ControlType(s) => self.line(n, &format!("{};", type_decl_sig("control", s))),
            Decl::Package(s) => self.line(n, &format!("{};", type_decl_sig("package", s))),
            Decl::Parser(p) => {
                self.annotation_line(&p.sig.annotations, n);
                let sig = TypeDeclSig {
                    annotations: Vec::new(),
                    ..p.sig.clone()
                };
                self.indent(n);
                self.out.push_str(&type_decl_sig("parser", &sig));
                if let Some(c) = &p.ctor_params {
                    self.out.push_str(&format!("({})", params(c)));
                }
                self.out.push_str(" {\n");
                self.decls(&p.locals, n + 1);
                for (i, st) in p.states.iter().enumerate() {
                    if i > 0 || !p.locals.is_empty() {
                        self.out.push('\n');
                    }
                    self.parser_state(st, n + 1);
                }
                self.line(n, "}");
            }
            Decl::Control(c) => {
                self.annotation_line(&c.sig.annotations, n);
                let sig = TypeDeclSig {
                    annotations: Vec::new(),
                    ..c.sig.clone()
                };
                self.indent(n);
                self.out.push_str(&type_decl_sig("control", &sig));
                if let Some(cp) = &c.ctor_params {
                    self.out.push_str(&format!("({})", params(cp)));
                }
                self.out.push_str(" {\n");
                self.decls(&c.locals, n + 1);
                if !c.locals.is_empty() {
                    self.out.push('\n');
                }
                // Annotations of the apply block go before `apply`.
                self.indent(n + 1);
                self.out.push_str(&annotations_inline(&c.body.annotations));
                self.out.push_str("apply ");
                self.braced_stmts(&c.body.stmts, n + 1);
                self.out.push('\n');
                self.line(n, "}");
            }
            Decl::Action(a) => {
                self.annotation_line(&a.annotations, n);
                self.indent(n);
                self.out
                    .push_str(&format!("action {}({}) ", a.name.name, params(&a.params)));
                self.block(&a.body, n);
                self.out.push('\n');
            }
            Decl::Function(f) => {
                self.annotation_line(&f.proto.annotations, n);
                let proto = FunctionProto {
                    annotations: Vec::new(),
                    ..f.proto.clone()
                };
                self.indent(n);
                self.out.push_str(&function_proto(&proto));
                self.out.push(' ');
                self.block(&f.body, n);
                self.out.push('\n');
            }
            Decl::Instantiation(inst) => {
                let head = format!(
                    "{}({}) {}",
                    print_type(&inst.ty),
                    args(&inst.args),
                    inst.name.name
                );
                match &inst.initializer {
                    None => self.line(
                        n,
                        &format!("{}{head};", annotations_inline(&inst.annotations)),
                    ),
                    Some(ds) => {
                        self.annotation_line(&inst.annotations, n);
                        self.line(n, &format!("{head} = {{"));
                        self.decls(ds, n + 1);
                        self.line(n, "};");
                    }
                }
            }
            Decl::Table(t) => {
                self.annotation_line(&t.annotations, n);
                self.line(n, &format!("table {} {{", t.name.name));
                for p in &t.props {
                    self.table_prop(p, n + 1);
                }
                self.line(n, "}");
            }
            Decl::ValueSet(v) => self.line(
                n,
                &format!(
                    "{}value_set<{}>({}) {};",
                    annotations_inline(&v.annotations),
                    print_type(&v.elem),
                    print_expr(&v.size),
                    v.name.name
                ),
            ),
        }
    }

    fn parser_state(&mut self, st: &ParserState, n: usize) {
        self.line(
            n,
            &format!(
                "{}state {} {{",
                annotations_inline(&st.annotations),
                st.name.name
            ),
        );
        for s in &st.body {
            self.stmt(s, n + 1);
        }
        match &st.transition {
            None => {}
            Some(Transition::Direct(p)) => {
                self.line(n + 1, &format!("transition {};", print_path(p)));
            }
            Some(Transition::Select {
                exprs: es, cases, ..
            }) => {
                self.line(n + 1, &format!("transition select({}) {{", exprs(es)));
                for c in cases {
                    self.line(
                        n + 2,
                        &format!("{}: {};", keyset(&c.keys, c.tuple), print_path(&c.state)),
                    );
                }
                self.line(n + 1, "}");
            }
        }
        self.line(n, "}");
    }

    fn table_prop(&mut self, p: &TableProp, n: usize) {
        self.indent(n);
        self.out.push_str(&annotations_inline(&p.annotations));
        if p.is_const {
            self.out.push_str("const ");
        }
        match &p.kind {
            TablePropKind::Key(keys) => {
                self.out.push_str("key = {\n");
                for k in keys {
                    self.line(
                        n + 1,
                        &format!(
                            "{}: {}{};",
                            print_expr(&k.expr),
                            k.match_kind.name,
                            annotations_after(&k.annotations)
                        ),
                    );
                }
                self.line(n, "}");
            }
            TablePropKind::Actions(actions) => {
                self.out.push_str("actions = {\n");
                for a in actions {
                    self.line(n + 1, &format!("{};", action_ref(a)));
                }
                self.line(n, "}");
            }
            TablePropKind::Entries(entries) => {
                self.out.push_str("entries = {\n");
                for e in entries {
                    let mut s = String::new();
                    if e.is_const {
                        s.push_str("const ");
                    }
                    if let Some(p) = &e.priority {
                        s.push_str(&format!("priority = {}: ", literal_or_parens(p)));
                    }
                    s.push_str(&format!(
                        "{}: {}{};",
                        keyset(&e.keys, e.tuple),
                        action_ref(&e.action),
                        annotations_after(&e.annotations)
                    ));
                    self.line(n + 1, &s);
                }
                self.line(n, "}");
            }
            TablePropKind::Custom { name, value } => {
                self.out
                    .push_str(&format!("{} = {};\n", name.name, print_expr(value)));
            }
        }
    }

    /// `@annotations { statements }`, from the current position up to and including the closing
    /// brace (which is indented by `n`); no newline after it.
    fn block(&mut self, b: &Block, n: usize) {
        self.out.push_str(&annotations_inline(&b.annotations));
        self.braced_stmts(&b.stmts, n);
    }

    /// `{ statements }` without annotations, as [`Printer::block`].
    fn braced_stmts(&mut self, stmts: &[Stmt], n: usize) {
        self.out.push_str("{\n");
        for s in stmts {
            self.stmt(s, n + 1);
        }
        self.indent(n);
        self.out.push('}');
    }

    /// A complete statement on its own line(s), indented by `n`.
    fn stmt(&mut self, s: &Stmt, n: usize) {
        self.indent(n);
        self.stmt_here(s, n);
        self.end_line();
    }

    /// The body of an `if` or `else`: a block follows on the same line, any other statement goes
    /// on the next line, one level deeper.
    fn branch(&mut self, s: &Stmt, n: usize) {
        if let StmtKind::Block(b) = &s.kind {
            self.out.push(' ');
            self.block(b, n);
        } else {
            self.out.push('\n');
            self.stmt(s, n + 1);
        }
    }

    /// A statement from the current position; `n` is the indentation of its first line. It may or
    /// may not end with a newline.
    fn stmt_here(&mut self, s: &Stmt, n: usize) {
        match &s.kind {
            StmtKind::Assign { lhs, rhs } => {
                self.out
                    .push_str(&format!("{} = {};", print_expr(lhs), print_expr(rhs)));
            }
            StmtKind::CompoundAssign { op, lhs, rhs } => {
                self.out.push_str(&format!(
                    "{} {}= {};",
                    print_expr(lhs),
                    op.as_str(),
                    print_expr(rhs)
                ));
            }
            StmtKind::Call(e) => self.out.push_str(&format!("{};", print_expr(e))),
            StmtKind::If { cond, then, els } => {
                self.out.push_str(&format!("if ({})", print_expr(cond)));
                self.branch(then, n);
                if let Some(els) = els {
                    if self.out.ends_with('\n') {
                        self.indent(n);
                        self.out.push_str("else");
                    } else {
                        self.out.push_str(" else");
                    }
                    if matches!(els.kind, StmtKind::If { .. }) {
                        self.out.push(' ');
                        self.stmt_here(els, n);
                    } else {
                        self.branch(els, n);
                    }
                }
            }
            StmtKind::Block(b) => self.block(b, n),
            StmtKind::Exit => self.out.push_str("exit;"),
            StmtKind::Return(None) => self.out.push_str("return;"),
            StmtKind::Return(Some(e)) => self.out.push_str(&format!("return {};", print_expr(e))),
            StmtKind::Empty => self.out.push(';'),
            StmtKind::Switch { expr, cases } => {
                self.out
                    .push_str(&format!("switch ({}) {{\n", print_expr(expr)));
                for c in cases {
                    self.indent(n + 1);
                    self.out.push_str(&print_expr(&c.label));
                    self.out.push(':');
                    if let Some(b) = &c.body {
                        self.out.push(' ');
                        self.block(b, n + 1);
                    }
                    self.out.push('\n');
                }
                self.indent(n);
                self.out.push('}');
            }
            StmtKind::Var(v) => self.out.push_str(&var_decl(v)),
            StmtKind::Const(c) => self.out.push_str(&const_decl(c)),
            StmtKind::For {
                init,
                cond,
                update,
                body,
            } => {
                let clauses =
                    |ss: &[Stmt]| ss.iter().map(for_clause).collect::<Vec<_>>().join(", ");
                let cond = cond.as_ref().map(print_expr).unwrap_or_default();
                self.out.push_str(&format!(
                    "for ({}; {}; {})",
                    clauses(init),
                    cond,
                    clauses(update)
                ));
                self.branch(body, n);
            }
            StmtKind::ForIn {
                annotations,
                ty,
                name,
                coll,
                body,
            } => {
                self.out.push_str(&format!(
                    "for ({}{} {} in {})",
                    annotations_inline(annotations),
                    print_type(ty),
                    name.name,
                    print_expr(coll)
                ));
                self.branch(body, n);
            }
            StmtKind::Break => self.out.push_str("break;"),
            StmtKind::Continue => self.out.push_str("continue;"),
            StmtKind::Annotated(annos, inner) => {
                self.out.push_str(&annotations_inline(annos));
                self.stmt_here(inner, n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;
    use crate::lexer::IntLit;
    use num_bigint::BigUint;

    fn e(kind: ExprKind) -> Expr {
        Expr::new(kind, Span::DUMMY)
    }
    fn id(n: &str) -> Ident {
        Ident::new(n, Span::DUMMY)
    }
    fn p(n: &str) -> Expr {
        e(ExprKind::Path(Path {
            absolute: false,
            name: id(n),
        }))
    }
    fn int(v: u32) -> Expr {
        e(ExprKind::Int(IntLit {
            value: BigUint::from(v),
            negative: false,
            width: None,
            radix: 10,
        }))
    }
    fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
        e(ExprKind::Binary {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        })
    }
    fn un(op: UnOp, x: Expr) -> Expr {
        e(ExprKind::Unary {
            op,
            expr: Box::new(x),
        })
    }
    fn tern(c: Expr, t: Expr, f: Expr) -> Expr {
        e(ExprKind::Ternary {
            cond: Box::new(c),
            then: Box::new(t),
            els: Box::new(f),
        })
    }
    fn bits(w: u32) -> Type {
        Type::Bits {
            signed: false,
            width: Box::new(int(w)),
        }
    }
    fn cast(t: Type, x: Expr) -> Expr {
        e(ExprKind::Cast {
            ty: t,
            expr: Box::new(x),
        })
    }
    fn member(b: Expr, m: &str) -> Expr {
        e(ExprKind::Member {
            base: Box::new(b),
            member: id(m),
        })
    }
    fn call(c: Expr, args: Vec<Expr>) -> Expr {
        e(ExprKind::Call {
            callee: Box::new(c),
            type_args: vec![],
            args: args
                .into_iter()
                .map(|value| Arg { name: None, value })
                .collect(),
        })
    }
    fn s(kind: StmtKind) -> Stmt {
        Stmt {
            kind,
            span: Span::DUMMY,
        }
    }
    fn block(stmts: Vec<Stmt>) -> Block {
        Block {
            annotations: vec![],
            stmts,
            span: Span::DUMMY,
        }
    }
    fn tok(t: Tok) -> Token {
        Token {
            tok: t,
            span: Span::DUMMY,
        }
    }

    #[test]
    fn binary_precedence_and_associativity() {
        use BinOp::*;
        let (a, b, c) = (p("a"), p("b"), p("c"));
        let cases = [
            (
                bin(Mul, bin(Add, a.clone(), b.clone()), c.clone()),
                "(a + b) * c",
            ),
            (
                bin(Add, a.clone(), bin(Mul, b.clone(), c.clone())),
                "a + b * c",
            ),
            (
                bin(Sub, a.clone(), bin(Sub, b.clone(), c.clone())),
                "a - (b - c)",
            ),
            (
                bin(Sub, bin(Sub, a.clone(), b.clone()), c.clone()),
                "a - b - c",
            ),
            (
                bin(Concat, a.clone(), bin(BitOr, b.clone(), c.clone())),
                "a ++ (b | c)",
            ),
            (
                bin(BitOr, a.clone(), bin(Concat, b.clone(), c.clone())),
                "a | b ++ c",
            ),
            (
                bin(And, bin(Or, a.clone(), b.clone()), c.clone()),
                "(a || b) && c",
            ),
            (
                bin(Or, bin(And, a.clone(), b.clone()), c.clone()),
                "a && b || c",
            ),
            (
                bin(Eq, a.clone(), bin(Eq, b.clone(), c.clone())),
                "a == (b == c)",
            ),
            (
                bin(Gt, bin(Lt, a.clone(), b.clone()), c.clone()),
                "(a < b) > c",
            ),
            (
                bin(Lt, a.clone(), bin(Shr, b.clone(), c.clone())),
                "a < b >> c",
            ),
            (
                bin(Shl, bin(SatAdd, a.clone(), b.clone()), c.clone()),
                "a |+| b << c",
            ),
            (
                bin(SatSub, a.clone(), bin(Shl, b.clone(), c.clone())),
                "a |-| (b << c)",
            ),
            (
                bin(Mask, bin(BitAnd, a.clone(), b.clone()), c.clone()),
                "a & b &&& c",
            ),
            (
                bin(Range, a.clone(), bin(Add, b.clone(), c.clone())),
                "a .. b + c",
            ),
        ];
        for (expr, want) in cases {
            assert_eq!(print_expr(&expr), want);
        }
    }

    #[test]
    fn prefix_and_cast_precedence() {
        use BinOp::*;
        let (a, b, x) = (p("a"), p("b"), p("x"));
        assert_eq!(
            print_expr(&un(UnOp::Neg, bin(Add, a.clone(), b.clone()))),
            "-(a + b)"
        );
        assert_eq!(
            print_expr(&un(UnOp::BitNot, bin(BitAnd, a.clone(), b.clone()))),
            "~(a & b)"
        );
        assert_eq!(print_expr(&un(UnOp::Neg, un(UnOp::Neg, int(5)))), "-(-5)");
        assert_eq!(
            print_expr(&un(UnOp::Plus, un(UnOp::Plus, a.clone()))),
            "+(+a)"
        );
        assert_eq!(print_expr(&un(UnOp::Not, member(a.clone(), "b"))), "!a.b");
        assert_eq!(
            print_expr(&bin(Sub, a.clone(), un(UnOp::Neg, b.clone()))),
            "a - -b"
        );
        assert_eq!(
            print_expr(&bin(Mul, un(UnOp::Neg, a.clone()), b.clone())),
            "-a * b"
        );
        assert_eq!(
            print_expr(&cast(bits(8), bin(Add, a.clone(), b.clone()))),
            "(bit<8>)(a + b)"
        );
        assert_eq!(
            print_expr(&cast(bits(8), un(UnOp::Neg, a.clone()))),
            "(bit<8>)(-a)"
        );
        assert_eq!(
            print_expr(&cast(bits(8), cast(Type::Bool, x.clone()))),
            "(bit<8>)(bool)x"
        );
        assert_eq!(
            print_expr(&un(UnOp::Neg, cast(bits(8), x.clone()))),
            "-(bit<8>)x"
        );
        assert_eq!(
            print_expr(&bin(Add, cast(bits(8), x.clone()), int(1))),
            "(bit<8>)x + 1"
        );
        assert_eq!(
            print_expr(&member(cast(bits(8), x.clone()), "y")),
            "((bit<8>)x).y"
        );
        assert_eq!(
            print_expr(&call(member(bin(Add, a.clone(), b.clone()), "f"), vec![])),
            "(a + b).f()"
        );
        let dot_x = e(ExprKind::Path(Path {
            absolute: true,
            name: id("x"),
        }));
        assert_eq!(print_expr(&cast(bits(8), dot_x.clone())), "(bit<8>)(.x)");
        assert_eq!(
            print_expr(&cast(bits(8), member(dot_x.clone(), "y"))),
            "(bit<8>)(.x.y)"
        );
        assert_eq!(print_expr(&bin(Lt, a.clone(), dot_x.clone())), "a < (.x)");
        assert_eq!(print_expr(&bin(Gt, a.clone(), dot_x)), "a > .x");
    }

    #[test]
    fn ternary_parenthesised_as_operand() {
        let (a, b, c) = (p("a"), p("b"), p("c"));
        let t = tern(a.clone(), b.clone(), c.clone());
        assert_eq!(print_expr(&t), "a ? b : c");
        assert_eq!(
            print_expr(&bin(BinOp::Add, t.clone(), int(1))),
            "(a ? b : c) + 1"
        );
        assert_eq!(
            print_expr(&tern(t.clone(), t.clone(), t.clone())),
            "(a ? b : c) ? (a ? b : c) : (a ? b : c)"
        );
        assert_eq!(
            print_expr(&tern(
                bin(BinOp::Or, a.clone(), b.clone()),
                c.clone(),
                a.clone()
            )),
            "a || b ? c : a"
        );
        assert_eq!(print_expr(&un(UnOp::Not, t.clone())), "!(a ? b : c)");
        assert_eq!(print_expr(&member(t, "x")), "(a ? b : c).x");
    }

    #[test]
    fn primaries_and_initialisers() {
        let lit = IntLit {
            value: BigUint::from(255u32),
            negative: false,
            width: Some((8, false)),
            radix: 16,
        };
        assert_eq!(print_expr(&e(ExprKind::Int(lit))), "8w0xff");
        let neg = IntLit {
            value: BigUint::from(1u32),
            negative: true,
            width: Some((16, true)),
            radix: 10,
        };
        assert_eq!(print_expr(&e(ExprKind::Int(neg))), "16s-1");
        assert_eq!(
            print_expr(&e(ExprKind::Str("a\"b\n".into()))),
            "\"a\\\"b\\n\""
        );
        let si = e(ExprKind::StructInit {
            fields: vec![(id("a"), int(1)), (id("b"), int(2))],
            has_dots: true,
        });
        assert_eq!(print_expr(&si), "{a = 1, b = 2, ...}");
        let ti = e(ExprKind::TypedInit {
            ty: Type::Named {
                path: Path {
                    absolute: false,
                    name: id("h_t"),
                },
                args: vec![],
            },
            fields: vec![(id("a"), int(1))],
        });
        assert_eq!(print_expr(&ti), "h_t {a = 1}");
        let l = e(ExprKind::List(vec![int(1), e(ExprKind::Dots)]));
        assert_eq!(print_expr(&l), "{1, ...}");
        let c = e(ExprKind::Call {
            callee: Box::new(p("f")),
            type_args: vec![bits(8)],
            args: vec![
                Arg {
                    name: Some(id("a")),
                    value: int(1),
                },
                Arg {
                    name: None,
                    value: e(ExprKind::DontCare),
                },
            ],
        });
        assert_eq!(print_expr(&c), "f<bit<8>>(a = 1, _)");
        let slice = e(ExprKind::Slice {
            base: Box::new(p("x")),
            hi: Box::new(int(7)),
            lo: Box::new(int(0)),
        });
        assert_eq!(print_expr(&slice), "x[7:0]");
        let te = call(
            member(e(ExprKind::TypeExpr(bits(8))), "minSizeInBits"),
            vec![],
        );
        assert_eq!(print_expr(&te), "bit<8>.minSizeInBits()");
        assert_eq!(print_expr(&e(ExprKind::This)), "this");
    }

    #[test]
    fn types() {
        let w = bin(BinOp::Add, p("W"), int(1));
        let signed = Type::Bits {
            signed: true,
            width: Box::new(w),
        };
        assert_eq!(print_type(&signed), "int<(W + 1)>");
        assert_eq!(print_type(&Type::Varbit(Box::new(int(32)))), "varbit<32>");
        let reg = Type::Named {
            path: Path {
                absolute: true,
                name: id("register"),
            },
            args: vec![bits(32)],
        };
        assert_eq!(print_type(&reg), ".register<bit<32>>");
        let stack = Type::Stack {
            elem: Box::new(Type::Named {
                path: Path {
                    absolute: false,
                    name: id("h_t"),
                },
                args: vec![],
            }),
            size: Box::new(int(4)),
        };
        assert_eq!(print_type(&stack), "h_t[4]");
        assert_eq!(
            print_type(&Type::Tuple(vec![Type::Bool, Type::Int, Type::DontCare])),
            "tuple<bool, int, _>"
        );
        assert_eq!(
            print_type(&Type::List(Box::new(Type::String))),
            "list<string>"
        );
        assert_eq!(print_type(&Type::MatchKind), "match_kind");
    }

    #[test]
    fn annotations() {
        let toks = vec![
            tok(Tok::Ident("a".into())),
            tok(Tok::P(Punct::Comma)),
            tok(Tok::P(Punct::LParen)),
            tok(Tok::Str("x".into())),
            tok(Tok::P(Punct::Plus)),
            tok(Tok::Int(IntLit {
                value: BigUint::from(1u32),
                negative: false,
                width: None,
                radix: 10,
            })),
            tok(Tok::P(Punct::RParen)),
        ];
        let a = Annotation {
            name: id("name"),
            body: AnnotationBody::Unparsed(toks),
            span: Span::DUMMY,
        };
        assert_eq!(annotation(&a), "@name(a, (\"x\" + 1))");
        let kv = Annotation {
            name: id("k"),
            body: AnnotationBody::KeyValue(vec![(id("a"), int(1))]),
            span: Span::DUMMY,
        };
        assert_eq!(annotation(&kv), "@k[a = 1]");
        let ex = Annotation {
            name: id("e"),
            body: AnnotationBody::Expressions(vec![int(1), p("b")]),
            span: Span::DUMMY,
        };
        assert_eq!(annotation(&ex), "@e[1, b]");
    }

    #[test]
    fn statements() {
        let assign = |l: &str, v: u32| {
            s(StmtKind::Assign {
                lhs: p(l),
                rhs: int(v),
            })
        };
        let st = s(StmtKind::If {
            cond: p("a"),
            then: Box::new(s(StmtKind::Block(block(vec![assign("x", 1)])))),
            els: Some(Box::new(s(StmtKind::If {
                cond: p("b"),
                then: Box::new(s(StmtKind::Block(block(vec![])))),
                els: Some(Box::new(s(StmtKind::Block(block(vec![assign("y", 2)]))))),
            }))),
        });
        assert_eq!(
            print_stmt(&st, 1),
            "    if (a) {\n        x = 1;\n    } else if (b) {\n    } else {\n        y = 2;\n    }\n"
        );
        let sw = s(StmtKind::Switch {
            expr: member(call(member(p("t"), "apply"), vec![]), "action_run"),
            cases: vec![
                SwitchCase {
                    label: p("a"),
                    body: None,
                    span: Span::DUMMY,
                },
                SwitchCase {
                    label: p("b"),
                    body: Some(block(vec![s(StmtKind::Exit)])),
                    span: Span::DUMMY,
                },
                SwitchCase {
                    label: e(ExprKind::Default),
                    body: Some(block(vec![])),
                    span: Span::DUMMY,
                },
            ],
        });
        assert_eq!(
            print_stmt(&sw, 0),
            "switch (t.apply().action_run) {\n    a:\n    b: {\n        exit;\n    }\n    default: {\n    }\n}\n"
        );
        let atomic = s(StmtKind::Block(Block {
            annotations: vec![Annotation {
                name: id("atomic"),
                body: AnnotationBody::Empty,
                span: Span::DUMMY,
            }],
            stmts: vec![s(StmtKind::CompoundAssign {
                op: BinOp::SatAdd,
                lhs: p("c"),
                rhs: int(1),
            })],
            span: Span::DUMMY,
        }));
        assert_eq!(print_stmt(&atomic, 0), "@atomic {\n    c |+|= 1;\n}\n");
        let ret = s(StmtKind::Return(Some(bin(BinOp::Add, p("a"), int(1)))));
        assert_eq!(print_stmt(&ret, 0), "return a + 1;\n");
    }

    #[test]
    fn declarations() {
        let en = Decl::Enum(EnumDecl {
            annotations: vec![],
            underlying: Some(bits(8)),
            name: id("E"),
            members: vec![(id("A"), Some(int(1))), (id("B"), Some(int(2)))],
            span: Span::DUMMY,
        });
        assert_eq!(
            print_decl(&en, 0),
            "enum bit<8> E {\n    A = 1,\n    B = 2\n}\n"
        );
        let sig = |name: &str| TypeDeclSig {
            annotations: vec![],
            name: id(name),
            type_params: vec![id("H")],
            params: vec![
                Param {
                    annotations: vec![],
                    direction: None,
                    ty: Type::Named {
                        path: Path {
                            absolute: false,
                            name: id("packet_in"),
                        },
                        args: vec![],
                    },
                    name: id("b"),
                    default: None,
                },
                Param {
                    annotations: vec![],
                    direction: Some(Direction::Out),
                    ty: Type::Named {
                        path: Path {
                            absolute: false,
                            name: id("H"),
                        },
                        args: vec![],
                    },
                    name: id("h"),
                    default: None,
                },
            ],
            span: Span::DUMMY,
        };
        assert_eq!(
            print_decl(&Decl::ParserType(sig("P")), 0),
            "parser P<H>(packet_in b, out H h);\n"
        );
        let ctl = Decl::Control(ControlDecl {
            sig: TypeDeclSig {
                type_params: vec![],
                params: vec![],
                ..sig("C")
            },
            ctor_params: Some(vec![Param {
                annotations: vec![],
                direction: None,
                ty: bits(8),
                name: id("x"),
                default: Some(int(3)),
            }]),
            locals: vec![Decl::Table(TableDecl {
                annotations: vec![],
                name: id("t"),
                props: vec![
                    TableProp {
                        annotations: vec![],
                        is_const: false,
                        kind: TablePropKind::Actions(vec![
                            ActionRef {
                                annotations: vec![],
                                name: Path {
                                    absolute: false,
                                    name: id("a"),
                                },
                                args: None,
                                span: Span::DUMMY,
                            },
                            ActionRef {
                                annotations: vec![],
                                name: Path {
                                    absolute: false,
                                    name: id("b"),
                                },
                                args: Some(vec![]),
                                span: Span::DUMMY,
                            },
                        ]),
                        span: Span::DUMMY,
                    },
                    TableProp {
                        annotations: vec![],
                        is_const: true,
                        kind: TablePropKind::Entries(vec![TableEntry {
                            annotations: vec![],
                            is_const: false,
                            priority: Some(int(10)),
                            keys: vec![int(1), e(ExprKind::DontCare)],
                            tuple: true,
                            action: ActionRef {
                                annotations: vec![],
                                name: Path {
                                    absolute: false,
                                    name: id("a"),
                                },
                                args: None,
                                span: Span::DUMMY,
                            },
                            span: Span::DUMMY,
                        }]),
                        span: Span::DUMMY,
                    },
                    TableProp {
                        annotations: vec![],
                        is_const: false,
                        kind: TablePropKind::Custom {
                            name: id("size"),
                            value: int(1024),
                        },
                        span: Span::DUMMY,
                    },
                ],
                span: Span::DUMMY,
            })],
            body: Block {
                annotations: vec![Annotation {
                    name: id("atomic"),
                    body: AnnotationBody::Empty,
                    span: Span::DUMMY,
                }],
                ..block(vec![s(StmtKind::Call(call(
                    member(p("t"), "apply"),
                    vec![],
                )))])
            },
            span: Span::DUMMY,
        });
        assert_eq!(
            print_decl(&ctl, 0),
            "control C()(bit<8> x = 3) {
    table t {
        actions = {
            a;
            b();
        }
        const entries = {
            priority = 10: (1, _): a;
        }
        size = 1024;
    }

    @atomic apply {
        t.apply();
    }
}
"
        );
        let vs = Decl::ValueSet(ValueSetDecl {
            annotations: vec![],
            elem: bits(16),
            size: int(4),
            name: id("pvs"),
            span: Span::DUMMY,
        });
        assert_eq!(print_decl(&vs, 0), "value_set<bit<16>>(4) pvs;\n");
        let ext = Decl::Extern(ExternDecl {
            annotations: vec![],
            name: id("X"),
            type_params: vec![id("T")],
            methods: vec![
                FunctionProto {
                    annotations: vec![],
                    ret: None,
                    name: id("X"),
                    type_params: vec![],
                    params: vec![],
                    is_abstract: false,
                    span: Span::DUMMY,
                },
                FunctionProto {
                    annotations: vec![],
                    ret: Some(Type::Void),
                    name: id("f"),
                    type_params: vec![id("U")],
                    params: vec![],
                    is_abstract: true,
                    span: Span::DUMMY,
                },
            ],
            span: Span::DUMMY,
        });
        assert_eq!(
            print_decl(&ext, 0),
            "extern X<T> {\n    X();\n    abstract void f<U>();\n}\n"
        );
    }

    /// Random well-formed programs in the parser's canonical form: print, parse, compare.
    mod roundtrip {
        use super::super::*;
        use crate::diag::{Diagnostics, Span};
        use crate::lexer::IntLit;
        use proptest::collection::vec;
        use proptest::option;
        use proptest::prelude::*;
        use proptest::sample::select;

        /// Names of values (variables, actions, tables, parameters, functions).
        const VALUES: &[&str] = &["a", "b", "c", "x", "y", "zz", "hdr", "meta"];
        /// Names of types and type parameters; declared up front so the parser knows them.
        const TYPES: &[&str] = &["H0", "H1", "S0", "T0", "T1", "E0", "X0", "P0"];
        /// Member, field and method names: any word, including P4's soft keywords.
        const MEMBERS: &[&str] = &[
            "f", "g", "apply", "key", "state", "isValid", "next", "entries",
        ];
        const ANNOTATIONS: &[&str] = &["name", "hidden", "atomic", "pragma", "match"];
        const STATES: &[&str] = &["start", "s1", "parse_x", "accept", "reject"];
        const MATCH_KINDS: &[&str] = &["exact", "ternary", "lpm", "range", "optional"];
        const TABLE_PROPS: &[&str] = &["size", "default_action", "counters", "implementation"];

        const DUMMY: Span = Span::DUMMY;

        fn ex(kind: ExprKind) -> Expr {
            Expr::new(kind, DUMMY)
        }
        fn st(kind: StmtKind) -> Stmt {
            Stmt { kind, span: DUMMY }
        }
        fn bx<T>(t: T) -> Box<T> {
            Box::new(t)
        }
        fn ident(names: &'static [&'static str]) -> BoxedStrategy<Ident> {
            select(names).prop_map(|n| Ident::new(n, DUMMY)).boxed()
        }
        fn path(names: &'static [&'static str]) -> BoxedStrategy<Path> {
            (prop::bool::weighted(0.2), ident(names))
                .prop_map(|(absolute, name)| Path { absolute, name })
                .boxed()
        }
        fn path_expr() -> BoxedStrategy<Expr> {
            path(VALUES).prop_map(|p| ex(ExprKind::Path(p))).boxed()
        }
        fn small_int(max: u32) -> BoxedStrategy<Expr> {
            (1..=max)
                .prop_map(|v| {
                    ex(ExprKind::Int(IntLit {
                        value: v.into(),
                        negative: false,
                        width: None,
                        radix: 10,
                    }))
                })
                .boxed()
        }

        fn int_lit() -> BoxedStrategy<IntLit> {
            (
                prop_oneof![0u64..300, any::<u64>()],
                select(&[2u32, 8, 10, 10, 16][..]),
                option::of((1u32..=64, any::<bool>())),
                any::<bool>(),
            )
                .prop_map(|(v, radix, width, neg)| IntLit {
                    value: v.into(),
                    negative: neg && matches!(width, Some((_, true))),
                    width,
                    radix,
                })
                .boxed()
        }

        fn string_lit() -> BoxedStrategy<String> {
            vec(
                select(&['a', 'Z', ' ', '"', '\\', '\n', '\t', '\r', '@', 'é'][..]),
                0..6,
            )
            .prop_map(|cs| cs.into_iter().collect())
            .boxed()
        }

        fn width() -> BoxedStrategy<Expr> {
            prop_oneof![
                3 => small_int(64),
                1 => ident(VALUES).prop_map(|name| ex(ExprKind::Path(Path { absolute: false, name }))),
                1 => (path_expr(), small_int(8)).prop_map(|(a, b)| ex(ExprKind::Binary {
                    op: BinOp::Add,
                    lhs: bx(a),
                    rhs: bx(b),
                })),
            ]
            .boxed()
        }

        fn bits_type() -> BoxedStrategy<Type> {
            (any::<bool>(), width())
                .prop_map(|(signed, w)| Type::Bits {
                    signed,
                    width: bx(w),
                })
                .boxed()
        }

        // PARSER: `list<...>` is not recognised as the start of a type in casts `(list<T>)x`
        // and explicit type arguments `f<list<T>>()`.
        fn starts_with_list(t: &Type) -> bool {
            match t {
                Type::List(_) => true,
                Type::Stack { elem, .. } => starts_with_list(elem),
                _ => false,
            }
        }

        /// Any type but `list<...>`, for casts and explicit type arguments.
        fn cast_type() -> BoxedStrategy<Type> {
            ty().prop_filter("list<T> first", |t| !starts_with_list(t))
                .boxed()
        }

        fn named_type(args: BoxedStrategy<Type>) -> BoxedStrategy<Type> {
            (path(TYPES), vec(args, 0..3))
                .prop_map(|(path, args)| Type::Named { path, args })
                .boxed()
        }

        /// Any type usable for variables, fields, parameters and type arguments.
        fn ty() -> BoxedStrategy<Type> {
            let leaf = prop_oneof![
                4 => bits_type(),
                1 => Just(Type::Bool),
                1 => Just(Type::Int),
                1 => Just(Type::String),
                1 => Just(Type::Error),
                1 => width().prop_map(|w| Type::Varbit(bx(w))),
                3 => path(TYPES).prop_map(|path| Type::Named { path, args: vec![] }),
            ];
            leaf.prop_recursive(2, 8, 3, |inner| {
                prop_oneof![
                    named_type(prop_oneof![4 => inner.clone(), 1 => Just(Type::DontCare)].boxed()),
                    (inner.clone(), small_int(16)).prop_map(|(t, n)| Type::Stack {
                        elem: bx(t),
                        size: bx(n),
                    }),
                    vec(inner.clone(), 0..3).prop_map(Type::Tuple),
                    inner.prop_map(|t| Type::List(bx(t))),
                ]
            })
            .boxed()
        }

        /// Explicit type arguments of a call.
        fn call_type_args() -> BoxedStrategy<Vec<Type>> {
            vec(cast_type(), 1..3).boxed()
        }

        /// Return types: any type or `void`.
        fn ret_type() -> BoxedStrategy<Type> {
            prop_oneof![4 => ty(), 1 => Just(Type::Void)].boxed()
        }

        fn args(values: BoxedStrategy<Expr>) -> BoxedStrategy<Vec<Arg>> {
            vec(
                (
                    option::weighted(0.3, ident(MEMBERS)),
                    prop_oneof![6 => values, 1 => Just(ex(ExprKind::DontCare))],
                )
                    .prop_map(|(name, value)| Arg { name, value }),
                0..3,
            )
            .boxed()
        }

        fn field_inits(values: BoxedStrategy<Expr>) -> BoxedStrategy<Vec<(Ident, Expr)>> {
            vec((ident(MEMBERS), values), 1..3).boxed()
        }

        fn expr() -> BoxedStrategy<Expr> {
            let leaf = prop_oneof![
                1 => any::<bool>().prop_map(|b| ex(ExprKind::Bool(b))),
                3 => int_lit().prop_map(|i| ex(ExprKind::Int(i))),
                1 => string_lit().prop_map(|s| ex(ExprKind::Str(s))),
                5 => path_expr(),
                1 => Just(ex(ExprKind::This)),
            ];
            leaf.prop_recursive(4, 32, 3, |inner| {
                let unops = select(&[UnOp::Not, UnOp::BitNot, UnOp::Neg, UnOp::Plus][..]);
                let binops = select(
                    &[
                        BinOp::Mul,
                        BinOp::Div,
                        BinOp::Mod,
                        BinOp::Add,
                        BinOp::Sub,
                        BinOp::SatAdd,
                        BinOp::SatSub,
                        BinOp::Concat,
                        BinOp::Shl,
                        BinOp::Shr,
                        BinOp::BitAnd,
                        BinOp::BitXor,
                        BinOp::BitOr,
                        BinOp::Lt,
                        BinOp::Le,
                        BinOp::Gt,
                        BinOp::Ge,
                        BinOp::Eq,
                        BinOp::Ne,
                        BinOp::And,
                        BinOp::Or,
                    ][..],
                );
                let callee = prop_oneof![
                    path_expr(),
                    (path_expr(), ident(MEMBERS)).prop_map(|(b, m)| ex(ExprKind::Member {
                        base: bx(b),
                        member: m,
                    })),
                ];
                prop_oneof![
                    2 => (inner.clone(), ident(MEMBERS)).prop_map(|(b, member)| ex(ExprKind::Member {
                        base: bx(b),
                        member,
                    })),
                    1 => (inner.clone(), inner.clone()).prop_map(|(b, i)| ex(ExprKind::Index {
                        base: bx(b),
                        index: bx(i),
                    })),
                    1 => (inner.clone(), inner.clone(), inner.clone()).prop_map(|(b, hi, lo)| {
                        ex(ExprKind::Slice { base: bx(b), hi: bx(hi), lo: bx(lo) })
                    }),
                    1 => (inner.clone(), args(inner.clone())).prop_map(|(c, args)| ex(ExprKind::Call {
                        callee: bx(c),
                        type_args: vec![],
                        args,
                    })),
                    1 => (callee, call_type_args(), args(inner.clone())).prop_map(
                        |(c, type_args, args)| ex(ExprKind::Call { callee: bx(c), type_args, args }),
                    ),
                    3 => (unops, inner.clone()).prop_map(|(op, e)| ex(ExprKind::Unary {
                        op,
                        expr: bx(e),
                    })),
                    8 => (binops, inner.clone(), inner.clone()).prop_map(|(op, l, r)| {
                        ex(ExprKind::Binary { op, lhs: bx(l), rhs: bx(r) })
                    }),
                    2 => (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, t, e)| {
                        ex(ExprKind::Ternary { cond: bx(c), then: bx(t), els: bx(e) })
                    }),
                    2 => (cast_type(), inner.clone()).prop_map(|(ty, e)| ex(ExprKind::Cast {
                        ty,
                        expr: bx(e),
                    })),
                    1 => (vec(inner.clone(), 0..3), prop::bool::weighted(0.2)).prop_map(
                        |(mut items, dots)| {
                            if dots {
                                items.push(ex(ExprKind::Dots));
                            }
                            ex(ExprKind::List(items))
                        },
                    ),
                    1 => (field_inits(inner.clone()), any::<bool>()).prop_map(|(fields, has_dots)| {
                        ex(ExprKind::StructInit { fields, has_dots })
                    }),
                    1 => (ident(TYPES), field_inits(inner.clone())).prop_map(|(name, fields)| {
                        ex(ExprKind::TypedInit {
                            ty: Type::Named { path: Path { absolute: false, name }, args: vec![] },
                            fields,
                        })
                    }),
                ]
            })
            .boxed()
        }

        /// `bit<8>.minSizeInBits()`: a type used as an expression.
        // PARSER: `(bit<8>.minSizeInBits() + 1)` fails (a parenthesised expression that starts
        // with a keyword type is taken for a cast), so these only appear where the printer adds
        // no parentheses around them.
        fn type_member_call() -> BoxedStrategy<Expr> {
            bits_type()
                .prop_map(|t| {
                    ex(ExprKind::Call {
                        callee: bx(ex(ExprKind::Member {
                            base: bx(ex(ExprKind::TypeExpr(t))),
                            member: Ident::new("minSizeInBits", DUMMY),
                        })),
                        type_args: vec![],
                        args: vec![],
                    })
                })
                .boxed()
        }

        fn tokens() -> BoxedStrategy<Vec<Token>> {
            let word = select(&["a", "x", "bit", "default", "true", "_", "apply"][..])
                .prop_map(|w| Tok::Ident(w.to_string()));
            let punct = select(
                &[
                    Punct::Comma,
                    Punct::Plus,
                    Punct::Minus,
                    Punct::Dot,
                    Punct::Lt,
                    Punct::Gt,
                    Punct::Assign,
                    Punct::Colon,
                    Punct::Semi,
                    Punct::LBracket,
                    Punct::RBrace,
                    Punct::Slash,
                    Punct::Star,
                    Punct::DotDot,
                    Punct::Ellipsis,
                    Punct::At,
                    Punct::Mask,
                    Punct::OpAssign(crate::lexer::AssignOp::Shl),
                ][..],
            )
            .prop_map(Tok::P);
            let tok = prop_oneof![
                3 => word,
                2 => int_lit().prop_map(Tok::Int),
                1 => string_lit().prop_map(Tok::Str),
                3 => punct,
            ];
            // Balanced parentheses around some of the tokens.
            (vec(tok, 0..6), option::of((0usize..6, 0usize..6)))
                .prop_map(|(toks, parens)| {
                    let mut out: Vec<Token> = toks
                        .into_iter()
                        .map(|tok| Token { tok, span: DUMMY })
                        .collect();
                    if let Some((i, j)) = parens {
                        let (i, j) = (i.min(out.len()), j.min(out.len()));
                        let (lo, hi) = (i.min(j), i.max(j));
                        out.insert(
                            hi,
                            Token {
                                tok: Tok::P(Punct::RParen),
                                span: DUMMY,
                            },
                        );
                        out.insert(
                            lo,
                            Token {
                                tok: Tok::P(Punct::LParen),
                                span: DUMMY,
                            },
                        );
                    }
                    out
                })
                .boxed()
        }

        fn annotation() -> BoxedStrategy<Annotation> {
            let body = prop_oneof![
                2 => Just(AnnotationBody::Empty),
                3 => tokens().prop_map(AnnotationBody::Unparsed),
                1 => vec(expr(), 0..3).prop_map(AnnotationBody::Expressions),
                1 => vec((ident(MEMBERS), expr()), 1..3).prop_map(AnnotationBody::KeyValue),
            ];
            (ident(ANNOTATIONS), body)
                .prop_map(|(name, body)| Annotation {
                    name,
                    body,
                    span: DUMMY,
                })
                .boxed()
        }

        fn annotations() -> BoxedStrategy<Vec<Annotation>> {
            prop_oneof![3 => Just(vec![]), 1 => vec(annotation(), 1..3)].boxed()
        }

        fn param() -> BoxedStrategy<Param> {
            (
                annotations(),
                option::of(select(
                    &[Direction::In, Direction::Out, Direction::InOut][..],
                )),
                ty(),
                ident(VALUES),
                option::weighted(0.2, expr()),
            )
                .prop_map(|(annotations, direction, ty, name, default)| Param {
                    annotations,
                    direction,
                    ty,
                    name,
                    default,
                })
                .boxed()
        }

        fn params() -> BoxedStrategy<Vec<Param>> {
            vec(param(), 0..3).boxed()
        }

        fn type_params() -> BoxedStrategy<Vec<Ident>> {
            prop_oneof![2 => Just(vec![]), 1 => vec(ident(TYPES), 1..3)].boxed()
        }

        /// Assignable expressions: names with members, indices and slices.
        fn lvalue() -> BoxedStrategy<Expr> {
            path_expr()
                .prop_recursive(3, 6, 1, |inner| {
                    prop_oneof![
                        (inner.clone(), ident(MEMBERS)).prop_map(|(b, member)| {
                            ex(ExprKind::Member {
                                base: bx(b),
                                member,
                            })
                        }),
                        (inner.clone(), expr()).prop_map(|(b, i)| ex(ExprKind::Index {
                            base: bx(b),
                            index: bx(i),
                        })),
                        (inner, small_int(31), small_int(31)).prop_map(|(b, hi, lo)| {
                            ex(ExprKind::Slice {
                                base: bx(b),
                                hi: bx(hi),
                                lo: bx(lo),
                            })
                        }),
                    ]
                })
                .boxed()
        }

        fn call_expr() -> BoxedStrategy<Expr> {
            let callee = prop_oneof![
                path_expr(),
                (lvalue(), ident(MEMBERS)).prop_map(|(b, member)| ex(ExprKind::Member {
                    base: bx(b),
                    member,
                })),
            ];
            (
                callee,
                prop_oneof![3 => Just(vec![]), 1 => call_type_args()],
                args(expr()),
            )
                .prop_map(|(c, type_args, args)| {
                    ex(ExprKind::Call {
                        callee: bx(c),
                        type_args,
                        args,
                    })
                })
                .boxed()
        }

        fn var_decl() -> BoxedStrategy<VarDecl> {
            (annotations(), ty(), ident(VALUES), option::of(expr()))
                .prop_map(|(annotations, ty, name, init)| VarDecl {
                    annotations,
                    ty,
                    name,
                    init,
                    span: DUMMY,
                })
                .boxed()
        }

        // PARSER: variable declaration statements `.T x;` and `error[2] x;` read as expression
        // statements.
        fn stmt_var_type_ok(t: &Type) -> bool {
            match t {
                Type::Named { path, .. } => !path.absolute,
                Type::Stack { elem, .. } => {
                    !matches!(**elem, Type::Error) && stmt_var_type_ok(elem)
                }
                _ => true,
            }
        }

        fn const_decl() -> BoxedStrategy<ConstDecl> {
            (annotations(), ty(), ident(VALUES), expr())
                .prop_map(|(annotations, ty, name, value)| ConstDecl {
                    annotations,
                    ty,
                    name,
                    value,
                    span: DUMMY,
                })
                .boxed()
        }

        fn block_of(stmts: BoxedStrategy<Stmt>, annotated: bool) -> BoxedStrategy<Block> {
            let annos = if annotated {
                annotations()
            } else {
                Just(vec![]).boxed()
            };
            (annos, vec(stmts, 0..4))
                .prop_map(|(annotations, stmts)| Block {
                    annotations,
                    stmts,
                    span: DUMMY,
                })
                .boxed()
        }

        /// Puts annotations where the parser does: on blocks and declarations themselves.
        fn annotate(annos: Vec<Annotation>, s: Stmt) -> Stmt {
            let prepend = |own: &mut Vec<Annotation>| {
                let mut all = annos.clone();
                all.append(own);
                *own = all;
            };
            match s.kind {
                StmtKind::Block(mut b) => {
                    prepend(&mut b.annotations);
                    st(StmtKind::Block(b))
                }
                StmtKind::Var(mut v) => {
                    prepend(&mut v.annotations);
                    st(StmtKind::Var(v))
                }
                StmtKind::Const(mut c) => {
                    prepend(&mut c.annotations);
                    st(StmtKind::Const(c))
                }
                StmtKind::Annotated(mut own, inner) => {
                    prepend(&mut own);
                    st(StmtKind::Annotated(own, inner))
                }
                kind => st(StmtKind::Annotated(annos, bx(st(kind)))),
            }
        }

        fn stmt() -> BoxedStrategy<Stmt> {
            let compound_ops = select(
                &[
                    BinOp::Add,
                    BinOp::Sub,
                    BinOp::Mul,
                    BinOp::Div,
                    BinOp::Mod,
                    BinOp::Shl,
                    BinOp::Shr,
                    BinOp::BitAnd,
                    BinOp::BitOr,
                    BinOp::BitXor,
                    BinOp::SatAdd,
                    BinOp::SatSub,
                ][..],
            );
            let leaf = prop_oneof![
                4 => (lvalue(), expr()).prop_map(|(lhs, rhs)| st(StmtKind::Assign { lhs, rhs })),
                1 => (lvalue(), type_member_call())
                    .prop_map(|(lhs, rhs)| st(StmtKind::Assign { lhs, rhs })),
                2 => (compound_ops, lvalue(), expr())
                    .prop_map(|(op, lhs, rhs)| st(StmtKind::CompoundAssign { op, lhs, rhs })),
                3 => call_expr().prop_map(|e| st(StmtKind::Call(e))),
                1 => Just(st(StmtKind::Exit)),
                1 => option::of(expr()).prop_map(|e| st(StmtKind::Return(e))),
                1 => Just(st(StmtKind::Empty)),
                2 => var_decl()
                    .prop_filter("unsupported statement type", |v| stmt_var_type_ok(&v.ty))
                    .prop_map(|v| st(StmtKind::Var(v))),
                1 => const_decl().prop_map(|c| st(StmtKind::Const(c))),
            ];
            leaf.prop_recursive(3, 12, 3, |inner| {
                let block = block_of(inner.clone(), true);
                let block_stmt = block.clone().prop_map(|b| st(StmtKind::Block(b)));
                let els = prop_oneof![
                    2 => Just(None),
                    2 => block_stmt.clone().prop_map(Some),
                    1 => (expr(), block_stmt.clone()).prop_map(|(cond, then)| {
                        Some(st(StmtKind::If { cond, then: bx(then), els: None }))
                    }),
                ];
                let case = (
                    prop_oneof![
                        3 => path_expr(),
                        1 => Just(ex(ExprKind::Default)),
                        1 => small_int(9),
                    ],
                    option::weighted(0.7, block_of(inner.clone(), false)),
                )
                    .prop_map(|(label, body)| SwitchCase {
                        label,
                        body,
                        span: DUMMY,
                    });
                prop_oneof![
                    2 => block_stmt.clone(),
                    3 => (expr(), block_stmt, els).prop_map(|(cond, then, els)| {
                        st(StmtKind::If { cond, then: bx(then), els: els.map(bx) })
                    }),
                    1 => (expr(), vec(case, 0..4))
                        .prop_map(|(expr, cases)| st(StmtKind::Switch { expr, cases })),
                    1 => (vec(annotation(), 1..3), inner).prop_map(|(a, s)| annotate(a, s)),
                ]
            })
            .boxed()
        }

        fn action_ref(annotated: bool) -> BoxedStrategy<ActionRef> {
            let annos = if annotated {
                annotations()
            } else {
                Just(vec![]).boxed()
            };
            (annos, path(VALUES), option::of(args(expr())))
                .prop_map(|(annotations, name, args)| ActionRef {
                    annotations,
                    name,
                    args,
                    span: DUMMY,
                })
                .boxed()
        }

        /// One keyset element: an expression, a mask or range, `default` or `_`.
        fn keyset_elem() -> BoxedStrategy<Expr> {
            prop_oneof![
                4 => expr(),
                1 => (select(&[BinOp::Mask, BinOp::Range][..]), expr(), expr())
                    .prop_map(|(op, l, r)| ex(ExprKind::Binary { op, lhs: bx(l), rhs: bx(r) })),
                1 => Just(ex(ExprKind::Default)),
                1 => Just(ex(ExprKind::DontCare)),
            ]
            .boxed()
        }

        /// Keys of a keyset and whether they form a tuple.
        fn keyset() -> BoxedStrategy<(Vec<Expr>, bool)> {
            (vec(keyset_elem(), 1..4), any::<bool>())
                .prop_map(|(keys, tuple)| {
                    let tuple = tuple || keys.len() != 1;
                    (keys, tuple)
                })
                .boxed()
        }

        fn table() -> BoxedStrategy<TableDecl> {
            let key = (annotations(), expr(), ident(MATCH_KINDS)).prop_map(
                |(annotations, expr, match_kind)| KeyElement {
                    annotations,
                    expr,
                    match_kind,
                    span: DUMMY,
                },
            );
            let entry = (
                annotations(),
                any::<bool>(),
                option::weighted(0.3, prop_oneof![small_int(100), expr()]),
                keyset(),
                action_ref(false),
            )
                .prop_map(
                    |(annotations, is_const, priority, (keys, tuple), action)| TableEntry {
                        annotations,
                        is_const,
                        priority,
                        keys,
                        tuple,
                        action,
                        span: DUMMY,
                    },
                );
            let kind = prop_oneof![
                vec(key, 0..3).prop_map(TablePropKind::Key),
                vec(action_ref(true), 0..3).prop_map(TablePropKind::Actions),
                vec(entry, 0..3).prop_map(TablePropKind::Entries),
                (ident(TABLE_PROPS), expr())
                    .prop_map(|(name, value)| TablePropKind::Custom { name, value }),
            ];
            let prop = (annotations(), prop::bool::weighted(0.2), kind).prop_map(
                |(annotations, is_const, kind)| TableProp {
                    annotations,
                    is_const,
                    kind,
                    span: DUMMY,
                },
            );
            (annotations(), ident(VALUES), vec(prop, 0..5))
                .prop_map(|(annotations, name, props)| TableDecl {
                    annotations,
                    name,
                    props,
                    span: DUMMY,
                })
                .boxed()
        }

        fn action() -> BoxedStrategy<ActionDecl> {
            (
                annotations(),
                ident(VALUES),
                params(),
                block_of(stmt(), false),
            )
                .prop_map(|(annotations, name, params, body)| ActionDecl {
                    annotations,
                    name,
                    params,
                    body,
                    span: DUMMY,
                })
                .boxed()
        }

        fn function() -> BoxedStrategy<FunctionDecl> {
            (
                annotations(),
                ret_type(),
                ident(VALUES),
                type_params(),
                params(),
                block_of(stmt(), false),
            )
                .prop_map(
                    |(annotations, ret, name, type_params, params, body)| FunctionDecl {
                        proto: FunctionProto {
                            annotations,
                            ret: Some(ret),
                            name,
                            type_params,
                            params,
                            is_abstract: false,
                            span: DUMMY,
                        },
                        body,
                        span: DUMMY,
                    },
                )
                .boxed()
        }

        fn instantiation(with_initializer: bool) -> BoxedStrategy<Instantiation> {
            let init = if with_initializer {
                option::weighted(0.3, vec(function().prop_map(Decl::Function), 0..3)).boxed()
            } else {
                Just(None).boxed()
            };
            (
                annotations(),
                named_type(ty()),
                args(expr()),
                ident(VALUES),
                init,
            )
                .prop_map(|(annotations, ty, args, name, initializer)| Instantiation {
                    annotations,
                    ty,
                    args,
                    name,
                    initializer,
                    span: DUMMY,
                })
                .boxed()
        }

        fn value_set() -> BoxedStrategy<ValueSetDecl> {
            (annotations(), ty(), expr(), ident(VALUES))
                .prop_map(|(annotations, elem, size, name)| ValueSetDecl {
                    annotations,
                    elem,
                    size,
                    name,
                    span: DUMMY,
                })
                .boxed()
        }

        fn sig() -> BoxedStrategy<TypeDeclSig> {
            (annotations(), ident(TYPES), type_params(), params())
                .prop_map(|(annotations, name, type_params, params)| TypeDeclSig {
                    annotations,
                    name,
                    type_params,
                    params,
                    span: DUMMY,
                })
                .boxed()
        }

        fn transition() -> BoxedStrategy<Transition> {
            let case = (keyset(), path(STATES)).prop_map(|((keys, tuple), state)| SelectCase {
                keys,
                tuple,
                state,
                span: DUMMY,
            });
            prop_oneof![
                path(STATES).prop_map(Transition::Direct),
                (vec(expr(), 1..3), vec(case, 0..4)).prop_map(|(exprs, cases)| {
                    Transition::Select {
                        exprs,
                        cases,
                        span: DUMMY,
                    }
                }),
            ]
            .boxed()
        }

        fn parser_decl() -> BoxedStrategy<ParserDecl> {
            let local = prop_oneof![
                const_decl().prop_map(Decl::Const),
                var_decl().prop_map(Decl::Var),
                value_set().prop_map(Decl::ValueSet),
                instantiation(true).prop_map(Decl::Instantiation),
            ];
            let state = (
                annotations(),
                ident(STATES),
                vec(stmt(), 0..3),
                option::weighted(0.8, transition()),
            )
                .prop_map(|(annotations, name, body, transition)| ParserState {
                    annotations,
                    name,
                    body,
                    transition,
                    span: DUMMY,
                });
            (
                sig(),
                option::of(params()),
                vec(local, 0..3),
                vec(state, 1..4),
            )
                .prop_map(|(sig, ctor_params, locals, states)| ParserDecl {
                    sig,
                    ctor_params,
                    locals,
                    states,
                    span: DUMMY,
                })
                .boxed()
        }

        fn control_decl() -> BoxedStrategy<ControlDecl> {
            let local = prop_oneof![
                1 => const_decl().prop_map(Decl::Const),
                1 => var_decl().prop_map(Decl::Var),
                2 => action().prop_map(Decl::Action),
                3 => table().prop_map(Decl::Table),
                1 => instantiation(true).prop_map(Decl::Instantiation),
                1 => value_set().prop_map(Decl::ValueSet),
            ];
            (
                sig(),
                option::of(params()),
                vec(local, 0..4),
                block_of(stmt(), true),
            )
                .prop_map(|(sig, ctor_params, locals, body)| ControlDecl {
                    sig,
                    ctor_params,
                    locals,
                    body,
                    span: DUMMY,
                })
                .boxed()
        }

        fn extern_decl() -> BoxedStrategy<ExternDecl> {
            let method = (
                annotations(),
                any::<bool>(),
                option::weighted(0.8, ret_type()),
                ident(MEMBERS),
                type_params(),
                params(),
            )
                .prop_map(
                    |(annotations, is_abstract, ret, name, type_params, params)| {
                        let ctor = ret.is_none();
                        FunctionProto {
                            annotations,
                            ret,
                            name,
                            type_params: if ctor { vec![] } else { type_params },
                            params,
                            is_abstract: is_abstract && !ctor,
                            span: DUMMY,
                        }
                    },
                );
            (
                annotations(),
                ident(TYPES),
                type_params(),
                vec(method, 0..4),
            )
                .prop_map(|(annotations, name, type_params, mut methods)| {
                    for m in &mut methods {
                        if m.ret.is_none() {
                            m.name = name.clone();
                        }
                    }
                    ExternDecl {
                        annotations,
                        name,
                        type_params,
                        methods,
                        span: DUMMY,
                    }
                })
                .boxed()
        }

        fn extern_function() -> BoxedStrategy<FunctionProto> {
            // A return type `T<...>` or `list<...>` would read as an extern object.
            let ret = prop_oneof![
                bits_type(),
                Just(Type::Void),
                Just(Type::Bool),
                path(TYPES).prop_map(|path| Type::Named { path, args: vec![] }),
            ];
            (annotations(), ret, ident(VALUES), type_params(), params())
                .prop_map(
                    |(annotations, ret, name, type_params, params)| FunctionProto {
                        annotations,
                        ret: Some(ret),
                        name,
                        type_params,
                        params,
                        is_abstract: false,
                        span: DUMMY,
                    },
                )
                .boxed()
        }

        fn top_decl() -> BoxedStrategy<Decl> {
            let kinds = select(
                &[
                    StructKind::Header,
                    StructKind::HeaderUnion,
                    StructKind::Struct,
                ][..],
            );
            let field =
                (annotations(), ty(), ident(MEMBERS)).prop_map(|(annotations, ty, name)| Field {
                    annotations,
                    ty,
                    name,
                });
            let structure = (
                annotations(),
                kinds,
                ident(TYPES),
                type_params(),
                vec(field, 0..4),
            )
                .prop_map(|(annotations, kind, name, type_params, fields)| {
                    Decl::Struct(StructDecl {
                        annotations,
                        kind,
                        name,
                        type_params,
                        fields,
                        span: DUMMY,
                    })
                });
            let enumeration = (
                annotations(),
                option::of(bits_type()),
                ident(TYPES),
                vec((ident(MEMBERS), expr()), 0..3),
            )
                .prop_map(|(annotations, underlying, name, members)| {
                    let serializable = underlying.is_some();
                    Decl::Enum(EnumDecl {
                        annotations,
                        underlying,
                        name,
                        members: members
                            .into_iter()
                            .map(|(m, v)| (m, serializable.then_some(v)))
                            .collect(),
                        span: DUMMY,
                    })
                });
            let typedef = (annotations(), any::<bool>(), ty(), ident(TYPES)).prop_map(
                |(annotations, newtype, ty, name)| {
                    Decl::Typedef(TypedefDecl {
                        annotations,
                        newtype,
                        ty,
                        name,
                        span: DUMMY,
                    })
                },
            );
            prop_oneof![
                2 => const_decl().prop_map(Decl::Const),
                1 => var_decl().prop_map(Decl::Var),
                2 => structure,
                1 => enumeration,
                1 => typedef,
                1 => vec(ident(MEMBERS), 0..3).prop_map(|ids| Decl::Error(ids, DUMMY)),
                1 => vec(ident(MEMBERS), 0..3).prop_map(|ids| Decl::MatchKind(ids, DUMMY)),
                2 => extern_decl().prop_map(Decl::Extern),
                1 => extern_function().prop_map(Decl::ExternFunction),
                1 => sig().prop_map(Decl::ParserType),
                1 => sig().prop_map(Decl::ControlType),
                1 => sig().prop_map(Decl::Package),
                2 => parser_decl().prop_map(Decl::Parser),
                3 => control_decl().prop_map(Decl::Control),
                1 => action().prop_map(Decl::Action),
                1 => function().prop_map(Decl::Function),
                1 => instantiation(true).prop_map(Decl::Instantiation),
                1 => table().prop_map(Decl::Table),
                1 => value_set().prop_map(Decl::ValueSet),
            ]
            .boxed()
        }

        /// A program of `decls` after declarations of every type name, as a real program would
        /// have them.
        fn with_types(decls: Vec<Decl>) -> Program {
            let mut all: Vec<Decl> = TYPES
                .iter()
                .map(|t| {
                    Decl::Typedef(TypedefDecl {
                        annotations: vec![],
                        newtype: false,
                        ty: Type::Bool,
                        name: Ident::new(*t, DUMMY),
                        span: DUMMY,
                    })
                })
                .collect();
            all.extend(decls);
            Program { decls: all }
        }

        fn program() -> BoxedStrategy<Program> {
            vec(top_decl(), 1..7).prop_map(with_types).boxed()
        }

        fn check(p: &Program) -> Result<(), TestCaseError> {
            let text = print_program(p);
            let mut diags = Diagnostics::default();
            let parsed = crate::parser::parse(&text, &mut diags);
            prop_assert!(
                diags.items.is_empty(),
                "diagnostics {:?} for\n{}",
                diags.items,
                text
            );
            if &parsed != p {
                // Report the first declaration that differs.
                let i = p
                    .decls
                    .iter()
                    .zip(&parsed.decls)
                    .position(|(a, b)| a != b)
                    .unwrap_or(p.decls.len().min(parsed.decls.len()));
                return Err(TestCaseError::fail(format!(
                    "round trip differs at declaration {i} of\n{text}\nwant {:#?}\ngot  {:#?}",
                    p.decls.get(i),
                    parsed.decls.get(i)
                )));
            }
            // Printing is a fixed point.
            prop_assert_eq!(print_program(&parsed), text);
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 1000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            #[test]
            fn expressions_round_trip(e in expr()) {
                let p = with_types(vec![Decl::Const(ConstDecl {
                    annotations: vec![],
                    ty: Type::Int,
                    name: Ident::new("k", DUMMY),
                    value: e,
                    span: DUMMY,
                })]);
                check(&p)?;
            }

            #[test]
            fn programs_round_trip(p in program()) {
                check(&p)?;
            }
        }
    }
}
