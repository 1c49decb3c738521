//! exo-p4: the ExoPlane P4-16 frontend.
//!
//! Pipeline: [`preprocess`] (includes, macros, conditionals, with line tracking) → [`lexer`] →
//! [`parser`] (AST in [`ast`]) → [`check`] (name resolution, types, constants) → [`ir`] (lowered,
//! target-neutral, serialisable) → [`p4info`]. [`printer`] turns an AST back into source.
//!
//! Contract: no I/O outside [`preprocess::FsLoader`]; no input makes any stage panic, hang or
//! overflow the stack (recursion is bounded); problems are collected as [`diag::Diagnostic`]s.
#![deny(unsafe_code)]

pub mod ast;
pub mod check;
pub mod diag;
pub mod ir;
pub mod lexer;
pub mod p4info;
pub mod parser;
pub mod preprocess;
pub mod printer;

use std::path::{Path, PathBuf};

/// Options shared by every entry point.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Extra include directories (`-I`), searched after the built-in architecture files for
    /// `<...>` includes and after the including file's directory for `"..."` includes.
    pub include_dirs: Vec<PathBuf>,
    /// Predefined macros (`-D NAME=VALUE`).
    pub defines: Vec<(String, String)>,
}

/// Everything the frontend produced for one compilation unit.
#[derive(Debug)]
pub struct Compiled {
    pub source_map: diag::SourceMap,
    pub ast: ast::Program,
    /// The lowered program; `None` when there were errors.
    pub ir: Option<ir::Program>,
    pub diags: diag::Diagnostics,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diags.has_errors()
    }

    /// All diagnostics as `file:line:col: severity: message` with the source line.
    pub fn render_diagnostics(&self) -> String {
        self.diags.render(&self.source_map)
    }
}

/// Preprocesses, parses, checks and lowers the file at `path`.
pub fn compile_file(path: &Path, opts: &CompileOptions) -> Compiled {
    let pp = preprocess::PreprocessOptions {
        include_dirs: opts.include_dirs.clone(),
        defines: opts.defines.clone(),
    };
    let (sm, diags) = preprocess::preprocess(path, &pp, &preprocess::FsLoader);
    finish(sm, diags)
}

/// Like [`compile_file`] for source text in memory (`name` is used in diagnostics).
pub fn compile_str(name: &str, src: &str, opts: &CompileOptions) -> Compiled {
    let pp = preprocess::PreprocessOptions {
        include_dirs: opts.include_dirs.clone(),
        defines: opts.defines.clone(),
    };
    let (sm, diags) = preprocess::preprocess_str(name, src, &pp, &preprocess::FsLoader);
    finish(sm, diags)
}

fn finish(sm: diag::SourceMap, mut diags: diag::Diagnostics) -> Compiled {
    let ast = parser::parse(&sm.text, &mut diags);
    // Semantic checks on a program with syntax errors would mostly report their consequences.
    let ir = if diags.has_errors() {
        None
    } else {
        check::check(&ast, &mut diags)
    };
    Compiled {
        source_map: sm,
        ast,
        ir,
        diags,
    }
}

/// Stack size for the frontend's recursive passes. Their recursion depth is bounded by
/// [`parser::MAX_DEPTH`], but a debug build's frames are large and test threads start with
/// 2 MiB, so each entry point runs on a thread of its own with room to spare.
const FRONTEND_STACK: usize = 256 << 20;

/// Runs `f` on a thread with [`FRONTEND_STACK`] bytes of stack.
pub(crate) fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("exo-p4".into())
            .stack_size(FRONTEND_STACK)
            .spawn_scoped(s, f)
        {
            Ok(h) => match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => unreachable_spawn(),
        }
    })
}

fn unreachable_spawn<T>() -> T {
    // Thread creation only fails when the OS is out of resources; there is no sensible fallback
    // that keeps the depth guarantee, so report it as the resource error it is.
    panic!("exo-p4: cannot create a thread for the frontend (out of resources)")
}
