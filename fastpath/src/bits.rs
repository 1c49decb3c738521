//! Bit-level access to packet bytes (big-endian, MSB first, as P4 lays out headers) and masks.

/// Mask of the low `w` bits (`w` ≤ 128).
#[inline]
pub fn mask(w: u32) -> u128 {
    if w >= 128 {
        u128::MAX
    } else {
        (1u128 << w) - 1
    }
}

/// Sign-extends the low `w` bits of `v` to 128 bits (as i128).
#[inline]
pub fn sext(v: u128, w: u32) -> i128 {
    if w == 0 || w >= 128 {
        return v as i128;
    }
    let shift = 128 - w;
    ((v << shift) as i128) >> shift
}

/// Reads `w` ≤ 128 bits starting at bit `off` of `buf`. Bits beyond the buffer read as zero.
#[inline]
pub fn read_bits(buf: &[u8], off: usize, w: u32) -> u128 {
    if w == 0 {
        return 0;
    }
    let start = off / 8;
    let sh = (off % 8) as u32;
    if sh + w <= 64 {
        // Most header fields: one big-endian 8-byte window in a single register.
        if let Some(b8) = buf.get(start..start + 8) {
            let mut a = [0u8; 8];
            a.copy_from_slice(b8);
            return u128::from((u64::from_be_bytes(a) << sh) >> (64 - w));
        }
    }
    if sh + w <= 128 {
        // One big-endian 16-byte window holds the field: shift it into place.
        let v = match buf.get(start..start + 16) {
            Some(b16) => {
                let mut a = [0u8; 16];
                a.copy_from_slice(b16);
                u128::from_be_bytes(a)
            }
            None => {
                // Fewer than 16 bytes left: assemble them in a register (a copy to the stack
                // and a wide reload would stall store forwarding).
                let rest = buf.get(start..).unwrap_or(&[]);
                if rest.is_empty() {
                    return 0;
                }
                let v = rest.iter().fold(0u128, |v, &b| (v << 8) | u128::from(b));
                v << (8 * (16 - rest.len()))
            }
        };
        return (v << sh) >> (128 - w);
    }
    let mut v = 0u128;
    let mut bit = off;
    let mut left = w;
    while left > 0 {
        let byte = buf.get(bit / 8).copied().unwrap_or(0);
        let in_byte = bit % 8;
        let take = (8 - in_byte as u32).min(left);
        let shifted = (byte >> (8 - in_byte as u32 - take)) & (((1u16 << take) - 1) as u8);
        v = (v << take) | u128::from(shifted);
        left -= take;
        bit += take as usize;
    }
    v
}

/// Writes the low `w` ≤ 128 bits of `v` at bit `off` of `buf` (bits beyond the buffer are not
/// written).
#[inline]
pub fn write_bits(buf: &mut [u8], off: usize, w: u32, v: u128) {
    if w == 0 {
        return;
    }
    let start = off / 8;
    let sh = (off % 8) as u32;
    if sh + w <= 64 {
        let shift = 64 - sh - w;
        let m = (u64::MAX >> (64 - w)) << shift;
        if let Some(dst) = buf.get_mut(start..start + 8) {
            // A whole 8-byte window: fixed-size load and store, the other bits kept.
            let mut a = [0u8; 8];
            a.copy_from_slice(dst);
            let new = (u64::from_be_bytes(a) & !m) | (((v as u64) << shift) & m);
            dst.copy_from_slice(&new.to_be_bytes());
            return;
        }
        let n = (sh + w).div_ceil(8) as usize;
        if let Some(dst) = buf.get_mut(start..start + n) {
            // Read-modify-write of the bytes the field touches, in one 64-bit register.
            let mut a = [0u8; 8];
            a[..n].copy_from_slice(dst);
            let cur = u64::from_be_bytes(a);
            let new = (cur & !m) | (((v as u64) << shift) & m);
            dst.copy_from_slice(&new.to_be_bytes()[..n]);
            return;
        }
    }
    if sh + w <= 128 {
        let n = (sh + w).div_ceil(8) as usize;
        if let Some(dst) = buf.get_mut(start..start + n) {
            if sh == 0 && w.is_multiple_of(8) {
                dst.copy_from_slice(&v.to_be_bytes()[16 - n..]);
                return;
            }
            // Read-modify-write of the bytes the field touches, as one 128-bit window.
            let mut a = [0u8; 16];
            a[..n].copy_from_slice(dst);
            let cur = u128::from_be_bytes(a);
            let shift = 128 - sh - w;
            let m = mask(w) << shift;
            let new = (cur & !m) | ((v & mask(w)) << shift);
            dst.copy_from_slice(&new.to_be_bytes()[..n]);
            return;
        }
    }
    let mut bit = off + w as usize;
    let mut x = v;
    let mut left = w;
    while left > 0 {
        // Fill from the least significant end.
        let end = bit; // exclusive
        let in_byte_end = end % 8;
        let byte_idx = (end - 1) / 8;
        let avail = if in_byte_end == 0 {
            8
        } else {
            in_byte_end as u32
        };
        let take = avail.min(left);
        let shift = 8 - avail; // position of the lowest bit we write within the byte
        let m = ((((1u16 << take) - 1) as u8) as u16) << shift;
        if let Some(b) = buf.get_mut(byte_idx) {
            let bits = ((x as u16 & ((1u16 << take) - 1)) << shift) as u8;
            *b = (*b & !(m as u8)) | bits;
        }
        x >>= take;
        left -= take;
        bit -= take as usize;
    }
}

/// Appends bit fields MSB first to a byte vector: bits gather in a register and leave as whole
/// 8-byte big-endian words appended to the vector, so nothing is zero-filled first and no
/// store is ever reloaded (a read-modify-write per field would stall on store forwarding).
pub struct BitWriter {
    acc: u64,
    n: u32,
}

impl BitWriter {
    #[inline]
    pub fn new() -> BitWriter {
        BitWriter { acc: 0, n: 0 }
    }

    #[inline(always)]
    pub fn put(&mut self, out: &mut Vec<u8>, v: u128, w: u32) {
        if w <= 64 {
            if w > 0 {
                self.put64(out, v as u64 & (u64::MAX >> (64 - w)), w);
            }
        } else if w <= 128 {
            self.put64(out, (v >> 64) as u64 & (u64::MAX >> (128 - w)), w - 64);
            self.put64(out, v as u64, 64);
        } else {
            // Wider than the value: leading zero bits.
            let mut z = w - 128;
            while z > 0 {
                let k = z.min(64);
                self.put64(out, 0, k);
                z -= k;
            }
            self.put(out, v, 128);
        }
    }

    /// `v` holds exactly `w` (1 to 64) bits.
    #[inline(always)]
    fn put64(&mut self, out: &mut Vec<u8>, v: u64, w: u32) {
        let free = 64 - self.n; // 1 to 64
        if w < free {
            self.acc = (self.acc << w) | v;
            self.n += w;
            return;
        }
        let rest = w - free; // 0 to 63
        let word = if free == 64 {
            v
        } else {
            (self.acc << free) | (v >> rest)
        };
        out.extend_from_slice(&word.to_be_bytes());
        self.acc = if rest == 0 {
            0
        } else {
            v & (u64::MAX >> (64 - rest))
        };
        self.n = rest;
    }

    /// Appends the pending bits (fewer than 64), left-aligned in their bytes.
    #[inline]
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.n > 0 {
            let word = self.acc << (64 - self.n);
            let len = out.len() + self.n.div_ceil(8) as usize;
            // A whole word, then cut back: a fixed-size copy instead of a variable one.
            out.extend_from_slice(&word.to_be_bytes());
            out.truncate(len);
            self.n = 0;
        }
    }
}

impl Default for BitWriter {
    fn default() -> BitWriter {
        BitWriter::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_and_unaligned_round_trip() {
        let mut buf = [0u8; 20];
        write_bits(&mut buf, 0, 48, 0x0102_0304_0506);
        assert_eq!(&buf[..6], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(read_bits(&buf, 0, 48), 0x0102_0304_0506);
        write_bits(&mut buf, 52, 4, 0xa);
        assert_eq!(buf[6], 0x0a);
        write_bits(&mut buf, 48, 4, 0x4);
        assert_eq!(buf[6], 0x4a);
        assert_eq!(read_bits(&buf, 48, 4), 4);
        assert_eq!(read_bits(&buf, 52, 4), 0xa);
        write_bits(&mut buf, 59, 13, 0x1abc);
        assert_eq!(read_bits(&buf, 59, 13), 0x1abc);
        assert_eq!(read_bits(&buf, 48, 4), 4);
        write_bits(&mut buf, 3, 128, u128::MAX - 5);
        assert_eq!(read_bits(&buf, 3, 128), u128::MAX - 5);
    }

    /// Bit-at-a-time reference for the windowed fast paths.
    fn read_ref(buf: &[u8], off: usize, w: u32) -> u128 {
        (0..w as usize).fold(0u128, |v, i| {
            let b = off + i;
            let bit = buf.get(b / 8).map_or(0, |x| (x >> (7 - b % 8)) & 1);
            (v << 1) | u128::from(bit)
        })
    }

    #[test]
    fn windowed_access_matches_bitwise_reference() {
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for len in [1usize, 3, 15, 16, 17, 20, 40] {
            for off in 0..(len * 8 + 9) {
                for w in [
                    1u32, 3, 7, 8, 9, 13, 16, 31, 48, 64, 100, 120, 121, 127, 128,
                ] {
                    let buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                    assert_eq!(
                        read_bits(&buf, off, w),
                        read_ref(&buf, off, w),
                        "{len} {off} {w}"
                    );
                    let v = (u128::from(next()) << 64 | u128::from(next())) & mask(w);
                    let mut a = buf.clone();
                    write_bits(&mut a, off, w, v);
                    for i in 0..len * 8 {
                        let inside = i >= off && i < off + w as usize;
                        let got = (a[i / 8] >> (7 - i % 8)) & 1;
                        let want = if inside {
                            ((v >> (w as usize - 1 - (i - off))) & 1) as u8
                        } else {
                            (buf[i / 8] >> (7 - i % 8)) & 1
                        };
                        assert_eq!(got, want, "len {len} off {off} w {w} bit {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn bit_writer_packs_like_write_bits() {
        let fields: [(u128, u32); 9] = [
            (0x4, 4),
            (0x5, 4),
            (0xab, 8),
            (0x1_2345, 17),
            (u128::MAX, 128),
            (0x3, 2),
            (0xdead_beef_cafe, 48),
            (0x1234_5678_9abc_def0_1122, 80),
            (0x1, 1),
        ];
        let total: usize = fields.iter().map(|f| f.1 as usize).sum();
        let mut want = vec![0u8; total.div_ceil(8)];
        let mut off = 0;
        for &(v, w) in &fields {
            write_bits(&mut want, off, w, v & mask(w));
            off += w as usize;
        }
        let mut got = vec![0xEEu8; 3];
        let mut bw = BitWriter::new();
        for &(v, w) in &fields {
            bw.put(&mut got, v, w);
        }
        bw.finish(&mut got);
        assert_eq!(&got[..3], &[0xEE; 3], "appends after what is there");
        assert_eq!(&got[3..], &want[..]);
    }

    #[test]
    fn reads_past_the_end_are_zero() {
        assert_eq!(read_bits(&[0xff], 4, 12), 0xf00);
    }

    #[test]
    fn sign_extension() {
        assert_eq!(sext(0xff, 8), -1);
        assert_eq!(sext(0x7f, 8), 127);
        assert_eq!(mask(3), 7);
    }
}
