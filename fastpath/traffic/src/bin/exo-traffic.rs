//! `exo-traffic`: generate traces (and the entries that go with them) and measure union-key
//! skew. `exo-fastpath trace gen|entries|stats` exposes the same commands.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use exo_traffic::config::{self, DEFAULT_ALPHA, DEFAULT_FLOWS, DEFAULT_RATE_PPS};
use exo_traffic::gen::{write_pcap, Churn, TraceConfig};
use exo_traffic::pcap::{PcapReader, Resolution, WriterOptions};
use exo_traffic::stats::{KeyCounter, KeyKind, Weight};
use exo_traffic::SizeDist;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "exo-traffic",
    version,
    about = "ExoPlane traffic: trace generation and union-key statistics"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate a pcap trace (and optionally the apps' control-plane entries)
    Gen(GenArgs),
    /// Write only the apps' control-plane entries (STF lines), one file per app
    Entries(EntriesArgs),
    /// Union-key CDF of a pcap: share of traffic carried by the top x% of keys
    Stats(StatsArgs),
}

#[derive(clap::Args)]
struct Source {
    /// Scenario file (TOML, docs/scenario.md): apps, weights, keyspaces, sizes, distributions
    #[arg(long, conflicts_with = "apps")]
    scenario: Option<PathBuf>,
    /// Apps without a scenario: `name[:weight],...` (vpn_gateway, nat, acl, univmon, vm_nat,
    /// stateful_fw, syn_proxy, netcache, generic); equal weights by default
    #[arg(long)]
    apps: Option<String>,
    /// Keyspace per app, with --apps
    #[arg(long, default_value_t = DEFAULT_FLOWS)]
    flows: u64,
    /// Zipf exponent, with --apps (the paper uses 0.9, 0.95, 0.99)
    #[arg(long, default_value_t = DEFAULT_ALPHA)]
    alpha: f64,
    /// Packet size with --apps: bytes (60-9216), `imix` (64/576/1500 B, 7:4:1) or `SIZE:WEIGHT,...`
    #[arg(long, default_value = "64")]
    size: String,
    /// Seed (overrides the scenario's)
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(clap::Args)]
struct GenArgs {
    #[command(flatten)]
    source: Source,
    /// Output pcap
    #[arg(short, long)]
    output: PathBuf,
    /// Number of packets (overrides the scenario's)
    #[arg(long)]
    packets: Option<u64>,
    /// Rotate the top-K flows of every app ... (overrides the scenario's churn)
    #[arg(long, requires = "churn_period")]
    churn_top_k: Option<u64>,
    /// ... every this many seconds of trace time
    #[arg(long, requires = "churn_top_k")]
    churn_period: Option<f64>,
    /// Packet rate of the timestamps
    #[arg(long, default_value_t = DEFAULT_RATE_PPS)]
    rate: f64,
    /// Nanosecond timestamps (magic a1b23c4d) instead of microseconds
    #[arg(long)]
    nanos: bool,
    /// Also write the apps' entries into this directory (APP.stf)
    #[arg(long)]
    entries: Option<PathBuf>,
    /// NetCache: keys the control plane caches (the most popular ones)
    #[arg(long, default_value_t = 10_240)]
    cached_keys: u64,
}

#[derive(clap::Args)]
struct EntriesArgs {
    #[command(flatten)]
    source: Source,
    /// Output directory (APP.stf per app)
    #[arg(short, long)]
    output: PathBuf,
    /// NetCache: keys the control plane caches (the most popular ones)
    #[arg(long, default_value_t = 10_240)]
    cached_keys: u64,
}

#[derive(clap::Args)]
struct StatsArgs {
    /// The pcap
    file: PathBuf,
    /// Key: 5tuple, srcip, dstip, ippair, srcport, dstport, proto
    #[arg(long, default_value = "5tuple")]
    key: KeyKind,
    /// Count packets or bytes
    #[arg(long, default_value = "packets")]
    weight: Weight,
    /// Key VXLAN and GRE packets by the packet they carry
    #[arg(long)]
    inner: bool,
    /// Write the CDF as CSV (key_fraction,traffic_fraction; the scenario's `cdf` format)
    #[arg(long)]
    csv: Option<PathBuf>,
}

fn trace_config(src: &Source) -> Result<TraceConfig> {
    let mut cfg = match (&src.scenario, &src.apps) {
        (Some(path), _) => {
            // ScenarioError's message already names its cause.
            let s = exo_scenario::Scenario::load(path).map_err(|e| anyhow::anyhow!("{e}"))?;
            config::from_scenario(&s)
        }
        (None, Some(spec)) => {
            let sizes = SizeDist::parse(&src.size).map_err(anyhow::Error::msg)?;
            let apps = config::apps_from_spec(spec, src.flows, src.alpha, &sizes)
                .map_err(anyhow::Error::msg)?;
            TraceConfig {
                apps,
                packets: config::DEFAULT_PACKETS,
                seed: 1,
                churn: None,
                rate_pps: DEFAULT_RATE_PPS,
                start_ns: config::DEFAULT_START_NS,
            }
        }
        (None, None) => bail!("give --scenario FILE or --apps LIST"),
    };
    if let Some(seed) = src.seed {
        cfg.seed = seed;
    }
    Ok(cfg)
}

fn entries(cfg: &TraceConfig, dir: &std::path::Path, cached_keys: u64) -> Result<()> {
    for (path, n, kind) in exo_traffic::gen::write_entries_dir(cfg, dir, cached_keys)? {
        eprintln!("{}: {} lines ({})", path.display(), n, kind);
    }
    Ok(())
}

fn main() {
    // Errors are for people: one line with its causes, no backtrace.
    if let Err(e) = run(Cli::parse()) {
        eprintln!("exo-traffic: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Gen(a) => {
            let mut cfg = trace_config(&a.source)?;
            if let Some(p) = a.packets {
                cfg.packets = p;
            }
            if let (Some(top_k), Some(period_s)) = (a.churn_top_k, a.churn_period) {
                cfg.churn = Some(Churn { top_k, period_s });
            }
            cfg.rate_pps = a.rate;
            cfg.validate()?;
            let f = File::create(&a.output).with_context(|| format!("{}", a.output.display()))?;
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
                .with_context(|| format!("{}", a.output.display()))?;
            let dt = t0.elapsed().as_secs_f64();
            eprintln!(
                "{}: {} packets, {} bytes in {:.2} s ({:.2} Mpps)",
                a.output.display(),
                s.packets,
                s.bytes,
                dt,
                s.packets as f64 / dt / 1e6
            );
            for (app, n) in cfg.apps.iter().zip(&s.per_app) {
                eprintln!("  {:<12} {:>10} packets ({})", app.name, n, app.kind);
            }
            if let Some(dir) = &a.entries {
                entries(&cfg, dir, a.cached_keys)?;
            }
        }
        Cmd::Entries(a) => {
            let cfg = trace_config(&a.source)?;
            cfg.validate()?;
            entries(&cfg, &a.output, a.cached_keys)?;
        }
        Cmd::Stats(a) => {
            let mut r = PcapReader::open(&a.file)?;
            let mut c = KeyCounter::new(a.key, a.weight, a.inner);
            c.add_pcap(&mut r)?;
            let cdf = c.finish();
            print!("{}: {}", a.file.display(), cdf.summary());
            if let Some(csv) = &a.csv {
                let f = File::create(csv).with_context(|| format!("{}", csv.display()))?;
                let mut w = BufWriter::new(f);
                cdf.write_csv(&a.file.display().to_string(), &mut w)?;
                w.flush()?;
                eprintln!("wrote {}", csv.display());
            }
        }
    }
    Ok(())
}
