//! The `exo-fastpath run` configuration file (TOML, versioned).
//!
//! ```toml
//! version = 1
//! program = "l2fwd.p4"          # .p4 or IR .json; relative paths are from this file's folder
//! entries = "l2fwd.stf"         # optional: STF add/setdefault lines
//! backend = "afxdp"             # afxdp | dpdk | pcap | mem
//! cores = 1                     # loop i on the i-th CPU the process may use, or with DPDK on
//!                               # the CPU of the i-th EAL lcore (`-l`/`--lcores`)
//! stats_interval_s = 1.0
//!
//! [xdp]                         # AF_XDP backend
//! mode = "auto"                 # auto (native, else generic) | native | generic
//! zero_copy = false
//! mgmt_addrs = ["192.0.2.1"]    # IPv4 destinations passed to the kernel
//! mgmt_ports = [50051]          # TCP/UDP ports passed to the kernel
//!
//! [dpdk]
//! eal = ["--no-huge", "--vdev=net_null0", "--vdev=net_null1"]
//!
//! [pcap]
//! pace = "fast"                 # fast | recorded
//! rounds = 1
//!
//! [[port]]
//! p4 = 1
//! interface = "veth0"           # afxdp
//! dpdk_port = 0                 # dpdk
//! replay = "in.pcap"            # pcap: packets arriving on this port
//! capture = "out1.pcap"         # pcap: packets leaving on this port
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Afxdp,
    Dpdk,
    Pcap,
    Mem,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    #[serde(default = "one")]
    pub version: u32,
    pub program: PathBuf,
    #[serde(default)]
    pub include: Vec<PathBuf>,
    pub entries: Option<PathBuf>,
    pub backend: BackendKind,
    #[serde(default = "one_usize")]
    pub cores: usize,
    #[serde(default = "burst")]
    pub burst: usize,
    #[serde(default = "interval")]
    pub stats_interval_s: f64,
    #[serde(default)]
    pub xdp: XdpConfig,
    #[serde(default)]
    pub dpdk: DpdkConfig,
    #[serde(default)]
    pub pcap: PcapConfig,
    #[serde(default, rename = "port")]
    pub ports: Vec<PortConfig>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XdpConfig {
    #[serde(default)]
    pub mode: XdpModeConfig,
    #[serde(default)]
    pub zero_copy: bool,
    #[serde(default)]
    pub mgmt_addrs: Vec<std::net::Ipv4Addr>,
    #[serde(default)]
    pub mgmt_ports: Vec<u16>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum XdpModeConfig {
    #[default]
    Auto,
    Native,
    Generic,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpdkConfig {
    #[serde(default)]
    pub eal: Vec<String>,
    /// Mbufs in the pool (per core).
    pub mbufs: Option<u32>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PcapConfig {
    #[serde(default)]
    pub pace: PaceConfig,
    #[serde(default = "one_u64")]
    pub rounds: u64,
}

impl Default for PcapConfig {
    fn default() -> PcapConfig {
        PcapConfig {
            pace: PaceConfig::Fast,
            rounds: 1,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PaceConfig {
    #[default]
    Fast,
    Recorded,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortConfig {
    pub p4: u32,
    pub interface: Option<String>,
    pub dpdk_port: Option<u16>,
    pub replay: Option<PathBuf>,
    pub capture: Option<PathBuf>,
}

fn one() -> u32 {
    1
}
fn one_u64() -> u64 {
    1
}
fn one_usize() -> usize {
    1
}
fn burst() -> usize {
    super::BURST
}
fn interval() -> f64 {
    1.0
}

/// A TOML error on one line: its message (some have none) and the line it starts on.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim();
    let msg = if msg.is_empty() { "invalid TOML" } else { msg };
    let msg = msg.split('\n').next().unwrap_or(msg);
    match e.span() {
        Some(s) => {
            let upto = &text.as_bytes()[..s.start.min(text.len())];
            let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
            format!("line {line}: {msg}")
        }
        None => msg.to_string(),
    }
}

impl RunConfig {
    /// Parses and checks a configuration; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<RunConfig, String> {
        let mut c: RunConfig = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        if c.version != 1 {
            return Err(format!(
                "unsupported config version {} (expected 1)",
                c.version
            ));
        }
        if c.cores == 0 || c.cores > 64 {
            return Err(format!("cores = {}: expected 1..=64", c.cores));
        }
        if c.burst == 0 || c.burst > 256 {
            return Err(format!("burst = {}: expected 1..=256", c.burst));
        }
        if c.ports.is_empty() {
            return Err("no [[port]] in the port map".into());
        }
        let list: Vec<u32> = c.ports.iter().map(|p| p.p4).collect();
        super::check_ports(&list).map_err(|e| e.to_string())?;
        for p in &c.ports {
            let ok = match c.backend {
                BackendKind::Afxdp => p.interface.is_some(),
                BackendKind::Dpdk => p.dpdk_port.is_some(),
                BackendKind::Pcap | BackendKind::Mem => true,
            };
            if !ok {
                let what = if c.backend == BackendKind::Afxdp {
                    "interface"
                } else {
                    "dpdk_port"
                };
                return Err(format!(
                    "port {}: the {:?} backend needs `{what}`",
                    p.p4, c.backend
                ));
            }
        }
        if c.backend == BackendKind::Pcap && c.cores != 1 {
            return Err("the pcap backend runs on one core (cores = 1)".into());
        }
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut c.program);
        c.include.iter_mut().for_each(fix);
        if let Some(e) = &mut c.entries {
            fix(e);
        }
        for p in &mut c.ports {
            if let Some(r) = &mut p.replay {
                fix(r);
            }
            if let Some(w) = &mut p.capture {
                fix(w);
            }
        }
        Ok(c)
    }

    pub fn p4_ports(&self) -> Vec<u32> {
        self.ports.iter().map(|p| p.p4).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves_paths() {
        let c = RunConfig::parse(
            "program = \"a.p4\"\nbackend = \"pcap\"\n[[port]]\np4 = 1\nreplay = \"in.pcap\"\n",
            Path::new("/cfg"),
        )
        .unwrap();
        assert_eq!(c.program, PathBuf::from("/cfg/a.p4"));
        assert_eq!(c.ports[0].replay, Some(PathBuf::from("/cfg/in.pcap")));
        assert_eq!(c.cores, 1);
    }

    #[test]
    fn rejects_bad_maps() {
        let base = Path::new("/");
        let dup = "program = \"a.p4\"\nbackend = \"mem\"\n[[port]]\np4 = 1\n[[port]]\np4 = 1\n";
        assert!(RunConfig::parse(dup, base).unwrap_err().contains("twice"));
        let noif = "program = \"a.p4\"\nbackend = \"afxdp\"\n[[port]]\np4 = 1\n";
        assert!(RunConfig::parse(noif, base)
            .unwrap_err()
            .contains("interface"));
        let unknown = "program = \"a.p4\"\nbackend = \"mem\"\nbogus = 1\n[[port]]\np4 = 1\n";
        assert!(RunConfig::parse(unknown, base).is_err());
        let range = "program = \"a.p4\"\nbackend = \"mem\"\n[[port]]\np4 = 600\n";
        assert!(RunConfig::parse(range, base).unwrap_err().contains("range"));
        // TOML errors say where, on one line, even those without a message of their own.
        for (text, line) in [
            ("version = 1\nprogram = \n", "line 2: "),
            ("a = 1\na = 2\n", "line 2: "),
        ] {
            let e = RunConfig::parse(text, base).unwrap_err();
            assert!(
                e.starts_with(line) && e.len() > line.len() && !e.contains('\n'),
                "{e:?}"
            );
        }
    }
}
