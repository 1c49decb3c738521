//! All-exact keys: the key is the row's fixed part, found through a [`HashIndex`].
//!
//! Memory per entry: the row (key + data + 14 bytes of action, timestamp and data length) plus
//! 64 / (10 x load) bytes of index, load 40-80%: about 35 + 8 bytes for a 13-byte key with 8 bytes
//! of data at 1M entries.

use crate::hash::{bytes_eq, hash_bytes};
use crate::index::HashIndex;
use crate::prefetch::prefetch;
use crate::rows::Rows;
use crate::EntryHandle;

/// Keys resolved per pass of a burst; stack arrays of this size hold the hashes.
const BURST_CHUNK: usize = 32;

#[derive(Clone, Debug)]
pub(crate) struct ExactTable {
    key_len: usize,
    index: HashIndex,
}

impl ExactTable {
    pub fn new(key_len: usize) -> ExactTable {
        ExactTable {
            key_len,
            index: HashIndex::new(),
        }
    }

    #[inline]
    pub fn lookup(&self, rows: &Rows, key: &[u8]) -> Option<u32> {
        if key.len() != self.key_len {
            return None;
        }
        self.index
            .find(hash_bytes(key), |i| bytes_eq(rows.fixed(i), key))
    }

    /// [`ExactTable::lookup`] with the key's hash given and its length known at compile time
    /// (the key compare is a fixed-size one).
    #[inline]
    pub fn lookup_n<const N: usize>(&self, rows: &Rows, key: &[u8; N], h: u64) -> Option<u32> {
        if N != self.key_len {
            return None;
        }
        self.index
            .find(h, |i| rows.fixed(i).first_chunk::<N>() == Some(key))
    }

    /// First stage of a prefetch ahead of `lookup`: the key's hash, with its home bucket
    /// requested from memory. `None` when the key has the wrong length.
    #[inline]
    pub fn prefetch_bucket(&self, key: &[u8]) -> Option<u64> {
        if key.len() != self.key_len {
            return None;
        }
        let h = hash_bytes(key);
        self.index.prefetch(h);
        Some(h)
    }

    /// Second stage: reads the (by now cached) home bucket and requests the first row whose
    /// tag matches.
    #[inline]
    pub fn prefetch_row(&self, rows: &Rows, h: u64) {
        if let Some(r) = self.index.home_candidate(h).and_then(|i| rows.row_ref(i)) {
            prefetch(r);
        }
    }

    /// Three passes over each chunk of the burst: hash and prefetch the home buckets; read the
    /// buckets and prefetch the first tag-matching row; compare keys (falling back to a full
    /// probe on a tag false positive or an overflowed bucket).
    pub fn lookup_burst(&self, rows: &Rows, keys: &[&[u8]], out: &mut [Option<EntryHandle>]) {
        for (keys, out) in keys.chunks(BURST_CHUNK).zip(out.chunks_mut(BURST_CHUNK)) {
            let mut hashes = [0u64; BURST_CHUNK];
            for (h, k) in hashes.iter_mut().zip(keys) {
                if k.len() == self.key_len {
                    *h = hash_bytes(k);
                    self.index.prefetch(*h);
                }
            }
            let mut cand = [None; BURST_CHUNK];
            for ((c, h), k) in cand.iter_mut().zip(&hashes).zip(keys) {
                if k.len() == self.key_len {
                    *c = self.index.home_candidate(*h);
                    if let Some(r) = c.and_then(|i| rows.row_ref(i)) {
                        prefetch(r);
                    }
                }
            }
            for (((o, c), h), k) in out.iter_mut().zip(&cand).zip(&hashes).zip(keys) {
                *o = if k.len() != self.key_len {
                    None
                } else {
                    match c {
                        Some(i) if bytes_eq(rows.fixed(*i), k) => Some(*i),
                        _ => self.index.find(*h, |i| bytes_eq(rows.fixed(i), k)),
                    }
                    .map(EntryHandle)
                };
            }
        }
    }

    /// Indexes row `row`, whose fixed part is its key (absent from the index).
    pub fn insert(&mut self, rows: &Rows, row: u32) {
        let h = hash_bytes(rows.fixed(row));
        self.index.insert(h, row, |i| hash_bytes(rows.fixed(i)));
    }

    pub fn remove(&mut self, rows: &Rows, key: &[u8]) -> Option<u32> {
        self.index
            .remove(hash_bytes(key), |i| bytes_eq(rows.fixed(i), key))
    }

    pub fn clear(&mut self) {
        self.index.clear();
    }

    pub fn memory_bytes(&self) -> usize {
        self.index.memory_bytes()
    }
}
