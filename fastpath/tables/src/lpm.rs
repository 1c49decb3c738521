//! One LPM field plus any number of exact fields: a leaf-pushed multibit trie per exact part.
//!
//! # Structure
//! The LPM field is treated as a bit string of `8 * byte_len` bits; a prefix of length `p` on a
//! `w`-bit field is a prefix of length `p + pad` (`pad = 8 * byte_len - w`), since padding bits
//! are zero in every canonical value (and keys with them set match nothing).
//!
//! Each trie has a root node of `2^R` slots (R = 16 for a single trie over a field of at least 16
//! bits in a table of 16K+ entries, 8 otherwise, fewer for narrower fields), then nodes of stride 4:
//! 16 `u32` slots, exactly one 64-byte cache line. IPv4 lookups read at most 5 lines (usually the
//! 256 KiB root plus two nodes for a /24); IPv6 reads one line per 4 bits past the root, only as
//! deep as the prefixes go. A slot holds either a child node or a leaf: the entry of the longest
//! prefix covering that slot (leaf pushing), so a lookup never backtracks and reads no
//! per-node best-match side table.
//!
//! # Updates
//! Prefixes ending in a node are recorded in a map `(node, local length, local bits) -> entry`;
//! each node also remembers the leaf it inherited from its ancestors. Inserting a prefix rewrites
//! the slots it covers that hold a shorter leaf and pushes itself down into covered children whose
//! inherited leaf is shorter; deleting restores the next-longer covering prefix of the same node
//! (or the inherited leaf) the same way. Nodes left without prefixes and children are freed. The
//! cost of an update is bounded by the subtree under the prefix.
//!
//! With exact fields, a [`HashIndex`] maps the exact part of the key to its trie.

use std::collections::HashMap;

use crate::canon::{Canon, FieldInfo};
use crate::hash::{hash_bytes, hash_masked, masked_eq};
use crate::index::HashIndex;
use crate::prefetch::prefetch;
use crate::rows::Rows;
use crate::types::{FieldMatch, MatchKind};
use crate::EntryHandle;

const NONE: u32 = 0;
const CHILD: u32 = 1 << 31;
const NO_ROOT: u32 = u32::MAX;
/// Stride of every non-root node.
const STRIDE: u32 = 4;
const FANOUT: usize = 1 << STRIDE;

#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Line([u32; FANOUT]);

#[derive(Clone, Copy, Debug, Default)]
struct NodeMeta {
    /// Leaf (0 or row + 1) of the longest ancestor prefix covering this node.
    inherited: u32,
    parent: u32,
    parent_slot: u32,
    prefixes: u32,
    children: u32,
}

#[derive(Clone, Debug)]
struct Trie {
    root: u32,
    /// The key with only the exact fields kept.
    exact: Box<[u8]>,
}

#[derive(Clone, Debug)]
pub(crate) struct LpmTable {
    key_len: usize,
    capacity: usize,
    fields: Vec<FieldInfo>,
    lpm_field: usize,
    lpm_off: usize,
    lpm_len: usize,
    pad: u32,
    total_bits: u32,
    root_stride: u32,
    /// 0xFF over the exact fields, 0 over the LPM field; `None` without exact fields.
    exact_mask: Option<Box<[u8]>>,
    lines: Vec<Line>,
    meta: Vec<NodeMeta>,
    free_lines: Vec<u32>,
    free_roots: Vec<u32>,
    prefixes: HashMap<u64, u32>,
    single_root: u32,
    tries: Vec<Trie>,
    free_tries: Vec<u32>,
    trie_index: HashIndex,
}

/// Bits `[start, start + n)` of `b` (big-endian bit order), `n <= 16`; bits past the end are 0.
#[inline(always)]
fn bits(b: &[u8], start: u32, n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let byte = (start / 8) as usize;
    let mut acc = 0u32;
    for i in 0..3 {
        acc = (acc << 8) | u32::from(b.get(byte + i).copied().unwrap_or(0));
    }
    (acc >> (24 - start % 8 - n)) & ((1u32 << n) - 1)
}

/// The 4 bits at `start` (a multiple of 4).
#[inline(always)]
fn nibble(b: &[u8], start: u32) -> usize {
    let byte = b.get((start / 8) as usize).copied().unwrap_or(0);
    ((byte >> (4 - (start % 8))) & 0xF) as usize
}

#[inline(always)]
fn prefix_key(node: u32, l: u32, v: u32) -> u64 {
    (u64::from(node) << 32) | (u64::from(l) << 16) | u64::from(v)
}

#[inline(always)]
fn leaf(row: u32) -> u32 {
    row + 1
}

fn read_u32(b: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    let n = b.len().min(4);
    w[..n].copy_from_slice(&b[..n]);
    u32::from_le_bytes(w)
}

impl LpmTable {
    /// `fields` has exactly one LPM field and otherwise only exact fields.
    pub fn new(fields: Vec<FieldInfo>, key_len: usize, capacity: usize) -> LpmTable {
        let lpm_field = fields
            .iter()
            .position(|f| f.kind == MatchKind::Lpm)
            .unwrap_or(0);
        let (lpm_off, lpm_len, pad) = fields
            .get(lpm_field)
            .map(|f| (f.off, f.len, f.pad_bits()))
            .unwrap_or((0, 0, 0));
        let total_bits = u32::try_from(lpm_len * 8).unwrap_or(u32::MAX);
        let single = fields.len() == 1;
        let wanted = if single && capacity >= 1 << 14 { 16 } else { 8 };
        let exact_mask = (!single).then(|| {
            let mut m = vec![0u8; key_len];
            for f in fields.iter().filter(|f| f.kind == MatchKind::Exact) {
                m[f.off..f.off + f.len].fill(0xFF);
            }
            m.into_boxed_slice()
        });
        LpmTable {
            key_len,
            capacity,
            fields,
            lpm_field,
            lpm_off,
            lpm_len,
            pad,
            total_bits,
            root_stride: wanted.min(total_bits),
            exact_mask,
            lines: Vec::new(),
            meta: Vec::new(),
            free_lines: Vec::new(),
            free_roots: Vec::new(),
            prefixes: HashMap::new(),
            single_root: NO_ROOT,
            tries: Vec::new(),
            free_tries: Vec::new(),
            trie_index: HashIndex::new(),
        }
    }

    /// The row's fixed part: the stored prefix length (with padding) and the canonical key.
    pub fn fixed_part(&self, c: &Canon) -> Vec<u8> {
        let p = match c.matches.get(self.lpm_field) {
            Some(FieldMatch::Lpm { prefix_len, .. }) => *prefix_len,
            _ => 0,
        };
        let mut v = (p + self.pad).to_le_bytes().to_vec();
        v.extend_from_slice(&c.value);
        v
    }

    pub fn fixed_len(&self) -> usize {
        4 + self.key_len
    }

    /// Canonical matches of a stored row.
    pub fn spec_matches(&self, rows: &Rows, row: u32) -> Vec<FieldMatch> {
        let fx = rows.fixed(row);
        let plen = read_u32(fx).saturating_sub(self.pad);
        let key = fx.get(4..).unwrap_or(&[]);
        self.fields
            .iter()
            .map(|f| {
                let v = key.get(f.off..f.off + f.len).unwrap_or(&[]).to_vec();
                match f.kind {
                    MatchKind::Lpm if plen == 0 => FieldMatch::Any,
                    MatchKind::Lpm => FieldMatch::Lpm {
                        value: v,
                        prefix_len: plen,
                    },
                    _ => FieldMatch::Exact(v),
                }
            })
            .collect()
    }

    // ----- levels -----

    #[inline(always)]
    fn level_start(&self, d: u32) -> u32 {
        if d == 0 {
            0
        } else {
            self.root_stride + STRIDE * (d - 1)
        }
    }

    #[inline(always)]
    fn level_stride(&self, d: u32) -> u32 {
        if d == 0 {
            self.root_stride
        } else {
            STRIDE
        }
    }

    /// Level and local length where a prefix of (padded) length `p` ends.
    fn locate(&self, p: u32) -> (u32, u32) {
        if p <= self.root_stride {
            (0, p)
        } else {
            let d = 1 + (p - self.root_stride - 1) / STRIDE;
            (d, p - self.level_start(d))
        }
    }

    #[inline(always)]
    fn slot(&self, node: u32, idx: usize) -> u32 {
        self.lines
            .get(node as usize + idx / FANOUT)
            .map_or(NONE, |l| l.0[idx % FANOUT])
    }

    fn set_slot(&mut self, node: u32, idx: usize, v: u32) {
        if let Some(l) = self.lines.get_mut(node as usize + idx / FANOUT) {
            l.0[idx % FANOUT] = v;
        }
    }

    fn root_lines(&self) -> usize {
        ((1usize << self.root_stride) / FANOUT).max(1)
    }

    fn alloc_node(&mut self, fill: u32, meta: NodeMeta) -> u32 {
        let n = match self.free_lines.pop() {
            Some(n) => n,
            None => {
                self.lines.push(Line([NONE; FANOUT]));
                self.meta.push(NodeMeta::default());
                (self.lines.len() - 1) as u32
            }
        };
        self.lines[n as usize] = Line([fill; FANOUT]);
        self.meta[n as usize] = meta;
        n
    }

    fn alloc_root(&mut self) -> u32 {
        let n = self.root_lines();
        let r = match self.free_roots.pop() {
            Some(r) => r,
            None => {
                let r = self.lines.len() as u32;
                self.lines
                    .resize(self.lines.len() + n, Line([NONE; FANOUT]));
                self.meta.resize(self.meta.len() + n, NodeMeta::default());
                r
            }
        };
        for l in &mut self.lines[r as usize..r as usize + n] {
            *l = Line([NONE; FANOUT]);
        }
        self.meta[r as usize] = NodeMeta::default();
        r
    }

    fn prefix_len_of(rows: &Rows, leaf_val: u32) -> u32 {
        read_u32(rows.fixed(leaf_val.wrapping_sub(1)))
    }

    // ----- tries -----

    fn find_trie(&self, key: &[u8]) -> Option<u32> {
        match &self.exact_mask {
            None => (self.single_root != NO_ROOT).then_some(self.single_root),
            Some(m) => {
                let t = self.trie_index.find(hash_masked(key, m), |t| {
                    self.tries
                        .get(t as usize)
                        .is_some_and(|tr| masked_eq(key, m, &tr.exact))
                })?;
                self.tries.get(t as usize).map(|tr| tr.root)
            }
        }
    }

    fn find_or_create_trie(&mut self, key: &[u8]) -> u32 {
        if let Some(r) = self.find_trie(key) {
            return r;
        }
        let root = self.alloc_root();
        match self.exact_mask.clone() {
            None => self.single_root = root,
            Some(m) => {
                let exact: Box<[u8]> = key.iter().zip(m.iter()).map(|(k, m)| k & m).collect();
                let h = hash_bytes(&exact);
                let rec = Trie { root, exact };
                let t = match self.free_tries.pop() {
                    Some(t) => {
                        self.tries[t as usize] = rec;
                        t
                    }
                    None => {
                        self.tries.push(rec);
                        (self.tries.len() - 1) as u32
                    }
                };
                let tries = &self.tries;
                self.trie_index
                    .insert(h, t, |x| hash_bytes(&tries[x as usize].exact));
            }
        }
        root
    }

    fn drop_trie(&mut self, key: &[u8], root: u32) {
        self.free_roots.push(root);
        match &self.exact_mask {
            None => self.single_root = NO_ROOT,
            Some(m) => {
                let tries = &self.tries;
                if let Some(t) = self.trie_index.remove(hash_masked(key, m), |t| {
                    tries
                        .get(t as usize)
                        .is_some_and(|tr| masked_eq(key, m, &tr.exact))
                }) {
                    self.tries[t as usize].exact = Box::new([]);
                    self.free_tries.push(t);
                }
            }
        }
    }

    // ----- lookup -----

    #[inline(always)]
    fn walk(&self, root: u32, f: &[u8]) -> u32 {
        let mut s = self.slot(root, bits(f, 0, self.root_stride) as usize);
        let mut pos = self.root_stride;
        while s & CHILD != 0 {
            if pos >= self.total_bits {
                return NONE;
            }
            let node = (s & !CHILD) as usize;
            s = self.lines.get(node).map_or(NONE, |l| l.0[nibble(f, pos)]);
            pos += STRIDE;
        }
        s
    }

    #[inline]
    pub fn lookup(&self, key: &[u8]) -> Option<u32> {
        if key.len() != self.key_len {
            return None;
        }
        let root = self.find_trie(key)?;
        let f = &key[self.lpm_off..self.lpm_off + self.lpm_len];
        match self.walk(root, f) {
            NONE => None,
            l => Some(l - 1),
        }
    }

    /// Prefetches the root slots of every key first (the hash buckets, with exact fields),
    /// then walks.
    pub fn lookup_burst(&self, keys: &[&[u8]], out: &mut [Option<EntryHandle>]) {
        for (keys, out) in keys.chunks(32).zip(out.chunks_mut(32)) {
            if self.exact_mask.is_none() && self.single_root != NO_ROOT {
                for k in keys.iter().filter(|k| k.len() == self.key_len) {
                    let f = &k[self.lpm_off..self.lpm_off + self.lpm_len];
                    let idx = bits(f, 0, self.root_stride) as usize;
                    if let Some(l) = self.lines.get(self.single_root as usize + idx / FANOUT) {
                        prefetch(l);
                    }
                }
            } else if let Some(m) = &self.exact_mask {
                for k in keys.iter().filter(|k| k.len() == self.key_len) {
                    self.trie_index.prefetch(hash_masked(k, m));
                }
            }
            for (o, k) in out.iter_mut().zip(keys) {
                *o = self.lookup(k).map(EntryHandle);
            }
        }
    }

    // ----- updates -----

    /// The node where prefix `p` of field bits `f` ends, creating the path when `create`.
    fn descend(&mut self, root: u32, f: &[u8], target: u32, create: bool) -> Option<u32> {
        let mut node = root;
        for d in 0..target {
            let idx = bits(f, self.level_start(d), self.level_stride(d)) as usize;
            let s = self.slot(node, idx);
            node = if s & CHILD != 0 {
                s & !CHILD
            } else if create {
                let child = self.alloc_node(
                    s,
                    NodeMeta {
                        inherited: s,
                        parent: node,
                        parent_slot: idx as u32,
                        prefixes: 0,
                        children: 0,
                    },
                );
                self.set_slot(node, idx, CHILD | child);
                self.meta[node as usize].children += 1;
                child
            } else {
                return None;
            };
        }
        Some(node)
    }

    /// The stored row whose match equals `c`.
    pub fn find(&self, c: &Canon) -> Option<u32> {
        let p = match c.matches.get(self.lpm_field) {
            Some(FieldMatch::Lpm { prefix_len, .. }) => *prefix_len,
            _ => 0,
        } + self.pad;
        let root = self.find_trie(&c.value)?;
        let f = c.value.get(self.lpm_off..self.lpm_off + self.lpm_len)?;
        let (d, l) = self.locate(p);
        let mut node = root;
        for lev in 0..d {
            let s = self.slot(
                node,
                bits(f, self.level_start(lev), self.level_stride(lev)) as usize,
            );
            if s & CHILD == 0 {
                return None;
            }
            node = s & !CHILD;
        }
        let v = bits(f, self.level_start(d), l);
        self.prefixes.get(&prefix_key(node, l, v)).copied()
    }

    /// Adds stored row `row` (absent from the trie).
    pub fn insert(&mut self, rows: &Rows, row: u32) {
        let fx = rows.fixed(row);
        let p = read_u32(fx);
        let key = fx.get(4..).unwrap_or(&[]);
        let Some(f) = key.get(self.lpm_off..self.lpm_off + self.lpm_len) else {
            return;
        };
        let root = self.find_or_create_trie(key);
        let (d, l) = self.locate(p);
        let Some(node) = self.descend(root, f, d, true) else {
            return;
        };
        let s = self.level_stride(d);
        let v = bits(f, self.level_start(d), l);
        self.prefixes.insert(prefix_key(node, l, v), row);
        self.meta[node as usize].prefixes += 1;
        let e = leaf(row);
        let lo = (v as usize) << (s - l);
        for idx in lo..lo + (1usize << (s - l)) {
            let cur = self.slot(node, idx);
            if cur & CHILD != 0 {
                self.push_down(rows, cur & !CHILD, e, p);
            } else if cur == NONE || Self::prefix_len_of(rows, cur) < p {
                self.set_slot(node, idx, e);
            }
        }
    }

    fn push_down(&mut self, rows: &Rows, child: u32, e: u32, p: u32) {
        let mut stack = vec![child];
        while let Some(n) = stack.pop() {
            let inh = self.meta[n as usize].inherited;
            if inh != NONE && Self::prefix_len_of(rows, inh) >= p {
                continue;
            }
            self.meta[n as usize].inherited = e;
            for s in self.lines[n as usize].0.iter_mut() {
                if *s & CHILD != 0 {
                    stack.push(*s & !CHILD);
                } else if *s == inh {
                    *s = e;
                }
            }
        }
    }

    fn pull_up(&mut self, child: u32, e: u32, r: u32) {
        let mut stack = vec![child];
        while let Some(n) = stack.pop() {
            if self.meta[n as usize].inherited != e {
                continue;
            }
            self.meta[n as usize].inherited = r;
            for s in self.lines[n as usize].0.iter_mut() {
                if *s & CHILD != 0 {
                    stack.push(*s & !CHILD);
                } else if *s == e {
                    *s = r;
                }
            }
        }
    }

    /// Removes stored row `row` (present in the trie).
    pub fn remove(&mut self, rows: &Rows, row: u32) {
        let fx = rows.fixed(row);
        let p = read_u32(fx);
        let key = fx.get(4..).unwrap_or(&[]);
        let (Some(root), Some(f)) = (
            self.find_trie(key),
            key.get(self.lpm_off..self.lpm_off + self.lpm_len),
        ) else {
            return;
        };
        let (d, l) = self.locate(p);
        let Some(node) = self.descend(root, f, d, false) else {
            return;
        };
        let s = self.level_stride(d);
        let v = bits(f, self.level_start(d), l);
        if self.prefixes.remove(&prefix_key(node, l, v)).is_none() {
            return;
        }
        let e = leaf(row);
        let min_l = u32::from(d > 0);
        let r = (min_l..l)
            .rev()
            .find_map(|l2| self.prefixes.get(&prefix_key(node, l2, v >> (l - l2))))
            .map_or(self.meta[node as usize].inherited, |&x| leaf(x));
        let lo = (v as usize) << (s - l);
        for idx in lo..lo + (1usize << (s - l)) {
            let cur = self.slot(node, idx);
            if cur & CHILD != 0 {
                self.pull_up(cur & !CHILD, e, r);
            } else if cur == e {
                self.set_slot(node, idx, r);
            }
        }
        self.meta[node as usize].prefixes -= 1;
        let mut n = node;
        while n != root
            && self.meta[n as usize].prefixes == 0
            && self.meta[n as usize].children == 0
        {
            let m = self.meta[n as usize];
            self.set_slot(m.parent, m.parent_slot as usize, m.inherited);
            self.meta[m.parent as usize].children -= 1;
            self.free_lines.push(n);
            n = m.parent;
        }
        let rm = self.meta[root as usize];
        if rm.prefixes == 0 && rm.children == 0 {
            self.drop_trie(key, root);
        }
    }

    pub fn clear(&mut self) {
        *self = LpmTable::new(
            std::mem::take(&mut self.fields),
            self.key_len,
            self.capacity,
        );
    }

    pub fn memory_bytes(&self) -> usize {
        self.lines.capacity() * std::mem::size_of::<Line>()
            + self.meta.capacity() * std::mem::size_of::<NodeMeta>()
            + self.free_lines.capacity() * 4
            + self.free_roots.capacity() * 4
            // hashbrown: one control byte per bucket, plus the (key, value) pair
            + self.prefixes.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
            + self
                .tries
                .iter()
                .map(|t| std::mem::size_of::<Trie>() + t.exact.len())
                .sum::<usize>()
            + self.trie_index.memory_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_extraction() {
        let b = [0b1010_1100, 0b0101_0011, 0xFF];
        assert_eq!(bits(&b, 0, 4), 0b1010);
        assert_eq!(bits(&b, 4, 4), 0b1100);
        assert_eq!(bits(&b, 2, 8), 0b1011_0001);
        assert_eq!(bits(&b, 0, 16), 0b1010_1100_0101_0011);
        assert_eq!(bits(&b, 12, 8), 0b0011_1111);
        assert_eq!(bits(&b, 20, 8), 0b1111_0000);
        assert_eq!(bits(&b, 0, 0), 0);
        assert_eq!(nibble(&b, 4), 0b1100);
        assert_eq!(nibble(&b, 12), 0b0011);
        assert_eq!(nibble(&b, 400), 0);
    }
}
