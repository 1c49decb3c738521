//! DPDK backend (feature `dpdk`): ports of the system DPDK through `exo-dpdk-sys`.
//!
//! [`Dpdk::init`] runs the EAL with the configured arguments (e.g. `--no-huge`,
//! `--vdev=net_null0`), sets up every port with one RX and one TX queue per core and one mbuf
//! pool per core, and starts them; dropping it stops and closes the ports and cleans the EAL up.
//! A core's [`DpdkIo`] receives bursts with `rte_eth_rx_burst` and lends each single-segment
//! mbuf's data to the pipeline ([`RxBuf::Lent`]), which parses and rewrites the packet where it
//! lies; an output that is that rewritten buffer ([`OutPacket::in_input`]) leaves in its mbuf,
//! untouched since (as testpmd's io forwarding sends what it received). Other outputs go in
//! the mbuf of the input they came from when it is still free and has their length (their
//! bytes copied over the received ones), or in a fresh mbuf (multicast copies, clones,
//! resized packets); received mbufs left over are freed. Segmented packets are copied whole
//! for the pipeline, and indirect or shared mbufs read, never written.
#![allow(unsafe_code)]

use super::{IoError, LentBuf, PacketIo, PortCounts, PortMap, RxBuf};
use crate::pipeline::OutPacket;
use exo_dpdk_sys as sys;
use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};

const RX_DESC: u16 = 1024;
const TX_DESC: u16 = 1024;
const MAX_BURST: usize = 256;

/// States of a received mbuf at transmit (`DpdkIo::used`).
const FREE: u8 = 0;
const RESERVED: u8 = 1;
const USED: u8 = 2;

/// Largest segmented packet taken (longer ones reach the pipeline empty, and are dropped).
const SCRATCH: usize = 16 * 1024;

static EAL_STARTED: AtomicBool = AtomicBool::new(false);

fn rte_error(what: &str) -> IoError {
    // SAFETY: both calls only read DPDK's per-thread errno and a static string table.
    let msg = unsafe {
        let e = sys::exo_errno();
        CStr::from_ptr(sys::exo_strerror(e))
            .to_string_lossy()
            .into_owned()
    };
    IoError::Setup(format!("DPDK {what}: {msg}"))
}

/// The initialised EAL and the started ports.
pub struct Dpdk {
    /// The EAL's runtime directory, removed on drop.
    runtime_dir: std::path::PathBuf,
    ports: Vec<u16>,
    pools: Vec<*mut sys::rte_mempool>,
    /// The CPU of each EAL lcore, in lcore order (the `-l`/`--lcores` list).
    lcore_cpus: Vec<usize>,
}

// SAFETY: the mempools are thread-safe DPDK objects; Dpdk only hands their pointers to DpdkIo
// values, each used by one core.
unsafe impl Send for Dpdk {}
unsafe impl Sync for Dpdk {}

impl Dpdk {
    /// Initialises the EAL with `eal_args` (once per process) and starts `ports` with `queues`
    /// queue pairs and a pool of `mbufs` mbufs per queue.
    pub fn init(
        eal_args: &[String],
        ports: &[u16],
        queues: u16,
        mbufs: u32,
    ) -> Result<Dpdk, IoError> {
        if EAL_STARTED.swap(true, Ordering::SeqCst) {
            return Err(IoError::Setup(
                "the DPDK EAL can be initialised only once per process".into(),
            ));
        }
        let mut args: Vec<CString> = vec![CString::new("exo-fastpath").unwrap_or_default()];
        for a in eal_args {
            args.push(
                CString::new(a.as_str())
                    .map_err(|_| IoError::Setup(format!("EAL argument {a:?} contains NUL")))?,
            );
        }
        let mut argv: Vec<*mut libc::c_char> = args
            .iter()
            .map(|a| a.as_ptr() as *mut libc::c_char)
            .collect();
        argv.push(std::ptr::null_mut());
        // The EAL pins this thread to its first lcore and the loops' threads would inherit that
        // one CPU: remember the process's CPUs first, for `pin_to_cpu`.
        super::sys::allowed_cpus();
        // SAFETY: argv is a NULL-terminated array of valid C strings that outlive the call (the
        // EAL may keep pointers to them: `args` is leaked below for that reason).
        let r = unsafe { sys::rte_eal_init(args.len() as i32, argv.as_mut_ptr()) };
        std::mem::forget(args);
        if r < 0 {
            return Err(IoError::Setup(format!(
                "DPDK EAL initialisation failed ({}) with arguments [{}]",
                rte_error("EAL")
                    .to_string()
                    .trim_start_matches("DPDK EAL: "),
                eal_args.join(" ")
            )));
        }
        let prefix = eal_args
            .iter()
            .enumerate()
            .find_map(|(i, a)| {
                a.strip_prefix("--file-prefix=")
                    .map(str::to_string)
                    .or_else(|| (a == "--file-prefix").then(|| eal_args.get(i + 1).cloned())?)
            })
            .unwrap_or_else(|| "rte".into());
        let mut d = Dpdk {
            runtime_dir: std::path::Path::new("/var/run/dpdk").join(prefix),
            ports: Vec::new(),
            pools: Vec::new(),
            lcore_cpus: lcore_cpus(),
        };
        // SAFETY: the EAL is initialised.
        let avail = unsafe { sys::rte_eth_dev_count_avail() };
        for q in 0..queues {
            let name = CString::new(format!("exo_pool_{q}")).unwrap_or_default();
            // SAFETY: valid name; sizes within DPDK's limits; socket -1 (any).
            let pool = unsafe {
                sys::rte_pktmbuf_pool_create(
                    name.as_ptr(),
                    mbufs.max(2048),
                    256,
                    0,
                    sys::RTE_MBUF_DEFAULT_BUF_SIZE as u16,
                    -1,
                )
            };
            if pool.is_null() {
                return Err(rte_error("creating the mbuf pool"));
            }
            d.pools.push(pool);
        }
        for &port in ports {
            // SAFETY: plain query.
            if unsafe { sys::rte_eth_dev_is_valid_port(port) } == 0 {
                return Err(IoError::Setup(format!(
                    "DPDK port {port} does not exist ({avail} port(s) available; add devices with --vdev or -a)"
                )));
            }
            let conf: sys::rte_eth_conf = Default::default();
            // SAFETY: valid port; `conf` is a zeroed default configuration.
            let r = unsafe { sys::rte_eth_dev_configure(port, queues, queues, &conf) };
            if r < 0 {
                return Err(IoError::Setup(format!(
                    "DPDK port {port}: configuring {queues} queue(s) failed ({r})"
                )));
            }
            for q in 0..queues {
                // SAFETY: configured port, queue in range, pool valid; NULL = default conf.
                let r = unsafe {
                    sys::rte_eth_rx_queue_setup(
                        port,
                        q,
                        RX_DESC,
                        sys::rte_eth_dev_socket_id(port) as u32,
                        std::ptr::null(),
                        d.pools[q as usize],
                    )
                };
                if r < 0 {
                    return Err(IoError::Setup(format!(
                        "DPDK port {port}: RX queue {q} setup failed ({r})"
                    )));
                }
                // SAFETY: as above.
                let r = unsafe {
                    sys::rte_eth_tx_queue_setup(
                        port,
                        q,
                        TX_DESC,
                        sys::rte_eth_dev_socket_id(port) as u32,
                        std::ptr::null(),
                    )
                };
                if r < 0 {
                    return Err(IoError::Setup(format!(
                        "DPDK port {port}: TX queue {q} setup failed ({r})"
                    )));
                }
            }
            // SAFETY: configured port.
            let r = unsafe { sys::rte_eth_dev_start(port) };
            if r < 0 {
                return Err(IoError::Setup(format!(
                    "DPDK port {port}: start failed ({r})"
                )));
            }
            d.ports.push(port);
            // SAFETY: started port; failure (unsupported) is harmless.
            unsafe { sys::rte_eth_promiscuous_enable(port) };
        }
        Ok(d)
    }

    /// The name of a port (e.g. `net_null0`).
    pub fn port_name(port: u16) -> String {
        let mut buf = [0 as libc::c_char; 64];
        // SAFETY: `buf` has room for RTE_ETH_NAME_MAX_LEN (64) bytes.
        let r = unsafe { sys::rte_eth_dev_get_name_by_port(port, buf.as_mut_ptr()) };
        if r != 0 {
            return format!("port{port}");
        }
        // SAFETY: DPDK wrote a NUL-terminated name.
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    /// The CPU of each EAL lcore, in lcore order: loop `i` runs on the i-th (see
    /// [`DpdkIo`]'s `cpu`).
    pub fn lcore_cpus(&self) -> &[usize] {
        &self.lcore_cpus
    }

    /// The backend of core `queue`: ports `map` (P4 port, DPDK port) on queue pair `queue`.
    pub fn core_io(&self, map: &[(u32, u16)], queue: u16) -> Result<DpdkIo, IoError> {
        let ports: Vec<u32> = map.iter().map(|m| m.0).collect();
        let pmap = PortMap::new(&ports)?;
        for m in map {
            if !self.ports.contains(&m.1) {
                return Err(IoError::Setup(format!("DPDK port {} was not started", m.1)));
            }
        }
        let pool = *self
            .pools
            .get(queue as usize)
            .ok_or_else(|| IoError::Setup(format!("no DPDK queue {queue}")))?;
        Ok(DpdkIo {
            map: pmap,
            devs: map.iter().map(|m| m.1).collect(),
            queue,
            pool,
            rx: vec![std::ptr::null_mut(); MAX_BURST],
            rx_data: vec![std::ptr::null_mut(); MAX_BURST],
            rx_len: vec![0; MAX_BURST],
            rx_flags: vec![0; MAX_BURST],
            scratch: vec![0; SCRATCH],
            used: [FREE; MAX_BURST],
            held: Vec::with_capacity(MAX_BURST),
            txq: map.iter().map(|_| Vec::with_capacity(MAX_BURST)).collect(),
            next: 0,
            cpu: self.lcore_cpus.get(queue as usize).copied(),
        })
    }
}

impl Drop for Dpdk {
    fn drop(&mut self) {
        for &p in &self.ports {
            // SAFETY: started ports, stopped and closed once.
            unsafe {
                sys::rte_eth_dev_stop(p);
                sys::rte_eth_dev_close(p);
            }
        }
        // The pools are left to the EAL cleanup (mbufs may still sit in device rings until the
        // ports are closed, which happened above).
        // SAFETY: no DPDK call follows in this process.
        unsafe { sys::rte_eal_cleanup() };
        // The EAL leaves its runtime files (config, mp socket) behind; they are ours.
        let _ = std::fs::remove_dir_all(&self.runtime_dir);
    }
}

/// The CPU of each enabled EAL lcore, in lcore order (empty before the EAL is up).
fn lcore_cpus() -> Vec<usize> {
    // SAFETY: plain queries of the initialised EAL's lcore configuration.
    unsafe {
        let n = sys::rte_lcore_count();
        let mut cpus = Vec::with_capacity(n as usize);
        let mut i = sys::rte_get_next_lcore(u32::MAX, 0, 0);
        for _ in 0..n {
            let cpu = sys::rte_lcore_to_cpu_id(i as i32);
            if let Ok(c) = usize::try_from(cpu) {
                cpus.push(c);
            }
            i = sys::rte_get_next_lcore(i, 0, 0);
        }
        cpus
    }
}

/// One core's DPDK ports.
pub struct DpdkIo {
    map: PortMap,
    devs: Vec<u16>,
    queue: u16,
    pool: *mut sys::rte_mempool,
    rx: Vec<*mut sys::rte_mbuf>,
    /// Data pointer, length and flags (`EXO_RX_*`) of each received mbuf (`rx`'s order).
    rx_data: Vec<*mut u8>,
    rx_len: Vec<u16>,
    rx_flags: Vec<u8>,
    /// Where a segmented packet is copied whole ([`SCRATCH`] bytes).
    scratch: Vec<u8>,
    /// Per received mbuf of the last burst: [`FREE`], [`RESERVED`] for the output that is
    /// the rewritten mbuf itself, or [`USED`] (an output goes out in it).
    used: [u8; MAX_BURST],
    /// Received mbufs kept for reuse as transmit buffers.
    held: Vec<*mut sys::rte_mbuf>,
    /// Per port: mbufs to send.
    txq: Vec<Vec<*mut sys::rte_mbuf>>,
    next: usize,
    /// The CPU of the EAL lcore with this queue's number, if there is one.
    cpu: Option<usize>,
}

// SAFETY: the mbufs a DpdkIo holds are owned by it; its queue pair is used by no other core.
unsafe impl Send for DpdkIo {}

impl DpdkIo {
    /// Receives a burst from the ports in turn, calling `sink(p4_port, packet)` for each
    /// mbuf: lent when `lend` and the mbuf's data may be used in place, its data otherwise (a
    /// segmented packet copied whole into a scratch buffer first). The mbufs are held until
    /// the next transmit.
    #[inline(always)]
    fn receive<F: FnMut(u32, RxBuf<'_>)>(
        &mut self,
        max: usize,
        lend: bool,
        mut sink: F,
    ) -> Result<usize, IoError> {
        self.free_held();
        let k = self.devs.len();
        let max = max.min(MAX_BURST);
        let mut total = 0;
        for j in 0..k {
            if total >= max {
                break;
            }
            let i = (self.next + j) % k;
            // SAFETY: `rx`, `rx_data`, `rx_len` and `rx_flags` have room for `max - total`
            // entries from index `total` (all four are MAX_BURST long).
            let n = unsafe {
                sys::exo_rx_burst_view(
                    self.devs[i],
                    self.queue,
                    self.rx.as_mut_ptr().add(total),
                    (max - total) as u16,
                    self.rx_data.as_mut_ptr().add(total),
                    self.rx_len.as_mut_ptr().add(total),
                    self.rx_flags.as_mut_ptr().add(total),
                )
            } as usize;
            let port = self.map.ports()[i];
            for m in total..total + n {
                let (d, len, f) = (
                    self.rx_data[m],
                    usize::from(self.rx_len[m]),
                    u32::from(self.rx_flags[m]),
                );
                let pkt = match std::ptr::NonNull::new(d) {
                    // SAFETY: the mbuf is ours until the next tx_burst_from sends or frees it;
                    // its only segment holds `len` data bytes at `d`, which nothing else
                    // references (direct mbuf, reference count 1).
                    Some(p) if lend && f & sys::EXO_RX_OWN != 0 => {
                        RxBuf::Lent(unsafe { LentBuf::new(p, len) })
                    }
                    // SAFETY: a received mbuf's only segment holds `len` bytes at `d` until the
                    // mbuf is freed (after the sink returns).
                    Some(_) if f & sys::EXO_RX_SINGLE != 0 => {
                        RxBuf::Bytes(unsafe { std::slice::from_raw_parts(d, len) })
                    }
                    _ => {
                        // SAFETY: `scratch` has room for its length; the mbuf is ours.
                        let r = unsafe {
                            sys::exo_pktmbuf_read_all(
                                self.rx[m],
                                self.scratch.as_mut_ptr(),
                                self.scratch.len() as u32,
                            )
                        };
                        // Longer than any frame we take: given as empty (the parser rejects it).
                        RxBuf::Bytes(&self.scratch[..usize::try_from(r).unwrap_or(0)])
                    }
                };
                sink(port, pkt);
            }
            total += n;
        }
        self.next = (self.next + 1) % k.max(1);
        self.held.extend_from_slice(&self.rx[..total]);
        Ok(total)
    }

    fn free_held(&mut self) {
        if !self.held.is_empty() {
            // SAFETY: every held mbuf is owned by us and freed once.
            unsafe { sys::exo_pktmbuf_free_bulk(self.held.as_mut_ptr(), self.held.len() as u32) };
            self.held.clear();
        }
    }
}

impl Drop for DpdkIo {
    fn drop(&mut self) {
        self.free_held();
    }
}

impl PacketIo for DpdkIo {
    fn port_map(&self) -> &PortMap {
        &self.map
    }

    fn port_map_mut(&mut self) -> &mut PortMap {
        &mut self.map
    }

    fn cpu(&self) -> Option<usize> {
        self.cpu
    }

    fn thread_start(&mut self) {
        // SAFETY: registers the calling thread as a DPDK lcore (a no-op for an EAL thread), so
        // that the mempool's per-lcore cache serves it instead of the shared ring.
        if unsafe { sys::rte_thread_register() } != 0 {
            eprintln!(
                "{}; this loop runs without the mbuf pool's per-lcore cache (slower)",
                rte_error("registering the loop's thread as an lcore")
            );
        }
    }

    fn thread_end(&mut self) {
        self.free_held();
        // SAFETY: pairs with thread_start on the same thread.
        unsafe { sys::rte_thread_unregister() };
    }

    fn rx_burst<F: FnMut(u32, &[u8])>(
        &mut self,
        max: usize,
        mut sink: F,
    ) -> Result<usize, IoError> {
        self.receive(max, false, |port, pkt| match pkt {
            RxBuf::Bytes(b) => sink(port, b),
            // SAFETY: not lent (`lend` false), but were it, valid during this call.
            RxBuf::Lent(b) => sink(port, unsafe { b.bytes() }),
        })
    }

    /// Single-segment direct mbufs with no other reference are lent: the pipeline parses and
    /// rewrites them in place, and `tx_burst_from` sends those marked `in_input` as they are.
    fn rx_burst_lent<F: FnMut(u32, RxBuf<'_>)>(
        &mut self,
        max: usize,
        sink: F,
    ) -> Result<usize, IoError> {
        self.receive(max, true, sink)
    }

    /// Without origins every output takes a fresh mbuf (see [`PacketIo::tx_burst_from`]).
    fn tx_burst(&mut self, pkts: &[OutPacket], counts: &mut [PortCounts]) -> Result<u64, IoError> {
        self.tx_burst_from(pkts, &[], counts)
    }

    fn tx_burst_from(
        &mut self,
        pkts: &[OutPacket],
        origins: &[u32],
        counts: &mut [PortCounts],
    ) -> Result<u64, IoError> {
        let held = self.held.len().min(MAX_BURST);
        self.used[..held].fill(FREE);
        // The mbufs that leave as the pipeline rewrote them are not to be taken by a copy
        // output before them (an ingress clone goes out before its original).
        for (p, &o) in pkts.iter().zip(origins) {
            if p.in_input {
                if let Some(u) = self.used[..held].get_mut(o as usize) {
                    *u = RESERVED;
                }
            }
        }
        let mut unrouted = 0;
        for (j, p) in pkts.iter().enumerate() {
            let Some(i) = self.map.index(p.port) else {
                unrouted += 1;
                continue;
            };
            // `held` is this burst's received mbufs in order, so an output's origin indexes it.
            let o = origins.get(j).map_or(usize::MAX, |&o| o as usize);
            if p.in_input {
                // The pipeline rewrote the lent mbuf: it leaves as it is.
                if o < held && self.used[o] == RESERVED {
                    self.used[o] = USED;
                    self.txq[i].push(self.held[o]);
                } else {
                    counts[i].drop += 1;
                }
                continue;
            }
            if o < held
                && self.used[o] == FREE
                && u32::from(self.rx_flags[o]) & sys::EXO_RX_OWN != 0
                && usize::from(self.rx_len[o]) == p.data.len()
            {
                // SAFETY: `held[o]` was received in the last burst and is ours (not sent, reset
                // or freed yet); `rx_data[o]` points to its `rx_len[o]` data bytes, which nothing
                // else uses now, and `p.data` (the pipeline's buffer) does not overlap them.
                unsafe {
                    std::ptr::copy_nonoverlapping(p.data.as_ptr(), self.rx_data[o], p.data.len())
                };
                self.used[o] = USED;
                self.txq[i].push(self.held[o]);
                continue;
            }
            match self.alloc() {
                Some(m) if fill(m, &p.data) => self.txq[i].push(m),
                _ => counts[i].drop += 1,
            }
        }
        // The received mbufs no output went out in are freed.
        let mut k = 0;
        for h in 0..held {
            if self.used[h] != USED {
                self.held[k] = self.held[h];
                k += 1;
            }
        }
        self.held.truncate(k);
        self.send_queues(counts);
        self.free_held();
        Ok(unrouted)
    }
}

/// Resets `m` to an empty single-segment buffer holding a copy of `data`; false (and `m` freed)
/// when they do not fit.
fn fill(m: *mut sys::rte_mbuf, data: &[u8]) -> bool {
    // Longer than any mbuf: fails the room check.
    let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
    // SAFETY: `m` is an mbuf the caller owns; exo_mbuf_fill resets it and copies `len` bytes
    // from `data` (at least that long) only if they fit.
    if unsafe { sys::exo_mbuf_fill(m, data.as_ptr(), len) } != 0 {
        // SAFETY: still ours, and no longer used by the caller.
        unsafe { sys::exo_pktmbuf_free(m) };
        return false;
    }
    true
}

impl DpdkIo {
    /// Sends one packet made of several mbuf segments (`parts`, each in its own mbuf) on port
    /// index `port`: how tests give the receive path a segmented packet. False when mbufs run
    /// out or the device does not take it.
    #[doc(hidden)]
    pub fn send_segmented(&mut self, port: usize, parts: &[&[u8]]) -> bool {
        let Some(&dev) = self.devs.get(port) else {
            return false;
        };
        let mut head: Option<*mut sys::rte_mbuf> = None;
        let mut whole = true;
        for part in parts {
            // `fill` frees the mbuf when the part does not fit.
            let Some(m) = self.alloc().filter(|&m| fill(m, part)) else {
                whole = false;
                break;
            };
            let Some(h) = head else {
                head = Some(m);
                continue;
            };
            // SAFETY: `h` and `m` are ours; once chained, `m` belongs to `h`'s packet.
            if unsafe { sys::exo_pktmbuf_chain(h, m) } != 0 {
                // SAFETY: not chained: still ours alone.
                unsafe { sys::exo_pktmbuf_free(m) };
                whole = false;
                break;
            }
        }
        if !whole {
            if let Some(h) = head {
                // SAFETY: ours; freeing the head frees its chain.
                unsafe { sys::exo_pktmbuf_free(h) };
            }
            return false;
        }
        let Some(mut h) = head else { return false };
        // SAFETY: `h` is a valid packet we own; the PMD takes it if it reports one sent.
        let sent = unsafe { sys::exo_tx_burst(dev, self.queue, &mut h, 1) };
        if sent == 0 {
            // SAFETY: not taken: still ours (freeing the head frees the chain).
            unsafe { sys::exo_pktmbuf_free(h) };
        }
        sent == 1
    }

    /// A fresh mbuf from this core's pool.
    fn alloc(&mut self) -> Option<*mut sys::rte_mbuf> {
        let mut m = std::ptr::null_mut();
        // SAFETY: one pointer slot; the pool is valid.
        (unsafe { sys::exo_pktmbuf_alloc_bulk(self.pool, &mut m, 1) } == 0).then_some(m)
    }

    /// Sends each port's queued mbufs; those the device does not take are freed and counted
    /// as drops.
    fn send_queues(&mut self, counts: &mut [PortCounts]) {
        for ((q, &dev), c) in self.txq.iter_mut().zip(&self.devs).zip(counts.iter_mut()) {
            if q.is_empty() {
                continue;
            }
            // SAFETY: `q` holds `q.len()` valid mbufs; the PMD takes ownership of those it sends.
            let sent = unsafe { sys::exo_tx_burst(dev, self.queue, q.as_mut_ptr(), q.len() as u16) }
                as usize;
            c.tx += sent as u64;
            let unsent = q.len() - sent;
            if unsent > 0 {
                c.drop += unsent as u64;
                // SAFETY: the unsent mbufs are still ours.
                unsafe { sys::exo_pktmbuf_free_bulk(q.as_mut_ptr().add(sent), unsent as u32) };
            }
            q.clear();
        }
    }
}
