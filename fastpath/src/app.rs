//! The `exo-fastpath` command line, shared by the `exo-fastpath` binary and binaries that hold
//! generated code (see [`crate::codegen`]).

use crate::io::cli::load_ir;
use crate::Pipeline;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
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
    Bench(crate::bench::BenchArgs),
    /// Run a program on real ports (AF_XDP, DPDK, pcap, memory) from a TOML configuration.
    Run(crate::io::cli::RunArgs),
    /// The run loop over a chosen backend: Mpps per core and the I/O-only ceiling.
    IoBench(crate::io::cli::IoBenchArgs),
    /// Traces for the apps: generate (gen), write their entries (entries), union-key CDF (stats).
    #[command(subcommand)]
    Trace(crate::trace_cmd::TraceCmd),
    /// Generate the Rust module of a program's compiled tier (see docs/compiled.md).
    Codegen {
        program: PathBuf,
        #[arg(short = 'I', value_name = "DIR")]
        include: Vec<PathBuf>,
        /// Name of the generated module.
        #[arg(long, default_value = "program")]
        module: String,
        /// Output file (default: standard output).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Which of a program's statements the compiled tier of this binary runs natively.
    CodegenInfo {
        program: PathBuf,
        #[arg(short = 'I', value_name = "DIR")]
        include: Vec<PathBuf>,
    },
}

/// Loads a program: a `.p4` file through the frontend, or an IR JSON file.
fn load(path: &Path, include: &[PathBuf]) -> Result<Pipeline> {
    let ir = load_ir(path, include)?;
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
            let opts = crate::stf::StfOptions {
                mentioned_ports_only: p4c_ports,
            };
            let report = crate::stf::run_with(&mut pipe, &test.display().to_string(), &text, opts)?;
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
        Cmd::Run(args) => crate::io::cli::run(&args),
        Cmd::IoBench(args) => crate::io::cli::io_bench(&args),
        Cmd::Trace(cmd) => crate::trace_cmd::run(&cmd).map(|()| true),
        Cmd::Codegen {
            program,
            include,
            module,
            output,
        } => {
            let ir = load_ir(&program, &include)?;
            let prog = crate::compile::compile(&ir)
                .with_context(|| format!("compiling {}", program.display()))?;
            let name = program
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let code = crate::codegen::generate_module(&prog, &name, &module);
            match output {
                Some(o) => {
                    std::fs::write(&o, code).with_context(|| format!("writing {}", o.display()))?
                }
                None => print!("{code}"),
            }
            Ok(true)
        }
        Cmd::CodegenInfo { program, include } => {
            let pipe = load(&program, &include)?;
            let (_, fb) = crate::codegen::generate(&pipe.prog, "");
            match pipe.prog.gen {
                Some(g) => println!("compiled tier: {} ({:016x})", g.name, g.fingerprint),
                None => println!(
                    "interpreter (this binary holds no code generated from this program; \
                     {} registered)",
                    crate::codegen::registered().len()
                ),
            }
            println!(
                "left to the interpreter: {} statement(s), {} expression(s); {} argument list(s)",
                fb.s.len(),
                fb.e.len(),
                fb.args.len()
            );
            // What they are: the statement or expression kind, with the extern for externs.
            let mut kinds = std::collections::BTreeMap::<String, usize>::new();
            let kind = |d: String| {
                d.split([' ', '{', ','])
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches('(')
                    .to_string()
            };
            for st in &fb.s {
                *kinds.entry(kind(format!("{st:?}"))).or_default() += 1;
            }
            for e in &fb.e {
                *kinds
                    .entry(format!("expr {}", kind(format!("{e:?}"))))
                    .or_default() += 1;
            }
            for (k, n) in kinds {
                println!("  {n:4}  {k}");
            }
            Ok(true)
        }
        Cmd::Bench(args) => {
            let mut pipe = load(&args.program, &args.include)?;
            let report = crate::bench::run(&mut pipe, &args)?;
            println!("{report}");
            Ok(true)
        }
    }
}

/// Parses the command line and runs it: exit 0 on success, 1 when a test fails, 2 on error.
pub fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("exo-fastpath: {e:#}");
            ExitCode::from(2)
        }
    }
}
