//! Building a [`TraceConfig`]: from a scenario file (the `exo-scenario` format shared with the
//! planner) or from a compact `--apps` list.

use crate::apps::AppKind;
use crate::gen::{AppTraffic, Churn, Popularity, TraceConfig};
use crate::sizes::SizeDist;
use crate::zipf::QuantileSampler;
use exo_scenario::{Distribution, NamedSize, PacketSize, Scenario};
use std::sync::Arc;

/// Defaults of the paper's synthetic traces (§7): 1 M random 5-tuples per app, Zipf 0.99.
pub const DEFAULT_FLOWS: u64 = 1_000_000;
pub const DEFAULT_ALPHA: f64 = 0.99;
pub const DEFAULT_PACKETS: u64 = 1_000_000;
pub const DEFAULT_RATE_PPS: f64 = 1_000_000.0;
/// 2026-01-01T00:00:00Z: traces start at a fixed time so that they are reproducible.
pub const DEFAULT_START_NS: u64 = 1_767_225_600_000_000_000;

/// The trace of a scenario: its apps (kind from the program's file name), weights, keyspaces,
/// packet sizes and distributions, and its `[traffic]` settings.
pub fn from_scenario(s: &Scenario) -> TraceConfig {
    let apps = s
        .apps
        .iter()
        .map(|a| {
            let sizes = match a.packet_size {
                PacketSize::Bytes(b) => SizeDist::Fixed(b.clamp(60, 9216) as u16),
                PacketSize::Named(NamedSize::Imix) => SizeDist::imix(),
            };
            let popularity = match a.distribution {
                Distribution::Zipf { alpha } => Popularity::Zipf(alpha),
                _ => {
                    let d = a.key_distribution();
                    Popularity::Measured(Arc::new(QuantileSampler::new(a.flows, |k| {
                        d.fraction_of_top(k)
                    })))
                }
            };
            AppTraffic {
                name: a.name.clone(),
                kind: AppKind::detect(Some(&a.p4), &a.name),
                weight: a.weight,
                flows: a.flows,
                popularity,
                sizes,
            }
        })
        .collect();
    let t = s.traffic.as_ref();
    TraceConfig {
        apps,
        packets: t.map_or(DEFAULT_PACKETS, |t| t.packets),
        seed: t.map_or(1, |t| t.seed),
        churn: t.and_then(|t| t.churn.as_ref()).map(|c| Churn {
            top_k: c.top_k,
            period_s: c.period_s,
        }),
        rate_pps: DEFAULT_RATE_PPS,
        start_ns: DEFAULT_START_NS,
    }
}

/// Apps from `name[:weight],...` (weights default to equal shares). Names are app kinds
/// (`vpn_gateway`, `nat`, `acl`, `univmon`, `vm_nat`, `stateful_fw`, `syn_proxy`, `netcache`,
/// `generic`, or their short forms).
pub fn apps_from_spec(
    spec: &str,
    flows: u64,
    alpha: f64,
    sizes: &SizeDist,
) -> Result<Vec<AppTraffic>, String> {
    let mut apps = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = match part.split_once(':') {
            Some((n, w)) => (
                n.trim(),
                Some(
                    w.trim()
                        .parse::<f64>()
                        .map_err(|_| format!("`{part}`: `{w}` is not a weight"))?,
                ),
            ),
            None => (part, None),
        };
        let kind = AppKind::from_name(name).ok_or_else(|| {
            format!(
                "unknown app `{name}` (expected one of: {})",
                AppKind::ALL.map(|k| k.name()).join(", ")
            )
        })?;
        apps.push((name.to_string(), kind, weight));
    }
    if apps.is_empty() {
        return Err("--apps is empty".into());
    }
    let n = apps.len() as f64;
    Ok(apps
        .into_iter()
        .map(|(name, kind, w)| AppTraffic {
            name,
            kind,
            weight: w.unwrap_or(1.0 / n),
            flows,
            popularity: Popularity::Zipf(alpha),
            sizes: sizes.clone(),
        })
        .collect())
}
