//! exo-fastpath with its compiled tier: the Rust code `build.rs` generates per program (see
//! `exo_fastpath::codegen`) for the engine's benchmark programs, the STF suite's programs, the
//! paper's applications (`p4/apps`) and the programs named in `EXO_CODEGEN_P4` at build time. [`register`] makes it available:
//! every pipeline loaded afterwards from one of those programs runs its generated code.

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

/// Registers this crate's generated programs with the engine (idempotent).
pub fn register() {
    exo_fastpath::codegen::register(ALL);
}
