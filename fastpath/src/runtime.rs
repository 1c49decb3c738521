//! The control-plane API of a pipeline: table entries and default actions, registers, counters,
//! meters, multicast groups, clone sessions, value sets, digests and idle-timeout notifications.
//! Tables, actions and extern instances are named by [`Ref`]: a name (exact, else by dotted
//! suffix as in STF and P4Runtime aliases) or a P4Runtime id (the ids of the program's P4Info).
//! Errors are values.

use crate::compile::be_bytes;
use crate::exec::{CloneSession, Digest};
use crate::pipeline::Pipeline;
use crate::program::{find_by_suffix, InstanceKind};
use exo_tables::{EntryHandle, EntrySpec, FieldMatch, MatchKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    #[error("no table named '{0}'")]
    NoTable(String),
    #[error("no action named '{0}' in table '{1}'")]
    NoAction(String, String),
    #[error("table '{table}' has no key field named '{field}'")]
    NoKeyField { table: String, field: String },
    #[error("table '{table}': {detail}")]
    BadEntry { table: String, detail: String },
    #[error("table '{table}': {error}")]
    Table {
        table: String,
        error: exo_tables::TableError,
    },
    #[error("no extern instance named '{0}'")]
    NoInstance(String),
    #[error("'{0}' is not a {1}")]
    WrongKind(String, &'static str),
    #[error("index {index} out of range for '{name}' (size {size})")]
    Index {
        name: String,
        index: u64,
        size: usize,
    },
    #[error("action '{action}' takes {expected} argument(s), got {got}")]
    Args {
        action: String,
        expected: usize,
        got: usize,
    },
    #[error("default action of table '{0}' is constant")]
    ConstDefault(String),
    #[error("no value set named '{0}'")]
    NoValueSet(String),
}

/// A table, action or extern instance, by name or by P4Runtime id. `&str` converts to a name,
/// except that a number (decimal or `0x` hex) is an id: P4 names never start with a digit, so
/// the text forms of STF files and command lines can use either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ref<'a> {
    Name(&'a str),
    Id(u32),
}

impl<'a> From<&'a str> for Ref<'a> {
    fn from(s: &'a str) -> Ref<'a> {
        let id = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None if s.starts_with(|c: char| c.is_ascii_digit()) => s.parse().ok(),
            None => None,
        };
        id.map_or(Ref::Name(s), Ref::Id)
    }
}

impl<'a> From<&&'a str> for Ref<'a> {
    fn from(s: &&'a str) -> Ref<'a> {
        Ref::from(*s)
    }
}

impl<'a> From<&'a String> for Ref<'a> {
    fn from(s: &'a String) -> Ref<'a> {
        Ref::from(s.as_str())
    }
}

impl From<u32> for Ref<'static> {
    fn from(id: u32) -> Ref<'static> {
        Ref::Id(id)
    }
}

impl std::fmt::Display for Ref<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ref::Name(n) => f.write_str(n),
            Ref::Id(id) => write!(f, "id {id:#010x}"),
        }
    }
}

/// One key field of an entry, as the control plane gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyValue {
    Exact(u128),
    Lpm(u128, u32),
    Ternary(u128, u128),
    Range(u128, u128),
    /// Matches anything.
    Any,
}

impl Pipeline {
    fn table_idx(&self, table: Ref<'_>) -> Result<usize, RuntimeError> {
        match table {
            Ref::Name(n) => self.prog.table_index(n),
            Ref::Id(id) => self.prog.tables.iter().position(|t| t.id == id),
        }
        .ok_or_else(|| RuntimeError::NoTable(table.to_string()))
    }

    /// The index of an action of table `t` (by suffix or id).
    fn table_action(&self, t: usize, action: Ref<'_>) -> Result<u32, RuntimeError> {
        let ct = &self.prog.tables[t];
        let found = match action {
            Ref::Name(n) => {
                let names = ct
                    .actions
                    .iter()
                    .map(|a| self.prog.actions[*a as usize].name.as_str());
                find_by_suffix(names, n).map(|i| ct.actions[i])
            }
            Ref::Id(id) => ct
                .actions
                .iter()
                .copied()
                .find(|&a| self.prog.actions[a as usize].id == id),
        };
        found.ok_or_else(|| RuntimeError::NoAction(action.to_string(), ct.name.clone()))
    }

    fn encode_args(&self, action: u32, args: &[u128]) -> Result<Vec<u8>, RuntimeError> {
        let a = &self.prog.actions[action as usize];
        if args.len() != a.data_params.len() {
            return Err(RuntimeError::Args {
                action: a.name.clone(),
                expected: a.data_params.len(),
                got: args.len(),
            });
        }
        let mut out = Vec::new();
        for (&(_, w), &v) in a.data_params.iter().zip(args) {
            out.extend(be_bytes(v & crate::bits::mask(w), w.div_ceil(8) as usize));
        }
        Ok(out)
    }

    /// Names of table `t`'s key fields, in order.
    pub fn key_names<'t>(&self, table: impl Into<Ref<'t>>) -> Result<Vec<String>, RuntimeError> {
        let t = self.table_idx(table.into())?;
        Ok(self.prog.tables[t]
            .keys
            .iter()
            .map(|k| k.name.clone())
            .collect())
    }

    fn spec(
        &self,
        t: usize,
        keys: &[KeyValue],
        priority: i32,
        action: u32,
        data: Vec<u8>,
    ) -> Result<EntrySpec, RuntimeError> {
        let ct = &self.prog.tables[t];
        if keys.len() != ct.keys.len() {
            return Err(RuntimeError::BadEntry {
                table: ct.name.clone(),
                detail: format!(
                    "{} key field(s) given, the table has {}",
                    keys.len(),
                    ct.keys.len()
                ),
            });
        }
        let mut matches = Vec::new();
        for (k, v) in ct.keys.iter().zip(keys) {
            let n = k.width.div_ceil(8) as usize;
            let m = crate::bits::mask(k.width);
            let b = |x: u128| be_bytes(x & m, n);
            let bad = |d: String| RuntimeError::BadEntry {
                table: ct.name.clone(),
                detail: d,
            };
            matches.push(match (k.kind, v) {
                (MatchKind::Exact, KeyValue::Exact(x)) => FieldMatch::Exact(b(*x)),
                (MatchKind::Optional, KeyValue::Exact(x)) => FieldMatch::Exact(b(*x)),
                (MatchKind::Optional, KeyValue::Any) => FieldMatch::Any,
                (MatchKind::Lpm, KeyValue::Lpm(x, len)) => {
                    if *len > k.width {
                        return Err(bad(format!(
                            "prefix length {len} longer than {} bits for {}",
                            k.width, k.name
                        )));
                    }
                    let pm = if *len == 0 {
                        0
                    } else {
                        crate::bits::mask(*len) << (k.width - len)
                    };
                    FieldMatch::Lpm {
                        value: b(x & pm),
                        prefix_len: *len,
                    }
                }
                (MatchKind::Lpm, KeyValue::Exact(x)) => FieldMatch::Lpm {
                    value: b(*x),
                    prefix_len: k.width,
                },
                (MatchKind::Lpm, KeyValue::Any) => FieldMatch::Lpm {
                    value: vec![0; n],
                    prefix_len: 0,
                },
                (MatchKind::Ternary, KeyValue::Ternary(x, mk)) => FieldMatch::Ternary {
                    value: b(x & mk),
                    mask: b(*mk),
                },
                (MatchKind::Ternary, KeyValue::Exact(x)) => FieldMatch::Ternary {
                    value: b(*x),
                    mask: b(m),
                },
                (MatchKind::Ternary, KeyValue::Any) => FieldMatch::Ternary {
                    value: vec![0; n],
                    mask: vec![0; n],
                },
                (MatchKind::Range, KeyValue::Range(lo, hi)) => FieldMatch::Range {
                    lo: b(*lo),
                    hi: b(*hi),
                },
                (MatchKind::Range, KeyValue::Exact(x)) => FieldMatch::Range {
                    lo: b(*x),
                    hi: b(*x),
                },
                (MatchKind::Range, KeyValue::Any) => FieldMatch::Range {
                    lo: vec![0; n],
                    hi: b(m),
                },
                (kind, v) => return Err(bad(format!("key {} is {kind:?} but got {v:?}", k.name))),
            });
        }
        Ok(EntrySpec {
            matches,
            priority,
            action,
            data,
        })
    }

    /// Adds an entry; `priority` matters for ternary/range/optional tables (larger wins).
    pub fn table_add<'t, 'a>(
        &mut self,
        table: impl Into<Ref<'t>>,
        keys: &[KeyValue],
        action: impl Into<Ref<'a>>,
        args: &[u128],
        priority: i32,
    ) -> Result<EntryHandle, RuntimeError> {
        let (t, spec) = self.entry(table.into(), keys, action.into(), args, priority)?;
        let r = self.st.tables[t].table.insert(spec);
        self.table_result(t, r)
    }

    /// Resolves a control-plane entry: the table's index and the encoded entry.
    fn entry(
        &self,
        table: Ref<'_>,
        keys: &[KeyValue],
        action: Ref<'_>,
        args: &[u128],
        priority: i32,
    ) -> Result<(usize, EntrySpec), RuntimeError> {
        let t = self.table_idx(table)?;
        let a = self.table_action(t, action)?;
        let data = self.encode_args(a, args)?;
        Ok((t, self.spec(t, keys, priority, a, data)?))
    }

    fn table_result<T>(
        &self,
        t: usize,
        r: Result<T, exo_tables::TableError>,
    ) -> Result<T, RuntimeError> {
        r.map_err(|error| RuntimeError::Table {
            table: self.prog.tables[t].name.clone(),
            error,
        })
    }

    pub fn table_modify<'t, 'a>(
        &mut self,
        table: impl Into<Ref<'t>>,
        keys: &[KeyValue],
        action: impl Into<Ref<'a>>,
        args: &[u128],
        priority: i32,
    ) -> Result<EntryHandle, RuntimeError> {
        let (t, spec) = self.entry(table.into(), keys, action.into(), args, priority)?;
        let r = self.st.tables[t]
            .table
            .modify(&spec.matches, priority, spec.action, &spec.data);
        self.table_result(t, r)
    }

    pub fn table_delete<'t>(
        &mut self,
        table: impl Into<Ref<'t>>,
        keys: &[KeyValue],
        priority: i32,
    ) -> Result<(), RuntimeError> {
        let t = self.table_idx(table.into())?;
        let spec = self.spec(t, keys, priority, 0, Vec::new())?;
        let name = self.prog.tables[t].name.clone();
        self.st.tables[t]
            .table
            .delete(&spec.matches, priority)
            .map_err(|error| RuntimeError::Table { table: name, error })
    }

    pub fn table_clear<'t>(&mut self, table: impl Into<Ref<'t>>) -> Result<(), RuntimeError> {
        let t = self.table_idx(table.into())?;
        self.st.tables[t].table.clear();
        Ok(())
    }

    pub fn table_set_default<'t, 'a>(
        &mut self,
        table: impl Into<Ref<'t>>,
        action: impl Into<Ref<'a>>,
        args: &[u128],
    ) -> Result<(), RuntimeError> {
        let t = self.table_idx(table.into())?;
        if self.prog.tables[t].default_const {
            return Err(RuntimeError::ConstDefault(self.prog.tables[t].name.clone()));
        }
        let a = self.table_action(t, action.into())?;
        let data = self.encode_args(a, args)?;
        self.st.tables[t].default = Some((a, data));
        Ok(())
    }

    pub fn table_len<'t>(&self, table: impl Into<Ref<'t>>) -> Result<usize, RuntimeError> {
        Ok(self.st.tables[self.table_idx(table.into())?].table.len())
    }

    /// Direct counter of an entry (packets, bytes).
    pub fn direct_counter_read<'t>(
        &self,
        table: impl Into<Ref<'t>>,
        h: EntryHandle,
    ) -> Result<(u64, u64), RuntimeError> {
        let t = self.table_idx(table.into())?;
        Ok(self.st.tables[t]
            .direct_counts
            .get(h.0 as usize)
            .copied()
            .unwrap_or((0, 0)))
    }

    /// Entries of `table` idle for at least `idle_ns` at `now_ns` (idle-timeout notifications).
    pub fn idle_entries<'t>(
        &self,
        table: impl Into<Ref<'t>>,
        now_ns: u64,
        idle_ns: u64,
    ) -> Result<Vec<EntryHandle>, RuntimeError> {
        let t = self.table_idx(table.into())?;
        Ok(self.st.tables[t].table.idle_entries(now_ns, idle_ns))
    }

    /// An extern instance and its name.
    fn instance(&self, r: Ref<'_>) -> Result<(usize, String), RuntimeError> {
        match r {
            Ref::Name(n) => self.prog.instance_index(n),
            Ref::Id(id) => self.prog.instances.iter().position(|x| x.id == id),
        }
        .map(|i| (i, self.prog.instances[i].name.clone()))
        .ok_or_else(|| RuntimeError::NoInstance(r.to_string()))
    }

    pub fn register_read<'n>(
        &self,
        name: impl Into<Ref<'n>>,
        index: u64,
    ) -> Result<u128, RuntimeError> {
        let (i, name) = self.instance(name.into())?;
        let r = &self.st.registers[i];
        if !matches!(self.prog.instances[i].kind, InstanceKind::Register { .. }) {
            return Err(RuntimeError::WrongKind(name.clone(), "register"));
        }
        r.get(index as usize).ok_or(RuntimeError::Index {
            name: name.clone(),
            index,
            size: r.len(),
        })
    }

    pub fn register_write<'n>(
        &mut self,
        name: impl Into<Ref<'n>>,
        index: u64,
        value: u128,
    ) -> Result<(), RuntimeError> {
        let (i, name) = self.instance(name.into())?;
        let InstanceKind::Register { width, .. } = self.prog.instances[i].kind else {
            return Err(RuntimeError::WrongKind(name.clone(), "register"));
        };
        let r = &mut self.st.registers[i];
        if !r.set(index as usize, value & crate::bits::mask(width)) {
            return Err(RuntimeError::Index {
                name: name.clone(),
                index,
                size: r.len(),
            });
        }
        Ok(())
    }

    pub fn register_reset<'n>(&mut self, name: impl Into<Ref<'n>>) -> Result<(), RuntimeError> {
        let (i, name) = self.instance(name.into())?;
        if !matches!(self.prog.instances[i].kind, InstanceKind::Register { .. }) {
            return Err(RuntimeError::WrongKind(name, "register"));
        }
        self.st.registers[i].reset();
        Ok(())
    }

    /// Counter cell (packets, bytes); for a direct counter, `index` is an entry handle.
    pub fn counter_read<'n>(
        &self,
        name: impl Into<Ref<'n>>,
        index: u64,
    ) -> Result<(u64, u64), RuntimeError> {
        let (i, name) = self.instance(name.into())?;
        match self.prog.instances[i].kind {
            InstanceKind::Counter { .. } => {
                let c = &self.st.counters[i];
                c.get(index as usize).copied().ok_or(RuntimeError::Index {
                    name: name.clone(),
                    index,
                    size: c.len(),
                })
            }
            InstanceKind::DirectCounter { .. } => {
                let t = self
                    .prog
                    .tables
                    .iter()
                    .position(|t| t.direct_counter == Some(i as u32))
                    .ok_or(RuntimeError::WrongKind(
                        name.clone(),
                        "attached direct counter",
                    ))?;
                Ok(self.st.tables[t]
                    .direct_counts
                    .get(index as usize)
                    .copied()
                    .unwrap_or((0, 0)))
            }
            _ => Err(RuntimeError::WrongKind(name.clone(), "counter")),
        }
    }

    pub fn counter_write<'n>(
        &mut self,
        name: impl Into<Ref<'n>>,
        index: u64,
        packets: u64,
        bytes: u64,
    ) -> Result<(), RuntimeError> {
        let (i, name) = self.instance(name.into())?;
        let c = &mut self.st.counters[i];
        let size = c.len();
        let x = c.get_mut(index as usize).ok_or(RuntimeError::Index {
            name: name.clone(),
            index,
            size,
        })?;
        *x = (packets, bytes);
        Ok(())
    }

    /// Configures a meter cell: committed / peak rate (units per second) and bursts (units).
    pub fn meter_configure<'n>(
        &mut self,
        name: impl Into<Ref<'n>>,
        index: u64,
        cir: u64,
        cburst: u64,
        pir: u64,
        pburst: u64,
    ) -> Result<(), RuntimeError> {
        let (i, name) = self.instance(name.into())?;
        // For a direct meter, `index` is the entry handle.
        if let InstanceKind::DirectMeter { .. } = self.prog.instances[i].kind {
            let t = self
                .prog
                .tables
                .iter()
                .position(|t| t.direct_meter == Some(i as u32))
                .ok_or(RuntimeError::WrongKind(
                    name.clone(),
                    "attached direct meter",
                ))?;
            let rt = &mut self.st.tables[t];
            let cap = rt.table.capacity().max(rt.table.len());
            if index as usize >= cap {
                return Err(RuntimeError::Index {
                    name: name.clone(),
                    index,
                    size: cap,
                });
            }
            if rt.direct_meters.len() <= index as usize {
                rt.direct_meters
                    .resize(index as usize + 1, crate::externs::Meter::default());
            }
            rt.direct_meters[index as usize].configure(cir, cburst, pir, pburst);
            return Ok(());
        }
        let m = &mut self.st.meters[i];
        let size = m.len();
        let x = m.get_mut(index as usize).ok_or(RuntimeError::Index {
            name: name.clone(),
            index,
            size,
        })?;
        x.configure(cir, cburst, pir, pburst);
        Ok(())
    }

    /// Sets the multicast group's members (port, replication id).
    pub fn mcast_group_set(&mut self, group: u32, members: Vec<(u32, u32)>) {
        self.st.mcast_groups.insert(group, members);
    }

    pub fn mcast_group_add_member(&mut self, group: u32, port: u32, rid: u32) {
        self.st
            .mcast_groups
            .entry(group)
            .or_default()
            .push((port, rid));
    }

    pub fn clone_session_set(&mut self, session: u32, cs: CloneSession) {
        self.st.clone_sessions.insert(session, cs);
    }

    pub fn value_set_add(
        &mut self,
        name: &str,
        value: u128,
        mask: u128,
    ) -> Result<(), RuntimeError> {
        let i = find_by_suffix(self.prog.value_sets.iter().map(|(n, _)| n.as_str()), name)
            .ok_or_else(|| RuntimeError::NoValueSet(name.to_string()))?;
        self.st.value_sets[i].push((value & mask, mask));
        Ok(())
    }

    pub fn drain_digests(&mut self) -> Vec<Digest> {
        self.st.digests.drain(..).collect()
    }

    pub fn drain_log(&mut self) -> Vec<String> {
        self.st.log.drain(..).collect()
    }
}
