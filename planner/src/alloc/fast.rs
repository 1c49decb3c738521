//! The structure-exploiting exact solver.
//!
//! Structure used: an app's switch share is a prefix of its quanta (so one integer `k_p` per
//! app instead of a binary per quantum and device), the external devices of a pool are
//! interchangeable (one pool per app), and switch usage is a step function of `k_p` (block
//! granularity) whose plateaus need only their two ends as candidates. What remains is a
//! multiple-choice, multi-dimensional knapsack over the apps:
//!
//! 0. Candidates that cannot fit next to the least every other app uses are dropped (a fixed
//!    cost such as a TCAM block or a flow manager often rules out most of an app's range).
//! 1. Lagrangian relaxation of the capacity constraints, minimised by projected subgradient
//!    steps (Polyak step size): an upper bound on the best value.
//! 2. A greedy fill by value per Lagrangian-weighted resource, then a local improvement pass:
//!    a feasible incumbent.
//! 3. Depth-first branch and bound over the apps' candidates, bounded by the Lagrangian bound
//!    of the undecided apps restricted to the candidates that can still fit (see `Dfs`); the
//!    last app is chosen directly. It proves optimality or stops at a node limit and reports
//!    the gap.
//!
//! Max-min throughput is solved exactly by bisection over the apps' switch shares (a
//! threshold's feasibility is monotone in it; usage need not be monotone in `k`: it drops when
//! every flow is on the switch and the flow manager goes), then the remaining capacity is spent
//! on the weighted-latency objective.

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

/// Knapsack over candidate lists. `value[p][c]`, `costs[p][c * m + r]` (normalised to capacity
/// 1).
struct Knapsack {
    value: Vec<Vec<f64>>,
    costs: Vec<Vec<f64>>,
    /// The same by resource: `cols[p][r * candidates + c]`.
    cols: Vec<Vec<f64>>,
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
    /// Usage of candidate `c` of app `p`.
    fn cost(&self, p: usize, c: usize) -> &[f64] {
        &self.costs[p][c * self.m..(c + 1) * self.m]
    }

    fn fits(&self, used: &[f64], p: usize, c: usize, base: &[usize]) -> bool {
        (0..self.m).all(|r| used[r] - self.cost(p, base[p])[r] + self.cost(p, c)[r] <= 1.0 + 1e-9)
    }

    /// The Lagrangian function at `lambda` and each app's maximising candidate. Costs are read
    /// by resource (`cols`) and only where `lambda` is positive, so the loops vectorise.
    fn lagrangian(&self, lambda: &[f64], buf: &mut Vec<f64>) -> (f64, Vec<usize>) {
        let mut total: f64 = lambda.iter().sum();
        let mut arg = Vec::with_capacity(self.value.len());
        for (cols, values) in self.cols.iter().zip(&self.value) {
            let cands = values.len();
            buf.clear();
            buf.extend_from_slice(values);
            for (r, &l) in lambda.iter().enumerate() {
                if l > 0.0 {
                    for (b, x) in buf.iter_mut().zip(&cols[r * cands..(r + 1) * cands]) {
                        *b -= l * x;
                    }
                }
            }
            // The largest value (in four lanes, which vectorises), then its first position.
            let mut lanes = [f64::NEG_INFINITY; 4];
            let chunks = buf.chunks_exact(4);
            let rest = chunks.remainder();
            for ch in chunks {
                for (l, &v) in lanes.iter_mut().zip(ch) {
                    *l = if v > *l { v } else { *l };
                }
            }
            let best = lanes
                .iter()
                .chain(rest)
                .fold(f64::NEG_INFINITY, |a, &v| if v > a { v } else { a });
            total += best;
            arg.push(buf.iter().position(|&v| v == best).unwrap_or(0));
        }
        (total, arg)
    }

    /// Fills `cols` from `costs`.
    fn transpose(&mut self) {
        let m = self.m;
        self.cols = self
            .costs
            .iter()
            .map(|costs| {
                let cands = costs.len() / m.max(1);
                let mut t = vec![0.0; costs.len()];
                for (c, row) in costs.chunks_exact(m).enumerate() {
                    for (r, &x) in row.iter().enumerate() {
                        t[r * cands + c] = x;
                    }
                }
                t
            })
            .collect();
    }

    fn solve(&self, limits: Limits) -> KnapsackResult {
        let n = self.value.len();
        let zero: Vec<usize> = vec![0; n];
        let used_of = |ch: &[usize]| -> Vec<f64> {
            let mut u = vec![0.0; self.m];
            for (p, &c) in ch.iter().enumerate() {
                for (r, x) in u.iter_mut().enumerate() {
                    *x += self.cost(p, c)[r];
                }
            }
            u
        };
        let value_of =
            |ch: &[usize]| -> f64 { ch.iter().enumerate().map(|(p, &c)| self.value[p][c]).sum() };

        // Incumbent: greedy from the lower bounds (candidate 0 of each app).
        let mut lambda = vec![0.0; self.m];
        let mut buf = Vec::new();
        let (mut ub, arg) = self.lagrangian(&lambda, &mut buf);
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
            let (l, arg) = self.lagrangian(&lambda, &mut buf);
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
        let mut st = Dfs::new(self, &lam, best, incumbent, tol, limits.max_nodes);
        let mut used = st.fixed_used.clone();
        let (acc_red, acc_val) = (st.fixed_red, st.fixed_val);
        st.dfs(0, &mut used, acc_red, acc_val);
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

    /// Removes candidates that no feasible choice contains: those exceeding the capacity
    /// together with the least every other app uses (repeated until nothing changes, since
    /// removing candidates can raise an app's least usage). Candidate 0 (the start, feasible
    /// with every other app at its candidate 0) is always kept.
    fn prune(&mut self) {
        let n = self.value.len();
        loop {
            let minc: Vec<Vec<f64>> = (0..n).map(|p| self.min_cost(p)).collect();
            let mut total = vec![0.0; self.m];
            for mc in &minc {
                for (t, x) in total.iter_mut().zip(mc) {
                    *t += x;
                }
            }
            let mut changed = false;
            for (p, mc) in minc.iter().enumerate() {
                let room: Vec<f64> = total
                    .iter()
                    .zip(mc)
                    .map(|(t, x)| 1.0 + 1e-9 - (t - x))
                    .collect();
                let keep: Vec<bool> = self.costs[p]
                    .chunks(self.m)
                    .enumerate()
                    .map(|(c, cost)| c == 0 || cost.iter().zip(&room).all(|(x, r)| x <= r))
                    .collect();
                if keep.iter().all(|&k| k) {
                    continue;
                }
                changed = true;
                let mut it = keep.iter();
                self.value[p].retain(|_| *it.next().unwrap_or(&true));
                let m = self.m;
                let costs = std::mem::take(&mut self.costs[p]);
                self.costs[p] = costs
                    .chunks(m)
                    .zip(&keep)
                    .filter(|(_, &k)| k)
                    .flat_map(|(c, _)| c.iter().copied())
                    .collect();
                let mut it = keep.iter();
                self.k[p].retain(|_| *it.next().unwrap_or(&true));
            }
            if !changed {
                break;
            }
        }
    }

    /// Componentwise least usage over the candidates of app `p`.
    fn min_cost(&self, p: usize) -> Vec<f64> {
        let mut mc = vec![f64::INFINITY; self.m];
        for cost in self.costs[p].chunks(self.m) {
            for (m, x) in mc.iter_mut().zip(cost) {
                *m = m.min(*x);
            }
        }
        mc
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
                *u += self.cost(p, c)[r];
            }
        }
        let wcost = |p: usize, c: usize| -> f64 {
            (0..self.m)
                .map(|r| w.get(r).copied().unwrap_or(1.0) * self.cost(p, c)[r])
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
                *u += self.cost(p, c)[r] - self.cost(p, ch[p])[r];
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

/// Depth-first branch and bound. Apps with a single candidate are decided up front; the others
/// are decided in `order`. Bounds, all valid upper bounds on what a node's subtree can reach:
///
/// - *static*: the decided apps' reduced values plus each undecided app's best reduced value
///   (the Lagrangian bound at fixed multipliers), checked first since it is O(1);
/// - *reach*: the same, but each undecided app's best reduced value is taken only over the
///   candidates that can still fit next to what is decided and the least the other undecided
///   apps use. `smin` (suffix minima of the costs, componentwise non-decreasing) gives by binary
///   search an index `j` such that no candidate at or after `j` fits, and `red_pmax` the best
///   reduced value before it. With fixed costs (a flow manager, a TCAM block) this is much
///   tighter than the static bound once the capacity is partly used.
///
/// The last app is not branched on: the best candidate that fits is taken directly (by binary
/// search when its costs grow with `k`, a chain; else by a scan in value order).
struct Dfs<'a> {
    ks: &'a Knapsack,
    m: usize,
    order: Vec<usize>,
    /// Candidates by reduced value, best first.
    sorted: Vec<Vec<usize>>,
    red: Vec<Vec<f64>>,
    /// `suffix[d]`: sum over `order[d..]` of the best reduced value.
    suffix: Vec<f64>,
    /// `min_suffix[d*m + r]`: least usage of `order[d..]` in resource `r`.
    min_suffix: Vec<f64>,
    /// `minc[p*m + r]`: least usage of app `p` over its candidates.
    minc: Vec<f64>,
    /// `smin[p][c*m + r]`: least usage of app `p` over candidates `c..`.
    smin: Vec<Vec<f64>>,
    /// `red_pmax[p][c]`: best reduced value over candidates `..=c`.
    red_pmax: Vec<Vec<f64>>,
    /// `val_pmax[p][c]`: the candidate of best value among `..=c`.
    val_pmax: Vec<Vec<usize>>,
    /// Costs non-decreasing along the candidates (componentwise).
    chain: Vec<bool>,
    /// Candidates by value, best first (last app, not a chain).
    by_value: Vec<Vec<usize>>,
    lam_sum: f64,
    fixed_used: Vec<f64>,
    fixed_red: f64,
    fixed_val: f64,
    choice: Vec<usize>,
    best: f64,
    best_choice: Vec<usize>,
    nodes: u64,
    max_nodes: u64,
    aborted: bool,
    tol: f64,
    /// Largest bound of a subtree left unexplored (valid upper bound when aborted).
    open_bound: f64,
    /// Scratch: the room left for one app.
    room: Vec<f64>,
}

/// Capacity slack in the feasibility checks (costs are normalised to capacity 1).
const EPS: f64 = 1e-9;

impl<'a> Dfs<'a> {
    fn new(
        ks: &'a Knapsack,
        lam: &[f64],
        best: f64,
        incumbent: Vec<usize>,
        tol: f64,
        max_nodes: u64,
    ) -> Dfs<'a> {
        let n = ks.value.len();
        let m = ks.m;
        let red: Vec<Vec<f64>> = (0..n)
            .map(|p| {
                (0..ks.value[p].len())
                    .map(|c| {
                        ks.value[p][c] - (0..m).map(|r| lam[r] * ks.cost(p, c)[r]).sum::<f64>()
                    })
                    .collect()
            })
            .collect();
        let hbest: Vec<f64> = red
            .iter()
            .map(|v| v.iter().cloned().fold(f64::NEG_INFINITY, f64::max))
            .collect();
        let mut minc = vec![0.0; n * m];
        let mut smin = Vec::with_capacity(n);
        let mut red_pmax = Vec::with_capacity(n);
        let mut val_pmax = Vec::with_capacity(n);
        let mut chain = Vec::with_capacity(n);
        let mut by_value = Vec::with_capacity(n);
        for p in 0..n {
            let cands = ks.value[p].len();
            let mut sm = vec![f64::INFINITY; cands * m];
            for c in (0..cands).rev() {
                for r in 0..m {
                    let next = if c + 1 < cands {
                        sm[(c + 1) * m + r]
                    } else {
                        f64::INFINITY
                    };
                    sm[c * m + r] = ks.cost(p, c)[r].min(next);
                }
            }
            if cands > 0 {
                minc[p * m..(p + 1) * m].copy_from_slice(&sm[..m]);
            }
            smin.push(sm);
            let mut acc = f64::NEG_INFINITY;
            red_pmax.push(
                red[p]
                    .iter()
                    .map(|&v| {
                        acc = acc.max(v);
                        acc
                    })
                    .collect::<Vec<f64>>(),
            );
            let mut arg = 0;
            val_pmax.push(
                (0..cands)
                    .map(|c| {
                        if ks.value[p][c] > ks.value[p][arg] {
                            arg = c;
                        }
                        arg
                    })
                    .collect::<Vec<usize>>(),
            );
            chain.push((1..cands).all(|c| {
                ks.cost(p, c - 1)
                    .iter()
                    .zip(ks.cost(p, c))
                    .all(|(a, b)| a <= b)
            }));
            let mut bv: Vec<usize> = (0..cands).collect();
            bv.sort_by(|&a, &b| ks.value[p][b].total_cmp(&ks.value[p][a]));
            by_value.push(bv);
        }
        // Apps with one candidate are fixed; the others are branched on, the widest value range
        // first.
        let mut fixed_used = vec![0.0; m];
        let (mut fixed_red, mut fixed_val) = (0.0, 0.0);
        let mut order = Vec::new();
        for (p, rp) in red.iter().enumerate() {
            if ks.value[p].len() == 1 {
                for (u, x) in fixed_used.iter_mut().zip(ks.cost(p, 0)) {
                    *u += x;
                }
                fixed_red += rp[0];
                fixed_val += ks.value[p][0];
            } else {
                order.push(p);
            }
        }
        order.sort_by(|&a, &b| {
            let sa = ks.value[a].last().unwrap_or(&0.0) - ks.value[a][0];
            let sb = ks.value[b].last().unwrap_or(&0.0) - ks.value[b][0];
            sb.total_cmp(&sa)
        });
        let d_n = order.len();
        let mut suffix = vec![0.0; d_n + 1];
        let mut min_suffix = vec![0.0; (d_n + 1) * m];
        for d in (0..d_n).rev() {
            let p = order[d];
            suffix[d] = suffix[d + 1] + hbest[p];
            for r in 0..m {
                min_suffix[d * m + r] = min_suffix[(d + 1) * m + r] + minc[p * m + r];
            }
        }
        let sorted: Vec<Vec<usize>> = (0..n)
            .map(|p| {
                let mut c: Vec<usize> = (0..ks.value[p].len()).collect();
                c.sort_by(|&a, &b| red[p][b].total_cmp(&red[p][a]));
                c
            })
            .collect();
        Dfs {
            ks,
            m,
            order,
            sorted,
            red,
            suffix,
            min_suffix,
            minc,
            smin,
            red_pmax,
            val_pmax,
            chain,
            by_value,
            lam_sum: lam.iter().sum(),
            fixed_used,
            fixed_red,
            fixed_val,
            choice: vec![0; n],
            best,
            best_choice: incumbent,
            nodes: 0,
            max_nodes,
            aborted: false,
            tol,
            open_bound: f64::NEG_INFINITY,
            room: vec![0.0; m],
        }
    }

    /// Number of leading candidates of `p` that may fit in `room`: none from the result on does
    /// (`smin` is componentwise non-decreasing, so "the suffix minimum fits" holds for a prefix).
    fn reach(&self, p: usize, room: &[f64]) -> usize {
        let m = self.m;
        let sm = &self.smin[p];
        let (mut lo, mut hi) = (0, sm.len() / m);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if sm[mid * m..(mid + 1) * m]
                .iter()
                .zip(room)
                .all(|(x, r)| x <= r)
            {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn record(&mut self, v: f64) {
        if v > self.best {
            self.best = v;
            self.best_choice.clone_from(&self.choice);
        }
    }

    /// `acc_red`/`acc_val`: reduced value and value of the decided apps (fixed ones included);
    /// `used`: their usage.
    fn dfs(&mut self, d: usize, used: &mut [f64], acc_red: f64, acc_val: f64) {
        let n = self.order.len();
        let m = self.m;
        if d == n {
            if used.iter().all(|&u| u <= 1.0 + EPS) {
                self.record(acc_val);
            }
            return;
        }
        let p = self.order[d];
        if d + 1 == n {
            // The last app: its best candidate that fits.
            self.nodes += 1;
            let ks = self.ks;
            let fits = |c: usize| (0..m).all(|r| used[r] + ks.cost(p, c)[r] <= 1.0 + EPS);
            let pick = if self.chain[p] {
                // Costs grow along the chain: the candidates that fit are a prefix.
                let (mut lo, mut hi) = (0, ks.value[p].len());
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    if fits(mid) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                let j = lo;
                (j > 0).then(|| self.val_pmax[p][j - 1])
            } else {
                for (r, x) in self.room.iter_mut().enumerate() {
                    *x = 1.0 + 2.0 * EPS - used[r];
                }
                let j = self.reach(p, &self.room);
                self.by_value[p].iter().copied().find(|&c| c < j && fits(c))
            };
            if let Some(c) = pick {
                self.choice[p] = c;
                self.record(acc_val + ks.value[p][c]);
            }
            return;
        }
        // Reach bound over the undecided apps.
        let mut bound = acc_red + self.lam_sum;
        let mut room = std::mem::take(&mut self.room);
        let mut jp = 0;
        for e in d..n {
            let q = self.order[e];
            for (r, x) in room.iter_mut().enumerate() {
                *x =
                    1.0 + 2.0 * EPS - used[r] - (self.min_suffix[d * m + r] - self.minc[q * m + r]);
            }
            let j = self.reach(q, &room);
            if j == 0 {
                self.room = room;
                return;
            }
            if e == d {
                jp = j;
            }
            bound += self.red_pmax[q][j - 1];
        }
        self.room = room;
        if bound <= self.best + self.tol {
            return;
        }
        let ks = self.ks;
        for i in 0..self.sorted[p].len() {
            let c = self.sorted[p][i];
            let bound = acc_red + self.red[p][c] + self.suffix[d + 1] + self.lam_sum;
            if bound <= self.best + self.tol {
                // Candidates are sorted by reduced value: the rest are no better.
                break;
            }
            if c >= jp {
                continue;
            }
            if self.nodes >= self.max_nodes {
                self.aborted = true;
                self.open_bound = self.open_bound.max(bound);
                return;
            }
            let ok = (0..m).all(|r| {
                used[r] + ks.cost(p, c)[r] + self.min_suffix[(d + 1) * m + r] <= 1.0 + EPS
            });
            if !ok {
                continue;
            }
            self.nodes += 1;
            for (r, u) in used.iter_mut().enumerate() {
                *u += ks.cost(p, c)[r];
            }
            self.choice[p] = c;
            self.dfs(
                d + 1,
                used,
                acc_red + self.red[p][c],
                acc_val + ks.value[p][c],
            );
            for (r, u) in used.iter_mut().enumerate() {
                *u -= ks.cost(p, c)[r];
            }
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
        costs: Vec::new(),
        cols: Vec::new(),
        k: Vec::new(),
        m,
    };
    for (i, a) in p.apps.iter().enumerate() {
        let cands = candidates(&a.usage, lo[i], a.hi.max(lo[i]));
        ks.value.push(cands.iter().map(|&k| value(i, k)).collect());
        ks.costs.push(
            cands
                .iter()
                .flat_map(|&k| a.usage[k].iter().zip(&scale).map(|(u, s)| u * s))
                .collect(),
        );
        ks.k.push(cands);
    }
    ks.prune();
    ks.transpose();
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
            // The optimum is one of the medium apps' switch shares: bisection over them (a
            // threshold's feasibility is monotone in it).
            let mut thresholds: Vec<f64> = p
                .apps
                .iter()
                .zip(&sh)
                .filter(|(a, _)| a.lo < a.hi)
                .flat_map(|(a, s)| s[a.lo..=a.hi].iter().map(|&x| x.min(1.0)))
                .collect();
            thresholds.sort_by(f64::total_cmp);
            thresholds.dedup();
            let fronts: Vec<Vec<Vec<usize>>> = p.apps.iter().map(suffix_fronts).collect();
            let mut best_k = lo0.clone();
            // thresholds[..lo_i] are feasible, thresholds[proven_hi..] proven infeasible; those
            // in between are undecided (the search hit its limit) and bound the optimum.
            let (mut lo_i, mut hi_i, mut proven_hi) = (0, thresholds.len(), thresholds.len());
            while lo_i < hi_i {
                let mid = (lo_i + hi_i) / 2;
                match threshold_feasible(p, &sh, &fronts, thresholds[mid]) {
                    Reach::Yes(k) => {
                        best_k = k;
                        lo_i = mid + 1;
                    }
                    Reach::No => {
                        hi_i = mid;
                        proven_hi = mid;
                    }
                    Reach::Unknown => hi_i = mid,
                }
            }
            let bound_t = if thresholds.is_empty() {
                1.0
            } else {
                thresholds[proven_hi.max(1) - 1]
            };
            // Spend what is left on latency, keeping every app at or above its threshold.
            let value = |i: usize, k: usize| {
                let a = &p.apps[i];
                a.weight * sh[i][k] * (a.lat_external - a.lat_switch)
            };
            let (k, _, _, nodes) = maximise(p, &best_k, &value, limits);
            let t = p.min_switch_share(&k);
            Solution {
                objective: t,
                bound: bound_t.max(t),
                k,
                solver: "fast".into(),
                nodes,
            }
        }
    }
}

/// Whether a max-min threshold can be met.
enum Reach {
    Yes(Vec<usize>),
    No,
    /// The search hit its limit.
    Unknown,
}

/// `fronts[k - lo]`: the `k' >= k` in `[lo, hi]` whose switch usage no other `k'' >= k` is at
/// most of in every resource (the Pareto-minimal usages of the suffix). Usage grows with `k`
/// except where a flow manager disappears (every flow on the switch), so these are short.
fn suffix_fronts(a: &super::AppProblem) -> Vec<Vec<usize>> {
    let le = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(a, b)| a <= b);
    let hi = a.hi.max(a.lo);
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); hi - a.lo + 1];
    let mut front: Vec<usize> = Vec::new();
    for k in (a.lo..=hi).rev() {
        if !front.iter().any(|&q| le(&a.usage[q], &a.usage[k])) {
            front.retain(|&q| !le(&a.usage[k], &a.usage[q]));
            front.push(k);
        }
        out[k - a.lo] = front.clone();
    }
    out
}

/// Whether every medium app can get a switch share of at least `t` within capacity: each app
/// needs `k >= need(t)`, and only the Pareto-minimal usages over `[need, hi]` matter. Usually
/// one per app (then the check is a sum); otherwise a depth-first search over the choices.
fn threshold_feasible(p: &Problem, sh: &[Vec<f64>], fronts: &[Vec<Vec<usize>>], t: f64) -> Reach {
    const MAX_NODES: u64 = 200_000;
    let mut options: Vec<&[usize]> = Vec::with_capacity(p.apps.len());
    for (i, a) in p.apps.iter().enumerate() {
        let need = if a.lo >= a.hi {
            a.lo
        } else {
            let k = sh[i].partition_point(|&x| x.min(1.0) < t);
            if k > a.hi {
                return Reach::No;
            }
            k.max(a.lo)
        };
        options.push(&fronts[i][need - a.lo]);
    }
    if options.iter().all(|o| o.len() == 1) {
        let k: Vec<usize> = options.iter().map(|o| o[0]).collect();
        return if p.feasible(&k) {
            Reach::Yes(k)
        } else {
            Reach::No
        };
    }
    // Least usage of the apps after each position, for pruning.
    let m = p.capacity.len();
    let n = p.apps.len();
    let mut min_suffix = vec![vec![0.0; m]; n + 1];
    for i in (0..n).rev() {
        let next = min_suffix[i + 1].clone();
        for (r, (x, after)) in min_suffix[i].iter_mut().zip(next).enumerate() {
            let least = options[i]
                .iter()
                .map(|&k| p.apps[i].usage[k][r])
                .fold(f64::INFINITY, f64::min);
            *x = after + least;
        }
    }
    struct Search<'a> {
        p: &'a Problem,
        options: Vec<&'a [usize]>,
        min_suffix: Vec<Vec<f64>>,
        k: Vec<usize>,
        nodes: u64,
    }
    impl Search<'_> {
        fn go(&mut self, i: usize, used: &mut [f64]) -> Option<bool> {
            if i == self.options.len() {
                return Some(true);
            }
            for j in 0..self.options[i].len() {
                let k = self.options[i][j];
                let u = &self.p.apps[i].usage[k];
                let fits = (0..used.len()).all(|r| {
                    used[r] + u[r] + self.min_suffix[i + 1][r] <= self.p.capacity[r] + 1e-9
                });
                if !fits {
                    continue;
                }
                self.nodes += 1;
                if self.nodes > MAX_NODES {
                    return None;
                }
                for (x, y) in used.iter_mut().zip(u) {
                    *x += y;
                }
                self.k[i] = k;
                let found = self.go(i + 1, used);
                for (x, y) in used.iter_mut().zip(u) {
                    *x -= y;
                }
                if found != Some(false) {
                    return found;
                }
            }
            Some(false)
        }
    }
    let mut s = Search {
        p,
        options,
        min_suffix,
        k: vec![0; n],
        nodes: 0,
    };
    match s.go(0, &mut vec![0.0; m]) {
        Some(true) if p.feasible(&s.k) => Reach::Yes(s.k),
        Some(false) => Reach::No,
        _ => Reach::Unknown,
    }
}
