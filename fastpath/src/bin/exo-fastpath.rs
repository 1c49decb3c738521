//! `exo-fastpath`: run P4 programs on the ExoPlane engine (the interpreter; binaries built
//! with generated code call the same command line, see `exo_fastpath::codegen`).

#[global_allocator]
static ALLOC: exo_fastpath::alloc::HugePageAlloc = exo_fastpath::alloc::HugePageAlloc;

fn main() -> std::process::ExitCode {
    exo_fastpath::app::main()
}
