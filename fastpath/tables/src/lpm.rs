//! One LPM field plus any number of exact fields: a leaf-pushed multibit trie per exact part.
//!
//! # Structure
//! The LPM field is treated as a bit string of `8 * byte_len` bits; a prefix of length `p` on a
//! `w`-bit field is a prefix of length `p + pad` (`pad = 8 * byte_len - w`), since padding bits
//! are zero in every canonical value (and keys with them set match nothing).
//!
//! Each trie has a root node of `2^R` slots (for a single trie: R = 20 in a table of 64K+
//! entries, a 4 MiB root, and 16 in one of 16K+, 256 KiB; 8 otherwise, and never more than the
//! field's bits), then nodes of stride 4: 16 `u32` slots, exactly one 64-byte cache line. IPv4
//! lookups read at most 5 lines (with R = 20 the root and one node for a /24, with R = 16 the
//! root and two). The root's line is requested early (`prefetch_root`), the nodes below it are
//! each a dependent read: a wider root trades memory that scales with 2^R, not with the
//! entries, for a level less on every long prefix. A slot holds either a child node or a leaf: the entry
//! of the longest prefix covering that slot (leaf pushing), so a lookup never backtracks and reads
//! no per-node best-match side table.
//!
//! Path compression (LPM fields up to 128 bits): a node exists only where a prefix ends or paths
//! branch; a chain of single-child levels is skipped by a child pointer flagged `SKIP`, whose
//! target node records the key bits it stands for (a `u128` path and mask, checked in one xor)
//! and the leaf to return when they differ. This keeps sparse IPv6 tables shallow and small.
//! The key's LPM field is loaded once into a `u128`, so each level costs a shift and a load.
//!
//! # Updates
//! Prefixes ending in a node are recorded in a map `(node, local length, local bits) -> entry`;
//! each node also remembers the leaf it inherited from its ancestors. Inserting a prefix rewrites
//! the slots it covers that hold a shorter leaf and pushes itself down into covered children whose
//! inherited leaf is shorter; deleting restores the next-longer covering prefix of the same node
//! (or the inherited leaf) the same way. Inserting below a skipped chain splits it with a node at
//! the level where the new path diverges (or the prefix ends); deleting frees nodes left without
//! prefixes and children and splices out nodes left with a single child. The cost of an update is
//! bounded by the subtree under the prefix.
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
/// With `CHILD`: the child sits deeper than the next level; check its `Skip` first.
const SKIP: u32 = 1 << 30;
const IDX: u32 = SKIP - 1;
const NO_ROOT: u32 = u32::MAX;
/// Stride of every non-root node.
const STRIDE: u32 = 4;
const FANOUT: usize = 1 << STRIDE;
/// Keys walked in lockstep by `lookup_burst`.
const BURST: usize = 32;

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
    level: u32,
}

/// What a lookup needs to enter a node reached through a `SKIP` pointer.
#[derive(Clone, Copy, Debug, Default)]
struct Skip {
    /// Key bits above the node's level (left-aligned), all that a key reaching it has; as two
    /// words to keep the record at 24 bytes.
    path_hi: u64,
    path_lo: u64,
    /// Bit position where the node's slots start; the pointer skips the bits from the end of
    /// the parent's level up to here.
    pos: u32,
    /// The node's inherited leaf, returned when the skipped bits differ.
    inherited: u32,
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
    /// Path compression is on (LPM field of at most 16 bytes); `skips` parallels `lines`.
    compress: bool,
    skips: Vec<Skip>,
    free_lines: Vec<u32>,
    free_roots: Vec<u32>,
    prefixes: HashMap<u64, u32>,
    single_root: u32,
    tries: Vec<Trie>,
    free_tries: Vec<u32>,
    trie_index: HashIndex,
}

/// Bits `[start, start + n)` of `b` (big-endian bit order), `start % 8 + n <= 24` (a root of up
/// to 24 bits, or a node's 4); bits past the end are 0.
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

/// The top `n` bits set.
#[inline(always)]
fn top_mask(n: u32) -> u128 {
    match n {
        0 => 0,
        1..=127 => !0u128 << (128 - n),
        _ => !0,
    }
}

/// An LPM field of at most 16 bytes, left-aligned.
#[inline(always)]
fn field_u128(f: &[u8]) -> u128 {
    match f.len() {
        16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(f);
            u128::from_be_bytes(b)
        }
        4 => u128::from(u32::from_be_bytes([f[0], f[1], f[2], f[3]])) << 96,
        _ => f
            .iter()
            .take(16)
            .enumerate()
            .fold(0u128, |a, (i, &b)| a | (u128::from(b) << (120 - 8 * i))),
    }
}

impl Skip {
    #[inline(always)]
    fn path(&self) -> u128 {
        (u128::from(self.path_hi) << 64) | u128::from(self.path_lo)
    }

    fn set_path(&mut self, p: u128) {
        self.path_hi = (p >> 64) as u64;
        self.path_lo = p as u64;
    }

    /// Whether key `k`, at bit position `from` after the parent's level, may enter the node.
    #[inline(always)]
    fn admits(&self, k: u128, from: u32) -> bool {
        (k ^ self.path()) & (top_mask(self.pos) ^ top_mask(from)) == 0
    }
}

/// The key of a prefix of local length `l` and local bits `v` ending in `node` (a root's
/// bits are at most 24 wide: `v < 2^24`, `l <= 24`).
#[inline(always)]
fn prefix_key(node: u32, l: u32, v: u32) -> u64 {
    (u64::from(node) << 32) | (u64::from(l) << 24) | u64::from(v & 0xFF_FFFF)
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
        let wanted = match capacity {
            _ if !single => 8,
            c if c >= 1 << 16 => 20,
            c if c >= 1 << 14 => 16,
            _ => 8,
        };
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
            compress: lpm_len <= 16,
            skips: Vec::new(),
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
        let mut v = self.lpm_bits(c).to_le_bytes().to_vec();
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
                if self.compress {
                    self.skips.push(Skip::default());
                }
                (self.lines.len() - 1) as u32
            }
        };
        self.lines[n as usize] = Line([fill; FANOUT]);
        self.meta[n as usize] = meta;
        if let Some(sk) = self.skips.get_mut(n as usize) {
            *sk = Skip {
                inherited: meta.inherited,
                ..Skip::default()
            };
        }
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
                if self.compress {
                    self.skips.resize(self.lines.len(), Skip::default());
                }
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
            let node = (s & IDX) as usize;
            s = self.lines.get(node).map_or(NONE, |l| l.0[nibble(f, pos)]);
            pos += STRIDE;
        }
        s
    }

    /// `walk` for compressed tries, over the field loaded as a `u128`.
    #[inline(always)]
    fn walk128(&self, root: u32, k: u128) -> u32 {
        let r = self.root_stride;
        let idx = if r == 0 { 0 } else { (k >> (128 - r)) as usize };
        let mut s = self.slot(root, idx);
        let mut pos = r;
        while s & CHILD != 0 {
            let c = (s & IDX) as usize;
            if s & SKIP != 0 {
                let Some(sk) = self.skips.get(c) else {
                    return NONE;
                };
                if !sk.admits(k, pos) {
                    return sk.inherited;
                }
                pos = sk.pos;
            }
            if pos >= self.total_bits {
                return NONE;
            }
            let nib = ((k >> (124 - pos)) & 0xF) as usize;
            s = self.lines.get(c).map_or(NONE, |l| l.0[nib]);
            pos += STRIDE;
        }
        s
    }

    /// Requests the root slot `key` starts its walk at (single trie only: with exact fields,
    /// finding the trie is itself a lookup).
    #[inline]
    pub fn prefetch_root(&self, key: &[u8]) {
        if key.len() != self.key_len || self.exact_mask.is_some() || self.single_root == NO_ROOT {
            return;
        }
        let f = &key[self.lpm_off..self.lpm_off + self.lpm_len];
        let r = self.root_stride;
        let idx = if r == 0 {
            0
        } else if self.compress {
            (field_u128(f) >> (128 - r)) as usize
        } else {
            bits(f, 0, r) as usize
        };
        if let Some(l) = self.lines.get(self.single_root as usize + idx / FANOUT) {
            prefetch(l);
        }
    }

    #[inline]
    pub fn lookup(&self, key: &[u8]) -> Option<u32> {
        if key.len() != self.key_len {
            return None;
        }
        let root = self.find_trie(key)?;
        let f = &key[self.lpm_off..self.lpm_off + self.lpm_len];
        let l = if self.compress {
            self.walk128(root, field_u128(f))
        } else {
            self.walk(root, f)
        };
        match l {
            NONE => None,
            l => Some(l - 1),
        }
    }

    /// Prefetches the root slots of every key first (the hash buckets, with exact fields),
    /// then walks.
    /// With a single compressed trie, the keys of each chunk walk the trie in lockstep, one
    /// level per round, prefetching the next node of every key before reading any, so up to 32
    /// cache misses are in flight instead of one. Otherwise the root slots (or, with exact fields,
    /// the hash buckets) are prefetched before walking key by key.
    pub fn lookup_burst(&self, keys: &[&[u8]], out: &mut [Option<EntryHandle>]) {
        for (keys, out) in keys.chunks(BURST).zip(out.chunks_mut(BURST)) {
            if self.compress && self.exact_mask.is_none() && self.single_root != NO_ROOT {
                self.burst_lockstep(keys, out);
                continue;
            }
            if let Some(m) = &self.exact_mask {
                for k in keys.iter().filter(|k| k.len() == self.key_len) {
                    self.trie_index.prefetch(hash_masked(k, m));
                }
            }
            for (o, k) in out.iter_mut().zip(keys) {
                *o = self.lookup(k).map(EntryHandle);
            }
        }
    }

    fn burst_lockstep(&self, keys: &[&[u8]], out: &mut [Option<EntryHandle>]) {
        let n = keys.len().min(out.len()).min(BURST);
        let r = self.root_stride;
        let root = self.single_root as usize;
        let mut kv = [0u128; BURST];
        let mut slot = [NONE; BURST];
        let mut pos = [0u32; BURST];
        let mut idx = [0usize; BURST];
        for i in 0..n {
            if keys[i].len() == self.key_len {
                kv[i] = field_u128(&keys[i][self.lpm_off..self.lpm_off + self.lpm_len]);
                idx[i] = if r == 0 {
                    0
                } else {
                    (kv[i] >> (128 - r)) as usize
                };
                if let Some(l) = self.lines.get(root + idx[i] / FANOUT) {
                    prefetch(l);
                }
            }
        }
        for i in 0..n {
            if keys[i].len() == self.key_len {
                slot[i] = self.slot(root as u32, idx[i]);
                pos[i] = r;
                self.prefetch_child(slot[i]);
            }
        }
        let mut active = true;
        while active {
            active = false;
            for i in 0..n {
                let s = slot[i];
                if s & CHILD == 0 {
                    continue;
                }
                let c = (s & IDX) as usize;
                let mut p = pos[i];
                let mut next = NONE;
                let mut enter = true;
                if s & SKIP != 0 {
                    match self.skips.get(c) {
                        Some(sk) if sk.admits(kv[i], p) => p = sk.pos,
                        Some(sk) => {
                            next = sk.inherited;
                            enter = false;
                        }
                        None => enter = false,
                    }
                }
                if enter && p < self.total_bits {
                    let nib = ((kv[i] >> (124 - p)) & 0xF) as usize;
                    next = self.lines.get(c).map_or(NONE, |l| l.0[nib]);
                    self.prefetch_child(next);
                    active |= next & CHILD != 0;
                }
                slot[i] = if enter && p >= self.total_bits {
                    NONE
                } else {
                    next
                };
                pos[i] = p + STRIDE;
            }
        }
        for i in 0..n {
            out[i] = match slot[i] {
                NONE => None,
                l => Some(EntryHandle(l - 1)),
            };
        }
    }

    #[inline(always)]
    fn prefetch_child(&self, s: u32) {
        if s & CHILD != 0 {
            let c = (s & IDX) as usize;
            if let Some(l) = self.lines.get(c) {
                prefetch(l);
            }
            if s & SKIP != 0 {
                if let Some(sk) = self.skips.get(c) {
                    prefetch(sk);
                }
            }
        }
    }

    // ----- updates -----

    /// Level holding bit `b` (at or past the root's bits).
    fn level_of_bit(&self, b: u32) -> u32 {
        if b < self.root_stride {
            0
        } else {
            1 + (b - self.root_stride) / STRIDE
        }
    }

    fn set_inherited(&mut self, n: u32, v: u32) {
        self.meta[n as usize].inherited = v;
        if let Some(sk) = self.skips.get_mut(n as usize) {
            sk.inherited = v;
        }
    }

    /// Points slot `slot` of `parent` at `child`, flagging a skip when levels are jumped.
    fn link(&mut self, parent: u32, slot: usize, child: u32) {
        let pl = self.meta[parent as usize].level;
        let cl = self.meta[child as usize].level;
        let flag = if cl > pl + 1 { SKIP } else { 0 };
        self.set_slot(parent, slot, CHILD | flag | child);
        let m = &mut self.meta[child as usize];
        m.parent = parent;
        m.parent_slot = slot as u32;
        let to = self.level_start(cl);
        if let Some(sk) = self.skips.get_mut(child as usize) {
            sk.pos = to;
        }
    }

    /// Slot index of node `node` (at level `lv`) that field `f` selects.
    #[inline]
    fn slot_index(&self, lv: u32, f: &[u8]) -> usize {
        bits(f, self.level_start(lv), self.level_stride(lv)) as usize
    }

    /// The node at level `dt` on the path of `f` (`k`: the same as a `u128`), creating it (and
    /// splitting a skipped chain) when missing.
    fn descend_create(&mut self, root: u32, f: &[u8], k: u128, dt: u32) -> u32 {
        let mut node = root;
        loop {
            let lv = self.meta[node as usize].level;
            if lv >= dt {
                return node;
            }
            let idx = self.slot_index(lv, f);
            let s = self.slot(node, idx);
            if s & CHILD == 0 {
                let level = if self.compress { dt } else { lv + 1 };
                let c = self.alloc_node(
                    s,
                    NodeMeta {
                        inherited: s,
                        level,
                        ..NodeMeta::default()
                    },
                );
                let start = self.level_start(level);
                if let Some(sk) = self.skips.get_mut(c as usize) {
                    sk.set_path(k & top_mask(start));
                }
                self.link(node, idx, c);
                self.meta[node as usize].children += 1;
                node = c;
                continue;
            }
            let c = s & IDX;
            if !self.compress {
                node = c;
                continue;
            }
            let lc = self.meta[c as usize].level;
            let skipped = top_mask(self.level_start(lc)) & !top_mask(self.level_start(lv + 1));
            let diff = (k ^ self.skips[c as usize].path()) & skipped;
            let split = if diff == 0 {
                dt
            } else {
                self.level_of_bit(diff.leading_zeros()).min(dt)
            };
            if split >= lc {
                node = c;
                continue;
            }
            // A node at `split` between `node` and `c`, inheriting what `c` inherits (nothing
            // ends on the skipped levels).
            let inh = self.meta[c as usize].inherited;
            let m = self.alloc_node(
                inh,
                NodeMeta {
                    inherited: inh,
                    level: split,
                    children: 1,
                    ..NodeMeta::default()
                },
            );
            let start = self.level_start(split);
            self.skips[m as usize].set_path(k & top_mask(start));
            self.link(node, idx, m);
            let c_idx = ((self.skips[c as usize].path() >> (124 - start)) & 0xF) as usize;
            self.link(m, c_idx, c);
            node = m;
        }
    }

    /// The existing node at level `dt` on the path of `f`.
    fn locate_node(&self, root: u32, f: &[u8], k: u128, dt: u32) -> Option<u32> {
        let mut node = root;
        loop {
            let lv = self.meta.get(node as usize)?.level;
            if lv == dt {
                return Some(node);
            }
            if lv > dt {
                return None;
            }
            let s = self.slot(node, self.slot_index(lv, f));
            if s & CHILD == 0 {
                return None;
            }
            let c = s & IDX;
            if s & SKIP != 0 {
                let sk = self.skips.get(c as usize)?;
                if !sk.admits(k, self.level_start(lv + 1)) {
                    return None;
                }
            }
            node = c;
        }
    }

    fn lpm_bits(&self, c: &Canon) -> u32 {
        let p = match c.matches.get(self.lpm_field) {
            Some(FieldMatch::Lpm { prefix_len, .. }) => *prefix_len,
            _ => 0,
        };
        p + self.pad
    }

    /// The stored row whose match equals `c`.
    pub fn find(&self, c: &Canon) -> Option<u32> {
        let p = self.lpm_bits(c);
        let root = self.find_trie(&c.value)?;
        let f = c.value.get(self.lpm_off..self.lpm_off + self.lpm_len)?;
        let (d, l) = self.locate(p);
        let node = self.locate_node(root, f, field_u128(f), d)?;
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
        let node = self.descend_create(root, f, field_u128(f), d);
        let s = self.level_stride(d);
        let v = bits(f, self.level_start(d), l);
        self.prefixes.insert(prefix_key(node, l, v), row);
        self.meta[node as usize].prefixes += 1;
        let e = leaf(row);
        let lo = (v as usize) << (s - l);
        for idx in lo..lo + (1usize << (s - l)) {
            let cur = self.slot(node, idx);
            if cur & CHILD != 0 {
                self.push_down(rows, cur & IDX, e, p);
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
            self.set_inherited(n, e);
            for s in self.lines[n as usize].0.iter_mut() {
                if *s & CHILD != 0 {
                    stack.push(*s & IDX);
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
            self.set_inherited(n, r);
            for s in self.lines[n as usize].0.iter_mut() {
                if *s & CHILD != 0 {
                    stack.push(*s & IDX);
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
        let Some(node) = self.locate_node(root, f, field_u128(f), d) else {
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
                self.pull_up(cur & IDX, e, r);
            } else if cur == e {
                self.set_slot(node, idx, r);
            }
        }
        self.meta[node as usize].prefixes -= 1;
        let mut n = node;
        while n != root {
            let m = self.meta[n as usize];
            if m.prefixes > 0 || m.children >= 2 {
                break;
            }
            if m.children == 0 {
                self.set_slot(m.parent, m.parent_slot as usize, m.inherited);
                self.meta[m.parent as usize].children -= 1;
                self.free_lines.push(n);
                n = m.parent;
            } else {
                // One child and nothing ending here: splice the node out (compressed tries).
                if !self.compress {
                    break;
                }
                let Some(&only) = self.lines[n as usize].0.iter().find(|s| **s & CHILD != 0) else {
                    break;
                };
                self.link(m.parent, m.parent_slot as usize, only & IDX);
                self.free_lines.push(n);
                break;
            }
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
            + self.skips.capacity() * std::mem::size_of::<Skip>()
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
