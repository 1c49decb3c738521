//! The v1model architecture around the compiled blocks: parser, verify checksum, ingress, the
//! traffic manager (unicast, multicast replication, clones, resubmit), egress, compute checksum,
//! deparser and recirculation, as BMv2's simple_switch defines them.

use crate::exec::{self, Exec, Flow, Pkt, RtTable, State};
use crate::externs::Meter;
use crate::pktbuf::{LentBuf, PktBuf};
use crate::program::*;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// `standard_metadata.instance_type` values of BMv2 simple_switch.
pub mod instance_type {
    pub const NORMAL: u128 = 0;
    pub const INGRESS_CLONE: u128 = 1;
    pub const EGRESS_CLONE: u128 = 2;
    pub const RECIRC: u128 = 4;
    pub const REPLICATION: u128 = 5;
    pub const RESUBMIT: u128 = 6;
}

/// Most passes (resubmit / recirculate / clone) one input packet may cause.
pub const MAX_PASSES: usize = 16;

/// One output packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutPacket {
    pub port: u32,
    /// The bytes; empty when `in_input`.
    pub data: Vec<u8>,
    /// The packet is its input's receive buffer, lent to the pipeline
    /// ([`Pipeline::stage_lent`]) and rewritten there: the backend sends that buffer.
    pub in_input: bool,
}

/// Output packets of a call, with their buffers reused across calls.
#[derive(Debug, Default)]
pub struct Outputs {
    pkts: Vec<OutPacket>,
    len: usize,
    /// For each output, the index (in its burst) of the input packet that produced it.
    origins: Vec<u32>,
    origin: u32,
    /// Some output's origin is not above the one before it.
    repeats: bool,
}

impl Outputs {
    pub fn new() -> Outputs {
        Outputs::default()
    }

    pub fn clear(&mut self) {
        self.len = 0;
        self.origins.clear();
        self.origin = 0;
        self.repeats = false;
    }

    /// Whether the outputs are exactly one from each of the inputs `0..n`, in order (none
    /// dropped, none sent twice): the I/O loop then has no drops to look for.
    #[inline]
    pub fn one_each(&self, n: usize) -> bool {
        !self.repeats
            && self.len == n
            && self.origins.last().map_or(n == 0, |&o| o as usize + 1 == n)
    }

    #[inline(always)]
    fn push_origin(&mut self) {
        if self.origins.last().is_some_and(|&o| self.origin <= o) {
            self.repeats = true;
        }
        self.origins.push(self.origin);
    }

    /// Tags the outputs pushed from now on with input index `i` (see [`Outputs::origins`]).
    #[inline]
    pub fn set_origin(&mut self, i: u32) {
        self.origin = i;
    }

    /// For each output, in order, the index of the input it came from: the value of the last
    /// [`Outputs::set_origin`] before it was pushed. The I/O loop uses it to count, per port,
    /// the packets that produced no output (drops).
    pub fn origins(&self) -> &[u32] {
        &self.origins
    }

    #[inline]
    pub fn push(&mut self, port: u32, head: &[u8], payload: &[u8]) {
        self.push_origin();
        if self.len == self.pkts.len() {
            self.pkts.push(OutPacket::default());
        }
        let p = &mut self.pkts[self.len];
        p.port = port;
        p.in_input = false;
        let h = head.len();
        set_len(&mut p.data, h + payload.len());
        copy_bytes(&mut p.data[..h], head);
        copy_bytes(&mut p.data[h..], payload);
        self.len += 1;
    }

    /// Appends an output whose bytes are `buf`, taking the buffer (no copy); `buf` gets an
    /// empty buffer with spare capacity back (that of an earlier output).
    pub fn push_buffer(&mut self, port: u32, buf: &mut Vec<u8>) {
        self.push_origin();
        if self.len == self.pkts.len() {
            self.pkts.push(OutPacket::default());
        }
        let p = &mut self.pkts[self.len];
        p.port = port;
        p.in_input = false;
        std::mem::swap(&mut p.data, buf);
        buf.clear();
        self.len += 1;
    }

    /// Appends an output that is the current input's lent receive buffer (see
    /// [`OutPacket::in_input`]; the origin set by [`Outputs::set_origin`] names the input).
    /// Only for inputs lent by the backend that will transmit these outputs.
    #[inline]
    pub fn push_input(&mut self, port: u32) {
        self.push_origin();
        if self.len == self.pkts.len() {
            self.pkts.push(OutPacket::default());
        }
        let p = &mut self.pkts[self.len];
        p.port = port;
        p.in_input = true;
        p.data.clear();
        self.len += 1;
    }

    pub fn as_slice(&self) -> &[OutPacket] {
        &self.pkts[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Makes `v` `n` bytes long, its bytes to be overwritten. Buffers are reused for packets of
/// the same size most of the time, so usually nothing happens.
#[inline(always)]
pub(crate) fn set_len(v: &mut Vec<u8>, n: usize) {
    if v.len() != n {
        v.resize(n, 0);
    }
}

/// `d.copy_from_slice(s)` (equal lengths), with the lengths of packet headers and small
/// packets (up to 64 bytes) copied in line (two overlapping fixed-size moves from 4 bytes
/// up, single bytes below) instead of a call to `memcpy`, which costs more than the copy at
/// these sizes.
#[inline(always)]
pub(crate) fn copy_bytes(d: &mut [u8], s: &[u8]) {
    let n = s.len();
    if d.len() != n {
        return d.copy_from_slice(s);
    }
    if n < 4 {
        // 1 to 3 bytes: the first, the middle and the last (a loop would become memcpy).
        if n > 0 {
            d[0] = s[0];
            d[n / 2] = s[n / 2];
            d[n - 1] = s[n - 1];
        }
    } else if n < 8 {
        d[..4].copy_from_slice(&s[..4]);
        d[n - 4..].copy_from_slice(&s[n - 4..]);
    } else if n < 16 {
        d[..8].copy_from_slice(&s[..8]);
        d[n - 8..].copy_from_slice(&s[n - 8..]);
    } else if n <= 32 {
        d[..16].copy_from_slice(&s[..16]);
        d[n - 16..].copy_from_slice(&s[n - 16..]);
    } else if n <= 64 {
        d[..32].copy_from_slice(&s[..32]);
        d[n - 32..].copy_from_slice(&s[n - 32..]);
    } else {
        d.copy_from_slice(s);
    }
}

/// Puts packet `i` of `src` in `dst` (the buffer it is parsed from) and gives its ingress
/// port. A staged buffer is exchanged with `dst`'s (staged buffers and the packet contexts'
/// take turns); a batch's bytes are copied into `dst`'s: one buffer that stays in the cache.
/// In place, not returned: a buffer moved right after its fields were written reloads them
/// across the stores, and waits on store forwarding.
#[inline(always)]
fn load_packet(staged: &mut [(PktBuf, u32)], src: Source<'_>, i: usize, dst: &mut PktBuf) -> u32 {
    match src {
        Source::Staged => {
            let (buf, port) = &mut staged[i];
            std::mem::swap(buf, dst);
            *port
        }
        Source::Batch(b) => {
            if let Some(p) = b.packets.get(i + PACKETS_AHEAD) {
                exo_tables::prefetch_bytes(p);
            }
            dst.copy_in(b.packets[i]);
            b.ports[i]
        }
    }
}

/// Where [`Pipeline::process_staged_with`] takes a burst's packets from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// The packets queued by [`Pipeline::stage`].
    Staged,
    /// A batch, each packet copied straight into the parser's buffer.
    Batch(&'a Batch<'a>),
}

/// A burst of received packets as plain byte slices (AF_XDP frames, DPDK mbuf data, pcap
/// records...) with their ingress ports.
#[derive(Debug, Default)]
pub struct Batch<'a> {
    pub packets: Vec<&'a [u8]>,
    pub ports: Vec<u32>,
}

impl<'a> Batch<'a> {
    pub fn with_capacity(n: usize) -> Batch<'a> {
        Batch {
            packets: Vec::with_capacity(n),
            ports: Vec::with_capacity(n),
        }
    }

    pub fn push(&mut self, data: &'a [u8], port: u32) {
        self.packets.push(data);
        self.ports.push(port);
    }

    pub fn clear(&mut self) {
        self.packets.clear();
        self.ports.clear();
    }

    pub fn len(&self) -> usize {
        self.packets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Compile(#[from] crate::compile::CompileError),
    #[error("table {table}: {error}")]
    Table {
        table: String,
        error: exo_tables::TableError,
    },
}

/// A loaded program with its state: the engine.
pub struct Pipeline {
    pub prog: Arc<CompiledProgram>,
    pub st: State,
    pk: Pkt,
    eg: Pkt,
    snapshot: Vec<u128>,
    snapshot_cursor: usize,
    has_i2e_clone: bool,
    passes: VecDeque<Pass>,
    /// Parsed packets of the chunk of a burst being processed (see [`crate::burst`]).
    burst: Vec<Pkt>,
    /// The parser is local and no ingress clone needs the post-parser snapshot: bursts are
    /// parsed ahead of their ingress.
    burst_ok: bool,
    /// Exact tables of the ingress block with pure keys: prefetched for a parsed chunk.
    prefetch_tables: Vec<u32>,
    /// LPM tables of the ingress block with pure keys applied after another table: their root
    /// slot is requested once the parser is done, so that the tables before hide its latency.
    early_tables: Vec<u32>,
    /// Prefetch tokens of the chunk, by table then packet.
    prefetch_tokens: Vec<Option<u64>>,
    /// Size from which a table is worth prefetching ([`PREFETCH_MIN_ENTRIES`]).
    prefetch_min_entries: usize,
    /// Packets queued by [`Pipeline::stage`]: their bytes (buffers reused) and ingress ports.
    staged: Vec<(PktBuf, u32)>,
    staged_n: usize,
    /// Some staged packet is a lent receive buffer ([`Pipeline::stage_lent`]).
    lent: bool,
}

/// Packets parsed ahead of their ingress in a burst: enough to cover a memory access with the
/// work of the other packets, few enough that their PHVs stay in the cache.
pub const BURST_CHUNK: usize = 8;

/// How many packets ahead of the one being copied in a batch's packets are requested from
/// memory (received packets are usually not in the cache: written by a NIC, or a trace
/// larger than it).
const PACKETS_AHEAD: usize = 8;

/// Payload bytes from which a packet's buffer moves to the outputs instead of being copied.
pub const MOVE_PAYLOAD_MIN: usize = 256;

/// Entries from which an exact table is prefetched in bursts: below, its index and rows (about
/// 45 B per entry) stay in the core's caches and prefetching costs more than it saves.
pub const PREFETCH_MIN_ENTRIES: usize = 32 * 1024;

/// How a pass runs the program's blocks. [`Dynamic`] looks at [`CompiledProgram::gen`] on
/// every call (generated code through function pointers, or the interpreter); code generated
/// for one program implements it with direct calls to its own functions and passes
/// `Pipeline::process_staged_with::<ItsTier>` as [`crate::codegen::Generated::staged`], so
/// that the pass loop calls the blocks directly (the compiler inlines the small ones: the
/// reset, empty blocks) and knows the standard-metadata slots. Both run the same statements.
pub trait Tier {
    /// `&p.std_meta` (generated code: the same slots as constants).
    fn std_meta(p: &CompiledProgram) -> &StdMeta;
    fn reset(p: &CompiledProgram, phv: &mut [u128]);
    fn parser(ex: &mut Exec<'_>) -> bool;
    fn verify(ex: &mut Exec<'_>) -> Flow;
    fn ingress(ex: &mut Exec<'_>) -> Flow;
    fn egress(ex: &mut Exec<'_>) -> Flow;
    fn compute(ex: &mut Exec<'_>) -> Flow;
    fn deparser(ex: &mut Exec<'_>) -> Flow;
    /// Table `t`'s key into `small` and its length, for a table whose key is built on the
    /// stack (`None` otherwise, or without generated code).
    fn key(ex: &mut Exec<'_>, t: u32, small: &mut [u8; 80]) -> Option<usize>;
}

/// The tier chosen at run time from [`CompiledProgram::gen`].
pub struct Dynamic;

impl Tier for Dynamic {
    #[inline(always)]
    fn std_meta(p: &CompiledProgram) -> &StdMeta {
        &p.std_meta
    }
    #[inline(always)]
    fn reset(p: &CompiledProgram, phv: &mut [u128]) {
        match p.gen {
            Some(g) => (g.reset)(phv),
            None => {
                for &(v, n) in &p.headers {
                    if phv.get(v as usize).is_some_and(|&x| x != 0) {
                        exec::zero(phv, v, n);
                    }
                }
                for &(s, n) in &p.zero {
                    exec::zero(phv, s, n);
                }
            }
        }
    }
    #[inline(always)]
    fn parser(ex: &mut Exec<'_>) -> bool {
        let p = ex.p;
        match p.gen {
            Some(g) => (g.parser)(ex),
            None => ex.run_parser(&p.parser),
        }
    }
    #[inline(always)]
    fn verify(ex: &mut Exec<'_>) -> Flow {
        dynamic_block(ex, |g| g.verify, |p| &p.verify)
    }
    #[inline(always)]
    fn ingress(ex: &mut Exec<'_>) -> Flow {
        dynamic_block(ex, |g| g.ingress, |p| &p.ingress)
    }
    #[inline(always)]
    fn egress(ex: &mut Exec<'_>) -> Flow {
        dynamic_block(ex, |g| g.egress, |p| &p.egress)
    }
    #[inline(always)]
    fn compute(ex: &mut Exec<'_>) -> Flow {
        dynamic_block(ex, |g| g.compute, |p| &p.compute)
    }
    #[inline(always)]
    fn deparser(ex: &mut Exec<'_>) -> Flow {
        dynamic_block(ex, |g| g.deparser, |p| &p.deparser)
    }
    #[inline(always)]
    fn key(ex: &mut Exec<'_>, t: u32, small: &mut [u8; 80]) -> Option<usize> {
        ex.p.gen.and_then(|g| (g.key)(ex, t, small))
    }
}

/// A control block run by [`Dynamic`]: the generated function `generated` picks from
/// `Generated` when code is attached, else the interpreter over the statements `ir` picks.
#[inline(always)]
fn dynamic_block(
    ex: &mut Exec<'_>,
    generated: fn(&crate::codegen::Generated) -> fn(&mut Exec<'_>) -> Flow,
    ir: fn(&CompiledProgram) -> &Vec<S>,
) -> Flow {
    let p = ex.p;
    match p.gen {
        Some(g) => generated(g)(ex),
        None => ex.run_block(ir(p)),
    }
}

struct Pass {
    data: Vec<u8>,
    port: u32,
    instance_type: u128,
    preserved: Vec<(u32, u128)>,
}

fn uses_i2e_clone(ss: &[S]) -> bool {
    ss.iter().any(|s| match s {
        S::Extern(x) => matches!(**x, Ext::Clone { i2e: true, .. }),
        S::If(_, a, b) => uses_i2e_clone(a) || uses_i2e_clone(b),
        S::Block(b) => uses_i2e_clone(b),
        S::Switch(_, cs, d) => {
            cs.iter().any(|(_, b)| uses_i2e_clone(b))
                || d.as_ref().is_some_and(|d| uses_i2e_clone(d))
        }
        _ => false,
    })
}

impl Pipeline {
    /// Loads a compiled program; it runs its generated code when this binary holds code
    /// generated from it ([`crate::codegen`]), the interpreter otherwise.
    pub fn new(mut prog: CompiledProgram) -> Result<Pipeline, PipelineError> {
        crate::codegen::attach(&mut prog);
        Pipeline::load(prog)
    }

    /// Loads a compiled program to run on the interpreter, whatever code the binary holds.
    pub fn interpreted(mut prog: CompiledProgram) -> Result<Pipeline, PipelineError> {
        prog.gen = None;
        prog.gen_fb = Default::default();
        Pipeline::load(prog)
    }

    fn load(prog: CompiledProgram) -> Result<Pipeline, PipelineError> {
        let mut tables = Vec::new();
        for t in &prog.tables {
            let layout = exo_tables::KeyLayout {
                fields: t
                    .keys
                    .iter()
                    .map(|k| exo_tables::KeyField {
                        kind: k.kind,
                        width_bits: k.width,
                    })
                    .collect(),
            };
            let key_len = layout.key_len();
            let mut table = exo_tables::Table::new(layout, t.size);
            for e in &t.const_entries {
                table
                    .insert(e.clone())
                    .map_err(|error| PipelineError::Table {
                        table: t.name.clone(),
                        error,
                    })?;
            }
            tables.push(RtTable {
                table,
                default: t.default_action.clone(),
                direct_counts: Vec::new(),
                direct_meters: Vec::new(),
                key_len,
                hits: 0,
                misses: 0,
            });
        }
        let mut registers = Vec::new();
        let mut counters = Vec::new();
        let mut meters = Vec::new();
        for inst in &prog.instances {
            registers.push(match inst.kind {
                InstanceKind::Register { size, width } => exec::RegArray::new(width, size as usize),
                _ => exec::RegArray::default(),
            });
            counters.push(match inst.kind {
                InstanceKind::Counter { size, .. } => vec![(0, 0); size as usize],
                _ => Vec::new(),
            });
            meters.push(match inst.kind {
                InstanceKind::Meter { size, .. } => vec![Meter::default(); size as usize],
                _ => Vec::new(),
            });
        }
        let has_i2e_clone = uses_i2e_clone(&prog.ingress)
            || prog.actions.iter().any(|a| uses_i2e_clone(&a.body))
            || prog.functions.iter().any(|f| uses_i2e_clone(&f.body));
        let slots = prog.phv_slots as usize;
        let burst_ok = !has_i2e_clone && crate::burst::parser_is_local(&prog);
        // Ingress tables (in the order the block applies them) of a structure whose key the
        // generated code builds on the stack and reads only the PHV: their key can be guessed
        // before the block runs (a wrong guess only wastes a prefetch, see crate::burst).
        let prefetchable = |skip: usize, structure: exo_tables::Structure| -> Vec<u32> {
            crate::burst::ingress_tables(&prog)
                .into_iter()
                .skip(skip)
                .filter(|&t| {
                    let (ct, rt) = (&prog.tables[t as usize], &tables[t as usize]);
                    rt.table.structure() == structure
                        && ct.key_on_stack
                        && ct.keys.iter().all(|k| crate::burst::pure_expr(&k.e))
                })
                .collect()
        };
        let prefetch_tables = prefetchable(0, exo_tables::Structure::Exact);
        // Not the first table: nothing would run between the request and the lookup.
        let early_tables = prefetchable(1, exo_tables::Structure::Lpm);
        let st = State {
            tables,
            registers,
            counters,
            meters,
            value_sets: prog.value_sets.iter().map(|_| Vec::new()).collect(),
            mcast_groups: HashMap::new(),
            clone_sessions: HashMap::new(),
            digests: VecDeque::new(),
            log: VecDeque::new(),
            rng: 0x2545_F491_4F6C_DD1D,
            assert_failures: 0,
            runaway_loops: 0,
            scratch: Vec::with_capacity(256),
            scratch_fields: Vec::with_capacity(32),
        };
        Ok(Pipeline {
            prog: Arc::new(prog),
            st,
            pk: Pkt::new(slots),
            eg: Pkt::new(slots),
            snapshot: vec![0; slots],
            snapshot_cursor: 0,
            has_i2e_clone,
            passes: VecDeque::new(),
            burst: Vec::new(),
            burst_ok,
            prefetch_tokens: vec![None; prefetch_tables.len() * BURST_CHUNK],
            prefetch_tables,
            early_tables,
            prefetch_min_entries: PREFETCH_MIN_ENTRIES,
            staged: Vec::new(),
            staged_n: 0,
            lent: false,
        })
    }

    /// Sets the table size from which bursts are parsed ahead and prefetched (default
    /// [`PREFETCH_MIN_ENTRIES`]; 0 makes every burst take that path, as tests do).
    pub fn set_prefetch_min_entries(&mut self, n: usize) {
        self.prefetch_min_entries = n;
    }

    /// Whether bursts of this program may be parsed ahead of their ingress
    /// ([`crate::burst::parser_is_local`]), and how many ingress tables are prefetched.
    pub fn burst_plan(&self) -> (bool, usize) {
        (self.burst_ok, self.prefetch_tables.len())
    }

    /// The LPM tables whose root slot is requested right after the parser (see
    /// `early_tables`), by number.
    pub fn early_prefetch_tables(&self) -> &[u32] {
        &self.early_tables
    }

    /// Compiles and loads a checked IR program.
    pub fn from_ir(ir: &exo_p4::ir::Program) -> Result<Pipeline, PipelineError> {
        Pipeline::new(crate::compile::compile(ir)?)
    }

    /// Processes one packet that arrived on `port` at time `now` (ns); output packets are
    /// appended to `out`.
    pub fn process(&mut self, data: &[u8], port: u32, now: u64, out: &mut Outputs) {
        self.clear_passes();
        // The first pass needs no queue entry: the packet is copied into the parser's buffer,
        // whose capacity is reused from packet to packet.
        self.pk.data.set_bytes(data);
        self.ingress_pass(port, instance_type::NORMAL, &[], now, out);
        self.drain_passes(now, out);
    }

    /// Runs the resubmitted and recirculated passes a packet's first pass queued.
    /// Empties the pass queue (a call, not inlined, even on an empty `VecDeque`: checked
    /// first, as almost every packet has no further pass).
    #[inline]
    fn clear_passes(&mut self) {
        if !self.passes.is_empty() {
            self.passes.clear();
        }
    }

    #[inline]
    fn drain_passes(&mut self, now: u64, out: &mut Outputs) {
        if !self.passes.is_empty() {
            self.drain_queued(now, out);
        }
    }

    #[cold]
    #[inline(never)]
    fn drain_queued(&mut self, now: u64, out: &mut Outputs) {
        let mut n = 1;
        while let Some(pass) = self.passes.pop_front() {
            n += 1;
            if n > MAX_PASSES {
                break;
            }
            self.pk.data = pass.data.into();
            self.ingress_pass(pass.port, pass.instance_type, &pass.preserved, now, out);
        }
    }

    /// Processes a burst: every packet of `batch` in order, all at time `now` (the clock is
    /// read once per burst by the caller). Outputs of all packets are appended to `out`.
    pub fn process_batch(&mut self, batch: &Batch<'_>, now: u64, out: &mut Outputs) {
        if self.staged_n > 0 {
            // Packets staged earlier go first, in order.
            for (data, port) in batch.packets.iter().zip(batch.ports.iter()) {
                self.stage(data, *port);
            }
            return self.process_staged(now, out);
        }
        self.run(Source::Batch(batch), now, out);
    }

    /// Queues a packet for [`Pipeline::process_staged`], copying it into a buffer of the
    /// pipeline (the one copy `process` makes too). I/O backends whose receive buffers live
    /// only as long as their receive callback stage packets there, then process the burst.
    #[inline]
    pub fn stage(&mut self, data: &[u8], port: u32) {
        if self.staged_n == self.staged.len() {
            self.staged.push((PktBuf::with_capacity(2048), 0));
        }
        let (buf, p) = &mut self.staged[self.staged_n];
        buf.set_bytes(data);
        *p = port;
        self.staged_n += 1;
    }

    /// [`Pipeline::stage`] without the copy: the packet is parsed and rewritten in the
    /// backend's receive buffer `buf`, and when it leaves with headers of the same size
    /// (one output, no truncation) the output is that buffer ([`OutPacket::in_input`], with
    /// the input's index as origin). Other outputs are copies, as usual. No pointer to `buf`
    /// is kept after [`Pipeline::process_staged`] returns.
    ///
    /// # Safety
    /// `buf` must stay valid (see [`LentBuf::new`]) until the following
    /// [`Pipeline::process_staged`] returns.
    #[inline]
    #[allow(unsafe_code)]
    pub unsafe fn stage_lent(&mut self, buf: LentBuf, port: u32) {
        if self.staged_n == self.staged.len() {
            self.staged.push((PktBuf::with_capacity(2048), 0));
        }
        let (b, p) = &mut self.staged[self.staged_n];
        // SAFETY: the caller keeps `buf` valid until process_staged returns, and process_staged
        // forgets every lent buffer before it returns (`unlend_all`).
        unsafe { b.lend(buf) };
        *p = port;
        self.staged_n += 1;
        self.lent = true;
    }

    /// Forgets the receive buffers lent for the burst just processed: they rotated through
    /// the staged buffers and the packet contexts. (Once per lent burst: out of line.)
    #[inline(never)]
    fn unlend_all(&mut self) {
        self.lent = false;
        self.pk.data.unlend();
        for p in &mut self.burst {
            p.data.unlend();
        }
        for (b, _) in &mut self.staged {
            b.unlend();
        }
    }

    /// Processes the staged packets in order, all at time `now`, and empties the queue. Each
    /// packet's outputs are tagged with its index in the queue ([`Outputs::origins`]).
    pub fn process_staged(&mut self, now: u64, out: &mut Outputs) {
        self.run(Source::Staged, now, out);
        if self.lent {
            self.unlend_all();
        }
    }

    fn run(&mut self, src: Source<'_>, now: u64, out: &mut Outputs) {
        match self.prog.gen.and_then(|g| g.staged) {
            Some(f) => f(self, src, now, out),
            None => self.process_staged_with::<Dynamic>(src, now, out),
        }
    }

    /// [`Pipeline::process_staged`] (or [`Pipeline::process_batch`]) with the program's
    /// blocks run by tier `T` (generated code passes its own; it must be the program this
    /// pipeline runs).
    #[doc(hidden)]
    pub fn process_staged_with<T: Tier>(&mut self, src: Source<'_>, now: u64, out: &mut Outputs) {
        let n = match src {
            Source::Staged => std::mem::take(&mut self.staged_n),
            Source::Batch(b) => {
                for p in b.packets.iter().take(PACKETS_AHEAD) {
                    exo_tables::prefetch_bytes(p);
                }
                b.packets.len().min(b.ports.len())
            }
        };
        // Parsing ahead pays only when some table is too large to stay in the cache.
        let worth = self.burst_ok
            && n >= 2
            && self
                .prefetch_tables
                .iter()
                .any(|&t| self.st.tables[t as usize].table.len() >= self.prefetch_min_entries);
        if !worth {
            for i in 0..n {
                out.set_origin(i as u32);
                self.clear_passes();
                // A staged buffer becomes the parser's; the parser's old one is staged next.
                // (One move each way: a swap followed by a take reloads just-stored fields and
                // stalls on store forwarding.)
                let port = load_packet(&mut self.staged, src, i, &mut self.pk.data);
                self.begin_pass::<T>(None, port, instance_type::NORMAL, &[], now);
                self.end_pass::<T>(None, port, now, out);
                self.drain_passes(now, out);
            }
            return;
        }
        if self.burst.len() < BURST_CHUNK {
            let slots = self.pk.phv.len();
            self.burst.resize_with(BURST_CHUNK, || Pkt::new(slots));
        }
        let mut first = 0;
        while first < n {
            let len = (n - first).min(BURST_CHUNK);
            // 1. Parse the chunk (the parser is local: the order of its effects is invisible).
            for i in 0..len {
                let port = load_packet(&mut self.staged, src, first + i, &mut self.burst[i].data);
                self.begin_pass::<T>(Some(i), port, instance_type::NORMAL, &[], now);
            }
            // 2. Start the exact-table reads of every packet, then their entries.
            self.prefetch_chunk(len);
            // 3. Ingress, traffic manager and egress, packet by packet.
            for i in 0..len {
                out.set_origin((first + i) as u32);
                let port = match src {
                    Source::Staged => self.staged[first + i].1,
                    Source::Batch(b) => b.ports[first + i],
                };
                self.clear_passes();
                self.end_pass::<T>(Some(i), port, now, out);
                // Resubmitted and recirculated passes use `self.pk`.
                self.drain_passes(now, out);
            }
            first += len;
        }
    }

    /// Prefetch stages for the `n` parsed packets of `self.burst`: each table's key evaluated
    /// on the post-parser PHV (a guess: see [`crate::burst`]), its bucket requested; then each
    /// bucket read and its entry requested.
    fn prefetch_chunk(&mut self, n: usize) {
        if self.prefetch_tables.is_empty() {
            return;
        }
        let p: &CompiledProgram = &self.prog;
        let mut small = [0u8; 80];
        let mut heap = std::mem::take(&mut self.st.scratch);
        for (ti, &t) in self.prefetch_tables.iter().enumerate() {
            let ct = &p.tables[t as usize];
            for i in 0..n {
                let mut ex = Exec {
                    p,
                    st: &mut self.st,
                    pk: &mut self.burst[i],
                    last_direct_colour: 0,
                };
                let len = match p.gen.and_then(|g| (g.key)(&mut ex, t, &mut small)) {
                    Some(n) => n,
                    None => ex.build_key(ct, &mut small, &mut heap),
                };
                self.prefetch_tokens[ti * BURST_CHUNK + i] = self.st.tables[t as usize]
                    .table
                    .prefetch_bucket(&small[..len]);
            }
        }
        self.st.scratch = heap;
        for (ti, &t) in self.prefetch_tables.iter().enumerate() {
            let table = &self.st.tables[t as usize].table;
            for h in self.prefetch_tokens[ti * BURST_CHUNK..ti * BURST_CHUNK + n]
                .iter()
                .flatten()
            {
                table.prefetch_entry(*h);
            }
        }
    }

    fn set_sm(pk: &mut Pkt, slot: Option<u32>, v: u128) {
        if let Some(s) = slot {
            if let Some(x) = pk.phv.get_mut(s as usize) {
                *x = v;
            }
        }
    }

    /// A standard metadata field (all fit 64 bits). Reads the low half of the slot only: a
    /// 128-bit compare loads the slot as one vector, which stalls on store forwarding when an
    /// action has just written it.
    #[inline]
    fn get_sm(pk: &Pkt, slot: Option<u32>) -> u64 {
        slot.and_then(|s| pk.phv.get(s as usize))
            .map_or(0, |x| *x as u64)
    }

    /// A whole pass of the packet in `self.pk.data`.
    fn ingress_pass(
        &mut self,
        in_port: u32,
        itype: u128,
        kept: &[(u32, u128)],
        now: u64,
        out: &mut Outputs,
    ) {
        self.begin_pass::<Dynamic>(None, in_port, itype, kept, now);
        self.end_pass::<Dynamic>(None, in_port, now, out);
    }

    /// First half of a pass: the packet's context, the parser and verify checksum.
    /// `slot`: the packet's context, `self.pk` or an entry of `self.burst`, whose `data`
    /// already holds the packet.
    #[inline(always)]
    fn begin_pass<T: Tier>(
        &mut self,
        slot: Option<usize>,
        in_port: u32,
        itype: u128,
        kept: &[(u32, u128)],
        now: u64,
    ) {
        let Pipeline {
            prog,
            st,
            pk,
            snapshot,
            snapshot_cursor,
            has_i2e_clone,
            burst,
            early_tables,
            ..
        } = self;
        let pk = match slot {
            Some(i) => &mut burst[i],
            None => pk,
        };
        let p: &CompiledProgram = prog;
        let sm = T::std_meta(p);
        T::reset(p, &mut pk.phv);
        pk.cursor = 0;
        pk.out.clear();
        pk.now = now;
        pk.parser_error = 0;
        pk.clone_i2e = None;
        pk.clone_e2e = None;
        pk.resubmit = None;
        pk.recirculate = None;
        pk.truncate = None;
        pk.len = pk.data.len() as u64;
        pk.depth = 0;
        Self::set_sm(pk, sm.ingress_port, u128::from(in_port));
        Self::set_sm(pk, sm.instance_type, itype);
        Self::set_sm(pk, sm.packet_length, pk.data.len() as u128);
        Self::set_sm(
            pk,
            sm.ingress_global_timestamp,
            u128::from(now / 1000) & crate::bits::mask(48),
        );
        for &(s, v) in kept {
            if let Some(x) = pk.phv.get_mut(s as usize) {
                *x = v;
            }
        }
        let mut ex = Exec {
            p,
            st,
            pk,
            last_direct_colour: 0,
        };
        T::parser(&mut ex);
        let err = ex.pk.parser_error;
        Self::set_sm(ex.pk, sm.parser_error, err);
        // An empty verify block has no effect (the parser leaves no exit pending), as is
        // common: skipped.
        if !p.verify.is_empty() {
            let _ = T::verify(&mut ex);
        }
        for &t in early_tables.iter() {
            let mut small = [0u8; 80];
            if let Some(n) = T::key(&mut ex, t, &mut small) {
                if let (Some(rt), Some(k)) = (ex.st.tables.get(t as usize), small.get(..n)) {
                    rt.table.prefetch_start(k);
                }
            }
        }
        if *has_i2e_clone {
            snapshot.copy_from_slice(&ex.pk.phv);
            *snapshot_cursor = ex.pk.cursor;
        }
    }

    /// Second half of a pass: ingress, the traffic manager and egress of every copy.
    #[inline(always)]
    fn end_pass<T: Tier>(
        &mut self,
        slot: Option<usize>,
        in_port: u32,
        now: u64,
        out: &mut Outputs,
    ) {
        let Pipeline {
            prog,
            st,
            pk,
            eg,
            snapshot,
            snapshot_cursor,
            passes,
            burst,
            ..
        } = self;
        let pk = match slot {
            Some(i) => &mut burst[i],
            None => pk,
        };
        let p: &CompiledProgram = prog;
        let sm = T::std_meta(p);
        let mut ex = Exec {
            p,
            st,
            pk,
            last_direct_colour: 0,
        };
        let _ = T::ingress(&mut ex);

        // Traffic manager.
        // As in simple_switch: ingress clones first, then resubmit, then multicast or unicast.
        if let Some((session, list)) = pk.clone_i2e {
            ingress_clone(
                p,
                st,
                pk,
                eg,
                snapshot,
                *snapshot_cursor,
                passes,
                (session, list),
                now,
                out,
            );
        }
        if let Some(list) = pk.resubmit {
            resubmit(p, pk, passes, in_port, list);
            return;
        }
        let mcast = Self::get_sm(pk, sm.mcast_grp);
        if mcast != 0 {
            multicast(p, st, pk, eg, passes, mcast as u32, now, out);
            return;
        }
        let spec = Self::get_sm(pk, sm.egress_spec);
        if spec == exec::DROP_PORT as u64 && sm.egress_spec.is_some() {
            return;
        }
        egress::<T>(
            p,
            st,
            pk,
            passes,
            spec as u32,
            0,
            Some(instance_type::NORMAL),
            true,
            now,
            out,
        );
    }
}

/// The copies of an ingress-cloned packet, from its post-parser snapshot. Out of line (as the
/// other rare paths of the traffic manager): it keeps the common path's frame small.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn ingress_clone(
    p: &CompiledProgram,
    st: &mut State,
    pk: &Pkt,
    eg: &mut Pkt,
    snapshot: &[u128],
    snapshot_cursor: usize,
    passes: &mut VecDeque<Pass>,
    (session, list): (u32, Option<u32>),
    now: u64,
    out: &mut Outputs,
) {
    let Some(cs) = st.clone_sessions.get(&session).cloned() else {
        return;
    };
    let kept = preserved(p, pk, list);
    for (port, rid) in session_ports(st, &cs) {
        eg.phv.copy_from_slice(snapshot);
        reset_metadata(p, eg);
        for &(s, v) in &kept {
            if let Some(x) = eg.phv.get_mut(s as usize) {
                *x = v;
            }
        }
        eg.data.set_bytes(&pk.data);
        eg.cursor = snapshot_cursor;
        eg.len = pk.len;
        eg.truncate = cs.truncate;
        egress::<Dynamic>(
            p,
            st,
            eg,
            passes,
            port,
            rid,
            Some(instance_type::INGRESS_CLONE),
            false,
            now,
            out,
        );
    }
}

#[cold]
#[inline(never)]
fn resubmit(
    p: &CompiledProgram,
    pk: &Pkt,
    passes: &mut VecDeque<Pass>,
    in_port: u32,
    list: Option<u32>,
) {
    let preserved = preserved(p, pk, list);
    passes.push_back(Pass {
        data: pk.data.to_vec(),
        port: in_port,
        instance_type: instance_type::RESUBMIT,
        preserved,
    });
}

/// A copy of the packet through egress for every member of multicast group `mcast`.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn multicast(
    p: &CompiledProgram,
    st: &mut State,
    pk: &Pkt,
    eg: &mut Pkt,
    passes: &mut VecDeque<Pass>,
    mcast: u32,
    now: u64,
    out: &mut Outputs,
) {
    let members = st.mcast_groups.get(&mcast).cloned().unwrap_or_default();
    for (port, rid) in members {
        eg.phv.copy_from_slice(&pk.phv);
        eg.data.set_bytes(&pk.data);
        eg.cursor = pk.cursor;
        eg.len = pk.len;
        eg.truncate = None;
        egress::<Dynamic>(
            p,
            st,
            eg,
            passes,
            port,
            rid,
            Some(instance_type::REPLICATION),
            false,
            now,
            out,
        );
    }
}

/// The egress-to-egress clones of a packet: egress again for every port of the session,
/// from the state at the end of egress.
#[cold]
#[inline(never)]
fn egress_clone(
    p: &CompiledProgram,
    st: &mut State,
    pk: &Pkt,
    passes: &mut VecDeque<Pass>,
    (session, list): (u32, Option<u32>),
    now: u64,
    out: &mut Outputs,
) {
    let Some(cs) = st.clone_sessions.get(&session).cloned() else {
        return;
    };
    if pk.depth >= 4 {
        return;
    }
    for (cport, crid) in session_ports(st, &cs) {
        let mut copy = Pkt::new(pk.phv.len());
        copy.phv.copy_from_slice(&pk.phv);
        reset_metadata(p, &mut copy);
        for (s, v) in preserved(p, pk, list) {
            if let Some(x) = copy.phv.get_mut(s as usize) {
                *x = v;
            }
        }
        copy.data.set_bytes(&pk.data);
        copy.cursor = pk.cursor;
        copy.len = pk.len;
        copy.truncate = cs.truncate;
        copy.depth = pk.depth + 1;
        egress::<Dynamic>(
            p,
            st,
            &mut copy,
            passes,
            cport,
            crid,
            Some(instance_type::EGRESS_CLONE),
            false,
            now,
            out,
        );
    }
}

/// A recirculated copy of the deparsed packet, queued for another pass.
#[cold]
#[inline(never)]
fn recirculate(
    p: &CompiledProgram,
    pk: &Pkt,
    passes: &mut VecDeque<Pass>,
    port: u32,
    start: usize,
    list: Option<u32>,
) {
    let kept = preserved(p, pk, list);
    let mut data = pk.out.clone();
    data.extend_from_slice(&pk.data[start..]);
    passes.push_back(Pass {
        data,
        port,
        instance_type: instance_type::RECIRC,
        preserved: kept,
    });
}

#[cold]
#[inline(never)]
fn push_truncated(pk: &Pkt, port: u32, start: usize, n: u32, out: &mut Outputs) {
    let mut full = pk.out.clone();
    full.extend_from_slice(&pk.data[start..]);
    full.truncate(n as usize);
    out.push(port, &full, &[]);
}

/// Values of the fields in field list `list` (for resubmit, recirculate and clones).
fn preserved(p: &CompiledProgram, pk: &Pkt, list: Option<u32>) -> Vec<(u32, u128)> {
    let Some(idx) = list else { return Vec::new() };
    let mut out = Vec::new();
    for (i, fields) in &p.field_lists {
        if *i == idx {
            for &(s, n) in fields {
                for k in 0..n {
                    out.push((s + k, pk.phv.get((s + k) as usize).copied().unwrap_or(0)));
                }
            }
        }
    }
    out
}

/// Zeroes every metadata field (not headers), as simple_switch does for clones.
fn reset_metadata(p: &CompiledProgram, pk: &mut Pkt) {
    for &(s, n) in &p.meta_zero {
        exec::zero(&mut pk.phv, s, n);
    }
}

fn session_ports(st: &State, cs: &exec::CloneSession) -> Vec<(u32, u32)> {
    if let Some(g) = cs.mcast_grp {
        return st.mcast_groups.get(&g).cloned().unwrap_or_default();
    }
    cs.port.map(|p| vec![(p, 0)]).unwrap_or_default()
}

/// Egress, compute checksum and deparser for one copy of a packet.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn egress<T: Tier>(
    p: &CompiledProgram,
    st: &mut State,
    pk: &mut Pkt,
    passes: &mut VecDeque<Pass>,
    port: u32,
    rid: u32,
    itype: Option<u128>,
    // The packet's last copy: its buffer may leave with the output instead of being copied.
    last: bool,
    now: u64,
    out: &mut Outputs,
) {
    let sm = T::std_meta(p);
    if itype.is_some() {
        pk.clone_e2e = None;
        pk.recirculate = None;
    }
    pk.out.clear();
    pk.now = now;
    // An empty egress block: the standard metadata egress would see is never read (compute
    // checksum and the deparser cannot name it, and the next pass resets it), nothing can
    // drop, clone or recirculate the copy, so egress is skipped.
    let dropped = !p.egress.is_empty() && {
        Pipeline::set_sm(pk, sm.egress_port, u128::from(port));
        Pipeline::set_sm(pk, sm.egress_rid, u128::from(rid));
        Pipeline::set_sm(
            pk,
            sm.egress_global_timestamp,
            u128::from(now / 1000) & crate::bits::mask(48),
        );
        if let Some(t) = itype {
            Pipeline::set_sm(pk, sm.instance_type, t);
        }
        // As in simple_switch, egress_spec reads 0 in egress; mark_to_drop sets it to the drop
        // port.
        Pipeline::set_sm(pk, sm.egress_spec, 0);
        Pipeline::set_sm(pk, sm.packet_length, pk.len.into());
        let mut ex = Exec {
            p,
            st,
            pk,
            last_direct_colour: 0,
        };
        let _ = T::egress(&mut ex);
        sm.egress_spec.is_some()
            && Pipeline::get_sm(ex.pk, sm.egress_spec) == exec::DROP_PORT as u64
    };
    if let Some(clone) = pk.clone_e2e.take() {
        egress_clone(p, st, pk, passes, clone, now, out);
    }
    if dropped {
        return;
    }
    let mut ex = Exec {
        p,
        st,
        pk,
        last_direct_colour: 0,
    };
    if !p.compute.is_empty() {
        let _ = T::compute(&mut ex);
    }
    ex.pk.out.clear();
    // A deparser that would give back the parsed bytes is skipped: the headers stay where they
    // are, in front of the payload. Generated code rewrites the fields it may have changed
    // there too.
    let start = match &p.deparse_rewrites {
        Some(w) if w.is_empty() => 0,
        Some(_) if p.gen.is_some() => {
            let _ = T::deparser(&mut ex);
            0
        }
        _ => {
            let _ = T::deparser(&mut ex);
            pk.cursor.div_ceil(8).min(pk.data.len())
        }
    };
    if let Some(list) = pk.recirculate {
        recirculate(p, pk, passes, port, start, list);
        return;
    }
    match pk.truncate {
        Some(n) => push_truncated(pk, port, start, n, out),
        // A lent receive buffer whose headers keep their size leaves with its new headers,
        // uncopied.
        None if last && pk.data.is_lent() && pk.out.len() == start => {
            pk.data[..start].copy_from_slice(&pk.out);
            out.push_input(port);
        }
        None if last && pk.data.len() - start >= MOVE_PAYLOAD_MIN => {
            // The deparsed headers replace the parsed ones in the packet's own buffer, which
            // then moves to the outputs (no copy of the payload). Small packets are copied:
            // that keeps fewer buffers in rotation, and the cache warmer.
            if pk.out.len() == start {
                pk.data[..start].copy_from_slice(&pk.out);
            } else {
                pk.data.with_vec(|v| {
                    v.splice(..start, pk.out.iter().copied());
                });
            }
            pk.data.with_vec(|v| out.push_buffer(port, v));
        }
        None => out.push(port, &pk.out, &pk.data[start..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_output_each_is_recognised() {
        let mut out = Outputs::new();
        assert!(out.one_each(0));
        for i in 0..3 {
            out.set_origin(i);
            out.push(1, &[i as u8], &[]);
        }
        assert!(out.one_each(3));
        assert!(!out.one_each(4), "input 3 dropped");
        out.clear();
        // Input 1 dropped, input 2 sent twice: three outputs for three inputs, not one each.
        for i in [0, 2, 2] {
            out.set_origin(i);
            out.push_input(1);
        }
        assert!(!out.one_each(3));
        out.clear();
        out.set_origin(1);
        out.push(1, &[], &[]);
        out.set_origin(0);
        out.push(1, &[], &[]);
        assert!(!out.one_each(2), "out of order");
    }

    #[test]
    fn outputs_and_batch_copies_keep_every_byte() {
        // Every split of packets up to 100 bytes between header and payload, into buffers
        // left longer, shorter or as long by the output before.
        let mut out = Outputs::new();
        for n in 0..=100usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 7 + n) as u8).collect();
            for h in 0..=n {
                out.clear();
                out.push(3, &bytes[..h], &bytes[h..]);
                out.push(4, &bytes[..n / 2], &[]);
                assert_eq!(out.as_slice()[0].data, bytes, "n {n} head {h}");
                assert_eq!(out.as_slice()[1].data, bytes[..n / 2], "n {n} half");
            }
            let mut buf = vec![0xee; 100 - n];
            set_len(&mut buf, n);
            copy_bytes(&mut buf, &bytes);
            assert_eq!(buf, bytes);
        }
    }
}
