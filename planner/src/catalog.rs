//! The device catalog: what each device model offers (resources, supported P4 features,
//! latency). Models are TOML files; the built-in ones (`planner/catalog/*.toml`) are compiled in,
//! and `--catalog DIR` adds or overrides models.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Switch,
    Nic,
    Server,
}

/// A Tofino-style match-action pipeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    pub stages: u32,
    pub sram_blocks_per_stage: u32,
    pub sram_block_words: u32,
    pub sram_word_bits: u32,
    pub tcam_blocks_per_stage: u32,
    pub tcam_block_entries: u32,
    pub tcam_block_bits: u32,
    pub salus_per_stage: u32,
    pub hash_bits_per_stage: u32,
    pub map_ram_blocks_per_stage: u32,
    pub logical_tables_per_stage: u32,
    pub xbar_exact_bytes_per_stage: u32,
    pub xbar_ternary_bytes_per_stage: u32,
    pub exact_match_fill: f64,
}

/// Memory of a NIC or server (bytes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    #[serde(default)]
    pub micro_engines: Option<u32>,
    #[serde(default)]
    pub cls_bytes: Option<u64>,
    #[serde(default)]
    pub ctm_bytes: Option<u64>,
    #[serde(default)]
    pub imem_bytes: Option<u64>,
    #[serde(default)]
    pub emem_bytes: Option<u64>,
    #[serde(default)]
    pub cores: Option<u32>,
    #[serde(default)]
    pub mpps_per_core: Option<f64>,
    pub dram_bytes: u64,
    #[serde(default)]
    pub entry_overhead_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceModel {
    pub name: String,
    pub kind: DeviceKind,
    #[serde(default)]
    pub description: String,
    /// Per-packet processing latency through the device.
    pub latency_ns: f64,
    /// Speed of the device's link to the switch (externals) or its ports (switch).
    pub link_gbps: f64,
    /// Packet rate the device sustains (externals).
    #[serde(default)]
    pub mpps: Option<f64>,
    /// P4 features the device's compiler and target support (see `profile::FEATURES`).
    pub features: BTreeSet<String>,
    #[serde(default)]
    pub pipeline: Option<Pipeline>,
    #[serde(default)]
    pub memory: Option<Memory>,
}

/// Resource names of a pipeline model, in the order of [`Pipeline::capacities`].
pub const SWITCH_RESOURCES: [&str; 7] = [
    "sram_blocks",
    "tcam_blocks",
    "salus",
    "hash_bits",
    "map_ram_blocks",
    "logical_tables",
    "xbar_bytes",
];

impl Pipeline {
    pub fn capacities(&self) -> [f64; 7] {
        let s = f64::from(self.stages);
        [
            s * f64::from(self.sram_blocks_per_stage),
            s * f64::from(self.tcam_blocks_per_stage),
            s * f64::from(self.salus_per_stage),
            s * f64::from(self.hash_bits_per_stage),
            s * f64::from(self.map_ram_blocks_per_stage),
            s * f64::from(self.logical_tables_per_stage),
            s * f64::from(self.xbar_exact_bytes_per_stage + self.xbar_ternary_bytes_per_stage),
        ]
    }
}

const BUILTIN: [(&str, &str); 3] = [
    ("tofino1.toml", include_str!("../catalog/tofino1.toml")),
    (
        "agilio-cx-40g.toml",
        include_str!("../catalog/agilio-cx-40g.toml"),
    ),
    (
        "exo-fastpath-server.toml",
        include_str!("../catalog/exo-fastpath-server.toml"),
    ),
];

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub models: BTreeMap<String, DeviceModel>,
}

impl Catalog {
    /// The built-in models.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        let mut c = Catalog::default();
        for (name, text) in BUILTIN {
            c.add_text(&format!("<built-in catalog>/{name}"), text)?;
        }
        Ok(c)
    }

    /// Adds (or replaces) the models in every `*.toml` of `dir`.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), CatalogError> {
        let io = |source| CatalogError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|source| CatalogError::Io {
                path: f.clone(),
                source,
            })?;
            self.add_text(&f.display().to_string(), &text)?;
        }
        Ok(())
    }

    pub fn add_text(&mut self, path: &str, text: &str) -> Result<(), CatalogError> {
        let m: DeviceModel = toml::from_str(text).map_err(|e| CatalogError::Syntax {
            path: path.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |message: String| CatalogError::Invalid {
            path: path.to_string(),
            message,
        };
        if !(m.latency_ns.is_finite() && m.latency_ns >= 0.0) {
            return Err(invalid("latency_ns must be a non-negative number".into()));
        }
        if !(m.link_gbps.is_finite() && m.link_gbps > 0.0) {
            return Err(invalid("link_gbps must be positive".into()));
        }
        match m.kind {
            DeviceKind::Switch => {
                let Some(p) = &m.pipeline else {
                    return Err(invalid("a switch model needs a [pipeline] table".into()));
                };
                if p.stages == 0 || p.sram_block_words == 0 || p.sram_word_bits == 0 {
                    return Err(invalid("[pipeline] sizes must be positive".into()));
                }
                if !(p.exact_match_fill > 0.0 && p.exact_match_fill <= 1.0) {
                    return Err(invalid("exact_match_fill must be in (0, 1]".into()));
                }
            }
            DeviceKind::Nic | DeviceKind::Server => {
                if m.memory.is_none() {
                    return Err(invalid(format!(
                        "a {:?} model needs a [memory] table",
                        m.kind
                    )));
                }
            }
        }
        let unknown: Vec<&String> = m
            .features
            .iter()
            .filter(|f| !crate::profile::FEATURES.contains(&f.as_str()))
            .collect();
        if !unknown.is_empty() {
            return Err(invalid(format!(
                "unknown features {unknown:?} (known: {})",
                crate::profile::FEATURES.join(", ")
            )));
        }
        self.models.insert(m.name.clone(), m);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&DeviceModel> {
        self.models.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_models_load() {
        let c = Catalog::builtin().expect("built-in catalog");
        let t = c.get("tofino1").expect("tofino1");
        let cap = t.pipeline.as_ref().expect("pipeline").capacities();
        assert_eq!(cap[0], 960.0);
        assert_eq!(cap[2], 48.0);
        assert!(c.get("agilio-cx-40g").is_some());
        assert!(c.get("exo-fastpath-server").is_some());
    }

    #[test]
    fn bad_models_are_named() {
        let mut c = Catalog::default();
        let e = c
            .add_text(
                "x.toml",
                "name = \"x\"\nkind = \"switch\"\nlatency_ns = 1\nlink_gbps = 1\nfeatures = []\n",
            )
            .expect_err("no pipeline");
        assert!(e.to_string().contains("x.toml") && e.to_string().contains("[pipeline]"));
        let e = c
            .add_text("y.toml", "name = \"y\"\nkind = \"nic\"\nlatency_ns = 1\nlink_gbps = 1\nfeatures = [\"warp\"]\n[memory]\ndram_bytes = 1\n")
            .expect_err("unknown feature");
        assert!(e.to_string().contains("warp"));
        let e = c.add_text("z.toml", "name = 1").expect_err("syntax");
        assert!(e.to_string().contains("z.toml"));
    }
}
