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

/// A rougher random instance for the branch and bound: 3 resources, usage with a fixed cost on
/// the first quantum, per-quantum steps that may be zero, and a possible drop at the last
/// quantum (no flow manager when every flow is on the switch); latencies may favour either
/// side.
pub(crate) fn rough_instance(seed: &[(u8, u16, u16, u16, u8)], caps: (u8, u8, u8)) -> Problem {
    let apps = seed
        .iter()
        .enumerate()
        .map(|(i, &(nq, fixed, step, lat, aff))| {
            let nq = usize::from(nq % 10) + 1;
            let raw: Vec<f64> = (1..=nq)
                .map(|k| 1.0 / (k as f64).powf(0.5 + f64::from(lat % 7) / 10.0))
                .collect();
            let tot: f64 = raw.iter().sum();
            let fractions: Vec<f64> = raw.iter().map(|x| x / tot).collect();
            let mut usage = vec![vec![0.0; 3]];
            for k in 1..=nq {
                let mut row: Vec<f64> = (0..3)
                    .map(|r| {
                        let f = f64::from((fixed >> (4 * r)) % 16);
                        let s = f64::from((step >> (3 * r)) % 4);
                        f + s * (k as f64 / (1.0 + f64::from(step >> 12) % 3.0)).ceil()
                    })
                    .collect();
                if k == nq && nq > 1 && aff & 8 != 0 {
                    row[0] = (row[0] - 5.0).max(0.0);
                }
                usage.push(row);
            }
            let (lo, hi) = match aff % 8 {
                0 => (nq, nq),
                1 => (0, 0),
                2 => (1, nq),
                _ => (0, nq),
            };
            let lat_switch = 300.0 + f64::from(lat >> 8) * 20.0;
            AppProblem {
                name: format!("a{i}"),
                weight: 0.1 + f64::from(lat % 13) / 10.0,
                fractions,
                lo,
                hi,
                usage,
                lat_switch,
                lat_external: if aff & 16 != 0 {
                    200.0
                } else {
                    5000.0 + 100.0 * i as f64
                },
            }
        })
        .collect::<Vec<AppProblem>>();
    // Capacity: what the forced part needs plus a share (0 to 0.7) of what more every app at its
    // largest usage would need.
    let capacity = [caps.0, caps.1, caps.2]
        .iter()
        .enumerate()
        .map(|(r, &c)| {
            let forced: f64 = apps.iter().map(|a| a.usage[a.lo][r]).sum();
            let most: f64 = apps
                .iter()
                .map(|a| a.usage.iter().map(|u| u[r]).fold(0.0, f64::max))
                .sum();
            forced + ((most - forced) * 0.7 * f64::from(c) / 255.0).floor()
        })
        .collect();
    Problem {
        device: "tor".into(),
        resources: vec!["x".into(), "y".into(), "z".into()],
        capacity,
        apps,
        objective: Objective::MinWeightedLatency,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn fast_solver_matches_brute_force_on_rough_instances(
        seed in prop::collection::vec((any::<u8>(), any::<u16>(), any::<u16>(), any::<u16>(), any::<u8>()), 2..6),
        caps in (any::<u8>(), any::<u8>(), any::<u8>()),
        objective in objective_strategy(),
    ) {
        let mut p = rough_instance(&seed, caps);
        p.objective = objective;
        let b = solve(&p, SolverKind::Brute).expect("the forced part fits");
        // Default limits, and no subgradient steps (a weak root bound: the branch and bound does
        // the work).
        let weak = fast::Limits { subgradient_iterations: 0, ..fast::Limits::default() };
        for limits in [fast::Limits::default(), weak] {
            let f = fast::solve(&p, limits);
            prop_assert!(p.feasible(&f.k), "fast gave an infeasible {:?}", f.k);
            prop_assert!((b.objective - f.objective).abs() <= 1e-9 * b.objective.abs().max(1.0),
                "brute {} {:?} vs fast {} {:?} ({limits:?})", b.objective, b.k, f.objective, f.k);
            prop_assert!(f.gap() < 1e-9);
        }
    }
}

#[cfg(feature = "highs")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn highs_matches_brute_force_and_the_fast_solver(
        seed in prop::collection::vec((any::<u8>(), any::<u16>(), any::<u16>(), any::<u16>(), any::<u8>()), 1..5),
        caps in (any::<u8>(), any::<u8>(), any::<u8>()),
        objective in objective_strategy(),
    ) {
        let mut p = rough_instance(&seed, caps);
        p.objective = objective;
        let b = solve(&p, SolverKind::Brute).expect("the forced part fits");
        let h = solve(&p, SolverKind::Highs).expect("HiGHS solves what brute force solves");
        let f = solve(&p, SolverKind::Fast).expect("fast");
        prop_assert!(p.feasible(&h.k), "HiGHS gave an infeasible {:?}", h.k);
        prop_assert_eq!(h.solver.as_str(), "highs");
        prop_assert!(h.gap() < 1e-9);
        let tol = 1e-6 * b.objective.abs().max(1.0);
        prop_assert!((b.objective - h.objective).abs() <= tol,
            "brute {} {:?} vs highs {} {:?}", b.objective, b.k, h.objective, h.k);
        prop_assert!((f.objective - h.objective).abs() <= tol,
            "fast {} {:?} vs highs {} {:?}", f.objective, f.k, h.objective, h.k);
    }
}

#[cfg(feature = "highs")]
#[test]
fn highs_agrees_with_the_fast_solver_on_synthetic_racks() {
    // Appendix D's synthetic apps at a size the ILP solves quickly (~100 quanta per app).
    for (apps, flows) in [(4, 100_000), (8, 50_000)] {
        for objective in [
            Objective::MinWeightedLatency,
            Objective::MinExternalLoad,
            Objective::MaxMinThroughput,
        ] {
            let p = crate::bench::synthetic_problem(apps, flows, 1024, objective).expect("problem");
            let f = solve(&p, SolverKind::Fast).expect("fast");
            let h = solve(&p, SolverKind::Highs).expect("highs");
            assert!(p.feasible(&h.k));
            assert!(f.gap() < 1e-9 && h.gap() < 1e-9);
            assert!(
                (f.objective - h.objective).abs() <= 1e-6 * f.objective.abs().max(1.0),
                "{apps} apps, {objective:?}: fast {} {:?} highs {} {:?}",
                f.objective,
                f.k,
                h.objective,
                h.k
            );
        }
    }
}

#[cfg(not(feature = "highs"))]
#[test]
fn highs_without_the_feature_says_how_to_get_it() {
    let p = instance(
        &[(0.5, 3, 1, 1, 2)],
        (10.0, 10.0),
        Objective::MinWeightedLatency,
    );
    let e = solve(&p, SolverKind::Highs).expect_err("no HiGHS in this build");
    assert!(e.to_string().contains("--features highs"), "{e}");
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

#[test]
fn fast_solver_is_exact_or_brackets_the_optimum_on_rough_instances() {
    // A deterministic sweep (a plain LCG) with the default limits, without subgradient steps,
    // and with a search limit so small that the solver stops early and must report a gap that
    // contains the optimum.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as u32
    };
    let objectives = [
        Objective::MinWeightedLatency,
        Objective::MinExternalLoad,
        Objective::MaxMinThroughput,
    ];
    let limits = [
        fast::Limits::default(),
        fast::Limits {
            subgradient_iterations: 0,
            ..fast::Limits::default()
        },
        fast::Limits {
            subgradient_iterations: 3,
            max_nodes: 3,
        },
    ];
    let (mut searched, mut stopped) = (0, 0);
    for case in 0..3000 {
        let n = 2 + next() as usize % 4;
        let seed: Vec<(u8, u16, u16, u16, u8)> = (0..n)
            .map(|_| {
                (
                    next() as u8,
                    next() as u16,
                    next() as u16,
                    next() as u16,
                    next() as u8,
                )
            })
            .collect();
        let mut p = rough_instance(&seed, (next() as u8, next() as u8, next() as u8));
        p.objective = objectives[case % 3];
        let b = solve(&p, SolverKind::Brute).expect("the forced part fits");
        let tol = 1e-9 * b.objective.abs().max(1.0);
        for l in limits {
            let f = fast::solve(&p, l);
            assert!(p.feasible(&f.k), "case {case}: infeasible {:?}", f.k);
            searched += u32::from(f.nodes > 0);
            if f.gap() < 1e-9 {
                assert!(
                    (b.objective - f.objective).abs() <= tol,
                    "case {case} {l:?}: brute {} {:?} fast {} {:?}",
                    b.objective,
                    b.k,
                    f.objective,
                    f.k
                );
            } else {
                stopped += 1;
                let (lo, hi) = if p.maximise() {
                    (f.objective, f.bound)
                } else {
                    (f.bound, f.objective)
                };
                assert!(
                    lo <= b.objective + tol && b.objective <= hi + tol,
                    "case {case} {l:?}: brute {} outside [{lo}, {hi}]",
                    b.objective
                );
            }
        }
    }
    assert!(
        searched > 500 && stopped > 50,
        "{searched} searched, {stopped} stopped"
    );
}
