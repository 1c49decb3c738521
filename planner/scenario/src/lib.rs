//! exo-scenario: the ExoPlane scenario format, read by the planner, the trace generator and the
//! rack. A scenario names the apps (P4 program, switch affinity, traffic share `W_p`, key
//! distribution `D_p`, quantum `Q_p`), the devices of the rack, and the planner's objective.
//! The format is documented in `docs/scenario.md`.
//!
//! Contract: [`Scenario::load`] and [`Scenario::from_str`] never panic; every problem is one
//! [`ScenarioError`] naming the file and the field. [`Scenario::from_str`] does no I/O except to
//! read the distribution files the scenario names (pcap, CSV), relative to its directory.
#![deny(unsafe_code)]

pub mod dist;
pub mod pcap;

pub use dist::{EmpiricalCdf, KeyDistribution, Zipf};
pub use pcap::PcapKey;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The scenario format version this build reads and writes.
pub const SCENARIO_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{}: {field}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("{} (named by {field}): byte {offset}: {message}", path.display())]
    Pcap {
        path: PathBuf,
        field: String,
        offset: u64,
        message: String,
    },
    #[error("{} (named by {field}): line {line}: {message}", path.display())]
    Cdf {
        path: PathBuf,
        field: String,
        line: usize,
        message: String,
    },
}

/// What the planner optimises (§5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Eq. 5: minimise the sum over apps of `W_p * lat_p`.
    #[default]
    MinWeightedLatency,
    /// Maximise the smallest share of an app's traffic served at switch line rate.
    MaxMinThroughput,
    /// Minimise the share of all traffic sent to external devices.
    MinExternalLoad,
}

impl Objective {
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::MinWeightedLatency => "min-weighted-latency",
            Objective::MaxMinThroughput => "max-min-throughput",
            Objective::MinExternalLoad => "min-external-load",
        }
    }
}

impl std::str::FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Objective, String> {
        match s {
            "min-weighted-latency" => Ok(Objective::MinWeightedLatency),
            "max-min-throughput" => Ok(Objective::MaxMinThroughput),
            "min-external-load" => Ok(Objective::MinExternalLoad),
            _ => Err(format!(
                "unknown objective `{s}` (expected min-weighted-latency, max-min-throughput or min-external-load)"
            )),
        }
    }
}

/// Switch affinity of an app (§5): high = all of it on the switch, low = all on external devices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Affinity {
    High,
    #[default]
    Medium,
    Low,
}

/// Packet size of an app's traffic: bytes, or the "imix" mix (7:4:1 of 64, 576, 1500 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PacketSize {
    Bytes(u32),
    Named(NamedSize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NamedSize {
    Imix,
}

impl Default for PacketSize {
    fn default() -> PacketSize {
        PacketSize::Bytes(1500)
    }
}

impl PacketSize {
    /// Mean size in bytes.
    pub fn mean_bytes(self) -> f64 {
        match self {
            PacketSize::Bytes(b) => f64::from(b),
            PacketSize::Named(NamedSize::Imix) => (7.0 * 64.0 + 4.0 * 576.0 + 1500.0) / 12.0,
        }
    }
}

/// `D_p`: how the app's traffic spreads over its union keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Distribution {
    /// Zipf over `flows` keys with exponent `alpha` (the paper uses 0.9, 0.95, 0.99).
    Zipf { alpha: f64 },
    /// Measured from a pcap trace (path relative to the scenario file).
    Pcap {
        path: PathBuf,
        #[serde(default)]
        key: PcapKey,
    },
    /// A CSV of `key_fraction,traffic_fraction` points (path relative to the scenario file).
    Cdf { path: PathBuf },
}

impl Default for Distribution {
    fn default() -> Distribution {
        Distribution::Zipf { alpha: 0.99 }
    }
}

fn default_flows() -> u64 {
    1_000_000
}
fn default_quantum() -> u64 {
    1024
}
fn default_count() -> u32 {
    1
}
fn default_replicas() -> u32 {
    2
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// Used as the prefix of the app's names in merged programs: a P4 identifier.
    pub name: String,
    /// The P4 program (absolute after loading).
    pub p4: PathBuf,
    #[serde(default)]
    pub affinity: Affinity,
    /// `W_p`: this app's share of all traffic arriving at the switch.
    pub weight: f64,
    /// Size of the union-key space (number of flows).
    #[serde(default = "default_flows")]
    pub flows: u64,
    /// `Q_p`: keys per quantum.
    #[serde(default = "default_quantum")]
    pub quantum: u64,
    #[serde(default)]
    pub packet_size: PacketSize,
    #[serde(default)]
    pub distribution: Distribution,
    /// Entries per object (table / register / counter name as in the program, e.g.
    /// `NatIngress.snat` or `snat`); objects not listed keep their size from the program.
    #[serde(default)]
    pub objects: BTreeMap<String, u64>,
    #[serde(skip)]
    loaded: Option<KeyDistribution>,
}

impl App {
    /// The key distribution over `flows` keys (loaded by [`Scenario::load`]).
    pub fn key_distribution(&self) -> KeyDistribution {
        match (&self.loaded, &self.distribution) {
            (Some(d), _) => d.clone(),
            (None, Distribution::Zipf { alpha }) => {
                KeyDistribution::Zipf(Zipf::new(*alpha, self.flows))
            }
            // Not loaded through Scenario: without the data, uniform is the neutral choice.
            (None, _) => KeyDistribution::Zipf(Zipf::new(0.0, self.flows)),
        }
    }

    /// Share of this app's traffic carried by its `top` most popular keys.
    pub fn fraction_of_top(&self, top: u64) -> f64 {
        self.key_distribution().fraction_of_top(top)
    }

    /// `F_{p,q}` for every quantum, most popular first.
    pub fn quantum_fractions(&self) -> Vec<f64> {
        self.key_distribution().quantum_fractions(self.quantum)
    }

    /// Number of quanta.
    pub fn quanta(&self) -> u64 {
        self.flows.div_ceil(self.quantum.max(1))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Switch,
    External,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub name: String,
    /// Key into the device catalog (e.g. `tofino1`, `agilio-cx-40g`, `exo-fastpath-server`).
    pub model: String,
    pub role: Role,
    #[serde(default = "default_count")]
    pub count: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Churn {
    /// How many of the most popular flows are rotated.
    pub top_k: u64,
    /// Rotation period in seconds.
    pub period_s: f64,
}

/// Trace-generator settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    #[serde(default = "default_packets")]
    pub packets: u64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub churn: Option<Churn>,
}

fn default_packets() -> u64 {
    1_000_000
}
fn default_seed() -> u64 {
    1
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub objective: Objective,
    /// Copies of each flow's state on external devices (primary + replicas, §4.5).
    #[serde(default = "default_replicas")]
    pub replicas: u32,
    #[serde(rename = "app", default)]
    pub apps: Vec<App>,
    #[serde(rename = "device", default)]
    pub devices: Vec<Device>,
    #[serde(default)]
    pub traffic: Option<Traffic>,
    /// The file it was read from (empty for in-memory scenarios without a base).
    #[serde(skip)]
    pub source: PathBuf,
}

/// Weights must sum to 1 within this tolerance.
pub const WEIGHT_TOLERANCE: f64 = 1e-3;

impl Scenario {
    /// Reads, resolves (paths relative to the file's directory) and validates a scenario.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Scenario::from_str(&text, path)
    }

    /// Like [`Scenario::load`] for text in memory; `path` names it in errors and is the base of
    /// relative paths.
    pub fn from_str(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        s.source = path.to_path_buf();
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        s.validate()?;
        for i in 0..s.apps.len() {
            let app = &mut s.apps[i];
            let field = format!("app `{}`", app.name);
            app.p4 = base.join(&app.p4);
            if !app.p4.is_file() {
                return Err(ScenarioError::Invalid {
                    path: path.to_path_buf(),
                    field: format!("{field}: p4"),
                    message: format!("{}: no such file", app.p4.display()),
                });
            }
            let loaded = match &mut app.distribution {
                Distribution::Zipf { alpha } => KeyDistribution::Zipf(Zipf::new(*alpha, app.flows)),
                Distribution::Pcap { path: p, key } => {
                    *p = base.join(&*p);
                    let bytes = std::fs::read(&*p).map_err(|source| ScenarioError::Io {
                        path: p.clone(),
                        source,
                    })?;
                    let cdf = pcap::key_cdf(&bytes, *key).map_err(|e| ScenarioError::Pcap {
                        path: p.clone(),
                        field: format!("{field}: distribution.path"),
                        offset: e.offset,
                        message: e.message,
                    })?;
                    KeyDistribution::Empirical {
                        cdf: Arc::new(cdf),
                        n: app.flows,
                    }
                }
                Distribution::Cdf { path: p } => {
                    *p = base.join(&*p);
                    let text =
                        std::fs::read_to_string(&*p).map_err(|source| ScenarioError::Io {
                            path: p.clone(),
                            source,
                        })?;
                    let cdf =
                        parse_cdf_csv(&text).map_err(|(line, message)| ScenarioError::Cdf {
                            path: p.clone(),
                            field: format!("{field}: distribution.path"),
                            line,
                            message,
                        })?;
                    KeyDistribution::Empirical {
                        cdf: Arc::new(cdf),
                        n: app.flows,
                    }
                }
            };
            app.loaded = Some(loaded);
        }
        Ok(s)
    }

    /// Checks everything that needs no file: version, names, weights, sizes, devices.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let bad = |field: String, message: String| ScenarioError::Invalid {
            path: self.source.clone(),
            field,
            message,
        };
        if self.version != SCENARIO_VERSION {
            return Err(bad(
                "version".into(),
                format!(
                    "version {} is not supported (this build reads version {SCENARIO_VERSION})",
                    self.version
                ),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(bad("name".into(), "must not be empty".into()));
        }
        if self.replicas == 0 {
            return Err(bad("replicas".into(), "must be at least 1".into()));
        }
        if self.apps.is_empty() {
            return Err(bad("app".into(), "the scenario has no [[app]]".into()));
        }
        let mut names = HashSet::new();
        for (i, a) in self.apps.iter().enumerate() {
            let f = |x: &str| format!("app[{i}] (`{}`).{x}", a.name);
            if !is_identifier(&a.name) {
                return Err(bad(
                    f("name"),
                    "must be an identifier ([A-Za-z_][A-Za-z0-9_]*): it prefixes the app's names in merged programs".into(),
                ));
            }
            if !names.insert(a.name.as_str()) {
                return Err(bad(f("name"), "another app has this name".into()));
            }
            if !(a.weight.is_finite() && a.weight >= 0.0 && a.weight <= 1.0) {
                return Err(bad(f("weight"), format!("{} is not in [0, 1]", a.weight)));
            }
            if a.flows == 0 {
                return Err(bad(f("flows"), "must be at least 1".into()));
            }
            if a.quantum == 0 || a.quantum > a.flows {
                return Err(bad(
                    f("quantum"),
                    format!("{} is not in 1..=flows ({})", a.quantum, a.flows),
                ));
            }
            if let PacketSize::Bytes(b) = a.packet_size {
                if !(64..=9216).contains(&b) {
                    return Err(bad(
                        f("packet_size"),
                        format!("{b} is not in 64..=9216 bytes"),
                    ));
                }
            }
            if let Distribution::Zipf { alpha } = a.distribution {
                if !(alpha.is_finite() && (0.0..=10.0).contains(&alpha)) {
                    return Err(bad(
                        f("distribution.alpha"),
                        format!("{alpha} is not in [0, 10]"),
                    ));
                }
            }
            for (o, n) in &a.objects {
                if *n == 0 {
                    return Err(bad(f(&format!("objects.{o}")), "must be at least 1".into()));
                }
            }
        }
        let total: f64 = self.apps.iter().map(|a| a.weight).sum();
        if (total - 1.0).abs() > WEIGHT_TOLERANCE {
            return Err(bad(
                "app.weight".into(),
                format!("the apps' weights sum to {total:.4}; they are fractions of all traffic and must sum to 1"),
            ));
        }
        let mut dnames = HashSet::new();
        let mut switches = 0;
        for (i, d) in self.devices.iter().enumerate() {
            let f = |x: &str| format!("device[{i}] (`{}`).{x}", d.name);
            if !is_identifier(&d.name) {
                return Err(bad(f("name"), "must be an identifier".into()));
            }
            if !dnames.insert(d.name.as_str()) {
                return Err(bad(f("name"), "another device has this name".into()));
            }
            if d.model.trim().is_empty() {
                return Err(bad(f("model"), "must not be empty".into()));
            }
            if d.count == 0 {
                return Err(bad(f("count"), "must be at least 1".into()));
            }
            if d.role == Role::Switch {
                switches += d.count;
            }
        }
        if switches != 1 {
            return Err(bad(
                "device".into(),
                format!("a rack has exactly one switch (role = \"switch\", count = 1); found {switches}"),
            ));
        }
        if let Some(t) = &self.traffic {
            if let Some(c) = &t.churn {
                if !(c.period_s.is_finite() && c.period_s > 0.0) {
                    return Err(bad(
                        "traffic.churn.period_s".into(),
                        "must be positive".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn app(&self, name: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.name == name)
    }

    /// The switch device.
    pub fn switch(&self) -> Option<&Device> {
        self.devices.iter().find(|d| d.role == Role::Switch)
    }

    pub fn externals(&self) -> impl Iterator<Item = &Device> {
        self.devices.iter().filter(|d| d.role == Role::External)
    }

    /// The scenario as TOML (paths as they are now: absolute after loading).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}

/// A P4 identifier (also usable as a file name).
pub fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Parses `key_fraction,traffic_fraction` lines; `#` starts a comment; a first line that is not
/// numeric is a header. Errors carry the 1-based line.
pub fn parse_cdf_csv(text: &str) -> Result<EmpiricalCdf, (usize, String)> {
    let mut points = Vec::new();
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        if cols.len() != 2 {
            return Err((i + 1, format!("expected 2 columns, found {}", cols.len())));
        }
        match (cols[0].parse::<f64>(), cols[1].parse::<f64>()) {
            (Ok(x), Ok(y)) => {
                points.push((x, y));
                lines.push(i + 1);
            }
            _ if points.is_empty() && lines.is_empty() && i == first_content_line(text) => {}
            _ => return Err((i + 1, format!("`{line}` is not two numbers"))),
        }
    }
    if points.is_empty() {
        // Named at the file's last line (1 for an empty file): where the points should be.
        return Err((text.lines().count().max(1), "no data points".into()));
    }
    EmpiricalCdf::from_points(&points).map_err(|(idx, m)| (lines[idx], m))
}

fn first_content_line(text: &str) -> usize {
    text.lines()
        .position(|l| !l.split('#').next().unwrap_or("").trim().is_empty())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
