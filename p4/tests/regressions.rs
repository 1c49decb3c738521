//! Regressions found by running the frontend over an external corpus of P4-16 programs
//! (p4c's testdata, see docs/conformance.md). Each case is a small program written for this
//! file: the valid ones must check without errors, the invalid ones must be rejected with a
//! diagnostic containing the given phrase.

use exo_p4::{compile_str, CompileOptions};

fn errors(src: &str) -> Vec<String> {
    let out = compile_str("regression.p4", src, &CompileOptions::default());
    out.diags
        .items
        .iter()
        .filter(|d| d.severity == exo_p4::diag::Severity::Error)
        .map(|d| d.message.clone())
        .collect()
}

#[track_caller]
fn accepts(src: &str) {
    let e = errors(src);
    assert!(e.is_empty(), "unexpected errors: {e:#?}");
}

#[track_caller]
fn rejects(src: &str, phrase: &str) {
    let e = errors(src);
    assert!(
        e.iter().any(|m| m.contains(phrase)),
        "expected an error containing '{phrase}', got {e:#?}"
    );
}

/// A one-control program around `body` (declarations before the control in `decls`).
fn ctl(decls: &str, body: &str) -> String {
    format!(
        "#include <core.p4>\n{decls}\ncontrol c(inout bit<8> r) {{\n{body}\n}}\n\
         control C(inout bit<8> r);\npackage P(C c);\nP(c()) main;\n"
    )
}

// ---- programs that are valid ----

#[test]
fn serializable_enum_converts_to_its_underlying_type() {
    accepts(&ctl(
        "enum bit<8> Op { Add = 1, Sub = 2 }",
        "apply {
            bit<8> a = Op.Add;
            bit<8> b = Op.Add + 1;
            bit<8> d = Op.Add | Op.Sub;
            if (Op.Sub == 2 && Op.Add < Op.Sub) { r = a + b + d; }
        }",
    ));
    // The conversion folds: an enum member initializes a constant.
    accepts(&ctl(
        "enum bit<4> E { x = 3 }\nconst bit<4> K = E.x;",
        "apply { r = (bit<8>)K; }",
    ));
}

#[test]
fn serializable_enum_does_not_convert_from_its_underlying_type() {
    rejects(
        &ctl("enum bit<8> Op { Add = 1 }", "apply { Op o = Op.Add + 1; }"),
        "expected Op, got bit<8>",
    );
    rejects(
        &ctl(
            "enum bit<8> A { x = 1 }\nenum bit<8> B { y = 1 }",
            "apply { A a = B.y; }",
        ),
        "expected A, got B",
    );
}

#[test]
fn named_initializer_closed_by_dots() {
    accepts(&ctl(
        "header H { bit<8> f; bit<8> g; }\nstruct S { bit<8> x; bool y; H h; }",
        "apply {
            S s = { x = 1, ... };
            S t;
            t = { y = true, h = { 4, ... }, ... };
            r = s.x + t.h.f;
        }",
    ));
}

#[test]
fn dots_initializer_is_not_an_operand_argument_or_return_value() {
    rejects(
        &ctl(
            "struct S { bit<8> x; bool y; }",
            "apply { S s = { x = 1, y = true }; if (s == { x = 1, ... }) { r = 1; } }",
        ),
        "cannot be used in a comparison",
    );
    rejects(
        "struct S { bit<8> x; bool y; }\nS f() { return { x = 1, ... }; }",
        "cannot be used in a return statement",
    );
}

#[test]
fn header_fields_may_be_structs_of_fixed_width_fields() {
    accepts(&ctl(
        "struct Pair { bit<4> lo; bit<4> hi; }\nstruct Row { Pair p; bool v; bit<7> n; }\n\
         header H { bit<8> a; Row row; }",
        "apply { H h; h.setValid(); h.row.p.hi = 2; r = h.a + (bit<8>)h.row.p.hi; }",
    ));
    rejects(
        "struct V { varbit<8> v; }\nheader H { V v; }",
        "header fields must be",
    );
}

#[test]
fn generic_struct_with_tuple_field() {
    accepts("struct G<T> { tuple<T, T> t; }\nconst G<bit<16>> g = { t = { 1, 2 } };\n");
}

#[test]
fn enum_member_comparison_is_a_constant() {
    accepts("enum Color { Red, Green }\nconst bool same = Color.Red == Color.Green;\n");
    accepts("#include <core.p4>\nerror { Oops }\nconst bool e = error.Oops != error.NoError;\n");
}

#[test]
fn tuple_elements_are_indexed_by_constants() {
    accepts(&ctl(
        "",
        "apply { tuple<bit<8>, bool> t = { 7, true }; if (t[1]) { r = t[0]; } }",
    ));
    rejects(
        &ctl(
            "",
            "apply { tuple<bit<8>, bool> t = { 7, true }; r = t[2]; }",
        ),
        "out of bounds",
    );
    rejects(
        &ctl("", "apply { tuple<bit<8>> t = { 7 }; r = t[r]; }"),
        "compile-time constant",
    );
}

#[test]
fn optional_parameters_may_be_omitted() {
    accepts(&ctl(
        "extern Sum { Sum(); bit<8> add<T>(in T data, @optional in bool wide); }",
        "Sum() s;\napply { r = s.add({ r, r }); r = s.add({ r }, true); }",
    ));
}

// ---- programs that are invalid ----

#[test]
fn parameter_lists() {
    rejects(
        "control C(in bit<8> a, in bool a);",
        "duplicate parameter 'a'",
    );
    rejects(
        "control C();\npackage P(C c, C c);",
        "duplicate parameter 'c'",
    );
    rejects("void f<T, T>(in T x) {}", "duplicate type parameter 'T'");
    rejects(
        "control c<T>(inout bit<8> T) { apply {} }",
        "same name as a type parameter",
    );
    rejects(
        "extern void f(out bit<8> x = 1);",
        "cannot have a default value",
    );
    rejects(
        "extern void f(@optional in bit<8> x = 1);",
        "optional parameter 'x' cannot have a default value",
    );
    rejects(
        "control c(inout bit<8> r) { action a(bit<8> d, out bit<8> o) { o = d; } apply {} }",
        "directionless action parameters must come last",
    );
}

#[test]
fn extern_methods() {
    rejects(
        "extern E { E(); void put<T>(in T x); void put(in bit<8> y); }",
        "duplicate method 'put'",
    );
    rejects("extern E { void E(); }", "cannot have a return type");
}

#[test]
fn actions_list_binds_exactly_the_directional_parameters() {
    let prog = |actions: &str, default: &str| {
        ctl(
            "",
            &format!(
                "bit<8> v;\naction a(inout bit<8> x, bit<8> d) {{ x = d; }}\n\
                 table t {{ actions = {{ {actions} }} default_action = {default}; }}\n\
                 apply {{ t.apply(); }}"
            ),
        )
    };
    accepts(&prog("a(r);", "a(r, 1)"));
    accepts(&prog("a(r);", "a(1)"));
    rejects(&prog("a;", "a(1)"), "must bind its 1 directional parameter");
    rejects(
        &prog("a(r, 1);", "a(1)"),
        "must bind its 1 directional parameter",
    );
    rejects(&prog("a(r);", "a(v, 1)"), "bound in the actions list");
}

#[test]
fn verify_only_in_parsers() {
    rejects(
        &ctl("error { Bad }", "apply { verify(r == 0, error.Bad); }"),
        "verify() can only be called in a parser",
    );
}

#[test]
fn keyless_table_has_no_entries() {
    rejects(
        &ctl(
            "",
            "action a() {}\ntable t { actions = { a; } const entries = { _ : a(); } }\n\
             apply { t.apply(); }",
        ),
        "has no key",
    );
}

#[test]
fn integer_literal_cannot_bind_a_type_parameter() {
    rejects(
        &ctl(
            "extern void pick<T>(out T x, in T lo);",
            "apply { pick(_, 3); }",
        ),
        "could not infer a width",
    );
    // A typed argument fixes the width for the literal.
    accepts(&ctl(
        "extern void pick<T>(out T x, in T lo);",
        "apply { pick(r, 3); }",
    ));
}

#[test]
fn explicit_type_arguments_of_functions_are_checked() {
    rejects(
        "void f<T>(in T x) {}\nvoid g() { f<bit<8>>(true); }",
        "expected bit<8>, got bool",
    );
    accepts("void f<T>(in T x) {}\nvoid g() { f<bit<8>>(3); }");
}

#[test]
fn newtype_and_dont_care_types() {
    rejects("type tuple<bit<8>> T;", "cannot introduce a new type");
    rejects(
        "struct S<T> { T f; }\nconst S<_> s = { f = 1 };",
        "'_' cannot be used",
    );
    rejects(
        "struct S<T> { T f; }\nconst S<void> s = { f = 1 };",
        "'void' cannot be a type argument",
    );
    rejects("enum list<_> E { a = 1 }", "a serializable enum needs");
    accepts("typedef bit<9> Port_t;\ntype Port_t Port;\ntype bool Flag;\n");
}

#[test]
fn only_externs_have_initializer_blocks() {
    rejects(
        "control c() { apply {} }\ncontrol C();\npackage P(C c);\nP(c()) main = { };",
        "only extern instantiations",
    );
}

#[test]
fn negative_literals_in_division() {
    rejects("const int q = -8 / 2;", "not defined for negative values");
    rejects(
        &ctl("", "apply { r = r % -1; }"),
        "not defined for negative values",
    );
}

#[test]
fn package_arguments_match_the_block_types() {
    let pkg = "control C<H>(inout H h, in bit<8> x);\npackage P<H>(C<H> a, C<H> b);";
    accepts(&format!(
        "{pkg}\ncontrol c1(inout bit<8> h, in bit<8> x) {{ apply {{}} }}\n\
         control c2(inout bit<8> h, in bit<8> x) {{ apply {{}} }}\nP(c1(), c2()) main;"
    ));
    rejects(
        &format!(
            "{pkg}\ncontrol c1(inout bit<8> h, inout bit<8> x) {{ apply {{}} }}\n\
             P(c1(), c1()) main;"
        ),
        "expects in for 'x'",
    );
    rejects(
        &format!(
            "{pkg}\ncontrol c1(inout bit<8> h, in bool x) {{ apply {{}} }}\n\
             P(c1(), c1()) main;"
        ),
        "has type bool",
    );
    // The package's type parameter must be the same for both arguments.
    rejects(
        &format!(
            "{pkg}\ncontrol c1(inout bit<8> h, in bit<8> x) {{ apply {{}} }}\n\
             control c2(inout bit<16> h, in bit<8> x) {{ apply {{}} }}\nP(c1(), c2()) main;"
        ),
        "has type bit<16>",
    );
    rejects(
        "control c() { apply {} }\npackage P(tuple<> t);\nP(c()) main;",
        "is a parser or control",
    );
}

#[test]
fn struct_value_set_covers_all_select_expressions() {
    accepts(
        "#include <core.p4>\nheader h_t { bit<8> a; bit<8> b; }\n\
         struct pair_t { bit<8> x; bit<8> y; }\n\
         parser p(packet_in pk, out h_t h) {\n\
           value_set<pair_t>(4) vs;\n\
           state start { pk.extract(h); transition select(h.a, h.b) { vs: accept; default: reject; } }\n\
         }\n\
         parser P(packet_in pk, out h_t h);\npackage Top(P p);\nTop(p()) main;\n",
    );
}

#[test]
fn cast_of_a_serializable_enum_member_is_a_constant() {
    // A table entry key must be a compile-time constant; the cast folds.
    accepts(&ctl(
        "enum bit<8> E { A = 0x12, B = 0x34 }",
        "action a() {}
         table t {
            key = { r: ternary; }
            actions = { a; }
            const entries = { ((bit<8>)E.B) &&& 0xF0 : a(); }
         }
         apply { t.apply(); }",
    ));
    accepts(&ctl(
        "enum bit<8> E { A = 0x12 }\nconst bit<16> K = (bit<16>)E.A;",
        "apply { r = (bit<8>)K; }",
    ));
}

#[test]
fn package_block_may_declare_in_where_inout_is_expected() {
    // Older v1model programs declare VerifyChecksum(in H hdr, ...): accepted, since a block
    // cannot write an `in` parameter; the other direction changes stay errors.
    let pkg = "control C(inout bit<8> r);\npackage P(C c);\n";
    accepts(&format!(
        "#include <core.p4>\n{pkg}control c(in bit<8> r) {{ apply {{ }} }}\nP(c()) main;\n"
    ));
    rejects(
        "#include <core.p4>\ncontrol C(in bit<8> r);\npackage P(C c);\n\
         control c(inout bit<8> r) { apply { } }\nP(c()) main;\n",
        "is inout, but",
    );
    rejects(
        &format!("#include <core.p4>\n{pkg}control c(out bit<8> r) {{ apply {{ r = 1; }} }}\nP(c()) main;\n"),
        "is out, but",
    );
}

#[test]
fn control_instances_as_constructor_arguments() {
    let decls = "control Step(inout bit<8> x);\n\
                 control Inc(inout bit<8> x) { apply { x = x + 1; } }\n\
                 control Other(in bit<8> x) { apply { } }\n\
                 control Twice(inout bit<8> x)(Step s) { apply { s.apply(x); s.apply(x); } }";
    accepts(&ctl(decls, "Inc() i;\nTwice(i) t;\napply { t.apply(r); }"));
    // A control whose parameters differ (here a direction) is not a `Step`.
    rejects(
        &ctl(decls, "Other() o;\nTwice(o) t;\napply { t.apply(r); }"),
        "type mismatch",
    );
}

#[test]
fn direct_type_invocation() {
    let decls = "control Inc(inout bit<8> x) { apply { x = x + 1; } }\n\
                 control K(inout bit<8> x)(bit<8> k) { apply { x = x + k; } }";
    accepts(&ctl(decls, "apply { Inc.apply(r); Inc.apply(r); }"));
    rejects(
        &ctl(decls, "apply { K.apply(r); }"),
        "has constructor parameters",
    );
    rejects(
        &ctl(decls, "action a() { Inc.apply(r); }\napply { a(); }"),
        "only be applied inside a parser or control",
    );
}
