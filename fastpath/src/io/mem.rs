//! In-memory backend: packets come from a trace in memory and outputs are counted, and kept when
//! asked (tests). It is the I/O-free reference that the other backends are compared with.

use super::{IoError, PacketIo, PortCounts, PortMap};
use crate::pipeline::OutPacket;

/// A trace laid out contiguously, with each packet's ingress port.
#[derive(Clone, Debug, Default)]
pub struct MemTrace {
    buf: Vec<u8>,
    /// (offset, len, port) per packet.
    index: Vec<(usize, usize, u32)>,
}

impl MemTrace {
    pub fn new() -> MemTrace {
        MemTrace::default()
    }

    pub fn push(&mut self, port: u32, data: &[u8]) {
        self.index.push((self.buf.len(), data.len(), port));
        self.buf.extend_from_slice(data);
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn packet(&self, i: usize) -> (u32, &[u8]) {
        let (o, l, p) = self.index[i];
        (p, &self.buf[o..o + l])
    }
}

/// Replays a [`MemTrace`] once or in a loop.
pub struct MemIo {
    map: PortMap,
    trace: MemTrace,
    pos: usize,
    looping: bool,
    done: bool,
    /// Outputs kept when capturing, in transmit order.
    pub captured: Vec<OutPacket>,
    capture: bool,
}

impl MemIo {
    /// `ports` are the P4 ports this backend serves (outputs to others are unrouted).
    pub fn new(
        ports: &[u32],
        trace: MemTrace,
        looping: bool,
        capture: bool,
    ) -> Result<MemIo, IoError> {
        Ok(MemIo {
            map: PortMap::new(ports)?,
            done: trace.is_empty(),
            trace,
            pos: 0,
            looping,
            captured: Vec::new(),
            capture,
        })
    }
}

impl PacketIo for MemIo {
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
        let mut n = 0;
        while n < max && !self.done {
            let (port, data) = self.trace.packet(self.pos);
            sink(port, data);
            n += 1;
            self.pos += 1;
            if self.pos == self.trace.len() {
                self.pos = 0;
                self.done = !self.looping;
            }
        }
        Ok(n)
    }

    fn tx_burst(&mut self, pkts: &[OutPacket], counts: &mut [PortCounts]) -> Result<u64, IoError> {
        let mut unrouted = 0;
        for p in pkts {
            match self.map.index(p.port) {
                Some(i) => {
                    counts[i].tx += 1;
                    if self.capture {
                        self.captured.push(p.clone());
                    }
                }
                None => unrouted += 1,
            }
        }
        Ok(unrouted)
    }

    fn finished(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::Processor;
    use crate::io::{run_core, ControlQueue, CoreStats, LoopOptions, LoopReport, Passthrough};
    use std::sync::Arc;

    /// One core's loop over `io` with `p`, until the trace ends or `ctl` stops it.
    fn run_loop<P: Processor>(
        io: &mut MemIo,
        p: &mut P,
        ctl: &ControlQueue<P>,
    ) -> (LoopReport, Arc<CoreStats>) {
        let stats = CoreStats::new(io.ports());
        let rep = run_core(
            io,
            p,
            ctl,
            &stats,
            std::time::Instant::now(),
            &LoopOptions::default(),
        )
        .unwrap();
        (rep, stats)
    }

    #[test]
    fn replays_once_and_captures() {
        let mut t = MemTrace::new();
        t.push(1, &[1; 60]);
        t.push(2, &[2; 61]);
        t.push(9, &[3; 62]);
        let mut io = MemIo::new(&[1, 2], t, false, true).unwrap();
        let mut p = Passthrough::echo().map(1, 2).map(2, 1);
        let (rep, stats) = run_loop(&mut io, &mut p, &ControlQueue::new(4));
        // Port 9 is not served: its packet is not counted as received on a port, and its echo
        // goes nowhere.
        assert_eq!(rep.rx(), 2);
        assert_eq!(rep.tx(), 2);
        assert_eq!(rep.unrouted, 1);
        assert_eq!(io.captured[0].port, 2);
        assert_eq!(io.captured[1].port, 1);
        assert_eq!(stats.snapshot()[0].rx, 1);
    }

    /// The engine stages a burst and processes it on flush: forwarded packets leave in order
    /// on their ports, and packets the program drops are counted on their ingress port, also
    /// when the burst takes the parse-ahead path.
    #[test]
    fn engine_bursts_count_drops_per_ingress_port() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let ir = crate::io::cli::load_ir(&root.join("benches/p4/l2fwd.p4"), &[]).unwrap();
        for prefetch_all in [false, true] {
            let mut pipe = crate::Pipeline::from_ir(&ir).unwrap();
            crate::io::load_entries(&mut pipe, &root.join("benches/io/l2fwd.stf")).unwrap();
            if prefetch_all {
                pipe.set_prefetch_min_entries(0);
            }
            let mut t = MemTrace::new();
            // 70 packets (bursts of 32, 32 and 6): dst ...01 -> port 1, ...02 -> port 2,
            // ...77 (no entry) -> dropped.
            for i in 0..70u8 {
                let mut f = [0u8; 64];
                f[..6].copy_from_slice(&[2, 0, 0, 0, 0, [1, 2, 0x77][usize::from(i % 3)]]);
                f[20] = i;
                t.push(if i % 2 == 0 { 1 } else { 2 }, &f);
            }
            let mut io = MemIo::new(&[1, 2], t, false, true).unwrap();
            let (rep, _) = run_loop(&mut io, &mut pipe, &ControlQueue::new(4));
            assert_eq!(rep.rx(), 70);
            let dropped: Vec<u8> = (0..70u8).filter(|i| i % 3 == 2).collect();
            assert_eq!(rep.tx(), 70 - dropped.len() as u64);
            // Drops by ingress port: even packets came in on port 1, odd ones on port 2.
            let on1 = dropped.iter().filter(|i| *i % 2 == 0).count() as u64;
            assert_eq!(rep.counts[0].drop, on1, "prefetch_all {prefetch_all}");
            assert_eq!(rep.counts[1].drop, dropped.len() as u64 - on1);
            let seqs: Vec<u8> = io.captured.iter().map(|p| p.data[20]).collect();
            let want: Vec<u8> = (0..70u8).filter(|i| i % 3 != 2).collect();
            assert_eq!(seqs, want, "outputs in input order");
            for p in &io.captured {
                assert_eq!(u32::from(p.data[5]), p.port);
            }
        }
    }

    #[test]
    fn stop_message_ends_a_looping_replay() {
        let mut t = MemTrace::new();
        t.push(1, &[0; 64]);
        let mut io = MemIo::new(&[1], t, true, false).unwrap();
        let mut p = Passthrough::echo();
        let ctl = ControlQueue::new(4);
        ctl.send(crate::io::Control::Apply(Box::new(
            |_p: &mut Passthrough| {},
        )))
        .ok()
        .unwrap();
        ctl.stop();
        let (rep, _) = run_loop(&mut io, &mut p, &ctl);
        assert_eq!(rep.rx(), 0);
    }
}
