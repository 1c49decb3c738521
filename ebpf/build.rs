//! Compiles the XDP programs in `bpf/` with clang when the `bpf` feature is on.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=bpf");
    println!("cargo:rerun-if-env-changed=CLANG");
    if std::env::var_os("CARGO_FEATURE_BPF").is_none() {
        return;
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang".into());
    if Command::new(&clang).arg("--version").output().is_err() {
        panic!(
            "exo-ebpf: the `bpf` feature compiles XDP programs with clang, and `{clang}` was not \
             found: install the Debian packages `clang` and `libbpf-dev` (apt-get install clang \
             libbpf-dev), or set CLANG"
        );
    }
    let hdr = "/usr/include/bpf/bpf_helpers.h";
    if !std::path::Path::new(hdr).exists() {
        panic!("exo-ebpf: the `bpf` feature needs {hdr}: install the Debian package `libbpf-dev`");
    }
    let arch_inc = format!(
        "/usr/include/{}-linux-gnu",
        std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_else(|_| "x86_64".into())
    );
    // One object per program in bpf/ (the steering program for now).
    #[allow(clippy::single_element_loop)]
    for prog in ["steer"] {
        let src = format!("bpf/{prog}.bpf.c");
        let obj = out.join(format!("{prog}.bpf.o"));
        let st = Command::new(&clang)
            .args(["-target", "bpf", "-O2", "-g", "-Wall", "-Werror"])
            .arg(format!("-I{arch_inc}"))
            .args(["-c", &src, "-o"])
            .arg(&obj)
            .status()
            .expect("running clang");
        if !st.success() {
            panic!(
                "exo-ebpf: clang failed on {src} (is the Debian package `libbpf-dev` installed?)"
            );
        }
    }
}
