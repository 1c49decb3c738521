//! Exhaustive search over every `k` vector: the reference the other solvers are tested against.

use super::{AllocError, Problem, Solution};

/// At most this many combinations are enumerated.
pub const MAX_COMBINATIONS: u64 = 5_000_000;

pub fn solve(p: &Problem) -> Result<Solution, AllocError> {
    let combos = p
        .apps
        .iter()
        .map(|a| (a.hi.saturating_sub(a.lo) + 1) as u64)
        .try_fold(1u64, |acc, n| acc.checked_mul(n))
        .filter(|&c| c <= MAX_COMBINATIONS)
        .ok_or_else(|| {
            AllocError::TooLarge(format!(
                "exhaustive search is limited to {MAX_COMBINATIONS} combinations"
            ))
        })?;
    let mut k: Vec<usize> = p.apps.iter().map(|a| a.lo).collect();
    let mut best: Option<(f64, Vec<usize>)> = None;
    for _ in 0..combos {
        if p.feasible(&k) {
            let v = p.evaluate(&k);
            let better = match &best {
                None => true,
                Some((b, _)) => {
                    if p.maximise() {
                        v > *b + 1e-12
                    } else {
                        v < *b - 1e-12
                    }
                }
            };
            if better {
                best = Some((v, k.clone()));
            }
        }
        // Next combination (odometer).
        for (i, a) in p.apps.iter().enumerate() {
            if k[i] < a.hi {
                k[i] += 1;
                break;
            }
            k[i] = a.lo;
        }
    }
    let (v, k) = best.ok_or_else(|| AllocError::Solver("no feasible allocation".into()))?;
    Ok(Solution {
        k,
        objective: v,
        bound: v,
        solver: "brute".into(),
        nodes: combos,
    })
}
