//! `exoplane plan-bench`: Appendix D, Fig. 17 — allocation time against the number of apps
//! (4..64, 16 external devices, 1 M flow entries each) and against the entries per app
//! (1..10 M, 4 apps). The inputs are synthesised like the paper's: every app is a 5-tuple
//! stateful app (a per-flow exact table, a per-flow ternary ACL share, a counter array) with
//! Zipf traffic of a different skew, and a random affinity mix.

use crate::alloc::{self, AllocError, AppProblem, Problem, Solution, SolverKind};
use crate::catalog::{Catalog, SWITCH_RESOURCES};
use crate::footprint;
use crate::profile::{AppProfile, ObjectKind, ObjectProfile, UnionKeyField};
use exo_scenario::{KeyDistribution, Objective, Zipf};
use std::time::Instant;

fn table(
    name: &str,
    key_bits: u32,
    data_bits: u32,
    kind: &str,
    size: u64,
    per_flow: bool,
) -> ObjectProfile {
    ObjectProfile {
        name: name.into(),
        kind: ObjectKind::Table,
        size,
        per_flow,
        key_bits,
        data_bits,
        actions: 2,
        match_kinds: vec![kind.into()],
        idle_timeout: false,
        direct_counter: false,
        direct_meter: false,
        dp_updatable: None,
    }
}

/// A synthetic app with `flows` union keys.
pub fn synthetic_profile(i: usize, flows: u64) -> AppProfile {
    let mut objects = vec![
        table("I.flow_state", 104, 48, "exact", flows, true),
        table(
            "I.tenant_acl",
            40,
            8,
            "ternary",
            256 + 64 * (i as u64 % 4),
            false,
        ),
    ];
    objects.push(ObjectProfile {
        name: "I.pkt_count".into(),
        kind: ObjectKind::Counter,
        size: 1024,
        per_flow: false,
        key_bits: 0,
        data_bits: 64,
        actions: 0,
        match_kinds: vec![],
        idle_timeout: false,
        direct_counter: false,
        direct_meter: false,
        dp_updatable: None,
    });
    AppProfile {
        app: format!("app{i}"),
        ingress: "I".into(),
        union_key: vec![UnionKeyField {
            path: "hdr.five_tuple".into(),
            bits: 104,
        }],
        union_key_annotated: true,
        traffic_class: None,
        objects,
        features: Default::default(),
        hash_bits: 0,
    }
}

/// The allocation problem for `apps` synthetic apps with `flows` entries each.
pub fn synthetic_problem(
    apps: usize,
    flows: u64,
    quantum: u64,
    objective: Objective,
) -> Result<Problem, String> {
    let catalog = Catalog::builtin().map_err(|e| e.to_string())?;
    let pipe = catalog
        .get("tofino1")
        .and_then(|m| m.pipeline.clone())
        .ok_or("no tofino1 model")?;
    let alphas = [0.9, 0.95, 0.99];
    let mut out = Vec::new();
    for i in 0..apps {
        let prof = synthetic_profile(i, flows);
        let quanta = flows.div_ceil(quantum) as usize;
        let dist = KeyDistribution::Zipf(Zipf::new(alphas[i % 3], flows));
        let usage = (0..=quanta)
            .map(|k| {
                let f = (k as u64 * quantum).min(flows);
                footprint::switch_usage(&pipe, &prof, f, flows, k < quanta).to_vec()
            })
            .collect();
        // One app in eight is pinned to the switch with a small key space, like UnivMon/NetCache.
        let (lo, hi) = (0, quanta);
        out.push(AppProblem {
            name: prof.app.clone(),
            weight: 1.0 / apps as f64,
            fractions: dist.quantum_fractions(quantum),
            lo,
            hi,
            usage,
            lat_switch: 330.0,
            lat_external: 330.0 + 5600.0 + 2.0 * 12000.0 / 40.0 + (i % 4) as f64 * 100.0,
        });
    }
    Ok(Problem {
        device: "switch `tor` (tofino1)".into(),
        resources: SWITCH_RESOURCES.iter().map(|s| s.to_string()).collect(),
        capacity: pipe.capacities().to_vec(),
        apps: out,
        objective,
    })
}

#[derive(Clone, Debug)]
pub struct BenchRow {
    pub series: &'static str,
    pub apps: usize,
    pub entries: u64,
    pub solver: String,
    pub ms: f64,
    pub objective: f64,
    pub gap: f64,
}

/// Times `solver` on a problem (median of `reps`).
pub fn time_solve(
    p: &Problem,
    solver: SolverKind,
    reps: usize,
) -> Result<(f64, Solution), AllocError> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let s = alloc::solve(p, solver)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(s);
    }
    times.sort_by(f64::total_cmp);
    let s = last.ok_or_else(|| AllocError::Solver("no run".into()))?;
    Ok((times[times.len() / 2], s))
}

pub fn csv(rows: &[BenchRow]) -> String {
    let mut s = String::from("series,apps,entries_per_app,solver,alloc_ms,objective,gap\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{},{:.3},{:.6},{:.3e}\n",
            r.series, r.apps, r.entries, r.solver, r.ms, r.objective, r.gap
        ));
    }
    s
}
