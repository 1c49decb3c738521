//! `exo-p4c`: check P4-16 programs, and emit their IR, P4Info or formatted source.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use exo_p4::{compile_file, CompileOptions, Compiled};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "exo-p4c", version, about = "ExoPlane P4-16 frontend")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone)]
struct Common {
    /// Add a directory to the include search path.
    #[arg(short = 'I', value_name = "DIR")]
    include: Vec<PathBuf>,
    /// Define a preprocessor macro: NAME or NAME=VALUE.
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    define: Vec<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check programs; exit 0 iff every file passes (diagnostics on stderr).
    Check {
        #[command(flatten)]
        common: Common,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also print warnings.
        #[arg(short = 'W', long)]
        warnings: bool,
    },
    /// Write the lowered IR as JSON.
    Ir {
        #[command(flatten)]
        common: Common,
        file: PathBuf,
        /// Output file (stdout if omitted).
        #[arg(short = 'o')]
        out: Option<PathBuf>,
    },
    /// Print the P4Runtime P4Info (JSON).
    P4info {
        #[command(flatten)]
        common: Common,
        file: PathBuf,
        #[arg(short = 'o')]
        out: Option<PathBuf>,
    },
    /// Print the program formatted (the AST printed back to P4-16).
    Fmt {
        #[command(flatten)]
        common: Common,
        file: PathBuf,
    },
}

fn options(c: &Common) -> CompileOptions {
    CompileOptions {
        include_dirs: c.include.clone(),
        defines: c
            .define
            .iter()
            .map(|d| match d.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (d.clone(), "1".to_string()),
            })
            .collect(),
    }
}

fn compile_ok(file: &std::path::Path, c: &Common) -> Result<Compiled> {
    if !file.exists() {
        bail!("{}: no such file", file.display());
    }
    let out = compile_file(file, &options(c));
    if out.has_errors() {
        eprint!("{}", out.render_diagnostics());
        bail!("{}: {} error(s)", file.display(), out.diags.error_count());
    }
    Ok(out)
}

fn write_out(out: &Option<PathBuf>, text: &str) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            println!("{text}");
            Ok(())
        }
    }
}

fn run(cli: Cli) -> Result<bool> {
    match cli.cmd {
        Cmd::Check {
            common,
            files,
            warnings,
        } => {
            let mut all_ok = true;
            for f in &files {
                if !f.exists() {
                    eprintln!("{}: no such file", f.display());
                    all_ok = false;
                    continue;
                }
                let out = compile_file(f, &options(&common));
                let shown: Vec<_> = out
                    .diags
                    .items
                    .iter()
                    .filter(|d| warnings || d.severity == exo_p4::diag::Severity::Error)
                    .collect();
                for d in shown {
                    eprint!("{}", d.render(&out.source_map));
                }
                if out.has_errors() {
                    all_ok = false;
                }
            }
            Ok(all_ok)
        }
        Cmd::Ir { common, file, out } => {
            let c = compile_ok(&file, &common)?;
            let ir = c.ir.context("no IR produced")?;
            write_out(&out, &ir.to_json())?;
            Ok(true)
        }
        Cmd::P4info { common, file, out } => {
            let c = compile_ok(&file, &common)?;
            let ir = c.ir.context("no IR produced")?;
            write_out(&out, &exo_p4::p4info::p4info_json(&ir))?;
            Ok(true)
        }
        Cmd::Fmt { common, file } => {
            let c = compile_ok(&file, &common)?;
            // Print the file's own declarations; its #include lines stand for the rest.
            let main_file = c.source_map.files.first().cloned().unwrap_or_default();
            if let Some(text) = c.source_map.file_texts.first() {
                for line in text
                    .lines()
                    .filter(|l| l.trim_start().starts_with("#include"))
                {
                    println!("{}", line.trim());
                }
                println!();
            }
            let own = exo_p4::ast::Program {
                decls: c
                    .ast
                    .decls
                    .iter()
                    .filter(|d| c.source_map.locate(d.span().lo).file == main_file)
                    .cloned()
                    .collect(),
            };
            print!("{}", exo_p4::printer::print_program(&own));
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("exo-p4c: {e:#}");
            ExitCode::from(1)
        }
    }
}
