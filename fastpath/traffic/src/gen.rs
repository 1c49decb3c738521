//! Trace generation: a seeded, deterministic stream of packets over several apps.
//!
//! For every packet: an app is drawn by its traffic share `W_p`; a popularity rank is drawn
//! from the app's key distribution (Zipf by rejection-inversion, or a measured CDF); churn, when
//! configured, swaps the top-K ranks with another block of K ranks every period (the paper's
//! §7.2 "alter the most popular top flows every 10 s"); a keyed permutation maps the rank to a
//! flow of the app's keyspace; the app builds the packet (`apps`). Timestamps advance at a
//! constant rate. The same configuration and seed give the same bytes.

use crate::apps::{write_packet, AppKind, AppSpace, PacketCtx};
use crate::pcap::{PcapWriter, WriterOptions};
use crate::rng::{hash3, Rng};
use crate::sizes::SizeDist;
use crate::zipf::{QuantileSampler, ZipfSampler};
use std::io::{self, Write};
use std::sync::Arc;

/// How an app's traffic spreads over its keys.
#[derive(Clone, Debug)]
pub enum Popularity {
    Zipf(f64),
    /// A measured distribution, as a quantile table.
    Measured(Arc<QuantileSampler>),
}

/// One app's traffic.
#[derive(Clone, Debug)]
pub struct AppTraffic {
    /// The app's name (seeds its flows; `p4/apps` stem or scenario name).
    pub name: String,
    pub kind: AppKind,
    /// `W_p`: share of all packets.
    pub weight: f64,
    /// Size of the keyspace.
    pub flows: u64,
    pub popularity: Popularity,
    pub sizes: SizeDist,
}

/// Popularity churn (§7.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Churn {
    pub top_k: u64,
    pub period_s: f64,
}

#[derive(Clone, Debug)]
pub struct TraceConfig {
    pub apps: Vec<AppTraffic>,
    pub packets: u64,
    pub seed: u64,
    pub churn: Option<Churn>,
    /// Packets per second of trace time (timestamps), > 0.
    pub rate_pps: f64,
    /// Timestamp of the first packet, nanoseconds since the epoch.
    pub start_ns: u64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("no apps: give a scenario or --apps")]
    NoApps,
    #[error("app `{0}`: weight {1} is not a finite non-negative number")]
    BadWeight(String, f64),
    #[error("the apps' weights sum to 0")]
    ZeroWeights,
    #[error("app `{0}`: flows must be at least 1")]
    NoFlows(String),
    #[error("app `{app}`: {flows} flows exceed the {max} this app's address plan keeps distinct")]
    TooManyFlows { app: String, flows: u64, max: u64 },
    #[error("churn: top_k must be at least 1 and period_s positive")]
    BadChurn,
    #[error("rate_pps must be positive")]
    BadRate,
}

impl TraceConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.apps.is_empty() {
            return Err(ConfigError::NoApps);
        }
        let mut total = 0.0;
        for a in &self.apps {
            if !(a.weight.is_finite() && a.weight >= 0.0) {
                return Err(ConfigError::BadWeight(a.name.clone(), a.weight));
            }
            if a.flows == 0 {
                return Err(ConfigError::NoFlows(a.name.clone()));
            }
            if a.flows > a.kind.max_flows() {
                return Err(ConfigError::TooManyFlows {
                    app: a.name.clone(),
                    flows: a.flows,
                    max: a.kind.max_flows(),
                });
            }
            total += a.weight;
        }
        if total <= 0.0 {
            return Err(ConfigError::ZeroWeights);
        }
        if let Some(c) = self.churn {
            if c.top_k == 0 || !(c.period_s.is_finite() && c.period_s > 0.0) {
                return Err(ConfigError::BadChurn);
            }
        }
        if !(self.rate_pps.is_finite() && self.rate_pps > 0.0) {
            return Err(ConfigError::BadRate);
        }
        Ok(())
    }

    /// The keyspace of app `index`, as the generator and the entry generator see it.
    pub fn space(&self, index: usize) -> AppSpace {
        let a = &self.apps[index];
        AppSpace::new(a.kind, self.seed, &a.name, a.flows)
    }
}

enum Sampler {
    Zipf(ZipfSampler),
    Measured(Arc<QuantileSampler>),
}

struct AppState {
    space: AppSpace,
    sampler: Sampler,
    sizes: SizeDist,
    /// Cumulative share up to and including this app.
    cum_weight: f64,
}

/// One generated packet.
#[derive(Debug)]
pub struct GenPacket<'a> {
    pub ts_ns: u64,
    pub app: usize,
    /// Popularity rank drawn (0 = most popular), before churn.
    pub rank: u64,
    pub flow: u64,
    pub data: &'a [u8],
}

/// The packet stream.
pub struct Generator {
    apps: Vec<AppState>,
    rng: Rng,
    churn: Option<Churn>,
    packets: u64,
    next: u64,
    start_ns: u64,
    ns_per_packet: f64,
    buf: Vec<u8>,
    scratch: Vec<u8>,
}

impl Generator {
    pub fn new(cfg: &TraceConfig) -> Result<Generator, ConfigError> {
        cfg.validate()?;
        let total: f64 = cfg.apps.iter().map(|a| a.weight).sum();
        let mut acc = 0.0;
        let mut apps = Vec::with_capacity(cfg.apps.len());
        for (i, a) in cfg.apps.iter().enumerate() {
            acc += a.weight / total;
            apps.push(AppState {
                space: cfg.space(i),
                sampler: match &a.popularity {
                    Popularity::Zipf(alpha) => Sampler::Zipf(ZipfSampler::new(*alpha, a.flows)),
                    Popularity::Measured(q) => Sampler::Measured(q.clone()),
                },
                sizes: a.sizes.clone(),
                cum_weight: acc,
            });
        }
        if let Some(last) = apps.last_mut() {
            last.cum_weight = f64::INFINITY;
        }
        Ok(Generator {
            apps,
            rng: Rng::new(hash3(cfg.seed, 0x0074_7261_6365, 0)),
            churn: cfg.churn,
            packets: cfg.packets,
            next: 0,
            start_ns: cfg.start_ns,
            ns_per_packet: 1e9 / cfg.rate_pps,
            buf: Vec::with_capacity(16 * 1024),
            scratch: Vec::with_capacity(16 * 1024),
        })
    }

    /// The rank that a drawn rank `r` stands for in churn epoch `epoch`: the top-K block and
    /// block `b` (chosen per epoch) trade places.
    fn churned(&self, r: u64, epoch: u64, flows: u64) -> u64 {
        let Some(c) = self.churn else { return r };
        let k = c.top_k;
        if epoch == 0 || flows < 2 * k {
            return r;
        }
        let blocks = flows / k; // >= 2
        let b = k * (1 + hash3(epoch, 0x0063_6875_726e, 0) % (blocks - 1));
        if r < k {
            r + b
        } else if (b..b + k).contains(&r) {
            r - b
        } else {
            r
        }
    }

    /// The next packet, or `None` after `packets` packets.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<GenPacket<'_>> {
        if self.next >= self.packets {
            return None;
        }
        let number = self.next;
        self.next += 1;
        let offset_ns = (number as f64 * self.ns_per_packet) as u64;
        let ts_ns = self.start_ns + offset_ns;
        let u = self.rng.next_f64();
        let app = self
            .apps
            .iter()
            .position(|a| u < a.cum_weight)
            .unwrap_or(self.apps.len() - 1);
        let state = &self.apps[app];
        let rank = match &state.sampler {
            Sampler::Zipf(z) => z.sample(&mut self.rng),
            Sampler::Measured(q) => q.sample(&mut self.rng),
        } - 1;
        let epoch = match self.churn {
            Some(c) => (offset_ns as f64 / (c.period_s * 1e9)) as u64,
            None => 0,
        };
        let rank_now = self.churned(rank, epoch, state.space.flows);
        let flow = state.space.popularity.apply(rank_now);
        let size = state.sizes.sample(&mut self.rng);
        let ctx = PacketCtx {
            number,
            random: self.rng.next_u64(),
            size,
        };
        self.buf.clear();
        let state = &self.apps[app];
        write_packet(&state.space, flow, &ctx, &mut self.scratch, &mut self.buf);
        Some(GenPacket {
            ts_ns,
            app,
            rank,
            flow,
            data: &self.buf,
        })
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub packets: u64,
    pub bytes: u64,
    /// Packets per app, in configuration order.
    pub per_app: Vec<u64>,
}

/// Generates the whole trace into a pcap stream (Ethernet, microsecond timestamps unless
/// `opts` says otherwise).
pub fn write_pcap<W: Write>(cfg: &TraceConfig, out: W, opts: WriterOptions) -> io::Result<Summary> {
    let mut gen =
        Generator::new(cfg).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut w = PcapWriter::new(out, opts)?;
    let mut s = Summary {
        per_app: vec![0; cfg.apps.len()],
        ..Summary::default()
    };
    while let Some(p) = gen.next() {
        w.write(p.ts_ns, p.data)?;
        s.packets += 1;
        s.bytes += p.data.len() as u64;
        s.per_app[p.app] += 1;
    }
    w.flush()?;
    Ok(s)
}

/// Writes `DIR/<app>.stf`, the entries of every app of the trace; returns for each file its
/// path, the number of lines written and the app's kind. Errors name the file.
pub fn write_entries_dir(
    cfg: &TraceConfig,
    dir: &std::path::Path,
    cached_keys: u64,
) -> io::Result<Vec<(std::path::PathBuf, u64, AppKind)>> {
    let named = |path: &std::path::Path, e: io::Error| {
        io::Error::new(e.kind(), format!("{}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| named(dir, e))?;
    let mut out = Vec::new();
    for (i, a) in cfg.apps.iter().enumerate() {
        let path = dir.join(format!("{}.stf", a.name));
        let f = std::fs::File::create(&path).map_err(|e| named(&path, e))?;
        let mut w = io::BufWriter::new(f);
        let n = crate::apps::write_entries(&cfg.space(i), cached_keys, &mut w)
            .map_err(|e| named(&path, e))?;
        w.flush().map_err(|e| named(&path, e))?;
        out.push((path, n, a.kind));
    }
    Ok(out)
}
