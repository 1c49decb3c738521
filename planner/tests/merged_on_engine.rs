//! The merged programs of the example scenarios, run on the engine: for every app, the
//! packets of its STF tests (p4/apps/tests) that belong to its traffic class come out of the
//! merged program exactly as they come out of the app alone, with the same table entries and
//! register writes, and the same digests; counter and register checks agree while no packet
//! outside the class has been sent. On the switch, the app runs when its flow manager hits,
//! and a miss sends the packet unchanged to the external device that the device map names,
//! or to the replica once the packet generator has reported the primary's port down.
//!
//! Traffic classes here come from the address plan in p4/apps/README.md, independently of the
//! merger's own reading of the `@exo_traffic_class` annotations.

mod common;

use exo_fastpath::{Outputs, Pipeline};
use exo_planner::merge::{self, Role};
use exo_planner::plan::PlanOutput;
use exo_scenario::Scenario;
use std::path::PathBuf;

fn ipv4(p: &[u8]) -> Option<(u32, u32)> {
    if p.len() < 34 || p[12..14] != [0x08, 0x00] {
        return None;
    }
    let w = |i: usize| u32::from_be_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
    Some((w(26), w(30)))
}

/// The app (by its program's file name) whose class a packet belongs to.
fn class_of(p: &[u8]) -> Option<&'static str> {
    let (src, dst) = ipv4(p)?;
    let in16 = |net: u32| dst >> 16 == net || src >> 16 == net;
    // Gateway scenario.
    let vpn = dst >> 8 == 0xcb0071 || dst >> 20 == 0xac1;
    let nat = dst >> 16 == 0xc612 || src >> 16 == 0x0a12;
    let acl = in16(0x0a14);
    // Leaf scenario.
    let vm_nat = dst >> 16 == 0xc613 || src >> 16 == 0x0a01;
    let fw = in16(0x0a02);
    let syn = in16(0x0a03);
    let nc = in16(0x0a04);
    // The two scenarios' address plans do not overlap, so one ordered list serves both;
    // univmon takes whatever else is IPv4 in the gateway scenario.
    Some(if vpn {
        "vpn_gateway"
    } else if nat {
        "nat"
    } else if acl {
        "acl"
    } else if vm_nat {
        "vm_nat"
    } else if fw {
        "stateful_fw"
    } else if syn {
        "syn_proxy"
    } else if nc {
        "netcache"
    } else {
        "univmon"
    })
}

fn hex(s: &[&str]) -> Vec<u8> {
    let h: String = s.concat();
    (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn outputs(p: &mut Pipeline, data: &[u8], port: u32, now: u64) -> Vec<(u32, Vec<u8>)> {
    let mut out = Outputs::new();
    p.process(data, port, now, &mut out);
    out.as_slice()
        .iter()
        .map(|o| (o.port, o.data.clone()))
        .collect()
}

fn stf_line(p: &mut Pipeline, file: &str, line: &str) -> Result<bool, String> {
    exo_fastpath::stf::run(p, file, line)
        .map(|r| r.passed())
        .map_err(|e| e.to_string())
}

fn program_stem(s: &Scenario, app: &str) -> String {
    let a = s.app(app).expect("app");
    a.p4.file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned()
}

fn merged(out: &PlanOutput, role: Role) -> Pipeline {
    let (_, _, ir) = out
        .merged
        .iter()
        .find(|m| m.0 == role)
        .expect("merged program");
    Pipeline::from_ir(ir).unwrap_or_else(|e| panic!("{} program: {e}", role.as_str()))
}

fn alone(stem: &str) -> Pipeline {
    let path = common::workspace().join(format!("p4/apps/{stem}.p4"));
    let c = exo_p4::compile_file(&path, &exo_p4::CompileOptions::default());
    let ir =
        c.ir.unwrap_or_else(|| panic!("{stem}: {}", c.diags.render(&c.source_map)));
    Pipeline::from_ir(&ir).unwrap_or_else(|e| panic!("{stem}: {e}"))
}

fn stf_files(stem: &str) -> Vec<PathBuf> {
    let dir = common::workspace().join("p4/apps/tests");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("p4/apps/tests")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "stf")
                && p.file_stem().is_some_and(|n| {
                    n.to_string_lossy()
                        .strip_prefix(stem)
                        .is_some_and(|r| r.starts_with('_'))
                })
        })
        .collect();
    v.sort();
    v
}

/// Candidate values of a union-key field for a packet: the field as the apps' parsers read
/// it, and 0 (the value when the header holding it is not parsed).
fn key_candidates(path: &str, p: &[u8]) -> Vec<u128> {
    let Some((src, dst)) = ipv4(p) else {
        return vec![0];
    };
    let ihl = usize::from(p[14] & 0x0f) * 4;
    let proto = p[23];
    let l4 = 14 + ihl;
    let be16 = |i: usize| {
        p.get(i..i + 2)
            .map(|b| u128::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let field = path.rsplit('.').next().unwrap_or(path);
    let mut v = match field {
        "srcAddr" => vec![u128::from(src)],
        "dstAddr" => vec![u128::from(dst)],
        "protocol" => vec![u128::from(proto)],
        "l4_sport" | "srcPort" => be16(l4).into_iter().collect(),
        "l4_dport" | "dstPort" => be16(l4 + 2).into_iter().collect(),
        // VXLAN: UDP to 4789, then flags (1 byte), reserved (3), VNI (3).
        "vni" if proto == 17 && be16(l4 + 2) == Some(4789) => p
            .get(l4 + 12..l4 + 15)
            .map(|b| u128::from(u32::from_be_bytes([0, b[0], b[1], b[2]])))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    v.push(0);
    v.dedup();
    v
}

/// Puts the flow of packet `p` into `app`'s flow manager (every candidate union-key value).
fn pin_flow(m: &mut Pipeline, app: &str, uk: &[String], p: &[u8], done: &mut Vec<String>) {
    let mut keys: Vec<String> = vec![String::new()];
    for f in uk {
        let mut next = Vec::new();
        for k in &keys {
            for v in key_candidates(f, p) {
                next.push(format!("{k} {f}:{v:#x}"));
            }
        }
        keys = next;
    }
    for k in keys {
        if done.contains(&k) {
            continue;
        }
        let line = format!("add {}{k} exo_fm_hit()", merge::flow_manager_table(app));
        assert_eq!(stf_line(m, "fm", &line), Ok(true), "{line}");
        done.push(k);
    }
}

/// Runs `app`'s STF files against the merged program `role` and the app alone; returns how
/// many packets were compared. On the switch, the flows of the app's packets are put into
/// its flow manager (if it has one) before they are sent.
fn differential(s: &Scenario, out: &PlanOutput, role: Role, app: &str) -> usize {
    let plan = out
        .allocation
        .apps
        .iter()
        .find(|a| a.name == app)
        .expect("app plan");
    let fm = role == Role::Switch && plan.flow_manager_entries > 0;
    let stem = program_stem(s, app);
    let files = stf_files(&stem);
    assert!(!files.is_empty(), "no STF tests for {stem}");
    let mut compared = 0;
    for f in files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(&f).expect("read stf");
        let mut m = merged(out, role);
        let mut a = alone(&stem);
        let mut pinned = Vec::new();
        let mut now = 1_000_000_000u64;
        // Whether a packet outside the class has run (alone's drop counters then differ).
        let mut diverged = false;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            let toks: Vec<&str> = line.split_whitespace().collect();
            let Some(cmd) = toks.first() else { continue };
            let at = format!("{name}:{}", i + 1);
            match *cmd {
                "packet" => {
                    let port: u32 = toks[1].parse().expect("port");
                    let data = hex(&toks[2..]);
                    now += 1_000;
                    let want = outputs(&mut a, &data, port, now);
                    if class_of(&data) != Some(stem.as_str()) {
                        diverged = true;
                        // What the app alone reported for this packet is not compared.
                        a.drain_digests();
                        continue;
                    }
                    if fm {
                        pin_flow(&mut m, app, &plan.union_key, &data, &mut pinned);
                    }
                    let got = outputs(&mut m, &data, port, now);
                    assert_eq!(
                        got,
                        want,
                        "{at}: the merged {} program ({app}) and {stem} alone differ",
                        role.as_str()
                    );
                    assert_eq!(m.drain_digests(), a.drain_digests(), "{at}: digests differ");
                    compared += 1;
                }
                "expect" => {}
                "check_counter" | "register_read" | "counter_read" => {
                    if !diverged {
                        let (x, y) = (stf_line(&mut m, &name, line), stf_line(&mut a, &name, line));
                        assert_eq!(x, y, "{at}: `{line}` differs between merged and alone");
                    }
                }
                _ => {
                    let (x, y) = (stf_line(&mut m, &name, line), stf_line(&mut a, &name, line));
                    assert_eq!(y, Ok(true), "{at}: `{line}` fails on {stem} alone");
                    assert_eq!(x, Ok(true), "{at}: `{line}` fails on the merged program");
                }
            }
        }
    }
    eprintln!(
        "{app} on the {} program: {compared} packets compared",
        role.as_str()
    );
    compared
}

#[test]
fn gateway_apps_behave_as_alone_on_the_merged_programs() {
    let (s, out) = common::plan_example("gateway");
    for (role, apps) in [
        (Role::External, ["vpn", "nat", "acl"]),
        (Role::Switch, ["univmon", "vpn", "nat"]),
    ] {
        for app in apps {
            let n = differential(&s, &out, role, app);
            assert!(n >= 3, "{app}: only {n} packets of its class compared");
        }
    }
}

#[test]
fn leaf_apps_behave_as_alone_on_the_merged_programs() {
    let (s, out) = common::plan_example("leaf");
    for (role, apps) in [
        (Role::External, ["vm_nat", "fw", "synproxy"]),
        (Role::Switch, ["netcache", "vm_nat", "synproxy"]),
    ] {
        for app in apps {
            let n = differential(&s, &out, role, app);
            assert!(n >= 3, "{app}: only {n} packets of its class compared");
        }
    }
}

/// Packets of the gateway's NAT tests (p4/apps/tests/nat_translate.stf).
const NAT_TCP_IN: &str = "00005E00530100005E0053FE080045000036424200004006481CC6336414C612000A9C4001BB010203040A0B0C0D6018FFFF01420000020405B4160301000568656C6C6F";
const NAT_UDP_IN: &str = "00005E00530100005E0053FE0800450000240000000040118A65C6336414C612000A1388003500107731ABCD0100646E733F";

#[test]
fn switch_pins_flows_by_flow_manager_and_fails_over_without_control_plane() {
    let (s, out) = common::plan_example("gateway");
    let nat = out
        .allocation
        .apps
        .iter()
        .find(|a| a.name == "nat")
        .expect("nat");
    assert!(
        nat.flow_manager_entries > 0,
        "nat is split in the gateway plan"
    );
    let mut sw = merged(&out, Role::Switch);
    let mut a = alone(&program_stem(&s, "nat"));
    let file = "switch";
    let entries =
        std::fs::read_to_string(common::workspace().join("p4/apps/tests/nat_translate.stf"))
            .expect("nat_translate.stf");
    for l in entries.lines().filter(|l| l.starts_with("add ")) {
        assert_eq!(stf_line(&mut sw, file, l), Ok(true), "{l}");
        assert_eq!(stf_line(&mut a, file, l), Ok(true), "{l}");
    }
    let fm = merge::flow_manager_table("nat");
    // The TCP flow is on the switch: its union key (5-tuple) is in the flow manager.
    let key = "hdr.ipv4.srcAddr:0xc6336414 hdr.ipv4.dstAddr:0xc612000a hdr.ipv4.protocol:0x06 meta.l4_sport:0x9c40 meta.l4_dport:0x01bb";
    assert_eq!(
        stf_line(&mut sw, file, &format!("add {fm} {key} exo_fm_hit()")),
        Ok(true)
    );
    // Misses go to the pool: primary port 3, replica port 4 for every bucket.
    assert_eq!(
        stf_line(
            &mut sw,
            file,
            "setdefault exo_device_map exo_to_device(primary:3, replica:4)"
        ),
        Ok(true)
    );
    let tcp = hex(&[NAT_TCP_IN]);
    let udp = hex(&[NAT_UDP_IN]);
    assert_eq!(
        outputs(&mut sw, &tcp, 1, 1),
        outputs(&mut a, &tcp, 1, 1),
        "FM hit: the app runs on the switch"
    );
    assert_eq!(
        outputs(&mut sw, &udp, 1, 2),
        vec![(3, udp.clone())],
        "FM miss: unchanged to the primary"
    );
    // Port 3 goes down: the packet generator's packet {port 3, down} on the pktgen port.
    let pktgen = hex(&["0003", "01", "00"]);
    assert_eq!(
        outputs(&mut sw, &pktgen, merge::PKTGEN_PORT, 3),
        vec![],
        "pktgen packets are consumed"
    );
    assert_eq!(
        outputs(&mut sw, &udp, 1, 4),
        vec![(4, udp.clone())],
        "after port-down: to the replica"
    );
    // Back up.
    let up = hex(&["0003", "00", "00"]);
    assert_eq!(outputs(&mut sw, &up, merge::PKTGEN_PORT, 5), vec![]);
    assert_eq!(outputs(&mut sw, &udp, 1, 6), vec![(3, udp.clone())]);
    // Traffic no app claims (not IPv4) is dropped.
    let arp = hex(&["ffffffffffff00005e0053fe0806", "0001080006040001"]);
    assert_eq!(outputs(&mut sw, &arp, 1, 7), vec![]);
    // A NAT packet cut inside its IPv4 header is not NAT's (its `hdr.ipv4` would be invalid),
    // even right after a NAT packet: the probe does not linger. On an external device NAT
    // runs without a flow manager, so its parser-drop counter would show it.
    let mut ext = merged(&out, Role::External);
    let drops = format!("{}.nat_drops", merge::instance_paths("nat")[2]);
    outputs(&mut ext, &udp, 1, 8);
    let before = ext.counter_read(&drops, 0).expect("nat_drops");
    assert_eq!(outputs(&mut ext, &udp[..30], 1, 9), vec![]);
    assert_eq!(ext.counter_read(&drops, 0).expect("nat_drops"), before);
    // Cut after the IPv4 header, it is NAT's, and NAT's parser check drops it.
    outputs(&mut ext, &udp[..36], 1, 10);
    let after = ext.counter_read(&drops, 0).expect("nat_drops");
    assert_eq!(after.0, before.0 + 1);
}
