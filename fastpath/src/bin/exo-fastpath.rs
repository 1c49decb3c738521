//! `exo-fastpath`: run P4 programs on the ExoPlane engine (the interpreter; binaries built
//! with generated code call the same command line, see `exo_fastpath::codegen`).

fn main() -> std::process::ExitCode {
    exo_fastpath::app::main()
}
