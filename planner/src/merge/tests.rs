//! Unit tests of renaming and dispatch on small programs; the example scenarios are covered by
//! the integration tests (`tests/plan_golden.rs`, `tests/merged_on_engine.rs`).

use super::*;

/// A v1model app: `extra` top-level declarations, an ingress body, and a traffic class.
fn app_src(extra: &str, locals: &str, body: &str) -> String {
    format!(
        r#"#include <core.p4>
#include <v1model.p4>
header eth_t {{ bit<48> dst; bit<48> src; bit<16> ty; }}
header ip_t {{ bit<8> proto; bit<32> src; bit<32> dst; }}
struct headers_t {{ eth_t eth; ip_t ip; }}
struct meta_t {{ bit<8> m; }}
{extra}
parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {{
    state start {{
        pkt.extract(hdr.eth);
        transition select(hdr.eth.ty) {{ 0x0800: ip; default: accept; }}
    }}
    state ip {{ pkt.extract(hdr.ip); meta.m = hdr.ip.proto; transition accept; }}
}}
control V(inout headers_t hdr, inout meta_t meta) {{ apply {{ }} }}
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {{
    {locals}
    apply {{ {body} }}
}}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {{ apply {{ }} }}
control C(inout headers_t hdr, inout meta_t meta) {{ apply {{ }} }}
control D(packet_out pkt, in headers_t hdr) {{ apply {{ pkt.emit(hdr.eth); pkt.emit(hdr.ip); }} }}
V1Switch(P(), V(), I(), E(), C(), D()) main;
"#
    )
}

struct Compiled {
    name: &'static str,
    ast: ast::Program,
    ir: exo_p4::ir::Program,
    class: Option<String>,
}

fn compile(name: &'static str, src: &str, class: Option<&str>) -> Compiled {
    let c = exo_p4::compile_str(name, src, &exo_p4::CompileOptions::default());
    let ir =
        c.ir.unwrap_or_else(|| panic!("{name}: {}", c.diags.render(&c.source_map)));
    Compiled {
        name,
        ast: c.ast,
        ir,
        class: class.map(str::to_string),
    }
}

fn merge_role(apps: &[Compiled], role: Role) -> Result<String, MergeError> {
    let m: Vec<MergeApp<'_>> = apps
        .iter()
        .map(|a| MergeApp {
            name: a.name,
            ast: &a.ast,
            ir: &a.ir,
            slots: ["P", "V", "I", "E", "C", "D"].map(String::from),
            traffic_class: a.class.clone(),
            union_key: vec!["hdr.ip.src".into(), "hdr.ip.dst".into()],
            sizes: BTreeMap::new(),
            present: true,
            flow_manager: Some(16),
        })
        .collect();
    merge(&m, role)
}

fn checked(apps: &[Compiled]) -> String {
    let text = merge_role(apps, Role::Switch).expect("merge");
    if let Err(e) = check(Role::Switch, &text) {
        panic!("{e}\n{text}");
    }
    text
}

#[test]
fn conflicting_names_are_prefixed_and_identical_ones_shared() {
    let a = compile(
        "a",
        &app_src(
            "const bit<9> PORT = 1; typedef bit<32> addr_t;",
            "",
            "sm.egress_spec = PORT;",
        ),
        Some("hdr.ip.isValid() && hdr.ip.dst[31:24] == 10"),
    );
    let b = compile(
        "b",
        &app_src(
            "const bit<9> PORT = 2; typedef bit<32> addr_t;",
            // A local constant hides the top-level one: it must not be renamed.
            "const bit<9> LOCAL = 3;",
            "sm.egress_spec = PORT; if (hdr.ip.proto == 6) { sm.egress_spec = LOCAL; }",
        ),
        None,
    );
    let text = checked(&[a, b]);
    assert!(text.contains("const bit<9> a_PORT = 1;"), "{text}");
    assert!(text.contains("const bit<9> b_PORT = 2;"), "{text}");
    assert_eq!(text.matches("typedef bit<32> addr_t;").count(), 1, "{text}");
    // Same header layouts are shared; the blocks are always per app.
    assert_eq!(text.matches("header eth_t").count(), 1, "{text}");
    assert!(
        text.contains("control a_I(") && text.contains("control b_I("),
        "{text}"
    );
    assert!(text.contains("sm.egress_spec = LOCAL;"), "{text}");
    assert!(text.contains("sm.egress_spec = b_PORT;"), "{text}");
    // Each app's headers in its own member; dispatch by class, the unclassified app last.
    assert!(
        text.contains("headers_t a;") && text.contains("headers_t b;"),
        "{text}"
    );
    assert!(text.contains("a_P() exo_a_parser;"), "{text}");
    assert!(text.contains("exo_a_parser.apply(pkt, hdr.a, meta.a, standard_metadata);"));
}

#[test]
fn dependent_declarations_follow_a_renamed_type() {
    // `ip_t` differs, so `headers_t` (same text in both apps) must differ too.
    let a = compile("a", &app_src("", "", ""), Some("hdr.ip.isValid()"));
    let src_b = app_src("", "", "").replace(
        "header ip_t { bit<8> proto; bit<32> src; bit<32> dst; }",
        "header ip_t { bit<8> proto; bit<8> ttl; bit<32> src; bit<32> dst; }",
    );
    let b = compile("b", &src_b, None);
    let text = checked(&[a, b]);
    for n in ["a_ip_t", "b_ip_t", "a_headers_t", "b_headers_t"] {
        assert!(text.contains(n), "{n} missing:\n{text}");
    }
    assert!(!text.contains("struct headers_t"), "{text}");
}

#[test]
fn extern_instances_are_never_shared() {
    let reg = "register<bit<32>>(16) hits;";
    let body = "hits.write(0, 1);";
    let a = compile("a", &app_src(reg, "", body), Some("hdr.ip.isValid()"));
    let b = compile("b", &app_src(reg, "", body), None);
    let text = checked(&[a, b]);
    assert!(text.contains("a_hits") && text.contains("b_hits"), "{text}");
}

#[test]
fn differing_extern_types_cannot_be_renamed() {
    let a = compile(
        "a",
        &app_src("extern Thing { Thing(); void f(); }", "", ""),
        Some("hdr.ip.isValid()"),
    );
    let b = compile(
        "b",
        &app_src("extern Thing { Thing(); void g(); }", "", ""),
        None,
    );
    let e = merge_role(&[a, b], Role::Switch).expect_err("conflict");
    assert!(
        matches!(&e, MergeError::Conflict { name, .. } if name == "Thing"),
        "{e}"
    );
}

#[test]
fn classes_over_metadata_or_value_sets_are_reported() {
    let a = compile("a", &app_src("", "", ""), Some("meta.m == 6"));
    let b = compile("b", &app_src("", "", ""), None);
    let e = merge_role(&[a, b], Role::Switch).expect_err("metadata class");
    assert!(
        matches!(&e, MergeError::Dispatch { app, message } if app == "a" && message.contains("metadata")),
        "{e}"
    );
    let vs = app_src("", "", "").replace(
        "state start {",
        "value_set<bit<16>>(4) tys;\n    state start {",
    );
    let vs = vs.replace("0x0800: ip;", "tys: ip;");
    let a = compile("a", &vs, Some("hdr.ip.isValid()"));
    let b = compile("b", &app_src("", "", ""), None);
    let e = merge_role(&[a, b], Role::Switch).expect_err("value set");
    assert!(e.to_string().contains("value set `"), "{e}");
}

#[test]
fn select_defaults_exclude_earlier_cases_and_verify_guards_later_headers() {
    // ip is reached only when `ty` is not 0x86dd and is 0x0800 (masked), after a verify.
    let src = app_src("", "", "").replace(
        "transition select(hdr.eth.ty) { 0x0800: ip; default: accept; }",
        "verify(hdr.eth.src != 0, error.NoMatch);\n        transition select(hdr.eth.ty) { 0x86dd: accept; 0x0800 &&& 0xff00: ip; default: accept; }",
    );
    let a = compile("a", &src, Some("hdr.ip.isValid() && hdr.ip.proto == 17"));
    let b = compile("b", &app_src("", "", ""), None);
    let text = checked(&[a, b]);
    let cls = text
        .lines()
        .find(|l| l.contains("transition select(exo_probe0.isValid()"))
        .unwrap_or_else(|| panic!("{text}"));
    for part in [
        "exo_probe0.eth_src != 48w0",
        "!(exo_probe0.eth_ty == 16w0x86dd)",
        "exo_probe0.eth_ty & 16w0xff00 == 16w0x800",
        "exo_probe0.ip_proto == 17",
    ] {
        assert!(cls.contains(part), "`{part}` missing from {cls}");
    }
}

#[test]
fn external_role_drops_apps_it_does_not_run() {
    let a = compile("a", &app_src("", "", ""), Some("hdr.ip.isValid()"));
    let b = compile("b", &app_src("", "", ""), None);
    let mut m: Vec<MergeApp<'_>> = [&a, &b]
        .iter()
        .map(|c| MergeApp {
            name: c.name,
            ast: &c.ast,
            ir: &c.ir,
            slots: ["P", "V", "I", "E", "C", "D"].map(String::from),
            traffic_class: c.class.clone(),
            union_key: vec!["hdr.ip.src".into()],
            sizes: BTreeMap::new(),
            present: true,
            flow_manager: None,
        })
        .collect();
    m[1].present = false;
    let text = merge(&m, Role::External).expect("merge");
    check(Role::External, &text).expect("check");
    assert!(!text.contains("control b_I("), "{text}");
    assert!(text.contains("control exo_b_Ingress"), "{text}");
    assert!(!text.contains("exo_pktgen"), "{text}");
}
