//! Bad input gives errors or misses, never a panic.

use exo_tables::{
    EntryHandle, EntrySpec, FieldMatch, KeyField, KeyLayout, MatchKind, Table, TableError,
};
use proptest::prelude::*;

fn layout(fields: &[(MatchKind, u32)]) -> KeyLayout {
    KeyLayout {
        fields: fields
            .iter()
            .map(|&(kind, width_bits)| KeyField { kind, width_bits })
            .collect(),
    }
}

fn spec(matches: Vec<FieldMatch>) -> EntrySpec {
    EntrySpec {
        matches,
        priority: 0,
        action: 0,
        data: vec![],
    }
}

fn is_bad(r: Result<EntryHandle, TableError>) -> bool {
    matches!(r, Err(TableError::BadKey(_)))
}

const LAYOUTS: &[&[(MatchKind, u32)]] = &[
    &[(MatchKind::Exact, 32), (MatchKind::Exact, 9)],
    &[(MatchKind::Lpm, 32)],
    &[(MatchKind::Lpm, 128)],
    &[(MatchKind::Exact, 8), (MatchKind::Lpm, 12)],
    &[
        (MatchKind::Ternary, 16),
        (MatchKind::Range, 12),
        (MatchKind::Optional, 5),
    ],
    &[(MatchKind::Lpm, 8), (MatchKind::Lpm, 8)],
    &[
        (MatchKind::Exact, 0),
        (MatchKind::Lpm, 0),
        (MatchKind::Ternary, 0),
    ],
    &[(MatchKind::Lpm, 0)],
    &[],
];

#[test]
fn wrong_field_counts_and_widths() {
    let mut t = Table::new(layout(&[(MatchKind::Exact, 32), (MatchKind::Exact, 9)]), 10);
    assert!(is_bad(t.insert(spec(vec![FieldMatch::Exact(vec![0; 4])]))));
    assert!(is_bad(t.insert(spec(vec![
        FieldMatch::Exact(vec![0; 4]),
        FieldMatch::Exact(vec![0; 2]),
        FieldMatch::Exact(vec![0; 2]),
    ]))));
    assert!(is_bad(t.insert(spec(vec![
        FieldMatch::Exact(vec![0; 3]),
        FieldMatch::Exact(vec![0; 2]),
    ]))));
    // bit 9 of a 9-bit field
    assert!(is_bad(t.insert(spec(vec![
        FieldMatch::Exact(vec![0; 4]),
        FieldMatch::Exact(vec![2, 0]),
    ]))));
    // kind mismatch and don't-care on exact
    assert!(is_bad(t.insert(spec(vec![
        FieldMatch::Any,
        FieldMatch::Exact(vec![0; 2]),
    ]))));
    assert!(is_bad(t.insert(spec(vec![
        FieldMatch::Ternary {
            value: vec![0; 4],
            mask: vec![0xFF; 4]
        },
        FieldMatch::Exact(vec![0; 2]),
    ]))));
    assert_eq!(t.find(&[FieldMatch::Any], 0), None);
    assert!(matches!(
        t.delete(&[FieldMatch::Any], 0),
        Err(TableError::BadKey(_))
    ));
    assert!(matches!(
        t.modify(&[], 0, 0, &[]),
        Err(TableError::BadKey(_))
    ));
    assert!(is_bad(t.insert(EntrySpec {
        matches: vec![FieldMatch::Exact(vec![0; 4]), FieldMatch::Exact(vec![0; 2])],
        priority: 0,
        action: 0,
        data: vec![0; 70_000],
    })));
    assert!(t.is_empty());
}

#[test]
fn lpm_and_ternary_errors() {
    let mut t = Table::new(layout(&[(MatchKind::Lpm, 32)]), 10);
    let lpm = |v: Vec<u8>, p| FieldMatch::Lpm {
        value: v,
        prefix_len: p,
    };
    assert!(is_bad(t.insert(spec(vec![lpm(vec![0; 4], 33)]))));
    assert!(is_bad(t.insert(spec(vec![lpm(vec![10, 0, 0, 1], 24)]))));
    assert!(is_bad(t.insert(spec(vec![lpm(vec![10, 0, 0], 8)]))));
    assert!(is_bad(t.insert(spec(vec![FieldMatch::Range {
        lo: vec![0; 4],
        hi: vec![1; 4]
    }]))));
    let mut t = Table::new(
        layout(&[(MatchKind::Ternary, 12), (MatchKind::Range, 8)]),
        10,
    );
    // value bit outside the mask; mask bit beyond the width; lo > hi
    let tern = |v: Vec<u8>, m: Vec<u8>| FieldMatch::Ternary { value: v, mask: m };
    assert!(is_bad(t.insert(spec(vec![
        tern(vec![0, 3], vec![0, 1]),
        FieldMatch::Any
    ]))));
    assert!(is_bad(t.insert(spec(vec![
        tern(vec![0, 0], vec![0x10, 1]),
        FieldMatch::Any
    ]))));
    assert!(is_bad(t.insert(spec(vec![
        FieldMatch::Any,
        FieldMatch::Range {
            lo: vec![5],
            hi: vec![4]
        }
    ]))));
    assert!(is_bad(t.insert(spec(vec![
        FieldMatch::Any,
        FieldMatch::Lpm {
            value: vec![5],
            prefix_len: 8
        }
    ]))));
    assert!(t.is_empty());
}

#[test]
fn wrong_key_lengths_and_stale_handles() {
    for l in LAYOUTS {
        let t = Table::new(layout(l), 10);
        let n = t.layout().key_len();
        for len in [0, 1, n.saturating_sub(1), n + 1, 100] {
            if len != n {
                assert_eq!(t.lookup(&vec![0xFF; len]), None);
            }
        }
        let keys: Vec<&[u8]> = vec![&[], &[1, 2, 3, 4, 5, 6, 7, 8, 9]];
        let mut out = [Some(EntryHandle(0)); 1];
        t.lookup_burst(&keys, &mut out);
        for h in [EntryHandle(0), EntryHandle(u32::MAX)] {
            assert_eq!((t.action(h), t.data(h), t.last_hit(h)), (0, &[][..], 0));
            assert!(t.spec(h).matches.is_empty());
        }
    }
}

#[test]
fn zero_width_and_huge_layouts() {
    let mut t = Table::new(layout(&[(MatchKind::Lpm, 0)]), 10);
    let h = t.insert(spec(vec![FieldMatch::Any])).unwrap();
    assert_eq!(t.lookup(&[]), Some(h));
    assert_eq!(
        t.insert(spec(vec![FieldMatch::Exact(vec![])])),
        Err(TableError::Duplicate)
    );
    t.delete(&[FieldMatch::Any], 0).unwrap();
    assert_eq!(t.lookup(&[]), None);

    // Zero-width ternary and range fields: an empty key, which every entry matches.
    for kind in [MatchKind::Ternary, MatchKind::Range] {
        let mut t = Table::new(layout(&[(kind, 0)]), 10);
        let low = t
            .insert(EntrySpec {
                priority: 1,
                ..spec(vec![FieldMatch::Any])
            })
            .unwrap();
        assert_eq!(t.lookup(&[]), Some(low), "{kind:?}");
        assert_eq!(t.lookup(&[0]), None, "{kind:?}: wrong key length");
    }

    let mut t = Table::new(
        layout(&[(MatchKind::Exact, u32::MAX), (MatchKind::Ternary, u32::MAX)]),
        10,
    );
    assert!(is_bad(
        t.insert(spec(vec![FieldMatch::Exact(vec![]), FieldMatch::Any]))
    ));
    assert_eq!(t.lookup(&[0; 8]), None);
    let mut t = Table::new(layout(&[(MatchKind::Lpm, u32::MAX)]), usize::MAX);
    assert!(is_bad(t.insert(spec(vec![FieldMatch::Any]))));
    let mut t = Table::new(
        layout(&[(MatchKind::Exact, u32::MAX), (MatchKind::Lpm, 8)]),
        1,
    );
    assert!(is_bad(
        t.insert(spec(vec![FieldMatch::Exact(vec![]), FieldMatch::Any]))
    ));
}

#[test]
fn tables_can_be_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Table>();
}

fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..6)
}

fn arb_match() -> impl Strategy<Value = FieldMatch> {
    prop_oneof![
        arb_bytes().prop_map(FieldMatch::Exact),
        (arb_bytes(), 0..40u32)
            .prop_map(|(value, prefix_len)| FieldMatch::Lpm { value, prefix_len }),
        (arb_bytes(), arb_bytes()).prop_map(|(value, mask)| FieldMatch::Ternary { value, mask }),
        (arb_bytes(), arb_bytes()).prop_map(|(lo, hi)| FieldMatch::Range { lo, hi }),
        Just(FieldMatch::Any),
    ]
}

fn arb_kind() -> impl Strategy<Value = MatchKind> {
    prop_oneof![
        Just(MatchKind::Exact),
        Just(MatchKind::Lpm),
        Just(MatchKind::Ternary),
        Just(MatchKind::Range),
        Just(MatchKind::Optional),
    ]
}

proptest! {
    /// Arbitrary layouts, entries and keys: whatever happens, nothing panics and the table stays
    /// consistent with what it accepted.
    #[test]
    fn arbitrary_input_never_panics(
        fields in prop::collection::vec((arb_kind(), 0..34u32), 0..4),
        ops in prop::collection::vec((prop::collection::vec(arb_match(), 0..5), -2..3i32, 0..4u8), 0..40),
        keys in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..14), 0..20),
        capacity in 0..8usize,
    ) {
        let mut t = Table::new(layout(&fields), capacity);
        let mut accepted = 0usize;
        for (matches, priority, op) in ops {
            match op {
                0 | 1 => {
                    if let Ok(h) = t.insert(EntrySpec { matches: matches.clone(), priority, action: 1, data: vec![1] }) {
                        accepted += 1;
                        let again = t.spec(h);
                        prop_assert_eq!(t.find(&again.matches, priority), Some(h));
                    }
                }
                2 => {
                    if t.delete(&matches, priority).is_ok() {
                        accepted -= 1;
                    }
                }
                _ => {
                    let _ = t.modify(&matches, priority, 2, &[2, 2]);
                }
            }
            prop_assert_eq!(t.len(), accepted);
            prop_assert!(t.len() <= capacity);
        }
        let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
        let mut out = vec![None; refs.len()];
        t.lookup_burst(&refs, &mut out);
        for (k, o) in refs.iter().zip(&out) {
            prop_assert_eq!(t.lookup(k), *o);
        }
        let _ = t.idle_entries(u64::MAX, 0);
        t.clear();
        prop_assert!(t.is_empty());
    }
}
