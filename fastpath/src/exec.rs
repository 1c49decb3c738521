//! The interpreter: runs compiled statements over a packet's PHV. Sans-I/O: it reads no clock
//! (`now` comes from the caller) and allocates nothing per packet once warmed up.

use crate::bits::{mask, read_bits, sext, write_bits};
use crate::externs::{self, Meter};
use crate::program::*;
use num_bigint::BigUint;
use std::collections::{HashMap, VecDeque};

/// How a statement list ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Next,
    Exit,
    Return,
    /// The parser rejected the packet (`verify` or a failed extract).
    Reject,
    /// `break` and `continue`: they end the statements up to the innermost loop.
    Break,
    Continue,
}

/// A table's run-time state.
pub struct RtTable {
    pub table: exo_tables::Table,
    pub default: Option<(u32, Vec<u8>)>,
    /// Direct counter values by entry handle (packets, bytes).
    pub direct_counts: Vec<(u64, u64)>,
    pub direct_meters: Vec<Meter>,
    pub key_len: usize,
    pub hits: u64,
    pub misses: u64,
}

#[derive(Clone, Debug, Default)]
pub struct CloneSession {
    pub port: Option<u32>,
    pub mcast_grp: Option<u32>,
    pub truncate: Option<u32>,
}

/// A digest message: the receiver and the field values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub receiver: u128,
    pub fields: Vec<u128>,
}

/// One register array, each cell as narrow as the register's width allows: a `bit<32>`
/// register takes 4 bytes per cell instead of a PHV slot's 16, so four times as many cells stay
/// in the cache. Values are masked to the width before they are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegArray {
    W8(Vec<u8>),
    W16(Vec<u16>),
    W32(Vec<u32>),
    W64(Vec<u64>),
    W128(Vec<u128>),
}

impl Default for RegArray {
    fn default() -> RegArray {
        RegArray::W8(Vec::new())
    }
}

impl RegArray {
    /// `size` zeroed cells of a `width`-bit register (at most 128 bits).
    pub fn new(width: u32, size: usize) -> RegArray {
        match width {
            0..=8 => RegArray::W8(vec![0; size]),
            9..=16 => RegArray::W16(vec![0; size]),
            17..=32 => RegArray::W32(vec![0; size]),
            33..=64 => RegArray::W64(vec![0; size]),
            _ => RegArray::W128(vec![0; size]),
        }
    }

    /// The name of the variant a `width`-bit register uses (generated code matches on it).
    pub fn variant(width: u32) -> &'static str {
        match width {
            0..=8 => "W8",
            9..=16 => "W16",
            17..=32 => "W32",
            33..=64 => "W64",
            _ => "W128",
        }
    }

    /// Cell `i`, or `None` past the end.
    #[inline]
    pub fn get(&self, i: usize) -> Option<u128> {
        match self {
            RegArray::W8(v) => v.get(i).map(|&x| u128::from(x)),
            RegArray::W16(v) => v.get(i).map(|&x| u128::from(x)),
            RegArray::W32(v) => v.get(i).map(|&x| u128::from(x)),
            RegArray::W64(v) => v.get(i).map(|&x| u128::from(x)),
            RegArray::W128(v) => v.get(i).copied(),
        }
    }

    /// Stores `x` (already masked to the register's width) in cell `i`; false past the end.
    #[inline]
    pub fn set(&mut self, i: usize, x: u128) -> bool {
        match self {
            RegArray::W8(v) => v.get_mut(i).map(|c| *c = x as u8).is_some(),
            RegArray::W16(v) => v.get_mut(i).map(|c| *c = x as u16).is_some(),
            RegArray::W32(v) => v.get_mut(i).map(|c| *c = x as u32).is_some(),
            RegArray::W64(v) => v.get_mut(i).map(|c| *c = x as u64).is_some(),
            RegArray::W128(v) => v.get_mut(i).map(|c| *c = x).is_some(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            RegArray::W8(v) => v.len(),
            RegArray::W16(v) => v.len(),
            RegArray::W32(v) => v.len(),
            RegArray::W64(v) => v.len(),
            RegArray::W128(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every cell back to zero.
    pub fn reset(&mut self) {
        match self {
            RegArray::W8(v) => v.fill(0),
            RegArray::W16(v) => v.fill(0),
            RegArray::W32(v) => v.fill(0),
            RegArray::W64(v) => v.fill(0),
            RegArray::W128(v) => v.fill(0),
        }
    }

    /// Bytes of cell storage.
    pub fn memory_bytes(&self) -> usize {
        match self {
            RegArray::W8(v) => v.len(),
            RegArray::W16(v) => v.len() * 2,
            RegArray::W32(v) => v.len() * 4,
            RegArray::W64(v) => v.len() * 8,
            RegArray::W128(v) => v.len() * 16,
        }
    }
}

/// Mutable state of a pipeline: tables, stateful externs, replication configuration, queues.
pub struct State {
    pub tables: Vec<RtTable>,
    pub registers: Vec<RegArray>,
    pub counters: Vec<Vec<(u64, u64)>>,
    pub meters: Vec<Vec<Meter>>,
    pub value_sets: Vec<Vec<(u128, u128)>>,
    pub mcast_groups: HashMap<u32, Vec<(u32, u32)>>,
    pub clone_sessions: HashMap<u32, CloneSession>,
    pub digests: VecDeque<Digest>,
    /// Messages from `log_msg` (bounded; oldest dropped).
    pub log: VecDeque<String>,
    pub rng: u64,
    pub assert_failures: u64,
    /// Loops stopped at [`MAX_LOOP_ITERATIONS`] (their packets were dropped).
    pub runaway_loops: u64,
    /// Reused buffer for packing hash / checksum inputs.
    pub scratch: Vec<u8>,
    pub scratch_fields: Vec<(u128, u32)>,
}

pub const MAX_LOG: usize = 1024;
pub const MAX_DIGESTS: usize = 65536;

/// Per-packet context.
pub struct Pkt {
    pub phv: Vec<u128>,
    /// Bytes the parser reads (the pipeline's buffer, or a receive buffer lent for the burst).
    pub data: crate::pktbuf::PktBuf,
    /// Parser position in bits.
    pub cursor: usize,
    /// Deparser output (headers); the payload is appended after the deparser.
    pub out: Vec<u8>,
    pub now: u64,
    pub parser_error: u128,
    pub clone_i2e: Option<(u32, Option<u32>)>,
    pub clone_e2e: Option<(u32, Option<u32>)>,
    pub resubmit: Option<Option<u32>>,
    pub recirculate: Option<Option<u32>>,
    pub truncate: Option<u32>,
    /// Length of the packet for byte counters.
    pub len: u64,
    /// Depth of nested block applications (bounded).
    pub depth: u32,
    /// Set by `exit` (also inside actions run by tables): ends the current control block.
    pub exit: bool,
    /// Set when a parser operation inside an expression fails (`lookahead` past the end): the
    /// parser stops at once, as on a failed extract.
    pub reject: bool,
    /// Loop iterations left to the current control block or parser.
    pub loop_budget: u32,
    /// A loop of the current control block or parser went past [`MAX_LOOP_ITERATIONS`].
    pub runaway: bool,
}

impl Pkt {
    /// A placeholder that owns no memory (used while a packet is moved out temporarily).
    pub fn empty() -> Pkt {
        Pkt {
            phv: Vec::new(),
            data: crate::pktbuf::PktBuf::new(),
            cursor: 0,
            out: Vec::new(),
            now: 0,
            parser_error: 0,
            clone_i2e: None,
            clone_e2e: None,
            resubmit: None,
            recirculate: None,
            truncate: None,
            len: 0,
            depth: 0,
            exit: false,
            reject: false,
            loop_budget: MAX_LOOP_ITERATIONS,
            runaway: false,
        }
    }

    pub fn new(slots: usize) -> Pkt {
        Pkt {
            phv: placed_phv(slots),
            data: crate::pktbuf::PktBuf::with_capacity(2048),
            out: Vec::with_capacity(512),
            ..Pkt::empty()
        }
    }
}

/// A zeroed PHV of `slots` slots that starts on a cache line and does not straddle a page when
/// it fits in one. The PHV is reset for every packet: a reset whose stores split across lines,
/// or a page, costs several nanoseconds more per packet, and where the allocator puts the
/// vector is otherwise chance. Allocations that land badly are kept until a good one comes (a
/// few tries), then freed.
fn placed_phv(slots: usize) -> Vec<u128> {
    let bytes = slots * 16;
    let good = |v: &Vec<u128>| {
        let a = v.as_ptr() as usize;
        a.is_multiple_of(64) && (bytes > 4096 || a % 4096 + bytes <= 4096)
    };
    let mut tries = Vec::new();
    for _ in 0..64 {
        let v = vec![0u128; slots];
        if good(&v) {
            return v;
        }
        tries.push(v);
    }
    tries.pop().unwrap_or_else(|| vec![0; slots])
}

/// Error codes of core.p4, by position in its `error` declaration.
pub const ERR_PACKET_TOO_SHORT: &str = "PacketTooShort";
pub const ERR_STACK_OUT_OF_BOUNDS: &str = "StackOutOfBounds";
pub const ERR_HEADER_TOO_SHORT: &str = "HeaderTooShort";
pub const ERR_PARSER_TIMEOUT: &str = "ParserTimeout";
pub const ERR_PARSER_INVALID_ARGUMENT: &str = "ParserInvalidArgument";

/// Largest number of parser state transitions per packet before `ParserTimeout`.
pub const MAX_PARSER_STEPS: u32 = 4096;
/// Loop iterations allowed to one control block (or parser) per packet, all loops together.
/// A loop that would go past it is stopped and [`State::runaway_loops`] counts it, so that a
/// program cannot hold the engine on one packet: in a control block the rest of the block is
/// skipped (as `exit`) and the packet marked to drop (as `mark_to_drop`, so a drop marked in
/// the verify, compute or deparser block does not stop the packet); in a parser it is a
/// parser error (`ParserTimeout`), as a parser that runs too long.
pub const MAX_LOOP_ITERATIONS: u32 = 1 << 20;

pub struct Exec<'a> {
    pub p: &'a CompiledProgram,
    pub st: &'a mut State,
    pub pk: &'a mut Pkt,
    /// Colour of the last direct-meter execution (read by `direct_meter.read`).
    pub last_direct_colour: u128,
}

impl Exec<'_> {
    // ---- locations ----

    #[inline]
    fn slot(&mut self, l: &Loc) -> Option<usize> {
        match l {
            Loc::Slot(s) => Some(*s as usize),
            Loc::Dyn(d) => {
                let next = self.pk.phv.get(d.base as usize).copied().unwrap_or(0);
                let idx = match &d.index {
                    StackIndex::Expr(e) => self.ev(e),
                    StackIndex::Next => next,
                    StackIndex::Last => next.wrapping_sub(1),
                };
                if idx >= u128::from(d.size) {
                    return None;
                }
                Some((d.base + 1 + idx as u32 * d.stride + d.off) as usize)
            }
        }
    }

    #[inline(always)]
    fn load(&mut self, l: &Loc) -> u128 {
        let s = match l {
            Loc::Slot(s) => *s as usize,
            Loc::Dyn(_) => match self.slot(l) {
                Some(s) => s,
                None => return 0,
            },
        };
        self.pk.phv.get(s).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn store(&mut self, l: &Loc, v: u128) {
        let s = match l {
            Loc::Slot(s) => *s as usize,
            Loc::Dyn(_) => match self.slot(l) {
                Some(s) => s,
                None => return,
            },
        };
        if let Some(x) = self.pk.phv.get_mut(s) {
            *x = v;
        }
    }

    // ---- expressions ----

    /// [`Exec::eval`] with the leaves (constants, fixed slots) inline: most operands are
    /// leaves, and each avoided call saves a prologue and epilogue of the recursive evaluator.
    #[inline(always)]
    pub fn ev(&mut self, e: &E) -> u128 {
        match e {
            E::Const(v) => *v,
            E::Load(Loc::Slot(s)) => self.pk.phv.get(*s as usize).copied().unwrap_or(0),
            _ => Self::eval(self, e),
        }
    }

    pub fn eval(&mut self, e: &E) -> u128 {
        match e {
            E::Const(v) => *v,
            E::Load(l) => self.load(l),
            E::Not(a) => u128::from(self.ev(a) == 0),
            E::BitNot(a, m) => !self.ev(a) & m,
            E::Neg(a, m) => self.ev(a).wrapping_neg() & m,
            E::LogAnd(a, b) => u128::from(self.ev(a) != 0 && self.ev(b) != 0),
            E::LogOr(a, b) => u128::from(self.ev(a) != 0 || self.ev(b) != 0),
            E::Mux(c, a, b) => {
                if self.ev(c) != 0 {
                    self.ev(a)
                } else {
                    self.ev(b)
                }
            }
            E::Bin(op, a, b, w, signed) => {
                let x = self.ev(a);
                let y = self.ev(b);
                binop(*op, x, y, *w, *signed)
            }
            E::Cast {
                e,
                from_w,
                from_signed,
                to_w,
            } => {
                let v = self.ev(e);
                let v = if *from_signed {
                    sext(v, *from_w) as u128
                } else {
                    v
                };
                v & mask(*to_w)
            }
            E::Slice(a, lo, m) => (self.ev(a) >> lo) & m,
            E::Concat(a, b, bw) => {
                let x = self.ev(a);
                let y = self.ev(b);
                if *bw >= 128 {
                    y
                } else {
                    (x << bw) | y
                }
            }
            E::TableHit(t, hit) => {
                let (h, _) = self.apply_table(*t as usize);
                u128::from(h == *hit)
            }
            E::ActionRun(t) => self.apply_table(*t as usize).1 as u128,
            E::LastIndex(base) => {
                self.pk
                    .phv
                    .get(*base as usize)
                    .copied()
                    .unwrap_or(0)
                    .wrapping_sub(1)
                    & 0xffff_ffff
            }
            E::Call(c) => self.call(c),
            E::WideCmp(op, a, b) => {
                let x = self.eval_wide(a);
                let y = self.eval_wide(b);
                let r = match op {
                    Op::Eq => x == y,
                    Op::Ne => x != y,
                    Op::Lt => x < y,
                    Op::Le => x <= y,
                    Op::Gt => x > y,
                    _ => x >= y,
                };
                u128::from(r)
            }
            E::WideSlice(a, lo, m) => {
                let x: BigUint = self.eval_wide(a) >> *lo;
                low_u128(&x) & m
            }
        }
    }

    /// Evaluates a wide expression (arbitrary precision).
    pub fn eval_wide(&mut self, e: &WE) -> BigUint {
        let wmask = |w: u32| (BigUint::from(1u8) << w) - 1u8;
        match e {
            WE::Const(v) => v.clone(),
            WE::Load(l, limbs) => {
                let Some(s) = self.slot(l) else {
                    return BigUint::default();
                };
                let mut v = BigUint::default();
                for i in (0..*limbs as usize).rev() {
                    v = (v << 128u32) | BigUint::from(self.pk.phv.get(s + i).copied().unwrap_or(0));
                }
                v
            }
            WE::Narrow(x, w, signed) => {
                let v = self.ev(x);
                if *signed && *w > 0 && (v >> (w - 1)) & 1 == 1 {
                    // Negative: represent as a large two's complement number, masked by Resize.
                    let neg = (!v & mask(*w)).wrapping_add(1) & mask(*w);
                    let big = BigUint::from(1u8) << 1024u32;
                    big - BigUint::from(neg)
                } else {
                    BigUint::from(v)
                }
            }
            WE::Resize(x, w) => self.eval_wide(x) & wmask(*w),
            WE::Not(x, w) => {
                let m = wmask(*w);
                (self.eval_wide(x) ^ &m) & m
            }
            WE::Neg(x, w) => {
                let m = wmask(*w);
                let v = self.eval_wide(x) & &m;
                ((&m + 1u8) - v) & m
            }
            WE::Concat(a, b, bw, w) => {
                let x = self.eval_wide(a);
                let y = self.eval_wide(b) & wmask(*bw);
                ((x << *bw) | y) & wmask(*w)
            }
            WE::Shift(op, a, n, w) => {
                let x = self.eval_wide(a);
                let k = self.ev(n).min(u128::from(*w)) as u32;
                let r = if *op == Op::Shl { x << k } else { x >> k };
                r & wmask(*w)
            }
            WE::Mux(c, a, b) => {
                if self.ev(c) != 0 {
                    self.eval_wide(a)
                } else {
                    self.eval_wide(b)
                }
            }
            WE::Bin(op, a, b, w) => {
                let m = wmask(*w);
                let x = self.eval_wide(a) & &m;
                let y = self.eval_wide(b) & &m;
                let r = match op {
                    Op::Add => x + y,
                    Op::Sub => (x + (&m + 1u8)) - y,
                    Op::Mul => x * y,
                    Op::And => x & y,
                    Op::Or => x | y,
                    Op::Xor => x ^ y,
                    Op::SatAdd => (x + y).min(m.clone()),
                    Op::SatSub => {
                        if x > y {
                            x - y
                        } else {
                            BigUint::default()
                        }
                    }
                    Op::Div => {
                        if y == BigUint::default() {
                            BigUint::default()
                        } else {
                            x / y
                        }
                    }
                    Op::Mod => {
                        if y == BigUint::default() {
                            BigUint::default()
                        } else {
                            x % y
                        }
                    }
                    _ => BigUint::default(),
                };
                r & m
            }
        }
    }

    fn call(&mut self, c: &Call) -> u128 {
        match c {
            Call::PacketLength => self.pk.data.len() as u128,
            Call::Lookahead { skip, width, into } => {
                let avail = self.pk.data.len() * 8;
                let at = self.pk.cursor + *skip as usize;
                if at + *width as usize > avail {
                    // As a failed extract: the parser stops here and nothing is assigned.
                    self.pk.parser_error = self.p.error_code(ERR_PACKET_TOO_SHORT);
                    self.pk.reject = true;
                    return 0;
                }
                match into {
                    None => read_bits(&self.pk.data, at, *width),
                    Some(comp) => {
                        // Fill a header from the bits ahead of the cursor.
                        let Some(base) = self.slot(&comp.base) else {
                            return 0;
                        };
                        let fields: Vec<(usize, u32)> = field_widths(self.p, &comp.ty)
                            .into_iter()
                            .map(|(o, w)| (base + o as usize, w))
                            .collect();
                        let mut off = self.pk.cursor;
                        if let Some(v) = self.pk.phv.get_mut(base) {
                            *v = 1;
                        }
                        for (s, w) in fields {
                            let v = read_bits(&self.pk.data, off, w.min(128));
                            if let Some(x) = self.pk.phv.get_mut(s) {
                                *x = v;
                            }
                            off += w as usize;
                        }
                        0
                    }
                }
            }
            Call::ChecksumGet(data) => {
                self.pack(data);
                u128::from(externs::csum16(&self.st.scratch))
            }
            Call::Function { func, args } => {
                let f = &self.p.functions[*func as usize];
                self.copy_in(args);
                let _ = self.run(&f.body);
                self.copy_out(args);
                self.pk.phv.get(f.ret_slot as usize).copied().unwrap_or(0)
            }
            Call::Stmt(s) => {
                let _ = self.stmt(s);
                0
            }
        }
    }

    // ---- tables ----

    /// Looks the table up, runs the chosen action; returns (hit, action index).
    /// Builds table `ct`'s lookup key: each field big-endian in its whole bytes, into `small`
    /// when `ct.key_on_stack` (returning the length), else into `heap`.
    pub fn build_key(&mut self, ct: &CTable, small: &mut [u8; 80], heap: &mut Vec<u8>) -> usize {
        heap.clear();
        let mut n_small = 0usize;
        for k in &ct.keys {
            let v = self.ev(&k.e);
            let n = k.width.div_ceil(8) as usize;
            if ct.key_on_stack {
                // One fixed 16-byte store of the field's bytes, left-aligned (the next field
                // overwrites the tail); `key_on_stack` keeps `n_small + 16` within the buffer.
                let left = if n == 0 { 0 } else { v << (8 * (16 - n)) };
                small[n_small..n_small + 16].copy_from_slice(&left.to_be_bytes());
                n_small += n;
            } else {
                for i in (0..n).rev() {
                    heap.push(if i < 16 { (v >> (8 * i)) as u8 } else { 0 });
                }
            }
        }
        if ct.key_on_stack {
            n_small
        } else {
            heap.len()
        }
    }

    pub fn apply_table(&mut self, t: usize) -> (bool, u32) {
        let p = self.p;
        let ct = &p.tables[t];
        let mut small = [0u8; 80];
        let mut key = std::mem::take(&mut self.st.scratch);
        let n = self.build_key(ct, &mut small, &mut key);
        let kb: &[u8] = if ct.key_on_stack { &small[..n] } else { &key };
        let found = self.st.tables.get(t).and_then(|rt| rt.table.lookup(kb));
        self.st.scratch = key;
        let Some((hit, action, data)) = self.table_found(t, found) else {
            return (false, u32::MAX);
        };
        self.run_action_from_table(t, action, data);
        (hit, action)
    }

    /// The bookkeeping of a lookup of table `t` that found `found`: hit and miss counts, the
    /// entry's hit time, direct counter and meter. Returns (hit, action, its data), or `None`
    /// on a miss without a default action.
    pub fn table_found(
        &mut self,
        t: usize,
        found: Option<exo_tables::EntryHandle>,
    ) -> Option<(bool, u32, DataRef)> {
        let ct = &self.p.tables[t];
        let (hit, action, data) = match found {
            Some(h) => {
                let now = self.pk.now;
                let len = self.pk.len;
                let rt = &mut self.st.tables[t];
                rt.hits += 1;
                if ct.support_timeout {
                    rt.table.record_hit(h, now);
                }
                if ct.direct_counter.is_some() {
                    let i = h.0 as usize;
                    if rt.direct_counts.len() <= i {
                        rt.direct_counts.resize(i + 1, (0, 0));
                    }
                    rt.direct_counts[i].0 += 1;
                    rt.direct_counts[i].1 += len;
                }
                (true, rt.table.action(h), DataRef::Entry(h))
            }
            None => {
                let rt = &mut self.st.tables[t];
                rt.misses += 1;
                match &rt.default {
                    Some((a, _)) => (false, *a, DataRef::Default),
                    None => return None,
                }
            }
        };
        // Direct meter colour for this entry, kept for `direct_meter.read`.
        if let (Some(m), DataRef::Entry(h)) = (ct.direct_meter, data) {
            let units = match &self.p.instances[m as usize].kind {
                InstanceKind::DirectMeter { bytes: true } => self.pk.len,
                _ => 1,
            };
            let now = self.pk.now;
            let rt = &mut self.st.tables[t];
            let i = h.0 as usize;
            if rt.direct_meters.len() <= i {
                rt.direct_meters.resize(i + 1, Meter::default());
            }
            let colour = rt.direct_meters[i].execute(units, now);
            self.last_direct_colour = colour;
        } else {
            self.last_direct_colour = externs::GREEN;
        }
        Some((hit, action, data))
    }

    pub fn run_action_from_table(&mut self, t: usize, action: u32, data: DataRef) {
        let Some(a) = self.p.actions.get(action as usize) else {
            return;
        };
        // Decode action data into the parameter slots.
        {
            let bytes = action_data(self.st, t, data);
            let mut off = 0usize;
            for &(slot, w) in &a.data_params {
                let v = read_bits(bytes, off * 8, (w.div_ceil(8) * 8).min(128)) & mask(w);
                if let Some(x) = self.pk.phv.get_mut(slot as usize) {
                    *x = v;
                }
                off += w.div_ceil(8) as usize;
            }
        }
        for &(s, n) in &a.locals {
            zero(&mut self.pk.phv, s, n);
        }
        let bound = self.p.tables.get(t).is_some_and(|ct| !ct.bound.is_empty());
        if bound {
            self.bound_args(t, action, true);
        }
        let _ = self.run(&a.body);
        if bound {
            self.bound_args(t, action, false);
        }
    }

    /// Copies in (`entry`) or out the arguments table `t`'s actions list binds to `action`'s
    /// directional parameters. Out of line: few tables bind any.
    #[cold]
    #[inline(never)]
    pub fn bound_args(&mut self, t: usize, action: u32, entry: bool) {
        let p = self.p;
        let Some((_, args)) = p.tables[t].bound.iter().find(|(i, _)| *i == action) else {
            return;
        };
        if entry {
            self.copy_in(args);
        } else {
            self.copy_out(args);
        }
    }

    // ---- statements ----

    pub fn run(&mut self, ss: &[S]) -> Flow {
        for s in ss {
            let f = self.stmt(s);
            if f != Flow::Next {
                return f;
            }
            if self.pk.exit {
                return Flow::Exit;
            }
            if self.pk.reject {
                return Flow::Reject;
            }
        }
        Flow::Next
    }

    /// Runs a control block's body: `exit` ends it (and only it).
    pub fn run_block(&mut self, ss: &[S]) -> Flow {
        self.block_begin();
        let f = self.run(ss);
        self.block_end();
        f
    }

    /// What [`Exec::run_block`] does before a control block's body.
    #[inline]
    pub fn block_begin(&mut self) {
        self.pk.exit = false;
        self.pk.loop_budget = MAX_LOOP_ITERATIONS;
        self.pk.runaway = false;
    }

    /// What [`Exec::run_block`] does after a control block's body.
    #[inline]
    pub fn block_end(&mut self) {
        self.pk.exit = false;
        if self.pk.runaway {
            // Marked here, once the copy-outs of the blocks the loop ran in are done.
            let sm = &self.p.std_meta;
            for (slot, v) in [(sm.egress_spec, DROP_PORT), (sm.mcast_grp, 0)] {
                if let Some(x) = slot.and_then(|s| self.pk.phv.get_mut(s as usize)) {
                    *x = v;
                }
            }
        }
    }

    pub fn copy_in(&mut self, args: &[Arg]) {
        for a in args {
            match a {
                Arg::In { e, dst } => {
                    let v = self.ev(e);
                    if let Some(x) = self.pk.phv.get_mut(*dst as usize) {
                        *x = v;
                    }
                }
                Arg::InOut {
                    src,
                    dst,
                    slots,
                    copy_in,
                } => {
                    if *copy_in {
                        if let Some(s) = self.slot(src) {
                            copy_slots(&mut self.pk.phv, s, *dst as usize, *slots as usize);
                        }
                    } else {
                        zero(&mut self.pk.phv, *dst, *slots);
                    }
                }
                Arg::List { stmts, .. } => {
                    let _ = self.run(stmts);
                }
                Arg::Slice {
                    src,
                    lo,
                    mask,
                    dst,
                    copy_in,
                } => {
                    let v = if *copy_in {
                        (self.load(src) >> lo) & mask
                    } else {
                        0
                    };
                    if let Some(x) = self.pk.phv.get_mut(*dst as usize) {
                        *x = v;
                    }
                }
            }
        }
    }

    pub fn copy_out(&mut self, args: &[Arg]) {
        for a in args {
            match a {
                Arg::InOut {
                    src, dst, slots, ..
                } => {
                    if let Some(s) = self.slot(src) {
                        copy_slots(&mut self.pk.phv, *dst as usize, s, *slots as usize);
                    }
                }
                Arg::Slice {
                    src, lo, mask, dst, ..
                } => {
                    let v = self.pk.phv.get(*dst as usize).copied().unwrap_or(0) & mask;
                    let old = self.load(src);
                    self.store(src, (old & !(mask << lo)) | (v << lo));
                }
                Arg::In { .. } | Arg::List { .. } => {}
            }
        }
    }

    /// The flow for a set exit or reject flag (exit first).
    #[cold]
    pub fn flag_flow(&self) -> Flow {
        if self.pk.exit {
            Flow::Exit
        } else {
            Flow::Reject
        }
    }

    pub fn stmt(&mut self, s: &S) -> Flow {
        match s {
            S::Set(l, e) => {
                let v = self.ev(e);
                // A failed lookahead, or an exit in the action of a table applied in `e`:
                // nothing is assigned.
                if self.pk.reject | self.pk.exit {
                    return self.flag_flow();
                }
                self.store(l, v);
            }
            S::SetSlice(l, lo, m, e) => {
                let v = self.ev(e) & m;
                let old = self.load(l);
                self.store(l, (old & !(m << lo)) | (v << lo));
            }
            S::Copy { dst, src, n } => {
                if let (Some(d), Some(s)) = (self.slot(dst), self.slot(src)) {
                    copy_slots(&mut self.pk.phv, s, d, *n as usize);
                }
            }
            S::SetValid(l, v, n) => {
                if let Some(s) = self.slot(l) {
                    let was = self.pk.phv.get(s).copied().unwrap_or(0);
                    // Validating an invalid header zeroes it (BMv2); invalidating zeroes it
                    // too, so that invalid headers always read as zero.
                    if (*v && was == 0) || (!*v && was != 0) {
                        if let Some(r) = self.pk.phv.get_mut(s..s + *n as usize) {
                            r.fill(0);
                        }
                    }
                    if let Some(x) = self.pk.phv.get_mut(s) {
                        *x = u128::from(*v);
                    }
                }
            }
            S::If(c, a, b) => {
                let go = self.ev(c) != 0;
                // A table applied in the condition may have run an action that exited (or a
                // lookahead failed): the block ends before either branch.
                if self.pk.exit | self.pk.reject {
                    return self.flag_flow();
                }
                return if go { self.run(a) } else { self.run(b) };
            }
            S::Block(b) => return self.run(b),
            S::Switch(e, cases, default) => {
                let v = self.ev(e);
                if self.pk.exit | self.pk.reject {
                    return self.flag_flow();
                }
                for (labels, body) in cases {
                    if labels.contains(&v) {
                        return self.run(body);
                    }
                }
                if let Some(d) = default {
                    return self.run(d);
                }
            }
            S::Exit => {
                self.pk.exit = true;
                return Flow::Exit;
            }
            S::Apply(t) => {
                self.apply_table(*t as usize);
            }
            S::Extern(x) => return self.ext(x),
            _ => return self.stmt_cold(s),
        }
        Flow::Next
    }

    /// The statements that are rare on the fast path, kept out of [`Exec::stmt`] so that its
    /// frame stays small.
    #[inline(never)]
    fn stmt_cold(&mut self, s: &S) -> Flow {
        match s {
            S::SetWide(l, e, limbs) => {
                let mut v = self.eval_wide(e);
                if let Some(s) = self.slot(l) {
                    for i in 0..*limbs as usize {
                        if let Some(x) = self.pk.phv.get_mut(s + i) {
                            *x = low_u128(&v);
                        }
                        v >>= 128u32;
                    }
                }
            }
            S::UnionInvalidate { valids } => {
                for l in valids {
                    self.store(l, 0);
                }
            }
            S::Return(v) => {
                if let Some((e, slot)) = v {
                    let x = self.ev(e);
                    if let Some(p) = self.pk.phv.get_mut(*slot as usize) {
                        *p = x;
                    }
                }
                return Flow::Return;
            }
            S::ReturnComposite(src, dst, n) => {
                if let Some(s) = self.slot(src) {
                    copy_slots(&mut self.pk.phv, s, *dst as usize, *n as usize);
                }
                return Flow::Return;
            }
            S::CallAction { action, args } => {
                let a = &self.p.actions[*action as usize];
                for &(s, n) in &a.locals {
                    zero(&mut self.pk.phv, s, n);
                }
                self.copy_in(args);
                let f = self.run(&a.body);
                self.copy_out(args);
                if f == Flow::Exit {
                    return Flow::Exit;
                }
            }
            S::CallFunction { func, args } => {
                let f = &self.p.functions[*func as usize];
                self.copy_in(args);
                let flow = self.run(&f.body);
                self.copy_out(args);
                if flow == Flow::Exit {
                    return Flow::Exit;
                }
            }
            S::ApplyBlock { block, args, ctor } => {
                if self.pk.depth > 16 {
                    return Flow::Next;
                }
                self.pk.depth += 1;
                for &(s, v) in ctor {
                    if let Some(x) = self.pk.phv.get_mut(s as usize) {
                        *x = v;
                    }
                }
                let b = &self.p.blocks[*block as usize];
                self.copy_in(args);
                let flow = match &b.is_parser {
                    Some(parser) => {
                        let ok = self.run_parser(parser);
                        if ok {
                            Flow::Next
                        } else {
                            Flow::Reject
                        }
                    }
                    None => self.run(&b.body),
                };
                self.copy_out(args);
                self.pk.depth -= 1;
                if flow == Flow::Exit || flow == Flow::Reject {
                    return flow;
                }
            }
            S::Loop(l) => return self.run_loop(&l.cond, &l.body, &l.update),
            S::Break => return Flow::Break,
            S::Continue => return Flow::Continue,
            _ => {}
        }
        Flow::Next
    }

    fn run_loop(&mut self, cond: &E, body: &[S], update: &[S]) -> Flow {
        loop {
            let go = self.eval(cond) != 0;
            if self.pk.reject {
                return Flow::Reject;
            }
            if !go {
                return Flow::Next;
            }
            if self.pk.loop_budget == 0 {
                self.st.runaway_loops += 1;
                self.pk.runaway = true;
                self.pk.exit = true;
                return Flow::Exit;
            }
            self.pk.loop_budget -= 1;
            match self.run(body) {
                Flow::Next | Flow::Continue => {}
                Flow::Break => return Flow::Next,
                f => return f,
            }
            match self.run(update) {
                Flow::Next => {}
                f => return f,
            }
        }
    }

    fn pack(&mut self, data: &[DataField]) {
        let mut fields = std::mem::take(&mut self.st.scratch_fields);
        fields.clear();
        for f in data {
            match &f.multi {
                None => {
                    let v = self.ev(&f.e);
                    fields.push((v, f.width));
                }
                Some((l, varbit)) => {
                    // Limbs are stored least significant first; pack most significant first.
                    let Some(s) = self.slot(l) else { continue };
                    let (first, bits) = if *varbit {
                        (
                            s + 1,
                            (self.pk.phv.get(s).copied().unwrap_or(0) as u32).min(f.width),
                        )
                    } else {
                        (s, f.width)
                    };
                    let limbs = bits.div_ceil(128) as usize;
                    for i in (0..limbs).rev() {
                        let w = if i == limbs - 1 {
                            bits - 128 * i as u32
                        } else {
                            128
                        };
                        fields.push((self.pk.phv.get(first + i).copied().unwrap_or(0), w));
                    }
                }
            }
        }
        let mut buf = std::mem::take(&mut self.st.scratch);
        externs::pack_bits(&fields, &mut buf);
        self.st.scratch = buf;
        self.st.scratch_fields = fields;
    }

    /// Extracts `hdr` at the cursor; false if the packet is too short.
    fn extract(&mut self, hdr: &EmitHeader, varbit_bits: Option<u128>) -> bool {
        if let (Some((valid, fields)), None) = (&hdr.fast, varbit_bits) {
            let end = self.pk.cursor + hdr.fixed_bits as usize;
            if end > self.pk.data.len() * 8 {
                self.pk.parser_error = self.p.error_code(ERR_PACKET_TOO_SHORT);
                return false;
            }
            let phv = &mut self.pk.phv;
            let mut off = self.pk.cursor;
            for &(s, w) in fields.iter() {
                if let Some(x) = phv.get_mut(s as usize) {
                    *x = read_bits(&self.pk.data, off, w);
                }
                off += w as usize;
            }
            if let Some(x) = phv.get_mut(*valid as usize) {
                *x = 1;
            }
            self.pk.cursor = end;
            return true;
        }
        let Some(valid) = self.slot(&hdr.valid) else {
            self.pk.parser_error = self.p.error_code(ERR_STACK_OUT_OF_BOUNDS);
            return false;
        };
        let fixed: usize = hdr
            .fields
            .iter()
            .map(|(_, w, k)| match k {
                FieldKind::Varbit { .. } => 0,
                _ => *w as usize,
            })
            .sum();
        let vb = varbit_bits.unwrap_or(0) as usize;
        if !vb.is_multiple_of(8) {
            // As BMv2: a varbit length that is not whole bytes is refused before anything
            // is read.
            self.pk.parser_error = self.p.error_code(ERR_PARSER_INVALID_ARGUMENT);
            return false;
        }
        let avail = self.pk.data.len() * 8;
        if self.pk.cursor + fixed + vb > avail {
            self.pk.parser_error = self.p.error_code(ERR_PACKET_TOO_SHORT);
            return false;
        }
        let mut off = self.pk.cursor;
        for (l, w, k) in &hdr.fields {
            let Some(s) = self.slot(l) else { continue };
            match k {
                FieldKind::Scalar => {
                    let v = read_bits(&self.pk.data, off, *w);
                    self.pk.phv[s] = v;
                    off += *w as usize;
                }
                FieldKind::Wide => {
                    let limbs = w.div_ceil(128) as usize;
                    read_wide(&self.pk.data, off, *w, &mut self.pk.phv[s..s + limbs]);
                    off += *w as usize;
                }
                FieldKind::Varbit { max } => {
                    if vb > *max as usize {
                        self.pk.parser_error = self.p.error_code(ERR_HEADER_TOO_SHORT);
                        return false;
                    }
                    self.pk.phv[s] = vb as u128;
                    let limbs = max.div_ceil(128) as usize;
                    read_wide(
                        &self.pk.data,
                        off,
                        vb as u32,
                        &mut self.pk.phv[s + 1..s + 1 + limbs],
                    );
                    off += vb;
                }
            }
        }
        self.pk.phv[valid] = 1;
        self.pk.cursor = off;
        true
    }

    fn emit(&mut self, h: &EmitHeader) {
        if let Some((valid, fields)) = &h.fast {
            if self.pk.phv.get(*valid as usize).copied().unwrap_or(0) == 0 {
                return;
            }
            let mut bw = crate::bits::BitWriter::new();
            for &(s, w) in fields.iter() {
                let v = self.pk.phv.get(s as usize).copied().unwrap_or(0);
                bw.put(&mut self.pk.out, v, w);
            }
            bw.finish(&mut self.pk.out);
            return;
        }
        let valid = self.load(&h.valid);
        if valid == 0 {
            return;
        }
        let bits: usize = h
            .fields
            .iter()
            .map(|(l, w, k)| match k {
                FieldKind::Varbit { .. } => self.slot(l).map_or(0, |s| self.pk.phv[s] as usize),
                _ => *w as usize,
            })
            .sum();
        let start_bits = self.pk.out.len() * 8;
        self.pk.out.resize((start_bits + bits).div_ceil(8), 0);
        let mut off = start_bits;
        for (l, w, k) in &h.fields {
            let Some(s) = self.slot(l) else { continue };
            match k {
                FieldKind::Scalar => {
                    write_bits(&mut self.pk.out, off, *w, self.pk.phv[s]);
                    off += *w as usize;
                }
                FieldKind::Wide => {
                    let limbs = w.div_ceil(128) as usize;
                    write_wide(&mut self.pk.out, off, *w, &self.pk.phv[s..s + limbs]);
                    off += *w as usize;
                }
                FieldKind::Varbit { max } => {
                    let n = (self.pk.phv[s] as u32).min(*max);
                    let limbs = max.div_ceil(128) as usize;
                    write_wide(&mut self.pk.out, off, n, &self.pk.phv[s + 1..s + 1 + limbs]);
                    off += n as usize;
                }
            }
        }
    }

    fn ext(&mut self, x: &Ext) -> Flow {
        match x {
            Ext::Extract { hdr, varbit_bits } => {
                let vb = varbit_bits.as_ref().map(|e| self.ev(e));
                if !self.extract(hdr, vb) {
                    return Flow::Reject;
                }
            }
            Ext::ExtractStackNext {
                base,
                stride,
                size,
                member,
                siblings,
                fields,
                varbit_bits,
            } => {
                let next = self.pk.phv.get(*base as usize).copied().unwrap_or(0);
                if next >= u128::from(*size) {
                    self.pk.parser_error = self.p.error_code(ERR_STACK_OUT_OF_BOUNDS);
                    return Flow::Reject;
                }
                let elem = base + 1 + next as u32 * stride;
                for &v in siblings {
                    if let Some(x) = self.pk.phv.get_mut((elem + v) as usize) {
                        *x = 0;
                    }
                }
                let eb = elem + member;
                let hdr = EmitHeader::new(
                    Loc::Slot(eb),
                    fields
                        .iter()
                        .map(|(o, w, k)| (Loc::Slot(eb + o), *w, *k))
                        .collect(),
                );
                let vb = varbit_bits.as_ref().map(|e| self.ev(e));
                if !self.extract(&hdr, vb) {
                    return Flow::Reject;
                }
                self.pk.phv[*base as usize] = next + 1;
            }
            Ext::Advance(e) => {
                let n = self.ev(e) as usize;
                if self.pk.cursor + n > self.pk.data.len() * 8 {
                    self.pk.parser_error = self.p.error_code(ERR_PACKET_TOO_SHORT);
                    return Flow::Reject;
                }
                self.pk.cursor += n;
            }
            Ext::Emit(items) => {
                for EmitItem::Header(h) in items {
                    self.emit(h);
                }
            }
            Ext::Verify(c, err) => {
                if self.ev(c) == 0 {
                    self.pk.parser_error = *err;
                    return Flow::Reject;
                }
            }
            Ext::RegisterRead { reg, dst, index } => {
                let i = self.ev(index) as usize;
                let v = self
                    .st
                    .registers
                    .get(*reg as usize)
                    .and_then(|r| r.get(i))
                    .unwrap_or(0);
                self.store(dst, v);
            }
            Ext::RegisterWrite { reg, index, value } => {
                let i = self.ev(index) as usize;
                let v = self.ev(value);
                let w = match self.p.instances[*reg as usize].kind {
                    InstanceKind::Register { width, .. } => width,
                    _ => 128,
                };
                if let Some(r) = self.st.registers.get_mut(*reg as usize) {
                    r.set(i, v & mask(w));
                }
            }
            Ext::CounterCount { counter, index } => {
                let i = self.ev(index) as usize;
                let len = self.pk.len;
                if let Some(c) = self
                    .st
                    .counters
                    .get_mut(*counter as usize)
                    .and_then(|c| c.get_mut(i))
                {
                    c.0 += 1;
                    c.1 += len;
                }
            }
            Ext::MeterExecute { meter, index, dst } => {
                let i = self.ev(index) as usize;
                let units = match self.p.instances[*meter as usize].kind {
                    InstanceKind::Meter { bytes: true, .. } => self.pk.len,
                    _ => 1,
                };
                let now = self.pk.now;
                let colour = self
                    .st
                    .meters
                    .get_mut(*meter as usize)
                    .and_then(|m| m.get_mut(i))
                    .map_or(externs::GREEN, |m| m.execute(units, now));
                self.store(dst, colour);
            }
            Ext::DirectMeterRead { dst, .. } => {
                let c = self.last_direct_colour;
                self.store(dst, c);
            }
            Ext::Hash {
                dst,
                dst_width,
                algo,
                base,
                data,
                max,
            } => {
                self.pack(data);
                let h = externs::hash(*algo, &self.st.scratch, &mut self.st.rng);
                let b = self.ev(base);
                let m = self.ev(max);
                let v = if m == 0 {
                    b.wrapping_add(h)
                } else {
                    b.wrapping_add(h % m)
                };
                self.store(dst, v & mask(*dst_width));
            }
            Ext::VerifyChecksum {
                cond,
                data,
                expected,
                algo,
                with_payload,
            } => {
                if self.ev(cond) != 0 {
                    self.pack(data);
                    if *with_payload {
                        let start = self.pk.cursor.div_ceil(8).min(self.pk.data.len());
                        self.st.scratch.extend_from_slice(&self.pk.data[start..]);
                    }
                    let h = externs::hash(*algo, &self.st.scratch, &mut self.st.rng);
                    let exp = self.ev(expected);
                    if h != exp {
                        if let Some(s) = self.p.std_meta.checksum_error {
                            self.pk.phv[s as usize] = 1;
                        }
                    }
                }
            }
            Ext::UpdateChecksum {
                cond,
                data,
                dst,
                width,
                algo,
                with_payload,
            } => {
                if self.ev(cond) != 0 {
                    self.pack(data);
                    if *with_payload {
                        // The payload follows the headers the parser consumed.
                        let start = self.pk.cursor.div_ceil(8).min(self.pk.data.len());
                        self.st.scratch.extend_from_slice(&self.pk.data[start..]);
                    }
                    let h = externs::hash(*algo, &self.st.scratch, &mut self.st.rng);
                    self.store(dst, h & mask(*width));
                }
            }
            Ext::Random { dst, lo, hi, width } => {
                let lo = self.ev(lo);
                let hi = self.ev(hi);
                let r = u128::from(externs::next_random(&mut self.st.rng));
                let v = if hi >= lo {
                    lo + r % (hi - lo + 1).max(1)
                } else {
                    lo
                };
                self.store(dst, v & mask(*width));
            }
            Ext::Digest { receiver, data } => {
                let r = self.ev(receiver);
                let fields: Vec<u128> = data.iter().map(|f| self.ev(&f.e)).collect();
                if self.st.digests.len() >= MAX_DIGESTS {
                    self.st.digests.pop_front();
                }
                self.st.digests.push_back(Digest {
                    receiver: r,
                    fields,
                });
            }
            Ext::MarkToDrop {
                egress_spec,
                mcast_grp,
            } => {
                match egress_spec {
                    Some(l) => self.store(l, DROP_PORT),
                    None => {
                        if let Some(s) = self.p.std_meta.egress_spec {
                            self.pk.phv[s as usize] = DROP_PORT;
                        }
                    }
                }
                match mcast_grp {
                    Some(l) => self.store(l, 0),
                    None => {
                        if let Some(s) = self.p.std_meta.mcast_grp {
                            self.pk.phv[s as usize] = 0;
                        }
                    }
                }
            }
            Ext::Clone {
                i2e,
                session,
                fields,
            } => {
                let s = self.ev(session) as u32;
                if *i2e {
                    self.pk.clone_i2e = Some((s, *fields));
                } else {
                    self.pk.clone_e2e = Some((s, *fields));
                }
            }
            Ext::Resubmit(f) => self.pk.resubmit = Some(*f),
            Ext::Recirculate(f) => self.pk.recirculate = Some(*f),
            Ext::Truncate(e) => {
                // Called more than once, the smallest length wins.
                let n = self.ev(e).min(u128::from(u32::MAX)) as u32;
                self.pk.truncate = Some(self.pk.truncate.map_or(n, |m| m.min(n)));
            }
            Ext::Log { fmt, args } => {
                let vals: Vec<u128> = args.iter().map(|f| self.ev(&f.e)).collect();
                let mut msg = String::new();
                let mut it = vals.iter();
                let mut rest = fmt.as_str();
                while let Some(i) = rest.find("{}") {
                    msg.push_str(&rest[..i]);
                    match it.next() {
                        Some(v) => msg.push_str(&v.to_string()),
                        None => msg.push_str("{}"),
                    }
                    rest = &rest[i + 2..];
                }
                msg.push_str(rest);
                if self.st.log.len() >= MAX_LOG {
                    self.st.log.pop_front();
                }
                self.st.log.push_back(msg);
            }
            Ext::Assert(e, _) => {
                if self.ev(e) == 0 {
                    // BMv2 aborts; the engine counts the failure and drops the packet.
                    self.st.assert_failures += 1;
                    if let Some(s) = self.p.std_meta.egress_spec {
                        self.pk.phv[s as usize] = DROP_PORT;
                    }
                    self.pk.exit = true;
                    return Flow::Exit;
                }
            }
            Ext::PushFront {
                base,
                stride,
                size,
                n,
            } => {
                let (b, st, sz, n) = (
                    *base as usize,
                    *stride as usize,
                    *size as usize,
                    (*n as usize).min(*size as usize),
                );
                for i in (0..sz).rev() {
                    let dst = b + 1 + i * st;
                    if i >= n {
                        let src = b + 1 + (i - n) * st;
                        copy_slots(&mut self.pk.phv, src, dst, st);
                    } else if let Some(r) = self.pk.phv.get_mut(dst..dst + st) {
                        // An invalid element, its fields zeroed.
                        r.fill(0);
                    }
                }
                let next = (self.pk.phv[b] as usize + n).min(sz);
                self.pk.phv[b] = next as u128;
            }
            Ext::PopFront {
                base,
                stride,
                size,
                n,
            } => {
                let (b, st, sz, n) = (
                    *base as usize,
                    *stride as usize,
                    *size as usize,
                    (*n as usize).min(*size as usize),
                );
                for i in 0..sz {
                    let dst = b + 1 + i * st;
                    if i + n < sz {
                        let src = b + 1 + (i + n) * st;
                        copy_slots(&mut self.pk.phv, src, dst, st);
                    } else if let Some(r) = self.pk.phv.get_mut(dst..dst + st) {
                        // An invalid element, its fields zeroed.
                        r.fill(0);
                    }
                }
                let next = (self.pk.phv[b] as usize).saturating_sub(n);
                self.pk.phv[b] = next as u128;
            }
        }
        Flow::Next
    }

    /// Runs a parser from `start`; true if it accepted.
    pub fn run_parser(&mut self, p: &CParser) -> bool {
        self.pk.reject = false;
        self.pk.loop_budget = MAX_LOOP_ITERATIONS;
        self.pk.runaway = false;
        let mut ok = self.run_parser_inner(p);
        self.pk.reject = false;
        if self.pk.runaway {
            self.pk.runaway = false;
            self.pk.exit = false;
            self.pk.parser_error = self.p.error_code(ERR_PARSER_TIMEOUT);
            ok = false;
        }
        ok
    }

    fn run_parser_inner(&mut self, p: &CParser) -> bool {
        let _ = self.run(&p.init);
        let mut state = p.start as usize;
        let mut steps = 0u32;
        loop {
            steps += 1;
            if steps > MAX_PARSER_STEPS {
                self.pk.parser_error = self.p.error_code(ERR_PARSER_TIMEOUT);
                return false;
            }
            let Some(s) = p.states.get(state) else {
                return false;
            };
            match self.run(&s.body) {
                Flow::Reject => return false,
                Flow::Exit | Flow::Return => return true,
                Flow::Next | Flow::Break | Flow::Continue => {}
            }
            let next = match &s.transition {
                CTransition::Goto(n) => n,
                CTransition::Select { keys, cases } => {
                    let mut vals = [0u128; 8];
                    let mut big = Vec::new();
                    let vals: &mut [u128] = if keys.len() <= 8 {
                        &mut vals[..keys.len()]
                    } else {
                        big.resize(keys.len(), 0);
                        &mut big
                    };
                    for (i, (e, _)) in keys.iter().enumerate() {
                        vals[i] = self.ev(e);
                    }
                    if self.pk.reject {
                        return false;
                    }
                    let mut chosen = None;
                    let value_sets = &self.st.value_sets;
                    if let [v] = &*vals {
                        // One key (the usual case): its value stays in registers.
                        let v = *v;
                        for (set, next) in cases {
                            if set.first().is_none_or(|k| keyset_matches(k, v, value_sets)) {
                                chosen = Some(next);
                                break;
                            }
                        }
                    } else {
                        'cases: for (set, next) in cases {
                            for (k, v) in set.iter().zip(vals.iter()) {
                                if !keyset_matches(k, *v, value_sets) {
                                    continue 'cases;
                                }
                            }
                            chosen = Some(next);
                            break;
                        }
                    }
                    match chosen {
                        Some(n) => n,
                        None => {
                            self.pk.parser_error = self.p.error_code("NoMatch");
                            return false;
                        }
                    }
                }
            };
            match next {
                Next::Accept => return true,
                Next::Reject => return false,
                Next::State(i) => state = *i as usize,
            }
        }
    }
}

/// Whether select value `v` is in keyset `k`. Compares 64-bit halves: a 128-bit compare
/// would load the freshly stored value as one vector and stall on store forwarding.
#[inline(always)]
pub fn keyset_matches(k: &Keyset, v: u128, value_sets: &[Vec<(u128, u128)>]) -> bool {
    #[inline(always)]
    fn eq(a: u128, b: u128) -> bool {
        (a as u64 == b as u64) & ((a >> 64) as u64 == (b >> 64) as u64)
    }
    match k {
        Keyset::Any => true,
        Keyset::Value(x) => eq(v, *x),
        Keyset::Mask(x, m) => eq(v & m, *x),
        Keyset::Range(lo, hi) => v >= *lo && v <= *hi,
        Keyset::ValueSet(i) => value_sets
            .get(*i as usize)
            .is_some_and(|vs| vs.iter().any(|(x, m)| eq(v & m, *x & m))),
    }
}

/// The low 128 bits of a big number.
fn low_u128(v: &BigUint) -> u128 {
    v.iter_u64_digits()
        .take(2)
        .enumerate()
        .fold(0u128, |a, (i, d)| a | (u128::from(d) << (64 * i)))
}

/// The v1model port that means "drop".
pub const DROP_PORT: u128 = 511;

/// The action data bytes `data` refers to in table `t` (empty when there are none).
#[inline(always)]
pub fn action_data(st: &State, t: usize, data: DataRef) -> &[u8] {
    let rt = &st.tables[t];
    match data {
        DataRef::Entry(h) => rt.table.data(h),
        DataRef::Default => rt.default.as_ref().map_or(&[][..], |(_, d)| d.as_slice()),
    }
}

/// Where the action data of a table's chosen action lives.
#[derive(Clone, Copy, Debug)]
pub enum DataRef {
    Entry(exo_tables::EntryHandle),
    Default,
}

#[inline]
pub fn binop(op: Op, x: u128, y: u128, w: u32, signed: bool) -> u128 {
    let m = mask(w);
    match op {
        Op::Add => x.wrapping_add(y) & m,
        Op::Sub => x.wrapping_sub(y) & m,
        Op::Mul => x.wrapping_mul(y) & m,
        Op::Div => {
            if y == 0 {
                0
            } else if signed {
                (sext(x, w).wrapping_div(sext(y, w)) as u128) & m
            } else {
                x / y
            }
        }
        Op::Mod => {
            if y == 0 {
                0
            } else if signed {
                (sext(x, w).wrapping_rem(sext(y, w)) as u128) & m
            } else {
                x % y
            }
        }
        Op::SatAdd => {
            if signed {
                let r = sext(x, w).saturating_add(sext(y, w));
                let (lo, hi) = signed_bounds(w);
                (r.clamp(lo, hi) as u128) & m
            } else {
                x.saturating_add(y).min(m)
            }
        }
        Op::SatSub => {
            if signed {
                let r = sext(x, w).saturating_sub(sext(y, w));
                let (lo, hi) = signed_bounds(w);
                (r.clamp(lo, hi) as u128) & m
            } else {
                x.saturating_sub(y)
            }
        }
        Op::Shl => {
            if y >= u128::from(w) || y >= 128 {
                0
            } else {
                (x << y) & m
            }
        }
        Op::Shr => {
            if signed {
                let s = sext(x, w);
                let sh = y.min(127) as u32;
                ((s >> sh) as u128) & m
            } else if y >= 128 {
                0
            } else {
                x >> y
            }
        }
        Op::And => x & y,
        Op::Or => x | y,
        Op::Xor => x ^ y,
        Op::Eq => u128::from(x == y),
        Op::Ne => u128::from(x != y),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ord = if signed {
                sext(x, w).cmp(&sext(y, w))
            } else {
                x.cmp(&y)
            };
            let r = match op {
                Op::Lt => ord.is_lt(),
                Op::Le => ord.is_le(),
                Op::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            };
            u128::from(r)
        }
    }
}

fn signed_bounds(w: u32) -> (i128, i128) {
    if w >= 128 {
        (i128::MIN, i128::MAX)
    } else if w == 0 {
        (0, 0)
    } else {
        (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1)
    }
}

#[inline]
pub fn zero(phv: &mut [u128], s: u32, n: u32) {
    if let Some(r) = phv.get_mut(s as usize..(s + n) as usize) {
        if r.len() <= 4 {
            // Short ranges (validity bits, small metadata): plain stores, no memset call.
            for x in r {
                *x = 0;
            }
        } else {
            r.fill(0);
        }
    }
}

pub fn copy_slots(phv: &mut [u128], src: usize, dst: usize, n: usize) {
    if src == dst || src + n > phv.len() || dst + n > phv.len() {
        return;
    }
    phv.copy_within(src..src + n, dst);
}

/// Reads `w` bits (any width) into limbs, least significant limb first.
fn read_wide(buf: &[u8], off: usize, w: u32, limbs: &mut [u128]) {
    limbs.fill(0);
    let mut left = w;
    let mut i = 0;
    // The last `w % 128` bits form limb 0, and so on from the end.
    while left > 0 && i < limbs.len() {
        let take = left.min(128);
        let start = off + (left - take) as usize;
        limbs[i] = read_bits(buf, start, take);
        left -= take;
        i += 1;
    }
}

fn write_wide(buf: &mut [u8], off: usize, w: u32, limbs: &[u128]) {
    let mut left = w;
    let mut i = 0;
    while left > 0 && i < limbs.len() {
        let take = left.min(128);
        let start = off + (left - take) as usize;
        write_bits(buf, start, take, limbs[i] & mask(take));
        left -= take;
        i += 1;
    }
}

/// Field slot offsets and widths of a header type (for `lookahead` into a header).
fn field_widths(p: &CompiledProgram, ty: &exo_p4::ir::Ty) -> Vec<(u32, u32)> {
    let l = crate::layout::Layout::new(&p.ir);
    l.fields(ty)
        .into_iter()
        .map(|(o, f)| (o, crate::compile::scalar_width(&l, &f.ty)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_arrays_are_as_narrow_as_their_width() {
        for (w, bytes) in [
            (1, 1),
            (8, 1),
            (9, 2),
            (16, 2),
            (17, 4),
            (32, 4),
            (48, 8),
            (64, 8),
            (65, 16),
            (128, 16),
        ] {
            let mut r = RegArray::new(w, 10);
            assert_eq!((r.len(), r.memory_bytes()), (10, 10 * bytes), "width {w}");
            let top = crate::bits::mask(w);
            assert!(r.set(9, top));
            assert_eq!(r.get(9), Some(top), "width {w}");
            assert_eq!(r.get(0), Some(0));
            assert!(!r.set(10, 1));
            assert_eq!(r.get(10), None);
            r.reset();
            assert_eq!(r.get(9), Some(0));
        }
    }

    #[test]
    fn placed_phv_is_zeroed_aligned_and_within_a_page() {
        for slots in [1, 21, 38, 200, 300] {
            let v = placed_phv(slots);
            assert_eq!(v.len(), slots);
            assert!(v.iter().all(|&x| x == 0));
            let a = v.as_ptr() as usize;
            assert_eq!(a % 64, 0, "{slots} slots at {a:#x}");
            if slots * 16 <= 4096 {
                assert!(a % 4096 + slots * 16 <= 4096, "{slots} slots at {a:#x}");
            }
        }
    }
}
