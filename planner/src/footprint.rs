//! Resource models: how much of a device an app takes when it serves a given number of flows
//! (`R_{p,q,i,r}` of §5, as cumulative usage over the most popular quanta).
//!
//! Switch: Tofino-style packing. Exact-match tables go to SRAM words (several narrow entries per
//! 128-bit word, wide entries over several words, cuckoo fill factor), ternary/LPM/range keys to
//! TCAM blocks with action data in SRAM; registers, counters and meters to SRAM with a spare
//! block, map RAM, and a stateful ALU per register; every table takes a logical table id,
//! crossbar bytes for its key and hash bits for its way selection. Stage dependencies are not
//! modelled (the resources are pooled over the pipeline); `--compiler` gives the real answer.

use crate::catalog::{Memory, Pipeline};
use crate::profile::{AppProfile, ObjectKind, ObjectProfile};

/// Usage vector in the order of [`crate::catalog::SWITCH_RESOURCES`].
pub type Usage = [f64; 7];

fn ceil_div(a: u64, b: u64) -> u64 {
    if b == 0 {
        0
    } else {
        a.div_ceil(b)
    }
}

fn log2_ceil(n: u64) -> u64 {
    if n <= 1 {
        0
    } else {
        u64::from(64 - (n - 1).leading_zeros())
    }
}

/// SRAM blocks, hash bits for an exact-match store of `n` entries `width` bits wide.
fn exact_blocks(p: &Pipeline, n: u64, width: u32) -> (u64, u64) {
    if n == 0 {
        return (0, 0);
    }
    let word = u64::from(p.sram_word_bits);
    let words = u64::from(p.sram_block_words);
    let width = u64::from(width.max(1));
    let slots = (n as f64 / p.exact_match_fill).ceil() as u64;
    let blocks = if width <= word {
        let per_word = (word / width).min(5);
        ceil_div(slots, per_word * words)
    } else {
        ceil_div(width, word) * ceil_div(slots, words)
    };
    // Four cuckoo ways, each indexing 10 bits of row plus the block-select bits.
    let ways = blocks.clamp(1, 4);
    let hash = ways * (log2_ceil(words) + log2_ceil(ceil_div(blocks, ways)));
    (blocks, hash)
}

/// Usage of one object holding `n` entries (or cells).
pub fn object_usage(p: &Pipeline, o: &ObjectProfile, n: u64) -> Usage {
    let mut u = [0.0; 7];
    if n == 0 {
        return u;
    }
    let words = u64::from(p.sram_block_words);
    let word = u64::from(p.sram_word_bits);
    let array_blocks = |bits: u64| ceil_div(n * bits, words * word);
    match o.kind {
        ObjectKind::Table => {
            let overhead = 4 + log2_ceil(u64::from(o.actions.max(1))) as u32;
            if o.ternary() {
                let tk = o.tcam_key_bits();
                u[1] = (ceil_div(u64::from(tk.max(1)), u64::from(p.tcam_block_bits))
                    * ceil_div(n, u64::from(p.tcam_block_entries))) as f64;
                u[0] = array_blocks(u64::from(o.data_bits + overhead)) as f64;
                u[6] = ceil_div(u64::from(tk), 8) as f64;
            } else {
                let (blocks, hash) = exact_blocks(p, n, o.key_bits + o.data_bits + overhead);
                u[0] = blocks as f64;
                u[3] = hash as f64;
                u[6] = ceil_div(u64::from(o.key_bits), 8) as f64;
            }
            if o.idle_timeout {
                // 2-bit idle timers, 5 per 10-bit map-RAM word.
                u[4] += ceil_div(n, 5 * words) as f64;
            }
            if o.direct_counter {
                let b = array_blocks(64);
                u[0] += b as f64;
                u[4] += b as f64;
            }
            if o.direct_meter {
                let b = array_blocks(128);
                u[0] += b as f64;
                u[4] += b as f64;
            }
            u[5] = 1.0;
        }
        ObjectKind::Register | ObjectKind::Counter | ObjectKind::Meter => {
            let bits = u64::from(o.data_bits.max(1)).next_power_of_two().max(8);
            let b = array_blocks(bits) + 1;
            u[0] = b as f64;
            u[4] = b as f64;
            u[3] = log2_ceil(n) as f64;
            if o.kind != ObjectKind::Counter {
                u[2] = 1.0;
            }
            u[5] = 1.0;
        }
        ObjectKind::ActionProfile | ObjectKind::ActionSelector => {
            u[0] = array_blocks(64) as f64;
            if o.kind == ObjectKind::ActionSelector {
                u[3] = 16.0;
                u[2] = 1.0;
            }
        }
    }
    u
}

/// Union-key bits plus the flow manager's per-entry overhead.
pub fn flow_manager_object(profile: &AppProfile, entries: u64) -> ObjectProfile {
    ObjectProfile {
        name: "exo_fm".into(),
        kind: ObjectKind::Table,
        size: entries,
        per_flow: true,
        key_bits: profile.union_key_bits(),
        data_bits: 0,
        actions: 2,
        match_kinds: vec!["exact".into()],
        idle_timeout: true,
        direct_counter: false,
        direct_meter: false,
        dp_updatable: None,
    }
}

/// Entries of object `o` on a device that serves `flows` of `total_flows` flows.
pub fn entries_on(o: &ObjectProfile, flows: u64, total_flows: u64) -> u64 {
    if flows == 0 {
        0
    } else if o.per_flow && flows < total_flows {
        o.size.min(flows).max(1)
    } else {
        o.size
    }
}

/// Switch usage of an app serving its `flows` most popular flows (0: the app is not on the
/// switch). `flow_manager` adds the per-app flow manager (not needed when all flows are there).
pub fn switch_usage(
    p: &Pipeline,
    profile: &AppProfile,
    flows: u64,
    total_flows: u64,
    flow_manager: bool,
) -> Usage {
    let mut u = [0.0; 7];
    if flows == 0 {
        return u;
    }
    let mut add = |v: Usage| {
        for (a, b) in u.iter_mut().zip(v) {
            *a += b;
        }
    };
    for o in &profile.objects {
        add(object_usage(p, o, entries_on(o, flows, total_flows)));
    }
    if flow_manager {
        add(object_usage(p, &flow_manager_object(profile, flows), flows));
    }
    u[3] += f64::from(profile.hash_bits);
    u
}

/// Bytes of state of an app on a NIC or server (all flows).
pub fn memory_bytes(m: &Memory, profile: &AppProfile) -> u64 {
    profile
        .objects
        .iter()
        .map(|o| {
            let per = match o.kind {
                ObjectKind::Table => {
                    ceil_div(u64::from(o.key_bits + o.data_bits), 8) + m.entry_overhead_bytes
                }
                _ => ceil_div(u64::from(o.data_bits), 8).max(1),
            };
            o.size.saturating_mul(per)
        })
        .fold(0u64, u64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn table(key_bits: u32, kinds: &[&str], size: u64) -> ObjectProfile {
        ObjectProfile {
            name: "t".into(),
            kind: ObjectKind::Table,
            size,
            per_flow: true,
            key_bits,
            data_bits: 32,
            actions: 2,
            match_kinds: kinds.iter().map(|s| s.to_string()).collect(),
            idle_timeout: false,
            direct_counter: false,
            direct_meter: false,
            dp_updatable: None,
        }
    }

    #[test]
    fn exact_tables_grow_with_entries_and_ternary_uses_tcam() {
        let c = Catalog::builtin().expect("catalog");
        let p = c
            .get("tofino1")
            .and_then(|m| m.pipeline.clone())
            .expect("pipe");
        let t = table(104, &["exact"], 1 << 20);
        let small = object_usage(&p, &t, 1000);
        let big = object_usage(&p, &t, 100_000);
        assert!(
            small[0] >= 1.0 && big[0] > small[0] * 50.0,
            "{small:?} {big:?}"
        );
        assert_eq!(small[1], 0.0);
        let a = table(104, &["ternary"], 1 << 20);
        let u = object_usage(&p, &a, 1024);
        assert_eq!(u[1], 3.0 * 2.0);
        // The paper's flow manager (§7.5): 10240 5-tuple entries with idle timeout take a few
        // percent of the SRAM and map RAM.
        let mut fm = table(104, &["exact"], 10240);
        fm.data_bits = 0;
        fm.idle_timeout = true;
        let u = object_usage(&p, &fm, 10240);
        let cap = p.capacities();
        assert!(u[0] / cap[0] < 0.05 && u[0] / cap[0] > 0.005, "{u:?}");
        assert!(u[4] / cap[4] < 0.05, "{u:?}");
    }

    #[test]
    fn usage_is_monotone_in_flows() {
        let c = Catalog::builtin().expect("catalog");
        let p = c
            .get("tofino1")
            .and_then(|m| m.pipeline.clone())
            .expect("pipe");
        let prof = AppProfile {
            app: "a".into(),
            ingress: "I".into(),
            union_key: vec![crate::profile::UnionKeyField {
                path: "hdr.x".into(),
                bits: 32,
            }],
            union_key_annotated: true,
            traffic_class: None,
            objects: vec![table(32, &["exact"], 50_000), table(32, &["ternary"], 500)],
            features: Default::default(),
            hash_bits: 0,
        };
        let mut prev = [0.0; 7];
        for f in (0..100_000).step_by(997) {
            let u = switch_usage(&p, &prof, f, 100_000, true);
            for r in 0..7 {
                assert!(u[r] >= prev[r], "resource {r} at {f}");
            }
            prev = u;
        }
    }
}
