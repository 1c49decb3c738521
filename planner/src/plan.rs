//! From a scenario to a plan: load and profile the apps, build and solve the allocation
//! problem, merge the programs, and write the plan directory.

use crate::alloc::{self, pinning, AllocError, AppProblem, Problem, Solution, SolverKind};
use crate::catalog::{Catalog, DeviceKind, DeviceModel, SWITCH_RESOURCES};
use crate::compiler::{self, CompilerError};
use crate::footprint;
use crate::merge::{self, MergeApp, MergeError, Role};
use crate::profile::{self, AppProfile, ProfileError};
use exo_scenario::{Affinity, Objective, Scenario};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Version of `allocation.json` and the per-device configs.
pub const PLAN_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("app `{app}`: {} does not check:\n{diags}", path.display())]
    Check {
        app: String,
        path: PathBuf,
        diags: String,
    },
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("{}: device `{device}`: model `{model}` is not in the catalog (known: {known}; add one with --catalog DIR)", scenario.display())]
    UnknownModel {
        scenario: PathBuf,
        device: String,
        model: String,
        known: String,
    },
    #[error("{}: device `{device}`: model `{model}` is a {kind:?}, not usable as a {role}", scenario.display())]
    WrongKind {
        scenario: PathBuf,
        device: String,
        model: String,
        kind: DeviceKind,
        role: String,
    },
    #[error("app `{app}`: {message}")]
    Infeasible { app: String, message: String },
    #[error("external device `{device}` ({model}): the apps' state needs {need} bytes per device ({replicas} copies sharded over the pool) but it has {cap} bytes of DRAM")]
    ExternalMemory {
        device: String,
        model: String,
        need: u64,
        cap: u64,
        replicas: u32,
    },
    #[error(transparent)]
    Alloc(#[from] AllocError),
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(transparent)]
    Compiler(#[from] CompilerError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An app with its program and profile.
pub struct LoadedApp {
    pub app: exo_scenario::App,
    pub ast: exo_p4::ast::Program,
    pub ir: exo_p4::ir::Program,
    pub profile: AppProfile,
}

/// External device instance (one per `count`).
#[derive(Clone, Debug, Serialize)]
pub struct ExternalInstance {
    pub name: String,
    pub device: String,
    pub model: String,
    /// Switch port towards it (logical numbering: 1, 2, ... in scenario order).
    pub port: u32,
}

pub struct Rack {
    pub switch_name: String,
    pub switch: DeviceModel,
    pub externals: Vec<(ExternalInstance, DeviceModel)>,
}

pub fn rack(s: &Scenario, catalog: &Catalog) -> Result<Rack, PlanError> {
    let model = |name: &str, model: &str| -> Result<DeviceModel, PlanError> {
        catalog
            .get(model)
            .cloned()
            .ok_or_else(|| PlanError::UnknownModel {
                scenario: s.source.clone(),
                device: name.to_string(),
                model: model.to_string(),
                known: catalog
                    .models
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let sw = s.switch().ok_or_else(|| PlanError::Infeasible {
        app: "-".into(),
        message: "the scenario has no switch".into(),
    })?;
    let swm = model(&sw.name, &sw.model)?;
    if swm.kind != DeviceKind::Switch || swm.pipeline.is_none() {
        return Err(PlanError::WrongKind {
            scenario: s.source.clone(),
            device: sw.name.clone(),
            model: sw.model.clone(),
            kind: swm.kind,
            role: "switch".into(),
        });
    }
    let mut externals = Vec::new();
    let mut port = 1;
    for d in s.externals() {
        let m = model(&d.name, &d.model)?;
        if m.memory.is_none() {
            return Err(PlanError::WrongKind {
                scenario: s.source.clone(),
                device: d.name.clone(),
                model: d.model.clone(),
                kind: m.kind,
                role: "external device".into(),
            });
        }
        for i in 0..d.count {
            let name = if d.count == 1 {
                d.name.clone()
            } else {
                format!("{}{i}", d.name)
            };
            externals.push((
                ExternalInstance {
                    name,
                    device: d.name.clone(),
                    model: d.model.clone(),
                    port,
                },
                m.clone(),
            ));
            port += 1;
        }
    }
    Ok(Rack {
        switch_name: sw.name.clone(),
        switch: swm,
        externals,
    })
}

/// Compiles and profiles every app; `progress(i, n, app)` before each.
pub fn load_apps(
    s: &Scenario,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Vec<LoadedApp>, PlanError> {
    let mut out = Vec::with_capacity(s.apps.len());
    for (i, app) in s.apps.iter().enumerate() {
        progress(i, s.apps.len(), &app.name);
        let c = exo_p4::compile_file(&app.p4, &exo_p4::CompileOptions::default());
        let ir = match c.ir {
            Some(ir) if !c.diags.has_errors() => ir,
            _ => {
                return Err(PlanError::Check {
                    app: app.name.clone(),
                    path: app.p4.clone(),
                    diags: c.render_diagnostics(),
                })
            }
        };
        let profile = profile::profile(&app.name, &ir, &app.objects)?;
        out.push(LoadedApp {
            app: app.clone(),
            ast: c.ast,
            ir,
            profile,
        });
    }
    progress(s.apps.len(), s.apps.len(), "");
    Ok(out)
}

/// Per-app context kept beside the problem.
#[derive(Clone, Debug)]
pub struct AppContext {
    pub switch_compatible: bool,
    pub missing_on_switch: Vec<String>,
    /// Indices into `Rack::externals`.
    pub pool: Vec<usize>,
    pub state_bytes: Vec<u64>,
}

fn missing(p: &AppProfile, m: &DeviceModel) -> Vec<String> {
    p.features
        .iter()
        .filter(|f| !m.features.contains(*f))
        .cloned()
        .collect()
}

/// Builds the allocation problem. `compiler`: optional (command, scratch dir).
pub fn build_problem(
    s: &Scenario,
    apps: &[LoadedApp],
    rack: &Rack,
    objective: Objective,
    compiler: Option<(&str, &Path)>,
) -> Result<(Problem, Vec<AppContext>), PlanError> {
    let pipe = rack
        .switch
        .pipeline
        .as_ref()
        .ok_or_else(|| PlanError::Infeasible {
            app: "-".into(),
            message: "the switch model has no pipeline".into(),
        })?;
    let mut probs = Vec::new();
    let mut ctxs = Vec::new();
    let mut per_device_bytes = vec![0u64; rack.externals.len()];
    for la in apps {
        let a = &la.app;
        let p = &la.profile;
        let miss_sw = missing(p, &rack.switch);
        let sw_ok = miss_sw.is_empty();
        let pool: Vec<usize> = (0..rack.externals.len())
            .filter(|&e| missing(p, &rack.externals[e].1).is_empty())
            .collect();
        let quanta = a.quanta() as usize;
        let infeasible = |message: String| PlanError::Infeasible {
            app: a.name.clone(),
            message,
        };
        let (lo, hi) = match a.affinity {
            Affinity::High => {
                if !sw_ok {
                    return Err(infeasible(format!(
                        "affinity is high but the switch ({}) lacks features {miss_sw:?}",
                        rack.switch.name
                    )));
                }
                (quanta, quanta)
            }
            Affinity::Low => {
                if pool.is_empty() {
                    return Err(infeasible(
                        "affinity is low but no external device supports its features".into(),
                    ));
                }
                (0, 0)
            }
            Affinity::Medium => match (sw_ok, pool.is_empty()) {
                (true, false) => (0, quanta),
                (true, true) => (quanta, quanta),
                (false, false) => (0, 0),
                (false, true) => {
                    return Err(infeasible(format!(
                        "no device can run it: the switch lacks {miss_sw:?} and no external device supports {:?}",
                        p.features
                    )))
                }
            },
        };
        let fm = a.affinity != Affinity::High;
        let mut usage: Vec<Vec<f64>> = (0..=quanta)
            .map(|k| {
                let flows = (k as u64 * a.quantum).min(a.flows);
                footprint::switch_usage(pipe, p, flows, a.flows, fm && k < quanta).to_vec()
            })
            .collect();
        let mut hi = hi;
        if let Some((cmd, dir)) = compiler {
            let points = compiler::sample_points(quanta);
            let mut measured: Vec<(usize, Vec<f64>)> = Vec::new();
            for &k in &points {
                if k == 0 {
                    continue;
                }
                let flows = (k as u64 * a.quantum).min(a.flows);
                let sizes = switch_sizes(p, flows, a.flows);
                let text = merge::resize_program(&la.ast, &sizes);
                let stem = format!("{}_{k}", a.name);
                match compiler::measure(cmd, &rack.switch.name, &text, dir, &stem)? {
                    Some(u) => measured.push((k, u.to_vec())),
                    None => {
                        hi = hi.min(measured.last().map_or(0, |m| m.0));
                        break;
                    }
                }
            }
            // Conservative: k between two samples uses the larger sample's usage.
            for (k, row) in usage.iter_mut().enumerate().skip(1) {
                if let Some((_, u)) = measured.iter().find(|(s, _)| *s >= k) {
                    *row = u.clone();
                }
            }
            if lo > hi {
                return Err(infeasible(format!(
                    "affinity is high but the compiler `{cmd}` reports the app does not fit on the switch"
                )));
            }
        }
        // Latency (Eq. 4 inputs).
        let bits = a.packet_size.mean_bytes() * 8.0;
        let lat_sw = rack.switch.latency_ns;
        let lat_ext = if pool.is_empty() {
            lat_sw
        } else {
            pool.iter()
                .map(|&e| {
                    let m = &rack.externals[e].1;
                    lat_sw + m.latency_ns + 2.0 * bits / m.link_gbps
                })
                .sum::<f64>()
                / pool.len() as f64
        };
        // External memory: every flow's state, `replicas` copies sharded over the pool.
        let mut state_bytes = Vec::new();
        if !pool.is_empty() && a.affinity != Affinity::High {
            let copies = s.replicas.min(pool.len() as u32).max(1);
            for &e in &pool {
                let mem = rack.externals[e].1.memory.as_ref();
                let b = mem.map_or(0, |m| footprint::memory_bytes(m, p));
                let share = b.saturating_mul(u64::from(copies)) / pool.len() as u64;
                per_device_bytes[e] = per_device_bytes[e].saturating_add(share);
                state_bytes.push(b);
            }
        }
        probs.push(AppProblem {
            name: a.name.clone(),
            weight: a.weight,
            fractions: a.quantum_fractions(),
            lo,
            hi,
            usage,
            lat_switch: lat_sw,
            lat_external: lat_ext,
        });
        ctxs.push(AppContext {
            switch_compatible: sw_ok,
            missing_on_switch: miss_sw,
            pool,
            state_bytes,
        });
    }
    for (e, &need) in per_device_bytes.iter().enumerate() {
        let (inst, m) = &rack.externals[e];
        let cap = m.memory.as_ref().map_or(0, |m| m.dram_bytes);
        if need > cap {
            return Err(PlanError::ExternalMemory {
                device: inst.name.clone(),
                model: inst.model.clone(),
                need,
                cap,
                replicas: s.replicas,
            });
        }
    }
    Ok((
        Problem {
            device: format!("switch `{}` ({})", rack.switch_name, rack.switch.name),
            resources: SWITCH_RESOURCES.iter().map(|s| s.to_string()).collect(),
            capacity: pipe.capacities().to_vec(),
            apps: probs,
            objective,
        },
        ctxs,
    ))
}

/// Entries per object on the switch when it serves `flows` flows.
pub fn switch_sizes(p: &AppProfile, flows: u64, total: u64) -> BTreeMap<String, u64> {
    p.objects
        .iter()
        .map(|o| {
            (
                o.name.clone(),
                footprint::entries_on(o, flows, total).max(1),
            )
        })
        .collect()
}

fn full_sizes(p: &AppProfile) -> BTreeMap<String, u64> {
    p.objects.iter().map(|o| (o.name.clone(), o.size)).collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct ObjectPlan {
    pub name: String,
    pub kind: profile::ObjectKind,
    pub per_flow: bool,
    pub switch_entries: u64,
    pub external_entries: u64,
    pub dp_updatable: Option<profile::MergeOp>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AppPlan {
    pub name: String,
    pub id: u32,
    pub affinity: Affinity,
    pub weight: f64,
    pub flows: u64,
    pub quantum: u64,
    pub quanta: usize,
    pub quanta_on_switch: usize,
    pub flows_on_switch: u64,
    pub flow_manager_entries: u64,
    pub switch_traffic_share: f64,
    pub expected_latency_ns: f64,
    pub latency_switch_ns: f64,
    pub latency_external_ns: f64,
    pub union_key: Vec<String>,
    pub traffic_class: Option<String>,
    pub features: Vec<String>,
    pub external_pool: Vec<String>,
    pub switch_usage: BTreeMap<String, f64>,
    /// Largest share of any switch resource this app takes.
    pub switch_capacity_share: f64,
    pub objects: Vec<ObjectPlan>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResourcePlan {
    pub used: f64,
    pub capacity: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct BaselinePlan {
    pub objective_value: f64,
    pub devices: BTreeMap<String, String>,
    pub switch_traffic_share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Allocation {
    pub version: u32,
    pub scenario: String,
    pub objective: Objective,
    pub solver: String,
    pub objective_value: f64,
    pub bound: f64,
    pub gap: f64,
    pub nodes: u64,
    pub solve_ms: f64,
    pub switch: String,
    pub switch_model: String,
    pub switch_resources: BTreeMap<String, ResourcePlan>,
    pub externals: Vec<ExternalInstance>,
    pub replicas: u32,
    pub buckets: u32,
    pub pktgen_port: u32,
    pub apps: Vec<AppPlan>,
    pub app_pinning: BaselinePlan,
}

pub struct PlanOptions<'a> {
    pub catalog: Catalog,
    pub objective: Option<Objective>,
    pub solver: SolverKind,
    pub compiler: Option<(String, PathBuf)>,
    pub progress: &'a mut dyn FnMut(usize, usize, &str),
}

pub struct PlanOutput {
    pub allocation: Allocation,
    pub merged: Vec<(Role, String, exo_p4::ir::Program)>,
    /// Why merging failed (the allocation is still valid and written).
    pub merge_error: Option<PlanError>,
    pub merge_ms: f64,
    pub device_configs: Vec<(String, serde_json::Value)>,
}

pub fn plan(s: &Scenario, opts: PlanOptions<'_>) -> Result<PlanOutput, PlanError> {
    let rack = rack(s, &opts.catalog)?;
    let apps = load_apps(s, opts.progress)?;
    let objective = opts.objective.unwrap_or(s.objective);
    let compiler = opts
        .compiler
        .as_ref()
        .map(|(c, d)| (c.as_str(), d.as_path()));
    let (problem, ctx) = build_problem(s, &apps, &rack, objective, compiler)?;
    let t0 = Instant::now();
    let sol = alloc::solve(&problem, opts.solver)?;
    let solve_ms = t0.elapsed().as_secs_f64() * 1e3;
    let allocation = describe(s, &apps, &rack, &problem, &ctx, &sol, solve_ms);
    let t1 = Instant::now();
    let (merged, merge_error) = match merge_all(&apps, &allocation) {
        Ok(m) => (m, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let merge_ms = t1.elapsed().as_secs_f64() * 1e3;
    let device_configs = device_configs(&rack, &apps, &allocation);
    Ok(PlanOutput {
        allocation,
        merged,
        merge_error,
        merge_ms,
        device_configs,
    })
}

fn describe(
    s: &Scenario,
    apps: &[LoadedApp],
    rack: &Rack,
    problem: &Problem,
    ctx: &[AppContext],
    sol: &Solution,
    solve_ms: f64,
) -> Allocation {
    let used = problem.used(&sol.k);
    let switch_resources = problem
        .resources
        .iter()
        .enumerate()
        .map(|(r, n)| {
            (
                n.clone(),
                ResourcePlan {
                    used: used[r],
                    capacity: problem.capacity[r],
                },
            )
        })
        .collect();
    let mut app_plans = Vec::new();
    for (i, la) in apps.iter().enumerate() {
        let a = &la.app;
        let pa = &problem.apps[i];
        let k = sol.k[i];
        let flows_on_switch = (k as u64 * a.quantum).min(a.flows);
        let share = alloc::shares(pa)[k];
        let usage = &pa.usage[k];
        let fm = if k > 0 && k < pa.quanta() {
            flows_on_switch
        } else {
            0
        };
        app_plans.push(AppPlan {
            name: a.name.clone(),
            id: i as u32 + 1,
            affinity: a.affinity,
            weight: a.weight,
            flows: a.flows,
            quantum: a.quantum,
            quanta: pa.quanta(),
            quanta_on_switch: k,
            flows_on_switch,
            flow_manager_entries: if a.affinity == Affinity::High { 0 } else { fm },
            switch_traffic_share: share,
            expected_latency_ns: problem.latency(i, k),
            latency_switch_ns: pa.lat_switch,
            latency_external_ns: pa.lat_external,
            union_key: la
                .profile
                .union_key
                .iter()
                .map(|f| f.path.clone())
                .collect(),
            traffic_class: la.profile.traffic_class.clone(),
            features: la.profile.features.iter().cloned().collect(),
            external_pool: ctx[i]
                .pool
                .iter()
                .map(|&e| rack.externals[e].0.name.clone())
                .collect(),
            switch_usage: problem
                .resources
                .iter()
                .cloned()
                .zip(usage.iter().cloned())
                .collect(),
            switch_capacity_share: usage
                .iter()
                .zip(&problem.capacity)
                .map(|(u, c)| if *c > 0.0 { u / c } else { 0.0 })
                .fold(0.0, f64::max),
            objects: la
                .profile
                .objects
                .iter()
                .map(|o| ObjectPlan {
                    name: o.name.clone(),
                    kind: o.kind,
                    per_flow: o.per_flow,
                    switch_entries: footprint::entries_on(o, flows_on_switch, a.flows),
                    external_entries: if ctx[i].pool.is_empty() { 0 } else { o.size },
                    dp_updatable: o.dp_updatable,
                })
                .collect(),
        });
    }
    // Baseline.
    let externals: Vec<(String, f64)> = rack
        .externals
        .iter()
        .map(|(i, m)| {
            (
                i.name.clone(),
                m.memory.as_ref().map_or(0.0, |m| m.dram_bytes as f64),
            )
        })
        .collect();
    let bytes: Vec<f64> = ctx
        .iter()
        .map(|c| c.state_bytes.first().copied().unwrap_or(0) as f64)
        .collect();
    let compat: Vec<Vec<bool>> = ctx
        .iter()
        .map(|c| {
            (0..rack.externals.len())
                .map(|e| c.pool.contains(&e))
                .collect()
        })
        .collect();
    let pin = pinning::solve(problem, &externals, &bytes, &compat);
    let pin_share: f64 = problem
        .apps
        .iter()
        .zip(&pin.solution.k)
        .map(|(a, &k)| a.weight * alloc::shares(a)[k])
        .sum();
    Allocation {
        version: PLAN_VERSION,
        scenario: s.name.clone(),
        objective: problem.objective,
        solver: sol.solver.clone(),
        objective_value: sol.objective,
        bound: sol.bound,
        gap: sol.gap(),
        nodes: sol.nodes,
        solve_ms,
        switch: rack.switch_name.clone(),
        switch_model: rack.switch.name.clone(),
        switch_resources,
        externals: rack.externals.iter().map(|e| e.0.clone()).collect(),
        replicas: s.replicas,
        buckets: merge::BUCKETS,
        pktgen_port: merge::PKTGEN_PORT,
        apps: app_plans,
        app_pinning: BaselinePlan {
            objective_value: pin.solution.objective,
            devices: problem
                .apps
                .iter()
                .map(|a| a.name.clone())
                .zip(pin.device.iter().cloned())
                .collect(),
            switch_traffic_share: pin_share,
        },
    }
}

fn slots(la: &LoadedApp) -> [String; 6] {
    let mut out: [String; 6] = Default::default();
    if let Some(p) = &la.ir.package {
        for (i, name) in ["p", "vr", "ig", "eg", "ck", "dep"].iter().enumerate() {
            if let Some((_, b)) = p.slots.iter().find(|(s, _)| s == name) {
                out[i] = b.clone();
            }
        }
    }
    out
}

/// Merges and checks the programs for both roles.
pub fn merge_all(
    apps: &[LoadedApp],
    alloc: &Allocation,
) -> Result<Vec<(Role, String, exo_p4::ir::Program)>, PlanError> {
    let mut out = Vec::new();
    for role in [Role::Switch, Role::External] {
        let mapps: Vec<MergeApp<'_>> = apps
            .iter()
            .zip(&alloc.apps)
            .map(|(la, ap)| MergeApp {
                name: &la.app.name,
                ast: &la.ast,
                ir: &la.ir,
                slots: slots(la),
                traffic_class: la.profile.traffic_class.clone(),
                union_key: ap.union_key.clone(),
                sizes: match role {
                    Role::Switch => switch_sizes(&la.profile, ap.flows_on_switch, ap.flows),
                    Role::External => full_sizes(&la.profile),
                },
                present: match role {
                    Role::Switch => ap.quanta_on_switch > 0,
                    Role::External => !ap.external_pool.is_empty() && ap.affinity != Affinity::High,
                },
                flow_manager: (ap.flow_manager_entries > 0).then_some(ap.flow_manager_entries),
            })
            .collect();
        let text = merge::merge(&mapps, role)?;
        let ir = merge::check(role, &text)?;
        out.push((role, text, ir));
    }
    Ok(out)
}

/// Per app: its block names -> their instance paths in the merged programs, so that the
/// control plane can find `NatIngress.nat_inbound` as `ExoIngress.exo_nat.app.nat_inbound`.
fn block_paths(apps: &[LoadedApp]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for la in apps {
        let blocks: serde_json::Map<String, serde_json::Value> = slots(la)
            .into_iter()
            .zip(merge::instance_paths(&la.app.name))
            .filter(|(b, _)| !b.is_empty())
            .map(|(b, p)| (b, serde_json::Value::String(p)))
            .collect();
        m.insert(la.app.name.clone(), serde_json::Value::Object(blocks));
    }
    serde_json::Value::Object(m)
}

/// Per-device configuration: the switch's device map and sizes, each external's share.
fn device_configs(
    rack: &Rack,
    apps: &[LoadedApp],
    a: &Allocation,
) -> Vec<(String, serde_json::Value)> {
    let blocks = block_paths(apps);
    let mut map = Vec::new();
    for app in &a.apps {
        let pool: Vec<&ExternalInstance> = app
            .external_pool
            .iter()
            .filter_map(|n| rack.externals.iter().find(|e| &e.0.name == n).map(|e| &e.0))
            .collect();
        if pool.is_empty() || app.affinity == Affinity::High {
            continue;
        }
        for b in 0..a.buckets {
            let n = pool.len();
            let primary = pool[b as usize % n];
            let replica = pool[(b as usize + 1) % n];
            map.push(serde_json::json!({
                "app": app.name, "app_id": app.id, "bucket": b,
                "primary": primary.name, "primary_port": primary.port,
                "replica": replica.name, "replica_port": replica.port,
            }));
        }
    }
    let mut out = vec![(
        a.switch.clone(),
        serde_json::json!({
            "version": PLAN_VERSION,
            "role": "switch",
            "model": a.switch_model,
            "program": "merged_switch.p4",
            "ir": "merged_switch.ir.json",
            "p4info": "merged_switch.p4info.json",
            "pktgen_port": a.pktgen_port,
            "blocks": blocks,
            "flow_managers": a.apps.iter().filter(|x| x.flow_manager_entries > 0).map(|x| serde_json::json!({
                "app": x.name, "table": merge::flow_manager_table(&x.name),
                "entries": x.flow_manager_entries, "idle_timeout_s": 2.0,
            })).collect::<Vec<_>>(),
            "device_map": map,
        }),
    )];
    for (inst, _) in &rack.externals {
        let apps: Vec<&str> = a
            .apps
            .iter()
            .filter(|x| x.external_pool.contains(&inst.name) && x.affinity != Affinity::High)
            .map(|x| x.name.as_str())
            .collect();
        out.push((
            inst.name.clone(),
            serde_json::json!({
                "version": PLAN_VERSION,
                "role": "external",
                "model": inst.model,
                "switch_port": inst.port,
                "program": "merged_external.p4",
                "ir": "merged_external.ir.json",
                "p4info": "merged_external.p4info.json",
                "apps": apps,
                "replicas": a.replicas,
                "blocks": blocks,
            }),
        ));
    }
    out
}

/// Writes the plan directory.
pub fn write_plan(dir: &Path, out: &PlanOutput) -> Result<Vec<PathBuf>, PlanError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PlanError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::new();
    let mut write = |name: &str, text: &str| -> Result<(), PlanError> {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(io(&p))?;
        written.push(p);
        Ok(())
    };
    let json = serde_json::to_string_pretty(&out.allocation).unwrap_or_default();
    write("allocation.json", &json)?;
    for (role, text, ir) in &out.merged {
        let r = role.as_str();
        write(&format!("merged_{r}.p4"), text)?;
        write(&format!("merged_{r}.ir.json"), &ir.to_json())?;
        write(
            &format!("merged_{r}.p4info.json"),
            &exo_p4::p4info::p4info_json(ir),
        )?;
    }
    let ddir = dir.join("devices");
    std::fs::create_dir_all(&ddir).map_err(io(&ddir))?;
    for (name, v) in &out.device_configs {
        let p = ddir.join(format!("{name}.json"));
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap_or_default()).map_err(io(&p))?;
        written.push(p);
    }
    Ok(written)
}

/// The summary table printed by `exoplane plan`.
pub fn summary(a: &Allocation) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "scenario {}: objective {} = {:.4} (solver {}, bound {:.4}, gap {:.2e}, {:.2} ms)\n",
        a.scenario,
        a.objective.as_str(),
        a.objective_value,
        a.solver,
        a.bound,
        a.gap,
        a.solve_ms
    ));
    s.push_str(&format!(
        "{:<14} {:>8} {:>12} {:>10} {:>12} {:>11} {:>10}  {}\n",
        "app",
        "affinity",
        "sw entries",
        "sw share",
        "latency ns",
        "sw cap use",
        "ext pool",
        "switch usage"
    ));
    for x in &a.apps {
        let usage: Vec<String> = x
            .switch_usage
            .iter()
            .filter(|(_, v)| **v > 0.0)
            .map(|(k, v)| format!("{k}={v:.0}"))
            .collect();
        s.push_str(&format!(
            "{:<14} {:>8} {:>12} {:>9.1}% {:>12.0} {:>10.1}% {:>10}  {}\n",
            x.name,
            format!("{:?}", x.affinity).to_lowercase(),
            x.flows_on_switch,
            100.0 * x.switch_traffic_share,
            x.expected_latency_ns,
            100.0 * x.switch_capacity_share,
            x.external_pool.len(),
            usage.join(" ")
        ));
    }
    let res: Vec<String> = a
        .switch_resources
        .iter()
        .map(|(k, r)| format!("{k} {:.0}/{:.0}", r.used, r.capacity))
        .collect();
    s.push_str(&format!(
        "switch {} ({}): {}\n",
        a.switch,
        a.switch_model,
        res.join(", ")
    ));
    s.push_str(&format!(
        "app-pinning baseline: objective {:.4}, switch traffic share {:.1}% (ExoPlane: {:.1}%)\n",
        a.app_pinning.objective_value,
        100.0 * a.app_pinning.switch_traffic_share,
        100.0
            * a.apps
                .iter()
                .map(|x| x.weight * x.switch_traffic_share)
                .sum::<f64>()
    ));
    s
}
