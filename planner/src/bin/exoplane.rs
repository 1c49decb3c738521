//! `exoplane`: the ExoPlane planner CLI.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use exo_planner::alloc::SolverKind;
use exo_planner::bench::{self, BenchRow};
use exo_planner::catalog::Catalog;
use exo_planner::plan::{self, PlanOptions};
use exo_scenario::{Objective, Scenario};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "exoplane",
    version,
    about = "ExoPlane: run many stateful P4 apps on a switch and external devices"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Profile the scenario's apps, allocate, merge, and write a plan directory.
    Plan {
        scenario: PathBuf,
        /// Output directory.
        #[arg(short = 'o', long = "out", default_value = "plan")]
        out: PathBuf,
        /// Override the scenario's objective: min-weighted-latency | max-min-throughput | min-external-load.
        #[arg(long)]
        objective: Option<Objective>,
        /// fast (default) | microlp | highs | brute.
        #[arg(long, default_value = "fast")]
        solver: SolverKind,
        /// Directory of extra device models (*.toml).
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Vendor compiler measuring switch footprints (see docs/planner.md for the protocol).
        #[arg(long)]
        compiler: Option<String>,
        /// No progress output.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Appendix D Fig. 17: allocation time vs number of apps and vs entries per app.
    PlanBench {
        /// Numbers of apps (16 external devices, 1 M entries each).
        #[arg(long, value_delimiter = ',', default_value = "4,8,16,32,64")]
        apps: Vec<usize>,
        /// Millions of entries per app (4 apps).
        #[arg(long, value_delimiter = ',', default_value = "1,2,4,6,8,10")]
        millions: Vec<u64>,
        #[arg(long, default_value_t = 1024)]
        quantum: u64,
        #[arg(long, default_value = "fast")]
        solver: SolverKind,
        /// Repetitions per point (median reported).
        #[arg(long, default_value_t = 3)]
        reps: usize,
        /// CSV output.
        #[arg(long, default_value = "plan-bench.csv")]
        csv: PathBuf,
    },
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Plan {
            scenario,
            out,
            objective,
            solver,
            catalog,
            compiler,
            quiet,
        } => {
            let s = Scenario::load(&scenario)?;
            let mut cat = Catalog::builtin()?;
            if let Some(dir) = &catalog {
                cat.add_dir(dir)?;
            }
            let mut progress = |i: usize, n: usize, app: &str| {
                if quiet {
                    return;
                }
                let width = 24;
                let filled = (i * width).checked_div(n).unwrap_or(width);
                eprint!(
                    "\rprofiling [{}{}] {i}/{n} {app:<20}",
                    "#".repeat(filled),
                    ".".repeat(width - filled)
                );
                if i == n {
                    eprintln!();
                }
                let _ = std::io::stderr().flush();
            };
            let compiler = compiler.map(|c| (c, out.join("compiler")));
            let output = plan::plan(
                &s,
                PlanOptions {
                    catalog: cat,
                    objective,
                    solver,
                    compiler,
                    progress: &mut progress,
                },
            )?;
            let files = plan::write_plan(&out, &output)?;
            print!("{}", plan::summary(&output.allocation));
            if let Some(e) = output.merge_error {
                println!(
                    "wrote the allocation ({} files) to {}, but merging failed",
                    files.len(),
                    out.display()
                );
                return Err(e.into());
            }
            println!(
                "merge: {:.1} ms; wrote {} files to {}",
                output.merge_ms,
                files.len(),
                out.display()
            );
        }
        Cmd::PlanBench {
            apps,
            millions,
            quantum,
            solver,
            reps,
            csv,
        } => {
            let mut rows = Vec::new();
            println!(
                "{:<16} {:>5} {:>12} {:>8} {:>11} {:>12} {:>9}",
                "series", "apps", "entries/app", "solver", "alloc ms", "objective", "gap"
            );
            let mut point = |series: &'static str, n: usize, flows: u64| -> Result<()> {
                let p = bench::synthetic_problem(n, flows, quantum, Objective::MinWeightedLatency)
                    .map_err(anyhow::Error::msg)?;
                let (ms, sol) = bench::time_solve(&p, solver, reps)?;
                let row = BenchRow {
                    series,
                    apps: n,
                    entries: flows,
                    solver: sol.solver.clone(),
                    ms,
                    objective: sol.objective,
                    gap: sol.gap(),
                };
                println!(
                    "{:<16} {:>5} {:>12} {:>8} {:>11.2} {:>12.2} {:>9.1e}",
                    row.series, row.apps, row.entries, row.solver, row.ms, row.objective, row.gap
                );
                rows.push(row);
                Ok(())
            };
            for &n in &apps {
                point("vs-apps", n, 1_000_000)?;
            }
            for &m in &millions {
                point("vs-entries", 4, m * 1_000_000)?;
            }
            std::fs::write(&csv, bench::csv(&rows))
                .with_context(|| format!("writing {}", csv.display()))?;
            println!("wrote {}", csv.display());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exoplane: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
