use super::*;
use exo_scenario::Objective;
use proptest::prelude::*;

/// A small random instance: `apps` apps with up to `q` quanta, 2 resources.
pub(crate) fn instance(
    seed: &[(f64, u8, u8, u8, u8)],
    caps: (f64, f64),
    objective: Objective,
) -> Problem {
    let apps = seed
        .iter()
        .enumerate()
        .map(|(i, &(w, nq, step0, step1, aff))| {
            let nq = usize::from(nq % 5) + 1;
            // Zipf-like decreasing fractions.
            let raw: Vec<f64> = (1..=nq).map(|k| 1.0 / k as f64).collect();
            let tot: f64 = raw.iter().sum();
            let fractions: Vec<f64> = raw.iter().map(|x| x / tot).collect();
            let mut usage = vec![vec![0.0, 0.0]];
            for k in 1..=nq {
                // Fixed cost on the first quantum, block-like steps after.
                let a = f64::from(step0 % 4) + (k as f64 / 2.0).ceil() * f64::from(step1 % 3);
                let b = (k as f64) * f64::from(step1 % 2 + 1);
                usage.push(vec![a + 1.0, b]);
            }
            let (lo, hi) = match aff % 5 {
                0 => (nq, nq),
                1 => (0, 0),
                _ => (0, nq),
            };
            AppProblem {
                name: format!("a{i}"),
                weight: w,
                fractions,
                lo,
                hi,
                usage,
                lat_switch: 300.0,
                lat_external: 5000.0 + 100.0 * i as f64,
            }
        })
        .collect();
    Problem {
        device: "tor".into(),
        resources: vec!["x".into(), "y".into()],
        capacity: vec![caps.0, caps.1],
        apps,
        objective,
    }
}

fn objective_strategy() -> impl Strategy<Value = Objective> {
    prop_oneof![
        Just(Objective::MinWeightedLatency),
        Just(Objective::MinExternalLoad),
        Just(Objective::MaxMinThroughput),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn fast_solver_matches_brute_force(
        seed in prop::collection::vec((0.05f64..1.0, any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 1..5),
        caps in (0.0f64..30.0, 0.0f64..30.0),
        objective in objective_strategy(),
    ) {
        let p = instance(&seed, caps, objective);
        let brute = solve(&p, SolverKind::Brute);
        let fast = solve(&p, SolverKind::Fast);
        match (brute, fast) {
            (Ok(b), Ok(f)) => {
                prop_assert!(p.feasible(&f.k), "fast gave an infeasible {:?}", f.k);
                prop_assert!((b.objective - f.objective).abs() <= 1e-9 * b.objective.abs().max(1.0),
                    "brute {} {:?} vs fast {} {:?}", b.objective, b.k, f.objective, f.k);
                prop_assert!(f.gap() < 1e-9);
            }
            (Err(AllocError::Capacity { .. }), Err(AllocError::Capacity { .. })) => {}
            (b, f) => prop_assert!(false, "brute {:?} fast {:?}", b.map(|s| s.k), f.map(|s| s.k)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn ilp_matches_brute_force(
        seed in prop::collection::vec((0.05f64..1.0, any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 1..4),
        caps in (0.0f64..30.0, 0.0f64..30.0),
        objective in objective_strategy(),
    ) {
        let p = instance(&seed, caps, objective);
        if let Ok(b) = solve(&p, SolverKind::Brute) {
            let i = solve(&p, SolverKind::Microlp).expect("ilp solves what brute force solves");
            prop_assert!(p.feasible(&i.k));
            prop_assert!((b.objective - i.objective).abs() <= 1e-6 * b.objective.abs().max(1.0),
                "brute {} {:?} vs ilp {} {:?}", b.objective, b.k, i.objective, i.k);
        }
    }
}

#[test]
fn forced_overflow_names_resource_and_app() {
    let p = instance(
        &[(0.5, 4, 3, 2, 0), (0.5, 4, 0, 0, 2)],
        (1.0, 100.0),
        Objective::MinWeightedLatency,
    );
    let e = solve(&p, SolverKind::Fast).expect_err("high affinity app does not fit");
    let s = e.to_string();
    assert!(s.contains("`x`") || s.contains(" x "), "{s}");
    assert!(s.contains("a0") && s.contains("tor"), "{s}");
}

#[test]
fn pinning_is_never_better_than_the_optimum() {
    let p = instance(
        &[(0.3, 4, 1, 1, 2), (0.3, 4, 2, 1, 2), (0.4, 3, 1, 2, 2)],
        (12.0, 12.0),
        Objective::MinWeightedLatency,
    );
    let opt = solve(&p, SolverKind::Brute).expect("brute");
    let pin = pinning::solve(
        &p,
        &[("nic0".into(), 1e9)],
        &[1.0, 1.0, 1.0],
        &[vec![true], vec![true], vec![true]],
    );
    assert!(p.feasible(&pin.solution.k));
    assert!(pin.solution.objective >= opt.objective - 1e-9);
    for (d, k) in pin.device.iter().zip(&pin.solution.k) {
        assert_eq!(d == "switch", *k > 0);
    }
}

#[test]
fn solvers_agree_on_many_feasible_instances() {
    // Deterministic sweep (a plain LCG) so that the count of feasible cases is known to be large.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as u32
    };
    let mut feasible = 0;
    for case in 0..300 {
        let n = 1 + next() as usize % 4;
        let seed: Vec<(f64, u8, u8, u8, u8)> = (0..n)
            .map(|_| {
                (
                    0.05 + f64::from(next() % 95) / 100.0,
                    next() as u8,
                    next() as u8,
                    next() as u8,
                    2 + (next() % 3) as u8,
                )
            })
            .collect();
        let caps = (f64::from(next() % 30), f64::from(next() % 30));
        let objective = [
            Objective::MinWeightedLatency,
            Objective::MinExternalLoad,
            Objective::MaxMinThroughput,
        ][case % 3];
        let p = instance(&seed, caps, objective);
        if let Ok(b) = solve(&p, SolverKind::Brute) {
            feasible += 1;
            let f = solve(&p, SolverKind::Fast).expect("fast");
            assert!(p.feasible(&f.k));
            assert!(
                (b.objective - f.objective).abs() <= 1e-9 * b.objective.abs().max(1.0),
                "case {case}: brute {} {:?} fast {} {:?}",
                b.objective,
                b.k,
                f.objective,
                f.k
            );
        }
    }
    assert!(feasible > 200, "only {feasible} feasible instances");
}
