//! Traffic distributions over an app's union-key space: what share of the traffic the most
//! popular keys carry (`D_p` in the paper, §5), and from it the share of each quantum (`F_{p,q}`).
//!
//! Keys are ranked by popularity, so "the top `k` keys" is the prefix of length `k` and
//! [`KeyDistribution::fraction_of_top`] is the CDF of the paper's Fig. 15.

use std::sync::Arc;

/// Up to this many keys the generalised harmonic number is summed term by term; beyond it the
/// tail is the Euler-Maclaurin expansion, whose error there is far below `f64` precision.
const EXACT_TERMS: usize = 4096;

/// Zipf(alpha) over `n` keys: key of rank `k` (1-based) carries a share proportional to `k^-alpha`.
#[derive(Clone, Debug)]
pub struct Zipf {
    alpha: f64,
    n: u64,
    /// `prefix[k] = H(k, alpha)` for `k <= EXACT_TERMS` (`prefix[0] = 0`).
    prefix: Arc<Vec<f64>>,
    total: f64,
}

impl Zipf {
    /// `alpha` must be finite and non-negative (0 is uniform), `n` at least 1.
    pub fn new(alpha: f64, n: u64) -> Zipf {
        let alpha = if alpha.is_finite() && alpha >= 0.0 {
            alpha
        } else {
            0.0
        };
        let n = n.max(1);
        let terms = EXACT_TERMS.min(n as usize);
        let mut prefix = Vec::with_capacity(terms + 1);
        prefix.push(0.0);
        let mut acc = 0.0f64;
        for k in 1..=terms {
            acc += (k as f64).powf(-alpha);
            prefix.push(acc);
        }
        let mut z = Zipf {
            alpha,
            n,
            prefix: Arc::new(prefix),
            total: 0.0,
        };
        z.total = z.harmonic(n);
        z
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    pub fn keys(&self) -> u64 {
        self.n
    }

    /// The generalised harmonic number `H(m, alpha) = sum_{k=1}^{m} k^-alpha`.
    pub fn harmonic(&self, m: u64) -> f64 {
        let m = m.min(self.n);
        if (m as usize) < self.prefix.len() {
            return self.prefix[m as usize];
        }
        let n0 = (self.prefix.len() - 1) as u64;
        self.prefix[n0 as usize] + em_tail(self.alpha, n0 as f64, m as f64)
    }

    /// Share of the traffic carried by the `top` most popular keys.
    pub fn fraction_of_top(&self, top: u64) -> f64 {
        if top >= self.n {
            return 1.0;
        }
        (self.harmonic(top) / self.total).clamp(0.0, 1.0)
    }
}

/// `sum_{k=a+1}^{b} k^-alpha` by Euler-Maclaurin (three correction terms), for `a >= 1`.
fn em_tail(alpha: f64, a: f64, b: f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    let s = 1.0 - alpha;
    // Integral of x^-alpha from a to b, written to stay accurate when alpha is close to 1.
    let ln_ratio = (b / a).ln();
    let integral = if s.abs() < 1e-12 {
        ln_ratio
    } else {
        a.powf(s) * (s * ln_ratio).exp_m1() / s
    };
    let f = |x: f64| x.powf(-alpha);
    let f1 = |x: f64| -alpha * x.powf(-alpha - 1.0);
    let f3 = |x: f64| -alpha * (alpha + 1.0) * (alpha + 2.0) * x.powf(-alpha - 3.0);
    integral + (f(b) - f(a)) / 2.0 + (f1(b) - f1(a)) / 12.0 - (f3(b) - f3(a)) / 720.0
}

/// A measured CDF: points `(key_fraction, traffic_fraction)`, both non-decreasing, starting at
/// `(0, 0)` and ending at `(1, 1)`; linear in between.
#[derive(Clone, Debug, PartialEq)]
pub struct EmpiricalCdf {
    points: Vec<(f64, f64)>,
    /// Distinct keys in the source (a pcap), if known.
    pub source_keys: Option<u64>,
}

impl EmpiricalCdf {
    /// Builds a CDF from points; adds `(0,0)` and `(1,1)` where missing. Errors name the first
    /// offending point (0-based index in `points`).
    pub fn from_points(points: &[(f64, f64)]) -> Result<EmpiricalCdf, (usize, String)> {
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(points.len() + 2);
        for (i, &(x, y)) in points.iter().enumerate() {
            if !(0.0..=1.0).contains(&x) || !(0.0..=1.0).contains(&y) {
                return Err((i, format!("({x}, {y}) is outside [0, 1]")));
            }
            if let Some(&(px, py)) = out.last() {
                if x < px || y < py {
                    return Err((
                        i,
                        format!("({x}, {y}) comes after ({px}, {py}): the CDF must not decrease"),
                    ));
                }
            }
            out.push((x, y));
        }
        if out.first().is_none_or(|&(x, _)| x > 0.0) {
            out.insert(0, (0.0, 0.0));
        }
        if out.last().is_some_and(|&(x, _)| x < 1.0) {
            out.push((1.0, 1.0));
        }
        Ok(EmpiricalCdf {
            points: out,
            source_keys: None,
        })
    }

    /// A CDF from per-key packet counts (any order).
    pub fn from_counts(mut counts: Vec<u64>) -> EmpiricalCdf {
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let n = counts.len();
        let total: u64 = counts.iter().sum();
        if n == 0 || total == 0 {
            return EmpiricalCdf {
                points: vec![(0.0, 0.0), (1.0, 1.0)],
                source_keys: Some(0),
            };
        }
        // Every rank of the head (where the curve bends), then evenly spaced ranks.
        const HEAD: usize = 4096;
        const MAX_POINTS: usize = 65536;
        let stride = if n <= MAX_POINTS {
            1
        } else {
            n.div_ceil(MAX_POINTS - HEAD)
        };
        let mut points = Vec::with_capacity(n.min(MAX_POINTS) + 2);
        points.push((0.0, 0.0));
        let mut acc = 0u64;
        for (i, c) in counts.iter().enumerate() {
            acc += c;
            let rank = i + 1;
            if rank <= HEAD || rank % stride == 0 || rank == n {
                points.push((rank as f64 / n as f64, acc as f64 / total as f64));
            }
        }
        EmpiricalCdf {
            points,
            source_keys: Some(n as u64),
        }
    }

    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }

    /// Traffic share of the top `x` fraction of keys.
    pub fn at(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        if x >= 1.0 {
            return 1.0;
        }
        let i = self.points.partition_point(|&(px, _)| px < x);
        let (x1, y1) = self.points[i.min(self.points.len() - 1)];
        if i == 0 {
            return y1;
        }
        let (x0, y0) = self.points[i - 1];
        if x1 <= x0 {
            return y1;
        }
        y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    }
}

/// A loaded distribution over `n` keys.
#[derive(Clone, Debug)]
pub enum KeyDistribution {
    Zipf(Zipf),
    Empirical { cdf: Arc<EmpiricalCdf>, n: u64 },
}

impl KeyDistribution {
    pub fn keys(&self) -> u64 {
        match self {
            KeyDistribution::Zipf(z) => z.keys(),
            KeyDistribution::Empirical { n, .. } => *n,
        }
    }

    /// Share of the traffic carried by the `top` most popular keys (`D_p`).
    pub fn fraction_of_top(&self, top: u64) -> f64 {
        match self {
            KeyDistribution::Zipf(z) => z.fraction_of_top(top),
            KeyDistribution::Empirical { cdf, n } => cdf.at(top as f64 / (*n).max(1) as f64),
        }
    }

    /// The CDF as a function of the number of top keys.
    pub fn cdf(&self) -> impl Fn(u64) -> f64 + '_ {
        move |k| self.fraction_of_top(k)
    }

    /// `F_{p,q}`: the traffic share of each quantum of `quantum` keys, most popular first. The
    /// last quantum may hold fewer keys. The shares sum to 1.
    pub fn quantum_fractions(&self, quantum: u64) -> Vec<f64> {
        let n = self.keys();
        let quantum = quantum.max(1);
        let count = n.div_ceil(quantum);
        let mut out = Vec::with_capacity(count as usize);
        let mut prev = 0.0;
        for q in 1..=count {
            let cur = self.fraction_of_top((q * quantum).min(n));
            out.push((cur - prev).max(0.0));
            prev = cur;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(alpha: f64, m: u64) -> f64 {
        (1..=m).map(|k| (k as f64).powf(-alpha)).sum()
    }

    #[test]
    fn harmonic_matches_direct_sum_beyond_exact_region() {
        for &alpha in &[0.0, 0.5, 0.9, 0.99, 1.0, 1.01, 1.5, 2.0] {
            let z = Zipf::new(alpha, 200_000);
            for &m in &[1u64, 10, 4096, 4097, 5000, 77_777, 200_000] {
                let want = brute(alpha, m);
                let got = z.harmonic(m);
                assert!(
                    ((got - want) / want).abs() < 1e-12,
                    "alpha {alpha} m {m}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn zipf_fraction_known_values() {
        let z = Zipf::new(1.0, 3);
        // 1 / (1 + 1/2 + 1/3) = 6/11
        assert!((z.fraction_of_top(1) - 6.0 / 11.0).abs() < 1e-15);
        assert_eq!(z.fraction_of_top(3), 1.0);
        assert_eq!(z.fraction_of_top(0), 0.0);
        let u = Zipf::new(0.0, 100);
        assert!((u.fraction_of_top(25) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn quantum_fractions_sum_to_one_and_decrease() {
        let d = KeyDistribution::Zipf(Zipf::new(0.99, 1_000_000));
        let f = d.quantum_fractions(1000);
        assert_eq!(f.len(), 1000);
        assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(f.windows(2).all(|w| w[0] >= w[1] - 1e-15));
        // Uneven last quantum.
        let d = KeyDistribution::Zipf(Zipf::new(0.9, 10));
        assert_eq!(d.quantum_fractions(4).len(), 3);
    }

    #[test]
    fn empirical_interpolates_and_validates() {
        let c = EmpiricalCdf::from_points(&[(0.1, 0.8), (0.5, 0.95)]).expect("valid");
        assert!((c.at(0.05) - 0.4).abs() < 1e-12);
        assert!((c.at(0.1) - 0.8).abs() < 1e-12);
        assert!((c.at(0.75) - 0.975).abs() < 1e-12);
        assert_eq!(c.at(1.0), 1.0);
        assert!(EmpiricalCdf::from_points(&[(0.5, 0.9), (0.4, 0.95)]).is_err());
        assert!(EmpiricalCdf::from_points(&[(0.5, 1.5)]).is_err());
    }

    #[test]
    fn empirical_from_counts() {
        let c = EmpiricalCdf::from_counts(vec![1, 1, 8]);
        assert_eq!(c.source_keys, Some(3));
        assert!((c.at(1.0 / 3.0) - 0.8).abs() < 1e-12);
        let empty = EmpiricalCdf::from_counts(vec![]);
        assert_eq!(empty.at(0.5), 0.5);
    }

    proptest! {
        #[test]
        fn fraction_is_monotone(alpha in 0.0f64..3.0, n in 1u64..10_000_000, a in 0u64..10_000_000, b in 0u64..10_000_000) {
            let z = Zipf::new(alpha, n);
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let (flo, fhi) = (z.fraction_of_top(lo), z.fraction_of_top(hi));
            prop_assert!((0.0..=1.0).contains(&flo));
            prop_assert!(flo <= fhi + 1e-12);
        }
    }
}
