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
    use crate::io::{run_core, ControlQueue, CoreStats, LoopOptions, Passthrough};

    #[test]
    fn replays_once_and_captures() {
        let mut t = MemTrace::new();
        t.push(1, &[1; 60]);
        t.push(2, &[2; 61]);
        t.push(9, &[3; 62]);
        let mut io = MemIo::new(&[1, 2], t, false, true).unwrap();
        let mut p = Passthrough::echo().map(1, 2).map(2, 1);
        let ctl = ControlQueue::new(4);
        let stats = CoreStats::new(&[1, 2]);
        let rep = run_core(
            &mut io,
            &mut p,
            &ctl,
            &stats,
            std::time::Instant::now(),
            &LoopOptions::default(),
        )
        .unwrap();
        // Port 9 is not served: its packet is not counted as received on a port, and its echo
        // goes nowhere.
        assert_eq!(rep.rx(), 2);
        assert_eq!(rep.tx(), 2);
        assert_eq!(rep.unrouted, 1);
        assert_eq!(io.captured[0].port, 2);
        assert_eq!(io.captured[1].port, 1);
        assert_eq!(stats.snapshot()[0].rx, 1);
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
        let stats = CoreStats::new(&[1]);
        let rep = run_core(
            &mut io,
            &mut p,
            &ctl,
            &stats,
            std::time::Instant::now(),
            &LoopOptions::default(),
        )
        .unwrap();
        assert_eq!(rep.rx(), 0);
    }
}
