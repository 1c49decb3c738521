//! The structure-exploiting exact solver.
//!
//! Structure used: an app's switch share is a prefix of its quanta (so one integer `k_p` per
//! app instead of a binary per quantum and device), the external devices of a pool are
//! interchangeable (one pool per app), and switch usage is a step function of `k_p` (block
//! granularity) whose plateaus need only their two ends as candidates. What remains is a
//! multiple-choice, multi-dimensional knapsack over the apps:
//!
//! 1. Lagrangian relaxation of the capacity constraints, minimised by projected subgradient
//!    steps (Polyak step size): an upper bound on the best value.
//! 2. A greedy fill by value per Lagrangian-weighted resource, then a local improvement pass:
//!    a feasible incumbent.
//! 3. Depth-first branch and bound over the apps' candidates, bounded by the Lagrangian bound
//!    of the undecided apps; it proves optimality or stops at a node limit and reports the gap.
//!
//! Max-min throughput is solved exactly by bisection on the threshold (feasibility is monotone
//! in it), then the remaining capacity is spent on the weighted-latency objective.

use super::{shares, Problem, Solution};
use exo_scenario::Objective;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub subgradient_iterations: usize,
    pub max_nodes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            subgradient_iterations: 200,
            max_nodes: 200_000,
        }
    }
}

/// Knapsack over candidate lists. `value[p][c]`, `cost[p][c][r]` (normalised to capacity 1).
struct Knapsack {
    value: Vec<Vec<f64>>,
    cost: Vec<Vec<Vec<f64>>>,
    /// The `k` of each candidate.
    k: Vec<Vec<usize>>,
    m: usize,
}

struct KnapsackResult {
    choice: Vec<usize>,
    value: f64,
    bound: f64,
    nodes: u64,
}

impl Knapsack {
    fn fits(&self, used: &[f64], p: usize, c: usize, base: &[usize]) -> bool {
        (0..self.m).all(|r| used[r] - self.cost[p][base[p]][r] + self.cost[p][c][r] <= 1.0 + 1e-9)
    }

    fn lagrangian(&self, lambda: &[f64]) -> (f64, Vec<usize>) {
        let mut total: f64 = lambda.iter().sum();
        let mut arg = Vec::with_capacity(self.value.len());
        let active: Vec<usize> = (0..self.m).filter(|&r| lambda[r] > 0.0).collect();
        for p in 0..self.value.len() {
            let (mut best, mut bc) = (f64::NEG_INFINITY, 0);
            for c in 0..self.value[p].len() {
                let v = self.value[p][c]
                    - active
                        .iter()
                        .map(|&r| lambda[r] * self.cost[p][c][r])
                        .sum::<f64>();
                if v > best {
                    best = v;
                    bc = c;
                }
            }
            total += best;
            arg.push(bc);
        }
        (total, arg)
    }

    fn solve(&self, limits: Limits) -> KnapsackResult {
        let n = self.value.len();
        let zero: Vec<usize> = vec![0; n];
        let used_of = |ch: &[usize]| -> Vec<f64> {
            let mut u = vec![0.0; self.m];
            for (p, &c) in ch.iter().enumerate() {
                for (r, x) in u.iter_mut().enumerate() {
                    *x += self.cost[p][c][r];
                }
            }
            u
        };
        let value_of =
            |ch: &[usize]| -> f64 { ch.iter().enumerate().map(|(p, &c)| self.value[p][c]).sum() };

        // Incumbent: greedy from the lower bounds (candidate 0 of each app).
        let mut lambda = vec![0.0; self.m];
        let (mut ub, arg) = self.lagrangian(&lambda);
        let mut best_lambda = lambda.clone();
        let mut incumbent = self.greedy(&zero, &vec![1.0; self.m]);
        let mut best = value_of(&incumbent);
        let u0 = used_of(&arg);
        if u0.iter().all(|&u| u <= 1.0 + 1e-9) {
            // The unconstrained optimum fits: it is optimal.
            return KnapsackResult {
                value: value_of(&arg),
                bound: value_of(&arg),
                choice: arg,
                nodes: 0,
            };
        }
        // Subgradient descent on the dual.
        for it in 0..limits.subgradient_iterations {
            let (l, arg) = self.lagrangian(&lambda);
            if l < ub {
                ub = l;
                best_lambda = lambda.clone();
            }
            let used = used_of(&arg);
            let g: Vec<f64> = used.iter().map(|u| 1.0 - u).collect();
            let norm: f64 = g
                .iter()
                .zip(&lambda)
                .map(|(gi, li)| {
                    if *li <= 0.0 && *gi > 0.0 {
                        0.0
                    } else {
                        gi * gi
                    }
                })
                .sum();
            if norm <= 1e-18 || ub - best <= 1e-12 * best.abs().max(1.0) {
                break;
            }
            let theta = 2.0 / (1.0 + it as f64 / 20.0);
            let step = theta * (l - best).max(1e-12 * l.abs().max(1.0)) / norm;
            for r in 0..self.m {
                lambda[r] = (lambda[r] - step * g[r]).max(0.0);
            }
            if it % 10 == 9 {
                let w: Vec<f64> = lambda.iter().map(|l| l + 1e-6).collect();
                let cand = self.greedy(&zero, &w);
                let v = value_of(&cand);
                if v > best {
                    best = v;
                    incumbent = cand;
                }
            }
        }
        let w: Vec<f64> = best_lambda.iter().map(|l| l + 1e-6).collect();
        let cand = self.greedy(&zero, &w);
        if value_of(&cand) > best {
            best = value_of(&cand);
            incumbent = cand;
        }
        let tol = 1e-12 * best.abs().max(1.0);
        if ub - best <= tol {
            return KnapsackResult {
                choice: incumbent,
                value: best,
                bound: best,
                nodes: 0,
            };
        }
        // Branch and bound with the Lagrangian bound of the undecided apps.
        let lam = best_lambda;
        let red: Vec<Vec<f64>> = (0..n)
            .map(|p| {
                (0..self.value[p].len())
                    .map(|c| {
                        self.value[p][c]
                            - (0..self.m)
                                .map(|r| lam[r] * self.cost[p][c][r])
                                .sum::<f64>()
                    })
                    .collect()
            })
            .collect();
        let hbest: Vec<f64> = red
            .iter()
            .map(|v| v.iter().cloned().fold(f64::NEG_INFINITY, f64::max))
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            let sa = self.value[a].last().unwrap_or(&0.0) - self.value[a][0];
            let sb = self.value[b].last().unwrap_or(&0.0) - self.value[b][0];
            sb.total_cmp(&sa)
        });
        // suffix[d] = sum of hbest over order[d..]; lo_suffix[d][r] = minimal usage of order[d..].
        let mut suffix = vec![0.0; n + 1];
        let mut lo_suffix = vec![vec![0.0; self.m]; n + 1];
        for d in (0..n).rev() {
            let p = order[d];
            suffix[d] = suffix[d + 1] + hbest[p];
            let next = lo_suffix[d + 1].clone();
            for (r, x) in lo_suffix[d].iter_mut().enumerate() {
                *x = next[r] + self.cost[p][0][r];
            }
        }
        let sorted: Vec<Vec<usize>> = (0..n)
            .map(|p| {
                let mut c: Vec<usize> = (0..self.value[p].len()).collect();
                c.sort_by(|&a, &b| red[p][b].total_cmp(&red[p][a]));
                c
            })
            .collect();
        let lam_sum: f64 = lam.iter().sum();
        let mut st = Dfs {
            ks: self,
            order: &order,
            sorted: &sorted,
            red: &red,
            lam: &lam,
            suffix: &suffix,
            lo_suffix: &lo_suffix,
            choice: vec![0; n],
            best,
            best_choice: incumbent.clone(),
            nodes: 0,
            max_nodes: limits.max_nodes,
            aborted: false,
            tol,
            open_bound: f64::NEG_INFINITY,
        };
        let mut used = vec![0.0; self.m];
        st.dfs(0, &mut used, 0.0, lam_sum);
        let bound = if st.aborted {
            st.open_bound.max(st.best).min(ub)
        } else {
            st.best
        };
        KnapsackResult {
            choice: st.best_choice,
            value: st.best,
            bound,
            nodes: st.nodes,
        }
    }

    /// Greedy fill from `start` by value per weighted cost: a heap of each app's best next move
    /// within a window of candidates; a move that stops fitting never fits again (usage only
    /// grows), so stale heap entries are recomputed lazily.
    fn greedy(&self, start: &[usize], w: &[f64]) -> Vec<usize> {
        const WINDOW: usize = 8;
        let n = self.value.len();
        let mut ch = start.to_vec();
        let mut used = vec![0.0; self.m];
        for (p, &c) in ch.iter().enumerate() {
            for (r, u) in used.iter_mut().enumerate() {
                *u += self.cost[p][c][r];
            }
        }
        let wcost = |p: usize, c: usize| -> f64 {
            (0..self.m)
                .map(|r| w.get(r).copied().unwrap_or(1.0) * self.cost[p][c][r])
                .sum()
        };
        let best_move = |p: usize, ch: &[usize], used: &[f64]| -> Option<(f64, usize)> {
            let cur = ch[p];
            let (v0, c0) = (self.value[p][cur], wcost(p, cur));
            let mut best: Option<(f64, usize)> = None;
            for c in cur + 1..self.value[p].len().min(cur + 1 + WINDOW) {
                if !self.fits(used, p, c, ch) {
                    break;
                }
                let dv = self.value[p][c] - v0;
                if dv <= 0.0 {
                    continue;
                }
                let eff = dv / (wcost(p, c) - c0 + 1e-15);
                if best.is_none_or(|b| eff > b.0) {
                    best = Some((eff, c));
                }
            }
            best
        };
        let mut heap = std::collections::BinaryHeap::new();
        let mut version = vec![0u64; n];
        for p in 0..n {
            if let Some((e, c)) = best_move(p, &ch, &used) {
                heap.push((Ord(e), p, c, 0u64));
            }
        }
        while let Some((_, p, c, ver)) = heap.pop() {
            if ver != version[p] {
                continue;
            }
            if !self.fits(&used, p, c, &ch) {
                version[p] += 1;
                if let Some((e, c2)) = best_move(p, &ch, &used) {
                    heap.push((Ord(e), p, c2, version[p]));
                }
                continue;
            }
            for (r, u) in used.iter_mut().enumerate() {
                *u += self.cost[p][c][r] - self.cost[p][ch[p]][r];
            }
            ch[p] = c;
            version[p] += 1;
            if let Some((e, c2)) = best_move(p, &ch, &used) {
                heap.push((Ord(e), p, c2, version[p]));
            }
        }
        ch
    }
}

/// Total order on efficiencies for the heap.
#[derive(Clone, Copy, PartialEq)]
struct Ord(f64);
impl Eq for Ord {}
impl PartialOrd for Ord {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl std::cmp::Ord for Ord {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

struct Dfs<'a> {
    ks: &'a Knapsack,
    order: &'a [usize],
    sorted: &'a [Vec<usize>],
    red: &'a [Vec<f64>],
    lam: &'a [f64],
    suffix: &'a [f64],
    lo_suffix: &'a [Vec<f64>],
    choice: Vec<usize>,
    best: f64,
    best_choice: Vec<usize>,
    nodes: u64,
    max_nodes: u64,
    aborted: bool,
    tol: f64,
    /// Largest bound of a subtree left unexplored (valid upper bound when aborted).
    open_bound: f64,
}

impl Dfs<'_> {
    /// `acc_red` = sum of reduced values of the decided apps; bound = acc_red + suffix + lam_sum.
    fn dfs(&mut self, d: usize, used: &mut [f64], acc_red: f64, lam_sum: f64) {
        let n = self.order.len();
        if d == n {
            let v: f64 = (0..n).map(|p| self.ks.value[p][self.choice[p]]).sum();
            if v > self.best {
                self.best = v;
                self.best_choice = self.choice.clone();
            }
            return;
        }
        let p = self.order[d];
        for &c in &self.sorted[p] {
            let bound = acc_red + self.red[p][c] + self.suffix[d + 1] + lam_sum;
            if bound <= self.best + self.tol {
                // Candidates are sorted by reduced value: the rest are no better.
                break;
            }
            if self.nodes >= self.max_nodes {
                self.aborted = true;
                self.open_bound = self.open_bound.max(bound);
                return;
            }
            let ok = (0..self.ks.m)
                .all(|r| used[r] + self.ks.cost[p][c][r] + self.lo_suffix[d + 1][r] <= 1.0 + 1e-9);
            if !ok {
                continue;
            }
            self.nodes += 1;
            for (r, u) in used.iter_mut().enumerate() {
                *u += self.ks.cost[p][c][r];
            }
            self.choice[p] = c;
            self.dfs(d + 1, used, acc_red + self.red[p][c], lam_sum);
            for (r, u) in used.iter_mut().enumerate() {
                *u -= self.ks.cost[p][c][r];
            }
            let _ = self.lam;
        }
    }
}

/// Candidate `k`s of an app in `[lo, hi]`: both ends of every usage plateau.
fn candidates(usage: &[Vec<f64>], lo: usize, hi: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for k in lo..=hi {
        let left = k == lo || usage[k] != usage[k - 1];
        let right = k == hi || usage[k] != usage[k + 1];
        if left || right {
            out.push(k);
        }
    }
    out
}

/// Maximises the sum of `value[p][k]` over `k_p in [lo_p, hi_p]` within capacity.
fn maximise(
    p: &Problem,
    lo: &[usize],
    value: &dyn Fn(usize, usize) -> f64,
    limits: Limits,
) -> (Vec<usize>, f64, f64, u64) {
    let m = p.capacity.len();
    let scale: Vec<f64> = p
        .capacity
        .iter()
        .map(|&c| if c > 0.0 { 1.0 / c } else { 1e12 })
        .collect();
    let mut ks = Knapsack {
        value: Vec::new(),
        cost: Vec::new(),
        k: Vec::new(),
        m,
    };
    for (i, a) in p.apps.iter().enumerate() {
        let cands = candidates(&a.usage, lo[i], a.hi.max(lo[i]));
        ks.value.push(cands.iter().map(|&k| value(i, k)).collect());
        ks.cost.push(
            cands
                .iter()
                .map(|&k| (0..m).map(|r| a.usage[k][r] * scale[r]).collect())
                .collect(),
        );
        ks.k.push(cands);
    }
    let res = ks.solve(limits);
    let k: Vec<usize> = res
        .choice
        .iter()
        .enumerate()
        .map(|(i, &c)| ks.k[i][c])
        .collect();
    (k, res.value, res.bound, res.nodes)
}

pub fn solve(p: &Problem, limits: Limits) -> Solution {
    let sh: Vec<Vec<f64>> = p.apps.iter().map(shares).collect();
    let lo0: Vec<usize> = p.apps.iter().map(|a| a.lo).collect();
    match p.objective {
        Objective::MinWeightedLatency | Objective::MinExternalLoad => {
            let lat = p.objective == Objective::MinWeightedLatency;
            let base: f64 = p
                .apps
                .iter()
                .map(|a| a.weight * if lat { a.lat_external } else { 1.0 })
                .sum();
            let value = |i: usize, k: usize| {
                let a = &p.apps[i];
                let coef = if lat {
                    a.lat_external - a.lat_switch
                } else {
                    1.0
                };
                a.weight * sh[i][k] * coef
            };
            let (k, v, ub, nodes) = maximise(p, &lo0, &value, limits);
            Solution {
                objective: base - v,
                bound: base - ub,
                k,
                solver: "fast".into(),
                nodes,
            }
        }
        Objective::MaxMinThroughput => {
            // need(i, t): fewest quanta giving app i a switch share >= t.
            let need = |i: usize, t: f64| -> Option<usize> {
                let a = &p.apps[i];
                if a.lo >= a.hi {
                    return Some(a.lo);
                }
                let s = &sh[i];
                let k = s.partition_point(|&x| x < t - 1e-15);
                (k <= a.hi).then(|| k.max(a.lo))
            };
            let feasible = |t: f64| -> Option<Vec<usize>> {
                let k: Option<Vec<usize>> = (0..p.apps.len()).map(|i| need(i, t)).collect();
                k.filter(|k| p.feasible(k))
            };
            let (mut lo, mut hi) = (0.0f64, 1.0f64);
            let mut best_k = feasible(0.0).unwrap_or(lo0.clone());
            if let Some(k) = feasible(1.0) {
                best_k = k;
                lo = 1.0;
            } else {
                for _ in 0..64 {
                    let mid = 0.5 * (lo + hi);
                    match feasible(mid) {
                        Some(k) => {
                            lo = mid;
                            best_k = k;
                        }
                        None => hi = mid,
                    }
                }
            }
            let _ = lo;
            // Spend what is left on latency, keeping every app at or above its threshold.
            let value = |i: usize, k: usize| {
                let a = &p.apps[i];
                a.weight * sh[i][k] * (a.lat_external - a.lat_switch)
            };
            let (k, _, _, nodes) = maximise(p, &best_k, &value, limits);
            let t = p.min_switch_share(&k);
            Solution {
                objective: t,
                bound: t,
                k,
                solver: "fast".into(),
                nodes,
            }
        }
    }
}
