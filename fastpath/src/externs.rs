//! Pure helpers for v1model externs: hash algorithms, checksums and two-rate three-colour meters.

use crate::program::HashAlgo;

/// CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF).
pub fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *e = c;
        }
        t
    });
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = t[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

/// CRC-16 as BMv2's `crc16` (CRC-16/ARC: reflected polynomial 0xA001, init 0, no final xor).
pub fn crc16(data: &[u8]) -> u16 {
    let mut c = 0u16;
    for &b in data {
        c ^= u16::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xA001
            } else {
                c >> 1
            };
        }
    }
    c
}

/// Internet checksum (RFC 1071) of `data`: the ones' complement of the ones' complement sum of
/// 16-bit big-endian words (an odd trailing byte is padded with zero).
///
/// Summed 8 bytes at a time as two 32-bit big-endian words: 2^16 is 1 modulo 0xffff, so the
/// folded sum of 32-bit words is that of the 16-bit words (and is 0 only when every word is).
/// A trailing part shorter than 8 bytes starts at an even offset, so padding it with zeros on
/// the right keeps its 16-bit words in place.
#[inline]
pub fn csum16(data: &[u8]) -> u16 {
    let mut sum = 0u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let v = u64::from_be_bytes(w);
        sum += (v >> 32) + (v & 0xffff_ffff);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        let v = u64::from_be_bytes(w);
        sum += (v >> 32) + (v & 0xffff_ffff);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// XOR of 16-bit big-endian words.
pub fn xor16(data: &[u8]) -> u16 {
    let mut x = 0u16;
    for c in data.chunks(2) {
        let w = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
        x ^= w;
    }
    x
}

/// Computes `algo` over `data` (identity: the data's last 16 bytes as a number).
pub fn hash(algo: HashAlgo, data: &[u8], rng: &mut u64) -> u128 {
    match algo {
        HashAlgo::Crc32 | HashAlgo::Crc32Custom => u128::from(crc32(data)),
        HashAlgo::Crc16 | HashAlgo::Crc16Custom => u128::from(crc16(data)),
        HashAlgo::Csum16 => u128::from(csum16(data)),
        HashAlgo::Xor16 => u128::from(xor16(data)),
        HashAlgo::Identity => data.iter().fold(0u128, |a, &b| (a << 8) | u128::from(b)),
        HashAlgo::Random => u128::from(next_random(rng)),
    }
}

/// xorshift64*: the engine's deterministic pseudo-random source.
pub fn next_random(s: &mut u64) -> u64 {
    let mut x = *s;
    if x == 0 {
        x = 0x9E37_79B9_7F4A_7C15;
    }
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// Packs fields (value, width in bits) MSB-first into bytes, zero-padding the last byte, as BMv2
/// serialises field lists for hashing and checksums.
pub fn pack_bits(fields: &[(u128, u32)], out: &mut Vec<u8>) {
    out.clear();
    let mut bw = crate::bits::BitWriter::new();
    for &(v, w) in fields {
        bw.put(out, v, w);
    }
    bw.finish(out);
}

/// Meter colours as v1model defines them.
pub const GREEN: u128 = 0;
pub const YELLOW: u128 = 1;
pub const RED: u128 = 2;

/// A two-rate three-colour marker (RFC 2698), colour-blind. Rates are in units (packets or
/// bytes) per second, bursts in units. An unconfigured meter marks everything green.
#[derive(Clone, Debug, Default)]
pub struct Meter {
    pub configured: bool,
    pub cir: u64,
    pub cburst: u64,
    pub pir: u64,
    pub pburst: u64,
    /// Tokens scaled by 1e9 (unit-nanoseconds) to stay exact with integer arithmetic.
    tc: u128,
    tp: u128,
    last_ns: u64,
}

impl Meter {
    pub fn configure(&mut self, cir: u64, cburst: u64, pir: u64, pburst: u64) {
        *self = Meter {
            configured: true,
            cir,
            cburst,
            pir,
            pburst,
            tc: u128::from(cburst) * 1_000_000_000,
            tp: u128::from(pburst) * 1_000_000_000,
            last_ns: 0,
        };
    }

    pub fn execute(&mut self, units: u64, now_ns: u64) -> u128 {
        if !self.configured {
            return GREEN;
        }
        let dt = u128::from(now_ns.saturating_sub(self.last_ns));
        if now_ns > self.last_ns {
            self.last_ns = now_ns;
        }
        self.tc =
            (self.tc + dt * u128::from(self.cir)).min(u128::from(self.cburst) * 1_000_000_000);
        self.tp =
            (self.tp + dt * u128::from(self.pir)).min(u128::from(self.pburst) * 1_000_000_000);
        let need = u128::from(units) * 1_000_000_000;
        if self.tp < need {
            RED
        } else if self.tc < need {
            self.tp -= need;
            YELLOW
        } else {
            self.tp -= need;
            self.tc -= need;
            GREEN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_values() {
        // The standard check input "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc16(b"123456789"), 0xBB3D);
    }

    #[test]
    fn ipv4_header_checksum() {
        // A header with its checksum field zeroed; the known checksum is 0xb861.
        let h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(csum16(&h), 0xb861);
    }

    /// RFC 1071 word by word: the reference for `csum16`.
    fn csum16_by_words(data: &[u8]) -> u16 {
        let mut sum = 0u32;
        for c in data.chunks(2) {
            sum += u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn csum16_agrees_with_the_word_by_word_sum() {
        // Every length up to 40 bytes (all trailing-part sizes, odd and even), over zeros,
        // ones, and patterns whose sums carry and land on 0xffff.
        for len in 0..=40usize {
            for fill in [0x00u8, 0xff, 0x80, 0x01] {
                let d: Vec<u8> = (0..len)
                    .map(|i| fill ^ (i as u8).wrapping_mul(37))
                    .collect();
                assert_eq!(csum16(&d), csum16_by_words(&d), "len {len} fill {fill:#x}");
                let flat = vec![fill; len];
                assert_eq!(
                    csum16(&flat),
                    csum16_by_words(&flat),
                    "len {len} flat {fill:#x}"
                );
            }
        }
        // A sum that is 0 modulo 0xffff without being 0 folds to 0xffff (checksum 0).
        assert_eq!(csum16(&[0xff, 0xff]), 0);
        assert_eq!(csum16(&[0x80, 0x00, 0x7f, 0xff]), 0);
        assert_eq!(csum16(&[]), 0xffff);
    }

    proptest::proptest! {
        #[test]
        fn csum16_matches_the_reference(d in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            proptest::prop_assert_eq!(csum16(&d), csum16_by_words(&d));
        }
    }

    #[test]
    fn pack_bits_msb_first() {
        let mut out = Vec::new();
        pack_bits(&[(0x4, 4), (0x5, 4), (0xabc, 12)], &mut out);
        assert_eq!(out, vec![0x45, 0xab, 0xc0]);
    }

    #[test]
    fn meter_marks_by_rate() {
        let mut m = Meter::default();
        assert_eq!(m.execute(1, 0), GREEN);
        // 10 units/s committed with burst 2, peak 20 units/s with burst 4.
        m.configure(10, 2, 20, 4);
        let colours: Vec<u128> = (0..5).map(|_| m.execute(1, 0)).collect();
        assert_eq!(colours, vec![GREEN, GREEN, YELLOW, YELLOW, RED]);
        // After one second the buckets are full again.
        assert_eq!(m.execute(1, 1_000_000_000), GREEN);
    }
}
