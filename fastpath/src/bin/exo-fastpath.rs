//! `exo-fastpath`: run P4 programs on the ExoPlane engine.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use exo_fastpath::Pipeline;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "exo-fastpath", version, about = "ExoPlane fast-path engine")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run an STF test against a program; exit 0 iff it passes.
    Stf {
        program: PathBuf,
        test: PathBuf,
        /// Include directory for the program.
        #[arg(short = 'I', value_name = "DIR")]
        include: Vec<PathBuf>,
        /// Check only the ports that `packet` and `expect` lines name, like p4c's STF runner
        /// (which discards output on other ports); by default such output fails the test.
        #[arg(long)]
        p4c_ports: bool,
    },
    /// Measure the engine alone on generated traffic (see docs/benchmarks.md).
    Bench(exo_fastpath::bench::BenchArgs),
    /// Run a program on real ports (AF_XDP, DPDK, pcap, memory) from a TOML configuration.
    Run(exo_fastpath::io::cli::RunArgs),
    /// The run loop over a chosen backend: Mpps per core and the I/O-only ceiling.
    IoBench(exo_fastpath::io::cli::IoBenchArgs),
    /// Traces for the apps: generate (gen), write their entries (entries), union-key CDF (stats).
    #[command(subcommand)]
    Trace(exo_fastpath::trace_cmd::TraceCmd),
}

/// Loads a program: a `.p4` file through the frontend, or an IR JSON file.
fn load(path: &Path, include: &[PathBuf]) -> Result<Pipeline> {
    if !path.exists() {
        bail!("{}: no such file", path.display());
    }
    let ir = if path.extension().is_some_and(|e| e == "json") {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        exo_p4::ir::Program::from_json(&text).with_context(|| path.display().to_string())?
    } else {
        let opts = exo_p4::CompileOptions {
            include_dirs: include.to_vec(),
            defines: Vec::new(),
        };
        let c = exo_p4::compile_file(path, &opts);
        if c.has_errors() {
            eprint!("{}", c.render_diagnostics());
            bail!("{}: {} error(s)", path.display(), c.diags.error_count());
        }
        c.ir.context("no IR produced")?
    };
    Pipeline::from_ir(&ir).with_context(|| format!("loading {}", path.display()))
}

fn run(cli: Cli) -> Result<bool> {
    match cli.cmd {
        Cmd::Stf {
            program,
            test,
            include,
            p4c_ports,
        } => {
            let mut pipe = load(&program, &include)?;
            let text = std::fs::read_to_string(&test)
                .with_context(|| format!("reading {}", test.display()))?;
            let opts = exo_fastpath::stf::StfOptions {
                mentioned_ports_only: p4c_ports,
            };
            let report =
                exo_fastpath::stf::run_with(&mut pipe, &test.display().to_string(), &text, opts)?;
            if report.passed() {
                println!(
                    "PASS {}: {} packet(s), {} expectation(s)",
                    test.display(),
                    report.packets,
                    report.expected
                );
                Ok(true)
            } else {
                println!("FAIL {}", test.display());
                for f in &report.failures {
                    println!("  {f}");
                }
                Ok(false)
            }
        }
        Cmd::Run(args) => exo_fastpath::io::cli::run(&args),
        Cmd::IoBench(args) => exo_fastpath::io::cli::io_bench(&args),
        Cmd::Trace(cmd) => exo_fastpath::trace_cmd::run(&cmd).map(|()| true),
        Cmd::Bench(args) => {
            let mut pipe = load(&args.program, &args.include)?;
            let report = exo_fastpath::bench::run(&mut pipe, &args)?;
            println!("{report}");
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("exo-fastpath: {e:#}");
            ExitCode::from(2)
        }
    }
}
