//! The public vocabulary of the crate: key layouts, entry specifications, handles and errors.

/// How one key field is matched (P4 `match_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchKind {
    Exact,
    Lpm,
    Ternary,
    Range,
    Optional,
}

/// One field of a table key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyField {
    pub kind: MatchKind,
    pub width_bits: u32,
}

impl KeyField {
    /// Bytes the field occupies in a key: `ceil(width_bits / 8)`.
    pub fn byte_len(&self) -> usize {
        (self.width_bits as usize).div_ceil(8)
    }
}

/// Keys are the concatenation of each field's value in big-endian, each field padded to whole
/// bytes (`ceil(width_bits/8)`); the upper unused bits of a field's first byte are zero.
///
/// A lookup key whose padding bits are not zero matches no entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyLayout {
    pub fields: Vec<KeyField>,
}

impl KeyLayout {
    /// Total key length in bytes.
    pub fn key_len(&self) -> usize {
        self.fields
            .iter()
            .fold(0usize, |acc, f| acc.saturating_add(f.byte_len()))
    }

    /// `(byte offset, byte length)` of each field inside a key.
    pub fn field_offsets(&self) -> Vec<(usize, usize)> {
        let mut off = 0usize;
        self.fields
            .iter()
            .map(|f| {
                let here = (off, f.byte_len());
                off = off.saturating_add(f.byte_len());
                here
            })
            .collect()
    }
}

/// How one field of an entry matches. Values are big-endian, exactly the field's byte width.
///
/// Every kind of field accepts `Exact` (a full match); `Lpm`, `Ternary` and `Range` are accepted
/// only by fields of that kind; `Any` (don't care) by every kind but `Exact`. Entries are stored in
/// canonical form and read back (`Table::spec`) that way: wildcards (prefix length 0, all-zero
/// mask, full range) become `Any`; `Exact` given for an LPM, ternary or range field becomes a
/// full-length prefix, a full mask or the range `v..=v`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FieldMatch {
    Exact(Vec<u8>),
    Lpm {
        value: Vec<u8>,
        prefix_len: u32,
    },
    Ternary {
        value: Vec<u8>,
        mask: Vec<u8>,
    },
    Range {
        lo: Vec<u8>,
        hi: Vec<u8>,
    },
    /// optional / don't care
    Any,
}

/// An entry to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntrySpec {
    pub matches: Vec<FieldMatch>,
    /// larger wins (P4Runtime); ignored for exact-only and LPM tables
    pub priority: i32,
    pub action: u32,
    pub data: Vec<u8>,
}

/// Names an entry until it is deleted; afterwards it may be reused for another entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryHandle(pub u32);

/// Why a table operation was refused. Nothing in this crate panics on bad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("table is full (capacity {capacity})")]
    Full { capacity: usize },
    #[error("an entry with the same match already exists")]
    Duplicate,
    #[error("no entry with this match")]
    NotFound,
    /// Wrong field count, width, kind mismatch, lpm prefix too long, lo > hi, non-canonical value
    /// (bits set beyond the width or outside the mask), action data over 65535 bytes.
    #[error("bad key: {0}")]
    BadKey(String),
}
