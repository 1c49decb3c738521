//! exo-ebpf: ExoPlane's XDP programs and their loader.
//!
//! The programs are written in C (`bpf/*.bpf.c`) and compiled with clang by `build.rs` when the
//! `bpf` feature is on; [`Steering`] loads the steering program with `aya`, attaches it to an
//! interface (native mode where the driver supports it, generic otherwise, said on stderr),
//! registers AF_XDP sockets per receive queue, configures which traffic is management traffic
//! (passed to the kernel) and reads the per-CPU statistics. Dropping a [`Steering`] detaches the
//! program; because it is attached through a BPF link, a process that dies also leaves nothing
//! attached. [`netns`] creates network namespaces, veth pairs and raw sockets for tests and
//! benchmarks (the only module with `unsafe`).

pub mod netns;

use aya::maps::{Array, HashMap, PerCpuArray, XskMap};
use aya::programs::{Xdp, XdpMode};
use aya::Ebpf;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;

/// The steering program's object, when built with the `bpf` feature.
#[cfg(feature = "bpf")]
static STEER_OBJ: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/steer.bpf.o"));
#[cfg(not(feature = "bpf"))]
static STEER_OBJ: &[u8] = &[];

/// Whether the XDP programs were compiled into this build.
pub const fn programs_built() -> bool {
    cfg!(feature = "bpf")
}

/// Most receive queues the steering program serves.
pub const MAX_QUEUES: u32 = 64;

/// Bits of the program's configuration word.
const CFG_PASS_ARP: u32 = 1;
const CFG_PASS_NON_IPV4: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum XdpError {
    #[error("exo-ebpf was built without the `bpf` feature: the XDP programs are not compiled in (build with --features exo-ebpf/bpf; needs the Debian packages clang and libbpf-dev)")]
    NotBuilt,
    #[error("no network interface named `{0}`")]
    NoInterface(String),
    #[error("loading the XDP program: {0}")]
    Load(String),
    #[error("attaching XDP to {iface} in {mode} mode: {err}")]
    Attach {
        iface: String,
        mode: &'static str,
        err: String,
    },
    #[error("XDP map {map}: {err}")]
    Map { map: &'static str, err: String },
    #[error("queue {0} is out of range (the steering program serves queues 0..{MAX_QUEUES})")]
    Queue(u32),
}

/// How to attach.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AttachMode {
    /// Native if the driver supports it, generic otherwise.
    #[default]
    Auto,
    /// Native (driver) mode or fail.
    Native,
    /// Generic (skb) mode.
    Generic,
}

/// The mode the program ended up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attached {
    Native,
    Generic,
}

impl std::fmt::Display for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Attached::Native => "native",
            Attached::Generic => "generic",
        })
    }
}

/// Counters of the steering program, summed over CPUs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SteerStats {
    pub redirected: u64,
    pub passed: u64,
    pub dropped: u64,
}

/// The steering program attached to one interface.
pub struct Steering {
    bpf: Ebpf,
    link: Option<aya::programs::xdp::XdpLinkId>,
    iface: String,
    mode: Attached,
}

impl Steering {
    /// Loads the steering program and attaches it to `iface`. Management traffic defaults to
    /// ARP (the kernel keeps resolving neighbours); see [`Steering::set_pass`].
    pub fn attach(iface: &str, mode: AttachMode) -> Result<Steering, XdpError> {
        if !programs_built() {
            return Err(XdpError::NotBuilt);
        }
        // Checked first so that a missing interface reads as such.
        if netns::if_index(iface).is_none() {
            return Err(XdpError::NoInterface(iface.to_string()));
        }
        let mut bpf = Ebpf::load(STEER_OBJ).map_err(|e| XdpError::Load(e.to_string()))?;
        let prog: &mut Xdp = bpf
            .program_mut("exo_steer")
            .ok_or_else(|| XdpError::Load("no program exo_steer in the object".into()))?
            .try_into()
            .map_err(|e: aya::programs::ProgramError| XdpError::Load(e.to_string()))?;
        prog.load().map_err(|e| XdpError::Load(e.to_string()))?;
        let try_attach = |prog: &mut Xdp, m: XdpMode, name: &'static str| {
            prog.attach(iface, m).map_err(|e| XdpError::Attach {
                iface: iface.to_string(),
                mode: name,
                err: match e {
                    aya::programs::ProgramError::UnknownInterface { .. } => {
                        "no such interface".into()
                    }
                    e => e.to_string(),
                },
            })
        };
        let (link, mode) = match mode {
            AttachMode::Native => (
                try_attach(prog, XdpMode::Driver, "native")?,
                Attached::Native,
            ),
            AttachMode::Generic => (
                try_attach(prog, XdpMode::Skb, "generic")?,
                Attached::Generic,
            ),
            AttachMode::Auto => match try_attach(prog, XdpMode::Driver, "native") {
                Ok(l) => (l, Attached::Native),
                Err(e) => {
                    eprintln!("exo-ebpf: {e}; falling back to generic (skb) mode");
                    (
                        try_attach(prog, XdpMode::Skb, "generic")?,
                        Attached::Generic,
                    )
                }
            },
        };
        let mut s = Steering {
            bpf,
            link: Some(link),
            iface: iface.to_string(),
            mode,
        };
        s.set_pass(true, false)?;
        Ok(s)
    }

    pub fn mode(&self) -> Attached {
        self.mode
    }

    pub fn interface(&self) -> &str {
        &self.iface
    }

    /// Which non-data traffic goes to the kernel: ARP, and everything that is not IPv4.
    pub fn set_pass(&mut self, arp: bool, non_ipv4: bool) -> Result<(), XdpError> {
        let map = |err: String| XdpError::Map { map: "config", err };
        let mut cfg: Array<_, u32> = Array::try_from(
            self.bpf
                .map_mut("config")
                .ok_or_else(|| map("missing".into()))?,
        )
        .map_err(|e| map(e.to_string()))?;
        let v = if arp { CFG_PASS_ARP } else { 0 } | if non_ipv4 { CFG_PASS_NON_IPV4 } else { 0 };
        cfg.set(0, v, 0).map_err(|e| map(e.to_string()))
    }

    /// Passes IPv4 packets to this destination address to the kernel.
    pub fn add_mgmt_addr(&mut self, addr: Ipv4Addr) -> Result<(), XdpError> {
        let map = |err: String| XdpError::Map {
            map: "mgmt_addrs",
            err,
        };
        let mut m: HashMap<_, u32, u8> = HashMap::try_from(
            self.bpf
                .map_mut("mgmt_addrs")
                .ok_or_else(|| map("missing".into()))?,
        )
        .map_err(|e| map(e.to_string()))?;
        // The program compares the address as it sits in the packet (network order).
        let key = u32::from_ne_bytes(addr.octets());
        m.insert(key, 1, 0).map_err(|e| map(e.to_string()))
    }

    /// Passes TCP/UDP packets from or to this port to the kernel.
    pub fn add_mgmt_port(&mut self, port: u16) -> Result<(), XdpError> {
        let map = |err: String| XdpError::Map {
            map: "mgmt_ports",
            err,
        };
        let mut m: HashMap<_, u16, u8> = HashMap::try_from(
            self.bpf
                .map_mut("mgmt_ports")
                .ok_or_else(|| map("missing".into()))?,
        )
        .map_err(|e| map(e.to_string()))?;
        m.insert(port, 1, 0).map_err(|e| map(e.to_string()))
    }

    /// Steers packets received on `queue` to the AF_XDP socket `fd`.
    pub fn register_socket(&mut self, queue: u32, fd: impl AsRawFd) -> Result<(), XdpError> {
        if queue >= MAX_QUEUES {
            return Err(XdpError::Queue(queue));
        }
        let map = |err: String| XdpError::Map { map: "xsks", err };
        let mut m = XskMap::try_from(
            self.bpf
                .map_mut("xsks")
                .ok_or_else(|| map("missing".into()))?,
        )
        .map_err(|e| map(e.to_string()))?;
        m.set(queue, fd, 0).map_err(|e| map(e.to_string()))
    }

    /// Stops steering `queue` to a socket (its packets are then dropped and counted).
    pub fn unregister_socket(&mut self, queue: u32) -> Result<(), XdpError> {
        let map = |err: String| XdpError::Map { map: "xsks", err };
        let mut m = XskMap::try_from(
            self.bpf
                .map_mut("xsks")
                .ok_or_else(|| map("missing".into()))?,
        )
        .map_err(|e| map(e.to_string()))?;
        m.unset(queue).map_err(|e| map(e.to_string()))
    }

    /// The program's counters, summed over CPUs.
    pub fn stats(&self) -> Result<SteerStats, XdpError> {
        let map = |err: String| XdpError::Map { map: "stats", err };
        let a: PerCpuArray<_, u64> =
            PerCpuArray::try_from(self.bpf.map("stats").ok_or_else(|| map("missing".into()))?)
                .map_err(|e| map(e.to_string()))?;
        let sum = |i: u32| -> Result<u64, XdpError> {
            Ok(a.get(&i, 0).map_err(|e| map(e.to_string()))?.iter().sum())
        };
        Ok(SteerStats {
            redirected: sum(0)?,
            passed: sum(1)?,
            dropped: sum(2)?,
        })
    }

    /// Detaches the program now (dropping does the same).
    pub fn detach(mut self) {
        self.detach_inner();
    }

    fn detach_inner(&mut self) {
        if let Some(link) = self.link.take() {
            if let Some(p) = self.bpf.program_mut("exo_steer") {
                let prog: Result<&mut Xdp, _> = p.try_into();
                if let Ok(prog) = prog {
                    let _ = prog.detach(link);
                }
            }
        }
    }
}

impl Drop for Steering {
    fn drop(&mut self) {
        self.detach_inner();
    }
}
