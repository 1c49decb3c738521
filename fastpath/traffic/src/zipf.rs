//! Sampling popularity ranks.
//!
//! [`ZipfSampler`] draws ranks `k` in `1..=n` with probability proportional to `k^-alpha` by
//! rejection-inversion (W. Hörmann and G. Derflinger, "Rejection-inversion to generate variates
//! from monotone discrete distributions", ACM TOMACS 6(3), 1996): O(1) time and memory per sample
//! for any `n`, any `alpha >= 0`, a handful of `exp`/`log` calls and on average well under one
//! rejection. [`QuantileSampler`] inverts an arbitrary measured CDF (the scenario's `pcap` and
//! `cdf` distributions) through a quantile table.

use crate::rng::Rng;

/// `log1p(x) / x`, continuous at 0.
fn log1p_over(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.ln_1p() / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

/// `expm1(x) / x`, continuous at 0.
fn expm1_over(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.exp_m1() / x
    } else {
        1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x))
    }
}

/// Zipf(alpha) over ranks `1..=n`.
#[derive(Clone, Debug)]
pub struct ZipfSampler {
    n: u64,
    alpha: f64,
    h_x1: f64,
    h_n: f64,
    s: f64,
}

impl ZipfSampler {
    /// `alpha` is clamped to `[0, 100]` (0 is uniform), `n` to at least 1.
    pub fn new(alpha: f64, n: u64) -> ZipfSampler {
        let alpha = if alpha.is_finite() {
            alpha.clamp(0.0, 100.0)
        } else {
            0.0
        };
        let n = n.max(1);
        let mut z = ZipfSampler {
            n,
            alpha,
            h_x1: 0.0,
            h_n: 0.0,
            s: 0.0,
        };
        z.h_x1 = z.big_h(1.5) - 1.0;
        z.h_n = z.big_h(n as f64 + 0.5);
        z.s = 2.0 - z.big_h_inv(z.big_h(2.5) - z.h(2.0));
        z
    }

    pub fn keys(&self) -> u64 {
        self.n
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The unnormalised density `x^-alpha`.
    fn h(&self, x: f64) -> f64 {
        (-self.alpha * x.ln()).exp()
    }

    /// `H(x) = integral of t^-alpha`, shifted so that it is continuous in `alpha` at 1:
    /// `(x^(1-alpha) - 1) / (1 - alpha)`, or `ln x` for `alpha = 1`.
    fn big_h(&self, x: f64) -> f64 {
        let lx = x.ln();
        expm1_over((1.0 - self.alpha) * lx) * lx
    }

    fn big_h_inv(&self, y: f64) -> f64 {
        let t = (y * (1.0 - self.alpha)).max(-1.0);
        (log1p_over(t) * y).exp()
    }

    /// A rank in `1..=n` (1 is the most popular).
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> u64 {
        if self.n == 1 {
            return 1;
        }
        loop {
            let u = self.h_n + rng.next_f64() * (self.h_x1 - self.h_n);
            let x = self.big_h_inv(u);
            let k = (x + 0.5).floor().clamp(1.0, self.n as f64);
            if k - x <= self.s || u >= self.big_h(k + 0.5) - self.h(k) {
                return k as u64;
            }
        }
    }
}

/// Samples ranks from a measured CDF `F(top) = share of traffic of the top keys`, given as a
/// function of the number of top keys, through a table of `QUANTILES` quantiles and uniform
/// interpolation between them.
#[derive(Clone, Debug)]
pub struct QuantileSampler {
    /// `q[j]` = the smallest number of top keys carrying at least `j / QUANTILES` of the traffic.
    q: Vec<u64>,
}

const QUANTILES: usize = 8192;

impl QuantileSampler {
    /// `cdf(k)` must be non-decreasing in `k` with `cdf(n) = 1`.
    pub fn new(n: u64, cdf: impl Fn(u64) -> f64) -> QuantileSampler {
        let n = n.max(1);
        let mut q = Vec::with_capacity(QUANTILES + 1);
        let mut lo = 0u64;
        for j in 0..=QUANTILES {
            let target = j as f64 / QUANTILES as f64;
            // Smallest k in [lo, n] with cdf(k) >= target.
            let (mut a, mut b) = (lo, n);
            while a < b {
                let mid = a + (b - a) / 2;
                if cdf(mid) >= target - 1e-12 {
                    b = mid;
                } else {
                    a = mid + 1;
                }
            }
            q.push(a);
            lo = a;
        }
        QuantileSampler { q }
    }

    /// A rank in `1..=n`.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> u64 {
        let u = rng.next_f64() * QUANTILES as f64;
        let j = (u as usize).min(QUANTILES - 1);
        let (a, b) = (self.q[j], self.q[j + 1]);
        // Keys a+1 ..= b carry this slice of traffic.
        if b <= a {
            return a.max(1);
        }
        a + 1 + rng.below(b - a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_support_matches_the_pmf() {
        for alpha in [0.0, 0.5, 0.9, 1.0, 1.5] {
            let n = 5u64;
            let z = ZipfSampler::new(alpha, n);
            let mut rng = Rng::new(3);
            let mut counts = [0u64; 6];
            let draws = 400_000;
            for _ in 0..draws {
                let k = z.sample(&mut rng);
                assert!((1..=n).contains(&k));
                counts[k as usize] += 1;
            }
            let norm: f64 = (1..=n).map(|k| (k as f64).powf(-alpha)).sum();
            for k in 1..=n {
                let p = (k as f64).powf(-alpha) / norm;
                let got = counts[k as usize] as f64 / draws as f64;
                assert!((got - p).abs() < 0.005, "alpha {alpha} k {k}: {got} vs {p}");
            }
        }
    }

    #[test]
    fn quantile_sampler_follows_the_cdf() {
        // 10 keys; the top key carries half the traffic, the rest share the other half.
        let cdf = |k: u64| {
            if k == 0 {
                0.0
            } else {
                0.5 + 0.5 * (k - 1) as f64 / 9.0
            }
        };
        let s = QuantileSampler::new(10, cdf);
        let mut rng = Rng::new(9);
        let top = (0..100_000).filter(|_| s.sample(&mut rng) == 1).count();
        assert!((top as f64 / 100_000.0 - 0.5).abs() < 0.01, "{top}");
    }
}
