//! Entry storage shared by every structure: one flat byte arena of fixed-stride rows.
//!
//! Row layout: `[fixed part | action u32 | data_len u16 | data (data_cap)]`, all integers
//! little-endian. The fixed part belongs to the structure (the key for exact tables). Each row's
//! last-hit time (idle timeout) lives in a separate array: a lookup reads the row, and only
//! tables with idle timeout write the time, so it would only widen the rows the lookups read.
//! The stride widens when an entry with longer action data arrives (rare: data length is bounded
//! by the program's actions), which rewrites the arena once. The row index is the entry handle.

const META: usize = 4 + 2;
/// Longest action data an entry can carry.
pub(crate) const MAX_DATA: usize = u16::MAX as usize;

#[derive(Clone, Debug)]
pub(crate) struct Rows {
    fixed: usize,
    data_cap: usize,
    stride: usize,
    bytes: Vec<u8>,
    /// Last hit (or insertion) time of each row.
    hit: Vec<u64>,
    live: Vec<u64>,
    free: Vec<u32>,
    /// Rows ever allocated (live or on the free list).
    rows: usize,
    len: usize,
    /// Rows worth of space that `alloc` may reserve at most (the table capacity).
    limit: usize,
}

impl Rows {
    pub fn new(fixed: usize, limit: usize) -> Rows {
        Rows {
            fixed,
            data_cap: 0,
            stride: fixed + META,
            bytes: Vec::new(),
            hit: Vec::new(),
            live: Vec::new(),
            free: Vec::new(),
            rows: 0,
            len: 0,
            limit,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_live(&self, i: u32) -> bool {
        let i = i as usize;
        self.live
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    fn set_live(&mut self, i: usize, on: bool) {
        if self.live.len() <= i / 64 {
            self.live.resize(i / 64 + 1, 0);
        }
        if on {
            self.live[i / 64] |= 1u64 << (i % 64);
        } else {
            self.live[i / 64] &= !(1u64 << (i % 64));
        }
    }

    fn widen(&mut self, data_len: usize) {
        let new_stride = self.fixed + META + data_len;
        let mut bytes = Vec::new();
        bytes.reserve_exact(self.rows * new_stride);
        for r in 0..self.rows {
            let old = &self.bytes[r * self.stride..(r + 1) * self.stride];
            bytes.extend_from_slice(old);
            bytes.resize((r + 1) * new_stride, 0);
        }
        self.bytes = bytes;
        self.stride = new_stride;
        self.data_cap = data_len;
    }

    /// Allocates a row for an entry with `data`, stamped `now`. Callers check capacity and
    /// `data.len() <= MAX_DATA` first.
    pub fn alloc(&mut self, fixed: &[u8], action: u32, data: &[u8], now: u64) -> u32 {
        if data.len() > self.data_cap {
            self.widen(data.len());
        }
        let i = match self.free.pop() {
            Some(i) => i as usize,
            None => {
                let i = self.rows;
                let need = (i + 1) * self.stride;
                if self.bytes.capacity() < need {
                    // Grow by a quarter, not double, and never past the table's capacity: the
                    // arena is most of an exact table's memory.
                    let grow = (self.rows / 4)
                        .max(64)
                        .min(self.limit.saturating_sub(self.rows).max(1));
                    self.bytes.reserve_exact(grow * self.stride);
                    self.hit.reserve_exact(grow);
                }
                self.bytes.resize(need, 0);
                self.hit.push(0);
                self.rows += 1;
                i
            }
        };
        self.set_live(i, true);
        self.len += 1;
        let row = &mut self.bytes[i * self.stride..(i + 1) * self.stride];
        row[..self.fixed].copy_from_slice(fixed);
        let m = &mut row[self.fixed..];
        m[0..4].copy_from_slice(&action.to_le_bytes());
        m[4..6].copy_from_slice(&(data.len() as u16).to_le_bytes());
        m[6..6 + data.len()].copy_from_slice(data);
        self.hit[i] = now;
        i as u32
    }

    pub fn release(&mut self, i: u32) {
        if self.is_live(i) {
            self.set_live(i as usize, false);
            self.free.push(i);
            self.len -= 1;
        }
    }

    pub fn clear(&mut self) {
        *self = Rows::new(self.fixed, self.limit);
    }

    #[inline]
    fn row(&self, i: u32) -> Option<&[u8]> {
        let s = i as usize * self.stride;
        self.bytes.get(s..s + self.stride)
    }

    #[inline]
    fn meta_mut(&mut self, i: u32) -> Option<&mut [u8]> {
        let s = i as usize * self.stride + self.fixed;
        self.bytes.get_mut(s..s + META + self.data_cap)
    }

    /// The structure's fixed part of row `i` (empty slice when out of range).
    #[inline]
    pub fn fixed(&self, i: u32) -> &[u8] {
        let s = i as usize * self.stride;
        self.bytes.get(s..s + self.fixed).unwrap_or(&[])
    }

    /// Address of row `i`, for prefetching.
    #[inline]
    pub fn row_ref(&self, i: u32) -> Option<&u8> {
        self.bytes.get(i as usize * self.stride)
    }

    #[inline]
    pub fn action(&self, i: u32) -> u32 {
        self.action_data(i).0
    }

    /// Row `i`'s action and action data (0 and nothing when out of range).
    #[inline]
    pub fn action_data(&self, i: u32) -> (u32, &[u8]) {
        let Some(r) = self.row(i) else {
            return (0, &[]);
        };
        let m = &r[self.fixed..];
        let n = u16::from_le_bytes([m[4], m[5]]) as usize;
        (u32::from_le_bytes([m[0], m[1], m[2], m[3]]), &m[6..6 + n])
    }

    #[inline]
    pub fn data(&self, i: u32) -> &[u8] {
        self.action_data(i).1
    }

    pub fn last_hit(&self, i: u32) -> u64 {
        self.hit.get(i as usize).copied().unwrap_or(0)
    }

    pub fn set_last_hit(&mut self, i: u32, now: u64) {
        if let Some(t) = self.hit.get_mut(i as usize) {
            *t = now;
        }
    }

    /// Replaces action and data of a live row (data checked against `MAX_DATA` by the caller).
    pub fn set_action_data(&mut self, i: u32, action: u32, data: &[u8]) {
        if data.len() > self.data_cap {
            self.widen(data.len());
        }
        if let Some(m) = self.meta_mut(i) {
            m[0..4].copy_from_slice(&action.to_le_bytes());
            m[4..6].copy_from_slice(&(data.len() as u16).to_le_bytes());
            m[6..6 + data.len()].copy_from_slice(data);
        }
    }

    /// Live row indices in increasing order.
    pub fn iter_live(&self) -> impl Iterator<Item = u32> + '_ {
        self.live.iter().enumerate().flat_map(|(w, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                Some((w * 64) as u32 + b)
            })
        })
    }

    pub fn memory_bytes(&self) -> usize {
        self.bytes.capacity()
            + self.hit.capacity() * 8
            + self.live.capacity() * 8
            + self.free.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_release_widen() {
        let mut r = Rows::new(3, 100);
        let a = r.alloc(&[1, 2, 3], 7, &[9], 5);
        let b = r.alloc(&[4, 5, 6], 8, &[1, 2, 3, 4], 6);
        assert_eq!(
            (r.fixed(a), r.action(a), r.data(a), r.last_hit(a)),
            (&[1u8, 2, 3][..], 7, &[9u8][..], 5)
        );
        assert_eq!(
            (r.fixed(b), r.action(b), r.data(b), r.last_hit(b)),
            (&[4u8, 5, 6][..], 8, &[1u8, 2, 3, 4][..], 6)
        );
        r.release(a);
        assert!(!r.is_live(a) && r.is_live(b));
        let c = r.alloc(&[0, 0, 0], 1, &[], 0);
        assert_eq!(c, a);
        assert_eq!(r.iter_live().collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(r.data(99), &[] as &[u8]);
        assert_eq!(r.action(99), 0);
    }
}
