use super::*;
use crate::diag::Diagnostics;

fn parse_ok(src: &str) -> Program {
    let mut d = Diagnostics::default();
    let p = parse(src, &mut d);
    assert!(
        !d.has_errors(),
        "unexpected errors: {}",
        d.render(&crate::diag::SourceMap::single("t.p4", src))
    );
    p
}

fn parse_err(src: &str) -> String {
    let mut d = Diagnostics::default();
    parse(src, &mut d);
    assert!(d.has_errors(), "expected an error for {src}");
    d.render(&crate::diag::SourceMap::single("t.p4", src))
}

fn first_expr(src: &str) -> Expr {
    let p = parse_ok(&format!("const bit<32> x = {src};"));
    match &p.decls[0] {
        Decl::Const(c) => c.value.clone(),
        d => panic!("{d:?}"),
    }
}

fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", show(lhs), op.as_str(), show(rhs))
        }
        ExprKind::Unary { op, expr } => format!("({}{})", op.as_str(), show(expr)),
        ExprKind::Ternary { cond, then, els } => {
            format!("({} ? {} : {})", show(cond), show(then), show(els))
        }
        ExprKind::Path(p) => p.name.name.clone(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Cast { expr, .. } => format!("(cast {})", show(expr)),
        ExprKind::Member { base, member } => format!("{}.{}", show(base), member.name),
        ExprKind::Slice { base, hi, lo } => format!("{}[{}:{}]", show(base), show(hi), show(lo)),
        ExprKind::Call { callee, args, .. } => format!("{}(#{})", show(callee), args.len()),
        other => format!("{other:?}"),
    }
}

#[test]
fn precedence_and_associativity() {
    let cases = [
        ("a + b * c", "(a + (b * c))"),
        ("a - b - c", "((a - b) - c)"),
        ("a << 2 + 1", "(a << (2 + 1))"),
        ("a & b == c", "((a & b) == c)"),
        ("a == b && c != d || e", "(((a == b) && (c != d)) || e)"),
        ("a | b ^ c & d", "(a | (b ^ (c & d)))"),
        ("a ++ b + c", "((a ++ b) + c)"),
        ("a |+| b |-| c", "((a |+| b) |-| c)"),
        ("-a * b", "((-a) * b)"),
        ("!a && b", "((!a) && b)"),
        ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
        ("a >> 2", "(a >> 2)"),
        ("a > b", "(a > b)"),
        ("x[7:0] ++ y.z", "(x[7:0] ++ y.z)"),
        ("(bit<8>) a + b", "((cast a) + b)"),
        ("~(a + b)", "(~(a + b))"),
        ("f(a, b).c", "f(#2).c"),
    ];
    for (src, want) in cases {
        assert_eq!(show(&first_expr(src)), want, "{src}");
    }
}

#[test]
fn nested_generics_and_shift() {
    let p = parse_ok(
        "extern register<T> { register(bit<32> n); void read(out T r, in bit<32> i); }
         control C() { register<bit<32>>(8) r; register<bit<8>>(4)r2; apply { bit<32> x = 1 >> 1; } }",
    );
    assert_eq!(p.decls.len(), 2);
}

#[test]
fn soft_keywords_as_names() {
    parse_ok(
        "header h_t { bit<8> key; bit<8> type; bit<8> state; bit<8> apply; bit<8> entries; }
         struct s_t { h_t h; }
         control C(inout s_t s) { apply { s.h.key = s.h.type; s.h.state = 1; } }",
    );
}

#[test]
fn declarations_vs_expressions() {
    let p = parse_ok(
        "header h_t { bit<8> f; }
         typedef bit<8> byte_t;
         control C(inout h_t[4] st) {
            h_t tmp;
            apply {
                byte_t b = 1;
                h_t[2] local;
                st[1] = tmp;
                st[0].f = (byte_t) b;
                st.push_front(1);
                b = (b);
            }
         }",
    );
    let Decl::Control(c) = &p.decls[2] else {
        panic!()
    };
    let kinds: Vec<&str> = c
        .body
        .stmts
        .iter()
        .map(|s| match s.kind {
            StmtKind::Var(_) => "var",
            StmtKind::Assign { .. } => "assign",
            StmtKind::Call(_) => "call",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["var", "var", "assign", "assign", "call", "assign"]);
}

#[test]
fn parser_with_select_masks_ranges_tuples() {
    let p = parse_ok(
        "parser P(packet_in b, out bit<16> t) {
            value_set<bit<16>>(4) vs;
            state start {
                transition select(t, t[7:0]) {
                    (0x800 &&& 0xffff, _): next;
                    (1 .. 5, 8w1): next;
                    (vs, default): accept;
                    default: reject;
                }
            }
            state next { transition accept; }
        }",
    );
    let Decl::Parser(pd) = &p.decls[0] else {
        panic!()
    };
    assert_eq!(pd.states.len(), 2);
    assert_eq!(pd.locals.len(), 1);
    let Some(Transition::Select { cases, .. }) = &pd.states[0].transition else {
        panic!()
    };
    assert_eq!(cases.len(), 4);
    assert!(cases[0].tuple && !cases[3].tuple);
}

#[test]
fn table_with_every_property() {
    let p = parse_ok(
        "control C() {
            action a(bit<8> x) {}
            table t {
                key = { h.f : exact @name(\"f\"); h.g: ternary; }
                actions = { a; @defaultonly NoAction(); }
                const entries = {
                    (1, 2 &&& 3) : a(1);
                    priority = 10: (_, default) : a(2);
                }
                default_action = NoAction();
                size = 1024;
                support_timeout = true;
                @name(\"ctr\") counters = c;
            }
            apply { if (t.apply().hit) {} switch (t.apply().action_run) { a: {} default: {} } }
        }",
    );
    let Decl::Control(c) = &p.decls[0] else {
        panic!()
    };
    let Decl::Table(t) = &c.locals[1] else {
        panic!()
    };
    assert_eq!(t.props.len(), 7);
}

#[test]
fn errors_are_collected_with_recovery() {
    let src = "const bit<8> a = ;\nconst bit<8> b = 1\nheader h { bit<8> x; }\nconst bit<8> c = 2;";
    let mut d = Diagnostics::default();
    let p = parse(src, &mut d);
    assert!(d.error_count() >= 2, "{:?}", d.items);
    assert!(p
        .decls
        .iter()
        .any(|d| d.name().map(|n| n.name.as_str()) == Some("h")));
    let r = parse_err("control C() { apply { x = 1 } }");
    assert!(r.contains("expected ';'"), "{r}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!(
        "const bit<8> x = {}1{};",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let r = parse_err(&src);
    assert!(r.contains("too deep"), "{r}");
    let src = format!("control C() {{ apply {{ {} }} }}", "{".repeat(50_000));
    parse_err(&src);
    let src = format!("const bit<8> x = {}1;", "-".repeat(100_000));
    parse_err(&src);
}

#[test]
fn garbage_never_hangs() {
    for src in [
        "}}}}",
        "))) ;;; ]]]",
        "control",
        "parser P(",
        "@",
        "@a(",
        "table t { key = {",
        "extern E { E(",
        "state s {",
        "\u{0}\u{1}",
    ] {
        let mut d = Diagnostics::default();
        let _ = parse(src, &mut d);
        assert!(d.has_errors(), "{src:?}");
    }
}

#[test]
fn for_statements_parse_and_print_back() {
    let src = "control c(inout bit<8> a, inout H[2] hs) {
    apply {
        for (bit<8> i = 0, bit<8> j = 1; i < a; i = i + 1, j >>= 1) {
            if (i == 3) {
                continue;
            }
            a = a - 1;
        }
        for (; ; ) {
            break;
        }
        for (bit<8> v in 1 .. a + 1) a = v;
        for (@tag H h in hs) {
            f(h);
        }
    }
}
";
    let p = parse_ok(src);
    let printed = crate::printer::print_program(&p);
    for want in [
        "for (bit<8> i = 0, bit<8> j = 1; i < a; i = i + 1, j >>= 1) {",
        "continue;",
        "for (; ; ) {",
        "break;",
        "for (bit<8> v in 1 .. a + 1)",
        "for (@tag H h in hs) {",
    ] {
        assert!(printed.contains(want), "{want:?} not in:\n{printed}");
    }
    let again = crate::printer::print_program(&parse_ok(&printed));
    assert_eq!(printed, again);
}

#[test]
fn for_statement_errors() {
    let e = parse_err("control c() { apply { for (bit<8> i = 0; i < 4) { } } }");
    assert!(e.contains("expected ';'"), "{e}");
    let e = parse_err("control c() { apply { for (x = 1, ; x < 4; ) { } } }");
    assert!(e.contains("error"), "{e}");
}
