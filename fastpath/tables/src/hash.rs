//! The key hash: 64-bit words read little-endian, each folded in with a 64x64->128-bit multiply
//! whose halves are xored (a "folded multiply"), then a final fold. It is fast on short keys
//! (a 13-byte 5-tuple costs three multiplies) and mixes every input bit into the low bits
//! (bucket index) and the top 16 bits (tag).
//!
//! The seed is fixed, so table layouts are deterministic across runs. Entries come from the
//! control plane, so packets alone cannot build long probe chains.

const SEED: u64 = 0x243F_6A88_85A3_08D3;
const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xD6E8_FEB8_6659_FD93;

#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

#[inline(always)]
fn finish(h: u64) -> u64 {
    fold_mul(h ^ (h >> 29), K2)
}

/// The last `rest.len() < 8` bytes as one word, without a variable-length copy: overlapping
/// fixed-size reads. Each byte lands in its own bit positions, so
/// `tail_word(a) & tail_word(b) == tail_word(a & b)` (which `hash_masked` relies on).
#[inline(always)]
fn tail_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    if n >= 4 {
        let lo = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let hi = u32::from_le_bytes([rest[n - 4], rest[n - 3], rest[n - 2], rest[n - 1]]);
        u64::from(lo) | (u64::from(hi) << 32)
    } else if n > 0 {
        u64::from(rest[0]) | (u64::from(rest[n / 2]) << 8) | (u64::from(rest[n - 1]) << 16)
    } else {
        0
    }
}

/// Hash of `bytes`.
#[inline]
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = SEED ^ (bytes.len() as u64).wrapping_mul(K1);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = fold_mul(h ^ u64::from_le_bytes(w), K1);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = fold_mul(h ^ tail_word(rest), K1);
    }
    finish(h)
}

/// Words needed by [`key_words`] for a key of `len` bytes.
#[inline(always)]
pub const fn word_count(len: usize) -> usize {
    len.div_ceil(8)
}

/// The words [`hash_bytes`] folds in for `bytes`: each full 8-byte chunk little-endian, then
/// the tail (if any) as [`tail_word`] makes it. Writes `word_count(bytes.len())` words to the
/// front of `out` (fewer if `out` is shorter). Like the tail word, it commutes with masking:
/// `key_words(k & m) == key_words(k) & key_words(m)` word by word.
#[inline(always)]
pub fn key_words(bytes: &[u8], out: &mut [u64]) {
    let mut chunks = bytes.chunks_exact(8);
    let mut o = out.iter_mut();
    for (c, w) in (&mut chunks).zip(&mut o) {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        *w = u64::from_le_bytes(b);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        if let Some(w) = o.next() {
            *w = tail_word(rest);
        }
    }
}

/// A hash of a key given as at most four [`key_words`] (32 bytes), for the tuple-space groups,
/// which hash every key once per group: one multiply of two words against each other for up
/// to 16 bytes (as wyhash's core does), two more beyond. The product's halves are folded, so
/// the low bits (bucket) and the top 16 (tag) depend on every input bit. Weaker than
/// [`hash_bytes`] against chosen keys, which only the control plane supplies; a collision
/// costs a compare, never a wrong answer. `words` longer than four are not all hashed.
#[inline(always)]
pub fn short_hash(len: usize, words: &[u64]) -> u64 {
    const S0: u64 = 0xA076_1D64_78BD_642F;
    const S1: u64 = 0xE703_7ED1_A0B4_28DB;
    const S2: u64 = 0x8EBC_6AF0_9C88_C6E3;
    const S3: u64 = 0x5899_65CC_7537_4CC3;
    let w = |i: usize| words.get(i).copied().unwrap_or(0);
    let a = fold_mul(w(0) ^ S0, w(1) ^ S1 ^ len as u64);
    if words.len() <= 2 {
        a
    } else {
        fold_mul(a ^ fold_mul(w(2) ^ S2, w(3) ^ S3), K2)
    }
}

/// `hash_bytes(key & mask)` without materialising the masked key. `mask` must be as long as
/// `key`; a shorter mask is treated as zero-padded.
#[inline]
pub fn hash_masked(key: &[u8], mask: &[u8]) -> u64 {
    let mut h = SEED ^ (key.len() as u64).wrapping_mul(K1);
    let mut kc = key.chunks_exact(8);
    let mut mc = mask.chunks_exact(8);
    for (k, m) in (&mut kc).zip(&mut mc) {
        let (mut kw, mut mw) = ([0u8; 8], [0u8; 8]);
        kw.copy_from_slice(k);
        mw.copy_from_slice(m);
        h = fold_mul(h ^ (u64::from_le_bytes(kw) & u64::from_le_bytes(mw)), K1);
    }
    let (krest, mrest) = (kc.remainder(), mc.remainder());
    if !krest.is_empty() {
        h = fold_mul(h ^ (tail_word(krest) & tail_word(mrest)), K1);
    }
    finish(h)
}

/// `a == b`, comparing 8 bytes at a time (short keys: avoids a `memcmp` call).
#[inline(always)]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut ac = a.chunks_exact(8);
    let mut bc = b.chunks_exact(8);
    for (x, y) in (&mut ac).zip(&mut bc) {
        let (mut xw, mut yw) = ([0u8; 8], [0u8; 8]);
        xw.copy_from_slice(x);
        yw.copy_from_slice(y);
        if xw != yw {
            return false;
        }
    }
    tail_word(ac.remainder()) == tail_word(bc.remainder())
}

/// `key & mask == value`, all three of the same length (false otherwise); 8 bytes at a time.
#[inline]
pub fn masked_eq(key: &[u8], mask: &[u8], value: &[u8]) -> bool {
    if key.len() != value.len() || mask.len() != value.len() {
        return false;
    }
    let mut kc = key.chunks_exact(8);
    let mut mc = mask.chunks_exact(8);
    let mut vc = value.chunks_exact(8);
    for ((k, m), v) in (&mut kc).zip(&mut mc).zip(&mut vc) {
        let (mut kw, mut mw, mut vw) = ([0u8; 8], [0u8; 8], [0u8; 8]);
        kw.copy_from_slice(k);
        mw.copy_from_slice(m);
        vw.copy_from_slice(v);
        if u64::from_le_bytes(kw) & u64::from_le_bytes(mw) != u64::from_le_bytes(vw) {
            return false;
        }
    }
    tail_word(kc.remainder()) & tail_word(mc.remainder()) == tail_word(vc.remainder())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_hash_equals_hash_of_masked_key() {
        for len in 0..40usize {
            let key: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37) ^ 0x5A).collect();
            let mask: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(91)).collect();
            let masked: Vec<u8> = key.iter().zip(&mask).map(|(k, m)| k & m).collect();
            assert_eq!(hash_masked(&key, &mask), hash_bytes(&masked));
            let n = word_count(len);
            let (mut kw, mut mw, mut xw) = ([0u64; 5], [0u64; 5], [0u64; 5]);
            key_words(&key, &mut kw);
            key_words(&mask, &mut mw);
            key_words(&masked, &mut xw);
            for i in 0..n {
                assert_eq!(kw[i] & mw[i], xw[i], "len {len} word {i}");
            }
            assert!(masked_eq(&key, &mask, &masked));
            assert!(bytes_eq(&key, &key));
            if len > 0 {
                let mut other = masked.clone();
                other[len - 1] ^= 1;
                assert!(!masked_eq(&key, &mask, &other));
                let mut k2 = key.clone();
                k2[len / 2] ^= 0x10;
                assert!(!bytes_eq(&key, &k2));
            }
        }
    }

    #[test]
    fn short_hash_single_bit_changes_move_bucket_and_tag() {
        for len in [3usize, 8, 13, 16, 19, 32] {
            let n = word_count(len);
            let base = vec![0u8; len];
            let mut w = [0u64; 4];
            key_words(&base, &mut w);
            let h0 = short_hash(len, &w[..n]);
            for bit in 0..len * 8 {
                let mut k = base.clone();
                k[bit / 8] ^= 1 << (bit % 8);
                key_words(&k, &mut w);
                let h = short_hash(len, &w[..n]);
                assert_ne!(h & 0xFFFF, h0 & 0xFFFF, "len {len} bit {bit}");
                assert_ne!(h >> 48, h0 >> 48, "len {len} bit {bit}");
            }
        }
    }

    #[test]
    fn single_bit_changes_move_bucket_and_tag() {
        let base = [0u8; 13];
        let h0 = hash_bytes(&base);
        for bit in 0..13 * 8 {
            let mut k = base;
            k[bit / 8] ^= 1 << (bit % 8);
            let h = hash_bytes(&k);
            assert_ne!(h & 0xFFFF, h0 & 0xFFFF, "bit {bit}");
            assert_ne!(h >> 48, h0 >> 48, "bit {bit}");
        }
    }
}
