//! Ternary, range and optional fields (and LPM mixed with them): priority-ordered tuple space
//! search.
//!
//! Entries are grouped by their mask over the whole key (a "tuple"); each group has a
//! [`HashIndex`] on the masked key. Groups are kept sorted by the highest priority they hold, and
//! a lookup stops at the first group whose highest priority is below the best match so far, so
//! tables whose high-priority rules share few masks probe few groups.
//!
//! Ranges: a range field whose range is a single value is hashed like an exact field, a full range
//! is a wildcard, and any other range leaves the field out of the group's mask and is checked
//! after the hash probe. Entries with the same masked key form a chain sorted by priority, so the
//! check walks only entries that share all non-range fields, best first. (Range-to-prefix
//! expansion would avoid the walk but multiplies entries by up to `2w - 2` per range field.)
//!
//! Priority: larger wins; among equal priorities the entry inserted first wins (modify keeps an
//! entry's place).

use std::collections::{BTreeMap, HashMap};

use crate::canon::{Canon, RangeCheck};
use crate::hash::{hash_bytes, hash_masked, key_words, masked_eq, short_hash, word_count};
use crate::index::HashIndex;
use crate::types::FieldMatch;
use crate::EntryHandle;

const NIL: u32 = u32::MAX;

/// The hash a group's index files a masked value under: [`short_hash`] of its words for keys
/// of up to `MAX_WORDS` words, [`hash_bytes`] beyond (where lookups use [`hash_masked`]).
fn value_hash(words: usize, value: &[u8]) -> u64 {
    if words <= MAX_WORDS {
        let mut w = [0u64; MAX_WORDS];
        key_words(value, &mut w);
        short_hash(value.len(), &w[..words])
    } else {
        hash_bytes(value)
    }
}

#[derive(Clone, Debug)]
struct Group {
    mask: Box<[u8]>,
    /// Count of entries per priority, to keep `max_priority` on deletes.
    priorities: BTreeMap<i32, u32>,
    max_priority: i32,
}

#[derive(Clone, Debug, Default)]
struct TssEntry {
    group: u32,
    value: Box<[u8]>,
    ranges: Box<[RangeCheck]>,
    priority: i32,
    seq: u64,
    next: u32,
    matches: Vec<FieldMatch>,
}

impl TssEntry {
    /// Whether `self` ranks before an entry of priority `p` inserted at `seq`.
    #[inline(always)]
    fn beats(&self, p: i32, seq: u64) -> bool {
        self.priority > p || (self.priority == p && self.seq < seq)
    }
}

/// Keys of up to this many 8-byte words (32 bytes) take the word-wise lookup.
const MAX_WORDS: usize = 4;

/// What a lookup reads of a group, kept contiguous in probe order: the group's mask as hash
/// words (see [`key_words`]), so a key is converted once per lookup and masked a word at a time.
#[derive(Clone, Debug)]
struct Hot {
    group: u32,
    max_priority: i32,
    mask: [u64; MAX_WORDS],
}

#[derive(Clone, Debug)]
pub(crate) struct TssTable {
    key_len: usize,
    /// `word_count(key_len)`, at least 1.
    words: usize,
    /// One per live group, in the order of `order` (rebuilt with it).
    hot: Vec<Hot>,
    /// Every entry's masked value as hash words (`words` per row) when `words <= MAX_WORDS`.
    value_words: Vec<u64>,
    groups: Vec<Option<Group>>,
    /// Each group's index of masked values, by group number (empty for free numbers): apart
    /// from the groups, so that a lookup reaches it in one step.
    indexes: Vec<HashIndex>,
    /// Live groups, highest `max_priority` first.
    order: Vec<u32>,
    group_of_mask: HashMap<Box<[u8]>, u32>,
    free_groups: Vec<u32>,
    entries: Vec<TssEntry>,
    /// Every entry's masked value again, flat (`key_len` bytes per row), for keys longer than
    /// `MAX_WORDS` words: lookups compare against it without a pointer chase.
    values: Vec<u8>,
    next_seq: u64,
}

/// Groups hashed (and their buckets prefetched) ahead of probing, so that the hash
/// computations and bucket reads of a lookup overlap.
const GROUPS_AHEAD: usize = 16;

/// Highest load of a group's index, in per cent: a lookup looks at one bucket in every group
/// and searches further only on a tag match or an overflowed bucket, so groups keep their
/// buckets sparser than exact tables do.
const GROUP_LOAD: usize = 40;

impl TssTable {
    pub fn new(key_len: usize) -> TssTable {
        TssTable {
            key_len,
            // At least one word: a zero-length key is the word 0, in lookups and entries alike.
            words: word_count(key_len).max(1),
            hot: Vec::new(),
            value_words: Vec::new(),
            groups: Vec::new(),
            indexes: Vec::new(),
            order: Vec::new(),
            group_of_mask: HashMap::new(),
            free_groups: Vec::new(),
            entries: Vec::new(),
            values: Vec::new(),
            next_seq: 0,
        }
    }

    pub fn groups(&self) -> usize {
        self.order.len()
    }

    #[inline]
    fn entry(&self, row: u32) -> Option<&TssEntry> {
        self.entries.get(row as usize)
    }

    /// The chain head for masked key `value` in group `gi`.
    fn head(&self, gi: u32, value: &[u8]) -> Option<u32> {
        self.indexes
            .get(gi as usize)?
            .find(value_hash(self.words, value), |r| {
                self.entry(r).is_some_and(|e| *e.value == *value)
            })
    }

    #[inline]
    pub fn lookup(&self, key: &[u8]) -> Option<u32> {
        if key.len() != self.key_len {
            return None;
        }
        match self.words {
            0 | 1 => self.lookup_words::<1>(key),
            2 => self.lookup_words::<2>(key),
            3 => self.lookup_words::<3>(key),
            4 => self.lookup_words::<4>(key),
            _ => self.lookup_bytes(key),
        }
    }

    /// The lookup for keys of `W <= MAX_WORDS` words: the key converted to hash words once,
    /// then per group a masked hash of `W` words and one look at the home bucket; only a
    /// group whose bucket may hold the key is searched (values compared as words). The
    /// groups are independent, so the processor overlaps their bucket reads.
    #[inline(always)]
    fn lookup_words<const W: usize>(&self, key: &[u8]) -> Option<u32> {
        let kl = self.key_len;
        let mut kw = [0u64; W];
        key_words(key, &mut kw);
        let mut best: Option<(i32, u64, u32)> = None;
        for g in &self.hot {
            if let Some((bp, _, _)) = best {
                if g.max_priority < bp {
                    break;
                }
            }
            let mut m = [0u64; W];
            for i in 0..W {
                m[i] = kw[i] & g.mask[i];
            }
            let h = short_hash(kl, &m);
            let Some(ix) = self.indexes.get(g.group as usize) else {
                continue;
            };
            if ix.may_hold(h) {
                self.search_group(ix, h, &m, key, &mut best);
            }
        }
        best.map(|(_, _, r)| r)
    }

    /// The rest of a group's search in [`TssTable::lookup_words`], out of line (about one
    /// group per lookup gets here): the entry whose value is `masked`, then its chain for
    /// range checks and priorities.
    #[inline(never)]
    fn search_group<const W: usize>(
        &self,
        ix: &HashIndex,
        h: u64,
        masked: &[u64; W],
        key: &[u8],
        best: &mut Option<(i32, u64, u32)>,
    ) {
        let vw = &self.value_words;
        let Some(mut r) = ix.find(h, |r| {
            let at = r as usize * W;
            vw.get(at..at + W).is_some_and(|v| v == masked)
        }) else {
            return;
        };
        while let Some(e) = self.entry(r) {
            if let Some((bp, bs, _)) = *best {
                if !e.beats(bp, bs) {
                    break;
                }
            }
            if e.ranges.iter().all(|rc| rc.contains(key)) {
                *best = Some((e.priority, e.seq, r));
                break;
            }
            r = e.next;
        }
    }

    /// The lookup for long keys, on bytes.
    fn lookup_bytes(&self, key: &[u8]) -> Option<u32> {
        let kl = self.key_len;
        let mut best: Option<(i32, u64, u32)> = None;
        let mut hashes = [0u64; GROUPS_AHEAD];
        'chunks: for chunk in self.order.chunks(GROUPS_AHEAD) {
            // Hash the key under every mask of the chunk and start the bucket reads...
            for (h, &gi) in hashes.iter_mut().zip(chunk) {
                if let Some(g) = self.groups.get(gi as usize).and_then(Option::as_ref) {
                    *h = hash_masked(key, &g.mask);
                    if let Some(ix) = self.indexes.get(gi as usize) {
                        ix.prefetch(*h);
                    }
                }
            }
            // ...then probe them in priority order.
            for (&h, &gi) in hashes.iter().zip(chunk) {
                let Some(g) = self.groups.get(gi as usize).and_then(Option::as_ref) else {
                    continue;
                };
                if let Some((bp, _, _)) = best {
                    if g.max_priority < bp {
                        break 'chunks;
                    }
                }
                let values = &self.values;
                let Some(ix) = self.indexes.get(gi as usize) else {
                    continue;
                };
                let Some(mut r) = ix.find(h, |r| {
                    let at = r as usize * kl;
                    values
                        .get(at..at + kl)
                        .is_some_and(|v| masked_eq(key, &g.mask, v))
                }) else {
                    continue;
                };
                while let Some(e) = self.entry(r) {
                    if let Some((bp, bs, _)) = best {
                        if !e.beats(bp, bs) {
                            break;
                        }
                    }
                    if e.ranges.iter().all(|rc| rc.contains(key)) {
                        best = Some((e.priority, e.seq, r));
                        break;
                    }
                    r = e.next;
                }
            }
        }
        best.map(|(_, _, r)| r)
    }

    pub fn lookup_burst(&self, keys: &[&[u8]], out: &mut [Option<EntryHandle>]) {
        for (o, k) in out.iter_mut().zip(keys) {
            *o = self.lookup(k).map(EntryHandle);
        }
    }

    pub fn find(&self, c: &Canon, priority: i32) -> Option<u32> {
        let gi = *self.group_of_mask.get(&*c.mask)?;
        self.groups.get(gi as usize)?.as_ref()?;
        let mut r = self.head(gi, &c.value)?;
        while let Some(e) = self.entry(r) {
            if e.priority == priority && e.matches == c.matches {
                return Some(r);
            }
            r = e.next;
        }
        None
    }

    fn resort(&mut self) {
        let groups = &self.groups;
        let prio = |g: &u32| {
            groups
                .get(*g as usize)
                .and_then(Option::as_ref)
                .map_or(i32::MIN, |g| g.max_priority)
        };
        self.order
            .sort_by(|a, b| prio(b).cmp(&prio(a)).then(a.cmp(b)));
        self.rebuild_hot();
    }

    /// Recomputes `hot` from `order` and the groups.
    fn rebuild_hot(&mut self) {
        self.hot.clear();
        for &gi in &self.order {
            if let Some(g) = self.groups.get(gi as usize).and_then(Option::as_ref) {
                let mut mask = [0u64; MAX_WORDS];
                key_words(&g.mask, &mut mask);
                self.hot.push(Hot {
                    group: gi,
                    max_priority: g.max_priority,
                    mask,
                });
            }
        }
    }

    /// Adds row `row` (absent) with match `c`.
    pub fn insert(&mut self, c: Canon, priority: i32, row: u32) {
        let mut reorder = false;
        let gi = match self.group_of_mask.get(&*c.mask) {
            Some(&g) => g,
            None => {
                reorder = true;
                let g = Group {
                    mask: c.mask.clone().into_boxed_slice(),
                    priorities: BTreeMap::new(),
                    max_priority: priority,
                };
                let gi = match self.free_groups.pop() {
                    Some(gi) => {
                        self.groups[gi as usize] = Some(g);
                        self.indexes[gi as usize] = HashIndex::new();
                        gi
                    }
                    None => {
                        self.groups.push(Some(g));
                        self.indexes.push(HashIndex::new());
                        (self.groups.len() - 1) as u32
                    }
                };
                self.group_of_mask
                    .insert(c.mask.clone().into_boxed_slice(), gi);
                self.order.push(gi);
                gi
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.entries.len() <= row as usize {
            self.entries.resize(row as usize + 1, TssEntry::default());
        }
        let h = value_hash(self.words, &c.value);
        let kl = self.key_len;
        let w = self.words;
        if w > MAX_WORDS {
            if self.values.len() < (row as usize + 1) * kl {
                self.values.resize((row as usize + 1) * kl, 0);
            }
            if c.value.len() == kl {
                self.values[row as usize * kl..(row as usize + 1) * kl].copy_from_slice(&c.value);
            }
        } else {
            if self.value_words.len() < (row as usize + 1) * w {
                self.value_words.resize((row as usize + 1) * w, 0);
            }
            key_words(
                &c.value,
                &mut self.value_words[row as usize * w..(row as usize + 1) * w],
            );
        }
        self.entries[row as usize] = TssEntry {
            group: gi,
            value: c.value.into_boxed_slice(),
            ranges: c.ranges.into_boxed_slice(),
            priority,
            seq,
            next: NIL,
            matches: c.matches,
        };
        let (Some(g), Some(index)) = (
            self.groups[gi as usize].as_mut(),
            self.indexes.get_mut(gi as usize),
        ) else {
            return;
        };
        let entries = &mut self.entries;
        let value = entries[row as usize].value.clone();
        match index.find(h, |r| {
            entries.get(r as usize).is_some_and(|e| e.value == value)
        }) {
            None => {
                let ents = &*entries;
                let words = self.words;
                index.insert_max_load(
                    h,
                    row,
                    |r| value_hash(words, &ents[r as usize].value),
                    GROUP_LOAD,
                );
            }
            Some(head) if !entries[head as usize].beats(priority, seq) => {
                entries[row as usize].next = head;
                index.replace(h, |r| r == head, row);
            }
            Some(head) => {
                // Walk to the last entry that still ranks before the new one.
                let mut prev = head;
                loop {
                    let n = entries[prev as usize].next;
                    if n == NIL || !entries[n as usize].beats(priority, seq) {
                        break;
                    }
                    prev = n;
                }
                entries[row as usize].next = entries[prev as usize].next;
                entries[prev as usize].next = row;
            }
        }
        *g.priorities.entry(priority).or_insert(0) += 1;
        if priority > g.max_priority {
            g.max_priority = priority;
            reorder = true;
        }
        if reorder {
            self.resort();
        }
    }

    /// Removes row `row` (present).
    pub fn remove(&mut self, row: u32) {
        let Some(e) = self.entries.get(row as usize) else {
            return;
        };
        let (gi, priority, next) = (e.group, e.priority, e.next);
        let value = e.value.clone();
        let (Some(g), Some(index)) = (
            self.groups.get_mut(gi as usize).and_then(Option::as_mut),
            self.indexes.get_mut(gi as usize),
        ) else {
            return;
        };
        let entries = &mut self.entries;
        let h = value_hash(self.words, &value);
        let Some(head) = index.find(h, |r| {
            entries.get(r as usize).is_some_and(|e| e.value == value)
        }) else {
            return;
        };
        if head == row {
            if next == NIL {
                index.remove(h, |r| r == row);
            } else {
                index.replace(h, |r| r == row, next);
            }
        } else {
            let mut prev = head;
            while entries[prev as usize].next != row {
                prev = entries[prev as usize].next;
                if prev == NIL {
                    return;
                }
            }
            entries[prev as usize].next = next;
        }
        entries[row as usize] = TssEntry::default();
        if let Some(c) = g.priorities.get_mut(&priority) {
            *c -= 1;
            if *c == 0 {
                g.priorities.remove(&priority);
            }
        }
        match g.priorities.keys().next_back().copied() {
            None => {
                let mask = g.mask.clone();
                self.groups[gi as usize] = None;
                self.indexes[gi as usize] = HashIndex::new();
                self.group_of_mask.remove(&mask);
                self.order.retain(|&x| x != gi);
                self.free_groups.push(gi);
                self.rebuild_hot();
            }
            Some(m) if m != g.max_priority => {
                g.max_priority = m;
                self.resort();
            }
            Some(_) => {}
        }
    }

    pub fn spec(&self, row: u32) -> (Vec<FieldMatch>, i32) {
        self.entry(row)
            .map(|e| (e.matches.clone(), e.priority))
            .unwrap_or_default()
    }

    pub fn clear(&mut self) {
        *self = TssTable::new(self.key_len);
    }

    pub fn memory_bytes(&self) -> usize {
        let groups: usize = self
            .groups
            .iter()
            .flatten()
            .map(|g| std::mem::size_of::<Group>() + 2 * g.mask.len() + g.priorities.len() * 16)
            .sum::<usize>()
            + self
                .indexes
                .iter()
                .map(|ix| std::mem::size_of::<HashIndex>() + ix.memory_bytes())
                .sum::<usize>();
        let entries: usize = self
            .entries
            .iter()
            .map(|e| {
                std::mem::size_of::<TssEntry>()
                    + e.value.len()
                    + e.ranges.iter().map(|r| 2 * r.lo.len() + 24).sum::<usize>()
                    + e.matches.capacity() * std::mem::size_of::<FieldMatch>()
                    + e.matches
                        .iter()
                        .map(|m| match m {
                            FieldMatch::Exact(v) | FieldMatch::Lpm { value: v, .. } => v.len(),
                            FieldMatch::Ternary { value, mask } => value.len() + mask.len(),
                            FieldMatch::Range { lo, hi } => lo.len() + hi.len(),
                            FieldMatch::Any => 0,
                        })
                        .sum::<usize>()
            })
            .sum();
        groups
            + entries
            + self.values.capacity()
            + self.value_words.capacity() * 8
            + self.hot.capacity() * std::mem::size_of::<Hot>()
            + self.order.capacity() * 4
    }
}
