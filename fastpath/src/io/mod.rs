//! Packet I/O: the run-to-completion loop between a packet backend and the engine.
//!
//! One narrow, burst-oriented trait ([`PacketIo`]) sits between the engine and every way packets
//! arrive and leave: in memory ([`mem`]), pcap files ([`pcap`]), AF_XDP sockets ([`afxdp`]) and
//! DPDK ports (`dpdk`, behind the `dpdk` feature). A backend hands received packets to the loop as
//! plain byte slices tagged with their P4 ingress port, and transmits the engine's outputs on
//! their egress ports; the buffers stay the backend's and are recycled when the burst is done.
//! A backend may instead lend its receive buffers for the burst ([`PacketIo::rx_burst_lent`],
//! DPDK does): the engine then parses and rewrites each packet where it lies, and a packet that
//! keeps its size leaves in its own buffer ([`OutPacket::in_input`]), never copied.
//!
//! [`run_core`] is one core's loop: it reads the clock once per burst, drains the control queue
//! (a lock-free `crossbeam-queue`) between bursts, processes the burst, transmits, and publishes
//! per-port counters with plain atomic stores. It allocates nothing per packet once the output
//! buffers are warm. Only [`afxdp`], [`sys`] and the DPDK module contain `unsafe` code (and
//! [`crate::pktbuf`], the lent buffers).

pub mod afxdp;
pub mod cli;
pub mod config;
#[cfg(feature = "dpdk")]
pub mod dpdk;
pub mod mem;
pub mod pcap;
pub mod sys;

use crate::pipeline::{OutPacket, Outputs, Pipeline};
pub use crate::pktbuf::LentBuf;
use crossbeam_queue::ArrayQueue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Packets per receive burst.
pub const BURST: usize = 32;

/// Largest burst the loop accepts (`LoopOptions::burst` is clamped to it).
pub const MAX_LOOP_BURST: usize = 1024;

/// P4 port numbers are `bit<9>`: 0..=511.
pub const MAX_PORTS: usize = 512;

/// I/O errors. Data-path ones are small and carry no allocation.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{0}")]
    Setup(String),
    #[error("{what}: {err}")]
    Os {
        what: &'static str,
        err: std::io::Error,
    },
    #[error(transparent)]
    Pcap(#[from] exo_traffic::pcap::PcapError),
    #[error("P4 port {0} appears twice in the port map")]
    DuplicatePort(u32),
    #[error("P4 port {0} is out of range (0..=511)")]
    PortRange(u32),
}

/// Per-port counters of one burst, indexed by the backend's port index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortCounts {
    pub rx: u64,
    pub tx: u64,
    /// Packets the pipeline dropped (counted on their ingress port) plus packets that could not be
    /// transmitted (ring full, no buffer; counted on their egress port).
    pub drop: u64,
}

/// P4 port -> index of the backend port that transmits it.
#[derive(Clone, Debug)]
pub struct PortMap {
    ports: Vec<u32>,
    idx: Vec<u16>,
}

impl PortMap {
    pub fn new(ports: &[u32]) -> Result<PortMap, IoError> {
        check_ports(ports)?;
        Ok(PortMap {
            ports: ports.to_vec(),
            idx: port_index(ports),
        })
    }

    /// The served P4 ports; a port's position is its index in the counters.
    pub fn ports(&self) -> &[u32] {
        &self.ports
    }

    #[inline]
    pub fn index(&self, port: u32) -> Option<usize> {
        match self.idx.get(port as usize) {
            Some(&i) if i != u16::MAX => Some(i as usize),
            _ => None,
        }
    }

    /// Benchmarks with generated entries: outputs to a port nobody serves go to the served port
    /// of index `port mod n` instead of being dropped.
    pub fn fold_unserved(&mut self) {
        let n = self.ports.len();
        if n == 0 {
            return;
        }
        for (p, slot) in self.idx.iter_mut().enumerate() {
            if *slot == u16::MAX {
                *slot = (p % n) as u16;
            }
        }
    }
}

/// A packet backend: receives bursts of plain byte buffers and transmits output packets.
pub trait PacketIo {
    /// The ports this backend serves (P4 port -> counter index).
    fn port_map(&self) -> &PortMap;

    /// Mutable access, to fold unserved ports in benchmarks.
    fn port_map_mut(&mut self) -> &mut PortMap;

    /// The P4 port numbers this backend serves; a port's index in this slice is its index in
    /// the counters.
    fn ports(&self) -> &[u32] {
        self.port_map().ports()
    }

    /// Receives at most `max` packets, calling `sink(p4_port, bytes)` for each one. The buffers
    /// are recycled (given back to the kernel, the NIC or the pool) before this returns, or
    /// reused as transmit buffers by the following `tx_burst` (DPDK).
    fn rx_burst<F: FnMut(u32, &[u8])>(&mut self, max: usize, sink: F) -> Result<usize, IoError>;

    /// [`PacketIo::rx_burst`] lending the receive buffers it can ([`RxBuf::Lent`]): the
    /// processor may then rewrite a packet where it lies, and the following
    /// [`PacketIo::tx_burst_from`] must send the outputs marked [`OutPacket::in_input`] in
    /// their input's buffer. The default lends nothing.
    fn rx_burst_lent<F: FnMut(u32, RxBuf<'_>)>(
        &mut self,
        max: usize,
        mut sink: F,
    ) -> Result<usize, IoError> {
        self.rx_burst(max, |port, data| sink(port, RxBuf::Bytes(data)))
    }

    /// Transmits every packet on its port (`OutPacket::port` is a P4 port). A packet whose port
    /// this backend does not serve is dropped and returned in the count; a packet that cannot be
    /// sent (ring full, no buffer) is dropped and counted in `counts[port index].drop`.
    fn tx_burst(&mut self, pkts: &[OutPacket], counts: &mut [PortCounts]) -> Result<u64, IoError>;

    /// [`PacketIo::tx_burst`] knowing, for each packet, the index in the last received burst
    /// of the input it came from ([`Outputs::origins`]): a backend may then send an output in
    /// its input's own buffer.
    fn tx_burst_from(
        &mut self,
        pkts: &[OutPacket],
        origins: &[u32],
        counts: &mut [PortCounts],
    ) -> Result<u64, IoError> {
        let _ = origins;
        self.tx_burst(pkts, counts)
    }

    /// The CPU this backend's loop must run on, where the backend decides it (DPDK: the CPU of
    /// the EAL lcore with the loop's number, so that `-l`/`--lcores` place the loops); `None`
    /// lets [`cli::run_cores`] put loop i on the process's i-th CPU.
    fn cpu(&self) -> Option<usize> {
        None
    }

    /// Called on the core's thread before its loop starts (DPDK registers the thread as an lcore
    /// so that mempool caches work) and after it ends.
    fn thread_start(&mut self) {}
    fn thread_end(&mut self) {}

    /// Called after an empty burst: a backend may wait briefly for traffic here (without busy
    /// spinning), or reap transmit completions.
    fn idle(&mut self) {}

    /// True once a finite source (a pcap replay) has delivered everything.
    fn finished(&self) -> bool {
        false
    }

    /// Flushes buffered output (pcap capture files).
    fn flush(&mut self) -> Result<(), IoError> {
        Ok(())
    }
}

/// One received packet: bytes to copy, or a buffer lent until the burst's transmit.
pub enum RxBuf<'a> {
    Bytes(&'a [u8]),
    Lent(LentBuf),
}

/// What the loop runs on each packet: the engine, or the empty pipeline that measures the I/O
/// ceiling.
pub trait Processor {
    fn process(&mut self, data: &[u8], in_port: u32, now_ns: u64, out: &mut Outputs);

    /// Takes one packet of a burst (its receive buffer lives only during the call). The
    /// default processes it at once; the engine copies it in and waits for [`Processor::flush`]
    /// to process the whole burst (parsing ahead and prefetching table entries).
    #[inline]
    fn stage(&mut self, data: &[u8], in_port: u32, now_ns: u64, out: &mut Outputs) {
        self.process(data, in_port, now_ns, out)
    }

    /// Takes a packet whose receive buffer is lent until the burst is transmitted: the
    /// processor may rewrite it there and send it as is with [`Outputs::push_input`]. The
    /// default copies it, as [`Processor::stage`].
    ///
    /// # Safety
    /// `buf` must stay valid until the following [`Processor::flush`] returns, and the
    /// outputs go to the backend that lent it.
    #[inline]
    #[allow(unsafe_code)]
    unsafe fn stage_lent(&mut self, buf: LentBuf, in_port: u32, now_ns: u64, out: &mut Outputs) {
        // SAFETY: the buffer is valid during this call (the caller's contract).
        self.stage(unsafe { buf.bytes() }, in_port, now_ns, out)
    }

    /// Processes what [`Processor::stage`] kept. Outputs carry their input's index in the
    /// burst ([`Outputs::origins`]).
    #[inline]
    fn flush(&mut self, _now_ns: u64, _out: &mut Outputs) {}
}

impl Processor for Pipeline {
    #[inline]
    fn process(&mut self, data: &[u8], in_port: u32, now_ns: u64, out: &mut Outputs) {
        Pipeline::process(self, data, in_port, now_ns, out)
    }

    #[inline]
    fn stage(&mut self, data: &[u8], in_port: u32, _now_ns: u64, _out: &mut Outputs) {
        Pipeline::stage(self, data, in_port)
    }

    #[inline]
    #[allow(unsafe_code)]
    unsafe fn stage_lent(&mut self, buf: LentBuf, in_port: u32, _now_ns: u64, _out: &mut Outputs) {
        // SAFETY: the caller's contract is the pipeline's (valid until flush returns).
        unsafe { Pipeline::stage_lent(self, buf, in_port) }
    }

    #[inline]
    fn flush(&mut self, now_ns: u64, out: &mut Outputs) {
        Pipeline::process_staged(self, now_ns, out)
    }
}

/// The empty pipeline: every packet leaves unchanged on a fixed port chosen by its ingress port
/// (by default the port it came in on). It copies the packet into the outputs exactly as the
/// engine does, or sends a lent receive buffer as it is, as the engine does when the headers
/// keep their size, so the difference with a real program is the program's own cost.
#[derive(Clone, Debug)]
pub struct Passthrough {
    to: Vec<u32>,
}

impl Passthrough {
    /// Sends every packet back out on its ingress port.
    pub fn echo() -> Passthrough {
        Passthrough {
            to: (0..MAX_PORTS as u32).collect(),
        }
    }

    /// Sends packets of `from` to `to`.
    pub fn map(mut self, from: u32, to: u32) -> Passthrough {
        if let Some(slot) = self.to.get_mut(from as usize) {
            *slot = to;
        }
        self
    }
}

impl Processor for Passthrough {
    #[inline]
    fn process(&mut self, data: &[u8], in_port: u32, _now_ns: u64, out: &mut Outputs) {
        let port = self.to.get(in_port as usize).copied().unwrap_or(in_port);
        out.push(port, data, &[]);
    }

    /// A lent buffer leaves as it came, uncopied.
    #[inline]
    #[allow(unsafe_code)]
    unsafe fn stage_lent(&mut self, _buf: LentBuf, in_port: u32, _now_ns: u64, out: &mut Outputs) {
        let port = self.to.get(in_port as usize).copied().unwrap_or(in_port);
        out.push_input(port);
    }
}

/// A control message into one core's data path.
pub enum Control<P> {
    /// Leave the loop after the current burst.
    Stop,
    /// Run a closure on the processor between two bursts (table updates, register reads).
    Apply(Box<dyn FnOnce(&mut P) + Send>),
}

/// The control queue of one core.
pub struct ControlQueue<P> {
    q: ArrayQueue<Control<P>>,
}

impl<P> ControlQueue<P> {
    pub fn new(capacity: usize) -> Arc<ControlQueue<P>> {
        Arc::new(ControlQueue {
            q: ArrayQueue::new(capacity.max(1)),
        })
    }

    /// Queues a message; gives it back when the queue is full.
    pub fn send(&self, msg: Control<P>) -> Result<(), Control<P>> {
        self.q.push(msg)
    }

    /// Asks the core to stop (retries while the queue is full).
    pub fn stop(&self) {
        let mut m = Control::Stop;
        while let Err(back) = self.q.push(m) {
            m = back;
            std::thread::yield_now();
        }
    }
}

/// Counters of one core, written by its loop (single writer, relaxed stores) and read by the
/// reporter.
#[derive(Debug)]
pub struct CoreStats {
    pub ports: Vec<u32>,
    rx: Vec<AtomicU64>,
    tx: Vec<AtomicU64>,
    drop: Vec<AtomicU64>,
    /// Outputs to a port no backend serves.
    pub unrouted: AtomicU64,
    pub bursts: AtomicU64,
}

impl CoreStats {
    pub fn new(ports: &[u32]) -> Arc<CoreStats> {
        let z = || ports.iter().map(|_| AtomicU64::new(0)).collect::<Vec<_>>();
        Arc::new(CoreStats {
            ports: ports.to_vec(),
            rx: z(),
            tx: z(),
            drop: z(),
            unrouted: AtomicU64::new(0),
            bursts: AtomicU64::new(0),
        })
    }

    /// Current counters per port index.
    pub fn snapshot(&self) -> Vec<PortCounts> {
        (0..self.ports.len())
            .map(|i| PortCounts {
                rx: self.rx[i].load(Ordering::Relaxed),
                tx: self.tx[i].load(Ordering::Relaxed),
                drop: self.drop[i].load(Ordering::Relaxed),
            })
            .collect()
    }

    fn publish(&self, c: &[PortCounts], unrouted: u64, bursts: u64) {
        for (i, c) in c.iter().enumerate() {
            self.rx[i].store(c.rx, Ordering::Relaxed);
            self.tx[i].store(c.tx, Ordering::Relaxed);
            self.drop[i].store(c.drop, Ordering::Relaxed);
        }
        self.unrouted.store(unrouted, Ordering::Relaxed);
        self.bursts.store(bursts, Ordering::Relaxed);
    }
}

/// Totals of one loop run.
#[derive(Clone, Debug, Default)]
pub struct LoopReport {
    pub ports: Vec<u32>,
    pub counts: Vec<PortCounts>,
    pub unrouted: u64,
    pub seconds: f64,
}

impl LoopReport {
    pub fn rx(&self) -> u64 {
        self.counts.iter().map(|c| c.rx).sum()
    }
    pub fn tx(&self) -> u64 {
        self.counts.iter().map(|c| c.tx).sum()
    }
    pub fn drops(&self) -> u64 {
        self.counts.iter().map(|c| c.drop).sum::<u64>() + self.unrouted
    }
    /// Received packets per second, in millions.
    pub fn mpps(&self) -> f64 {
        if self.seconds > 0.0 {
            self.rx() as f64 / self.seconds / 1e6
        } else {
            0.0
        }
    }
}

/// Options of one core's loop.
#[derive(Clone, Debug)]
pub struct LoopOptions {
    pub burst: usize,
    /// Stop after this long (benchmarks); `None` runs until stopped or the source ends.
    pub duration: Option<std::time::Duration>,
    /// Stop after this many received packets.
    pub max_packets: Option<u64>,
    /// Stop after this many consecutive empty bursts once at least one packet was seen (tests).
    pub idle_stop: Option<u64>,
}

impl Default for LoopOptions {
    fn default() -> LoopOptions {
        LoopOptions {
            burst: BURST,
            duration: None,
            max_packets: None,
            idle_stop: None,
        }
    }
}

/// Port number -> index in the backend's port list (`u16::MAX`: not served).
fn port_index(ports: &[u32]) -> Vec<u16> {
    let mut idx = vec![u16::MAX; MAX_PORTS];
    for (i, &p) in ports.iter().enumerate() {
        if let Some(slot) = idx.get_mut(p as usize) {
            *slot = i as u16;
        }
    }
    idx
}

/// Checks a port list: every port in range, none twice.
pub fn check_ports(ports: &[u32]) -> Result<(), IoError> {
    let mut seen = [false; MAX_PORTS];
    for &p in ports {
        let s = seen.get_mut(p as usize).ok_or(IoError::PortRange(p))?;
        if *s {
            return Err(IoError::DuplicatePort(p));
        }
        *s = true;
    }
    Ok(())
}

/// One core's run-to-completion loop: receive a burst, process it at one `now`, transmit,
/// publish counters; control messages are handled between bursts. `clock` is the shared
/// epoch of `now` (nanoseconds since it).
pub fn run_core<B: PacketIo, P: Processor>(
    io: &mut B,
    proc: &mut P,
    ctl: &ControlQueue<P>,
    stats: &CoreStats,
    clock: Instant,
    opts: &LoopOptions,
) -> Result<LoopReport, IoError> {
    let ports = io.ports().to_vec();
    let idx = port_index(&ports);
    let mut counts = vec![PortCounts::default(); ports.len()];
    let mut out = Outputs::new();
    io.thread_start();
    let start = Instant::now();
    let r = core_loop(
        io,
        proc,
        ctl,
        stats,
        clock,
        opts,
        &idx,
        &mut counts,
        &mut out,
    );
    io.thread_end();
    let (unrouted, bursts) = r?;
    let seconds = start.elapsed().as_secs_f64();
    io.flush()?;
    stats.publish(&counts, unrouted, bursts);
    Ok(LoopReport {
        ports,
        counts,
        unrouted,
        seconds,
    })
}

#[allow(clippy::too_many_arguments)]
fn core_loop<B: PacketIo, P: Processor>(
    io: &mut B,
    proc: &mut P,
    ctl: &ControlQueue<P>,
    stats: &CoreStats,
    clock: Instant,
    opts: &LoopOptions,
    idx: &[u16],
    counts: &mut [PortCounts],
    out: &mut Outputs,
) -> Result<(u64, u64), IoError> {
    let mut unrouted = 0u64;
    let mut bursts = 0u64;
    let mut received = 0u64;
    let mut idle_run = 0u64;
    let burst = opts.burst.clamp(1, MAX_LOOP_BURST);
    let deadline = opts.duration.map(|d| Instant::now() + d);
    let mut in_ports = [0u32; MAX_LOOP_BURST];
    let mut produced = [false; MAX_LOOP_BURST];
    'outer: loop {
        let mut applied = false;
        while let Some(msg) = ctl.q.pop() {
            match msg {
                Control::Stop => break 'outer,
                Control::Apply(f) => {
                    f(proc);
                    applied = true;
                }
            }
        }
        let now = clock.elapsed().as_nanos() as u64;
        if applied {
            // Packets a control message staged (a controller's packet-out) go out now: the
            // burst below must start with an empty queue, as its outputs' origins index it.
            out.clear();
            proc.flush(now, out);
            if !out.is_empty() {
                unrouted += io.tx_burst(out.as_slice(), counts)?;
            }
        }
        out.clear();
        let mut k = 0usize;
        let n = io.rx_burst_lent(burst, |port, data| {
            out.set_origin(k as u32);
            match data {
                RxBuf::Bytes(b) => proc.stage(b, port, now, out),
                // SAFETY: a lent buffer is valid until this burst's transmit below, after
                // `flush`; the outputs go back to the backend that lent it.
                #[allow(unsafe_code)]
                RxBuf::Lent(b) => unsafe { proc.stage_lent(b, port, now, out) },
            }
            if let Some(slot) = in_ports.get_mut(k) {
                *slot = port;
            }
            k += 1;
            if let Some(c) = idx
                .get(port as usize)
                .and_then(|&i| counts.get_mut(i as usize))
            {
                c.rx += 1;
            }
        })?;
        proc.flush(now, out);
        // Inputs that produced no output were dropped by the pipeline: count them on their
        // ingress port (usually every input has its one output, and there is nothing to do).
        let k = k.min(in_ports.len());
        if !out.one_each(k) {
            produced[..k].fill(false);
            for &o in out.origins() {
                if let Some(p) = produced.get_mut(o as usize) {
                    *p = true;
                }
            }
            for (&port, _) in in_ports[..k]
                .iter()
                .zip(&produced[..k])
                .filter(|(_, p)| !**p)
            {
                if let Some(c) = idx
                    .get(port as usize)
                    .and_then(|&i| counts.get_mut(i as usize))
                {
                    c.drop += 1;
                }
            }
        }
        if n == 0 {
            if io.finished() {
                break;
            }
            idle_run += 1;
            if opts
                .idle_stop
                .is_some_and(|m| received > 0 && idle_run >= m)
            {
                break;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            io.idle();
            continue;
        }
        idle_run = 0;
        received += n as u64;
        if !out.is_empty() {
            unrouted += io.tx_burst_from(out.as_slice(), out.origins(), counts)?;
        }
        bursts += 1;
        stats.publish(counts, unrouted, bursts);
        if opts.max_packets.is_some_and(|m| received >= m) {
            break;
        }
        // Checking the deadline costs a clock read: do it every 64 bursts.
        if bursts.is_multiple_of(64) && deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
    }
    Ok((unrouted, bursts))
}

/// Installs a program's entries from STF `add` / `setdefault` lines (other commands of an STF
/// file, `packet` and `expect`, are ignored), the way `exo-fastpath bench --entries` does.
pub fn load_entries(pipe: &mut Pipeline, path: &std::path::Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    load_entries_str(pipe, &path.display().to_string(), &text)
}

/// [`load_entries`] from text.
pub fn load_entries_str(pipe: &mut Pipeline, name: &str, text: &str) -> anyhow::Result<()> {
    let filtered: String = text
        .lines()
        .filter(|l| {
            let w = l.split_whitespace().next().unwrap_or("");
            !matches!(w, "packet" | "expect")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let rep = crate::stf::run(pipe, name, &filtered)?;
    if !rep.passed() {
        anyhow::bail!("{name}: {}", rep.failures.join("; "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_checks() {
        assert!(check_ports(&[0, 1, 511]).is_ok());
        assert!(matches!(
            check_ports(&[1, 1]),
            Err(IoError::DuplicatePort(1))
        ));
        assert!(matches!(check_ports(&[512]), Err(IoError::PortRange(512))));
    }

    #[test]
    fn passthrough_maps_ports() {
        let mut p = Passthrough::echo().map(1, 2);
        let mut out = Outputs::new();
        p.process(&[1, 2, 3], 1, 0, &mut out);
        p.process(&[4], 7, 0, &mut out);
        assert_eq!(out.as_slice()[0].port, 2);
        assert_eq!(out.as_slice()[1].port, 7);
        assert_eq!(out.as_slice()[1].data, vec![4]);
    }
}
