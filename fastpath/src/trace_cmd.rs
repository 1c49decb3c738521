//! `exo-fastpath trace gen|entries|stats`: the traffic tools of `exo-traffic` (docs/traffic.md)
//! in the engine's command line, through its library.
//!
//! - `trace gen [SCENARIO.toml] [-o OUT]`: a pcap trace of a scenario (or of `--apps`), and with
//!   `--entries DIR` the apps' control-plane entries. `OUT` is a `.pcap` file, or a directory
//!   (created) that receives `<scenario name>.pcap` (`trace.pcap` with `--apps`); default `.`.
//! - `trace entries [SCENARIO.toml] -o DIR`: only the entries, `DIR/<app>.stf`.
//! - `trace stats FILE.pcap --key 5tuple|srcip|dstip|ippair|srcport|dstport|proto [--csv OUT]`:
//!   the union-key CDF (Fig. 15) of a trace.
//!
//! The options are those of `exo-traffic gen|entries|stats`, with the scenario also accepted as
//! the first argument.

use anyhow::{bail, Context, Result};
use exo_traffic::config::{self, DEFAULT_ALPHA, DEFAULT_FLOWS, DEFAULT_RATE_PPS};
use exo_traffic::gen::{write_pcap, Churn, TraceConfig};
use exo_traffic::pcap::{PcapReader, Resolution, WriterOptions};
use exo_traffic::stats::{KeyCounter, KeyKind, Weight};
use exo_traffic::SizeDist;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `exo-fastpath trace ...`
#[derive(clap::Subcommand, Debug)]
pub enum TraceCmd {
    /// Generate a pcap trace of a scenario (and optionally the apps' control-plane entries)
    Gen(GenArgs),
    /// Write only the apps' control-plane entries (STF lines), one file per app
    Entries(EntriesArgs),
    /// Union-key CDF of a pcap: share of traffic carried by the top x% of keys
    Stats(StatsArgs),
}

/// Where the apps of a trace come from: a scenario, or a list of apps.
#[derive(clap::Args, Debug)]
pub struct Source {
    /// Scenario file (TOML, docs/scenario.md): apps, weights, keyspaces, sizes, distributions
    #[arg(value_name = "SCENARIO", conflicts_with_all = ["scenario", "apps"])]
    pub scenario_file: Option<PathBuf>,
    /// The scenario, as an option
    #[arg(long, conflicts_with = "apps")]
    pub scenario: Option<PathBuf>,
    /// Apps without a scenario: `name[:weight],...` (vpn_gateway, nat, acl, univmon, vm_nat,
    /// stateful_fw, syn_proxy, netcache, generic); equal weights by default
    #[arg(long)]
    pub apps: Option<String>,
    /// Keyspace per app, with --apps
    #[arg(long, default_value_t = DEFAULT_FLOWS)]
    pub flows: u64,
    /// Zipf exponent, with --apps (the paper uses 0.9, 0.95, 0.99)
    #[arg(long, default_value_t = DEFAULT_ALPHA)]
    pub alpha: f64,
    /// Packet size with --apps: bytes (60-9216), `imix` (64/576/1500 B, 7:4:1) or `SIZE:WEIGHT,...`
    #[arg(long, default_value = "64")]
    pub size: String,
    /// Seed (overrides the scenario's)
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(clap::Args, Debug)]
pub struct GenArgs {
    #[command(flatten)]
    pub source: Source,
    /// Output: a `.pcap` file, or a directory for `<scenario name>.pcap` (`trace.pcap` with --apps)
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// Number of packets (overrides the scenario's)
    #[arg(long)]
    pub packets: Option<u64>,
    /// Rotate the top-K flows of every app ... (overrides the scenario's churn)
    #[arg(long, requires = "churn_period")]
    pub churn_top_k: Option<u64>,
    /// ... every this many seconds of trace time
    #[arg(long, requires = "churn_top_k")]
    pub churn_period: Option<f64>,
    /// Packet rate of the timestamps
    #[arg(long, default_value_t = DEFAULT_RATE_PPS)]
    pub rate: f64,
    /// Nanosecond timestamps (magic a1b23c4d) instead of microseconds
    #[arg(long)]
    pub nanos: bool,
    /// Also write the apps' entries into this directory (APP.stf)
    #[arg(long)]
    pub entries: Option<PathBuf>,
    /// NetCache: keys the control plane caches (the most popular ones)
    #[arg(long, default_value_t = 10_240)]
    pub cached_keys: u64,
}

#[derive(clap::Args, Debug)]
pub struct EntriesArgs {
    #[command(flatten)]
    pub source: Source,
    /// Output directory (APP.stf per app)
    #[arg(short, long)]
    pub output: PathBuf,
    /// NetCache: keys the control plane caches (the most popular ones)
    #[arg(long, default_value_t = 10_240)]
    pub cached_keys: u64,
}

#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    /// The pcap
    pub file: PathBuf,
    /// Key: 5tuple, srcip, dstip, ippair, srcport, dstport, proto
    #[arg(long, default_value = "5tuple")]
    pub key: KeyKind,
    /// Count packets or bytes
    #[arg(long, default_value = "packets")]
    pub weight: Weight,
    /// Key VXLAN and GRE packets by the packet they carry
    #[arg(long)]
    pub inner: bool,
    /// Write the CDF as CSV (key_fraction,traffic_fraction; the scenario's `cdf` format)
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// The trace configuration, and the trace's name (the scenario's, or `trace`).
fn trace_config(src: &Source) -> Result<(TraceConfig, String)> {
    let scenario = src.scenario_file.as_ref().or(src.scenario.as_ref());
    let (mut cfg, name) = match (scenario, &src.apps) {
        (Some(path), _) => {
            // ScenarioError's message already names the file and the cause.
            let s = exo_scenario::Scenario::load(path).map_err(|e| anyhow::anyhow!("{e}"))?;
            (config::from_scenario(&s), s.name.clone())
        }
        (None, Some(spec)) => {
            let sizes = SizeDist::parse(&src.size).map_err(anyhow::Error::msg)?;
            let apps = config::apps_from_spec(spec, src.flows, src.alpha, &sizes)
                .map_err(anyhow::Error::msg)?;
            let cfg = TraceConfig {
                apps,
                packets: config::DEFAULT_PACKETS,
                seed: 1,
                churn: None,
                rate_pps: DEFAULT_RATE_PPS,
                start_ns: config::DEFAULT_START_NS,
            };
            (cfg, "trace".to_string())
        }
        (None, None) => bail!("give a scenario file or --apps LIST"),
    };
    if let Some(seed) = src.seed {
        cfg.seed = seed;
    }
    Ok((cfg, name))
}

/// The pcap `gen` writes: `output` itself when it names a `.pcap` file, else `output/NAME.pcap`.
fn pcap_path(output: &Path, name: &str) -> Result<PathBuf> {
    if output.extension().is_some_and(|e| e == "pcap") && !output.is_dir() {
        if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
        }
        return Ok(output.to_path_buf());
    }
    std::fs::create_dir_all(output).with_context(|| format!("{}", output.display()))?;
    // A scenario's name is a free string: keep it to one path component.
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = if stem.is_empty() || stem.starts_with('.') {
        "trace".to_string()
    } else {
        stem
    };
    Ok(output.join(format!("{stem}.pcap")))
}

/// Writes `DIR/<app>.stf` for every app of the trace.
fn write_entries_dir(cfg: &TraceConfig, dir: &Path, cached_keys: u64) -> Result<()> {
    for (path, n, kind) in exo_traffic::gen::write_entries_dir(cfg, dir, cached_keys)? {
        eprintln!("{}: {} lines ({})", path.display(), n, kind);
    }
    Ok(())
}

fn gen(a: &GenArgs) -> Result<()> {
    let (mut cfg, name) = trace_config(&a.source)?;
    if let Some(p) = a.packets {
        cfg.packets = p;
    }
    if let (Some(top_k), Some(period_s)) = (a.churn_top_k, a.churn_period) {
        cfg.churn = Some(Churn { top_k, period_s });
    }
    cfg.rate_pps = a.rate;
    cfg.validate()?;
    let path = pcap_path(&a.output, &name)?;
    let f = File::create(&path).with_context(|| format!("{}", path.display()))?;
    let opts = WriterOptions {
        resolution: if a.nanos {
            Resolution::Nanos
        } else {
            Resolution::Micros
        },
        ..WriterOptions::default()
    };
    let t0 = Instant::now();
    let s = write_pcap(&cfg, BufWriter::with_capacity(4 << 20, f), opts)
        .with_context(|| format!("{}", path.display()))?;
    let dt = t0.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "{}: {} packets, {} bytes in {:.2} s ({:.2} Mpps)",
        path.display(),
        s.packets,
        s.bytes,
        dt,
        s.packets as f64 / dt / 1e6
    );
    for (app, n) in cfg.apps.iter().zip(&s.per_app) {
        eprintln!("  {:<12} {:>10} packets ({})", app.name, n, app.kind);
    }
    if let Some(dir) = &a.entries {
        write_entries_dir(&cfg, dir, a.cached_keys)?;
    }
    Ok(())
}

fn entries(a: &EntriesArgs) -> Result<()> {
    let (cfg, _) = trace_config(&a.source)?;
    cfg.validate()?;
    write_entries_dir(&cfg, &a.output, a.cached_keys)
}

fn stats(a: &StatsArgs) -> Result<()> {
    let mut r = PcapReader::open(&a.file)?;
    let mut c = KeyCounter::new(a.key, a.weight, a.inner);
    c.add_pcap(&mut r)?;
    let cdf = c.finish();
    print!("{}: {}", a.file.display(), cdf.summary());
    if let Some(csv) = &a.csv {
        let f = File::create(csv).with_context(|| format!("{}", csv.display()))?;
        let mut w = BufWriter::new(f);
        cdf.write_csv(&a.file.display().to_string(), &mut w)
            .with_context(|| format!("{}", csv.display()))?;
        w.flush().with_context(|| format!("{}", csv.display()))?;
        eprintln!("wrote {}", csv.display());
    }
    Ok(())
}

/// Runs `exo-fastpath trace CMD`.
pub fn run(cmd: &TraceCmd) -> Result<()> {
    match cmd {
        TraceCmd::Gen(a) => gen(a),
        TraceCmd::Entries(a) => entries(a),
        TraceCmd::Stats(a) => stats(a),
    }
}
