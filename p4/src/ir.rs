//! The lowered, target-neutral intermediate representation.
//!
//! Produced by [`crate::check`] from a program that passed the checker. Everything the rest of
//! ExoPlane needs is explicit: types have resolved bit widths, names are fully qualified and
//! unique, constants are folded, every expression carries its type, local variables of a block
//! (including those declared inside its actions and nested blocks) are hoisted into that block's
//! `locals`, and entities that the control plane addresses (tables, actions, extern instances,
//! value sets) carry P4Runtime-style ids whose top byte is the entity type.
//!
//! Serialised as JSON with a `version` field ([`IR_VERSION`]); loading it back gives an equal IR.

use num_bigint::BigInt;
use serde::{Deserialize, Serialize};

pub const IR_VERSION: u32 = 2;

/// `ApplyBlock` names starting with this refer to a constructor parameter of the enclosing
/// parser or control whose type is a parser or control type (`control B()(T t) { apply {
/// t.apply(); } }` gives `$ctor.t`). Instantiation replaces them with the instance passed.
pub const CTOR_BLOCK_PREFIX: &str = "$ctor.";

/// P4Runtime entity-type prefixes (top byte of an id), as in p4info.proto's `P4Ids.Prefix`.
pub mod id_prefix {
    pub const ACTION: u8 = 0x01;
    pub const TABLE: u8 = 0x02;
    pub const VALUE_SET: u8 = 0x03;
    pub const CONTROLLER_HEADER: u8 = 0x04;
    pub const ACTION_PROFILE: u8 = 0x11;
    pub const COUNTER: u8 = 0x12;
    pub const DIRECT_COUNTER: u8 = 0x13;
    pub const METER: u8 = 0x14;
    pub const DIRECT_METER: u8 = 0x15;
    pub const REGISTER: u8 = 0x16;
    pub const DIGEST: u8 = 0x17;
    pub const OTHER_EXTERN: u8 = 0x80;
}

/// Stable id for an entity: the prefix in the top byte and a hash of the qualified name below.
/// Collisions within one program are resolved by the lowering pass (it probes the next value).
pub fn entity_id(prefix: u8, name: &str) -> u32 {
    // FNV-1a, folded to 24 bits; deterministic across runs and platforms.
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let low = (h >> 24) ^ (h & 0x00ff_ffff);
    (u32::from(prefix) << 24) | (low & 0x00ff_ffff).max(1)
}

/// Arbitrary-precision integers are written as decimal strings.
pub mod bigint_str {
    use num_bigint::BigInt;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &BigInt, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BigInt, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<BigInt>().map_err(serde::de::Error::custom)
    }
}

/// Index into [`Program::types`].
pub type TypeId = u32;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Ty {
    Bool,
    Bits {
        width: u32,
        signed: bool,
    },
    Varbit {
        max: u32,
    },
    /// Compile-time integer (only in folded constants and extern arguments).
    Int,
    String,
    Error,
    MatchKind,
    Void,
    /// A header, header union, struct or enum declared in [`Program::types`].
    Named {
        id: TypeId,
    },
    Stack {
        elem: TypeId,
        size: u32,
    },
    Tuple {
        elems: Vec<Ty>,
    },
    /// An extern object type, e.g. `register<bit<32>, bit<32>>`.
    Extern {
        name: String,
        args: Vec<Ty>,
    },
    /// The result of `t.apply()`: members `hit`, `miss`, `action_run`.
    TableResult {
        table: String,
    },
    /// The type of `t.apply().action_run`: an enum of the table's actions.
    ActionEnum {
        table: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    pub name: String,
    /// The body's tokens other than commas, as written: string literals keep their quotes.
    pub values: Vec<String>,
}

impl Annotation {
    /// The values with string-literal quotes and escapes removed.
    pub fn strings(&self) -> Vec<String> {
        self.values.iter().map(|v| unquote(v)).collect()
    }
}

/// Removes the quotes and escapes of a P4 string literal; other text is returned unchanged.
pub fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return v.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    /// Bit offset from the start of the header (headers only; 0 otherwise).
    pub offset: u32,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TypeKind {
    /// `bit_width` is the total of the fixed-width fields (a varbit field adds up to its max).
    Header {
        fields: Vec<FieldDef>,
        bit_width: u32,
    },
    HeaderUnion {
        fields: Vec<FieldDef>,
    },
    Struct {
        fields: Vec<FieldDef>,
    },
    Enum {
        members: Vec<String>,
    },
    SerEnum {
        width: u32,
        signed: bool,
        members: Vec<EnumMember>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumMember {
    pub name: String,
    #[serde(with = "bigint_str")]
    pub value: BigInt,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeDecl {
    pub name: String,
    #[serde(flatten)]
    pub kind: TypeKind,
    pub annotations: Vec<Annotation>,
}

impl TypeDecl {
    pub fn fields(&self) -> &[FieldDef] {
        match &self.kind {
            TypeKind::Header { fields, .. }
            | TypeKind::HeaderUnion { fields }
            | TypeKind::Struct { fields } => fields,
            _ => &[],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
    InOut,
    /// Directionless: action data for actions, compile-time for constructors.
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub direction: Direction,
    pub ty: Ty,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Local {
    pub name: String,
    pub ty: Ty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnOp {
    Not,
    BitNot,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    SatAdd,
    SatSub,
    Shl,
    Shr,
    BitAnd,
    BitXor,
    BitOr,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Concat,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expr {
    pub ty: Ty,
    #[serde(flatten)]
    pub kind: ExprKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "expr")]
pub enum ExprKind {
    /// A folded integer constant of the expression's type (bits, int, serializable enum).
    Const {
        #[serde(with = "bigint_str")]
        value: BigInt,
    },
    Bool {
        value: bool,
    },
    Str {
        value: String,
    },
    /// `error.NAME`; the code is the index in [`Program::errors`].
    ErrorConst {
        name: String,
    },
    /// A member of an enum type (`ty` is the enum).
    EnumMember {
        name: String,
    },
    /// A parameter or hoisted local of the enclosing block or function, or an action parameter.
    Var {
        name: String,
    },
    /// An extern instance (argument of a call or constructor).
    Instance {
        name: String,
    },
    Field {
        base: Box<Expr>,
        field: String,
    },
    /// Header stack element.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `stack.next`, `stack.last`, `stack.lastIndex`, `stack.size`
    StackProp {
        base: Box<Expr>,
        prop: String,
    },
    Slice {
        base: Box<Expr>,
        hi: u32,
        lo: u32,
    },
    Unary {
        op: UnOp,
        arg: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Mux {
        cond: Box<Expr>,
        then: Box<Expr>,
        els: Box<Expr>,
    },
    Cast {
        arg: Box<Expr>,
    },
    /// A list/struct/header value: the elements in field order.
    List {
        elems: Vec<Expr>,
    },
    Call(Box<Call>),
    /// `t.apply().hit` / `.miss`
    TableHit {
        table: String,
        hit: bool,
    },
    /// `t.apply().action_run`
    ActionRun {
        table: String,
    },
    /// `_` as an out argument: the value is discarded.
    DontCare,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "target")]
pub enum CallTarget {
    /// `isValid`, `setValid`, `setInvalid` on a header or union, `push_front`/`pop_front` on a
    /// stack, `minSizeInBits`/`minSizeInBytes`, ...: `receiver` is the object.
    Builtin {
        method: String,
    },
    /// A method of an extern instance (`receiver` is the instance or a parameter of extern
    /// type such as `packet_in`).
    Method {
        extern_type: String,
        method: String,
    },
    /// An extern function (`mark_to_drop`, `hash`, `verify`, ...).
    ExternFunction {
        name: String,
    },
    Action {
        name: String,
    },
    Function {
        name: String,
    },
    TableApply {
        table: String,
    },
    /// Instantiating and applying a sub-parser or sub-control (`name` is the instance).
    ApplyBlock {
        name: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    #[serde(flatten)]
    pub target: CallTarget,
    pub receiver: Option<Expr>,
    pub type_args: Vec<Ty>,
    /// Arguments in parameter order (named arguments already reordered, defaults filled in).
    pub args: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "stmt")]
pub enum Stmt {
    Assign {
        lhs: Expr,
        rhs: Expr,
    },
    Call(Call),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
    },
    /// `switch (t.apply().action_run)` (labels are action names) or over a value (labels are
    /// constants). `None` label = `default`. Consecutive labels sharing a body are grouped.
    Switch {
        on: Expr,
        cases: Vec<SwitchCase>,
    },
    Block {
        stmts: Vec<Stmt>,
    },
    Exit,
    Return {
        value: Option<Expr>,
    },
    /// A loop (P4-16 1.2.5 `for`): `init`, then while `cond` holds, `body` and `update`;
    /// `continue` goes on with `update`. `for (x in lo .. hi)` and `for (x in stack)` come
    /// lowered to this form. Targets bound the number of iterations.
    For {
        init: Vec<Stmt>,
        cond: Expr,
        update: Vec<Stmt>,
        body: Vec<Stmt>,
    },
    /// Leaves the innermost loop.
    Break,
    /// Ends the current iteration of the innermost loop.
    Continue,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchCase {
    /// Action names, or constants (as expressions); empty = default.
    pub labels: Vec<Expr>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum KeysetElem {
    Default,
    Value {
        #[serde(with = "bigint_str")]
        value: BigInt,
    },
    Mask {
        #[serde(with = "bigint_str")]
        value: BigInt,
        #[serde(with = "bigint_str")]
        mask: BigInt,
    },
    Range {
        #[serde(with = "bigint_str")]
        lo: BigInt,
        #[serde(with = "bigint_str")]
        hi: BigInt,
    },
    ValueSet {
        name: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectCase {
    /// One element per select key.
    pub keyset: Vec<KeysetElem>,
    pub next: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Transition {
    /// `accept`, `reject` or a state of the parser.
    Goto { state: String },
    Select {
        keys: Vec<Expr>,
        cases: Vec<SelectCase>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParserState {
    pub name: String,
    pub stmts: Vec<Stmt>,
    pub transition: Transition,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parser {
    pub name: String,
    pub params: Vec<Param>,
    pub ctor_params: Vec<Param>,
    pub locals: Vec<Local>,
    /// Statements run once before the `start` state (local variable initialisers).
    pub init: Vec<Stmt>,
    pub states: Vec<ParserState>,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Control {
    pub name: String,
    pub params: Vec<Param>,
    pub ctor_params: Vec<Param>,
    pub locals: Vec<Local>,
    /// Local initialisers, then the apply block.
    pub body: Vec<Stmt>,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: u32,
    /// Fully qualified: `MyIngress.set_port`, or `NoAction` for top-level actions.
    pub name: String,
    /// The control that declares it (empty for top-level actions).
    pub control: String,
    pub params: Vec<Param>,
    /// Variables declared in the body (names unique within the action and its control).
    pub locals: Vec<Local>,
    pub body: Vec<Stmt>,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub ret: Ty,
    pub params: Vec<Param>,
    pub locals: Vec<Local>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableKey {
    /// The control-plane name: `@name` if given, else the key expression's source text.
    pub name: String,
    pub expr: Expr,
    pub match_kind: String,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionScope {
    TableAndDefault,
    TableOnly,
    DefaultOnly,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableAction {
    pub action: String,
    pub scope: ActionScope,
    pub annotations: Vec<Annotation>,
    /// Arguments the actions list binds to the action's directional parameters, in their
    /// order (`actions = { set(hdr.f); }`): passed whenever the table runs the action.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCall {
    pub action: String,
    /// Arguments for the action's parameters (folded constants for action data).
    pub args: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum KeyMatch {
    Exact {
        #[serde(with = "bigint_str")]
        value: BigInt,
    },
    Lpm {
        #[serde(with = "bigint_str")]
        value: BigInt,
        prefix_len: u32,
    },
    Ternary {
        #[serde(with = "bigint_str")]
        value: BigInt,
        #[serde(with = "bigint_str")]
        mask: BigInt,
    },
    Range {
        #[serde(with = "bigint_str")]
        lo: BigInt,
        #[serde(with = "bigint_str")]
        hi: BigInt,
    },
    /// Matches anything (`_` / `default`).
    DontCare,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstEntry {
    pub keys: Vec<KeyMatch>,
    pub action: ActionCall,
    /// The entry's priority, a larger number winning. The checker fills it in for every entry
    /// of a table once one entry states a priority (`priority = N`, or BMv2's `@priority(N)`
    /// where the smaller number wins), following the table's `largest_priority_wins` and
    /// `priority_delta`; `None` everywhere means that earlier entries win.
    pub priority: Option<u64>,
    pub is_const: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub id: u32,
    pub name: String,
    pub control: String,
    pub keys: Vec<TableKey>,
    pub actions: Vec<TableAction>,
    pub default_action: Option<ActionCall>,
    pub default_action_const: bool,
    pub entries: Vec<ConstEntry>,
    /// `const entries` (the control plane cannot change them).
    pub entries_const: bool,
    pub size: Option<u64>,
    pub support_timeout: bool,
    pub direct_counter: Option<String>,
    pub direct_meter: Option<String>,
    /// Action profile or selector instance (`implementation = ...`).
    pub implementation: Option<String>,
    pub annotations: Vec<Annotation>,
}

impl Table {
    /// Whether the table's key needs priorities (ternary, range or optional fields).
    pub fn needs_priority(&self) -> bool {
        self.keys
            .iter()
            .any(|k| matches!(k.match_kind.as_str(), "ternary" | "range" | "optional"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CtorArg {
    Int {
        #[serde(with = "bigint_str")]
        value: BigInt,
        ty: Ty,
    },
    Bool {
        value: bool,
    },
    Str {
        value: String,
    },
    Enum {
        ty: String,
        member: String,
    },
    Instance {
        name: String,
    },
    /// Anything else (kept as source text).
    Other {
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternInstance {
    pub id: u32,
    /// Fully qualified: `MyIngress.counts`.
    pub name: String,
    pub extern_type: String,
    pub type_args: Vec<Ty>,
    pub args: Vec<CtorArg>,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueSet {
    pub id: u32,
    pub name: String,
    pub elem: Ty,
    pub size: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubInstance {
    /// Fully qualified instance name.
    pub name: String,
    /// The parser or control type it instantiates.
    pub block: String,
    /// Constructor arguments, in the block's constructor-parameter order.
    pub args: Vec<CtorArg>,
}

/// The top-level package instance: which parser/control fills which architecture slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub package_type: String,
    /// `(slot parameter name, block name)` in parameter order.
    pub slots: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    pub version: u32,
    /// `v1model` when the main package is `V1Switch`, else the package type's name.
    pub arch: Option<String>,
    pub types: Vec<TypeDecl>,
    pub errors: Vec<String>,
    pub match_kinds: Vec<String>,
    pub instances: Vec<ExternInstance>,
    pub sub_instances: Vec<SubInstance>,
    pub value_sets: Vec<ValueSet>,
    pub parsers: Vec<Parser>,
    pub controls: Vec<Control>,
    pub actions: Vec<Action>,
    pub tables: Vec<Table>,
    pub functions: Vec<Function>,
    pub package: Option<Package>,
}

impl Program {
    pub fn type_decl(&self, id: TypeId) -> Option<&TypeDecl> {
        self.types.get(id as usize)
    }

    pub fn type_by_name(&self, name: &str) -> Option<(TypeId, &TypeDecl)> {
        self.types
            .iter()
            .enumerate()
            .find(|(_, t)| t.name == name)
            .map(|(i, t)| (i as TypeId, t))
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    pub fn instance(&self, name: &str) -> Option<&ExternInstance> {
        self.instances.iter().find(|i| i.name == name)
    }

    /// Bit width of a value of type `ty` when serialised (headers: their fixed fields).
    pub fn bit_width(&self, ty: &Ty) -> Option<u32> {
        match ty {
            Ty::Bool => Some(1),
            Ty::Bits { width, .. } => Some(*width),
            Ty::Varbit { max } => Some(*max),
            Ty::Named { id } => match &self.type_decl(*id)?.kind {
                TypeKind::Header { bit_width, .. } => Some(*bit_width),
                TypeKind::Struct { fields } | TypeKind::HeaderUnion { fields } => fields
                    .iter()
                    .map(|f| self.bit_width(&f.ty))
                    .try_fold(0u32, |a, w| w.map(|w| a.saturating_add(w))),
                TypeKind::SerEnum { width, .. } => Some(*width),
                TypeKind::Enum { .. } => Some(32),
            },
            Ty::Stack { elem, size } => self
                .bit_width(&Ty::Named { id: *elem })
                .map(|w| w.saturating_mul(*size)),
            _ => None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn from_json(s: &str) -> Result<Program, IrLoadError> {
        let p: Program = serde_json::from_str(s).map_err(|e| IrLoadError::Json(e.to_string()))?;
        if p.version != IR_VERSION {
            return Err(IrLoadError::Version {
                found: p.version,
                expected: IR_VERSION,
            });
        }
        p.check_types().map_err(IrLoadError::Types)?;
        Ok(p)
    }

    /// The structural checks an IR file gets on load (the frontend's output passes them by
    /// construction): every type a field names exists, no type contains itself, and widths stay
    /// within the frontend's limit.
    pub fn check_types(&self) -> Result<(), String> {
        fn refs(ty: &Ty, out: &mut Vec<TypeId>) -> Result<(), String> {
            match ty {
                Ty::Bits { width, .. } | Ty::Varbit { max: width }
                    if *width > crate::lexer::MAX_WIDTH =>
                {
                    Err(format!(
                        "width {width} is over the limit of {}",
                        crate::lexer::MAX_WIDTH
                    ))
                }
                Ty::Named { id } => {
                    out.push(*id);
                    Ok(())
                }
                Ty::Stack { elem, size } => {
                    if *size > MAX_STACK_SIZE {
                        return Err(format!(
                            "a header stack of {size} elements (limit {MAX_STACK_SIZE})"
                        ));
                    }
                    out.push(*elem);
                    Ok(())
                }
                Ty::Tuple { elems: v } | Ty::Extern { args: v, .. } => {
                    v.iter().try_for_each(|t| refs(t, out))
                }
                _ => Ok(()),
            }
        }
        let n = self.types.len();
        let mut edges: Vec<Vec<TypeId>> = Vec::with_capacity(n);
        for t in &self.types {
            let mut out = Vec::new();
            for f in t.fields() {
                refs(&f.ty, &mut out)
                    .map_err(|e| format!("type `{}`, field `{}`: {e}", t.name, f.name))?;
            }
            if let Some(&bad) = out.iter().find(|&&id| id as usize >= n) {
                return Err(format!(
                    "type `{}` names type {bad}, and there are {n}",
                    t.name
                ));
            }
            edges.push(out);
        }
        // Depth-first search without recursion: 0 unvisited, 1 on the path, 2 done.
        let mut state = vec![0u8; n];
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            state[root] = 1;
            while let Some((t, next)) = stack.last_mut() {
                let t = *t;
                match edges[t].get(*next) {
                    Some(&c) => {
                        *next += 1;
                        let c = c as usize;
                        match state[c] {
                            0 => {
                                state[c] = 1;
                                stack.push((c, 0));
                            }
                            1 => {
                                return Err(format!(
                                    "type `{}` contains itself",
                                    self.types[c].name
                                ))
                            }
                            _ => {}
                        }
                    }
                    None => {
                        state[t] = 2;
                        stack.pop();
                    }
                }
            }
        }
        Ok(())
    }
}

/// Largest header stack an IR file may declare.
pub const MAX_STACK_SIZE: u32 = 1 << 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrLoadError {
    #[error("not a valid ExoPlane IR file: {0}")]
    Json(String),
    #[error("IR version {found} is not supported (this build reads version {expected})")]
    Version { found: u32, expected: u32 },
    #[error("not a valid ExoPlane IR file: {0}")]
    Types(String),
}

/// Calls `f` on every call in `stmts`, calls nested in expressions (receivers, arguments)
/// included, in source order. The walk the P4Info generator and the planner's profiler share.
pub fn walk_calls_in_stmts(stmts: &[Stmt], f: &mut dyn FnMut(&Call)) {
    for s in stmts {
        match s {
            Stmt::Assign { lhs, rhs } => {
                walk_calls_in_expr(lhs, f);
                walk_calls_in_expr(rhs, f);
            }
            Stmt::Call(c) => walk_call(c, f),
            Stmt::If { cond, then, els } => {
                walk_calls_in_expr(cond, f);
                walk_calls_in_stmts(then, f);
                walk_calls_in_stmts(els, f);
            }
            Stmt::Switch { on, cases } => {
                walk_calls_in_expr(on, f);
                for c in cases {
                    walk_calls_in_stmts(&c.body, f);
                }
            }
            Stmt::Block { stmts } => walk_calls_in_stmts(stmts, f),
            Stmt::Return { value: Some(e) } => walk_calls_in_expr(e, f),
            Stmt::For {
                init,
                cond,
                update,
                body,
            } => {
                walk_calls_in_stmts(init, f);
                walk_calls_in_expr(cond, f);
                walk_calls_in_stmts(update, f);
                walk_calls_in_stmts(body, f);
            }
            Stmt::Return { value: None } | Stmt::Exit | Stmt::Break | Stmt::Continue => {}
        }
    }
}

fn walk_call(c: &Call, f: &mut dyn FnMut(&Call)) {
    f(c);
    if let Some(r) = &c.receiver {
        walk_calls_in_expr(r, f);
    }
    for a in &c.args {
        walk_calls_in_expr(a, f);
    }
}

/// [`walk_calls_in_stmts`] for one expression.
pub fn walk_calls_in_expr(e: &Expr, f: &mut dyn FnMut(&Call)) {
    match &e.kind {
        ExprKind::Call(c) => walk_call(c, f),
        ExprKind::Field { base, .. }
        | ExprKind::StackProp { base, .. }
        | ExprKind::Slice { base, .. } => walk_calls_in_expr(base, f),
        ExprKind::Index { base, index } => {
            walk_calls_in_expr(base, f);
            walk_calls_in_expr(index, f);
        }
        ExprKind::Unary { arg, .. } | ExprKind::Cast { arg } => walk_calls_in_expr(arg, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk_calls_in_expr(lhs, f);
            walk_calls_in_expr(rhs, f);
        }
        ExprKind::Mux { cond, then, els } => {
            walk_calls_in_expr(cond, f);
            walk_calls_in_expr(then, f);
            walk_calls_in_expr(els, f);
        }
        ExprKind::List { elems } => elems.iter().for_each(|x| walk_calls_in_expr(x, f)),
        _ => {}
    }
}
