//! The STF test format of the P4 compiler's test suite, run against the engine.
//!
//! Commands: `packet PORT HEX`, `expect PORT [HEX][$]` (`*` nibbles are don't-care, `$` demands
//! the exact length; expectations are matched in order per port and unexpected output fails),
//! `add TABLE [PRIORITY] FIELD:VALUE... ACTION(ARG:VAL,...) [= ID]` (lpm `v/len`, ternary
//! `v&&&m` or `*` nibbles, range `lo->hi`, `$valid$` and `hdr$0` name forms), `setdefault`,
//! `remove TABLE ...` / `remove all`, `wait`, `no_packet`, `check_counter NAME(INDEX)
//! [packets|bytes OP N]`, `register_read NAME INDEX [VALUE]`, `register_write NAME INDEX VALUE`,
//! `register_reset NAME`, `counter_read NAME INDEX [packets|bytes OP N]`, `counter_write NAME
//! INDEX PACKETS BYTES`, `mirroring_add SESSION PORT`, `mirroring_add_mc SESSION GROUP`,
//! `mc_mgrp_create GROUP`, `mc_node_create RID PORT...`, `mc_node_associate GROUP NODE`,
//! `value_set_add NAME VALUE [MASK]`, `meter_config NAME INDEX CIR CBURST PIR PBURST`.
//! Table, action and field names match by suffix.
//!
//! STF priorities: a larger number wins (p4c's runner hands BMv2 `10000 - priority`, BMv2
//! preferring smaller values), as the tables do.
//!
//! Output on a port that no line names fails the test, unless
//! [`StfOptions::mentioned_ports_only`] asks for the behaviour of p4c's runner, which
//! captures only the ports that `packet` and `expect` lines name (BMv2 discards the rest).

use crate::exec::CloneSession;
use crate::pipeline::{Outputs, Pipeline};
use crate::runtime::KeyValue;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {msg}")]
pub struct StfError {
    pub file: String,
    pub line: usize,
    pub msg: String,
}

/// The result of running a test: `Ok` with a summary, or the first failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StfReport {
    pub packets: usize,
    pub expected: usize,
    pub failures: Vec<String>,
}

impl StfReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One expected packet: bytes and a per-nibble care mask.
#[derive(Debug, Clone)]
struct Expect {
    nibbles: Vec<Option<u8>>,
    exact_len: bool,
    line: usize,
}

fn parse_hex_data(words: &[&str], allow_wild: bool) -> Result<(Vec<Option<u8>>, bool), String> {
    let mut nibbles = Vec::new();
    let mut exact = false;
    for w in words {
        for c in w.chars() {
            match c {
                '$' => exact = true,
                '*' if allow_wild => nibbles.push(None),
                c if c.is_ascii_hexdigit() => nibbles.push(c.to_digit(16).map(|d| d as u8)),
                _ => return Err(format!("bad packet data character '{c}'")),
            }
        }
    }
    // An expectation may end mid-byte (p4c's runner compares nibbles). A packet's lone last
    // nibble is a whole byte of that value, as p4c's runner reads it (`20 0` is 0x20 0x00,
    // `20 a` is 0x20 0x0a).
    if !allow_wild && nibbles.len() % 2 != 0 {
        let last = nibbles.pop().flatten();
        nibbles.push(Some(0));
        nibbles.push(last);
    }
    Ok((nibbles, exact))
}

/// Parses an STF number: decimal, `0x` hex, `0b` binary; `*` nibbles/bits give a mask.
/// Returns (value, mask or None when fully specified).
fn parse_number(s: &str) -> Result<(u128, Option<u128>), String> {
    let s = s.replace('_', "");
    let (digits, radix, bits) =
        if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            (h.to_string(), 16, 4)
        } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
            (b.to_string(), 2, 1)
        } else {
            (s.clone(), 10, 0)
        };
    if digits.is_empty() {
        return Err(format!("bad number '{s}'"));
    }
    if radix == 10 {
        if digits.contains('*') {
            return Err(format!(
                "'*' is only allowed in hex or binary numbers: '{s}'"
            ));
        }
        return digits
            .parse::<u128>()
            .map(|v| (v, None))
            .map_err(|_| format!("bad number '{s}'"));
    }
    let mut v = 0u128;
    let mut m = 0u128;
    let mut wild = false;
    for c in digits.chars() {
        let d = if c == '*' {
            wild = true;
            None
        } else {
            Some(
                c.to_digit(radix)
                    .ok_or_else(|| format!("bad digit '{c}' in '{s}'"))?,
            )
        };
        v = v
            .checked_shl(bits)
            .ok_or_else(|| format!("number too large: '{s}'"))?
            | u128::from(d.unwrap_or(0));
        m = (m << bits) | if d.is_some() { (1u128 << bits) - 1 } else { 0 };
    }
    Ok((v, if wild { Some(m) } else { None }))
}

/// Canonical form of a key or field name for suffix matching.
fn canon(name: &str) -> String {
    let mut s = name
        .replace(".isValid()", ".$valid$")
        .replace("isValid()", "$valid$");
    // `a[2]` and `a$2` are the same field.
    while let Some(i) = s.find('[') {
        let Some(j) = s[i..].find(']') else { break };
        let idx = s[i + 1..i + j].to_string();
        s.replace_range(i..i + j + 1, &format!("${idx}"));
    }
    s
}

fn suffix_match(full: &str, want: &str) -> bool {
    let (f, w) = (canon(full), canon(want));
    f == w || (f.ends_with(&w) && f.as_bytes().get(f.len() - w.len() - 1) == Some(&b'.'))
}

/// Splits `name(args)` into the name and its `k:v` arguments.
fn parse_action(s: &str) -> Result<(String, Vec<(String, String)>), String> {
    let open = s
        .find('(')
        .ok_or_else(|| format!("expected ACTION(ARGS), got '{s}'"))?;
    let close = s
        .rfind(')')
        .ok_or_else(|| format!("missing ')' in '{s}'"))?;
    if close < open {
        return Err(format!("malformed action call '{s}'"));
    }
    let name = s[..open].trim().to_string();
    let mut args = Vec::new();
    for a in s[open + 1..close].split(',') {
        let a = a.trim();
        if a.is_empty() {
            continue;
        }
        let (k, v) = a
            .split_once(':')
            .ok_or_else(|| format!("action argument '{a}' is not NAME:VALUE"))?;
        args.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok((name, args))
}

/// Joins tokens so that an action call split by spaces (`a(x: 1, y: 2)`) is one token.
fn tokens(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut depth = 0i32;
    for w in line.split_whitespace() {
        if depth > 0 {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(w);
            }
        } else {
            out.push(w.to_string());
        }
        depth += w.matches('(').count() as i32 - w.matches(')').count() as i32;
    }
    out
}

/// How [`run_with`] treats a script.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StfOptions {
    /// Check only the ports that some `packet` or `expect` line names, as p4c's STF runner
    /// does (it gives BMv2 an interface for those ports alone); output elsewhere is ignored.
    pub mentioned_ports_only: bool,
}

struct Runner<'a> {
    pipe: &'a mut Pipeline,
    file: String,
    opts: StfOptions,
    /// Ports named by `packet` and `expect` lines.
    mentioned: HashSet<u32>,
    outputs: HashMap<u32, VecDeque<Vec<u8>>>,
    expects: HashMap<u32, VecDeque<Expect>>,
    failures: Vec<String>,
    packets: usize,
    expected: usize,
    mc_nodes: Vec<(u32, Vec<u32>)>,
    now: u64,
    out: Outputs,
}

/// Runs an STF script against a loaded pipeline.
pub fn run(pipe: &mut Pipeline, file: &str, text: &str) -> Result<StfReport, StfError> {
    run_with(pipe, file, text, StfOptions::default())
}

/// [`run`] with options.
pub fn run_with(
    pipe: &mut Pipeline,
    file: &str,
    text: &str,
    opts: StfOptions,
) -> Result<StfReport, StfError> {
    let mut r = Runner {
        pipe,
        file: file.to_string(),
        opts,
        mentioned: HashSet::new(),
        outputs: HashMap::new(),
        expects: HashMap::new(),
        failures: Vec::new(),
        packets: 0,
        expected: 0,
        mc_nodes: Vec::new(),
        now: 1_000_000_000,
        out: Outputs::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        r.command(line, i + 1).map_err(|msg| StfError {
            file: file.to_string(),
            line: i + 1,
            msg,
        })?;
    }
    r.finish();
    Ok(StfReport {
        packets: r.packets,
        expected: r.expected,
        failures: r.failures,
    })
}

impl Runner<'_> {
    fn command(&mut self, line: &str, lineno: usize) -> Result<(), String> {
        let toks = tokens(line);
        let cmd = toks[0].to_ascii_lowercase();
        let args: Vec<&str> = toks[1..].iter().map(|s| s.as_str()).collect();
        let num = |s: &str| -> Result<u128, String> {
            let (v, m) = parse_number(s)?;
            if m.is_some() {
                return Err(format!("'*' not allowed in '{s}'"));
            }
            Ok(v)
        };
        match cmd.as_str() {
            "packet" => {
                let port = num(args.first().ok_or("packet needs a port")?)? as u32;
                self.mentioned.insert(port);
                let (nib, _) = parse_hex_data(&args[1..], false)?;
                let bytes: Vec<u8> = nib
                    .chunks(2)
                    .map(|c| (c[0].unwrap_or(0) << 4) | c[1].unwrap_or(0))
                    .collect();
                self.now += 1_000;
                self.out.clear();
                self.pipe.process(&bytes, port, self.now, &mut self.out);
                for p in self.out.as_slice() {
                    self.outputs
                        .entry(p.port)
                        .or_default()
                        .push_back(p.data.clone());
                }
                self.packets += 1;
            }
            "expect" => {
                let port = num(args.first().ok_or("expect needs a port")?)? as u32;
                self.mentioned.insert(port);
                let (nibbles, exact_len) = parse_hex_data(&args[1..], true)?;
                self.expects.entry(port).or_default().push_back(Expect {
                    nibbles,
                    exact_len,
                    line: lineno,
                });
                self.expected += 1;
            }
            "no_packet" | "wait" => {}
            "add" => self.add(&args)?,
            "setdefault" => {
                let table = args.first().ok_or("setdefault needs a table")?;
                let (action, a) = parse_action(&args[1..].join(" "))?;
                let vals = self.action_args(table, &action, &a)?;
                self.pipe
                    .table_set_default(table, &action, &vals)
                    .map_err(|e| e.to_string())?;
            }
            "remove" => {
                if args.first().map(|s| s.to_ascii_lowercase()) == Some("all".into()) {
                    for t in self
                        .pipe
                        .prog
                        .tables
                        .iter()
                        .map(|t| t.name.clone())
                        .collect::<Vec<_>>()
                    {
                        let _ = self.pipe.table_clear(&t);
                    }
                } else {
                    let table = args.first().ok_or("remove needs a table")?;
                    let (keys, prio) = self.keys(table, &args[1..])?;
                    self.pipe
                        .table_delete(table, &keys, prio)
                        .map_err(|e| e.to_string())?;
                }
            }
            "check_counter" | "counter_read" => self.check_counter(&cmd, &args, lineno)?,
            "counter_write" => {
                if args.len() != 4 {
                    return Err("counter_write NAME INDEX PACKETS BYTES".into());
                }
                self.pipe
                    .counter_write(
                        args[0],
                        num(args[1])? as u64,
                        num(args[2])? as u64,
                        num(args[3])? as u64,
                    )
                    .map_err(|e| e.to_string())?;
            }
            "register_read" => {
                if args.len() < 2 {
                    return Err("register_read NAME INDEX [VALUE]".into());
                }
                let v = self
                    .pipe
                    .register_read(args[0], num(args[1])? as u64)
                    .map_err(|e| e.to_string())?;
                if let Some(want) = args.get(2) {
                    let want = num(want)?;
                    if v != want {
                        self.failures.push(format!(
                            "line {lineno}: register {}[{}] is {v:#x}, expected {want:#x}",
                            args[0], args[1]
                        ));
                    }
                }
            }
            "register_write" => {
                if args.len() != 3 {
                    return Err("register_write NAME INDEX VALUE".into());
                }
                self.pipe
                    .register_write(args[0], num(args[1])? as u64, num(args[2])?)
                    .map_err(|e| e.to_string())?;
            }
            "register_reset" => {
                self.pipe
                    .register_reset(args.first().ok_or("register_reset NAME")?)
                    .map_err(|e| e.to_string())?;
            }
            "mirroring_add" => {
                if args.len() < 2 {
                    return Err("mirroring_add SESSION PORT".into());
                }
                self.pipe.clone_session_set(
                    num(args[0])? as u32,
                    CloneSession {
                        port: Some(num(args[1])? as u32),
                        mcast_grp: None,
                        truncate: None,
                    },
                );
            }
            "mirroring_add_mc" => {
                if args.len() < 2 {
                    return Err("mirroring_add_mc SESSION GROUP".into());
                }
                self.pipe.clone_session_set(
                    num(args[0])? as u32,
                    CloneSession {
                        port: None,
                        mcast_grp: Some(num(args[1])? as u32),
                        truncate: None,
                    },
                );
            }
            "mc_mgrp_create" => {
                let g = num(args.first().ok_or("mc_mgrp_create GROUP")?)? as u32;
                self.pipe.mcast_group_set(g, Vec::new());
            }
            "mc_node_create" => {
                let rid = num(args.first().ok_or("mc_node_create RID PORT...")?)? as u32;
                let mut ports = Vec::new();
                for p in &args[1..] {
                    ports.push(num(p)? as u32);
                }
                self.mc_nodes.push((rid, ports));
            }
            "mc_node_associate" => {
                if args.len() != 2 {
                    return Err("mc_node_associate GROUP NODE".into());
                }
                let g = num(args[0])? as u32;
                let n = num(args[1])? as usize;
                let (rid, ports) = self
                    .mc_nodes
                    .get(n)
                    .cloned()
                    .ok_or_else(|| format!("no multicast node {n}"))?;
                for p in ports {
                    self.pipe.mcast_group_add_member(g, p, rid);
                }
            }
            "value_set_add" => {
                let name = args.first().ok_or("value_set_add NAME VALUE [MASK]")?;
                let v = num(args.get(1).ok_or("value_set_add NAME VALUE [MASK]")?)?;
                let m = match args.get(2) {
                    Some(m) => num(m)?,
                    None => u128::MAX,
                };
                self.pipe
                    .value_set_add(name, v, m)
                    .map_err(|e| e.to_string())?;
            }
            "meter_config" => {
                if args.len() != 6 {
                    return Err("meter_config NAME INDEX CIR CBURST PIR PBURST".into());
                }
                let n: Vec<u64> = args[1..]
                    .iter()
                    .map(|a| num(a).map(|v| v as u64))
                    .collect::<Result<_, _>>()?;
                self.pipe
                    .meter_configure(args[0], n[0], n[1], n[2], n[3], n[4])
                    .map_err(|e| e.to_string())?;
            }
            other => return Err(format!("unknown STF command '{other}'")),
        }
        Ok(())
    }

    fn action_args(
        &self,
        table: &str,
        action: &str,
        args: &[(String, String)],
    ) -> Result<Vec<u128>, String> {
        let t = self
            .pipe
            .prog
            .table_index(table)
            .ok_or_else(|| format!("no table named '{table}'"))?;
        let ct = &self.pipe.prog.tables[t];
        let names = ct
            .actions
            .iter()
            .map(|a| self.pipe.prog.actions[*a as usize].name.as_str());
        let ai = crate::program::find_by_suffix(names, action)
            .ok_or_else(|| format!("no action named '{action}' in table '{table}'"))?;
        let a = &self.pipe.prog.ir.actions[ct.actions[ai] as usize];
        let data: Vec<&exo_p4::ir::Param> = a
            .params
            .iter()
            .filter(|p| p.direction == exo_p4::ir::Direction::None)
            .collect();
        let mut out = Vec::new();
        for p in &data {
            let v = args
                .iter()
                .find(|(k, _)| k == &p.name)
                .ok_or_else(|| format!("action {} needs argument '{}'", a.name, p.name))?;
            let (x, m) = parse_number(&v.1)?;
            if m.is_some() {
                return Err(format!("'*' not allowed in action argument {}", v.0));
            }
            out.push(x);
        }
        if let Some((k, _)) = args
            .iter()
            .find(|(k, _)| !data.iter().any(|p| &p.name == k))
        {
            return Err(format!("action {} has no parameter '{k}'", a.name));
        }
        Ok(out)
    }

    /// Key fields from `name:value` tokens, in the table's key order; and the priority.
    fn keys(&self, table: &str, toks: &[&str]) -> Result<(Vec<KeyValue>, i32), String> {
        let names = self.pipe.key_names(table).map_err(|e| e.to_string())?;
        let t = self.pipe.prog.table_index(table).ok_or("no table")?;
        let kinds: Vec<exo_tables::MatchKind> = self.pipe.prog.tables[t]
            .keys
            .iter()
            .map(|k| k.kind)
            .collect();
        let mut vals: Vec<Option<KeyValue>> = vec![None; names.len()];
        let mut priority = None;
        for tok in toks {
            let Some((name, v)) = tok.split_once(':') else {
                // A bare number is the priority.
                priority = Some(parse_number(tok)?.0 as i64);
                continue;
            };
            let idx = names
                .iter()
                .position(|n| suffix_match(n, name))
                .ok_or_else(|| {
                    format!(
                        "table '{table}' has no key field '{name}' (keys: {})",
                        names.join(", ")
                    )
                })?;
            let kv = if let Some((a, b)) = v.split_once("->") {
                KeyValue::Range(parse_number(a)?.0, parse_number(b)?.0)
            } else if let Some((a, b)) = v.split_once("&&&") {
                KeyValue::Ternary(parse_number(a)?.0, parse_number(b)?.0)
            } else if let Some((a, b)) = v.split_once('/') {
                KeyValue::Lpm(parse_number(a)?.0, parse_number(b)?.0 as u32)
            } else {
                match parse_number(v)? {
                    (x, Some(m)) => KeyValue::Ternary(x & m, m),
                    (x, None) => match kinds[idx] {
                        exo_tables::MatchKind::Ternary => {
                            let w = self.pipe.prog.tables[t].keys[idx].width;
                            KeyValue::Ternary(x, crate::bits::mask(w))
                        }
                        _ => KeyValue::Exact(x),
                    },
                }
            };
            vals[idx] = Some(kv);
        }
        let keys = vals
            .into_iter()
            .map(|v| v.unwrap_or(KeyValue::Any))
            .collect();
        // A larger STF priority wins, as in the tables.
        let prio = priority.map_or(0, |p| p.clamp(0, i32::MAX as i64) as i32);
        Ok((keys, prio))
    }

    fn add(&mut self, args: &[&str]) -> Result<(), String> {
        let table = args.first().ok_or("add needs a table")?;
        // Drop a trailing `= ID`.
        let mut rest: Vec<&str> = args[1..].to_vec();
        if let Some(eq) = rest.iter().position(|t| *t == "=") {
            rest.truncate(eq);
        }
        // The action is the first token with a '(' that is not a key such as `h.isValid():1`.
        let ai = rest
            .iter()
            .position(|t| t.contains('(') && !t.contains("():"))
            .ok_or("add needs ACTION(ARGS)")?;
        let action_str = rest[ai..].join(" ");
        let (action, a) = parse_action(&action_str)?;
        let (keys, prio) = self.keys(table, &rest[..ai])?;
        let vals = self.action_args(table, &action, &a)?;
        // Without an explicit priority, earlier entries win.
        let prio = if rest[..ai].iter().any(|t| !t.contains(':')) {
            prio
        } else {
            let n = self.pipe.table_len(table).map_err(|e| e.to_string())? as i32;
            -n
        };
        self.pipe
            .table_add(table, &keys, &action, &vals, prio)
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    fn check_counter(&mut self, cmd: &str, args: &[&str], lineno: usize) -> Result<(), String> {
        let (name, index, rest) = if cmd == "check_counter" {
            let s = args
                .first()
                .ok_or("check_counter NAME(INDEX) [packets|bytes OP N]")?;
            let open = s.find('(').ok_or("check_counter NAME(INDEX)")?;
            let close = s.rfind(')').ok_or("check_counter NAME(INDEX)")?;
            (
                s[..open].to_string(),
                s[open + 1..close].to_string(),
                &args[1..],
            )
        } else {
            if args.len() < 2 {
                return Err("counter_read NAME INDEX [packets|bytes OP N]".into());
            }
            (args[0].to_string(), args[1].to_string(), &args[2..])
        };
        let (idx, _) = parse_number(&index)?;
        let (p, b) = self
            .pipe
            .counter_read(&name, idx as u64)
            .map_err(|e| e.to_string())?;
        if rest.is_empty() {
            return Ok(());
        }
        if rest.len() != 3 {
            return Err("expected packets|bytes OP N".into());
        }
        let have = match rest[0] {
            "packets" => p,
            "bytes" => b,
            other => return Err(format!("expected packets or bytes, got '{other}'")),
        };
        let want = parse_number(rest[2])?.0 as u64;
        let ok = match rest[1] {
            "==" => have == want,
            "!=" => have != want,
            "<" => have < want,
            "<=" => have <= want,
            ">" => have > want,
            ">=" => have >= want,
            other => return Err(format!("unknown comparison '{other}'")),
        };
        if !ok {
            self.failures.push(format!(
                "line {lineno}: counter {name}({index}) {} is {have}, expected {} {want}",
                rest[0], rest[1]
            ));
        }
        Ok(())
    }

    fn finish(&mut self) {
        let mut ports: Vec<u32> = self
            .expects
            .keys()
            .chain(self.outputs.keys())
            .copied()
            .collect();
        ports.sort_unstable();
        ports.dedup();
        if self.opts.mentioned_ports_only {
            ports.retain(|p| self.mentioned.contains(p));
        }
        for port in ports {
            let mut exp = self.expects.remove(&port).unwrap_or_default();
            let mut got = self.outputs.remove(&port).unwrap_or_default();
            while let Some(e) = exp.pop_front() {
                match got.pop_front() {
                    None => {
                        self.failures.push(format!(
                            "line {}: expected a packet on port {port}, none was sent",
                            e.line
                        ));
                        break;
                    }
                    Some(p) => {
                        if let Some(msg) = compare(&e, &p) {
                            self.failures
                                .push(format!("line {}: port {port}: {msg}", e.line));
                        }
                    }
                }
            }
            for p in got {
                self.failures
                    .push(format!("unexpected packet on port {port}: {}", hex(&p)));
            }
        }
        let _ = &self.file;
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02X}");
    }
    s
}

/// Compares a packet with an expectation; the mismatch report marks differing nibbles with `^`.
fn compare(e: &Expect, p: &[u8]) -> Option<String> {
    let got: Vec<u8> = p.iter().flat_map(|b| [b >> 4, b & 0xf]).collect();
    let mut bad = e.exact_len && got.len() != e.nibbles.len();
    bad |= got.len() < e.nibbles.len();
    let mut marks = String::new();
    for (i, n) in e.nibbles.iter().enumerate() {
        let differs = match (n, got.get(i)) {
            (Some(x), Some(y)) => x != y,
            (Some(_), None) => true,
            (None, _) => false,
        };
        bad |= differs;
        marks.push(if differs { '^' } else { ' ' });
    }
    if !bad {
        return None;
    }
    let want: String = e
        .nibbles
        .iter()
        .map(|n| {
            n.map_or('*', |d| {
                char::from_digit(u32::from(d), 16)
                    .unwrap_or('?')
                    .to_ascii_uppercase()
            })
        })
        .collect();
    Some(format!(
        "packet differs (expected {} bytes{}, got {})\n  expected: {want}\n  received: {}\n            {}",
        e.nibbles.len().div_ceil(2),
        if e.exact_len { " exactly" } else { " or more" },
        p.len(),
        hex(p),
        marks.trim_end()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_wildcards() {
        assert_eq!(parse_number("10").unwrap(), (10, None));
        assert_eq!(parse_number("0x0a0B").unwrap(), (0x0a0b, None));
        assert_eq!(parse_number("0b101").unwrap(), (5, None));
        assert_eq!(parse_number("0x**01").unwrap(), (0x01, Some(0x00ff)));
        assert!(parse_number("0xzz").is_err());
        assert!(parse_number("1*").is_err());
    }

    #[test]
    fn names_match_by_suffix_and_alias() {
        assert!(suffix_match("hdr.ethernet.dstAddr", "ethernet.dstAddr"));
        assert!(suffix_match("hdr.ethernet.dstAddr", "dstAddr"));
        assert!(!suffix_match("hdr.ethernet.dstAddr", "Addr"));
        assert!(suffix_match("hdr.h.isValid()", "h.$valid$"));
        assert!(suffix_match("hdr.stack[0].f", "stack$0.f"));
    }

    #[test]
    fn action_tokens_with_spaces() {
        let t = tokens("add t k:1 a(x: 1, y: 2)");
        assert_eq!(t, vec!["add", "t", "k:1", "a(x: 1, y: 2)"]);
        let (n, a) = parse_action(&t[3]).unwrap();
        assert_eq!(n, "a");
        assert_eq!(
            a,
            vec![
                ("x".to_string(), "1".to_string()),
                ("y".to_string(), "2".to_string())
            ]
        );
    }

    #[test]
    fn mismatch_report_marks_nibbles() {
        let (nibbles, exact_len) = parse_hex_data(&["0a0b", "**"], true).unwrap();
        let e = Expect {
            nibbles,
            exact_len,
            line: 1,
        };
        assert!(compare(&e, &[0x0a, 0x0b, 0x77]).is_none());
        let msg = compare(&e, &[0x0a, 0x0c, 0x77]).unwrap();
        assert!(msg.contains("^"), "{msg}");
    }

    #[test]
    fn expectations_may_end_mid_byte_a_lone_packet_nibble_is_a_byte() {
        let (nibbles, exact_len) = parse_hex_data(&["0b", "**", "1"], true).unwrap();
        let e = Expect {
            nibbles,
            exact_len,
            line: 1,
        };
        assert!(compare(&e, &[0x0b, 0xff, 0x1f]).is_none());
        assert!(compare(&e, &[0x0b, 0xff, 0x2f]).is_some());
        assert!(compare(&e, &[0x0b, 0xff]).is_some());
        let (p, _) = parse_hex_data(&["0b", "a"], false).unwrap();
        assert_eq!(p, [0, 0xb, 0, 0xa].map(Some));
    }
}
