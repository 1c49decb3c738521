//! AF_XDP backend (`xdpilone`): one XDP socket per interface per core, each bound to the receive
//! queue of the same number as its core and registered in the steering program's XSKMAP
//! (`exo-ebpf`). Each socket owns its UMEM (an anonymous `memmap2` mapping): half of the frames
//! start in the fill ring, the other half are the transmit pool, refilled from the completion
//! ring.
//!
//! Receive: RX descriptors are read as plain slices of the UMEM, handed to the pipeline, and their
//! frames go straight back to the fill ring. Transmit: each output is copied into a free frame of
//! its egress port's UMEM and queued on that socket's TX ring. need_wakeup: the TX ring is kicked
//! (`sendto`) only when descriptors are pending and the kernel asks for it (in copy mode it always
//! does); the fill ring is woken only when the kernel flags it; an idle loop sleeps in `poll(2)`
//! instead of spinning, so an idle or TX-less loop makes no useless syscalls.
#![allow(unsafe_code)]

use super::{IoError, PacketIo, PortCounts, PortMap};
use crate::pipeline::OutPacket;
use core::num::NonZeroU32;
use core::ptr::NonNull;
use std::ffi::CString;
use std::os::fd::BorrowedFd;
use xdpilone::xdp::XdpDesc;
use xdpilone::{DeviceQueue, IfInfo, RingRx, RingTx, Socket, SocketConfig, Umem, UmemConfig};

/// Sizes and mode of one socket.
#[derive(Clone, Debug)]
pub struct XskConfig {
    /// Frames in the UMEM (half for receive, half for transmit).
    pub frames: u32,
    pub frame_size: u32,
    /// Entries of each ring (a power of two).
    pub ring_size: u32,
    /// Require zero-copy (fails where the driver lacks it, e.g. veth); otherwise the kernel
    /// picks zero-copy where the driver supports it and copy mode elsewhere.
    pub zero_copy: bool,
}

impl Default for XskConfig {
    fn default() -> XskConfig {
        XskConfig {
            frames: 4096,
            frame_size: 2048,
            ring_size: 2048,
            zero_copy: false,
        }
    }
}

fn os(what: &'static str, e: xdpilone::Errno) -> IoError {
    IoError::Setup(format!("AF_XDP {what}: {e}"))
}

/// One XDP socket on one interface queue.
pub struct XskSocket {
    p4_port: u32,
    iface: String,
    // Field order matters for drop: rings and sockets go before the UMEM they point into, the
    // UMEM registration before its mapping.
    rx: RingRx,
    tx: RingTx,
    dev: DeviceQueue,
    _umem: Umem,
    _area: memmap2::MmapMut,
    base: NonNull<u8>,
    len: usize,
    frame_size: u64,
    /// Transmit frames not in flight.
    free: Vec<u64>,
    /// Frames just received, to go back to the fill ring.
    refill: Vec<u64>,
    /// Descriptors built for this burst's transmit.
    txq: Vec<XdpDesc>,
    fd: i32,
}

// SAFETY: an XskSocket owns its UMEM mapping (`area`, which `base` points into) and its rings;
// none of them is shared with another XskSocket, so moving the whole to another thread is sound.
// It is used by one thread at a time (it is not Sync).
unsafe impl Send for XskSocket {}

impl XskSocket {
    /// Creates a socket on `iface` queue `queue` for P4 port `p4_port`.
    pub fn open(
        iface: &str,
        queue: u32,
        p4_port: u32,
        cfg: &XskConfig,
    ) -> Result<XskSocket, IoError> {
        if !cfg.ring_size.is_power_of_two() || !cfg.frame_size.is_power_of_two() {
            return Err(IoError::Setup(
                "AF_XDP ring and frame sizes must be powers of two".into(),
            ));
        }
        let len = cfg.frames as usize * cfg.frame_size as usize;
        let mut area = memmap2::MmapMut::map_anon(len).map_err(|err| IoError::Os {
            what: "mapping the AF_XDP UMEM",
            err,
        })?;
        let base = NonNull::new(area.as_mut_ptr())
            .ok_or_else(|| IoError::Setup("empty UMEM mapping".into()))?;
        let slice = NonNull::from(&mut area[..]);
        let ucfg = UmemConfig {
            fill_size: cfg.ring_size,
            complete_size: cfg.ring_size,
            frame_size: cfg.frame_size,
            headroom: 0,
            flags: 0,
        };
        // SAFETY: `area` is a page-aligned anonymous mapping of `len` bytes that lives in the
        // same XskSocket as the Umem and is dropped after it (field order).
        let umem = unsafe { Umem::new(ucfg, slice) }.map_err(|e| os("UMEM registration", e))?;
        let cname = CString::new(iface)
            .map_err(|_| IoError::Setup(format!("bad interface name {iface:?}")))?;
        let mut info = IfInfo::invalid();
        info.from_name(&cname)
            .map_err(|_| IoError::Setup(format!("no network interface named `{iface}`")))?;
        info.set_queue(queue);
        let sock = Socket::with_shared(&info, &umem).map_err(|e| os("socket", e))?;
        let dev = umem
            .fq_cq(&sock)
            .map_err(|e| os("fill/completion rings", e))?;
        let mut flags = SocketConfig::XDP_BIND_NEED_WAKEUP;
        if cfg.zero_copy {
            flags |= SocketConfig::XDP_BIND_ZEROCOPY;
        }
        let user = umem
            .rx_tx(
                &sock,
                &SocketConfig {
                    rx_size: NonZeroU32::new(cfg.ring_size),
                    tx_size: NonZeroU32::new(cfg.ring_size),
                    bind_flags: flags,
                },
            )
            .map_err(|e| os("RX/TX rings", e))?;
        let rx = user.map_rx().map_err(|e| os("mapping the RX ring", e))?;
        let tx = user.map_tx().map_err(|e| os("mapping the TX ring", e))?;
        umem.bind(&user).map_err(|e| {
            if cfg.zero_copy {
                IoError::Setup(format!(
                    "AF_XDP bind to {iface} queue {queue} in zero-copy mode: {e} (the driver may not support zero-copy; set zero_copy = false)"
                ))
            } else {
                IoError::Setup(format!("AF_XDP bind to {iface} queue {queue}: {e}"))
            }
        })?;
        let fd = user.as_raw_fd();
        let half = cfg.frames / 2;
        let fs = u64::from(cfg.frame_size);
        let mut s = XskSocket {
            p4_port,
            iface: iface.to_string(),
            rx,
            tx,
            dev,
            _umem: umem,
            _area: area,
            base,
            len,
            frame_size: fs,
            free: (half..cfg.frames).map(|i| u64::from(i) * fs).collect(),
            refill: (0..half).map(|i| u64::from(i) * fs).collect(),
            txq: Vec::with_capacity(256),
            fd,
        };
        s.refill_fill_ring();
        Ok(s)
    }

    /// The socket's file descriptor, for the XSKMAP.
    pub fn fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor stays open as long as `self` (the rings hold it).
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }

    pub fn p4_port(&self) -> u32 {
        self.p4_port
    }

    pub fn interface(&self) -> &str {
        &self.iface
    }

    /// Kernel-side counters of the socket (drops for a full RX ring or no fill buffers).
    pub fn kernel_stats(&self) -> Option<(u64, u64, u64)> {
        self.dev
            .statistics_v2()
            .ok()
            .map(|s| (s.rx_dropped, s.rx_ring_full, s.rx_fill_ring_empty_descs))
    }

    fn frame_mut(&mut self, addr: u64, len: usize) -> Option<&mut [u8]> {
        let start = addr as usize;
        let end = start.checked_add(len)?;
        if end > self.len || len as u64 > self.frame_size {
            return None;
        }
        // SAFETY: the frame is in the UMEM mapping and owned by user space (it came from the
        // free list: not in any ring), so nothing else reads or writes it.
        Some(unsafe { core::slice::from_raw_parts_mut(self.base.as_ptr().add(start), len) })
    }

    fn refill_fill_ring(&mut self) {
        // Twice at most: a reservation sees the kernel's progress only once its cached view
        // of the ring is used up (see `insert_tx`).
        for _ in 0..2 {
            if self.refill.is_empty() {
                return;
            }
            let mut w = self.dev.fill(self.refill.len() as u32);
            let n = w.insert(self.refill.iter().copied()) as usize;
            w.commit();
            drop(w);
            self.refill.drain(..n);
        }
    }

    fn reap_completions(&mut self) {
        let mut r = self.dev.complete(self.dev.available().max(1));
        while let Some(addr) = r.read() {
            self.free.push(addr - addr % self.frame_size);
        }
        r.release();
    }

    /// Receives up to `max` packets into `sink`; returns how many.
    fn receive<F: FnMut(u32, &[u8])>(&mut self, max: usize, sink: &mut F) -> usize {
        let mut n = 0;
        {
            let (base, area_len, port) = (self.base, self.len, self.p4_port);
            let mut r = self.rx.receive(max as u32);
            while let Some(d) = r.read() {
                let (start, len) = (d.addr as usize, d.len as usize);
                if start.checked_add(len).is_some_and(|end| end <= area_len) {
                    // SAFETY: [start, start + len) lies inside the UMEM mapping; the kernel
                    // wrote this frame before publishing its RX descriptor and does not touch it
                    // until it is back in the fill ring (after the sink returns).
                    let data =
                        unsafe { core::slice::from_raw_parts(base.as_ptr().add(start), len) };
                    sink(port, data);
                }
                self.refill.push(d.addr - d.addr % self.frame_size);
                n += 1;
            }
            r.release();
        }
        if !self.refill.is_empty() {
            self.refill_fill_ring();
        } else if self.dev.needs_wakeup() {
            self.dev.wake();
        }
        n
    }

    /// Copies a packet into a free frame and queues it; false when no frame is free.
    fn stage(&mut self, data: &[u8]) -> bool {
        if self.free.is_empty() {
            self.reap_completions();
        }
        let Some(addr) = self.free.pop() else {
            return false;
        };
        match self.frame_mut(addr, data.len()) {
            Some(f) => {
                f.copy_from_slice(data);
                self.txq.push(XdpDesc {
                    addr,
                    len: data.len() as u32,
                    options: 0,
                });
                true
            }
            None => {
                self.free.push(addr);
                false
            }
        }
    }

    /// Puts the staged descriptors on the TX ring and kicks it if needed; returns how many did
    /// not fit (their frames go back to the pool).
    fn flush_tx(&mut self) -> u64 {
        if self.txq.is_empty() {
            return 0;
        }
        let sent = insert_tx(&mut self.tx, &self.txq);
        let dropped = self.txq.len() - sent;
        for d in self.txq.drain(sent..) {
            self.free.push(d.addr);
        }
        self.txq.clear();
        self.kick_tx();
        dropped as u64
    }

    fn kick_tx(&mut self) {
        if self.tx.pending() > 0 && self.tx.needs_wakeup() {
            self.tx.wake();
        }
    }
}

/// Puts `descs` on the TX ring; how many went (fewer only when the ring is full). `xdpilone`
/// reserves from a cached view of the ring, re-read from the kernel only when that view shows
/// no room at all: a first reservation may get fewer slots than the ring has free, so a second
/// one (which then re-reads) takes the rest. Without it, about every 2 048th descriptor was
/// counted as dropped on a ring the kernel kept empty.
fn insert_tx(tx: &mut RingTx, descs: &[XdpDesc]) -> usize {
    let mut sent = 0;
    for _ in 0..2 {
        if sent == descs.len() {
            break;
        }
        let mut w = tx.transmit((descs.len() - sent) as u32);
        sent += w.insert(descs[sent..].iter().copied()) as usize;
        w.commit();
    }
    sent
}

/// The AF_XDP backend of one core: one socket per port.
pub struct AfXdpIo {
    map: PortMap,
    socks: Vec<XskSocket>,
    next: usize,
    empty_polls: u32,
}

impl AfXdpIo {
    /// `socks[i]` serves P4 port `socks[i].p4_port()`.
    pub fn new(socks: Vec<XskSocket>) -> Result<AfXdpIo, IoError> {
        let ports: Vec<u32> = socks.iter().map(|s| s.p4_port).collect();
        Ok(AfXdpIo {
            map: PortMap::new(&ports)?,
            socks,
            next: 0,
            empty_polls: 0,
        })
    }

    pub fn sockets(&self) -> &[XskSocket] {
        &self.socks
    }

    /// The first port's socket (the bare echo baseline runs on it).
    pub fn first_socket(&mut self) -> Option<&mut XskSocket> {
        self.socks.first_mut()
    }
}

impl PacketIo for AfXdpIo {
    fn port_map(&self) -> &PortMap {
        &self.map
    }

    fn port_map_mut(&mut self) -> &mut PortMap {
        &mut self.map
    }

    fn rx_burst<F: FnMut(u32, &[u8])>(
        &mut self,
        max: usize,
        mut sink: F,
    ) -> Result<usize, IoError> {
        let k = self.socks.len();
        let mut n = 0;
        for j in 0..k {
            if n >= max {
                break;
            }
            let i = (self.next + j) % k;
            n += self.socks[i].receive(max - n, &mut sink);
        }
        self.next = (self.next + 1) % k.max(1);
        if n > 0 {
            self.empty_polls = 0;
        }
        Ok(n)
    }

    fn tx_burst(&mut self, pkts: &[OutPacket], counts: &mut [PortCounts]) -> Result<u64, IoError> {
        let mut unrouted = 0;
        for p in pkts {
            let Some(i) = self.map.index(p.port) else {
                unrouted += 1;
                continue;
            };
            if self.socks[i].stage(&p.data) {
                counts[i].tx += 1;
            } else {
                counts[i].drop += 1;
            }
        }
        for (i, s) in self.socks.iter_mut().enumerate() {
            let d = s.flush_tx();
            counts[i].tx -= d;
            counts[i].drop += d;
            s.reap_completions();
        }
        Ok(unrouted)
    }

    fn idle(&mut self) {
        for s in &mut self.socks {
            s.kick_tx();
            s.reap_completions();
        }
        self.empty_polls += 1;
        // Spin briefly (latency), then sleep in poll(2) until a packet arrives.
        if self.empty_polls < 256 {
            std::hint::spin_loop();
            return;
        }
        let mut fds: Vec<libc::pollfd> = self
            .socks
            .iter()
            .map(|s| libc::pollfd {
                fd: s.fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: `fds` is a valid array of pollfd for the duration of the call.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 1) };
    }
}

/// The baseline for benchmarks: a bare echo loop on one socket that sends every received frame
/// back out as it is (RX descriptor -> TX ring, no copy, no pipeline). Returns packets echoed.
pub fn bare_echo(sock: &mut XskSocket, until: std::time::Instant) -> u64 {
    let mut echoed = 0u64;
    let mut descs: Vec<XdpDesc> = Vec::with_capacity(64);
    let mut polls = 0u32;
    let mut empty = 0u32;
    loop {
        descs.clear();
        {
            let mut r = sock.rx.receive(64);
            while let Some(d) = r.read() {
                descs.push(d);
            }
            r.release();
        }
        // Completed TX frames are the RX frames we echoed: give them back to the fill ring.
        {
            let mut c = sock.dev.complete(sock.dev.available().max(1));
            while let Some(a) = c.read() {
                sock.refill.push(a - a % sock.frame_size);
            }
            c.release();
        }
        if !descs.is_empty() {
            let n = insert_tx(&mut sock.tx, &descs);
            for d in &descs[n..] {
                sock.refill.push(d.addr - d.addr % sock.frame_size);
            }
            echoed += n as u64;
            sock.kick_tx();
        } else {
            sock.kick_tx();
        }
        sock.refill_fill_ring();
        polls += 1;
        if polls.is_multiple_of(64) && std::time::Instant::now() >= until {
            return echoed;
        }
        // Idle like the backend does: spin a little, then sleep in poll(2).
        if descs.is_empty() {
            empty += 1;
            if empty >= 256 {
                let mut p = libc::pollfd {
                    fd: sock.fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd for the duration of the call.
                unsafe { libc::poll(&mut p, 1, 1) };
            }
        } else {
            empty = 0;
        }
    }
}

/// A traffic source for benchmarks: sends `frames` round-robin on a TX-only socket as fast as
/// the ring takes them, until `stop` is set. Returns packets sent.
pub fn flood(
    sock: &mut XskSocket,
    frames: &[Vec<u8>],
    stop: &std::sync::atomic::AtomicBool,
) -> Result<u64, IoError> {
    if frames.is_empty() {
        return Ok(0);
    }
    // Write each distinct frame once into its own UMEM frame and reuse the descriptors.
    let mut descs = Vec::new();
    for f in frames.iter().take(sock.free.len()) {
        let addr = sock.free.pop().unwrap_or(0);
        let len = f.len().min(sock.frame_size as usize);
        if let Some(dst) = sock.frame_mut(addr, len) {
            dst.copy_from_slice(&f[..len]);
            descs.push(XdpDesc {
                addr,
                len: len as u32,
                options: 0,
            });
        }
    }
    let mut sent = 0u64;
    let mut i = 0usize;
    let mut loops = 0u64;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        {
            let mut w = sock.tx.transmit(64);
            let n = w.insert((0..64).map(|k| descs[(i + k) % descs.len()]));
            w.commit();
            i = (i + n as usize) % descs.len();
            sent += u64::from(n);
        }
        sock.kick_tx();
        // Completions only return descriptors we reuse anyway.
        let mut c = sock.dev.complete(sock.dev.available().max(1));
        while c.read().is_some() {}
        c.release();
        loops += 1;
        if loops.is_multiple_of(1 << 20) {
            std::thread::yield_now();
        }
    }
    Ok(sent)
}
