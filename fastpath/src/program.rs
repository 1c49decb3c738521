//! The executable form of a P4 program: IR lowered to slot-addressed expressions and statements
//! with every name, field and extern resolved (see [`crate::compile`]). Nothing here is looked up
//! by name while packets are processed.

use exo_p4::ir;

/// A scalar location in the PHV.
#[derive(Clone, Debug)]
pub enum Loc {
    Slot(u32),
    /// An element of a header stack chosen at run time: `base + 1 + index * stride + off`, where
    /// `base` is the stack's `nextIndex` slot.
    Dyn(Box<DynLoc>),
}

#[derive(Clone, Debug)]
pub struct DynLoc {
    pub base: u32,
    pub stride: u32,
    pub size: u32,
    pub index: StackIndex,
    pub off: u32,
}

#[derive(Clone, Debug)]
pub enum StackIndex {
    Expr(E),
    /// `.next`: the element at `nextIndex`.
    Next,
    /// `.last`: the element at `nextIndex - 1`.
    Last,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    SatAdd,
    SatSub,
    Shl,
    Shr,
    And,
    Or,
    Xor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// An expression wider than 128 bits (the arbitrary-width slow path): evaluates to a `BigUint`
/// masked to its width.
#[derive(Clone, Debug)]
pub enum WE {
    Const(num_bigint::BigUint),
    /// A value stored in `limbs` slots, least significant first.
    Load(Loc, u32),
    /// A narrow value, sign-extended from `from_w` when `signed`.
    Narrow(Box<E>, u32, bool),
    Bin(Op, Box<WE>, Box<WE>, u32),
    Shift(Op, Box<WE>, Box<E>, u32),
    Not(Box<WE>, u32),
    Neg(Box<WE>, u32),
    Concat(Box<WE>, Box<WE>, u32, u32),
    /// Truncate or zero-extend to the width.
    Resize(Box<WE>, u32),
    Mux(Box<E>, Box<WE>, Box<WE>),
}

/// A scalar expression; evaluates to a `u128` masked to its width.
#[derive(Clone, Debug)]
pub enum E {
    Const(u128),
    Load(Loc),
    Not(Box<E>),
    BitNot(Box<E>, u128),
    Neg(Box<E>, u128),
    /// Binary operator with the operands' width and signedness.
    Bin(Op, Box<E>, Box<E>, u32, bool),
    LogAnd(Box<E>, Box<E>),
    LogOr(Box<E>, Box<E>),
    Mux(Box<E>, Box<E>, Box<E>),
    /// Width conversion: sign-extend from `from_w` if `from_signed`, then mask to `to_w`.
    Cast {
        e: Box<E>,
        from_w: u32,
        from_signed: bool,
        to_w: u32,
    },
    Slice(Box<E>, u32, u128),
    Concat(Box<E>, Box<E>, u32),
    /// Apply the table, then test hit (`true`) or miss.
    TableHit(u32, bool),
    /// Apply the table, then yield the id of the action that ran.
    ActionRun(u32),
    /// `stack.lastIndex`
    LastIndex(u32),
    /// A call that yields a value (functions, `lookahead`, `Checksum16.get`, ...).
    Call(Box<Call>),
    /// Comparison of two wide values.
    WideCmp(Op, Box<WE>, Box<WE>),
    /// Low bits of a wide value: (value, lo, mask).
    WideSlice(Box<WE>, u32, u128),
}

/// A composite value's location and its IR type (`lookahead` into a header).
#[derive(Clone, Debug)]
pub struct Composite {
    pub base: Loc,
    pub ty: ir::Ty,
    pub slots: u32,
}

/// One field of a flattened list (hash data, digests, checksums, clone field lists).
#[derive(Clone, Debug)]
pub struct DataField {
    pub e: E,
    pub width: u32,
    /// A varbit (`true`: `e` loads its length and the limbs follow) or a value wider than 128
    /// bits (`false`: `width` bits in limbs from this location), packed limb by limb.
    pub multi: Option<(Loc, bool)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgo {
    Crc32,
    Crc32Custom,
    Crc16,
    Crc16Custom,
    Random,
    Identity,
    Csum16,
    Xor16,
}

impl HashAlgo {
    pub fn from_name(s: &str) -> Option<HashAlgo> {
        Some(match s {
            "crc32" => HashAlgo::Crc32,
            "crc32_custom" => HashAlgo::Crc32Custom,
            "crc16" => HashAlgo::Crc16,
            "crc16_custom" => HashAlgo::Crc16Custom,
            "random" => HashAlgo::Random,
            "identity" => HashAlgo::Identity,
            "csum16" => HashAlgo::Csum16,
            "xor16" => HashAlgo::Xor16,
            _ => return None,
        })
    }
}

/// Emitting a header: its validity slot and its fields (slot, width), in order.
#[derive(Clone, Debug)]
pub struct EmitHeader {
    pub valid: Loc,
    pub fields: Vec<(Loc, u32, FieldKind)>,
    /// Total width of the fixed-size fields.
    pub fixed_bits: u32,
    /// When every location is static and every field a scalar: (valid slot, [(slot, width)]),
    /// the common case that extract and emit take without any indirection.
    pub fast: Option<FastHeader>,
}

/// A header whose validity slot and fields are all static scalars: (valid slot, [(slot, width)]).
pub type FastHeader = (u32, Box<[(u32, u32)]>);

impl EmitHeader {
    pub fn new(valid: Loc, fields: Vec<(Loc, u32, FieldKind)>) -> EmitHeader {
        let fixed_bits = fields
            .iter()
            .map(|(_, w, k)| {
                if matches!(k, FieldKind::Varbit { .. }) {
                    0
                } else {
                    *w
                }
            })
            .sum();
        let fast = match &valid {
            Loc::Slot(v) => fields
                .iter()
                .map(|(l, w, k)| match (l, k) {
                    (Loc::Slot(s), FieldKind::Scalar) => Some((*s, *w)),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(|f| (*v, f.into_boxed_slice())),
            Loc::Dyn(_) => None,
        };
        EmitHeader {
            valid,
            fields,
            fixed_bits,
            fast,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Scalar,
    /// A varbit: the location is its length slot; limbs follow.
    Varbit {
        max: u32,
    },
    /// Wider than 128 bits: limbs in consecutive slots, least significant first.
    Wide,
}

#[derive(Clone, Debug)]
pub enum Call {
    Function {
        func: u32,
        args: Vec<Arg>,
    },
    Lookahead {
        /// Bits skipped past the cursor before reading (a field of a looked-ahead header).
        skip: u32,
        width: u32,
        /// Where to put a composite result (e.g. `lookahead<header_t>()`); scalar otherwise.
        into: Option<Box<Composite>>,
    },
    PacketLength,
    ChecksumGet(Vec<DataField>),
    /// Any other call evaluated for its side effects and yielding 0.
    Stmt(Box<S>),
}

/// How an argument is passed.
#[derive(Clone, Debug)]
pub enum Arg {
    /// Copy-in of a scalar into the callee's parameter slot.
    In { e: E, dst: u32 },
    /// Copy-in/out of a composite (struct/header) or scalar location.
    InOut {
        src: Loc,
        dst: u32,
        slots: u32,
        copy_in: bool,
    },
    /// A composite value built from a list (copy-in only).
    List { dst: u32, stmts: Vec<S> },
    /// An `out`/`inout` slice `x[hi:lo]` of a scalar location: bits `lo..` under `mask`.
    Slice {
        src: Loc,
        lo: u32,
        mask: u128,
        dst: u32,
        copy_in: bool,
    },
}

#[derive(Clone, Debug)]
pub enum S {
    Set(Loc, E),
    /// Assignment of a wide value to `limbs` slots.
    SetWide(Loc, WE, u32),
    /// Assignment to a slice `x[hi:lo] = e`: (location, lo, mask of the slice width).
    SetSlice(Loc, u32, u128, E),
    /// Copy `n` slots (composite assignment).
    Copy {
        dst: Loc,
        src: Loc,
        n: u32,
    },
    /// Header validity; making an invalid header valid zeroes its `n` slots (BMv2 add_header).
    SetValid(Loc, bool, u32),
    /// Invalidate every member of a header union except `keep` (slot offsets of their validity).
    UnionInvalidate {
        valids: Vec<Loc>,
    },
    If(E, Vec<S>, Vec<S>),
    Block(Vec<S>),
    /// Switch on a value (`action_run` ids or constants); `None` case = default.
    Switch(E, Vec<(Vec<u128>, Vec<S>)>, Option<Vec<S>>),
    Exit,
    Return(Option<(E, u32)>),
    /// Composite return value copied into the function's return slots.
    ReturnComposite(Loc, u32, u32),
    Apply(u32),
    CallAction {
        action: u32,
        args: Vec<Arg>,
    },
    CallFunction {
        func: u32,
        args: Vec<Arg>,
    },
    /// Apply a sub-control/sub-parser: copy-in, run, copy-out.
    ApplyBlock {
        block: u32,
        args: Vec<Arg>,
        /// The instance's constructor arguments: (slot, value).
        ctor: Vec<(u32, u128)>,
    },
    Extern(Box<Ext>),
    /// A loop (boxed: loops are rare, and the statements of the hot path stay small).
    Loop(Box<Loop>),
    Break,
    Continue,
}

/// While `cond` holds, `body` then `update`; `continue` goes on with `update`. The engine
/// bounds the iterations (see [`crate::exec::MAX_LOOP_ITERATIONS`]).
#[derive(Clone, Debug)]
pub struct Loop {
    pub cond: E,
    pub body: Vec<S>,
    pub update: Vec<S>,
}

#[derive(Clone, Debug)]
pub enum Ext {
    Extract {
        hdr: EmitHeader,
        /// For a header with a varbit field: the number of bits to extract into it.
        varbit_bits: Option<E>,
    },
    /// `extract(stack.next)`, or `extract(stack.next.member)` on a stack of unions: the
    /// header at slot offset `member` of the element (0 for a stack of headers); `fields` are
    /// offsets from that header's validity slot. `siblings`: validity slots (offsets from the
    /// element) of the union's other members, invalidated.
    ExtractStackNext {
        base: u32,
        stride: u32,
        size: u32,
        member: u32,
        siblings: Vec<u32>,
        fields: Vec<(u32, u32, FieldKind)>,
        varbit_bits: Option<E>,
    },
    Advance(E),
    Emit(Vec<EmitItem>),
    Verify(E, u128),
    RegisterRead {
        reg: u32,
        dst: Loc,
        index: E,
    },
    RegisterWrite {
        reg: u32,
        index: E,
        value: E,
    },
    CounterCount {
        counter: u32,
        index: E,
    },
    MeterExecute {
        meter: u32,
        index: E,
        dst: Loc,
    },
    DirectMeterRead {
        meter: u32,
        dst: Loc,
    },
    Hash {
        dst: Loc,
        dst_width: u32,
        algo: HashAlgo,
        base: E,
        data: Vec<DataField>,
        max: E,
    },
    VerifyChecksum {
        cond: E,
        data: Vec<DataField>,
        expected: E,
        algo: HashAlgo,
        with_payload: bool,
    },
    UpdateChecksum {
        cond: E,
        data: Vec<DataField>,
        dst: Loc,
        width: u32,
        algo: HashAlgo,
        with_payload: bool,
    },
    Random {
        dst: Loc,
        lo: E,
        hi: E,
        width: u32,
    },
    Digest {
        receiver: E,
        data: Vec<DataField>,
    },
    /// `mark_to_drop(sm)`: the argument's egress_spec and mcast_grp (the architecture's own
    /// standard_metadata for the argument-less form).
    MarkToDrop {
        egress_spec: Option<Loc>,
        mcast_grp: Option<Loc>,
    },
    Clone {
        i2e: bool,
        session: E,
        fields: Option<u32>,
    },
    Resubmit(Option<u32>),
    Recirculate(Option<u32>),
    Truncate(E),
    Log {
        fmt: String,
        args: Vec<DataField>,
    },
    Assert(E, bool),
    PushFront {
        base: u32,
        stride: u32,
        size: u32,
        n: u32,
    },
    PopFront {
        base: u32,
        stride: u32,
        size: u32,
        n: u32,
    },
}

/// What the deparser emits: a header (if valid), or a header stack's elements.
#[derive(Clone, Debug)]
pub enum EmitItem {
    Header(EmitHeader),
}

#[derive(Clone, Debug)]
pub enum Keyset {
    Any,
    Value(u128),
    Mask(u128, u128),
    Range(u128, u128),
    ValueSet(u32),
}

#[derive(Clone, Debug)]
pub enum Next {
    State(u32),
    Accept,
    Reject,
}

#[derive(Clone, Debug)]
pub enum CTransition {
    Goto(Next),
    Select {
        keys: Vec<(E, u32)>,
        cases: Vec<(Vec<Keyset>, Next)>,
    },
}

#[derive(Clone, Debug)]
pub struct CState {
    pub name: String,
    pub body: Vec<S>,
    pub transition: CTransition,
}

#[derive(Clone, Debug)]
pub struct CParser {
    pub name: String,
    pub init: Vec<S>,
    pub states: Vec<CState>,
    pub start: u32,
}

#[derive(Clone, Debug)]
pub struct CAction {
    pub name: String,
    pub id: u32,
    /// Directionless parameters (action data): slot, width, kind, in order.
    pub data_params: Vec<(u32, u32)>,
    /// All parameters: slot and slots.
    pub params: Vec<(u32, u32)>,
    pub body: Vec<S>,
    /// Locals zeroed on entry.
    pub locals: Vec<(u32, u32)>,
}

#[derive(Clone, Debug)]
pub struct CFunction {
    pub name: String,
    pub params: Vec<(u32, u32)>,
    pub ret_slot: u32,
    pub body: Vec<S>,
}

#[derive(Clone, Debug)]
pub struct CBlockApply {
    pub name: String,
    pub params: Vec<(u32, u32)>,
    pub body: Vec<S>,
    pub is_parser: Option<Box<CParser>>,
}

/// A key field of a table: expression, width in bits, match kind.
#[derive(Clone, Debug)]
pub struct CKey {
    pub e: E,
    pub width: u32,
    pub kind: exo_tables::MatchKind,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct CTable {
    pub name: String,
    pub id: u32,
    pub keys: Vec<CKey>,
    /// Every key field is at most 128 bits wide and the key at most 64 bytes: the lookup key
    /// is built on the stack.
    pub key_on_stack: bool,
    /// Indexes into [`CompiledProgram::actions`], in the table's order.
    pub actions: Vec<u32>,
    /// Actions whose directional parameters the actions list binds, with those arguments
    /// (copied in before the action runs from this table, and out after).
    pub bound: Vec<(u32, Vec<Arg>)>,
    pub default_action: Option<(u32, Vec<u8>)>,
    pub default_const: bool,
    pub size: usize,
    pub support_timeout: bool,
    pub direct_counter: Option<u32>,
    pub direct_meter: Option<u32>,
    /// Constant entries, already encoded.
    pub const_entries: Vec<exo_tables::EntrySpec>,
    pub needs_priority: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterKind {
    Packets,
    Bytes,
    Both,
}

#[derive(Clone, Debug)]
pub struct CInstance {
    pub name: String,
    pub id: u32,
    pub kind: InstanceKind,
}

#[derive(Clone, Debug)]
pub enum InstanceKind {
    Register { size: u32, width: u32 },
    Counter { size: u32, kind: CounterKind },
    DirectCounter { kind: CounterKind },
    Meter { size: u32, bytes: bool },
    DirectMeter { bytes: bool },
    Other,
}

/// Slots of `standard_metadata` fields the architecture reads and writes.
#[derive(Clone, Debug, Default)]
pub struct StdMeta {
    pub ingress_port: Option<u32>,
    pub egress_spec: Option<u32>,
    pub egress_port: Option<u32>,
    pub instance_type: Option<u32>,
    pub packet_length: Option<u32>,
    pub mcast_grp: Option<u32>,
    pub egress_rid: Option<u32>,
    pub checksum_error: Option<u32>,
    pub parser_error: Option<u32>,
    pub ingress_global_timestamp: Option<u32>,
    pub egress_global_timestamp: Option<u32>,
    pub enq_timestamp: Option<u32>,
    pub deq_timedelta: Option<u32>,
    pub priority: Option<u32>,
}

/// A compiled v1model program.
#[derive(Clone, Debug)]
pub struct CompiledProgram {
    pub ir: ir::Program,
    pub phv_slots: u32,
    /// Slot ranges zeroed at the start of every packet (metadata, locals, header validity).
    pub zero: Vec<(u32, u32)>,
    /// Metadata slot ranges only (reset in clones and recirculated packets).
    pub meta_zero: Vec<(u32, u32)>,
    /// Every header and header-stack element: (validity slot, slots including it). A packet
    /// starts with the fields of the headers the previous packet left valid zeroed, and
    /// `setInvalid` / `pop_front` zero what they invalidate, so an invalid header's fields read
    /// as zero (the spec leaves them unspecified) whatever the order packets are handled in.
    pub headers: Vec<(u32, u32)>,
    pub parser: CParser,
    pub verify: Vec<S>,
    pub ingress: Vec<S>,
    pub egress: Vec<S>,
    pub compute: Vec<S>,
    pub deparser: Vec<S>,
    pub actions: Vec<CAction>,
    pub tables: Vec<CTable>,
    pub functions: Vec<CFunction>,
    pub blocks: Vec<CBlockApply>,
    pub instances: Vec<CInstance>,
    pub value_sets: Vec<(String, u32)>,
    pub std_meta: StdMeta,
    /// Field lists for clone/resubmit/recirculate preservation: `@field_list(N)` -> slots.
    pub field_lists: Vec<(u32, Vec<(u32, u32)>)>,
    /// Slots of the user metadata struct (for preserving field lists).
    pub meta_base: Option<(u32, u32)>,
    pub error_codes: Vec<String>,
    /// Native code generated for this program ([`crate::codegen`]), when the binary holds
    /// it; the interpreter runs the program otherwise.
    pub gen: Option<&'static crate::codegen::Generated>,
    /// What the generated code leaves to the interpreter (see [`crate::codegen::Fallbacks`]).
    pub gen_fb: crate::codegen::Fallbacks,
    /// The deparser emits the parsed headers where they were, only these fields (slots, in
    /// increasing order) possibly changed ([`crate::deparse::in_place`]); `None` when it may
    /// do more. Empty: the deparser gives back the parsed bytes unchanged, and the engine sends
    /// the packet's own bytes without running it. Otherwise generated code writes these fields
    /// over their bytes in the packet instead of assembling a new one.
    pub deparse_rewrites: Option<Vec<u32>>,
}

impl CompiledProgram {
    /// The deparser provably gives back the parsed bytes unchanged (see
    /// [`CompiledProgram::deparse_rewrites`]).
    pub fn identity_deparse(&self) -> bool {
        self.deparse_rewrites.as_ref().is_some_and(|w| w.is_empty())
    }

    pub fn table_index(&self, name: &str) -> Option<usize> {
        find_by_suffix(self.tables.iter().map(|t| t.name.as_str()), name)
    }

    pub fn action_index(&self, name: &str) -> Option<usize> {
        find_by_suffix(self.actions.iter().map(|a| a.name.as_str()), name)
    }

    pub fn instance_index(&self, name: &str) -> Option<usize> {
        find_by_suffix(self.instances.iter().map(|a| a.name.as_str()), name)
    }

    pub fn error_code(&self, name: &str) -> u128 {
        self.error_codes.iter().position(|e| e == name).unwrap_or(0) as u128
    }
}

/// Finds a name exactly, else by dotted suffix (`ipv4_lpm` matches `MyIngress.ipv4_lpm`), as the
/// STF format and P4Runtime aliases allow. Ambiguous suffixes do not match.
pub fn find_by_suffix<'a>(
    names: impl Iterator<Item = &'a str> + Clone,
    want: &str,
) -> Option<usize> {
    if let Some(i) = names.clone().position(|n| n == want) {
        return Some(i);
    }
    let mut found = None;
    for (i, n) in names.enumerate() {
        if n.ends_with(want)
            && n.len() > want.len()
            && n.as_bytes()[n.len() - want.len() - 1] == b'.'
        {
            if found.is_some() {
                return None;
            }
            found = Some(i);
        }
    }
    found
}
