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
    if off.is_multiple_of(8) && w.is_multiple_of(8) {
        let start = off / 8;
        let n = (w / 8) as usize;
        // Fast path: one unaligned big-endian load when 16 bytes are readable.
        if let Some(b16) = buf.get(start..start + 16) {
            let mut a = [0u8; 16];
            a.copy_from_slice(b16);
            let v = u128::from_be_bytes(a);
            return if n >= 16 { v } else { v >> (128 - 8 * n) };
        }
        if let Some(bytes) = buf.get(start..start + n) {
            let mut v = 0u128;
            for &b in bytes {
                v = (v << 8) | u128::from(b);
            }
            return v;
        }
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

/// Writes the low `w` ≤ 128 bits of `v` at bit `off` of `buf` (which must be long enough).
#[inline]
pub fn write_bits(buf: &mut [u8], off: usize, w: u32, v: u128) {
    if w == 0 {
        return;
    }
    if off.is_multiple_of(8) && w.is_multiple_of(8) {
        let start = off / 8;
        let n = (w / 8) as usize;
        if let Some(bytes) = buf.get_mut(start..start + n) {
            let be = v.to_be_bytes();
            bytes.copy_from_slice(&be[16 - n.min(16)..]);
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
