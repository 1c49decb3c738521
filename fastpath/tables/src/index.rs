//! A bucketized open-addressing hash index from a key (held elsewhere) to a `u32`.
//!
//! Each bucket is one 64-byte cache line with 10 slots: a 16-bit tag (top hash bits) and a
//! `u32` value per slot, and an overflow count. A key lives in its home bucket (low hash bits)
//! or, when that is full, in the next buckets (linear probing over buckets). The overflow count of
//! a bucket is the number of keys that passed it because it was full, so a lookup stops at the
//! first bucket without overflow: no tombstones, and deletes simply decrement the counts along
//! the path. At the maximum load of 80% almost every lookup reads one cache line for the
//! bucket and one for the entry row, whose key is compared only on a tag match.
//!
//! The index does not store keys: callers pass the hash and an equality test on values.

use crate::prefetch::prefetch;

pub(crate) const SLOTS: usize = 10;
const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(crate) struct Bucket {
    tags: [u16; SLOTS],
    overflow: u32,
    vals: [u32; SLOTS],
}

const EMPTY_BUCKET: Bucket = Bucket {
    tags: [0; SLOTS],
    overflow: 0,
    vals: [EMPTY; SLOTS],
};

#[derive(Clone, Debug)]
pub(crate) struct HashIndex {
    buckets: Vec<Bucket>,
    mask: usize,
    len: usize,
}

/// Highest load, in per cent of the slots, before [`HashIndex::insert`] doubles the index.
pub(crate) const MAX_LOAD: usize = 80;

/// Bit `2 * i` set when slot `i`'s tag equals `t` (odd bits clear): two 16-byte compares of the
/// tag array and a byte mask on x86_64, a branch-free loop elsewhere. [`slot`] turns a bit back
/// into a slot number.
#[inline(always)]
fn tag_hits(b: &Bucket, t: u16) -> u32 {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    {
        use core::arch::x86_64::{
            __m128i, _mm_cmpeq_epi16, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi16,
        };
        let p = b.tags.as_ptr().cast::<u8>();
        // SAFETY: `tags` is the first field of the `repr(C)` 64-byte bucket (20 bytes of tags,
        // then `overflow` and `vals`), so bytes 0..16 and 4..20 both lie inside `*b`, which
        // is a live reference; unaligned loads have no alignment requirement, and SSE2 (all
        // four intrinsics) is part of the x86_64 baseline.
        let (lo, hi) = unsafe {
            let needle = _mm_set1_epi16(t as i16);
            let lo = _mm_loadu_si128(p.cast::<__m128i>());
            let hi = _mm_loadu_si128(p.add(4).cast::<__m128i>());
            // Two mask bits per tag: tags 0..8 from the first load, 2..10 from the second.
            (
                _mm_movemask_epi8(_mm_cmpeq_epi16(lo, needle)) as u32,
                _mm_movemask_epi8(_mm_cmpeq_epi16(hi, needle)) as u32,
            )
        };
        (lo | (hi << 4)) & 0x5_5555
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut m = 0u32;
        for (i, &x) in b.tags.iter().enumerate() {
            m |= u32::from(x == t) << (2 * i);
        }
        m
    }
}

/// The slot of the lowest bit set in a [`tag_hits`] mask.
#[inline(always)]
fn slot(hits: u32) -> usize {
    (hits.trailing_zeros() / 2) as usize
}

#[inline(always)]
fn tag(h: u64) -> u16 {
    (h >> 48) as u16
}

impl Default for HashIndex {
    fn default() -> Self {
        HashIndex::new()
    }
}

impl HashIndex {
    pub fn new() -> HashIndex {
        HashIndex {
            buckets: vec![EMPTY_BUCKET],
            mask: 0,
            len: 0,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    fn home(&self, h: u64) -> usize {
        (h as usize) & self.mask
    }

    /// Prefetches the home bucket of `h`.
    #[inline(always)]
    pub fn prefetch(&self, h: u64) {
        if let Some(b) = self.buckets.get(self.home(h)) {
            prefetch(b);
        }
    }

    /// False when no value can be filed under `h`: its home bucket holds no slot with `h`'s
    /// tag and no key passed it (one cache line, no key compared). True says nothing.
    #[inline(always)]
    pub fn may_hold(&self, h: u64) -> bool {
        self.buckets
            .get(self.home(h))
            .is_some_and(|b| tag_hits(b, tag(h)) != 0 || b.overflow != 0)
    }

    /// The first value in the home bucket whose tag matches `h` (burst lookups use it to
    /// prefetch the entry before comparing keys), or `None`.
    #[inline(always)]
    pub fn home_candidate(&self, h: u64) -> Option<u32> {
        let b = self.buckets.get(self.home(h))?;
        let mut hits = tag_hits(b, tag(h));
        while hits != 0 {
            let i = slot(hits);
            hits &= hits - 1;
            if b.vals[i] != EMPTY {
                return Some(b.vals[i]);
            }
        }
        None
    }

    /// The value whose key hashes to `h` and satisfies `eq`.
    #[inline]
    pub fn find(&self, h: u64, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        let t = tag(h);
        let mut bi = self.home(h);
        for _ in 0..self.buckets.len() {
            let b = self.buckets.get(bi)?;
            let mut hits = tag_hits(b, t);
            while hits != 0 {
                let i = slot(hits);
                hits &= hits - 1;
                let v = b.vals[i];
                if v != EMPTY && eq(v) {
                    return Some(v);
                }
            }
            if b.overflow == 0 {
                return None;
            }
            bi = (bi + 1) & self.mask;
        }
        None
    }

    /// Adds `v` under hash `h` (the caller knows the key is absent). `rehash` gives the hash of
    /// a stored value, used when the index grows.
    pub fn insert(&mut self, h: u64, v: u32, rehash: impl Fn(u32) -> u64) {
        self.insert_max_load(h, v, rehash, MAX_LOAD);
    }

    /// [`HashIndex::insert`], doubling the index beyond `percent` % of its slots (clamped to
    /// 10-90) instead of [`MAX_LOAD`]: lower loads leave fewer buckets overflowed, so more
    /// misses end at the home bucket, for more memory. An index should keep one load.
    pub fn insert_max_load(&mut self, h: u64, v: u32, rehash: impl Fn(u32) -> u64, percent: usize) {
        if (self.len + 1) * 100 > self.buckets.len() * SLOTS * percent.clamp(10, 90) {
            self.grow(&rehash);
        }
        self.place(h, v);
        self.len += 1;
    }

    fn place(&mut self, h: u64, v: u32) {
        let t = tag(h);
        let mut bi = self.home(h);
        // The load limit guarantees a free slot within the table.
        for _ in 0..self.buckets.len() {
            let b = &mut self.buckets[bi];
            if let Some(i) = (0..SLOTS).find(|&i| b.vals[i] == EMPTY) {
                b.tags[i] = t;
                b.vals[i] = v;
                return;
            }
            b.overflow += 1;
            bi = (bi + 1) & self.mask;
        }
    }

    fn grow(&mut self, rehash: &impl Fn(u32) -> u64) {
        let n = self.buckets.len() * 2;
        let old = std::mem::replace(&mut self.buckets, vec![EMPTY_BUCKET; n]);
        self.mask = n - 1;
        for b in &old {
            for &v in &b.vals {
                if v != EMPTY {
                    self.place(rehash(v), v);
                }
            }
        }
    }

    /// Removes and returns the value under `h` satisfying `eq`.
    pub fn remove(&mut self, h: u64, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        let t = tag(h);
        let home = self.home(h);
        let mut bi = home;
        let mut steps = 0;
        let found = loop {
            if steps >= self.buckets.len() {
                return None;
            }
            let b = &self.buckets[bi];
            if let Some(i) =
                (0..SLOTS).find(|&i| b.tags[i] == t && b.vals[i] != EMPTY && eq(b.vals[i]))
            {
                break (bi, i);
            }
            if b.overflow == 0 {
                return None;
            }
            bi = (bi + 1) & self.mask;
            steps += 1;
        };
        let (fb, fi) = found;
        let v = self.buckets[fb].vals[fi];
        self.buckets[fb].vals[fi] = EMPTY;
        self.buckets[fb].tags[fi] = 0;
        let mut bi = home;
        while bi != fb {
            self.buckets[bi].overflow -= 1;
            bi = (bi + 1) & self.mask;
        }
        self.len -= 1;
        Some(v)
    }

    /// Replaces the value under `h` satisfying `eq` by `v`; false when absent.
    pub fn replace(&mut self, h: u64, mut eq: impl FnMut(u32) -> bool, v: u32) -> bool {
        let t = tag(h);
        let mut bi = self.home(h);
        for _ in 0..self.buckets.len() {
            let b = &mut self.buckets[bi];
            if let Some(i) =
                (0..SLOTS).find(|&i| b.tags[i] == t && b.vals[i] != EMPTY && eq(b.vals[i]))
            {
                b.vals[i] = v;
                return true;
            }
            if b.overflow == 0 {
                return false;
            }
            bi = (bi + 1) & self.mask;
        }
        false
    }

    pub fn clear(&mut self) {
        *self = HashIndex::new();
    }

    pub fn memory_bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<Bucket>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Bucket>(), 64);
        assert_eq!(std::mem::align_of::<Bucket>(), 64);
    }

    #[test]
    fn tag_hits_marks_exactly_the_equal_slots() {
        let mut b = EMPTY_BUCKET;
        b.overflow = 0xFFFF_FFFF;
        for pattern in [0u32, 1, 0x3FF, 0x200, 0x155, 0x2AA, 0x101, 0x0F0] {
            for (i, t) in b.tags.iter_mut().enumerate() {
                *t = if pattern >> i & 1 == 1 {
                    0xBEEF
                } else {
                    i as u16
                };
            }
            let mut want = 0u32;
            for i in 0..SLOTS {
                if pattern >> i & 1 == 1 {
                    want |= 1 << (2 * i);
                }
            }
            assert_eq!(tag_hits(&b, 0xBEEF), want, "pattern {pattern:#x}");
            let mut hits = want;
            let mut seen = 0u32;
            while hits != 0 {
                seen |= 1 << slot(hits);
                hits &= hits - 1;
            }
            assert_eq!(seen, pattern);
        }
    }

    #[test]
    fn max_load_sets_when_the_index_doubles() {
        for (load, slots_per_entry) in [(80usize, 1usize), (40, 2), (25, 4)] {
            let mut ix = HashIndex::new();
            let h = |v: u32| u64::from(v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            for v in 0..1000 {
                ix.insert_max_load(h(v), v, h, load);
                assert!(ix.len() * 100 <= ix.buckets.len() * SLOTS * load);
            }
            assert!(ix.buckets.len() * SLOTS >= 1000 * slots_per_entry);
            assert!(ix.buckets.len() * SLOTS < 2000 * slots_per_entry * 100 / load);
            for v in 0..1000 {
                assert_eq!(ix.find(h(v), |x| x == v), Some(v));
            }
        }
    }

    #[test]
    fn collisions_overflow_and_delete() {
        // Every value hashes to bucket 0 with the same tag: worst case.
        let mut ix = HashIndex::new();
        let h = |_v: u32| 0u64;
        for v in 0..100 {
            ix.insert(0, v, h);
        }
        for v in 0..100 {
            assert_eq!(ix.find(0, |x| x == v), Some(v));
        }
        for v in (0..100).step_by(2) {
            assert_eq!(ix.remove(0, |x| x == v), Some(v));
        }
        for v in 0..100 {
            assert_eq!(
                ix.find(0, |x| x == v),
                if v % 2 == 1 { Some(v) } else { None }
            );
        }
        for v in (1..100).step_by(2) {
            assert_eq!(ix.remove(0, |x| x == v), Some(v));
        }
        assert_eq!(ix.len(), 0);
        assert!(ix.buckets.iter().all(|b| b.overflow == 0));
    }
}
