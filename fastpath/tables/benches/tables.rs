//! Lookup benchmarks for each structure. Each iteration resolves a batch of 32 keys (one
//! `lookup_burst`, or 32 `lookup`s), so throughput is reported per key. Query keys are drawn
//! uniformly among keys that hit an entry and stored contiguously, as packet headers would be.
//! Bytes per entry (`memory_bytes() / len()`) is printed when each table is built.
//!
//! `cargo bench -p exo-tables -- --measurement-time 2 --warm-up-time 1`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use exo_tables::{EntryHandle, EntrySpec, FieldMatch, KeyField, KeyLayout, MatchKind, Table};

const BURST: usize = 32;
const QUERIES: usize = 1 << 14;

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
        self.next() % n
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

/// A table and a contiguous buffer of query keys.
struct Setup {
    table: Table,
    key_len: usize,
    queries: Vec<u8>,
}

fn report(name: &str, t: &Table) {
    println!(
        "{name}: {} entries, {} bytes, {:.1} bytes/entry",
        t.len(),
        t.memory_bytes(),
        t.memory_bytes() as f64 / t.len().max(1) as f64
    );
}

fn exact_setup(n: usize) -> Setup {
    let mut r = Rng(n as u64);
    let mut t = Table::new(
        layout(&[
            (MatchKind::Exact, 32),
            (MatchKind::Exact, 32),
            (MatchKind::Exact, 8),
            (MatchKind::Exact, 16),
            (MatchKind::Exact, 16),
        ]),
        n,
    );
    let mut keys = Vec::with_capacity(n);
    while keys.len() < n {
        let mut k = [0u8; 13];
        for b in k.iter_mut() {
            *b = r.next() as u8;
        }
        let m = vec![
            FieldMatch::Exact(k[0..4].to_vec()),
            FieldMatch::Exact(k[4..8].to_vec()),
            FieldMatch::Exact(k[8..9].to_vec()),
            FieldMatch::Exact(k[9..11].to_vec()),
            FieldMatch::Exact(k[11..13].to_vec()),
        ];
        let e = EntrySpec {
            matches: m,
            priority: 0,
            action: 1,
            data: r.next().to_le_bytes().to_vec(),
        };
        if t.insert(e).is_ok() {
            keys.push(k);
        }
    }
    report(&format!("exact {n}"), &t);
    let mut queries = Vec::with_capacity(QUERIES * 13);
    for _ in 0..QUERIES {
        queries.extend_from_slice(&keys[r.below(n as u64) as usize]);
    }
    Setup {
        table: t,
        key_len: 13,
        queries,
    }
}

/// Prefix lengths roughly like a BGP table: mostly /24, then /16-/23.
fn ipv4_len(r: &mut Rng) -> u32 {
    match r.below(100) {
        0..=49 => 24,
        50..=84 => 16 + r.below(8) as u32,
        85..=94 => 8 + r.below(8) as u32,
        _ => 25 + r.below(8) as u32,
    }
}

fn ipv6_len(r: &mut Rng) -> u32 {
    match r.below(100) {
        0..=39 => 48,
        40..=89 => 32 + r.below(33) as u32,
        _ => 65 + r.below(64) as u32,
    }
}

fn mask_prefix(v: &mut [u8], p: u32) {
    for (i, b) in v.iter_mut().enumerate() {
        let start = i as u32 * 8;
        if p <= start {
            *b = 0;
        } else if p < start + 8 {
            *b &= 0xFFu8 << (8 - (p - start));
        }
    }
}

fn lpm_setup(width: u32, n: usize, len: fn(&mut Rng) -> u32) -> Setup {
    let bytes = (width / 8) as usize;
    let mut r = Rng(u64::from(width) * 7 + n as u64);
    let mut t = Table::new(layout(&[(MatchKind::Lpm, width)]), n + 1);
    t.insert(EntrySpec {
        matches: vec![FieldMatch::Any],
        priority: 0,
        action: 0,
        data: vec![0; 8],
    })
    .ok();
    let mut prefixes = Vec::with_capacity(n);
    while prefixes.len() < n {
        let mut v: Vec<u8> = (0..bytes).map(|_| r.next() as u8).collect();
        if width == 128 {
            v[0] = 0x20 | (v[0] & 0x1F); // 2000::/3
        }
        let p = len(&mut r);
        mask_prefix(&mut v, p);
        let e = EntrySpec {
            matches: vec![FieldMatch::Lpm {
                value: v.clone(),
                prefix_len: p,
            }],
            priority: 0,
            action: 1,
            data: r.next().to_le_bytes().to_vec(),
        };
        if t.insert(e).is_ok() {
            prefixes.push((v, p));
        }
    }
    report(&format!("lpm{width} {n}"), &t);
    let mut queries = Vec::with_capacity(QUERIES * bytes);
    for _ in 0..QUERIES {
        let (v, p) = &prefixes[r.below(n as u64) as usize];
        let mut host: Vec<u8> = (0..bytes).map(|_| r.next() as u8).collect();
        let mut keep = vec![0xFFu8; bytes];
        mask_prefix(&mut keep, *p);
        for ((h, v), k) in host.iter_mut().zip(v).zip(&keep) {
            *h = (*h & !k) | v;
        }
        queries.extend_from_slice(&host);
    }
    Setup {
        table: t,
        key_len: bytes,
        queries,
    }
}

/// 5-tuple ACL: 1K rules spread over 10 masks (prefixes on the addresses, protocol and ports
/// exact or wildcarded).
fn ternary_setup(n: usize, n_masks: usize) -> Setup {
    let mut r = Rng(99);
    let widths = [32u32, 32, 8, 16, 16];
    let fields: Vec<(MatchKind, u32)> = widths.iter().map(|&w| (MatchKind::Ternary, w)).collect();
    let mut t = Table::new(layout(&fields), n);
    let masks: Vec<Vec<Vec<u8>>> = (0..n_masks)
        .map(|i| {
            widths
                .iter()
                .enumerate()
                .map(|(f, &w)| {
                    let nb = (w / 8) as usize;
                    let mut m = vec![0xFFu8; nb];
                    let p = match f {
                        0 | 1 => [8, 16, 24, 32][(i + f) % 4],
                        _ if (i >> f) & 1 == 0 => w,
                        _ => 0,
                    };
                    mask_prefix(&mut m, p);
                    m
                })
                .collect()
        })
        .collect();
    let mut rules = Vec::with_capacity(n);
    while rules.len() < n {
        let mk = &masks[rules.len() % n_masks];
        let values: Vec<Vec<u8>> = mk
            .iter()
            .map(|m| m.iter().map(|b| b & r.next() as u8).collect())
            .collect();
        let e = EntrySpec {
            matches: values
                .iter()
                .zip(mk)
                .map(|(v, m)| {
                    if m.iter().all(|&b| b == 0) {
                        FieldMatch::Any
                    } else {
                        FieldMatch::Ternary {
                            value: v.clone(),
                            mask: m.clone(),
                        }
                    }
                })
                .collect(),
            priority: r.below(1000) as i32,
            action: 1,
            data: r.next().to_le_bytes().to_vec(),
        };
        if t.insert(e).is_ok() {
            rules.push((values, mk.clone()));
        }
    }
    report(
        &format!("ternary {n} rules / {} masks", t.tuple_groups()),
        &t,
    );
    let mut queries = Vec::with_capacity(QUERIES * 13);
    for _ in 0..QUERIES {
        let (vals, mk) = &rules[r.below(n as u64) as usize];
        for (v, m) in vals.iter().zip(mk) {
            for (v, m) in v.iter().zip(m) {
                queries.push((r.next() as u8 & !m) | v);
            }
        }
    }
    Setup {
        table: t,
        key_len: 13,
        queries,
    }
}

fn bench_setup(c: &mut Criterion, group: &str, label: &str, s: &Setup) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(BURST as u64));
    let keys: Vec<&[u8]> = s.queries.chunks_exact(s.key_len).collect();
    let batches = keys.len() / BURST;
    let mut i = 0usize;
    g.bench_function(BenchmarkId::new("lookup", label), |b| {
        b.iter(|| {
            let batch = &keys[(i % batches) * BURST..(i % batches + 1) * BURST];
            i += 1;
            let mut hits = 0u32;
            for k in batch {
                hits += u32::from(s.table.lookup(black_box(k)).is_some());
            }
            black_box(hits)
        })
    });
    let mut out = [None::<EntryHandle>; BURST];
    g.bench_function(BenchmarkId::new("burst32", label), |b| {
        b.iter(|| {
            let batch = &keys[(i % batches) * BURST..(i % batches + 1) * BURST];
            i += 1;
            s.table.lookup_burst(black_box(batch), &mut out);
            black_box(&out);
        })
    });
    g.finish();
}

fn exact(c: &mut Criterion) {
    for (n, label) in [(1_000, "1K"), (100_000, "100K"), (1_000_000, "1M")] {
        let s = exact_setup(n);
        bench_setup(c, "exact", label, &s);
    }
}

fn lpm(c: &mut Criterion) {
    let s = lpm_setup(32, 100_000, ipv4_len);
    bench_setup(c, "lpm", "ipv4-100K", &s);
    let s = lpm_setup(128, 10_000, ipv6_len);
    bench_setup(c, "lpm", "ipv6-10K", &s);
}

fn ternary(c: &mut Criterion) {
    let s = ternary_setup(1_000, 10);
    bench_setup(c, "ternary", "1K-rules-10-masks", &s);
}

criterion_group!(benches, exact, lpm, ternary);
criterion_main!(benches);
