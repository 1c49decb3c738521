//! pcap backend: replays pcap files into the pipeline (one file per ingress port, merged in
//! timestamp order, as fast as possible or at the recorded pace) and captures each egress port's
//! output to its own pcap file. Files are read and written with `exo-traffic`'s pcap module.

use super::{IoError, PacketIo, PortCounts, PortMap};
use crate::pipeline::OutPacket;
use exo_traffic::pcap::{PcapReader, PcapWriter, WriterOptions};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How fast a replay goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Pace {
    /// As fast as the loop takes packets.
    #[default]
    Fast,
    /// At the gaps between the records' timestamps.
    Recorded,
}

struct Input {
    port: u32,
    reader: PcapReader<BufReader<File>>,
    /// The next record, read ahead for the merge.
    next: Option<(u64, Vec<u8>)>,
}

impl Input {
    fn advance(&mut self) -> Result<(), IoError> {
        let rec = self.reader.next()?;
        match rec {
            Some(r) => {
                let buf = self.next.get_or_insert_with(|| (0, Vec::new()));
                buf.0 = r.ts_ns;
                buf.1.clear();
                buf.1.extend_from_slice(r.data);
            }
            None => self.next = None,
        }
        Ok(())
    }
}

/// One port of a pcap backend: where its packets come from and where its output goes.
#[derive(Clone, Debug, Default)]
pub struct PcapPort {
    pub port: u32,
    pub replay: Option<PathBuf>,
    pub capture: Option<PathBuf>,
}

/// The pcap backend.
pub struct PcapIo {
    map: PortMap,
    inputs: Vec<Input>,
    outputs: Vec<Option<PcapWriter<BufWriter<File>>>>,
    pace: Pace,
    start: Instant,
    first_ts: Option<u64>,
    /// Timestamp given to captured packets: that of the last record replayed.
    last_ts: u64,
    /// How many times the inputs are replayed (0 = forever).
    rounds: u64,
    round: u64,
}

fn open_out(path: &Path) -> Result<PcapWriter<BufWriter<File>>, IoError> {
    let f = File::create(path).map_err(|e| {
        IoError::Setup(format!(
            "{}: cannot create capture file: {e}",
            path.display()
        ))
    })?;
    PcapWriter::new(BufWriter::new(f), WriterOptions::default())
        .map_err(|e| IoError::Setup(format!("{}: {e}", path.display())))
}

impl PcapIo {
    /// Opens every port's replay and capture files. `rounds` replays the inputs that many times
    /// (0: until stopped), which turns a short trace into a benchmark source.
    pub fn open(ports: &[PcapPort], pace: Pace, rounds: u64) -> Result<PcapIo, IoError> {
        let list: Vec<u32> = ports.iter().map(|p| p.port).collect();
        let map = PortMap::new(&list)?;
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for p in ports {
            if let Some(path) = &p.replay {
                let mut input = Input {
                    port: p.port,
                    reader: PcapReader::open(path)?,
                    next: None,
                };
                input.advance()?;
                inputs.push(input);
            }
            outputs.push(match &p.capture {
                Some(path) => Some(open_out(path)?),
                None => None,
            });
        }
        Ok(PcapIo {
            map,
            inputs,
            outputs,
            pace,
            start: Instant::now(),
            first_ts: None,
            last_ts: 0,
            rounds,
            round: 1,
        })
    }

    fn rewind(&mut self) -> Result<bool, IoError> {
        if self.rounds != 0 && self.round >= self.rounds {
            return Ok(false);
        }
        self.round += 1;
        for inp in &mut self.inputs {
            let path = inp.reader.path().to_path_buf();
            inp.reader = PcapReader::open(&path)?;
            inp.advance()?;
        }
        Ok(self.inputs.iter().any(|i| i.next.is_some()))
    }

    /// Packets written to each port's capture file (`None` where the port captures nothing).
    pub fn captured(&self) -> Vec<Option<u64>> {
        self.outputs
            .iter()
            .map(|o| o.as_ref().map(|w| w.packets()))
            .collect()
    }
}

impl PacketIo for PcapIo {
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
        while n < max {
            // The input whose next record is the earliest.
            let pick = self
                .inputs
                .iter()
                .enumerate()
                .filter_map(|(i, inp)| inp.next.as_ref().map(|(ts, _)| (*ts, i)))
                .min();
            let Some((ts, i)) = pick else {
                if n == 0 && self.rewind()? {
                    continue;
                }
                break;
            };
            if self.pace == Pace::Recorded {
                let first = *self.first_ts.get_or_insert(ts);
                let due = ts.saturating_sub(first);
                if (self.start.elapsed().as_nanos() as u64) < due {
                    break;
                }
            }
            let inp = &mut self.inputs[i];
            if let Some((_, data)) = &inp.next {
                sink(inp.port, data);
            }
            self.last_ts = ts;
            inp.advance()?;
            n += 1;
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
            if let Some(w) = &mut self.outputs[i] {
                w.write(self.last_ts, &p.data).map_err(|err| IoError::Os {
                    what: "writing a capture file",
                    err,
                })?;
            }
            counts[i].tx += 1;
        }
        Ok(unrouted)
    }

    fn idle(&mut self) {
        if self.pace == Pace::Recorded {
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
    }

    fn finished(&self) -> bool {
        self.inputs.iter().all(|i| i.next.is_none())
            && (self.rounds != 0 && self.round >= self.rounds)
    }

    fn flush(&mut self) -> Result<(), IoError> {
        for w in self.outputs.iter_mut().flatten() {
            w.flush().map_err(|err| IoError::Os {
                what: "flushing a capture file",
                err,
            })?;
        }
        Ok(())
    }
}
