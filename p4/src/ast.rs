//! The P4-16 abstract syntax tree, as written (before name resolution).
//!
//! Spans compare equal regardless of position (see [`Span`]), so two ASTs are equal when they
//! say the same thing; the printer round trip relies on this.

use crate::diag::Span;
use crate::lexer::{AssignOp, IntLit, Token};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Program {
    pub decls: Vec<Decl>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl Ident {
    pub fn new(name: impl Into<String>, span: Span) -> Ident {
        Ident {
            name: name.into(),
            span,
        }
    }
}

/// A possibly absolute name: `.foo` refers to the top-level `foo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    pub absolute: bool,
    pub name: Ident,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    pub name: Ident,
    pub body: AnnotationBody,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnnotationBody {
    /// `@name`
    Empty,
    /// `@name(tokens...)`: kept as tokens; standard annotations are interpreted by the checker.
    Unparsed(Vec<Token>),
    /// `@name[expr, ...]`
    Expressions(Vec<Expr>),
    /// `@name[key = expr, ...]`
    KeyValue(Vec<(Ident, Expr)>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Error,
    MatchKind,
    String,
    Void,
    /// `_` in a type position.
    DontCare,
    /// Arbitrary-precision integer `int`.
    Int,
    /// `bit<W>` / `int<W>`; `bit` alone is `bit<1>`.
    Bits {
        signed: bool,
        width: Box<Expr>,
    },
    Varbit(Box<Expr>),
    /// A named type with optional type arguments: `h_t`, `register<bit<32>>`.
    Named {
        path: Path,
        args: Vec<Type>,
    },
    /// Header stack `T[N]`.
    Stack {
        elem: Box<Type>,
        size: Box<Expr>,
    },
    Tuple(Vec<Type>),
    /// `list<T>` (P4-16 1.2.4).
    List(Box<Type>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    In,
    Out,
    InOut,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
            Direction::InOut => "inout",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub annotations: Vec<Annotation>,
    pub direction: Option<Direction>,
    pub ty: Type,
    pub name: Ident,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// `name = value` for named arguments.
    pub name: Option<Ident>,
    /// `_` arguments are [`ExprKind::DontCare`].
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnOp {
    /// `!`
    Not,
    /// `~`
    BitNot,
    /// `-`
    Neg,
    /// `+`
    Plus,
}

impl UnOp {
    pub fn as_str(self) -> &'static str {
        match self {
            UnOp::Not => "!",
            UnOp::BitNot => "~",
            UnOp::Neg => "-",
            UnOp::Plus => "+",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinOp {
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    SatAdd,
    SatSub,
    Concat,
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
    /// `&&&` (keysets only)
    Mask,
    /// `..` (keysets only)
    Range,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        use BinOp::*;
        match self {
            Mul => "*",
            Div => "/",
            Mod => "%",
            Add => "+",
            Sub => "-",
            SatAdd => "|+|",
            SatSub => "|-|",
            Concat => "++",
            Shl => "<<",
            Shr => ">>",
            BitAnd => "&",
            BitXor => "^",
            BitOr => "|",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Eq => "==",
            Ne => "!=",
            And => "&&",
            Or => "||",
            Mask => "&&&",
            Range => "..",
        }
    }

    /// Binding strength; larger binds tighter. Mirrors the P4-16 grammar's precedence table.
    pub fn precedence(self) -> u8 {
        use BinOp::*;
        match self {
            Mask | Range => 1,
            Or => 3,
            And => 4,
            Eq | Ne => 5,
            Lt | Le | Gt | Ge => 6,
            BitOr => 7,
            BitXor => 8,
            BitAnd => 9,
            Shl | Shr => 10,
            Add | Sub | SatAdd | SatSub | Concat => 11,
            Mul | Div | Mod => 12,
        }
    }

    pub fn from_assign(op: AssignOp) -> BinOp {
        match op {
            AssignOp::Add => BinOp::Add,
            AssignOp::Sub => BinOp::Sub,
            AssignOp::Mul => BinOp::Mul,
            AssignOp::Div => BinOp::Div,
            AssignOp::Mod => BinOp::Mod,
            AssignOp::Shl => BinOp::Shl,
            AssignOp::BitAnd => BinOp::BitAnd,
            AssignOp::BitOr => BinOp::BitOr,
            AssignOp::BitXor => BinOp::BitXor,
            AssignOp::SatAdd => BinOp::SatAdd,
            AssignOp::SatSub => BinOp::SatSub,
        }
    }
}

/// Precedence of the conditional operator `?:` (binds looser than every binary operator except
/// the keyset-only `&&&` and `..`).
pub const TERNARY_PRECEDENCE: u8 = 2;
/// Precedence of prefix operators and casts.
pub const PREFIX_PRECEDENCE: u8 = 13;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    Bool(bool),
    Int(IntLit),
    Str(String),
    Path(Path),
    /// `error.Foo`, `MyEnum.A`, `hdr.ipv4`, `t.apply`, ...
    Member {
        base: Box<Expr>,
        member: Ident,
    },
    /// `a[i]`
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// `a[hi:lo]`
    Slice {
        base: Box<Expr>,
        hi: Box<Expr>,
        lo: Box<Expr>,
    },
    Call {
        callee: Box<Expr>,
        type_args: Vec<Type>,
        args: Vec<Arg>,
    },
    Unary {
        op: UnOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        els: Box<Expr>,
    },
    Cast {
        ty: Type,
        expr: Box<Expr>,
    },
    /// `{a, b, c}` (list / tuple / header or struct initialiser by position).
    List(Vec<Expr>),
    /// `{a = 1, b = 2}`; `...` may close either initialiser in P4-16 1.2.4 (`has_dots`).
    StructInit {
        fields: Vec<(Ident, Expr)>,
        has_dots: bool,
    },
    /// `T { a = 1 }`: initialiser with an explicit type.
    TypedInit {
        ty: Type,
        fields: Vec<(Ident, Expr)>,
    },
    /// `default` in keysets and switch labels.
    Default,
    /// `_`
    DontCare,
    /// `...` inside a list initialiser.
    Dots,
    /// `this` in abstract method implementations.
    This,
    /// A type used where an expression is expected, e.g. `bit<8>.minSizeInBits()`
    /// or a constructor type in `package` arguments.
    TypeExpr(Type),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub annotations: Vec<Annotation>,
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StmtKind {
    Assign {
        lhs: Expr,
        rhs: Expr,
    },
    /// `lhs op= rhs`
    CompoundAssign {
        op: BinOp,
        lhs: Expr,
        rhs: Expr,
    },
    /// A call used as a statement (method call, function call, `t.apply()`).
    Call(Expr),
    If {
        cond: Expr,
        then: Box<Stmt>,
        els: Option<Box<Stmt>>,
    },
    Block(Block),
    Exit,
    Return(Option<Expr>),
    Empty,
    Switch {
        expr: Expr,
        cases: Vec<SwitchCase>,
    },
    Var(VarDecl),
    Const(ConstDecl),
    /// `for (init; cond; update) body` (P4-16 1.2.5): `init` holds declarations, assignments
    /// and calls, `update` assignments and calls; a missing condition is `true`.
    For {
        init: Vec<Stmt>,
        cond: Option<Expr>,
        update: Vec<Stmt>,
        body: Box<Stmt>,
    },
    /// `for (T x in coll) body` (P4-16 1.2.5): `coll` is a range `lo .. hi` (a
    /// [`BinOp::Range`] expression) or a header stack.
    ForIn {
        annotations: Vec<Annotation>,
        ty: Type,
        name: Ident,
        coll: Expr,
        body: Box<Stmt>,
    },
    Break,
    Continue,
    /// Annotations preceding a statement (e.g. `@atomic { ... }` is a [`Block`] with annotations;
    /// this covers other annotated statements).
    Annotated(Vec<Annotation>, Box<Stmt>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwitchCase {
    /// `default` is [`ExprKind::Default`]; action names are paths.
    pub label: Expr,
    /// `None` for fall-through labels (`a: b: { ... }`).
    pub body: Option<Block>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarDecl {
    pub annotations: Vec<Annotation>,
    pub ty: Type,
    pub name: Ident,
    pub init: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstDecl {
    pub annotations: Vec<Annotation>,
    pub ty: Type,
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub annotations: Vec<Annotation>,
    pub ty: Type,
    pub name: Ident,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StructKind {
    Header,
    HeaderUnion,
    Struct,
}

impl StructKind {
    pub fn keyword(self) -> &'static str {
        match self {
            StructKind::Header => "header",
            StructKind::HeaderUnion => "header_union",
            StructKind::Struct => "struct",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructDecl {
    pub annotations: Vec<Annotation>,
    pub kind: StructKind,
    pub name: Ident,
    pub type_params: Vec<Ident>,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumDecl {
    pub annotations: Vec<Annotation>,
    /// `Some(bit<8>)` for a serializable enum.
    pub underlying: Option<Type>,
    pub name: Ident,
    /// Members with their values (serializable enums only).
    pub members: Vec<(Ident, Option<Expr>)>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedefDecl {
    pub annotations: Vec<Annotation>,
    /// `type` (a new type) rather than `typedef` (an alias).
    pub newtype: bool,
    pub ty: Type,
    pub name: Ident,
    pub span: Span,
}

/// A method or function signature. Constructors have no return type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionProto {
    pub annotations: Vec<Annotation>,
    pub ret: Option<Type>,
    pub name: Ident,
    pub type_params: Vec<Ident>,
    pub params: Vec<Param>,
    pub is_abstract: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternDecl {
    pub annotations: Vec<Annotation>,
    pub name: Ident,
    pub type_params: Vec<Ident>,
    pub methods: Vec<FunctionProto>,
    pub span: Span,
}

/// `parser P<...>(params);` / `control C<...>(params);` / `package P<...>(params);`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDeclSig {
    pub annotations: Vec<Annotation>,
    pub name: Ident,
    pub type_params: Vec<Ident>,
    pub params: Vec<Param>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParserDecl {
    pub sig: TypeDeclSig,
    pub ctor_params: Option<Vec<Param>>,
    pub locals: Vec<Decl>,
    pub states: Vec<ParserState>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParserState {
    pub annotations: Vec<Annotation>,
    pub name: Ident,
    pub body: Vec<Stmt>,
    pub transition: Option<Transition>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transition {
    Direct(Path),
    Select {
        exprs: Vec<Expr>,
        cases: Vec<SelectCase>,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectCase {
    /// One entry per select expression; a single entry for non-tuple keysets. `default` and `_`
    /// are [`ExprKind::Default`] and [`ExprKind::DontCare`].
    pub keys: Vec<Expr>,
    /// Whether the keyset was written as a parenthesised tuple.
    pub tuple: bool,
    pub state: Path,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlDecl {
    pub sig: TypeDeclSig,
    pub ctor_params: Option<Vec<Param>>,
    pub locals: Vec<Decl>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionDecl {
    pub annotations: Vec<Annotation>,
    pub name: Ident,
    pub params: Vec<Param>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionDecl {
    pub proto: FunctionProto,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instantiation {
    pub annotations: Vec<Annotation>,
    pub ty: Type,
    pub args: Vec<Arg>,
    pub name: Ident,
    /// `= { ... }` implementations of abstract methods.
    pub initializer: Option<Vec<Decl>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueSetDecl {
    pub annotations: Vec<Annotation>,
    pub elem: Type,
    pub size: Expr,
    pub name: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDecl {
    pub annotations: Vec<Annotation>,
    pub name: Ident,
    pub props: Vec<TableProp>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyElement {
    pub annotations: Vec<Annotation>,
    pub expr: Expr,
    pub match_kind: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRef {
    pub annotations: Vec<Annotation>,
    pub name: Path,
    /// `None` when written without parentheses.
    pub args: Option<Vec<Arg>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableEntry {
    pub annotations: Vec<Annotation>,
    pub is_const: bool,
    pub priority: Option<Expr>,
    pub keys: Vec<Expr>,
    pub tuple: bool,
    pub action: ActionRef,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableProp {
    pub annotations: Vec<Annotation>,
    pub is_const: bool,
    pub kind: TablePropKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TablePropKind {
    Key(Vec<KeyElement>),
    Actions(Vec<ActionRef>),
    Entries(Vec<TableEntry>),
    /// `name = value;` (default_action, size, implementation, counters, support_timeout, ...)
    Custom {
        name: Ident,
        value: Expr,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decl {
    Const(ConstDecl),
    Var(VarDecl),
    Struct(StructDecl),
    Enum(EnumDecl),
    Typedef(TypedefDecl),
    /// `error { ... }` (declarations merge across the program).
    Error(Vec<Ident>, Span),
    /// `match_kind { ... }`
    MatchKind(Vec<Ident>, Span),
    Extern(ExternDecl),
    ExternFunction(FunctionProto),
    ParserType(TypeDeclSig),
    ControlType(TypeDeclSig),
    Package(TypeDeclSig),
    Parser(ParserDecl),
    Control(ControlDecl),
    Action(ActionDecl),
    Function(FunctionDecl),
    Instantiation(Instantiation),
    Table(TableDecl),
    ValueSet(ValueSetDecl),
}

impl Decl {
    /// The declared name, if the declaration introduces one.
    pub fn name(&self) -> Option<&Ident> {
        Some(match self {
            Decl::Const(d) => &d.name,
            Decl::Var(d) => &d.name,
            Decl::Struct(d) => &d.name,
            Decl::Enum(d) => &d.name,
            Decl::Typedef(d) => &d.name,
            Decl::Error(..) | Decl::MatchKind(..) => return None,
            Decl::Extern(d) => &d.name,
            Decl::ExternFunction(d) => &d.name,
            Decl::ParserType(d) | Decl::ControlType(d) | Decl::Package(d) => &d.name,
            Decl::Parser(d) => &d.sig.name,
            Decl::Control(d) => &d.sig.name,
            Decl::Action(d) => &d.name,
            Decl::Function(d) => &d.proto.name,
            Decl::Instantiation(d) => &d.name,
            Decl::Table(d) => &d.name,
            Decl::ValueSet(d) => &d.name,
        })
    }

    pub fn span(&self) -> Span {
        match self {
            Decl::Const(d) => d.span,
            Decl::Var(d) => d.span,
            Decl::Struct(d) => d.span,
            Decl::Enum(d) => d.span,
            Decl::Typedef(d) => d.span,
            Decl::Error(_, s) | Decl::MatchKind(_, s) => *s,
            Decl::Extern(d) => d.span,
            Decl::ExternFunction(d) => d.span,
            Decl::ParserType(d) | Decl::ControlType(d) | Decl::Package(d) => d.span,
            Decl::Parser(d) => d.span,
            Decl::Control(d) => d.span,
            Decl::Action(d) => d.span,
            Decl::Function(d) => d.span,
            Decl::Instantiation(d) => d.span,
            Decl::Table(d) => d.span,
            Decl::ValueSet(d) => d.span,
        }
    }

    pub fn annotations(&self) -> &[Annotation] {
        match self {
            Decl::Const(d) => &d.annotations,
            Decl::Var(d) => &d.annotations,
            Decl::Struct(d) => &d.annotations,
            Decl::Enum(d) => &d.annotations,
            Decl::Typedef(d) => &d.annotations,
            Decl::Error(..) | Decl::MatchKind(..) => &[],
            Decl::Extern(d) => &d.annotations,
            Decl::ExternFunction(d) => &d.annotations,
            Decl::ParserType(d) | Decl::ControlType(d) | Decl::Package(d) => &d.annotations,
            Decl::Parser(d) => &d.sig.annotations,
            Decl::Control(d) => &d.sig.annotations,
            Decl::Action(d) => &d.annotations,
            Decl::Function(d) => &d.proto.annotations,
            Decl::Instantiation(d) => &d.annotations,
            Decl::Table(d) => &d.annotations,
            Decl::ValueSet(d) => &d.annotations,
        }
    }
}

/// Words that can never be identifiers.
pub const RESERVED: &[&str] = &[
    "abstract",
    "action",
    "bit",
    "bool",
    "break",
    "const",
    "continue",
    "control",
    "default",
    "else",
    "enum",
    "error",
    "exit",
    "extern",
    "false",
    "for",
    "header",
    "header_union",
    "if",
    "in",
    "inout",
    "int",
    "match_kind",
    "out",
    "package",
    "parser",
    "return",
    "select",
    "string",
    "struct",
    "switch",
    "table",
    "this",
    "transition",
    "true",
    "tuple",
    "typedef",
    "varbit",
    "value_set",
    "void",
    "_",
];

pub fn is_reserved(word: &str) -> bool {
    RESERVED.contains(&word)
}
