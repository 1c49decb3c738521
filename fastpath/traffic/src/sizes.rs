//! Packet sizes: fixed, or drawn from a mix.
//!
//! A size is the length of the Ethernet frame as captured: destination MAC to the end of the
//! payload, without preamble and FCS. A size smaller than the headers an app's packet needs is
//! raised to that minimum (a VXLAN packet cannot be 64 bytes).
//!
//! `imix` is the "simple IMIX" of RFC 6985 / the traffic-generator vendors: 64, 576 and 1500
//! bytes in the ratio 7:4:1 (mean 354.3 B); the scenario format's `packet_size = "imix"` means the
//! same mix. A custom mix is a list of `SIZE:WEIGHT` pairs.

use crate::rng::Rng;

#[derive(Clone, Debug, PartialEq)]
pub enum SizeDist {
    Fixed(u16),
    /// (size, cumulative weight), cumulative weights increasing, last = total.
    Mix(Vec<(u16, u64)>),
}

/// The smallest and largest sizes accepted.
pub const MIN_SIZE: u16 = 60;
pub const MAX_SIZE: u16 = 9216;

impl SizeDist {
    pub fn imix() -> SizeDist {
        SizeDist::mix(&[(64, 7), (576, 4), (1500, 1)]).expect("valid mix")
    }

    /// A mix of `(size, weight)`; `None` when empty, all weights are 0 or a size is out of range.
    pub fn mix(pairs: &[(u16, u64)]) -> Option<SizeDist> {
        let mut acc = 0u64;
        let mut v = Vec::new();
        for &(s, w) in pairs {
            if !(MIN_SIZE..=MAX_SIZE).contains(&s) {
                return None;
            }
            if w == 0 {
                continue;
            }
            acc = acc.checked_add(w)?;
            v.push((s, acc));
        }
        (!v.is_empty()).then_some(SizeDist::Mix(v))
    }

    /// Parses `64`, `imix` or `64:7,576:4,1500:1`.
    pub fn parse(s: &str) -> Result<SizeDist, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("imix") {
            return Ok(SizeDist::imix());
        }
        if let Ok(n) = s.parse::<u16>() {
            if !(MIN_SIZE..=MAX_SIZE).contains(&n) {
                return Err(format!("packet size {n} is not in {MIN_SIZE}..={MAX_SIZE}"));
            }
            return Ok(SizeDist::Fixed(n));
        }
        let mut pairs = Vec::new();
        for part in s.split(',') {
            let (a, b) = part
                .split_once(':')
                .ok_or_else(|| format!("`{part}`: expected SIZE:WEIGHT"))?;
            let size = a
                .trim()
                .parse::<u16>()
                .map_err(|_| format!("`{a}` is not a size"))?;
            let w = b
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("`{b}` is not a weight"))?;
            pairs.push((size, w));
        }
        SizeDist::mix(&pairs).ok_or_else(|| {
            format!("`{s}`: sizes must be in {MIN_SIZE}..={MAX_SIZE} with some positive weight")
        })
    }

    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> u16 {
        match self {
            SizeDist::Fixed(n) => *n,
            SizeDist::Mix(v) => {
                let total = v.last().map_or(1, |x| x.1);
                let x = rng.below(total);
                v.iter().find(|(_, c)| x < *c).map_or(v[0].0, |(s, _)| *s)
            }
        }
    }

    pub fn mean(&self) -> f64 {
        match self {
            SizeDist::Fixed(n) => *n as f64,
            SizeDist::Mix(v) => {
                let mut prev = 0;
                let mut sum = 0.0;
                for &(s, c) in v {
                    sum += s as f64 * (c - prev) as f64;
                    prev = c;
                }
                sum / prev as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imix_mean_and_parse() {
        assert!((SizeDist::imix().mean() - 354.333).abs() < 0.01);
        assert_eq!(SizeDist::parse("imix").unwrap(), SizeDist::imix());
        assert_eq!(
            SizeDist::parse("64:7,576:4,1500:1").unwrap(),
            SizeDist::imix()
        );
        assert_eq!(SizeDist::parse("128").unwrap(), SizeDist::Fixed(128));
        assert!(SizeDist::parse("20").is_err());
        assert!(SizeDist::parse("64:0").is_err());
        let mut rng = Rng::new(1);
        let d = SizeDist::imix();
        let n = 120_000;
        let small = (0..n).filter(|_| d.sample(&mut rng) == 64).count();
        assert!((small as f64 / n as f64 - 7.0 / 12.0).abs() < 0.01);
    }
}
