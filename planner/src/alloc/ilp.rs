//! The ILP of Eq. 1-5 through `good_lp`: binary `d_{p,q,i}` for every quantum `q` of every app
//! `p` and device `i` (the switch and the app's external pool), with
//! (1) one device per quantum, (2) compatibility and affinity as fixed variables,
//! (3) switch capacity per resource, (4) expected latency per app, (5) the objective, plus the
//! prefix rule (the switch holds the most popular quanta). Max-min throughput is solved
//! lexicographically: first the threshold, then latency with the threshold kept.

use super::{AllocError, Problem, Solution};
use exo_scenario::Objective;
use good_lp::{
    variable, Expression, ProblemVariables, Solution as _, SolutionStatus, SolverModel, Variable,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Microlp,
    Highs,
}

/// Binary variables the pure-Rust backend is given at most.
pub const MICROLP_MAX_VARIABLES: usize = 20_000;

struct Built {
    vars: ProblemVariables,
    /// `d[p][q] = (switch, external)` for apps with a decision.
    d: Vec<Vec<(Variable, Variable)>>,
    constraints: Vec<good_lp::Constraint>,
    latency: Expression,
    switch_share: Vec<Expression>,
}

fn build(p: &Problem) -> Built {
    let mut vars = ProblemVariables::new();
    let mut constraints = Vec::new();
    let mut d = Vec::with_capacity(p.apps.len());
    let mut latency = Expression::from(0.0);
    let mut switch_share = Vec::new();
    let mut cap_use: Vec<Expression> = (0..p.capacity.len())
        .map(|_| Expression::from(0.0))
        .collect();
    for a in &p.apps {
        let mut row = Vec::with_capacity(a.quanta());
        let mut share = Expression::from(0.0);
        for q in 0..a.quanta() {
            let sw = vars.add(variable().binary());
            let ext = vars.add(variable().binary());
            // Eq. 1
            constraints.push((sw + ext).eq(1.0));
            // Eq. 2 and affinity
            if q < a.lo {
                constraints.push(Expression::from(sw).eq(1.0));
            } else if q >= a.hi {
                constraints.push(Expression::from(sw).eq(0.0));
            }
            // Prefix rule.
            if let Some(&(prev, _)) = row.last() {
                constraints.push((Expression::from(prev) - sw).geq(0.0));
            }
            // Eq. 3 (switch) with R_{p,q,switch,r} the marginal usage of quantum q.
            for (r, e) in cap_use.iter_mut().enumerate() {
                let rr = a.usage[q + 1][r] - a.usage[q][r];
                if rr != 0.0 {
                    *e += rr * sw;
                }
            }
            // Eq. 4, weighted for Eq. 5.
            let f = a.fractions[q];
            latency += a.weight * f * a.lat_switch * sw + a.weight * f * a.lat_external * ext;
            share += f * sw;
            row.push((sw, ext));
        }
        // Usage at k = 0 (nothing on the switch) is zero by construction; keep any constant.
        for (r, e) in cap_use.iter_mut().enumerate() {
            *e += a.usage[0][r];
        }
        d.push(row);
        switch_share.push(share);
    }
    for (r, e) in cap_use.into_iter().enumerate() {
        constraints.push(e.leq(p.capacity[r]));
    }
    Built {
        vars,
        d,
        constraints,
        latency,
        switch_share,
    }
}

/// One ILP solve: the `k` per app, the threshold variable, and whether the solver proved the
/// solution optimal (else it stopped at its relative gap tolerance).
fn run<S: good_lp::Solver + Clone>(
    p: &Problem,
    solver: &S,
    threshold: Option<f64>,
    maximise_threshold: bool,
) -> Result<(Vec<usize>, f64, bool), AllocError> {
    let mut b = build(p);
    let tau = b.vars.add(variable().min(0.0).max(1.0));
    let objective: Expression = match (p.objective, maximise_threshold) {
        (Objective::MaxMinThroughput, true) => Expression::from(0.0) - tau,
        (Objective::MinExternalLoad, _) => {
            let mut e = Expression::from(0.0);
            for (a, row) in p.apps.iter().zip(&b.d) {
                for (q, &(_, ext)) in row.iter().enumerate() {
                    e += a.weight * a.fractions[q] * ext;
                }
            }
            e
        }
        _ => b.latency.clone(),
    };
    let mut model = b.vars.minimise(objective.clone()).using(solver.clone());
    for c in b.constraints.drain(..) {
        model = model.with(c);
    }
    if p.objective == Objective::MaxMinThroughput {
        for (a, s) in p.apps.iter().zip(&b.switch_share) {
            if a.lo < a.hi {
                if maximise_threshold {
                    model = model.with((s.clone() - tau).geq(0.0));
                } else if let Some(t) = threshold {
                    model = model.with(s.clone().geq(t - 1e-9));
                }
            }
        }
    }
    let sol = model
        .solve()
        .map_err(|e| AllocError::Solver(e.to_string()))?;
    let proven = match sol.status() {
        SolutionStatus::Optimal => true,
        SolutionStatus::GapLimit => false,
        SolutionStatus::TimeLimit => {
            return Err(AllocError::Solver(
                "the ILP solver stopped before reaching its gap tolerance".into(),
            ))
        }
    };
    let k: Vec<usize> =
        b.d.iter()
            .map(|row| row.iter().filter(|(sw, _)| sol.value(*sw) > 0.5).count())
            .collect();
    let tau_v = sol.value(tau);
    Ok((k, tau_v, proven))
}

/// `rel_gap`: the relative optimality gap the solver stops at (reported as the bound when the
/// solver does not prove optimality).
fn solve_with<S: good_lp::Solver + Clone>(
    p: &Problem,
    solver: S,
    name: &str,
    rel_gap: f64,
) -> Result<Solution, AllocError> {
    let (k, proven) = if p.objective == Objective::MaxMinThroughput {
        let (k0, _, proven0) = run(p, &solver, None, true)?;
        let t = p.min_switch_share(&k0);
        let t = if t.is_finite() { t } else { 0.0 };
        let (k, _, _) = run(p, &solver, Some(t), false)?;
        (k, proven0)
    } else {
        let (k, _, proven) = run(p, &solver, None, false)?;
        (k, proven)
    };
    if !p.feasible(&k) {
        return Err(AllocError::Solver(format!(
            "{name} returned an allocation that violates the constraints"
        )));
    }
    let v = p.evaluate(&k);
    let slack = if proven { 0.0 } else { rel_gap * v.abs() };
    Ok(Solution {
        k,
        objective: v,
        bound: if p.maximise() { v + slack } else { v - slack },
        solver: name.into(),
        nodes: 0,
    })
}

pub fn solve(p: &Problem, backend: Backend) -> Result<Solution, AllocError> {
    let vars: usize = p.apps.iter().map(|a| 2 * a.quanta()).sum();
    match backend {
        Backend::Microlp => {
            if vars > MICROLP_MAX_VARIABLES {
                return Err(AllocError::TooLarge(format!(
                    "{vars} binary variables; microlp is given at most {MICROLP_MAX_VARIABLES} (use --solver fast, highs, or a larger quantum)"
                )));
            }
            solve_with(p, good_lp::solvers::microlp::microlp, "microlp", 0.0)
        }
        Backend::Highs => highs(p),
    }
}

/// HiGHS's relative MIP gap tolerance (its default, 1e-4, would not be exact); no absolute one.
pub const HIGHS_REL_GAP: f64 = 1e-10;

#[cfg(feature = "highs")]
fn highs(p: &Problem) -> Result<Solution, AllocError> {
    let solver = |up: good_lp::variable::UnsolvedProblem| {
        good_lp::solvers::highs::highs(up)
            .set_option("mip_rel_gap", HIGHS_REL_GAP)
            .set_option("mip_abs_gap", 0.0)
    };
    solve_with(p, solver, "highs", HIGHS_REL_GAP)
}

#[cfg(not(feature = "highs"))]
fn highs(_: &Problem) -> Result<Solution, AllocError> {
    Err(AllocError::Solver(
        "this build has no HiGHS: rebuild exo-planner with `--features highs` (needs cmake and a C++ compiler)".into(),
    ))
}
