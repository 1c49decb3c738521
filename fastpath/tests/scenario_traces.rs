//! The paper's two scenarios (examples/gateway.toml, examples/leaf.toml) on the engine: a seeded
//! trace of each scenario from `exo-traffic`, every app of `p4/apps` loaded with the entries
//! `exo-traffic` writes for that trace and fed its own traffic class's packets. Every packet is
//! checked against what the generator intends for its flow (`exo_traffic::apps::expect`: port,
//! Ethernet addresses, translation, decapsulation/encapsulation, drop), checksums are verified
//! from scratch, and the apps' counters, registers and digests are compared with models written
//! here (zlib's CRC-32 and BMv2's CRC-16 for the hash-indexed state) rather than with a first run
//! of the engine. The SYN paths the traces do not carry (new connections: firewall digests, SYN
//! cookies and the proxy's handshake) are driven with packets of flows beyond the keyspace.

use exo_fastpath::runtime::KeyValue;
use exo_fastpath::{OutPacket, Outputs, Pipeline};
use exo_traffic::apps::expect::{self, Egress, Expected, Rewrite};
use exo_traffic::apps::{write_entries, write_packet, AppKind, AppSpace, PacketCtx};
use exo_traffic::apps::{PORT_HOSTS, SWITCH_MAC, UPLINK_MAC};
use exo_traffic::config;
use exo_traffic::gen::{Generator, TraceConfig};
use exo_traffic::wire::{checksum, fold, ones_sum};
use exo_traffic::SizeDist;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Keyspace per app: small enough for entries to load fast in a debug build, large enough for
/// thousands of distinct flows.
const FLOWS: u64 = 4096;
/// Packets per scenario (about a quarter per app).
const PACKETS: u64 = 8000;
const SEED: u64 = 11;
/// Packet sizes of the second trace of each scenario: minimal frames and odd lengths (odd
/// payloads in the checksums).
const MIXED_SIZES: &str = "60:1,64:1,77:1,577:1,1333:1,1500:1";
/// NetCache keys cached: the top 16, so that the next popular keys become hot (reported).
const CACHED_KEYS: u64 = 16;
const HOT_THRESHOLD: u32 = 8;
/// At most this many failures are listed per app.
const MAX_FAILURES: usize = 12;

// ---- trace and apps ---------------------------------------------------------------------------

struct Pkt {
    app: usize,
    flow: u64,
    ts_ns: u64,
    data: Vec<u8>,
}

struct Trace {
    /// The scenario, and the packet sizes when not the scenario's.
    label: String,
    cfg: TraceConfig,
    pkts: Vec<Pkt>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The scenario's trace with [`FLOWS`] flows per app and [`PACKETS`] packets, with its own
/// packet sizes (1500 B) and with [`MIXED_SIZES`].
fn traces(scenario: &str) -> [Trace; 2] {
    let mixed = SizeDist::parse(MIXED_SIZES).expect("sizes");
    [trace(scenario, None), trace(scenario, Some(mixed))]
}

fn trace(scenario: &str, sizes: Option<SizeDist>) -> Trace {
    let path = root().join("examples").join(format!("{scenario}.toml"));
    let s = exo_scenario::Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut cfg = config::from_scenario(&s);
    cfg.packets = PACKETS;
    cfg.seed = SEED;
    for a in &mut cfg.apps {
        a.flows = FLOWS;
        if let Some(sizes) = &sizes {
            a.sizes = sizes.clone();
        }
    }
    let mut g = Generator::new(&cfg).expect("valid trace configuration");
    let mut pkts = Vec::with_capacity(PACKETS as usize);
    while let Some(p) = g.next() {
        pkts.push(Pkt {
            app: p.app,
            flow: p.flow,
            ts_ns: p.ts_ns,
            data: p.data.to_vec(),
        });
    }
    let label = match sizes {
        None => format!("{scenario} trace"),
        Some(_) => format!("{scenario} trace, sizes {MIXED_SIZES}"),
    };
    Trace { label, cfg, pkts }
}

impl Trace {
    fn app(&self, kind: AppKind) -> (usize, AppSpace) {
        let i = self
            .cfg
            .apps
            .iter()
            .position(|a| a.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} in the scenario"));
        (i, self.cfg.space(i))
    }

    fn packets_of(&self, app: usize) -> impl Iterator<Item = &Pkt> {
        self.pkts.iter().filter(move |p| p.app == app)
    }
}

/// `p4/apps/<kind>.p4` on the engine, with the entries exo-traffic writes for `space`.
fn load(kind: AppKind, space: &AppSpace, cached_keys: u64) -> Pipeline {
    let path = root().join("p4/apps").join(format!("{}.p4", kind.name()));
    let c = exo_p4::compile_file(&path, &exo_p4::CompileOptions::default());
    let Some(ir) = c.ir.as_ref() else {
        panic!("{kind}: {}", c.render_diagnostics())
    };
    let mut pipe = Pipeline::from_ir(ir).unwrap_or_else(|e| panic!("{kind}: {e}"));
    let mut text = Vec::new();
    write_entries(space, cached_keys, &mut text).expect("entries");
    let text = String::from_utf8(text).expect("utf-8 entries");
    let name = format!("{kind}.stf (generated entries)");
    let report = exo_fastpath::stf::run(&mut pipe, &name, &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.passed(), "{name}: {:?}", report.failures);
    pipe
}

fn process(pipe: &mut Pipeline, data: &[u8], port: u16, now: u64) -> Vec<OutPacket> {
    let mut out = Outputs::new();
    pipe.process(data, port as u32, now, &mut out);
    out.as_slice().to_vec()
}

/// Failures of one app, listed up to [`MAX_FAILURES`] and counted beyond.
#[derive(Default)]
struct Failures {
    list: Vec<String>,
    count: usize,
}

impl Failures {
    fn push(&mut self, msg: String) {
        self.count += 1;
        if self.list.len() < MAX_FAILURES {
            self.list.push(msg);
        }
    }

    fn check(&mut self, ok: bool, msg: impl FnOnce() -> String) {
        if !ok {
            self.push(msg());
        }
    }

    fn assert_none(&self, what: &str) {
        assert!(
            self.count == 0,
            "{what}: {} failure(s):\n  {}",
            self.count,
            self.list.join("\n  ")
        );
    }
}

// ---- independent models: CRCs, checksums, frames ----------------------------------------------

/// zlib's CRC-32 (BMv2's `crc32`).
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// CRC-16/ARC (BMv2's `crc16`).
fn crc16(data: &[u8]) -> u16 {
    let mut c = 0u16;
    for &b in data {
        c ^= b as u16;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xa001
            } else {
                c >> 1
            };
        }
    }
    c
}

fn be16(f: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([f[at], f[at + 1]])
}

fn be32(f: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([f[at], f[at + 1], f[at + 2], f[at + 3]])
}

fn put16(f: &mut [u8], at: usize, v: u16) {
    f[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

fn put32(f: &mut [u8], at: usize, v: u32) {
    f[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Offset of the L4 header of an Ethernet/IPv4 frame.
fn l4_at(f: &[u8]) -> usize {
    14 + (f[14] & 0xf) as usize * 4
}

/// IPv4 5-tuple of an Ethernet/IPv4 TCP or UDP frame, as the apps' keys concatenate it.
fn tuple_bytes(f: &[u8]) -> [u8; 13] {
    let l4 = l4_at(f);
    let mut k = [0u8; 13];
    k[0..8].copy_from_slice(&f[26..34]);
    k[8] = f[23];
    k[9..13].copy_from_slice(&f[l4..l4 + 4]);
    k
}

/// The TCP/UDP checksum of an Ethernet/IPv4 frame computed from scratch (the field as zero),
/// before RFC 768's "0 is sent as 0xffff".
fn l4_checksum_raw(f: &[u8]) -> u16 {
    let l4 = l4_at(f);
    let seg_len = be16(f, 16) as usize - (l4 - 14);
    let at = l4 + if f[23] == 6 { 16 } else { 6 };
    let mut seg = f[l4..l4 + seg_len].to_vec();
    seg[at - l4..at - l4 + 2].fill(0);
    let pseudo = ones_sum(&f[26..34]) + f[23] as u64 + seg_len as u64;
    !fold(pseudo + ones_sum(&seg))
}

/// Recomputes the IPv4 header checksum and the TCP/UDP checksum of a frame.
fn fix_checksums(f: &mut [u8]) {
    let ihl = (f[14] & 0xf) as usize * 4;
    put16(f, 24, 0);
    let c = checksum(&f[14..14 + ihl]);
    put16(f, 24, c);
    let l4 = l4_at(f);
    let mut c = l4_checksum_raw(f);
    if f[23] == 17 && c == 0 {
        c = 0xffff;
    }
    put16(f, l4 + if f[23] == 6 { 16 } else { 6 }, c);
}

/// Byte ranges of the checksums a frame's rewrite changes: IPv4 headers (outer and, in VXLAN,
/// inner) and the TCP/UDP checksum of a frame that is not a VXLAN tunnel.
fn checksum_fields(f: &[u8]) -> [std::ops::Range<usize>; 2] {
    let l4 = l4_at(f);
    let second = match f[23] {
        17 if be16(f, l4 + 2) == 4789 => {
            let inner_ip = l4 + 16 + 14;
            inner_ip + 10..inner_ip + 12
        }
        6 => l4 + 16..l4 + 18,
        17 => l4 + 6..l4 + 8,
        _ => 0..0,
    };
    [24..26, second]
}

/// What a UDP checksum of 0 may mean in an output.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UdpZero {
    /// Nothing: the packet's checksum must be right.
    Wrong,
    /// The right checksum is 0xffff (nat.p4 sends 0 then: its documented limitation).
    NatLimitation,
    /// No checksum (RFC 768), as NetCache replies are sent.
    NoChecksum,
}

/// Every checksum of an Ethernet/IPv4 frame is right (recursively inside VXLAN).
fn verify_checksums(f: &[u8], udp_zero: UdpZero) -> Result<(), String> {
    let ihl = (f[14] & 0xf) as usize * 4;
    if checksum(&f[14..14 + ihl]) != 0 {
        return Err(format!("bad IPv4 header checksum {:#06x}", be16(f, 24)));
    }
    let l4 = l4_at(f);
    match f[23] {
        17 if be16(f, l4 + 2) == 4789 => {
            if be16(f, l4 + 6) != 0 {
                return Err("VXLAN outer UDP checksum not 0".into());
            }
            verify_checksums(&f[l4 + 16..], udp_zero).map_err(|e| format!("inner: {e}"))
        }
        6 | 17 => {
            let at = l4 + if f[23] == 6 { 16 } else { 6 };
            let got = be16(f, at);
            let raw = l4_checksum_raw(f);
            let ok = if f[23] == 17 && got == 0 {
                match udp_zero {
                    UdpZero::Wrong => false,
                    UdpZero::NatLimitation => raw == 0,
                    UdpZero::NoChecksum => true,
                }
            } else {
                // 0x0000 and 0xffff are the same number in ones' complement.
                got == raw || (raw == 0 && got == 0xffff) || (raw == 0xffff && got == 0)
            };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "bad L4 checksum {got:#06x} (right: {raw:#06x}, protocol {})",
                    f[23]
                ))
            }
        }
        _ => Ok(()),
    }
}

/// `got` equals `want` outside the checksum fields, and `got`'s checksums are right.
fn same_frame(got: &[u8], want: &[u8], udp_zero: UdpZero) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!(
            "length {} instead of {}\n    got  {}\n    want {}",
            got.len(),
            want.len(),
            hex(got),
            hex(want)
        ));
    }
    let mut g = got.to_vec();
    let mut w = want.to_vec();
    for r in checksum_fields(want) {
        g[r.clone()].fill(0);
        w[r].fill(0);
    }
    if g != w {
        let at = g.iter().zip(&w).position(|(a, b)| a != b).unwrap_or(0);
        return Err(format!(
            "differs from byte {at}\n    got  {}\n    want {}",
            hex(got),
            hex(want)
        ));
    }
    verify_checksums(got, udp_zero)
}

fn hex(f: &[u8]) -> String {
    let n = f.len().min(96);
    let mut s: String = f[..n].iter().map(|b| format!("{b:02x}")).collect();
    if f.len() > n {
        s.push_str("...");
    }
    s
}

/// The frame a forwarded packet leaves with, built from the input and the generator's intent
/// (checksum fields as in the input: [`same_frame`] ignores them and verifies the output's).
fn expected_frame(input: &[u8], egress: &Egress, rewrite: &Rewrite) -> Vec<u8> {
    let mut f = match rewrite {
        Rewrite::VxlanDecap => input[50..].to_vec(),
        _ => input.to_vec(),
    };
    if !matches!(rewrite, Rewrite::VxlanEncap { .. }) {
        f[0..6].copy_from_slice(&egress.dst_mac);
        f[6..12].copy_from_slice(&egress.src_mac);
    }
    f[22] -= 1; // TTL
    let l4 = l4_at(&f);
    match *rewrite {
        Rewrite::Route | Rewrite::VxlanDecap => {}
        Rewrite::Nat(t) => {
            f[26..30].copy_from_slice(&t.src.octets());
            f[30..34].copy_from_slice(&t.dst.octets());
            put16(&mut f, l4, t.sport);
            put16(&mut f, l4 + 2, t.dport);
        }
        Rewrite::AckPlus(d) => {
            let ack = be32(&f, l4 + 8).wrapping_add(d);
            put32(&mut f, l4 + 8, ack);
        }
        Rewrite::SeqMinus(d) => {
            let seq = be32(&f, l4 + 4).wrapping_sub(d);
            put32(&mut f, l4 + 4, seq);
        }
        Rewrite::VxlanEncap {
            vni,
            local_vtep,
            remote_vtep,
        } => {
            let inner_total = be16(&f, 16);
            let mut o = Vec::with_capacity(50 + f.len());
            o.extend_from_slice(&egress.dst_mac);
            o.extend_from_slice(&egress.src_mac);
            o.extend_from_slice(&[0x08, 0x00]);
            // IPv4: the inner TOS, identification and flags 0, TTL 64, UDP.
            o.extend_from_slice(&[0x45, f[15]]);
            o.extend_from_slice(&(inner_total + 50).to_be_bytes());
            o.extend_from_slice(&[0, 0, 0, 0, 64, 17, 0, 0]);
            o.extend_from_slice(&local_vtep.octets());
            o.extend_from_slice(&remote_vtep.octets());
            // UDP: entropy port from crc16(inner src, dst, protocol), VXLAN, checksum 0.
            let mut h = f[26..34].to_vec();
            h.push(f[23]);
            o.extend_from_slice(&(0xc000 | (crc16(&h) & 0x3fff)).to_be_bytes());
            o.extend_from_slice(&4789u16.to_be_bytes());
            o.extend_from_slice(&(inner_total + 30).to_be_bytes());
            o.extend_from_slice(&[0, 0]);
            // VXLAN: I flag, VNI.
            o.extend_from_slice(&[0x08, 0, 0, 0]);
            o.extend_from_slice(&(vni << 8).to_be_bytes());
            o.extend_from_slice(&f);
            f = o;
        }
    }
    f
}

/// Checks one packet's outputs against its flow's expected outcome.
fn check_packet(kind: AppKind, p: &Pkt, exp: &Expected, outs: &[OutPacket]) -> Result<(), String> {
    let Some(eg) = &exp.egress else {
        return match outs {
            [] => Ok(()),
            _ => Err(format!("expected a drop, got {} packet(s)", outs.len())),
        };
    };
    let [out] = outs else {
        return Err(format!(
            "expected one packet on port {}, got {}",
            eg.port,
            outs.len()
        ));
    };
    if out.port != eg.port as u32 {
        return Err(format!("port {} instead of {}", out.port, eg.port));
    }
    let want = expected_frame(&p.data, eg, &exp.rewrite);
    let udp_zero = if kind == AppKind::Nat {
        UdpZero::NatLimitation
    } else {
        UdpZero::Wrong
    };
    same_frame(&out.data, &want, udp_zero)
}

/// What a trace run saw, per the generator's expectations.
#[derive(Default)]
struct Tally {
    forwarded: u64,
    dropped: u64,
    /// Expected counter cells: (packets, bytes).
    counters: BTreeMap<u32, (u64, u64)>,
}

/// Feeds the app its own packets and checks each one against [`expect::expected`].
fn run_checked(
    kind: AppKind,
    pipe: &mut Pipeline,
    t: &Trace,
    app: usize,
    space: &AppSpace,
    fails: &mut Failures,
) -> Tally {
    let mut tally = Tally::default();
    for p in t.packets_of(app) {
        let exp = expect::expected(space, p.flow);
        let outs = process(pipe, &p.data, exp.ingress_port, p.ts_ns);
        if let Err(e) = check_packet(kind, p, &exp, &outs) {
            fails.push(format!("{kind} flow {} ({:?}): {e}", p.flow, exp.rewrite));
        }
        if exp.egress.is_some() {
            tally.forwarded += 1;
        } else {
            tally.dropped += 1;
        }
        if let Some(c) = exp.counter {
            let e = tally.counters.entry(c).or_default();
            e.0 += 1;
            e.1 += p.data.len() as u64;
        }
    }
    tally
}

fn counter_packets(pipe: &Pipeline, name: &str, range: std::ops::Range<u64>) -> u64 {
    range
        .map(|i| pipe.counter_read(name, i).expect(name).0)
        .sum()
}

// ---- the gateway scenario ---------------------------------------------------------------------

#[test]
fn gateway_vpn_decapsulates_encapsulates_and_counts_per_tenant() {
    for t in &traces("gateway") {
        check_vpn(t);
    }
}

fn check_vpn(t: &Trace) {
    let (app, space) = t.app(AppKind::VpnGateway);
    let mut pipe = load(AppKind::VpnGateway, &space, 0);
    let mut fails = Failures::default();
    let tally = run_checked(AppKind::VpnGateway, &mut pipe, t, app, &space, &mut fails);
    let n = t.packets_of(app).count() as u64;
    fails.check(n > 1000 && tally.forwarded == n, || {
        format!("{} of {n} packets forwarded", tally.forwarded)
    });
    let decap = t.packets_of(app).filter(|p| p.flow & 1 == 0).count();
    fails.check(decap > 100 && decap < n as usize - 100, || {
        format!("{decap} of {n} packets tunnelled: both directions must be exercised")
    });
    for (&tenant, &(packets, bytes)) in &tally.counters {
        let got = pipe
            .counter_read("tenant_pkts", tenant as u64)
            .expect("tenant_pkts");
        fails.check(got == (packets, bytes), || {
            format!("tenant_pkts[{tenant}] = {got:?}, expected ({packets}, {bytes})")
        });
    }
    let total = counter_packets(&pipe, "tenant_pkts", 0..4096);
    fails.check(total == n, || {
        format!("tenant_pkts sum to {total}, not {n}")
    });
    let drops = counter_packets(&pipe, "vpn_drops", 0..8);
    fails.check(drops == 0, || format!("vpn_drops = {drops}"));
    fails.assert_none(&format!("vpn_gateway, {}", t.label));
}

#[test]
fn gateway_nat_translates_both_directions_with_valid_checksums() {
    for t in &traces("gateway") {
        check_nat(t);
    }
}

fn check_nat(t: &Trace) {
    let (app, space) = t.app(AppKind::Nat);
    let mut pipe = load(AppKind::Nat, &space, 0);
    let mut fails = Failures::default();
    let tally = run_checked(AppKind::Nat, &mut pipe, t, app, &space, &mut fails);
    let n = t.packets_of(app).count() as u64;
    fails.check(n > 1000 && tally.forwarded == n, || {
        format!("{} of {n} packets translated", tally.forwarded)
    });
    let udp = t.packets_of(app).filter(|p| p.data[23] == 17).count();
    fails.check(udp > 0 && udp < n as usize, || {
        format!("{udp} of {n} packets UDP: TCP and UDP must both be exercised")
    });
    let drops = counter_packets(&pipe, "nat_drops", 0..8);
    fails.check(drops == 0, || format!("nat_drops = {drops}"));
    let digests = pipe.drain_digests();
    fails.check(digests.is_empty(), || {
        format!("{} nat_miss digests for mapped flows", digests.len())
    });
    fails.assert_none(&format!("nat, {}", t.label));
}

#[test]
fn gateway_acl_drops_exactly_the_denied_flows_and_counts_them_per_tenant() {
    for t in &traces("gateway") {
        check_acl(t);
    }
}

fn check_acl(t: &Trace) {
    let (app, space) = t.app(AppKind::Acl);
    let mut pipe = load(AppKind::Acl, &space, 0);
    let mut fails = Failures::default();
    let tally = run_checked(AppKind::Acl, &mut pipe, t, app, &space, &mut fails);
    let n = t.packets_of(app).count() as u64;
    fails.check(tally.dropped > 50 && tally.forwarded > n / 2, || {
        format!(
            "{} dropped, {} forwarded of {n}: both verdicts must be exercised",
            tally.dropped, tally.forwarded
        )
    });
    // Both kinds of denies occur: pinned flows (acl_flow, requests to 443) and the rules'
    // default (SSH, both ways).
    let denied_on = |port: u16| {
        t.packets_of(app)
            .filter(|p| {
                let l4 = l4_at(&p.data);
                (be16(&p.data, l4) == port || be16(&p.data, l4 + 2) == port)
                    && expect::expected(&space, p.flow).egress.is_none()
            })
            .count()
    };
    let (pinned, ssh) = (denied_on(443), denied_on(22));
    fails.check(pinned > 0 && ssh > 0, || {
        format!("denied: {pinned} packets to 443 (pinned), {ssh} of SSH")
    });
    for (&tenant, &(packets, _)) in &tally.counters {
        let got = pipe
            .counter_read("acl_dropped", tenant as u64)
            .expect("acl_dropped")
            .0;
        fails.check(got == packets, || {
            format!("acl_dropped[{tenant}] = {got}, expected {packets}")
        });
    }
    let total = counter_packets(&pipe, "acl_dropped", 0..4096);
    fails.check(total == tally.dropped, || {
        format!("acl_dropped sum to {total}, not {}", tally.dropped)
    });
    fails.assert_none(&format!("acl, {}", t.label));
}

/// UnivMon's sketch, computed here: level 0 takes every packet, level j those whose crc32 of the
/// 5-tuple ends in j ones; row r of level l adds ±1 at crc32(seed ++ 5-tuple)[10:0].
#[test]
fn gateway_univmon_sketch_holds_every_packet_of_its_class() {
    for t in &traces("gateway") {
        check_univmon(t);
    }
}

fn check_univmon(t: &Trace) {
    let (app, space) = t.app(AppKind::UnivMon);
    let mut pipe = load(AppKind::UnivMon, &space, 0);
    let mut fails = Failures::default();
    let tally = run_checked(AppKind::UnivMon, &mut pipe, t, app, &space, &mut fails);
    let n = t.packets_of(app).count() as u64;
    fails.check(n > 1000 && tally.forwarded == n, || {
        format!("{} of {n} packets routed", tally.forwarded)
    });
    let mut sketch = vec![[[0i32; 2048]; 3]; 8];
    let mut levels = [0u64; 8];
    for p in t.packets_of(app) {
        let key = tuple_bytes(&p.data);
        let hs = crc32(&key);
        for (l, level) in sketch.iter_mut().enumerate() {
            let mask = (1u32 << l) - 1;
            if hs & mask != mask {
                break;
            }
            levels[l] += 1;
            for (r, row) in level.iter_mut().enumerate() {
                let seed = (((l + 1) << 8) | (r + 1)) as u32;
                let mut data = seed.to_be_bytes().to_vec();
                data.extend_from_slice(&key);
                let h = crc32(&data);
                row[(h & 0x7ff) as usize] += if h >> 31 == 1 { -1 } else { 1 };
            }
        }
    }
    fails.check(levels[0] == n && levels[3] > 0, || {
        format!("model levels {levels:?} for {n} packets")
    });
    for (l, level) in sketch.iter().enumerate() {
        let got = pipe
            .counter_read("level_packets", l as u64)
            .expect("level_packets")
            .0;
        fails.check(got == levels[l], || {
            format!("level_packets[{l}] = {got}, expected {}", levels[l])
        });
        for (r, row) in level.iter().enumerate() {
            let name = format!("cs_l{l}_r{r}");
            let mut abs = 0u64;
            for (c, &want) in row.iter().enumerate() {
                let got = pipe
                    .register_read(&name, c as u64)
                    .expect("sketch register");
                abs += want.unsigned_abs() as u64;
                fails.check(got == want as u32 as u128, || {
                    format!("{name}[{c}] = {got:#x}, expected {want}")
                });
            }
            // Each packet of the level moved one cell of the row by one.
            fails.check(
                abs <= levels[l] && (levels[l] - abs).is_multiple_of(2),
                || format!("{name}: |cells| sum to {abs} for {} packets", levels[l]),
            );
        }
    }
    let drops = counter_packets(&pipe, "univmon_drops", 0..4);
    fails.check(drops == 0, || format!("univmon_drops = {drops}"));
    fails.assert_none(&format!("univmon, {}", t.label));
}

// ---- the leaf scenario ------------------------------------------------------------------------

#[test]
fn leaf_vm_nat_translates_per_vm_and_counts_per_vm() {
    for t in &traces("leaf") {
        check_vm_nat(t);
    }
}

fn check_vm_nat(t: &Trace) {
    let (app, space) = t.app(AppKind::VmNat);
    let mut pipe = load(AppKind::VmNat, &space, 0);
    let mut fails = Failures::default();
    let tally = run_checked(AppKind::VmNat, &mut pipe, t, app, &space, &mut fails);
    let n = t.packets_of(app).count() as u64;
    fails.check(n > 1000 && tally.forwarded == n, || {
        format!("{} of {n} packets translated", tally.forwarded)
    });
    for (&vm, &(packets, bytes)) in &tally.counters {
        let got = pipe
            .counter_read("vm_traffic", vm as u64)
            .expect("vm_traffic");
        fails.check(got == (packets, bytes), || {
            format!("vm_traffic[{vm}] = {got:?}, expected ({packets}, {bytes})")
        });
    }
    let total = counter_packets(&pipe, "vm_traffic", 0..65536);
    fails.check(total == n, || {
        format!("vm_traffic sums to {total}, not {n}")
    });
    let drops = counter_packets(&pipe, "vm_nat_drops", 0..8);
    fails.check(drops == 0, || format!("vm_nat_drops = {drops}"));
    let digests = pipe.drain_digests();
    fails.check(digests.is_empty(), || {
        format!("{} vm_nat_miss digests for mapped flows", digests.len())
    });
    fails.assert_none(&format!("vm_nat, {}", t.label));
}

/// A packet of flow `flow` (generated, `size` bytes) with its TCP flags, sequence and
/// acknowledgement numbers replaced, checksums recomputed.
fn tcp_segment(
    space: &AppSpace,
    flow: u64,
    flags: u8,
    seq: Option<u32>,
    ack: Option<u32>,
) -> Vec<u8> {
    let mut f = Vec::new();
    let ctx = PacketCtx {
        number: flow,
        random: 0,
        size: 64,
    };
    write_packet(space, flow, &ctx, &mut Vec::new(), &mut f);
    assert_eq!(f[23], 6, "flow {flow} is not TCP");
    let l4 = l4_at(&f);
    f[l4 + 13] = flags;
    if let Some(s) = seq {
        put32(&mut f, l4 + 4, s);
    }
    if let Some(a) = ack {
        put32(&mut f, l4 + 8, a);
    }
    fix_checksums(&mut f);
    f
}

#[test]
fn leaf_stateful_fw_admits_established_flows_and_reports_new_syns() {
    for t in &traces("leaf") {
        check_stateful_fw(t);
    }
}

fn check_stateful_fw(t: &Trace) {
    let (app, space) = t.app(AppKind::StatefulFw);
    let mut pipe = load(AppKind::StatefulFw, &space, 0);
    let mut fails = Failures::default();
    let tally = run_checked(AppKind::StatefulFw, &mut pipe, t, app, &space, &mut fails);
    let n = t.packets_of(app).count() as u64;
    fails.check(n > 1000 && tally.forwarded == n, || {
        format!("{} of {n} packets admitted", tally.forwarded)
    });
    let inbound = t.packets_of(app).filter(|p| p.flow & 1 == 1).count();
    fails.check(inbound > 100, || format!("only {inbound} inbound packets"));
    // src_pkt_count[crc32(srcAddr) % 65536] counts every packet.
    let mut by_src: HashMap<u64, u128> = HashMap::new();
    for p in t.packets_of(app) {
        *by_src
            .entry((crc32(&p.data[26..30]) % 65536) as u64)
            .or_default() += 1;
    }
    for (&i, &want) in &by_src {
        let got = pipe
            .register_read("src_pkt_count", i)
            .expect("src_pkt_count");
        fails.check(got == want, || {
            format!("src_pkt_count[{i}] = {got}, expected {want}")
        });
    }
    let total: u128 = (0..65536)
        .map(|i| {
            pipe.register_read("src_pkt_count", i)
                .expect("src_pkt_count")
        })
        .sum();
    fails.check(total == n as u128, || {
        format!("src_pkt_count sums to {total}, not {n}")
    });
    let blocked = counter_packets(&pipe, "fw_blocked", 0..4);
    fails.check(blocked == 0, || format!("fw_blocked = {blocked}"));
    let digests = pipe.drain_digests();
    fails.check(digests.is_empty(), || {
        format!(
            "{} digests for a trace of established connections",
            digests.len()
        )
    });

    // New connections (beyond the keyspace): the outbound SYN is forwarded and reported, the
    // inbound answer is blocked until the control plane inserts the connection.
    let now = t.pkts.last().map_or(0, |p| p.ts_ns) + 1_000;
    for k in 0..8u64 {
        let out_flow = 2 * FLOWS + 2 * k;
        let exp_out = expect::expected(&space, out_flow);
        let exp_in = expect::expected(&space, out_flow + 1);
        let syn = tcp_segment(&space, out_flow, 0x02, None, Some(0));
        let outs = process(&mut pipe, &syn, exp_out.ingress_port, now);
        let p = Pkt {
            app,
            flow: out_flow,
            ts_ns: now,
            data: syn.clone(),
        };
        if let Err(e) = check_packet(AppKind::StatefulFw, &p, &exp_out, &outs) {
            fails.push(format!("new connection {k}, SYN: {e}"));
        }
        let l4 = l4_at(&syn);
        let (vm, remote) = (be32(&syn, 26), be32(&syn, 30));
        let (vport, rport) = (be16(&syn, l4), be16(&syn, l4 + 2));
        let want = vec![vm as u128, remote as u128, 6, vport as u128, rport as u128];
        let digests = pipe.drain_digests();
        fails.check(digests.len() == 1 && digests[0].fields == want, || {
            format!("new connection {k}: digests {digests:?}, expected one with {want:?}")
        });
        let synack = tcp_segment(&space, out_flow + 1, 0x12, None, None);
        let outs = process(&mut pipe, &synack, exp_in.ingress_port, now);
        fails.check(outs.is_empty(), || {
            format!("new connection {k}: inbound SYN-ACK admitted before the insertion")
        });
        pipe.table_add(
            "conn_table",
            &[
                KeyValue::Exact(vm as u128),
                KeyValue::Exact(remote as u128),
                KeyValue::Exact(6),
                KeyValue::Exact(vport as u128),
                KeyValue::Exact(rport as u128),
            ],
            "established",
            &[],
            0,
        )
        .expect("conn_table insertion");
        let outs = process(&mut pipe, &synack, exp_in.ingress_port, now);
        let p = Pkt {
            app,
            flow: out_flow + 1,
            ts_ns: now,
            data: synack,
        };
        if let Err(e) = check_packet(AppKind::StatefulFw, &p, &exp_in, &outs) {
            fails.push(format!(
                "new connection {k}, SYN-ACK after the insertion: {e}"
            ));
        }
    }
    let no_conn = pipe.counter_read("fw_blocked", 2).expect("fw_blocked").0;
    fails.check(no_conn == 8, || {
        format!("fw_blocked[BLOCK_NO_CONNECTION] = {no_conn}, expected 8")
    });
    // A SYN of a known connection is not reported again.
    let syn = tcp_segment(&space, 0, 0x02, None, Some(0));
    process(&mut pipe, &syn, PORT_HOSTS, now);
    let digests = pipe.drain_digests();
    fails.check(digests.is_empty(), || {
        format!("SYN of an established connection reported: {digests:?}")
    });
    fails.assert_none(&format!("stateful_fw, {}", t.label));
}

#[test]
fn leaf_syn_proxy_translates_established_flows_and_answers_syns_with_cookies() {
    for t in &traces("leaf") {
        check_syn_proxy(t);
    }
}

fn check_syn_proxy(t: &Trace) {
    let (app, space) = t.app(AppKind::SynProxy);
    let mut pipe = load(AppKind::SynProxy, &space, 0);
    let mut fails = Failures::default();
    let tally = run_checked(AppKind::SynProxy, &mut pipe, t, app, &space, &mut fails);
    let n = t.packets_of(app).count() as u64;
    fails.check(n > 1000 && tally.forwarded == n, || {
        format!("{} of {n} packets translated", tally.forwarded)
    });
    let drops = counter_packets(&pipe, "proxy_drops", 0..8);
    fails.check(drops == 0, || format!("proxy_drops = {drops}"));
    let digests = pipe.drain_digests();
    fails.check(digests.is_empty(), || {
        format!("{} handshake digests for established flows", digests.len())
    });

    // New connections: the whole handshake through the proxy.
    let secret = expect::syn_proxy_cookie_secret(&space);
    let now = t.pkts.last().map_or(0, |p| p.ts_ns) + 1_000;
    for k in 0..8u64 {
        let c2s = 2 * FLOWS + 2 * k;
        let exp_c2s = expect::expected(&space, c2s);
        let exp_s2c = expect::expected(&space, c2s + 1);
        let Rewrite::AckPlus(delta) = exp_c2s.rewrite else {
            panic!("syn_proxy client flow {c2s}: {:?}", exp_c2s.rewrite)
        };
        let isn = 0x1000_0000u32.wrapping_mul(k as u32 + 1).wrapping_add(77);
        // 1. Client SYN -> SYN-ACK from the switch with the cookie, back where it came from.
        let syn = tcp_segment(&space, c2s, 0x02, Some(isn), Some(0));
        let l4 = l4_at(&syn);
        let (client, server) = (be32(&syn, 26), be32(&syn, 30));
        let (cport, sport) = (be16(&syn, l4), be16(&syn, l4 + 2));
        let mut key = secret.to_be_bytes().to_vec();
        key.extend_from_slice(&syn[26..34]);
        key.extend_from_slice(&syn[l4..l4 + 4]);
        let cookie = crc32(&key);
        let bare = |src_mac: [u8; 6],
                    dst_mac: [u8; 6],
                    ttl: u8,
                    src: u32,
                    dst: u32,
                    ports: (u16, u16),
                    seq: u32,
                    ack: u32,
                    flags: u8,
                    window: u16| {
            let mut f = Vec::with_capacity(54);
            f.extend_from_slice(&dst_mac);
            f.extend_from_slice(&src_mac);
            f.extend_from_slice(&[
                0x08, 0x00, 0x45, 0x00, 0x00, 40, 0, 0, 0x40, 0x00, ttl, 6, 0, 0,
            ]);
            f.extend_from_slice(&src.to_be_bytes());
            f.extend_from_slice(&dst.to_be_bytes());
            f.extend_from_slice(&ports.0.to_be_bytes());
            f.extend_from_slice(&ports.1.to_be_bytes());
            f.extend_from_slice(&seq.to_be_bytes());
            f.extend_from_slice(&ack.to_be_bytes());
            f.extend_from_slice(&[0x50, flags]);
            f.extend_from_slice(&window.to_be_bytes());
            f.extend_from_slice(&[0, 0, 0, 0]);
            fix_checksums(&mut f);
            f
        };
        let outs = process(&mut pipe, &syn, exp_c2s.ingress_port, now);
        let want = bare(
            SWITCH_MAC,
            UPLINK_MAC,
            64,
            server,
            client,
            (sport, cport),
            cookie,
            isn.wrapping_add(1),
            0x12,
            0xffff,
        );
        match &outs[..] {
            [o] if o.port == exp_c2s.ingress_port as u32 => {
                if let Err(e) = same_frame(&o.data, &want, UdpZero::Wrong) {
                    fails.push(format!("connection {k}: SYN-ACK: {e}"));
                }
            }
            _ => fails.push(format!("connection {k}: SYN answered by {outs:?}")),
        }
        // A handshake ACK with a wrong cookie is dropped.
        let bad = tcp_segment(
            &space,
            c2s,
            0x10,
            Some(isn + 1),
            Some(cookie.wrapping_add(2)),
        );
        let outs = process(&mut pipe, &bad, exp_c2s.ingress_port, now);
        fails.check(outs.is_empty(), || {
            format!("connection {k}: bad cookie passed")
        });
        // 2. The right ACK -> a bare SYN to the server, in the client's sequence space.
        let ack = tcp_segment(
            &space,
            c2s,
            0x10,
            Some(isn + 1),
            Some(cookie.wrapping_add(1)),
        );
        let outs = process(&mut pipe, &ack, exp_c2s.ingress_port, now);
        match &outs[..] {
            [o] if o.port == PORT_HOSTS as u32 => {
                let mut want = bare(
                    SWITCH_MAC,
                    [0; 6],
                    63,
                    client,
                    server,
                    (cport, sport),
                    isn,
                    0,
                    0x02,
                    be16(&ack, l4 + 14),
                );
                want[0..6].copy_from_slice(&o.data[0..6.min(o.data.len())]);
                if let Err(e) = same_frame(&o.data, &want, UdpZero::Wrong) {
                    fails.push(format!("connection {k}: SYN to the server: {e}"));
                }
            }
            _ => fails.push(format!("connection {k}: handshake ACK gave {outs:?}")),
        }
        // 3. The server's SYN-ACK, with an ISN that makes the delta the entries' one -> digest,
        //    and an ACK back to the server.
        let server_isn = cookie.wrapping_add(delta);
        let synack = tcp_segment(&space, c2s + 1, 0x12, Some(server_isn), Some(isn + 1));
        let outs = process(&mut pipe, &synack, exp_s2c.ingress_port, now);
        match &outs[..] {
            [o] if o.port == exp_s2c.ingress_port as u32 => {
                let want = bare(
                    synack[0..6].try_into().unwrap(),
                    synack[6..12].try_into().unwrap(),
                    64,
                    client,
                    server,
                    (cport, sport),
                    isn + 1,
                    server_isn.wrapping_add(1),
                    0x10,
                    be16(&synack, l4 + 14),
                );
                if let Err(e) = same_frame(&o.data, &want, UdpZero::Wrong) {
                    fails.push(format!("connection {k}: ACK to the server: {e}"));
                }
            }
            _ => fails.push(format!("connection {k}: server SYN-ACK gave {outs:?}")),
        }
        let want = [
            client,
            server,
            cport as u32,
            sport as u32,
            isn,
            server_isn,
            cookie,
        ]
        .map(|x| x as u128)
        .to_vec();
        let digests = pipe.drain_digests();
        fails.check(digests.len() == 1 && digests[0].fields == want, || {
            format!("connection {k}: digests {digests:?}, expected one with {want:x?}")
        });
        // 4. The control plane installs the translation from the digest; data then flows with
        //    the server's numbers on the server's side and the cookie's on the client's.
        let (Some(to_server), Some(to_client)) = (exp_c2s.egress, exp_s2c.egress) else {
            panic!("syn_proxy flows are forwarded")
        };
        let mac = |m: [u8; 6]| m.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let lines = format!(
            "add seq_translate src_addr:{client:#x} dst_addr:{server:#x} src_port:{cport} dst_port:{sport} client_to_server(delta:{delta:#x}, port:{}, src_mac:0x{}, dst_mac:0x{})\n\
             add seq_translate src_addr:{server:#x} dst_addr:{client:#x} src_port:{sport} dst_port:{cport} server_to_client(delta:{delta:#x}, port:{}, src_mac:0x{}, dst_mac:0x{})\n",
            to_server.port,
            mac(to_server.src_mac),
            mac(to_server.dst_mac),
            to_client.port,
            mac(to_client.src_mac),
            mac(to_client.dst_mac),
        );
        let r = exo_fastpath::stf::run(&mut pipe, "installation", &lines).expect("installation");
        assert!(r.passed(), "{:?}", r.failures);
        for (flow, exp, seq, ack) in [
            (c2s, &exp_c2s, isn + 1, cookie.wrapping_add(1)),
            (c2s + 1, &exp_s2c, server_isn.wrapping_add(1), isn + 1),
        ] {
            let data = tcp_segment(&space, flow, 0x18, Some(seq), Some(ack));
            let outs = process(&mut pipe, &data, exp.ingress_port, now);
            let p = Pkt {
                app,
                flow,
                ts_ns: now,
                data,
            };
            if let Err(e) = check_packet(AppKind::SynProxy, &p, exp, &outs) {
                fails.push(format!("connection {k}, data of flow {flow}: {e}"));
            }
        }
    }
    let bad_cookie = pipe.counter_read("proxy_drops", 2).expect("proxy_drops").0;
    fails.check(bad_cookie == 8, || {
        format!("proxy_drops[DROP_BAD_COOKIE] = {bad_cookie}, expected 8")
    });
    fails.assert_none(&format!("syn_proxy, {}", t.label));
}

/// NetCache, modelled here: GETs of cached valid keys are answered by the switch; PUTs
/// invalidate; GETs of uncached keys go through a count-min sketch (crc32 of a seed and the key,
/// 4096 columns) and are reported once when their estimate reaches the threshold.
#[test]
fn leaf_netcache_answers_cached_gets_and_reports_hot_keys() {
    for t in &traces("leaf") {
        check_netcache(t);
    }
}

fn check_netcache(t: &Trace) {
    let (app, space) = t.app(AppKind::NetCache);
    let mut pipe = load(AppKind::NetCache, &space, CACHED_KEYS);
    pipe.register_write("nc_hot_threshold", 0, HOT_THRESHOLD as u128)
        .expect("nc_hot_threshold");
    let cache: HashMap<u128, expect::CachedKey> = expect::netcache_cache(&space, CACHED_KEYS)
        .into_iter()
        .map(|k| (k.key, k))
        .collect();
    assert_eq!(cache.len(), CACHED_KEYS as usize);
    let mut valid = vec![true; CACHED_KEYS as usize];
    let mut hits = vec![0u64; CACHED_KEYS as usize];
    let mut cms = [[0u32; 4096]; 3];
    let mut reported = [[false; 4096]; 2];
    let mut fails = Failures::default();
    let (mut answered, mut to_server, mut puts) = (0u64, 0u64, 0u64);
    for p in t.packets_of(app) {
        let exp = expect::expected(&space, p.flow);
        let outs = process(&mut pipe, &p.data, exp.ingress_port, p.ts_ns);
        let nc = 42;
        let op = p.data[nc];
        let key = u128::from_be_bytes(p.data[nc + 5..nc + 21].try_into().unwrap());
        let cached = cache.get(&key);
        let mut want_digest = None;
        let reply = match (op, cached) {
            (0, Some(c)) if valid[c.slot as usize] => {
                hits[c.slot as usize] += 1;
                Some(c.value)
            }
            (0, Some(_)) => None,
            (0, None) => {
                let mut est = u32::MAX;
                let mut idx = [0usize; 3];
                for (r, row) in cms.iter_mut().enumerate() {
                    let mut d = (0x6e63_0001u32 + r as u32).to_be_bytes().to_vec();
                    d.extend_from_slice(&key.to_be_bytes());
                    idx[r] = (crc32(&d) % 4096) as usize;
                    row[idx[r]] = row[idx[r]].saturating_add(1);
                    est = est.min(row[idx[r]]);
                }
                if est >= HOT_THRESHOLD && !(reported[0][idx[0]] && reported[1][idx[1]]) {
                    reported[0][idx[0]] = true;
                    reported[1][idx[1]] = true;
                    want_digest = Some(vec![key, est as u128]);
                }
                None
            }
            (_, c) => {
                puts += 1;
                if let Some(c) = c {
                    valid[c.slot as usize] = false;
                }
                None
            }
        };
        let result = match reply {
            Some(value) => {
                answered += 1;
                let i = &p.data;
                let mut w = i.clone();
                w[0..6].copy_from_slice(&i[6..12]);
                w[6..12].copy_from_slice(&i[0..6]);
                w[22] = 64;
                w[26..30].copy_from_slice(&i[30..34]);
                w[30..34].copy_from_slice(&i[26..30]);
                w[34..36].copy_from_slice(&i[36..38]);
                w[36..38].copy_from_slice(&i[34..36]);
                put16(&mut w, 40, 0);
                w[nc] = 0x80;
                w[nc + 21..nc + 37].copy_from_slice(&value.to_be_bytes());
                match &outs[..] {
                    [o] if o.port == exp.ingress_port as u32 => {
                        if be16(&o.data, 40) != 0 {
                            Err("reply with a UDP checksum".to_string())
                        } else {
                            same_frame(&o.data, &w, UdpZero::NoChecksum)
                        }
                    }
                    _ => Err(format!("cached GET answered by {} packet(s)", outs.len())),
                }
            }
            None => {
                to_server += 1;
                check_packet(AppKind::NetCache, p, &exp, &outs)
            }
        };
        if let Err(e) = result {
            fails.push(format!("netcache flow {} op {op}: {e}", p.flow));
        }
        let digests = pipe.drain_digests();
        let got: Vec<Vec<u128>> = digests.into_iter().map(|d| d.fields).collect();
        let want: Vec<Vec<u128>> = want_digest.into_iter().collect();
        fails.check(got == want, || {
            format!(
                "netcache flow {}: digests {got:x?}, expected {want:x?}",
                p.flow
            )
        });
    }
    let n = t.packets_of(app).count() as u64;
    fails.check(answered > 100 && to_server > 100 && puts > 0, || {
        format!("{answered} answered, {to_server} to the servers, {puts} PUTs of {n}")
    });
    let reported_keys = reported[0].iter().filter(|b| **b).count();
    fails.check(reported_keys > 0, || "no hot key reported".into());
    for (slot, &want) in hits.iter().enumerate() {
        let got = pipe
            .counter_read("nc_hits", slot as u64)
            .expect("nc_hits")
            .0;
        fails.check(got == want, || {
            format!("nc_hits[{slot}] = {got}, expected {want}")
        });
    }
    for (slot, &v) in valid.iter().enumerate() {
        let got = pipe
            .register_read("nc_valid", slot as u64)
            .expect("nc_valid");
        fails.check(got == v as u128, || {
            format!("nc_valid[{slot}] = {got}, expected {v}")
        });
    }
    for (r, row) in cms.iter().enumerate() {
        let name = format!("nc_cms{r}");
        for (c, &want) in row.iter().enumerate() {
            let got = pipe.register_read(&name, c as u64).expect("nc_cms");
            fails.check(got == want as u128, || {
                format!("{name}[{c}] = {got}, expected {want}")
            });
        }
    }
    let drops = counter_packets(&pipe, "nc_drops", 0..4);
    fails.check(drops == 0, || format!("nc_drops = {drops}"));
    fails.assert_none(&format!("netcache, {}", t.label));
}
