//! `exo-fastpath bench`: the engine alone on traffic generated in memory.
//!
//! Flows are random IPv4 5-tuples with random MAC addresses. Unless `--entries` gives STF `add`
//! lines, entries are installed automatically: every flow's packet is parsed and each table's key
//! is evaluated on it, giving an exact (or full-length LPM / exact-mask ternary / point range)
//! entry per flow calling the table's first action that is not `NoAction`, with action data
//! derived from the flow. `--lpm-fill` and `--ternary-fill` add random prefixes and rules on top,
//! to size LPM and ternary tables like real route and ACL tables.

use crate::exec::{Exec, Pkt};
use crate::pipeline::{Outputs, Pipeline};
use crate::runtime::KeyValue;
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Clone, Debug)]
pub struct BenchArgs {
    /// The program (.p4 or IR .json).
    pub program: PathBuf,
    #[arg(short = 'I', value_name = "DIR")]
    pub include: Vec<PathBuf>,
    /// Number of flows (distinct 5-tuples).
    #[arg(long, default_value_t = 1024)]
    pub flows: usize,
    /// Zipf exponent of per-flow popularity (0 = uniform).
    #[arg(long, default_value_t = 0.0)]
    pub zipf: f64,
    /// Packet size in bytes (at least 64).
    #[arg(long = "pkt-size", default_value_t = 64)]
    pub pkt_size: usize,
    /// Measurement time.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Packets per burst.
    #[arg(long, default_value_t = 32)]
    pub burst: usize,
    /// Cores: one pipeline per core, each with the same entries and trace, run at once (each
    /// pinned to its CPU); the report gives the total and every core's rate.
    #[arg(long, default_value_t = 1)]
    pub cores: usize,
    /// Table entries as STF `add`/`setdefault` lines instead of automatic ones.
    #[arg(long)]
    pub entries: Option<PathBuf>,
    /// Traffic from a pcap file (replayed in a loop, every packet on port 1) instead of
    /// generated flows; without --entries, entries are derived from its packets as from flows
    /// (the first --flows distinct packets).
    #[arg(long)]
    pub pcap: Option<PathBuf>,
    /// Extra random prefixes added to every LPM table.
    #[arg(long = "lpm-fill", default_value_t = 0)]
    pub lpm_fill: usize,
    /// Extra random rules added to every ternary table ...
    #[arg(long = "ternary-fill", default_value_t = 0)]
    pub ternary_fill: usize,
    /// ... using this many distinct masks.
    #[arg(long = "ternary-masks", default_value_t = 10)]
    pub ternary_masks: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Table size from which bursts are parsed ahead and exact-table entries prefetched
    /// (default: the engine's, `pipeline::PREFETCH_MIN_ENTRIES`).
    #[arg(long = "prefetch-min-entries")]
    pub prefetch_min_entries: Option<usize>,
}

impl BenchArgs {
    /// The command line's defaults for `program` (callers set the fields they vary with
    /// struct update syntax, so a new option needs no change there). `seconds` is 0: the
    /// caller decides whether to measure.
    pub fn new(program: impl Into<PathBuf>) -> BenchArgs {
        BenchArgs {
            program: program.into(),
            include: Vec::new(),
            flows: 1024,
            zipf: 0.0,
            pkt_size: 64,
            seconds: 0.0,
            burst: 32,
            cores: 1,
            entries: None,
            pcap: None,
            lpm_fill: 0,
            ternary_fill: 0,
            ternary_masks: 10,
            seed: 1,
            prefetch_min_entries: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BenchReport {
    pub program: String,
    /// `compiled` (generated code, see [`crate::codegen`]) or `interpreter`.
    pub tier: &'static str,
    pub packets: u64,
    pub seconds: f64,
    pub mpps: f64,
    pub ns_per_packet: f64,
    pub burst_p50_ns: u64,
    pub burst_p99_ns: u64,
    pub out_packets: u64,
    pub tables: Vec<(String, usize, f64)>,
    /// Mpps of each core (one entry with one core).
    pub per_core: Vec<f64>,
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "program        {} ({})", self.program, self.tier)?;
        writeln!(
            f,
            "packets        {} in {:.2} s ({} forwarded)",
            self.packets, self.seconds, self.out_packets
        )?;
        if self.per_core.len() > 1 {
            let each: Vec<String> = self.per_core.iter().map(|m| format!("{m:.2}")).collect();
            writeln!(
                f,
                "throughput     {:.2} Mpps on {} cores ({} Mpps per core)",
                self.mpps,
                self.per_core.len(),
                each.join(" / ")
            )?;
        } else {
            writeln!(f, "throughput     {:.2} Mpps per core", self.mpps)?;
        }
        writeln!(f, "cost           {:.1} ns per packet", self.ns_per_packet)?;
        writeln!(
            f,
            "burst latency  p50 {} ns, p99 {} ns",
            self.burst_p50_ns, self.burst_p99_ns
        )?;
        for (name, n, bpe) in &self.tables {
            writeln!(f, "table          {name}: {n} entries, {bpe:.1} B/entry")?;
        }
        Ok(())
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        crate::externs::next_random(&mut self.0)
    }
    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One flow's packet: Ethernet / IPv4 / TCP or UDP with a valid IPv4 checksum.
pub fn flow_packet(rng: &mut u64, size: usize) -> Vec<u8> {
    let mut r = Rng(*rng);
    let mut p = vec![0u8; size.max(64)];
    let dst = r.next().to_be_bytes();
    let src = r.next().to_be_bytes();
    p[0..6].copy_from_slice(&dst[2..8]);
    p[0] &= 0xfe; // unicast
    p[6..12].copy_from_slice(&src[2..8]);
    p[6] &= 0xfe;
    p[12] = 0x08;
    p[13] = 0x00;
    let tcp = r.next() & 1 == 0;
    let ip_len = (p.len() - 14) as u16;
    p[14] = 0x45;
    p[16..18].copy_from_slice(&ip_len.to_be_bytes());
    p[22] = 64;
    p[23] = if tcp { 6 } else { 17 };
    p[26..30].copy_from_slice(&(r.next() as u32).to_be_bytes());
    p[30..34].copy_from_slice(&(r.next() as u32).to_be_bytes());
    let sum = crate::externs::csum16(&p[14..34]);
    p[24..26].copy_from_slice(&sum.to_be_bytes());
    p[34..36].copy_from_slice(&((r.next() as u16) | 1024).to_be_bytes());
    p[36..38].copy_from_slice(&(r.next() as u16).to_be_bytes());
    if tcp {
        p[46] = 0x50;
        p[47] = 0x10;
    } else {
        p[38..40].copy_from_slice(&(ip_len - 20).to_be_bytes());
    }
    *rng = r.0;
    p
}

/// Installs one entry per flow in every table, from the values the program's keys take on the
/// flow's packet.
fn auto_entries(pipe: &mut Pipeline, flows: &[Vec<u8>]) {
    let prog = pipe.prog.clone();
    let mut pk = Pkt::new(prog.phv_slots as usize);
    for (fi, f) in flows.iter().enumerate() {
        for &(s, n) in &prog.zero {
            crate::exec::zero(&mut pk.phv, s, n);
        }
        pk.data.set_bytes(f);
        pk.cursor = 0;
        let mut ex = Exec {
            p: &prog,
            st: &mut pipe.st,
            pk: &mut pk,
            last_direct_colour: 0,
        };
        ex.run_parser(&prog.parser);
        for t in 0..prog.tables.len() {
            let ct = &prog.tables[t];
            if ct.keys.is_empty() {
                continue;
            }
            let keys: Vec<KeyValue> = ct
                .keys
                .iter()
                .map(|k| {
                    let v = ex.eval(&k.e);
                    match k.kind {
                        exo_tables::MatchKind::Lpm => KeyValue::Lpm(v, k.width),
                        exo_tables::MatchKind::Ternary => {
                            KeyValue::Ternary(v, crate::bits::mask(k.width))
                        }
                        exo_tables::MatchKind::Range => KeyValue::Range(v, v),
                        _ => KeyValue::Exact(v),
                    }
                })
                .collect();
            let Some(&action) = ct
                .actions
                .iter()
                .find(|a| prog.actions[**a as usize].name != "NoAction")
            else {
                continue;
            };
            let a = &prog.actions[action as usize];
            let args: Vec<u128> = a
                .data_params
                .iter()
                .enumerate()
                .map(|(i, &(_, w))| ((fi as u128 + i as u128) % 8 + 1) & crate::bits::mask(w))
                .collect();
            let name = ct.name.clone();
            let aname = a.name.clone();
            let _ = pipe.table_add(&name, &keys, &aname, &args, -(fi as i32));
            ex = Exec {
                p: &prog,
                st: &mut pipe.st,
                pk: &mut pk,
                last_direct_colour: 0,
            };
        }
    }
}

fn fill_tables(pipe: &mut Pipeline, args: &BenchArgs, rng: &mut Rng) {
    let prog = pipe.prog.clone();
    for ct in &prog.tables {
        let Some(&action) = ct
            .actions
            .iter()
            .find(|a| prog.actions[**a as usize].name != "NoAction")
        else {
            continue;
        };
        let a = &prog.actions[action as usize];
        let aname = a.name.clone();
        let nargs = a.data_params.len();
        let lpm = ct.keys.iter().any(|k| k.kind == exo_tables::MatchKind::Lpm);
        let ternary = ct
            .keys
            .iter()
            .any(|k| k.kind == exo_tables::MatchKind::Ternary);
        let masks: Vec<Vec<u128>> = (0..args.ternary_masks.max(1))
            .map(|_| {
                ct.keys
                    .iter()
                    .map(|k| {
                        crate::bits::mask(k.width)
                            & !((1u128 << (rng.next() % u64::from(k.width.max(1)))) - 1)
                    })
                    .collect()
            })
            .collect();
        let count = if lpm {
            args.lpm_fill
        } else if ternary {
            args.ternary_fill
        } else {
            0
        };
        for i in 0..count {
            let keys: Vec<KeyValue> = ct
                .keys
                .iter()
                .enumerate()
                .map(|(ki, k)| {
                    let v = (u128::from(rng.next()) << 64 | u128::from(rng.next()))
                        & crate::bits::mask(k.width);
                    match k.kind {
                        exo_tables::MatchKind::Lpm => {
                            let len = 8
                                + (rng.next() % u64::from(k.width.saturating_sub(7).max(1))) as u32;
                            let len = len.min(k.width);
                            let m = if len == 0 {
                                0
                            } else {
                                crate::bits::mask(len) << (k.width - len)
                            };
                            KeyValue::Lpm(v & m, len)
                        }
                        exo_tables::MatchKind::Ternary => {
                            let m = masks[i % masks.len()][ki];
                            KeyValue::Ternary(v & m, m)
                        }
                        exo_tables::MatchKind::Range => {
                            KeyValue::Range(0, crate::bits::mask(k.width))
                        }
                        _ => KeyValue::Exact(v),
                    }
                })
                .collect();
            let vals: Vec<u128> = (0..nargs).map(|j| (j as u128 + 1) & 0x7f).collect();
            let _ = pipe.table_add(&ct.name, &keys, &aname, &vals, (rng.next() % 1000) as i32);
        }
    }
}

/// Zipf(alpha) sampler over `n` ranks by inverse CDF (alpha 0 = uniform).
fn zipf_trace(n: usize, alpha: f64, len: usize, rng: &mut Rng) -> Vec<u32> {
    if alpha <= 0.0 {
        return (0..len).map(|_| (rng.next() % n as u64) as u32).collect();
    }
    let mut cdf = Vec::with_capacity(n);
    let mut acc = 0.0;
    for r in 1..=n {
        acc += 1.0 / (r as f64).powf(alpha);
        cdf.push(acc);
    }
    let total = acc;
    (0..len)
        .map(|_| {
            let u = rng.f64() * total;
            cdf.partition_point(|&c| c < u).min(n - 1) as u32
        })
        .collect()
}

/// Traffic laid out contiguously, as a NIC ring would hold it: packet `i` is
/// `buf[spans[i].0..spans[i].0 + spans[i].1]`.
pub struct Trace {
    pub buf: Vec<u8>,
    pub spans: Vec<(usize, usize)>,
}

impl Trace {
    fn push(&mut self, data: &[u8]) {
        self.spans.push((self.buf.len(), data.len()));
        self.buf.extend_from_slice(data);
    }

    pub fn packets(&self) -> usize {
        self.spans.len()
    }

    pub fn packet(&self, i: usize) -> &[u8] {
        let (o, l) = self.spans[i];
        &self.buf[o..o + l]
    }
}

/// Most packets `bench --pcap` loads.
pub const MAX_PCAP_PACKETS: usize = 1 << 22;

/// The packets of a pcap file (at most [`MAX_PCAP_PACKETS`]).
pub fn read_pcap(path: &std::path::Path) -> anyhow::Result<Trace> {
    // Pcap errors name the file and the offset.
    let mut r = exo_traffic::pcap::PcapReader::open(path)?;
    let mut t = Trace {
        buf: Vec::new(),
        spans: Vec::new(),
    };
    while let Some(rec) = r.next()? {
        if t.packets() == MAX_PCAP_PACKETS {
            break;
        }
        t.push(rec.data);
    }
    if t.packets() == 0 {
        anyhow::bail!("{}: no packets", path.display());
    }
    Ok(t)
}

/// Installs entries and generates the trace (everything but the measurement).
pub fn prepare(pipe: &mut Pipeline, args: &BenchArgs) -> anyhow::Result<Trace> {
    if let Some(n) = args.prefetch_min_entries {
        pipe.set_prefetch_min_entries(n);
    }
    let mut seed = args.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let pcap = match &args.pcap {
        Some(path) => Some(read_pcap(path)?),
        None => None,
    };
    let flows: Vec<Vec<u8>> = match &pcap {
        Some(t) => {
            let mut seen = std::collections::HashSet::new();
            (0..t.packets())
                .map(|i| t.packet(i))
                .filter(|p| seen.insert(*p))
                .take(args.flows.max(1))
                .map(<[u8]>::to_vec)
                .collect()
        }
        None => (0..args.flows.max(1))
            .map(|_| flow_packet(&mut seed, args.pkt_size))
            .collect(),
    };
    match &args.entries {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let filtered: String = text
                .lines()
                .filter(|l| {
                    let w = l.split_whitespace().next().unwrap_or("");
                    !matches!(w, "packet" | "expect")
                })
                .map(|l| format!("{l}\n"))
                .collect();
            let rep = crate::stf::run(pipe, &path.display().to_string(), &filtered)?;
            if !rep.passed() {
                anyhow::bail!("{}: {}", path.display(), rep.failures.join("; "));
            }
        }
        None => auto_entries(pipe, &flows),
    }
    let mut rng = Rng(seed);
    fill_tables(pipe, args, &mut rng);
    if let Some(t) = pcap {
        return Ok(t);
    }
    let trace_len = (args.flows * 2).clamp(1 << 16, 1 << 21);
    let order = zipf_trace(flows.len(), args.zipf, trace_len, &mut rng);
    let size = flows[0].len();
    let mut t = Trace {
        buf: Vec::with_capacity(order.len() * size),
        spans: Vec::with_capacity(order.len()),
    };
    for &i in &order {
        t.push(&flows[i as usize]);
    }
    Ok(t)
}

pub fn run(pipe: &mut Pipeline, args: &BenchArgs) -> anyhow::Result<BenchReport> {
    let trace = prepare(pipe, args)?;
    let cores = args.cores.clamp(1, 256);
    // The other cores' pipelines: the same program, entries and trace (prepare is seeded).
    let mut others = Vec::with_capacity(cores - 1);
    for _ in 1..cores {
        let mut p = Pipeline::new((*pipe.prog).clone())?;
        if pipe.prog.gen.is_none() {
            p = Pipeline::interpreted((*pipe.prog).clone())?;
        }
        prepare(&mut p, args)?;
        others.push(p);
    }
    let start_line = std::sync::Barrier::new(cores);
    // Read the process's CPUs before this thread pins itself below.
    crate::io::sys::allowed_cpus();
    let (first, rest) = std::thread::scope(|s| {
        let handles: Vec<_> = others
            .iter_mut()
            .enumerate()
            .map(|(i, p)| {
                let (trace, start_line) = (&trace, &start_line);
                s.spawn(move || {
                    crate::io::sys::pin_to_cpu(i + 1);
                    measure(p, trace, args, start_line)
                })
            })
            .collect();
        if cores > 1 {
            crate::io::sys::pin_to_cpu(0);
        }
        let first = measure(pipe, &trace, args, &start_line);
        let rest: Vec<CoreRun> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect();
        (first, rest)
    });
    let per_core: Vec<f64> = std::iter::once(&first)
        .chain(&rest)
        .map(|r| r.packets as f64 / r.seconds.max(1e-9) / 1e6)
        .collect();
    let packets: u64 = first.packets + rest.iter().map(|r| r.packets).sum::<u64>();
    let forwarded: u64 = first.forwarded + rest.iter().map(|r| r.forwarded).sum::<u64>();
    let secs = first.seconds;
    let mut lat = first.lat;
    lat.sort_unstable();
    let pct = |q: f64| {
        lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let tables = pipe
        .prog
        .tables
        .iter()
        .zip(&pipe.st.tables)
        .filter(|(_, rt)| !rt.table.is_empty())
        .map(|(ct, rt)| {
            (
                ct.name.clone(),
                rt.table.len(),
                rt.table.memory_bytes() as f64 / rt.table.len() as f64,
            )
        })
        .collect();
    Ok(BenchReport {
        program: args.program.display().to_string(),
        tier: if pipe.prog.gen.is_some() {
            "compiled"
        } else {
            "interpreter"
        },
        packets,
        seconds: secs,
        mpps: per_core.iter().sum(),
        // Per packet on one core.
        ns_per_packet: secs * 1e9 / first.packets.max(1) as f64,
        burst_p50_ns: pct(0.5),
        burst_p99_ns: pct(0.99),
        out_packets: forwarded,
        tables,
        per_core,
    })
}

/// What one core's measurement loop did.
#[derive(Default)]
struct CoreRun {
    packets: u64,
    forwarded: u64,
    seconds: f64,
    /// Time of each burst (ns), for the latency percentiles.
    lat: Vec<u64>,
}

/// Warms `pipe` up on `trace`, waits for the other cores, then processes bursts for
/// `args.seconds`.
fn measure(
    pipe: &mut Pipeline,
    trace: &Trace,
    args: &BenchArgs,
    start_line: &std::sync::Barrier,
) -> CoreRun {
    let order_len = trace.packets();
    let mut out = Outputs::new();
    let burst = args.burst.max(1);
    for i in 0..(order_len.min(1 << 14)) {
        out.clear();
        pipe.process(trace.packet(i), 1, 1, &mut out);
    }
    let mut lat = Vec::with_capacity(1 << 20);
    let mut batch = crate::pipeline::Batch::with_capacity(burst);
    let mut packets = 0u64;
    let mut forwarded = 0u64;
    start_line.wait();
    let start = Instant::now();
    let mut now_ns = 1_000_000_000u64;
    let mut pos = 0usize;
    let deadline = args.seconds.max(0.01);
    // One clock read per burst: a burst's end is the next one's start.
    let mut t0 = Instant::now();
    loop {
        batch.clear();
        for _ in 0..burst {
            batch.push(trace.packet(pos), 1);
            pos += 1;
            if pos == order_len {
                pos = 0;
            }
        }
        out.clear();
        pipe.process_batch(&batch, now_ns, &mut out);
        forwarded += out.len() as u64;
        let t1 = Instant::now();
        let dt = t1 - t0;
        t0 = t1;
        now_ns += dt.as_nanos() as u64;
        packets += burst as u64;
        if lat.len() < lat.capacity() {
            lat.push(dt.as_nanos() as u64);
        }
        if packets.is_multiple_of(burst as u64 * 256) && start.elapsed().as_secs_f64() >= deadline {
            break;
        }
    }
    CoreRun {
        packets,
        forwarded,
        seconds: start.elapsed().as_secs_f64(),
        lat,
    }
}
