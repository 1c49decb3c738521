//! `exo-fastpath run CONFIG.toml` and `exo-fastpath io-bench`: the per-core loops over a chosen
//! backend, with periodic counters, clean shutdown on Ctrl-C / SIGTERM, and (io-bench) the I/O
//! ceiling measured in the same run with the empty pipeline.

use super::afxdp::{AfXdpIo, XskConfig, XskSocket};
use super::config::{BackendKind, PaceConfig, RunConfig, XdpModeConfig};
use super::mem::{MemIo, MemTrace};
use super::pcap::{Pace, PcapIo, PcapPort};
use super::{
    run_core, ControlQueue, CoreStats, LoopOptions, LoopReport, PacketIo, Passthrough, Processor,
};
use crate::pipeline::Pipeline;
use anyhow::{anyhow, bail, Context, Result};
use exo_ebpf::{AttachMode, Steering};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Set by the Ctrl-C / SIGTERM handler.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn install_signal_handler() {
    // A second installation (tests, io-bench phases) fails harmlessly.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

#[derive(clap::Args, Clone, Debug)]
pub struct RunArgs {
    /// The configuration file (TOML; see `io::config`).
    pub config: PathBuf,
    /// Stop after this many seconds (default: until Ctrl-C, or the end of a pcap replay).
    #[arg(long)]
    pub seconds: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchBackend {
    Mem,
    Pcap,
    Afxdp,
    Dpdk,
}

#[derive(clap::Args, Clone, Debug)]
pub struct IoBenchArgs {
    /// The program (.p4 or IR .json).
    pub program: PathBuf,
    #[arg(short = 'I', value_name = "DIR")]
    pub include: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "mem")]
    pub backend: BenchBackend,
    /// Table entries (STF add/setdefault lines); without it, entries are generated from the
    /// flows as `exo-fastpath bench` does, and outputs to ports the backend does not serve are
    /// folded onto the served ones.
    #[arg(long)]
    pub entries: Option<PathBuf>,
    /// Traffic from a pcap file (all packets arrive on the first port) instead of generated flows.
    #[arg(long)]
    pub pcap: Option<PathBuf>,
    /// Generated traffic: number of flows, Zipf exponent, packet size, table fills.
    #[arg(long, default_value_t = 1024)]
    pub flows: usize,
    #[arg(long, default_value_t = 0.0)]
    pub zipf: f64,
    #[arg(long = "pkt-size", default_value_t = 64)]
    pub pkt_size: usize,
    #[arg(long = "lpm-fill", default_value_t = 0)]
    pub lpm_fill: usize,
    #[arg(long = "ternary-fill", default_value_t = 0)]
    pub ternary_fill: usize,
    #[arg(long = "ternary-masks", default_value_t = 10)]
    pub ternary_masks: usize,
    /// AF_XDP: interfaces, P4 ports 1, 2, ... in order.
    #[arg(long = "iface")]
    pub ifaces: Vec<String>,
    /// AF_XDP: create a namespace with one veth pair per port (default 1) and a flooding
    /// AF_XDP generator on the peers; measures a bare AF_XDP echo loop too.
    #[arg(long)]
    pub veth: bool,
    #[arg(long = "veth-ports", default_value_t = 1)]
    pub veth_ports: usize,
    #[arg(long = "xdp-mode", default_value = "auto")]
    pub xdp_mode: String,
    /// DPDK: ports, P4 ports 1, 2, ... in order (default 0 and 1).
    #[arg(long = "dpdk-port")]
    pub dpdk_ports: Vec<u16>,
    /// DPDK: one EAL argument (repeat); default `--no-huge -l 0..cores-1 --vdev=net_null0
    /// --vdev=net_null1`, or with --dpdk-pcap-source a net_pcap replay of the generated trace
    /// on port 0 and a net_null sink on port 1.
    #[arg(long = "eal", allow_hyphen_values = true)]
    pub eal: Vec<String>,
    #[arg(long = "dpdk-pcap-source")]
    pub dpdk_pcap_source: bool,
    #[arg(long, default_value_t = 1)]
    pub cores: usize,
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = super::BURST)]
    pub burst: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Loads a program's IR: a `.p4` file through the frontend, or an IR JSON file.
pub fn load_ir(path: &Path, include: &[PathBuf]) -> Result<exo_p4::ir::Program> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    if path.extension().is_some_and(|e| e == "json") {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return exo_p4::ir::Program::from_json(&text).with_context(|| path.display().to_string());
    }
    let opts = exo_p4::CompileOptions {
        include_dirs: include.to_vec(),
        defines: Vec::new(),
    };
    let c = exo_p4::compile_file(path, &opts);
    if c.has_errors() {
        eprint!("{}", c.render_diagnostics());
        bail!("{}: {} error(s)", path.display(), c.diags.error_count());
    }
    c.ir.context("no IR produced")
}

fn xdp_mode(s: &str) -> Result<AttachMode> {
    Ok(match s {
        "auto" => AttachMode::Auto,
        "native" => AttachMode::Native,
        "generic" => AttachMode::Generic,
        other => bail!("unknown XDP mode `{other}` (auto, native or generic)"),
    })
}

/// The sum of per-core reports.
fn merge(reports: &[LoopReport]) -> LoopReport {
    let mut total = LoopReport::default();
    for r in reports {
        if total.ports.is_empty() {
            total.ports = r.ports.clone();
            total.counts = r.counts.clone();
        } else {
            for (t, c) in total.counts.iter_mut().zip(&r.counts) {
                t.rx += c.rx;
                t.tx += c.tx;
                t.drop += c.drop;
            }
        }
        total.unrouted += r.unrouted;
        total.seconds = total.seconds.max(r.seconds);
    }
    total
}

/// Runs one loop per core (core i on backend `ios[i]` with processor `procs[i]`), printing the
/// per-port counters every `interval` when given, until the loops end, `opts.duration` passes
/// or Ctrl-C.
pub fn run_cores<B, P>(
    ios: &mut [B],
    procs: &mut [P],
    opts: &LoopOptions,
    interval: Option<Duration>,
) -> Result<Vec<LoopReport>>
where
    B: PacketIo + Send,
    P: Processor + Send,
{
    let clock = Instant::now();
    // Where each loop runs: the backend's choice (DPDK: its EAL lcore's CPU), else the i-th CPU
    // the process may use.
    let cpus: Vec<Option<usize>> = ios
        .iter()
        .enumerate()
        .map(|(i, io)| io.cpu().or_else(|| super::sys::nth_cpu(i)))
        .collect();
    if interval.is_some() {
        for (i, c) in cpus.iter().enumerate() {
            match c {
                Some(c) => println!("core {i}: CPU {c}"),
                None => println!("core {i}: not pinned (CPU set unknown)"),
            }
        }
    }
    let ctls: Vec<Arc<ControlQueue<P>>> = ios.iter().map(|_| ControlQueue::new(64)).collect();
    let stats: Vec<Arc<CoreStats>> = ios.iter().map(|io| CoreStats::new(io.ports())).collect();
    std::thread::scope(|s| -> Result<Vec<LoopReport>> {
        let mut handles = Vec::new();
        for (core, (io, proc)) in ios.iter_mut().zip(procs.iter_mut()).enumerate() {
            let ctl = ctls[core].clone();
            let st = stats[core].clone();
            let opts = opts.clone();
            let cpu = cpus[core];
            handles.push(s.spawn(move || {
                if let Some(c) = cpu {
                    super::sys::pin_to(c);
                }
                run_core(io, proc, &ctl, &st, clock, &opts)
            }));
        }
        let mut last = Instant::now();
        let mut last_rx = 0u64;
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(20));
            if INTERRUPTED.load(Ordering::SeqCst) {
                for c in &ctls {
                    c.stop();
                }
                break;
            }
            if let Some(iv) = interval {
                if last.elapsed() >= iv {
                    let dt = last.elapsed().as_secs_f64();
                    last = Instant::now();
                    last_rx = print_stats(&stats, last_rx, dt);
                }
            }
        }
        let mut reports = Vec::new();
        for h in handles {
            let r = h
                .join()
                .map_err(|_| anyhow!("a data-path thread panicked"))??;
            reports.push(r);
        }
        Ok(reports)
    })
}

/// Prints one line per port (summed over cores) and the total rate; returns the new rx total.
fn print_stats(stats: &[Arc<CoreStats>], last_rx: u64, dt: f64) -> u64 {
    let ports = &stats[0].ports;
    let mut sums = vec![super::PortCounts::default(); ports.len()];
    let mut unrouted = 0;
    for s in stats {
        for (t, c) in sums.iter_mut().zip(s.snapshot()) {
            t.rx += c.rx;
            t.tx += c.tx;
            t.drop += c.drop;
        }
        unrouted += s.unrouted.load(Ordering::Relaxed);
    }
    let rx: u64 = sums.iter().map(|c| c.rx).sum();
    let mut line = format!(
        "{:>8.3} Mpps |",
        (rx - last_rx.min(rx)) as f64 / dt.max(1e-9) / 1e6
    );
    for (p, c) in ports.iter().zip(&sums) {
        line.push_str(&format!(
            " port {p}: rx {} tx {} drop {} |",
            c.rx, c.tx, c.drop
        ));
    }
    if unrouted > 0 {
        line.push_str(&format!(" unrouted {unrouted}"));
    }
    println!("{line}");
    rx
}

fn print_total(label: &str, reports: &[LoopReport]) {
    let t = merge(reports);
    let per_core: Vec<String> = reports.iter().map(|r| format!("{:.3}", r.mpps())).collect();
    println!(
        "{label}: {:.3} Mpps total ({} per core) | rx {} tx {} drop {} in {:.2} s",
        per_core
            .iter()
            .filter_map(|s| s.parse::<f64>().ok())
            .sum::<f64>(),
        per_core.join(" / "),
        t.rx(),
        t.tx(),
        t.drops(),
        t.seconds
    );
}

fn pipelines(ir: &exo_p4::ir::Program, entries: Option<&Path>, n: usize) -> Result<Vec<Pipeline>> {
    (0..n)
        .map(|_| {
            let mut p = Pipeline::from_ir(ir)?;
            if let Some(e) = entries {
                super::load_entries(&mut p, e)?;
            }
            Ok(p)
        })
        .collect()
}

/// AF_XDP: the steering programs (one per interface) and each core's sockets.
fn afxdp_setup(
    ports: &[(u32, String)],
    cores: usize,
    mode: AttachMode,
    xcfg: &XskConfig,
    mgmt: (&[std::net::Ipv4Addr], &[u16]),
) -> Result<(Vec<Steering>, Vec<AfXdpIo>)> {
    let mut steering: Vec<Steering> = Vec::new();
    for (_, iface) in ports {
        if steering.iter().any(|s| s.interface() == iface) {
            continue;
        }
        let mut s = Steering::attach(iface, mode)?;
        for a in mgmt.0 {
            s.add_mgmt_addr(*a)?;
        }
        for p in mgmt.1 {
            s.add_mgmt_port(*p)?;
        }
        println!("XDP steering attached to {iface} in {} mode", s.mode());
        steering.push(s);
    }
    let mut ios = Vec::new();
    for core in 0..cores {
        let mut socks = Vec::new();
        for (p4, iface) in ports {
            let sock = XskSocket::open(iface, core as u32, *p4, xcfg)?;
            let st = steering
                .iter_mut()
                .find(|s| s.interface() == iface)
                .ok_or_else(|| anyhow!("no steering program on {iface}"))?;
            st.register_socket(core as u32, sock.fd())?;
            socks.push(sock);
        }
        ios.push(AfXdpIo::new(socks)?);
    }
    Ok((steering, ios))
}

fn print_steering(steering: &[Steering]) {
    for s in steering {
        if let Ok(st) = s.stats() {
            println!(
                "XDP {}: redirected {} passed {} dropped {}",
                s.interface(),
                st.redirected,
                st.passed,
                st.dropped
            );
        }
    }
}

/// `exo-fastpath run CONFIG.toml`.
pub fn run(args: &RunArgs) -> Result<bool> {
    let text = std::fs::read_to_string(&args.config)
        .with_context(|| format!("reading {}", args.config.display()))?;
    let base = args
        .config
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let cfg =
        RunConfig::parse(&text, &base).map_err(|e| anyhow!("{}: {e}", args.config.display()))?;
    let ir = load_ir(&cfg.program, &cfg.include)?;
    let mut procs = pipelines(&ir, cfg.entries.as_deref(), cfg.cores)?;
    if procs.first().is_some_and(|p| p.prog.gen.is_some()) {
        eprintln!(
            "{}: running generated code (compiled tier)",
            cfg.program.display()
        );
    }
    install_signal_handler();
    let opts = LoopOptions {
        burst: cfg.burst,
        duration: args.seconds.map(Duration::from_secs_f64),
        ..LoopOptions::default()
    };
    let interval = Some(Duration::from_secs_f64(cfg.stats_interval_s.max(0.05)));
    let reports = match cfg.backend {
        BackendKind::Pcap => {
            let ports: Vec<PcapPort> = cfg
                .ports
                .iter()
                .map(|p| PcapPort {
                    port: p.p4,
                    replay: p.replay.clone(),
                    capture: p.capture.clone(),
                })
                .collect();
            let pace = match cfg.pcap.pace {
                PaceConfig::Fast => Pace::Fast,
                PaceConfig::Recorded => Pace::Recorded,
            };
            let mut ios = vec![PcapIo::open(&ports, pace, cfg.pcap.rounds)?];
            run_cores(&mut ios, &mut procs, &opts, interval)?
        }
        BackendKind::Mem => {
            // Replays the ports' pcap files from memory in a loop.
            let mut trace = MemTrace::new();
            for p in &cfg.ports {
                if let Some(path) = &p.replay {
                    let mut r = exo_traffic::pcap::PcapReader::open(path)?;
                    while let Some(rec) = r.next()? {
                        trace.push(p.p4, rec.data);
                    }
                }
            }
            let mut ios = (0..cfg.cores)
                .map(|_| MemIo::new(&cfg.p4_ports(), trace.clone(), true, false))
                .collect::<Result<Vec<_>, _>>()?;
            run_cores(&mut ios, &mut procs, &opts, interval)?
        }
        BackendKind::Afxdp => {
            let ports: Vec<(u32, String)> = cfg
                .ports
                .iter()
                .map(|p| (p.p4, p.interface.clone().unwrap_or_default()))
                .collect();
            let mode = match cfg.xdp.mode {
                XdpModeConfig::Auto => AttachMode::Auto,
                XdpModeConfig::Native => AttachMode::Native,
                XdpModeConfig::Generic => AttachMode::Generic,
            };
            let xcfg = XskConfig {
                zero_copy: cfg.xdp.zero_copy,
                ..XskConfig::default()
            };
            let (steering, mut ios) = afxdp_setup(
                &ports,
                cfg.cores,
                mode,
                &xcfg,
                (&cfg.xdp.mgmt_addrs, &cfg.xdp.mgmt_ports),
            )?;
            let r = run_cores(&mut ios, &mut procs, &opts, interval)?;
            print_steering(&steering);
            drop(ios);
            drop(steering);
            r
        }
        BackendKind::Dpdk => run_dpdk(&cfg, &mut procs, &opts, interval)?,
    };
    print_total("total", &reports);
    println!("stopped; nothing left attached");
    Ok(true)
}

#[cfg(feature = "dpdk")]
fn run_dpdk(
    cfg: &RunConfig,
    procs: &mut [Pipeline],
    opts: &LoopOptions,
    interval: Option<Duration>,
) -> Result<Vec<LoopReport>> {
    use super::dpdk::Dpdk;
    let map: Vec<(u32, u16)> = cfg
        .ports
        .iter()
        .map(|p| (p.p4, p.dpdk_port.unwrap_or(0)))
        .collect();
    let mut devs: Vec<u16> = map.iter().map(|m| m.1).collect();
    devs.sort_unstable();
    devs.dedup();
    let d = Dpdk::init(
        &cfg.dpdk.eal,
        &devs,
        cfg.cores as u16,
        cfg.dpdk.mbufs.unwrap_or(8192),
    )?;
    for &p in &devs {
        println!("DPDK port {p}: {}", Dpdk::port_name(p));
    }
    let mut ios = (0..cfg.cores)
        .map(|q| d.core_io(&map, q as u16))
        .collect::<Result<Vec<_>, _>>()?;
    let r = run_cores(&mut ios, procs, opts, interval)?;
    drop(ios);
    drop(d);
    Ok(r)
}

#[cfg(not(feature = "dpdk"))]
fn run_dpdk(
    _cfg: &RunConfig,
    _procs: &mut [Pipeline],
    _opts: &LoopOptions,
    _interval: Option<Duration>,
) -> Result<Vec<LoopReport>> {
    bail!("this exo-fastpath was built without DPDK (rebuild with --features dpdk; needs the Debian package libdpdk-dev)")
}

/// Traffic and entries for io-bench: a pcap file, or generated flows with entries.
fn bench_traffic(args: &IoBenchArgs, pipes: &mut [Pipeline]) -> Result<(Vec<Vec<u8>>, bool)> {
    if let Some(path) = &args.pcap {
        let mut frames = Vec::new();
        let mut r = exo_traffic::pcap::PcapReader::open(path)?;
        while let Some(rec) = r.next()? {
            frames.push(rec.data.to_vec());
        }
        if frames.is_empty() {
            bail!("{}: no packets", path.display());
        }
        for p in pipes.iter_mut() {
            if let Some(e) = &args.entries {
                super::load_entries(p, e)?;
            }
        }
        return Ok((frames, args.entries.is_none()));
    }
    let bargs = crate::bench::BenchArgs {
        include: args.include.clone(),
        flows: args.flows,
        zipf: args.zipf,
        pkt_size: args.pkt_size,
        seconds: args.seconds,
        burst: args.burst,
        entries: args.entries.clone(),
        lpm_fill: args.lpm_fill,
        ternary_fill: args.ternary_fill,
        ternary_masks: args.ternary_masks,
        seed: args.seed,
        ..crate::bench::BenchArgs::new(args.program.clone())
    };
    let mut frames = Vec::new();
    for (i, p) in pipes.iter_mut().enumerate() {
        let t = crate::bench::prepare(p, &bargs)?;
        if i == 0 {
            frames = (0..t.packets()).map(|k| t.packet(k).to_vec()).collect();
        }
    }
    Ok((frames, args.entries.is_none()))
}

/// `exo-fastpath io-bench`.
pub fn io_bench(args: &IoBenchArgs) -> Result<bool> {
    let ir = load_ir(&args.program, &args.include)?;
    let cores = args.cores.max(1);
    let mut pipes = pipelines(&ir, None, cores)?;
    let (frames, fold) = bench_traffic(args, &mut pipes)?;
    let mut empty: Vec<Passthrough> = (0..cores).map(|_| Passthrough::echo()).collect();
    install_signal_handler();
    let opts = LoopOptions {
        burst: args.burst,
        duration: Some(Duration::from_secs_f64(args.seconds)),
        ..LoopOptions::default()
    };
    println!(
        "program {} ({}) | backend {:?} | {} core(s) | {} distinct packets | burst {}",
        args.program.display(),
        if pipes.first().is_some_and(|p| p.prog.gen.is_some()) {
            "compiled"
        } else {
            "interpreter"
        },
        args.backend,
        cores,
        frames.len(),
        args.burst
    );
    match args.backend {
        BenchBackend::Mem | BenchBackend::Pcap => {
            if args.backend == BenchBackend::Pcap && args.pcap.is_none() {
                bail!("--backend pcap needs --pcap FILE");
            }
            let mut trace = MemTrace::new();
            for f in &frames {
                trace.push(1, f);
            }
            let mk = |fold: bool| -> Result<Vec<MemIo>> {
                (0..cores)
                    .map(|_| {
                        let mut m = MemIo::new(&[1, 2], trace.clone(), true, false)?;
                        if fold {
                            m.port_map_mut().fold_unserved();
                        }
                        Ok(m)
                    })
                    .collect()
            };
            let mut ios = mk(fold)?;
            let r = run_cores(&mut ios, &mut pipes, &opts, None)?;
            print_total("pipeline", &r);
            let mut ios = mk(fold)?;
            let c = run_cores(&mut ios, &mut empty, &opts, None)?;
            print_total("I/O ceiling (empty pipeline)", &c);
            print_share(&r, &c);
        }
        BenchBackend::Afxdp => bench_afxdp(args, &frames, fold, &mut pipes, &mut empty, &opts)?,
        BenchBackend::Dpdk => bench_dpdk(args, &frames, fold, &mut pipes, &mut empty, &opts)?,
    }
    Ok(true)
}

fn total_mpps(r: &[LoopReport]) -> f64 {
    r.iter().map(LoopReport::mpps).sum()
}

fn print_share(pipe: &[LoopReport], ceiling: &[LoopReport]) {
    let (a, b) = (total_mpps(pipe), total_mpps(ceiling));
    if b > 0.0 {
        // Core time per packet: each of the n cores spends n / rate on one packet.
        let (na, nb) = (pipe.len().max(1) as f64, ceiling.len().max(1) as f64);
        let (ta, tb) = (na * 1e3 / a.max(1e-9), nb * 1e3 / b);
        println!(
            "pipeline at {:.1} % of the I/O ceiling; per packet and core: {ta:.1} ns total, {tb:.1} ns I/O, {:.1} ns pipeline",
            100.0 * a / b,
            ta - tb
        );
    }
}

fn bench_afxdp(
    args: &IoBenchArgs,
    frames: &[Vec<u8>],
    fold: bool,
    pipes: &mut [Pipeline],
    empty: &mut [Passthrough],
    opts: &LoopOptions,
) -> Result<()> {
    let mode = xdp_mode(&args.xdp_mode)?;
    let xcfg = XskConfig::default();
    let cores = pipes.len();
    if !args.veth {
        if args.ifaces.is_empty() {
            bail!("--backend afxdp needs --iface IF (one per port) or --veth");
        }
        let ports: Vec<(u32, String)> = args
            .ifaces
            .iter()
            .enumerate()
            .map(|(i, f)| (i as u32 + 1, f.clone()))
            .collect();
        let (steering, mut ios) = afxdp_setup(&ports, cores, mode, &xcfg, (&[], &[]))?;
        if fold {
            ios.iter_mut()
                .for_each(|io| io.port_map_mut().fold_unserved());
        }
        let r = run_cores(&mut ios, pipes, opts, None)?;
        print_total("pipeline", &r);
        let c = run_cores(&mut ios, empty, opts, None)?;
        print_total("I/O ceiling (empty pipeline)", &c);
        print_share(&r, &c);
        print_steering(&steering);
        return Ok(());
    }
    // Self-contained: engine side in namespace E, generators in namespace G.
    if let Some(why) = exo_ebpf::netns::unavailable() {
        bail!("--veth: {why}");
    }
    let tag = std::process::id() % 100_000;
    let ns_e = exo_ebpf::netns::NetNs::create(&format!("exo-iob-e{tag}"))?;
    let ns_g = exo_ebpf::netns::NetNs::create(&format!("exo-iob-g{tag}"))?;
    let n = args.veth_ports.max(1);
    let mut ports = Vec::new();
    for i in 0..n {
        let (e, g) = (format!("xe{i}"), format!("xg{i}"));
        exo_ebpf::netns::veth_pair(
            &e,
            &ns_e,
            &format!("02:00:00:00:e0:{i:02x}"),
            &g,
            &ns_g,
            &format!("02:00:00:00:a0:{i:02x}"),
            cores as u32,
        )?;
        ports.push((i as u32 + 1, e));
    }
    // Generators: one TX-only AF_XDP socket per peer and queue (a packet sent on queue q reaches
    // the engine's RX queue q, that is core q), each on its own thread in namespace G.
    let stop = Arc::new(AtomicBool::new(false));
    let frames_arc = Arc::new(frames.to_vec());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let mut gens = Vec::new();
    for i in 0..n {
        for q in 0..cores {
            let stop = stop.clone();
            let frames = frames_arc.clone();
            let ns = format!("exo-iob-g{tag}");
            let ready = ready_tx.clone();
            gens.push(std::thread::spawn(move || -> Result<u64, String> {
                let setup = || -> Result<(Option<Steering>, XskSocket), String> {
                    let f = std::fs::File::open(format!("/run/netns/{ns}"))
                        .map_err(|e| e.to_string())?;
                    enter_ns(&f)?;
                    let g = format!("xg{i}");
                    // Echoed packets are dropped (and counted) by the steering program on the
                    // generator side: no socket is registered there. Queue 0's thread attaches
                    // it.
                    let st = if q == 0 {
                        Some(Steering::attach(&g, AttachMode::Native).map_err(|e| e.to_string())?)
                    } else {
                        None
                    };
                    let sock = XskSocket::open(&g, q as u32, 0, &XskConfig::default())
                        .map_err(|e| e.to_string())?;
                    Ok((st, sock))
                };
                match setup() {
                    Ok((st, mut sock)) => {
                        let _ = ready.send(Ok(()));
                        super::sys::pin_to_cpu(cores + i * cores + q);
                        let sent = super::afxdp::flood(&mut sock, &frames, &stop)
                            .map_err(|e| e.to_string())?;
                        match st {
                            Some(st) => {
                                // The other queues' generators stopped at the same time.
                                std::thread::sleep(Duration::from_millis(50));
                                let echoed = st.stats().map(|s| s.dropped).unwrap_or(0);
                                println!(
                                    "generator xg{i} queue {q}: sent {sent}; echoes received on xg{i}: {echoed}"
                                );
                            }
                            None => println!("generator xg{i} queue {q}: sent {sent}"),
                        }
                        Ok(sent)
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e.clone()));
                        Err(e)
                    }
                }
            }));
        }
    }
    for _ in 0..n * cores {
        ready_rx
            .recv()
            .map_err(|_| anyhow!("generator thread ended"))?
            .map_err(|e| anyhow!("generator: {e}"))?;
    }
    // The engine runs in namespace E: move this thread there (the loop threads inherit it).
    let result = std::thread::scope(|s| {
        s.spawn(|| -> Result<()> {
            ns_e.enter()?;
            let (steering, mut ios) = afxdp_setup(&ports, cores, mode, &xcfg, (&[], &[]))?;
            if fold {
                ios.iter_mut()
                    .for_each(|io| io.port_map_mut().fold_unserved());
            }
            let r = run_cores(&mut ios, pipes, opts, None)?;
            print_total("pipeline", &r);
            let c = run_cores(&mut ios, empty, opts, None)?;
            print_total("I/O ceiling (empty pipeline)", &c);
            print_share(&r, &c);
            // The bare echo loop on the first port's socket of core 0.
            let until = Instant::now() + opts.duration.unwrap_or(Duration::from_secs(3));
            let t0 = Instant::now();
            let mut socks = ios.remove(0);
            let echoed = bare_echo_first(&mut socks, until);
            let secs = t0.elapsed().as_secs_f64();
            println!(
                "bare AF_XDP echo loop: {:.3} Mpps ({} packets in {:.2} s)",
                echoed as f64 / secs / 1e6,
                echoed,
                secs
            );
            let bare = echoed as f64 / secs / 1e6;
            if bare > 0.0 {
                // The bare loop runs on one core: compare per core.
                let per = |rep: &[LoopReport]| total_mpps(rep) / rep.len().max(1) as f64;
                println!(
                    "per core, pipeline at {:.1} % of the bare echo loop; empty pipeline at {:.1} %",
                    100.0 * per(&r) / bare,
                    100.0 * per(&c) / bare
                );
            }
            print_steering(&steering);
            Ok(())
        })
        .join()
        .map_err(|_| anyhow!("engine thread panicked"))?
    });
    stop.store(true, Ordering::SeqCst);
    for g in gens {
        let _ = g.join();
    }
    drop(ns_e);
    drop(ns_g);
    result
}

fn bare_echo_first(io: &mut AfXdpIo, until: Instant) -> u64 {
    io.first_socket()
        .map(|s| super::afxdp::bare_echo(s, until))
        .unwrap_or(0)
}

fn enter_ns(f: &std::fs::File) -> Result<(), String> {
    exo_ebpf::netns::enter_fd(f).map_err(|e| e.to_string())
}

/// Most packets of the generated trace given to a DPDK net_pcap source.
#[cfg(feature = "dpdk")]
const PCAP_SOURCE_MAX: usize = 16384;

#[cfg(feature = "dpdk")]
fn bench_dpdk(
    args: &IoBenchArgs,
    frames: &[Vec<u8>],
    fold: bool,
    pipes: &mut [Pipeline],
    empty: &mut [Passthrough],
    opts: &LoopOptions,
) -> Result<()> {
    use super::dpdk::Dpdk;
    let cores = pipes.len();
    let mut eal = args.eal.clone();
    let mut tmp = None;
    if eal.is_empty() {
        eal = vec![
            "--no-huge".into(),
            "-m".into(),
            "1024".into(),
            "-l".into(),
            format!("0-{}", cores.saturating_sub(1)),
            "--no-pci".into(),
            "--log-level=error".into(),
            "--file-prefix".into(),
            format!("exo{}", std::process::id()),
        ];
        if args.dpdk_pcap_source {
            let path = std::env::temp_dir().join(format!("exo-iob-{}.pcap", std::process::id()));
            let f = std::fs::File::create(&path)?;
            let mut w = exo_traffic::pcap::PcapWriter::new(
                std::io::BufWriter::new(f),
                exo_traffic::pcap::WriterOptions::default(),
            )?;
            // net_pcap's infinite replay keeps every packet in an mbuf of our pool: cap it.
            for fr in frames.iter().take(PCAP_SOURCE_MAX) {
                w.write(0, fr)?;
            }
            w.flush()?;
            // Without a tx argument net_pcap drops what it is given to send.
            eal.push(format!(
                "--vdev=net_pcap0,rx_pcap={},infinite_rx=1",
                path.display()
            ));
            tmp = Some(path);
        } else {
            eal.push("--vdev=net_null0".into());
            eal.push("--vdev=net_null1".into());
        }
    }
    let devs: Vec<u16> = if !args.dpdk_ports.is_empty() {
        args.dpdk_ports.clone()
    } else if args.dpdk_pcap_source && args.eal.is_empty() {
        vec![0]
    } else {
        vec![0, 1]
    };
    let map: Vec<(u32, u16)> = devs
        .iter()
        .enumerate()
        .map(|(i, &d)| (i as u32 + 1, d))
        .collect();
    let d = Dpdk::init(
        &eal,
        &devs,
        cores as u16,
        2 * PCAP_SOURCE_MAX as u32 + 16384,
    )?;
    for &p in &devs {
        println!("DPDK port {p}: {}", Dpdk::port_name(p));
    }
    let mut ios = (0..cores)
        .map(|q| {
            let mut io = d.core_io(&map, q as u16)?;
            if fold {
                io.port_map_mut().fold_unserved();
            }
            Ok(io)
        })
        .collect::<Result<Vec<_>>>()?;
    let r = run_cores(&mut ios, pipes, opts, None)?;
    print_total("pipeline", &r);
    let c = run_cores(&mut ios, empty, opts, None)?;
    print_total("I/O ceiling (empty pipeline)", &c);
    print_share(&r, &c);
    drop(ios);
    drop(d);
    if let Some(p) = tmp {
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}

#[cfg(not(feature = "dpdk"))]
fn bench_dpdk(
    _args: &IoBenchArgs,
    _frames: &[Vec<u8>],
    _fold: bool,
    _pipes: &mut [Pipeline],
    _empty: &mut [Passthrough],
    _opts: &LoopOptions,
) -> Result<()> {
    bail!("this exo-fastpath was built without DPDK (rebuild with --features dpdk; needs the Debian package libdpdk-dev)")
}
