//! IR files are checked on load: a type that names a missing type or contains itself, or an
//! absurd width or stack size, is refused with a message instead of crashing what reads it.

use exo_p4::ir::{Program, Ty, TypeKind};

fn program() -> Program {
    let src = r#"
        header h_t { bit<8> a; bit<8> b; }
        struct s_t { h_t h; bit<4> x; }
        control C(inout s_t s) { apply { s.x = 1; } }
    "#;
    let c = exo_p4::compile_str("t.p4", src, &exo_p4::CompileOptions::default());
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    c.ir.expect("IR")
}

fn struct_index(p: &Program) -> usize {
    p.types
        .iter()
        .position(|t| matches!(t.kind, TypeKind::Struct { .. }) && t.name == "s_t")
        .expect("s_t")
}

fn set_field_ty(p: &mut Program, t: usize, ty: Ty) {
    if let TypeKind::Struct { fields } = &mut p.types[t].kind {
        fields[1].ty = ty;
    }
}

fn load_err(p: &Program) -> String {
    Program::from_json(&p.to_json())
        .expect_err("refused")
        .to_string()
}

#[test]
fn the_frontends_ir_loads_back() {
    let p = program();
    assert_eq!(Program::from_json(&p.to_json()).expect("loads"), p);
}

#[test]
fn a_type_that_contains_itself_is_refused() {
    let mut p = program();
    let s = struct_index(&p);
    set_field_ty(&mut p, s, Ty::Named { id: s as u32 });
    assert!(load_err(&p).contains("contains itself"));
    // Through a stack of itself, too.
    set_field_ty(
        &mut p,
        s,
        Ty::Stack {
            elem: s as u32,
            size: 2,
        },
    );
    assert!(load_err(&p).contains("contains itself"));
}

#[test]
fn missing_types_and_absurd_sizes_are_refused() {
    let mut p = program();
    let s = struct_index(&p);
    set_field_ty(&mut p, s, Ty::Named { id: 999 });
    assert!(load_err(&p).contains("names type 999"));
    set_field_ty(
        &mut p,
        s,
        Ty::Bits {
            width: u32::MAX,
            signed: false,
        },
    );
    assert!(load_err(&p).contains("over the limit"));
    set_field_ty(
        &mut p,
        s,
        Ty::Stack {
            elem: 0,
            size: u32::MAX,
        },
    );
    assert!(load_err(&p).contains("header stack"));
}
