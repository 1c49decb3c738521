//! With the `dpdk` feature: finds DPDK through pkg-config, compiles the C shim and generates the
//! bindings. Without it: nothing (the crate is empty).

fn main() {
    println!("cargo:rerun-if-changed=shim.c");
    println!("cargo:rerun-if-changed=shim.h");
    #[cfg(feature = "dpdk")]
    dpdk::build();
}

#[cfg(feature = "dpdk")]
mod dpdk {
    use std::path::PathBuf;
    use std::process::Command;

    fn pkg_config(arg: &str) -> Vec<String> {
        let out = Command::new("pkg-config")
            .args([arg, "libdpdk"])
            .output()
            .unwrap_or_else(|e| {
                panic!("exo-dpdk-sys: running pkg-config failed ({e}): install the Debian packages `pkg-config` and `libdpdk-dev`")
            });
        if !out.status.success() {
            panic!(
                "exo-dpdk-sys: pkg-config does not know libdpdk: install the Debian package `libdpdk-dev` ({})",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    pub fn build() {
        let cflags = pkg_config("--cflags");
        let libs = pkg_config("--libs");
        let mut cc = cc::Build::new();
        cc.file("shim.c").include(".").warnings(false).opt_level(3);
        let mut i = 0;
        while i < cflags.len() {
            let f = &cflags[i];
            if f == "-include" && i + 1 < cflags.len() {
                cc.flag(f).flag(&cflags[i + 1]);
                i += 2;
                continue;
            }
            cc.flag(f);
            i += 1;
        }
        cc.compile("exo_dpdk_shim");
        for l in &libs {
            if let Some(lib) = l.strip_prefix("-l") {
                println!("cargo:rustc-link-lib=dylib={lib}");
            } else if let Some(dir) = l.strip_prefix("-L") {
                println!("cargo:rustc-link-search=native={dir}");
            }
        }
        let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
        let bindings = bindgen::Builder::default()
            .header("shim.h")
            .clang_args(cflags.iter().filter(|f| !f.starts_with("-march")))
            .allowlist_function("exo_.*")
            .allowlist_function("rte_eal_init")
            .allowlist_function("rte_eal_cleanup")
            .allowlist_function("rte_eth_dev_count_avail")
            .allowlist_function("rte_eth_dev_configure")
            .allowlist_function("rte_eth_dev_info_get")
            .allowlist_function("rte_eth_dev_start")
            .allowlist_function("rte_eth_dev_stop")
            .allowlist_function("rte_eth_dev_close")
            .allowlist_function("rte_eth_dev_is_valid_port")
            .allowlist_function("rte_eth_dev_get_name_by_port")
            .allowlist_function("rte_eth_dev_socket_id")
            .allowlist_function("rte_eth_promiscuous_enable")
            .allowlist_function("rte_eth_rx_queue_setup")
            .allowlist_function("rte_eth_tx_queue_setup")
            .allowlist_function("rte_eth_stats_get")
            .allowlist_function("rte_pktmbuf_pool_create")
            .allowlist_function("rte_mempool_free")
            .allowlist_function("rte_socket_id")
            .allowlist_function("rte_lcore_count")
            .allowlist_function("rte_get_next_lcore")
            .allowlist_function("rte_lcore_to_cpu_id")
            .allowlist_function("rte_thread_register")
            .allowlist_function("rte_thread_unregister")
            .allowlist_type("rte_eth_conf")
            .allowlist_type("rte_eth_stats")
            .allowlist_type("rte_eth_dev_info")
            .allowlist_var("RTE_MBUF_DEFAULT_BUF_SIZE")
            .allowlist_var("RTE_PKTMBUF_HEADROOM")
            .allowlist_var("EXO_RX_.*")
            .opaque_type("rte_mbuf")
            .opaque_type("rte_mempool")
            .derive_default(true)
            .layout_tests(false)
            .generate_comments(false)
            .generate()
            .expect("exo-dpdk-sys: bindgen failed on the DPDK headers");
        bindings
            .write_to_file(out.join("bindings.rs"))
            .expect("writing bindings.rs");
    }
}
