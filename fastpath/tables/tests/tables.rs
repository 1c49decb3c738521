//! Behaviour of each structure through the public API.

use exo_tables::{
    EntryHandle, EntrySpec, FieldMatch, KeyField, KeyLayout, MatchKind, Structure, Table,
    TableError,
};

fn layout(fields: &[(MatchKind, u32)]) -> KeyLayout {
    KeyLayout {
        fields: fields
            .iter()
            .map(|&(kind, width_bits)| KeyField { kind, width_bits })
            .collect(),
    }
}

fn entry(matches: Vec<FieldMatch>, priority: i32, action: u32, data: &[u8]) -> EntrySpec {
    EntrySpec {
        matches,
        priority,
        action,
        data: data.to_vec(),
    }
}

fn ex(v: &[u8]) -> FieldMatch {
    FieldMatch::Exact(v.to_vec())
}

fn lpm(v: &[u8], p: u32) -> FieldMatch {
    FieldMatch::Lpm {
        value: v.to_vec(),
        prefix_len: p,
    }
}

fn tern(v: &[u8], m: &[u8]) -> FieldMatch {
    FieldMatch::Ternary {
        value: v.to_vec(),
        mask: m.to_vec(),
    }
}

fn range(lo: &[u8], hi: &[u8]) -> FieldMatch {
    FieldMatch::Range {
        lo: lo.to_vec(),
        hi: hi.to_vec(),
    }
}

// ---------------------------------------------------------------- exact

#[test]
fn exact_insert_lookup_modify_delete() {
    let mut t = Table::new(
        layout(&[(MatchKind::Exact, 32), (MatchKind::Exact, 9)]),
        100,
    );
    assert_eq!(t.structure(), Structure::Exact);
    assert_eq!(t.layout().key_len(), 6);
    let h = t
        .insert(entry(
            vec![ex(&[10, 0, 0, 1]), ex(&[1, 0x23])],
            0,
            7,
            &[1, 2, 3],
        ))
        .unwrap();
    assert_eq!(t.lookup(&[10, 0, 0, 1, 1, 0x23]), Some(h));
    assert_eq!(t.lookup(&[10, 0, 0, 1, 1, 0x24]), None);
    assert_eq!(t.lookup(&[10, 0, 0, 1, 1]), None, "wrong length");
    assert_eq!(t.lookup(&[10, 0, 0, 1, 3, 0x23]), None, "padding bit set");
    assert_eq!((t.action(h), t.data(h)), (7, &[1u8, 2, 3][..]));
    let m = vec![ex(&[10, 0, 0, 1]), ex(&[1, 0x23])];
    assert_eq!(t.find(&m, 99), Some(h), "priority ignored");
    assert_eq!(
        t.insert(entry(m.clone(), 5, 1, &[])),
        Err(TableError::Duplicate)
    );
    // Longer data widens the arena; existing rows keep theirs.
    let h2 = t
        .insert(entry(vec![ex(&[10, 0, 0, 2]), ex(&[0, 1])], 0, 8, &[9; 20]))
        .unwrap();
    assert_eq!(t.data(h), &[1, 2, 3]);
    assert_eq!(t.data(h2), &[9; 20]);
    assert_eq!(t.modify(&m, 0, 9, &[4; 30]), Ok(h));
    assert_eq!((t.action(h), t.data(h)), (9, &[4u8; 30][..]));
    assert_eq!(t.spec(h), entry(m.clone(), 0, 9, &[4; 30]));
    assert_eq!(t.len(), 2);
    t.delete(&m, 0).unwrap();
    assert_eq!(t.lookup(&[10, 0, 0, 1, 1, 0x23]), None);
    assert_eq!(t.delete(&m, 0), Err(TableError::NotFound));
    assert_eq!(t.modify(&m, 0, 1, &[]), Err(TableError::NotFound));
    assert_eq!((t.action(h), t.data(h), t.last_hit(h)), (0, &[][..], 0));
    assert_eq!(t.entries().collect::<Vec<_>>(), vec![h2]);
}

#[test]
fn exact_full_and_capacity_zero() {
    let mut t = Table::new(layout(&[(MatchKind::Exact, 16)]), 3);
    for i in 0..3u8 {
        t.insert(entry(vec![ex(&[0, i])], 0, 0, &[])).unwrap();
    }
    assert_eq!(
        t.insert(entry(vec![ex(&[0, 9])], 0, 0, &[])),
        Err(TableError::Full { capacity: 3 })
    );
    assert_eq!(
        t.insert(entry(vec![ex(&[0, 1])], 0, 0, &[])),
        Err(TableError::Duplicate),
        "duplicate is reported before full"
    );
    t.delete(&[ex(&[0, 1])], 0).unwrap();
    t.insert(entry(vec![ex(&[0, 9])], 0, 0, &[])).unwrap();
    let mut z = Table::new(layout(&[(MatchKind::Exact, 16)]), 0);
    assert_eq!(
        z.insert(entry(vec![ex(&[0, 9])], 0, 0, &[])),
        Err(TableError::Full { capacity: 0 })
    );
}

#[test]
fn exact_many_entries_grow_and_burst() {
    let n = 20_000u32;
    let mut t = Table::new(layout(&[(MatchKind::Exact, 32)]), n as usize);
    let mut handles = Vec::new();
    for i in 0..n {
        handles.push(
            t.insert(entry(vec![ex(&i.to_be_bytes())], 0, i, &i.to_le_bytes()))
                .unwrap(),
        );
    }
    let keys: Vec<[u8; 4]> = (0..n + 100).map(|i| i.to_be_bytes()).collect();
    let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    let mut out = vec![None; refs.len()];
    t.lookup_burst(&refs, &mut out);
    for (i, o) in out.iter().enumerate() {
        let want = handles.get(i).copied();
        assert_eq!(*o, want);
        assert_eq!(t.lookup(refs[i]), want);
    }
    for i in (0..n).step_by(3) {
        t.delete(&[ex(&i.to_be_bytes())], 0).unwrap();
    }
    t.lookup_burst(&refs, &mut out);
    for (i, o) in out.iter().enumerate() {
        let live = i < n as usize && i % 3 != 0;
        assert_eq!(o.is_some(), live, "key {i}");
        if let Some(h) = o {
            assert_eq!(t.action(*h), i as u32);
        }
    }
    // A burst with a wrong-length key and a shorter output slice.
    let odd: Vec<&[u8]> = vec![&[0, 0, 0, 1], &[1, 2], &[0, 0, 0, 2]];
    let mut out2 = [Some(EntryHandle(77)); 2];
    t.lookup_burst(&odd, &mut out2);
    assert_eq!(out2, [t.lookup(&[0, 0, 0, 1]), None]);
}

#[test]
fn keyless_table_holds_one_entry() {
    let mut t = Table::new(KeyLayout::default(), 4);
    let h = t.insert(entry(vec![], 0, 3, &[])).unwrap();
    assert_eq!(t.lookup(&[]), Some(h));
    assert_eq!(
        t.insert(entry(vec![], 0, 3, &[])),
        Err(TableError::Duplicate)
    );
}

#[test]
fn idle_entries_and_clock() {
    let mut t = Table::new(layout(&[(MatchKind::Exact, 8)]), 10);
    t.advance_clock(1_000);
    let a = t.insert(entry(vec![ex(&[1])], 0, 0, &[])).unwrap();
    let b = t.insert(entry(vec![ex(&[2])], 0, 0, &[])).unwrap();
    assert_eq!(t.last_hit(a), 1_000, "stamped at insertion");
    assert!(t.idle_entries(1_500, 1_000).is_empty());
    t.record_hit(a, 2_000);
    assert_eq!(t.last_hit(a), 2_000);
    assert_eq!(t.idle_entries(2_500, 1_000), vec![b]);
    assert_eq!(t.idle_entries(3_500, 1_000), vec![a, b]);
    assert!(t.idle_entries(10, 1_000).is_empty(), "now < idle: none");
    // The clock moved to 3_500: a new entry starts its timer there.
    let c = t.insert(entry(vec![ex(&[3])], 0, 0, &[])).unwrap();
    assert_eq!(t.last_hit(c), 3_500);
    t.record_hit(EntryHandle(999), 5);
}

#[test]
fn clear_resets_everything() {
    for l in [
        layout(&[(MatchKind::Exact, 8)]),
        layout(&[(MatchKind::Lpm, 32)]),
        layout(&[(MatchKind::Ternary, 8)]),
    ] {
        let mut t = Table::new(l.clone(), 2);
        let m = match l.fields[0].kind {
            MatchKind::Exact => ex(&[1]),
            MatchKind::Lpm => lpm(&[10, 0, 0, 0], 8),
            _ => tern(&[1], &[0xFF]),
        };
        let key = if l.key_len() == 1 {
            vec![1]
        } else {
            vec![10, 1, 2, 3]
        };
        let h = t.insert(entry(vec![m.clone()], 1, 5, &[1])).unwrap();
        assert_eq!(t.lookup(&key), Some(h));
        t.clear();
        assert!(t.is_empty());
        assert_eq!(t.lookup(&key), None);
        assert_eq!(t.entries().count(), 0);
        assert_eq!(t.find(std::slice::from_ref(&m), 1), None);
        t.insert(entry(vec![m], 1, 5, &[1])).unwrap();
        assert_eq!(t.capacity(), 2);
    }
}

// ---------------------------------------------------------------- lpm

#[test]
fn lpm_longest_prefix_wins() {
    let mut t = Table::new(layout(&[(MatchKind::Lpm, 32)]), 100);
    assert_eq!(t.structure(), Structure::Lpm);
    let d = t.insert(entry(vec![lpm(&[0; 4], 0)], 0, 0, &[])).unwrap();
    let a = t
        .insert(entry(vec![lpm(&[10, 0, 0, 0], 8)], 0, 1, &[]))
        .unwrap();
    let b = t
        .insert(entry(vec![lpm(&[10, 1, 0, 0], 16)], 0, 2, &[]))
        .unwrap();
    let c = t
        .insert(entry(vec![lpm(&[10, 1, 2, 0], 23)], 0, 3, &[]))
        .unwrap();
    let e = t
        .insert(entry(vec![ex(&[10, 1, 2, 3])], 0, 4, &[]))
        .unwrap();
    assert_eq!(t.lookup(&[11, 0, 0, 0]), Some(d));
    assert_eq!(t.lookup(&[10, 9, 9, 9]), Some(a));
    assert_eq!(t.lookup(&[10, 1, 9, 9]), Some(b));
    assert_eq!(t.lookup(&[10, 1, 3, 9]), Some(c));
    assert_eq!(t.lookup(&[10, 1, 2, 3]), Some(e));
    assert_eq!(t.lookup(&[10, 1, 2, 4]), Some(c));
    assert_eq!(
        t.insert(entry(vec![lpm(&[10, 1, 2, 0], 23)], 0, 3, &[])),
        Err(TableError::Duplicate)
    );
    assert_eq!(t.spec(e).matches, vec![lpm(&[10, 1, 2, 3], 32)]);
    assert_eq!(t.spec(d).matches, vec![FieldMatch::Any]);
    // Deleting a middle prefix exposes the next shorter one.
    t.delete(&[lpm(&[10, 1, 0, 0], 16)], 0).unwrap();
    assert_eq!(t.lookup(&[10, 1, 9, 9]), Some(a));
    assert_eq!(t.lookup(&[10, 1, 3, 9]), Some(c));
    t.delete(&[lpm(&[10, 0, 0, 0], 8)], 0).unwrap();
    assert_eq!(t.lookup(&[10, 1, 9, 9]), Some(d));
    t.delete(&[FieldMatch::Any], 0).unwrap();
    assert_eq!(t.lookup(&[10, 1, 9, 9]), None);
    assert_eq!(t.lookup(&[10, 1, 2, 3]), Some(e));
    assert_eq!(t.modify(&[lpm(&[10, 1, 2, 0], 23)], 0, 42, &[7]), Ok(c));
    assert_eq!(t.action(c), 42);
    t.delete(&[lpm(&[10, 1, 2, 0], 23)], 0).unwrap();
    t.delete(&[ex(&[10, 1, 2, 3])], 0).unwrap();
    assert!(t.is_empty());
    assert_eq!(t.lookup(&[10, 1, 2, 3]), None);
    assert!(t.memory_bytes() > 0);
}

#[test]
fn lpm_with_exact_fields_and_odd_width() {
    // vrf (12 bits, exact) + an LPM field of 20 bits (3 bytes, 4 padding bits).
    let mut t = Table::new(layout(&[(MatchKind::Exact, 12), (MatchKind::Lpm, 20)]), 100);
    assert_eq!(t.structure(), Structure::Lpm);
    let a = t
        .insert(entry(vec![ex(&[0, 1]), lpm(&[0x0A, 0, 0], 4)], 0, 1, &[]))
        .unwrap();
    let b = t
        .insert(entry(vec![ex(&[0, 2]), lpm(&[0, 0, 0], 0)], 0, 2, &[]))
        .unwrap();
    assert_eq!(t.lookup(&[0, 1, 0x0A, 0xBC, 0xDE]), Some(a));
    assert_eq!(t.lookup(&[0, 1, 0x0B, 0xBC, 0xDE]), None);
    assert_eq!(t.lookup(&[0, 2, 0x0B, 0xBC, 0xDE]), Some(b));
    assert_eq!(t.lookup(&[0, 2, 0x1B, 0xBC, 0xDE]), None, "padding bit set");
    assert_eq!(t.lookup(&[0, 3, 0x0A, 0, 0]), None);
    // value bits beyond the prefix are an error
    assert!(matches!(
        t.insert(entry(
            vec![ex(&[0, 1]), lpm(&[0x0A, 0x80, 0], 4)],
            0,
            1,
            &[]
        )),
        Err(TableError::BadKey(_))
    ));
    assert!(matches!(
        t.insert(entry(vec![ex(&[0, 1]), lpm(&[0x0A, 0, 0], 21)], 0, 1, &[])),
        Err(TableError::BadKey(_))
    ));
    t.delete(&[ex(&[0, 2]), FieldMatch::Any], 0).unwrap();
    assert_eq!(t.lookup(&[0, 2, 0x0B, 0xBC, 0xDE]), None);
    assert_eq!(t.lookup(&[0, 1, 0x0A, 0xBC, 0xDE]), Some(a));
}

#[test]
fn lpm_ipv6_deep_prefixes() {
    let mut t = Table::new(layout(&[(MatchKind::Lpm, 128)]), 100);
    let mut v = [0u8; 16];
    v[0] = 0x20;
    v[1] = 0x01;
    let a = t.insert(entry(vec![lpm(&v, 16)], 0, 1, &[])).unwrap();
    let mut w = v;
    w[15] = 0x80;
    let b = t.insert(entry(vec![lpm(&w, 121)], 0, 2, &[])).unwrap();
    let c = t.insert(entry(vec![ex(&w)], 0, 3, &[])).unwrap();
    let mut k = w;
    assert_eq!(t.lookup(&k), Some(c));
    k[15] = 0x81;
    assert_eq!(t.lookup(&k), Some(b));
    k[15] = 0x01;
    assert_eq!(t.lookup(&k), Some(a));
    k[0] = 0x30;
    assert_eq!(t.lookup(&k), None);
    t.delete(&[lpm(&w, 121)], 0).unwrap();
    k = w;
    k[15] = 0x81;
    assert_eq!(t.lookup(&k), Some(a));
    assert_eq!(t.lookup(&w), Some(c));
}

#[test]
fn lpm_burst_matches_single_lookups() {
    let mut t = Table::new(layout(&[(MatchKind::Lpm, 32)]), 1 << 16);
    let mut x = 12345u32;
    for _ in 0..5000 {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let p = 8 + (x >> 27) % 25;
        let v = (x & (!0u32 << (32 - p))).to_be_bytes();
        let _ = t.insert(entry(vec![lpm(&v, p)], 0, 0, &[]));
    }
    let keys: Vec<[u8; 4]> = (0..1000u32)
        .map(|i| i.wrapping_mul(2_654_435_761).to_be_bytes())
        .collect();
    let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    let mut out = vec![None; refs.len()];
    t.lookup_burst(&refs, &mut out);
    for (k, o) in refs.iter().zip(&out) {
        assert_eq!(t.lookup(k), *o);
    }
}

// ---------------------------------------------------------------- tuple space

#[test]
fn ternary_priority_and_ties() {
    let mut t = Table::new(layout(&[(MatchKind::Ternary, 16)]), 100);
    assert_eq!(t.structure(), Structure::TupleSpace);
    let low = t.insert(entry(vec![FieldMatch::Any], 1, 1, &[])).unwrap();
    let hi = t
        .insert(entry(vec![tern(&[0x12, 0], &[0xFF, 0])], 10, 2, &[]))
        .unwrap();
    let tie_first = t
        .insert(entry(vec![tern(&[0, 0x34], &[0, 0xFF])], 10, 3, &[]))
        .unwrap();
    assert_eq!(
        t.lookup(&[0x12, 0x34]),
        Some(hi),
        "equal priority: first inserted wins"
    );
    assert_eq!(t.lookup(&[0x13, 0x34]), Some(tie_first));
    assert_eq!(t.lookup(&[0x13, 0x35]), Some(low));
    // Same match, other priority: a different entry.
    let top = t
        .insert(entry(vec![tern(&[0, 0x34], &[0, 0xFF])], 20, 4, &[]))
        .unwrap();
    assert_eq!(t.lookup(&[0x12, 0x34]), Some(top));
    assert_eq!(
        t.insert(entry(vec![tern(&[0, 0x34], &[0, 0xFF])], 20, 4, &[])),
        Err(TableError::Duplicate)
    );
    assert_eq!(t.find(&[tern(&[0, 0x34], &[0, 0xFF])], 10), Some(tie_first));
    t.delete(&[tern(&[0, 0x34], &[0, 0xFF])], 20).unwrap();
    assert_eq!(t.lookup(&[0x12, 0x34]), Some(hi));
    // Modify keeps the place in the tie order.
    t.modify(&[tern(&[0x12, 0], &[0xFF, 0])], 10, 9, &[1])
        .unwrap();
    assert_eq!(t.lookup(&[0x12, 0x34]), Some(hi));
    assert_eq!(
        t.spec(hi),
        entry(vec![tern(&[0x12, 0], &[0xFF, 0])], 10, 9, &[1])
    );
    assert_eq!(t.spec(low).matches, vec![FieldMatch::Any]);
    assert!(t.tuple_groups() >= 3);
    t.delete(&[FieldMatch::Any], 1).unwrap();
    assert_eq!(t.lookup(&[0x13, 0x35]), None);
    assert!(matches!(
        t.insert(entry(vec![tern(&[0x13, 0], &[0xFE, 0])], 1, 1, &[])),
        Err(TableError::BadKey(_))
    ));
}

#[test]
fn range_fields() {
    // src port range, dst port exact-ish (optional), proto ternary
    let mut t = Table::new(
        layout(&[
            (MatchKind::Range, 16),
            (MatchKind::Optional, 16),
            (MatchKind::Ternary, 8),
        ]),
        100,
    );
    let web = t
        .insert(entry(
            vec![range(&[0, 80], &[0, 90]), ex(&[0, 1]), FieldMatch::Any],
            5,
            1,
            &[],
        ))
        .unwrap();
    let wide = t
        .insert(entry(
            vec![range(&[0, 0], &[0x10, 0]), ex(&[0, 1]), FieldMatch::Any],
            3,
            2,
            &[],
        ))
        .unwrap();
    let single = t
        .insert(entry(
            vec![
                range(&[0, 85], &[0, 85]),
                FieldMatch::Any,
                tern(&[6], &[0xFF]),
            ],
            9,
            3,
            &[],
        ))
        .unwrap();
    let any = t
        .insert(entry(
            vec![
                range(&[0, 0], &[0xFF, 0xFF]),
                FieldMatch::Any,
                FieldMatch::Any,
            ],
            0,
            4,
            &[],
        ))
        .unwrap();
    assert_eq!(t.spec(any).matches, vec![FieldMatch::Any; 3]);
    assert_eq!(t.lookup(&[0, 85, 0, 1, 6]), Some(single));
    assert_eq!(t.lookup(&[0, 85, 0, 1, 17]), Some(web));
    assert_eq!(t.lookup(&[0, 91, 0, 1, 17]), Some(wide));
    assert_eq!(t.lookup(&[0x10, 0, 0, 1, 17]), Some(wide));
    assert_eq!(t.lookup(&[0x10, 1, 0, 1, 17]), Some(any));
    assert_eq!(t.lookup(&[0, 85, 0, 2, 17]), Some(any));
    t.delete(
        &[range(&[0, 80], &[0, 90]), ex(&[0, 1]), FieldMatch::Any],
        5,
    )
    .unwrap();
    assert_eq!(t.lookup(&[0, 85, 0, 1, 17]), Some(wide));
    assert!(matches!(
        t.insert(entry(
            vec![range(&[0, 91], &[0, 90]), ex(&[0, 1]), FieldMatch::Any],
            1,
            1,
            &[]
        )),
        Err(TableError::BadKey(_))
    ));
}

#[test]
fn lpm_mixed_with_ternary_uses_priority() {
    let mut t = Table::new(layout(&[(MatchKind::Lpm, 32), (MatchKind::Ternary, 8)]), 10);
    assert_eq!(t.structure(), Structure::TupleSpace);
    let short = t
        .insert(entry(
            vec![lpm(&[10, 0, 0, 0], 8), FieldMatch::Any],
            100,
            1,
            &[],
        ))
        .unwrap();
    let long = t
        .insert(entry(
            vec![lpm(&[10, 1, 0, 0], 16), FieldMatch::Any],
            1,
            2,
            &[],
        ))
        .unwrap();
    assert_eq!(t.lookup(&[10, 1, 2, 3, 0]), Some(short));
    t.delete(&[lpm(&[10, 0, 0, 0], 8), FieldMatch::Any], 100)
        .unwrap();
    assert_eq!(t.lookup(&[10, 1, 2, 3, 0]), Some(long));
}

#[test]
fn exact_input_on_other_kinds_is_canonicalised() {
    let mut t = Table::new(
        layout(&[(MatchKind::Ternary, 8), (MatchKind::Range, 8)]),
        10,
    );
    let h = t
        .insert(entry(vec![ex(&[5]), ex(&[7])], 1, 0, &[]))
        .unwrap();
    assert_eq!(
        t.spec(h).matches,
        vec![tern(&[5], &[0xFF]), range(&[7], &[7])]
    );
    assert_eq!(
        t.find(&[tern(&[5], &[0xFF]), range(&[7], &[7])], 1),
        Some(h)
    );
    assert_eq!(t.lookup(&[5, 7]), Some(h));
    assert_eq!(t.lookup(&[5, 8]), None);
}

#[test]
fn bytes_per_entry_report() {
    // A smaller stand-in for the 1M-entry bench figure, printed for the record.
    let n = 100_000u32;
    let mut t = Table::new(layout(&[(MatchKind::Exact, 104)]), n as usize);
    for i in 0..n {
        let mut k = [0u8; 13];
        k[..4].copy_from_slice(&i.to_be_bytes());
        k[12] = 6;
        t.insert(entry(vec![ex(&k)], 0, 1, &[0; 8])).unwrap();
    }
    let per = t.memory_bytes() as f64 / t.len() as f64;
    println!("exact 13-byte key, 8-byte data, {n} entries: {per:.1} bytes/entry");
    assert!(per < 64.0, "{per}");
}

/// `entry` gives an entry's action and data in one call, as `action` and `data` do apart, in
/// every structure; a deleted entry's handle gives action 0 and no data.
#[test]
fn entry_reads_action_and_data_together() {
    for fields in [
        vec![(MatchKind::Exact, 48)],
        vec![(MatchKind::Lpm, 32)],
        vec![(MatchKind::Ternary, 16), (MatchKind::Exact, 8)],
    ] {
        let kinds: Vec<MatchKind> = fields.iter().map(|f| f.0).collect();
        let mut t = Table::new(layout(&fields), 64);
        let mut handles = Vec::new();
        for i in 0..40u8 {
            let matches: Vec<FieldMatch> = fields
                .iter()
                .map(|&(k, w)| {
                    let v = vec![i; (w / 8) as usize];
                    match k {
                        MatchKind::Lpm => lpm(&v, w),
                        MatchKind::Ternary => FieldMatch::Ternary {
                            value: v.clone(),
                            mask: vec![0xff; v.len()],
                        },
                        _ => ex(&v),
                    }
                })
                .collect();
            let data = vec![i.wrapping_mul(3); usize::from(i % 7)];
            let h = t
                .insert(entry(matches.clone(), 0, 100 + u32::from(i), &data))
                .expect("insert");
            handles.push((h, matches, data));
        }
        for (h, _, data) in &handles {
            assert_eq!(t.entry(*h), (t.action(*h), t.data(*h)), "{kinds:?}");
            assert_eq!(t.entry(*h).1, &data[..], "{kinds:?}");
        }
        let (h, matches, _) = handles.pop().expect("entries");
        t.delete(&matches, 0).expect("delete");
        assert_eq!(t.entry(h), (0, &[][..]), "{kinds:?}: stale handle");
        for (h, _, data) in &handles {
            assert_eq!(t.entry(*h).1, &data[..], "{kinds:?} after a delete");
        }
    }
}

/// `lookup_hashed_n` (the key's length a constant) answers as `lookup` does, and misses for a
/// key of another length.
#[test]
fn fixed_length_lookup_agrees_with_lookup() {
    let mut t = Table::new(layout(&[(MatchKind::Exact, 48)]), 256);
    for i in 0..200u16 {
        let k = [i as u8, (i >> 8) as u8, 7, 7, (i * 3) as u8, 1];
        t.insert(entry(vec![ex(&k)], 0, u32::from(i), &[]))
            .expect("insert");
    }
    for i in 0..400u16 {
        let k = [i as u8, (i >> 8) as u8, 7, 7, (i * 3) as u8, 1];
        let h = exo_tables::hash_bytes(&k);
        let got = t.lookup_hashed_n(&k, h);
        assert_eq!(got, t.lookup(&k), "key {k:?}");
        assert_eq!(got.is_some(), i < 200, "key {k:?}");
        let short = [k[0], k[1], k[2], k[3], k[4]];
        assert_eq!(
            t.lookup_hashed_n(&short, exo_tables::hash_bytes(&short)),
            None
        );
    }
}
