//! `exo-fastpath-compiled`: the `exo-fastpath` command line with the compiled tier of the
//! programs this binary was built with (others run on the interpreter, as in `exo-fastpath`).

#[global_allocator]
static ALLOC: exo_fastpath::alloc::HugePageAlloc = exo_fastpath::alloc::HugePageAlloc;

fn main() -> std::process::ExitCode {
    exo_fastpath_compiled::register();
    exo_fastpath::app::main()
}
