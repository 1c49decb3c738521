//! The resource allocator (§5, Eq. 1-5).
//!
//! Model. Each app's union-key space is cut into quanta of `Q_p` keys ranked by popularity, with
//! traffic shares `F_{p,q}`. Every quantum is served by one device (Eq. 1): the switch, or the
//! app's external pool — the external devices of models compatible with the app, over which
//! misses are sharded by `hash(UK)` (§4.4), so the pool acts as one device with the pool's mean
//! latency. Compatibility (Eq. 2) removes devices; capacity (Eq. 3) is the switch's resource
//! vector (the pool's memory holds every flow's state anyway and is checked before solving);
//! the expected latency is Eq. 4 and the objective Eq. 5 or one of the others.
//!
//! The switch holds the most popular quanta of each app (its flow manager caches the hottest
//! keys), so an app's switch share is a prefix of `k_p` quanta: `usage[p][k]` is the switch
//! usage of the first `k` quanta, and the per-quantum footprint `R_{p,q,switch,r}` is
//! `usage[p][q+1] - usage[p][q]`. Affinity fixes `k_p` (high: all quanta, low: none).

pub mod brute;
pub mod fast;
pub mod ilp;
pub mod pinning;

use exo_scenario::Objective;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AllocError {
    #[error("infeasible: {resource} on {device} is exceeded by what must stay on the switch: needs {need:.0} of {cap:.0}; largest demand: app `{app}` ({app_need:.0})")]
    Capacity {
        resource: String,
        device: String,
        need: f64,
        cap: f64,
        app: String,
        app_need: f64,
    },
    #[error("the ILP solver failed: {0}")]
    Solver(String),
    #[error("the problem is too large for this solver: {0}")]
    TooLarge(String),
}

/// One app as the allocator sees it.
#[derive(Clone, Debug)]
pub struct AppProblem {
    pub name: String,
    /// `W_p`.
    pub weight: f64,
    /// `F_{p,q}`, most popular first.
    pub fractions: Vec<f64>,
    /// Bounds on the number of quanta on the switch (affinity, compatibility).
    pub lo: usize,
    pub hi: usize,
    /// `usage[k][r]`: switch usage of the first `k` quanta (length `fractions.len() + 1`).
    pub usage: Vec<Vec<f64>>,
    /// `L_{p,switch}` and `L_{p,external}` in ns.
    pub lat_switch: f64,
    pub lat_external: f64,
}

impl AppProblem {
    pub fn quanta(&self) -> usize {
        self.fractions.len()
    }
}

#[derive(Clone, Debug)]
pub struct Problem {
    pub device: String,
    pub resources: Vec<String>,
    pub capacity: Vec<f64>,
    pub apps: Vec<AppProblem>,
    pub objective: Objective,
}

/// A solution: quanta on the switch per app, and how good it is.
#[derive(Clone, Debug, Serialize)]
pub struct Solution {
    pub k: Vec<usize>,
    /// The objective's value (latency in ns, a share, or a load share).
    pub objective: f64,
    /// Best proven bound on the objective (equal to `objective` when optimal).
    pub bound: f64,
    pub solver: String,
    pub nodes: u64,
}

impl Solution {
    /// Relative optimality gap.
    pub fn gap(&self) -> f64 {
        let d = (self.bound - self.objective).abs();
        if d <= 1e-9 * self.objective.abs().max(1e-9) {
            0.0
        } else {
            d / self.objective.abs().max(1e-12)
        }
    }
}

/// Prefix sums of `F`: `share[k]` = traffic share of the first `k` quanta.
pub fn shares(a: &AppProblem) -> Vec<f64> {
    let mut s = Vec::with_capacity(a.fractions.len() + 1);
    s.push(0.0);
    let mut acc = 0.0;
    for f in &a.fractions {
        acc += f;
        s.push(acc);
    }
    s
}

impl Problem {
    /// Eq. 4: expected latency of app `p` with `k` quanta on the switch.
    pub fn latency(&self, p: usize, k: usize) -> f64 {
        let a = &self.apps[p];
        let s = shares(a)[k.min(a.quanta())];
        s * a.lat_switch + (1.0 - s) * a.lat_external
    }

    /// The objective value of `k` (minimised for latency and load, maximised for throughput).
    pub fn evaluate(&self, k: &[usize]) -> f64 {
        match self.objective {
            Objective::MinWeightedLatency => (0..self.apps.len())
                .map(|p| self.apps[p].weight * self.latency(p, k[p]))
                .sum(),
            Objective::MinExternalLoad => self
                .apps
                .iter()
                .zip(k)
                .map(|(a, &kp)| a.weight * (1.0 - shares(a)[kp]))
                .sum(),
            Objective::MaxMinThroughput => self.min_switch_share(k),
        }
    }

    /// Smallest switch share over the apps whose share is a decision (medium affinity).
    pub fn min_switch_share(&self, k: &[usize]) -> f64 {
        self.apps
            .iter()
            .zip(k)
            .filter(|(a, _)| a.lo < a.hi)
            .map(|(a, &kp)| shares(a)[kp])
            .fold(f64::INFINITY, f64::min)
            .min(1.0)
    }

    pub fn maximise(&self) -> bool {
        self.objective == Objective::MaxMinThroughput
    }

    /// Whether `k` respects bounds and capacities.
    pub fn feasible(&self, k: &[usize]) -> bool {
        if k.len() != self.apps.len() {
            return false;
        }
        let mut used = vec![0.0; self.capacity.len()];
        for (a, &kp) in self.apps.iter().zip(k) {
            if kp < a.lo || kp > a.hi {
                return false;
            }
            for (u, x) in used.iter_mut().zip(&a.usage[kp]) {
                *u += x;
            }
        }
        used.iter().zip(&self.capacity).all(|(u, c)| *u <= c + 1e-9)
    }

    /// Switch usage of `k`.
    pub fn used(&self, k: &[usize]) -> Vec<f64> {
        let mut used = vec![0.0; self.capacity.len()];
        for (a, &kp) in self.apps.iter().zip(k) {
            for (u, x) in used.iter_mut().zip(&a.usage[kp]) {
                *u += x;
            }
        }
        used
    }

    /// Checks that the forced part (every app at its lower bound) fits; names the binding
    /// resource and the app that needs the most of it.
    pub fn check_forced(&self) -> Result<(), AllocError> {
        let lo: Vec<usize> = self.apps.iter().map(|a| a.lo).collect();
        let used = self.used(&lo);
        for (r, (&u, &c)) in used.iter().zip(&self.capacity).enumerate() {
            if u > c + 1e-9 {
                let (app, app_need) = self
                    .apps
                    .iter()
                    .map(|a| (a.name.clone(), a.usage[a.lo][r]))
                    .fold((String::new(), -1.0), |b, x| if x.1 > b.1 { x } else { b });
                return Err(AllocError::Capacity {
                    resource: self.resources[r].clone(),
                    device: self.device.clone(),
                    need: u,
                    cap: c,
                    app,
                    app_need,
                });
            }
        }
        Ok(())
    }
}

/// Which solver to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverKind {
    /// The structure-exploiting exact solver (default).
    Fast,
    /// The ILP of Eq. 1-5 with microlp (pure Rust).
    Microlp,
    /// The ILP with HiGHS (cargo feature `highs`).
    Highs,
    /// Exhaustive search (tiny instances only).
    Brute,
}

impl std::str::FromStr for SolverKind {
    type Err = String;
    fn from_str(s: &str) -> Result<SolverKind, String> {
        match s {
            "fast" => Ok(SolverKind::Fast),
            "microlp" | "ilp" => Ok(SolverKind::Microlp),
            "highs" => Ok(SolverKind::Highs),
            "brute" => Ok(SolverKind::Brute),
            _ => Err(format!(
                "unknown solver `{s}` (expected fast, microlp, highs or brute)"
            )),
        }
    }
}

pub fn solve(p: &Problem, kind: SolverKind) -> Result<Solution, AllocError> {
    p.check_forced()?;
    match kind {
        SolverKind::Fast => Ok(fast::solve(p, fast::Limits::default())),
        SolverKind::Microlp => ilp::solve(p, ilp::Backend::Microlp),
        SolverKind::Highs => ilp::solve(p, ilp::Backend::Highs),
        SolverKind::Brute => brute::solve(p),
    }
}

#[cfg(test)]
pub(crate) mod tests;
