//! Every table kind against a naive reference: a list of entries scanned linearly with the P4
//! semantics (exact equality; LPM longest prefix; otherwise highest priority, ties to the earliest
//! inserted). Random inserts, deletes and modifies; after each one, lookups of keys biased to hit
//! entries must agree, and `lookup_burst` must agree with `lookup`.
//!
//! Entries are generated in canonical form (see `FieldMatch`), so the reference can compare
//! matches for identity and `spec` must read them back unchanged.

use exo_tables::{
    EntryHandle, EntrySpec, FieldMatch, KeyField, KeyLayout, MatchKind, Structure, Table,
    TableError,
};
use proptest::prelude::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

fn nbytes(w: u32) -> usize {
    (w as usize).div_ceil(8)
}

fn pad_bits(w: u32) -> u32 {
    nbytes(w) as u32 * 8 - w
}

fn random_value(r: &mut Rng, w: u32) -> Vec<u8> {
    let mut v: Vec<u8> = (0..nbytes(w)).map(|_| r.next() as u8).collect();
    if let Some(b) = v.first_mut() {
        *b &= 0xFFu8.checked_shr(pad_bits(w)).unwrap_or(0);
    }
    v
}

fn bit(v: &[u8], i: u32) -> bool {
    v[(i / 8) as usize] & (0x80 >> (i % 8)) != 0
}

fn to_u64(v: &[u8]) -> u64 {
    v.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b))
}

fn from_u64(x: u64, w: u32) -> Vec<u8> {
    let n = nbytes(w);
    (0..n).map(|i| (x >> (8 * (n - 1 - i))) as u8).collect()
}

fn max_of(w: u32) -> u64 {
    if w >= 64 {
        u64::MAX
    } else {
        (1u64 << w) - 1
    }
}

/// Values a test case draws from, per field, so that entries overlap and keys hit.
struct Pools {
    values: Vec<Vec<Vec<u8>>>,
    masks: Vec<Vec<Vec<u8>>>,
}

impl Pools {
    fn new(r: &mut Rng, layout: &KeyLayout) -> Pools {
        let values = layout
            .fields
            .iter()
            .map(|f| (0..4).map(|_| random_value(r, f.width_bits)).collect())
            .collect();
        let masks = layout
            .fields
            .iter()
            .map(|f| (0..3).map(|_| random_value(r, f.width_bits)).collect())
            .collect();
        Pools { values, masks }
    }

    fn value(&self, r: &mut Rng, field: usize, w: u32) -> Vec<u8> {
        if r.chance(80) {
            let p = &self.values[field];
            p[r.below(p.len() as u64) as usize].clone()
        } else {
            random_value(r, w)
        }
    }
}

fn gen_match(r: &mut Rng, pools: &Pools, i: usize, f: &KeyField) -> FieldMatch {
    let w = f.width_bits;
    let pad = pad_bits(w);
    match f.kind {
        MatchKind::Exact => FieldMatch::Exact(pools.value(r, i, w)),
        MatchKind::Optional => {
            if r.chance(30) {
                FieldMatch::Any
            } else {
                FieldMatch::Exact(pools.value(r, i, w))
            }
        }
        MatchKind::Lpm => {
            let p = r.below(u64::from(w) + 1) as u32;
            if p == 0 {
                return FieldMatch::Any;
            }
            let mut v = pools.value(r, i, w);
            for b in pad + p..nbytes(w) as u32 * 8 {
                v[(b / 8) as usize] &= !(0x80 >> (b % 8));
            }
            FieldMatch::Lpm {
                value: v,
                prefix_len: p,
            }
        }
        MatchKind::Ternary => {
            let m = if r.chance(20) {
                random_value(r, w)
            } else {
                let p = &pools.masks[i];
                p[r.below(p.len() as u64) as usize].clone()
            };
            if m.iter().all(|&b| b == 0) {
                return FieldMatch::Any;
            }
            let v = pools
                .value(r, i, w)
                .iter()
                .zip(&m)
                .map(|(v, m)| v & m)
                .collect();
            FieldMatch::Ternary { value: v, mask: m }
        }
        MatchKind::Range => {
            let base = to_u64(&pools.value(r, i, w));
            let span = match r.below(4) {
                0 => 0,
                1 => r.below(8),
                2 => r.below(1000),
                _ => r.next(),
            };
            let (lo, hi) = if r.chance(50) {
                (base, base.saturating_add(span).min(max_of(w)))
            } else {
                (base.saturating_sub(span), base)
            };
            if lo == 0 && hi == max_of(w) {
                return FieldMatch::Any;
            }
            FieldMatch::Range {
                lo: from_u64(lo, w),
                hi: from_u64(hi, w),
            }
        }
    }
}

/// A key inside `m` for field `f` (random where the match leaves freedom).
fn key_part(r: &mut Rng, pools: &Pools, i: usize, f: &KeyField, m: &FieldMatch) -> Vec<u8> {
    let w = f.width_bits;
    let rnd = pools.value(r, i, w);
    match m {
        FieldMatch::Exact(v) => v.clone(),
        FieldMatch::Lpm { value, prefix_len } => {
            let pad = pad_bits(w);
            let mut k = rnd;
            for b in pad..pad + prefix_len {
                let byte = (b / 8) as usize;
                let m = 0x80u8 >> (b % 8);
                k[byte] = (k[byte] & !m) | (value[byte] & m);
            }
            k
        }
        FieldMatch::Ternary { value, mask } => rnd
            .iter()
            .zip(value)
            .zip(mask)
            .map(|((k, v), m)| (k & !m) | v)
            .collect(),
        FieldMatch::Range { lo, hi } => {
            let (lo, hi) = (to_u64(lo), to_u64(hi));
            let x = match r.below(3) {
                0 => lo,
                1 => hi,
                _ => lo + r.below(hi - lo + 1),
            };
            from_u64(x, w)
        }
        FieldMatch::Any => rnd,
    }
}

fn field_matches(f: &KeyField, m: &FieldMatch, k: &[u8]) -> bool {
    match m {
        FieldMatch::Exact(v) => k == &v[..],
        FieldMatch::Lpm { value, prefix_len } => {
            let pad = pad_bits(f.width_bits);
            (pad..pad + prefix_len).all(|b| bit(k, b) == bit(value, b))
        }
        FieldMatch::Ternary { value, mask } => {
            k.iter().zip(mask).zip(value).all(|((k, m), v)| k & m == *v)
        }
        FieldMatch::Range { lo, hi } => &lo[..] <= k && k <= &hi[..],
        FieldMatch::Any => true,
    }
}

#[derive(Clone, Debug)]
struct RefEntry {
    matches: Vec<FieldMatch>,
    priority: i32,
    action: u32,
    handle: EntryHandle,
}

struct Reference {
    layout: KeyLayout,
    structure: Structure,
    /// In insertion order.
    entries: Vec<RefEntry>,
}

impl Reference {
    fn matches(&self, e: &RefEntry, key: &[u8]) -> bool {
        let mut off = 0;
        for (f, m) in self.layout.fields.iter().zip(&e.matches) {
            let k = &key[off..off + nbytes(f.width_bits)];
            off += k.len();
            // Keys with padding bits set match nothing.
            if let Some(&b0) = k.first() {
                if b0 & !0xFFu8.checked_shr(pad_bits(f.width_bits)).unwrap_or(0) != 0 {
                    return false;
                }
            }
            if !field_matches(f, m, k) {
                return false;
            }
        }
        true
    }

    fn prefix_len(&self, e: &RefEntry) -> u32 {
        self.layout
            .fields
            .iter()
            .zip(&e.matches)
            .map(|(_, m)| match m {
                FieldMatch::Lpm { prefix_len, .. } => *prefix_len,
                _ => 0,
            })
            .sum()
    }

    fn lookup(&self, key: &[u8]) -> Option<EntryHandle> {
        if key.len() != self.layout.key_len() {
            return None;
        }
        let hits = self.entries.iter().filter(|e| self.matches(e, key));
        match self.structure {
            Structure::Exact => hits.map(|e| e.handle).next(),
            // Prefixes of matching entries are nested, so lengths differ.
            Structure::Lpm => hits.max_by_key(|e| self.prefix_len(e)).map(|e| e.handle),
            Structure::TupleSpace => {
                let mut best: Option<&RefEntry> = None;
                for e in hits {
                    if best.is_none_or(|b| e.priority > b.priority) {
                        best = Some(e);
                    }
                }
                best.map(|e| e.handle)
            }
        }
    }

    fn same(&self, e: &RefEntry, matches: &[FieldMatch], priority: i32) -> bool {
        e.matches == matches && (self.structure != Structure::TupleSpace || e.priority == priority)
    }

    fn position(&self, matches: &[FieldMatch], priority: i32) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| self.same(e, matches, priority))
    }
}

fn layout(fields: &[(MatchKind, u32)]) -> KeyLayout {
    KeyLayout {
        fields: fields
            .iter()
            .map(|&(kind, width_bits)| KeyField { kind, width_bits })
            .collect(),
    }
}

fn make_key(r: &mut Rng, pools: &Pools, reference: &Reference) -> Vec<u8> {
    let fields = &reference.layout.fields;
    let mut key = Vec::new();
    if !reference.entries.is_empty() && r.chance(70) {
        let e = &reference.entries[r.below(reference.entries.len() as u64) as usize];
        for (i, (f, m)) in fields.iter().zip(&e.matches).enumerate() {
            key.extend(key_part(r, pools, i, f, m));
        }
        if r.chance(15) && !key.is_empty() {
            let i = r.below(key.len() as u64) as usize;
            key[i] ^= 1 << r.below(8);
        }
    } else {
        for (i, f) in fields.iter().enumerate() {
            key.extend(pools.value(r, i, f.width_bits));
        }
    }
    key
}

fn run_case(fields: &[(MatchKind, u32)], want: Structure, seed: u64, ops: usize) {
    let mut r = Rng(seed);
    let layout = layout(fields);
    let capacity = if r.chance(25) {
        1 + r.below(20) as usize
    } else if want == Structure::Lpm && r.chance(40) {
        // Large LPM tables have wider trie roots (16 and 20 bits).
        if r.chance(50) {
            1 << 14
        } else {
            1 << 18
        }
    } else {
        1000
    };
    let mut table = Table::new(layout.clone(), capacity);
    assert_eq!(table.structure(), want);
    let pools = Pools::new(&mut r, &layout);
    let mut reference = Reference {
        layout: layout.clone(),
        structure: want,
        entries: Vec::new(),
    };
    for step in 0..ops {
        match r.below(10) {
            0..=5 => {
                let matches: Vec<FieldMatch> = layout
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| gen_match(&mut r, &pools, i, f))
                    .collect();
                let priority = r.below(4) as i32 - 1;
                let action = r.next() as u32;
                let got = table.insert(EntrySpec {
                    matches: matches.clone(),
                    priority,
                    action,
                    data: vec![action as u8; (action % 5) as usize],
                });
                if reference.position(&matches, priority).is_some() {
                    assert_eq!(got, Err(TableError::Duplicate), "step {step}");
                } else if reference.entries.len() >= capacity {
                    assert_eq!(got, Err(TableError::Full { capacity }), "step {step}");
                } else {
                    let handle = got.unwrap_or_else(|e| panic!("step {step}: {e:?} {matches:?}"));
                    let spec = table.spec(handle);
                    assert_eq!(spec.matches, matches, "step {step}: canonical read-back");
                    assert_eq!(spec.action, action);
                    reference.entries.push(RefEntry {
                        matches,
                        priority,
                        action,
                        handle,
                    });
                }
            }
            6 | 7 if !reference.entries.is_empty() => {
                let i = r.below(reference.entries.len() as u64) as usize;
                let e = reference.entries.remove(i);
                assert_eq!(table.delete(&e.matches, e.priority), Ok(()), "step {step}");
                assert_eq!(
                    table.delete(&e.matches, e.priority),
                    Err(TableError::NotFound)
                );
            }
            8 if !reference.entries.is_empty() => {
                let i = r.below(reference.entries.len() as u64) as usize;
                let action = r.next() as u32;
                let e = &mut reference.entries[i];
                e.action = action;
                assert_eq!(
                    table.modify(&e.matches, e.priority, action, &[1, 2]),
                    Ok(e.handle),
                    "step {step}"
                );
            }
            _ => {
                // Delete of a random match: NotFound unless it exists.
                let matches: Vec<FieldMatch> = layout
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| gen_match(&mut r, &pools, i, f))
                    .collect();
                let priority = r.below(4) as i32 - 1;
                let got = table.delete(&matches, priority);
                match reference.position(&matches, priority) {
                    Some(i) => {
                        assert_eq!(got, Ok(()));
                        reference.entries.remove(i);
                    }
                    None => assert_eq!(got, Err(TableError::NotFound), "step {step}"),
                }
            }
        }
        assert_eq!(table.len(), reference.entries.len());
        let keys: Vec<Vec<u8>> = (0..24)
            .map(|_| make_key(&mut r, &pools, &reference))
            .collect();
        let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
        let mut burst = vec![None; refs.len()];
        table.lookup_burst(&refs, &mut burst);
        for (k, b) in refs.iter().zip(&burst) {
            let want = reference.lookup(k);
            let got = table.lookup(k);
            assert_eq!(
                got, want,
                "step {step} key {k:02x?}\nentries {:#?}",
                reference.entries
            );
            assert_eq!(*b, got, "burst, step {step}");
            if let Some(h) = got {
                let e = reference.entries.iter().find(|e| e.handle == h).unwrap();
                assert_eq!(table.action(h), e.action);
            }
        }
    }
    let mut handles: Vec<EntryHandle> = table.entries().collect();
    let mut want: Vec<EntryHandle> = reference.entries.iter().map(|e| e.handle).collect();
    handles.sort_by_key(|h| h.0);
    want.sort_by_key(|h| h.0);
    assert_eq!(handles, want);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn exact(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Exact, 32), (MatchKind::Exact, 9), (MatchKind::Exact, 8)], Structure::Exact, seed, ops);
    }

    #[test]
    fn lpm32(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Lpm, 32)], Structure::Lpm, seed, ops);
    }

    #[test]
    fn lpm128(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Lpm, 128)], Structure::Lpm, seed, ops);
    }

    #[test]
    fn lpm_wide_uncompressed(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Lpm, 140), (MatchKind::Exact, 3)], Structure::Lpm, seed, ops);
    }

    #[test]
    fn lpm_odd_width(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Lpm, 13)], Structure::Lpm, seed, ops);
    }

    #[test]
    fn lpm_with_exact(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Exact, 12), (MatchKind::Lpm, 20), (MatchKind::Exact, 2)], Structure::Lpm, seed, ops);
    }

    #[test]
    fn ternary(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Ternary, 16), (MatchKind::Ternary, 7)], Structure::TupleSpace, seed, ops);
    }

    // A 13-byte 5-tuple key, as ACLs use.
    #[test]
    fn ternary_five_tuple(seed in any::<u64>(), ops in 1..120usize) {
        run_case(
            &[(MatchKind::Ternary, 32), (MatchKind::Ternary, 32), (MatchKind::Ternary, 8), (MatchKind::Ternary, 16), (MatchKind::Ternary, 16)],
            Structure::TupleSpace,
            seed,
            ops,
        );
    }

    // IPv6 source and destination with ports: 36 bytes, one more than the word-wise lookup
    // takes; and IPv6 destination with a port and protocol: 19 bytes (three words).
    #[test]
    fn ternary_ipv6_keys(seed in any::<u64>(), ops in 1..120usize) {
        run_case(
            &[(MatchKind::Ternary, 128), (MatchKind::Ternary, 128), (MatchKind::Ternary, 16), (MatchKind::Ternary, 16)],
            Structure::TupleSpace,
            seed,
            ops,
        );
        run_case(&[(MatchKind::Ternary, 128), (MatchKind::Ternary, 16), (MatchKind::Ternary, 8)], Structure::TupleSpace, seed, ops);
        run_case(&[(MatchKind::Ternary, 128), (MatchKind::Ternary, 128)], Structure::TupleSpace, seed, ops);
    }

    // A zero-width field beside others, and alone (an empty key).
    #[test]
    fn ternary_zero_width_field(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Ternary, 0), (MatchKind::Ternary, 8)], Structure::TupleSpace, seed, ops);
        run_case(&[(MatchKind::Ternary, 0)], Structure::TupleSpace, seed, ops);
    }

    // Keys wider than any header field: 72 bytes.
    #[test]
    fn ternary_wide_key(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Ternary, 300), (MatchKind::Ternary, 250), (MatchKind::Exact, 9)], Structure::TupleSpace, seed, ops);
    }

    #[test]
    fn range(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Range, 16), (MatchKind::Range, 10)], Structure::TupleSpace, seed, ops);
    }

    #[test]
    fn optional(seed in any::<u64>(), ops in 1..120usize) {
        run_case(&[(MatchKind::Optional, 8), (MatchKind::Optional, 12), (MatchKind::Exact, 4)], Structure::TupleSpace, seed, ops);
    }

    #[test]
    fn mixed(seed in any::<u64>(), ops in 1..120usize) {
        run_case(
            &[(MatchKind::Exact, 4), (MatchKind::Lpm, 24), (MatchKind::Ternary, 8), (MatchKind::Range, 16), (MatchKind::Optional, 3)],
            Structure::TupleSpace,
            seed,
            ops,
        );
    }
}

/// Every root size of the LPM trie (8, 16 and 20 bits, chosen by capacity) gives the same
/// answers: the same inserts accepted, the same entry for every key, after deletes too.
#[test]
fn lpm_root_sizes_agree() {
    let mut r = Rng(0x5eed_1234);
    let layout = layout(&[(MatchKind::Lpm, 32)]);
    let mut tables: Vec<Table> = [1usize << 13, 1 << 14, 1 << 18]
        .iter()
        .map(|&c| Table::new(layout.clone(), c))
        .collect();
    let mut inserted = Vec::new();
    // At most 1 << 13 entries: the smallest table's capacity. Most prefixes end around the
    // roots' boundaries (16 and 20 bits).
    for i in 0..8_000u32 {
        let len = if r.chance(25) {
            r.below(33) as u32
        } else {
            14 + r.below(9) as u32
        };
        let v = (r.below(1 << 32) as u32) & if len == 0 { 0 } else { !0u32 << (32 - len) };
        let spec = EntrySpec {
            matches: vec![FieldMatch::Lpm {
                value: v.to_be_bytes().to_vec(),
                prefix_len: len,
            }],
            priority: 0,
            action: 1,
            data: i.to_be_bytes().to_vec(),
        };
        let res: Vec<bool> = tables
            .iter_mut()
            .map(|t| t.insert(spec.clone()).is_ok())
            .collect();
        assert!(
            res.iter().all(|&x| x == res[0]),
            "insert {i} /{len}: {res:?}"
        );
        if res[0] {
            inserted.push(spec);
        }
    }
    let check = |tables: &[Table], r: &mut Rng| {
        for _ in 0..20_000 {
            let key = (r.below(1 << 32) as u32).to_be_bytes();
            let found: Vec<Option<Vec<u8>>> = tables
                .iter()
                .map(|t| t.lookup(&key).map(|h| t.data(h).to_vec()))
                .collect();
            assert!(
                found.iter().all(|f| *f == found[0]),
                "key {key:02x?}: {found:?}"
            );
        }
    };
    check(&tables, &mut r);
    // Delete every third entry.
    for spec in inserted.iter().step_by(3) {
        for t in tables.iter_mut() {
            assert!(t.delete(&spec.matches, 0).is_ok());
        }
    }
    check(&tables, &mut r);
}
