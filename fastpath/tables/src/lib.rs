//! Match tables for the ExoPlane fast path.
//!
//! [`Table::new`] picks a structure specialised to the key layout ([`Table::structure`]):
//! - all fields exact: a bucketized hash index (64-byte buckets of 10 tagged slots, overflow
//!   counts instead of tombstones) over a flat arena of fixed-stride rows (`src/exact.rs`,
//!   `src/index.rs`);
//! - one LPM field, the others exact: a leaf-pushed, path-compressed multibit trie (16-bit root,
//!   then 4-bit strides, one cache line per node) per exact part (`src/lpm.rs`);
//! - anything else (ternary, range, optional, LPM mixed with those, several LPM fields):
//!   priority-ordered tuple space search with range checks after the hash probe (`src/tss.rs`).
//!
//! Contract: no I/O, no clock (callers pass `now_ns`), deterministic (fixed hash seed), and no
//! operation panics on any input: bad entries are [`TableError`]s, bad keys and stale handles
//! give `None`, `0` or empty values. Lookups allocate nothing. Entry data (key, action, action data,
//! last-hit time) lives in one arena of rows; an [`EntryHandle`] is the row index, valid until
//! the entry is deleted (then reused).
//!
//! Semantics: keys are canonical big-endian fields (see [`KeyLayout`]); a key with padding bits
//! set matches nothing. LPM tables: longest prefix wins, priority is ignored. Tuple-space tables:
//! larger priority wins, ties go to the entry inserted first. Entries are identified by their
//! canonical match ([`FieldMatch`]), plus priority in tuple-space tables.

#![deny(unsafe_code)]

mod canon;
mod exact;
mod hash;
mod index;
mod lpm;
mod prefetch;
mod rows;
mod tss;
mod types;

use std::sync::atomic::{AtomicU64, Ordering};

pub use hash::hash_bytes;
pub use prefetch::prefetch_bytes;
pub use types::{EntryHandle, EntrySpec, FieldMatch, KeyField, KeyLayout, MatchKind, TableError};

use canon::{canonicalize, field_infos, Canon, FieldInfo};
use exact::ExactTable;
use lpm::LpmTable;
use rows::{Rows, MAX_DATA};
use tss::TssTable;

/// Longest key a table accepts (bytes); a layout with longer keys refuses every entry.
pub const MAX_KEY_LEN: usize = 4096;
/// Most entries a table holds whatever its capacity (handles are `u32`, trie leaves use 31 bits).
pub const MAX_ENTRIES: usize = (1 << 31) - 2;

/// Which structure a table uses (see the crate docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Structure {
    Exact,
    Lpm,
    TupleSpace,
}

#[derive(Clone, Debug)]
enum Engine {
    Exact(ExactTable),
    Lpm(Box<LpmTable>),
    Tss(Box<TssTable>),
}

/// A match table: entries, their actions and data, and their last-hit times.
#[derive(Debug)]
pub struct Table {
    layout: KeyLayout,
    fields: Vec<FieldInfo>,
    key_len: usize,
    capacity: usize,
    rows: Rows,
    engine: Engine,
    /// Latest time seen (`record_hit`, `idle_entries`, `advance_clock`): new entries are stamped
    /// with it, so their idle timer starts at insertion.
    clock: AtomicU64,
}

impl Clone for Table {
    fn clone(&self) -> Self {
        Table {
            layout: self.layout.clone(),
            fields: self.fields.clone(),
            key_len: self.key_len,
            capacity: self.capacity,
            rows: self.rows.clone(),
            engine: self.engine.clone(),
            clock: AtomicU64::new(self.clock.load(Ordering::Relaxed)),
        }
    }
}

impl Table {
    /// A table for keys of `layout` holding at most `capacity` entries (the P4 `size`).
    pub fn new(layout: KeyLayout, capacity: usize) -> Table {
        let fields = field_infos(&layout);
        let key_len = layout.key_len();
        let lpm_fields = fields.iter().filter(|f| f.kind == MatchKind::Lpm).count();
        let all_exact = fields.iter().all(|f| f.kind == MatchKind::Exact);
        let lpm_only = lpm_fields == 1
            && fields
                .iter()
                .all(|f| matches!(f.kind, MatchKind::Exact | MatchKind::Lpm));
        // An over-long key refuses every entry (see `canon`); keep such a table allocation-free.
        let engine = if all_exact || key_len > MAX_KEY_LEN {
            Engine::Exact(ExactTable::new(key_len))
        } else if lpm_only {
            Engine::Lpm(Box::new(LpmTable::new(fields.clone(), key_len, capacity)))
        } else {
            Engine::Tss(Box::new(TssTable::new(key_len)))
        };
        let fixed = match &engine {
            Engine::Exact(_) => key_len,
            Engine::Lpm(l) => l.fixed_len(),
            Engine::Tss(_) => 0,
        };
        let fixed = if key_len > MAX_KEY_LEN { 0 } else { fixed };
        Table {
            layout,
            fields,
            key_len,
            capacity,
            rows: Rows::new(fixed, capacity.min(MAX_ENTRIES)),
            engine,
            clock: AtomicU64::new(0),
        }
    }

    /// The structure chosen for this table's layout.
    pub fn structure(&self) -> Structure {
        match self.engine {
            Engine::Exact(_) => Structure::Exact,
            Engine::Lpm(_) => Structure::Lpm,
            Engine::Tss(_) => Structure::TupleSpace,
        }
    }

    pub fn layout(&self) -> &KeyLayout {
        &self.layout
    }

    fn canon(&self, matches: &[FieldMatch]) -> Result<Canon, TableError> {
        if self.key_len > MAX_KEY_LEN {
            return Err(TableError::BadKey(format!(
                "key of {} bytes exceeds the {MAX_KEY_LEN}-byte limit",
                self.key_len
            )));
        }
        canonicalize(&self.fields, self.key_len, matches)
    }

    fn find_canon(&self, c: &Canon, priority: i32) -> Option<u32> {
        match &self.engine {
            Engine::Exact(e) => e.lookup(&self.rows, &c.value),
            Engine::Lpm(l) => l.find(c),
            Engine::Tss(t) => t.find(c, priority),
        }
    }

    /// Adds an entry. Errors, in this order: `BadKey`, `Duplicate`, `Full`.
    pub fn insert(&mut self, e: EntrySpec) -> Result<EntryHandle, TableError> {
        let c = self.canon(&e.matches)?;
        if e.data.len() > MAX_DATA {
            return Err(TableError::BadKey(format!(
                "action data of {} bytes exceeds {MAX_DATA}",
                e.data.len()
            )));
        }
        if self.find_canon(&c, e.priority).is_some() {
            return Err(TableError::Duplicate);
        }
        if self.rows.len() >= self.capacity.min(MAX_ENTRIES) {
            return Err(TableError::Full {
                capacity: self.capacity,
            });
        }
        let now = self.clock.load(Ordering::Relaxed);
        let row = match &mut self.engine {
            Engine::Exact(x) => {
                let row = self.rows.alloc(&c.value, e.action, &e.data, now);
                x.insert(&self.rows, row);
                row
            }
            Engine::Lpm(l) => {
                let row = self.rows.alloc(&l.fixed_part(&c), e.action, &e.data, now);
                l.insert(&self.rows, row);
                row
            }
            Engine::Tss(t) => {
                let row = self.rows.alloc(&[], e.action, &e.data, now);
                t.insert(c, e.priority, row);
                row
            }
        };
        Ok(EntryHandle(row))
    }

    /// Replaces the action and data of the entry with this match (and priority, for tuple-space
    /// tables). Its handle, insertion order and last-hit time are kept.
    pub fn modify(
        &mut self,
        matches: &[FieldMatch],
        priority: i32,
        action: u32,
        data: &[u8],
    ) -> Result<EntryHandle, TableError> {
        let c = self.canon(matches)?;
        if data.len() > MAX_DATA {
            return Err(TableError::BadKey(format!(
                "action data of {} bytes exceeds {MAX_DATA}",
                data.len()
            )));
        }
        let row = self.find_canon(&c, priority).ok_or(TableError::NotFound)?;
        self.rows.set_action_data(row, action, data);
        Ok(EntryHandle(row))
    }

    /// Removes the entry with this match (and priority, for tuple-space tables).
    pub fn delete(&mut self, matches: &[FieldMatch], priority: i32) -> Result<(), TableError> {
        let c = self.canon(matches)?;
        let row = self.find_canon(&c, priority).ok_or(TableError::NotFound)?;
        match &mut self.engine {
            Engine::Exact(x) => {
                x.remove(&self.rows, &c.value);
            }
            Engine::Lpm(l) => l.remove(&self.rows, row),
            Engine::Tss(t) => t.remove(row),
        }
        self.rows.release(row);
        Ok(())
    }

    /// The entry with exactly this match (and priority, for tuple-space tables); `None` also for
    /// matches that are not valid for the layout.
    pub fn find(&self, matches: &[FieldMatch], priority: i32) -> Option<EntryHandle> {
        let c = self.canon(matches).ok()?;
        self.find_canon(&c, priority).map(EntryHandle)
    }

    /// Removes every entry; all handles become invalid.
    pub fn clear(&mut self) {
        self.rows.clear();
        match &mut self.engine {
            Engine::Exact(x) => x.clear(),
            Engine::Lpm(l) => l.clear(),
            Engine::Tss(t) => t.clear(),
        }
    }

    /// Starts bringing what a later `lookup(key)` reads into the cache (exact tables: the
    /// key's home bucket). Returns a token for [`Table::prefetch_entry`], which should come a
    /// while later (after the other keys of a burst were started). A hint: no effect on
    /// results; other table kinds do nothing and return `None`.
    #[inline]
    pub fn prefetch_bucket(&self, key: &[u8]) -> Option<u64> {
        match &self.engine {
            Engine::Exact(x) => x.prefetch_bucket(key),
            _ => None,
        }
    }

    /// Requests the first line a lookup of `key` will read where that line does not depend
    /// on another read: an LPM table's root slot (one trie, no exact fields). A hint; other
    /// structures do nothing.
    #[inline]
    pub fn prefetch_start(&self, key: &[u8]) {
        if let Engine::Lpm(l) = &self.engine {
            l.prefetch_root(key);
        }
    }

    /// Second prefetch stage: reads the bucket started by [`Table::prefetch_bucket`] and
    /// requests the entry it points to.
    #[inline]
    pub fn prefetch_entry(&self, token: u64) {
        if let Engine::Exact(x) = &self.engine {
            x.prefetch_row(&self.rows, token);
        }
    }

    /// The entry matching `key`; `None` on a miss or when `key.len() != layout.key_len()`.
    #[inline]
    pub fn lookup(&self, key: &[u8]) -> Option<EntryHandle> {
        match &self.engine {
            Engine::Exact(x) => x.lookup(&self.rows, key),
            Engine::Lpm(l) => l.lookup(key),
            Engine::Tss(t) => t.lookup(key),
        }
        .map(EntryHandle)
    }

    /// [`Table::lookup`] given `h == hash_bytes(key)`, computed by the caller, for a key whose
    /// length is known at compile time: code generated per program hashes a key it has just
    /// built in registers (without reading it back from memory), and exact tables compare
    /// keys with a fixed-size compare. Only exact tables use `h`; the others look `key` up as
    /// [`Table::lookup`].
    #[inline]
    pub fn lookup_hashed_n<const N: usize>(&self, key: &[u8; N], h: u64) -> Option<EntryHandle> {
        match &self.engine {
            Engine::Exact(x) => x.lookup_n(&self.rows, key, h).map(EntryHandle),
            _ => self.lookup(key),
        }
    }

    /// Burst lookup: hash all keys first, prefetch their buckets, then probe.
    /// `out[i]` receives the result for `keys[i]`; extra elements of the longer slice are left
    /// alone.
    pub fn lookup_burst(&self, keys: &[&[u8]], out: &mut [Option<EntryHandle>]) {
        match &self.engine {
            Engine::Exact(x) => x.lookup_burst(&self.rows, keys, out),
            Engine::Lpm(l) => l.lookup_burst(keys, out),
            Engine::Tss(t) => t.lookup_burst(keys, out),
        }
    }

    /// The entry's action id (0 for a stale handle).
    #[inline]
    pub fn action(&self, h: EntryHandle) -> u32 {
        if self.rows.is_live(h.0) {
            self.rows.action(h.0)
        } else {
            0
        }
    }

    /// [`Table::action`] and [`Table::data`] at once (action 0 and no data for a stale
    /// handle).
    #[inline]
    pub fn entry(&self, h: EntryHandle) -> (u32, &[u8]) {
        if self.rows.is_live(h.0) {
            self.rows.action_data(h.0)
        } else {
            (0, &[])
        }
    }

    /// The entry's action data (empty for a stale handle).
    #[inline]
    pub fn data(&self, h: EntryHandle) -> &[u8] {
        if self.rows.is_live(h.0) {
            self.rows.data(h.0)
        } else {
            &[]
        }
    }

    /// The entry as it would be read back: canonical matches (see [`FieldMatch`]), priority
    /// (0 for exact and LPM tables), action and data. A stale handle gives an empty spec.
    pub fn spec(&self, h: EntryHandle) -> EntrySpec {
        if !self.rows.is_live(h.0) {
            return EntrySpec {
                matches: Vec::new(),
                priority: 0,
                action: 0,
                data: Vec::new(),
            };
        }
        let (matches, priority) = match &self.engine {
            Engine::Exact(_) => {
                let key = self.rows.fixed(h.0);
                let m = self
                    .fields
                    .iter()
                    .map(|f| {
                        FieldMatch::Exact(key.get(f.off..f.off + f.len).unwrap_or(&[]).to_vec())
                    })
                    .collect();
                (m, 0)
            }
            Engine::Lpm(l) => (l.spec_matches(&self.rows, h.0), 0),
            Engine::Tss(t) => t.spec(h.0),
        };
        EntrySpec {
            matches,
            priority,
            action: self.rows.action(h.0),
            data: self.rows.data(h.0).to_vec(),
        }
    }

    /// Records a hit on the entry at `now_ns` (ignored for a stale handle).
    #[inline]
    pub fn record_hit(&mut self, h: EntryHandle, now_ns: u64) {
        self.clock.fetch_max(now_ns, Ordering::Relaxed);
        if self.rows.is_live(h.0) {
            self.rows.set_last_hit(h.0, now_ns);
        }
    }

    /// The entry's last hit, or its insertion time if never hit (0 for a stale handle).
    pub fn last_hit(&self, h: EntryHandle) -> u64 {
        if self.rows.is_live(h.0) {
            self.rows.last_hit(h.0)
        } else {
            0
        }
    }

    /// Tells the table the current time without a hit. Entries are stamped at insertion with the
    /// latest time the table has seen (from this, `record_hit` or `idle_entries`); call it before
    /// inserting when exact insertion times matter.
    pub fn advance_clock(&self, now_ns: u64) {
        self.clock.fetch_max(now_ns, Ordering::Relaxed);
    }

    /// Entries whose last hit (or insertion) is older than now - idle_ns.
    pub fn idle_entries(&self, now_ns: u64, idle_ns: u64) -> Vec<EntryHandle> {
        self.clock.fetch_max(now_ns, Ordering::Relaxed);
        let Some(cutoff) = now_ns.checked_sub(idle_ns) else {
            return Vec::new();
        };
        self.rows
            .iter_live()
            .filter(|&r| self.rows.last_hit(r) < cutoff)
            .map(EntryHandle)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Handles of all entries, in increasing handle order.
    pub fn entries(&self) -> impl Iterator<Item = EntryHandle> + '_ {
        self.rows.iter_live().map(EntryHandle)
    }

    /// Bytes of table state (heap included, allocated capacity counted); divide by `len()` for the
    /// bytes-per-entry figure of the bench report.
    pub fn memory_bytes(&self) -> usize {
        let engine = match &self.engine {
            Engine::Exact(x) => x.memory_bytes(),
            Engine::Lpm(l) => l.memory_bytes(),
            Engine::Tss(t) => t.memory_bytes(),
        };
        std::mem::size_of::<Table>() + self.rows.memory_bytes() + engine
    }

    /// Number of mask groups (tuple-space tables; 0 otherwise), for diagnostics.
    pub fn tuple_groups(&self) -> usize {
        match &self.engine {
            Engine::Tss(t) => t.groups(),
            _ => 0,
        }
    }
}
