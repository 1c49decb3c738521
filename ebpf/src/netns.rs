//! Network namespaces, veth pairs and raw packet sockets, for tests and benchmarks that send
//! real packets without touching the host's interfaces. The only module of this crate with
//! `unsafe` code (`setns`, `if_nametoindex` and `AF_PACKET` sockets through libc).
//!
//! Namespaces and links are made with iproute2's `ip` and removed on drop; a thread enters a
//! namespace with [`NetNs::enter`] (network namespaces are per thread).
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::time::Duration;

fn ip(args: &[&str]) -> io::Result<()> {
    let out = Command::new("ip").args(args).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Runs `ip` inside a namespace (`ip -n NS ...`).
pub fn ip_in(ns: &str, args: &[&str]) -> io::Result<()> {
    let mut a = vec!["-n", ns];
    a.extend_from_slice(args);
    ip(&a)
}

/// Why real-packet tests cannot run here, if they cannot: not root, or no `ip` tool.
pub fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root (network namespaces and XDP need CAP_NET_ADMIN/CAP_BPF)".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("iproute2's `ip` is not installed".into());
    }
    None
}

/// The index of an interface in the calling thread's network namespace.
pub fn if_index(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (i != 0).then_some(i)
}

/// Moves the calling thread into the network namespace open as `f` (a `/run/netns/NAME` file).
pub fn enter_fd(f: &std::fs::File) -> io::Result<()> {
    // SAFETY: the fd is a valid open namespace file for the duration of the call;
    // CLONE_NEWNET only affects the calling thread.
    let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Moves the calling thread into the named namespace.
pub fn enter_named(name: &str) -> io::Result<()> {
    enter_fd(&std::fs::File::open(format!("/run/netns/{name}"))?)
}

/// A named network namespace, deleted on drop (with the links inside it).
pub struct NetNs {
    name: String,
}

impl NetNs {
    /// Creates the namespace (deleting a stale one of the same name first) and brings its
    /// loopback up.
    pub fn create(name: &str) -> io::Result<NetNs> {
        let _ = ip(&["netns", "del", name]);
        ip(&["netns", "add", name])?;
        let ns = NetNs {
            name: name.to_string(),
        };
        ip_in(name, &["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Moves the calling thread into this namespace (for good: use a dedicated thread).
    pub fn enter(&self) -> io::Result<()> {
        enter_named(&self.name)
    }

    /// Runs `ip` in this namespace.
    pub fn ip(&self, args: &[&str]) -> io::Result<()> {
        ip_in(&self.name, args)
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
    }
}

/// Creates a veth pair `a` (in namespace `ns_a`) <-> `b` (in `ns_b`), both up, with the given
/// MAC addresses and `queues` RX and TX queues on each end (one AF_XDP socket per queue and
/// core; a packet sent on one end's TX queue q arrives on the other end's RX queue q). The pair
/// goes away with either namespace.
pub fn veth_pair(
    a: &str,
    ns_a: &NetNs,
    mac_a: &str,
    b: &str,
    ns_b: &NetNs,
    mac_b: &str,
    queues: u32,
) -> io::Result<()> {
    let q = queues.max(1).to_string();
    ip(&[
        "link",
        "add",
        a,
        "netns",
        &ns_a.name,
        "address",
        mac_a,
        "numtxqueues",
        &q,
        "numrxqueues",
        &q,
        "type",
        "veth",
        "peer",
        "name",
        b,
        "netns",
        &ns_b.name,
        "address",
        mac_b,
        "numtxqueues",
        &q,
        "numrxqueues",
        &q,
    ])?;
    for (ns, dev) in [(ns_a, a), (ns_b, b)] {
        ns.ip(&["link", "set", dev, "up"])?;
        // No IPv6 autoconfiguration chatter on test links.
        let _ = ns.ip(&["link", "set", dev, "arp", "off"]);
        let _ = Command::new("ip")
            .args(["netns", "exec", &ns.name, "sysctl", "-qw"])
            .arg(format!("net.ipv6.conf.{dev}.disable_ipv6=1"))
            .output();
    }
    Ok(())
}

/// An `AF_PACKET` raw socket bound to one interface of the calling thread's namespace.
pub struct RawSocket {
    fd: OwnedFd,
}

impl RawSocket {
    pub fn open(iface: &str) -> io::Result<RawSocket> {
        let index = if_index(iface).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("no interface {iface}"))
        })?;
        let proto = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain socket(2) call; the result is checked before use.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, i32::from(proto)) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut sa: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sa.sll_family = libc::AF_PACKET as u16;
        sa.sll_protocol = proto;
        sa.sll_ifindex = index as i32;
        // SAFETY: `sa` is a valid sockaddr_ll and the length matches its size.
        let r = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                &sa as *const libc::sockaddr_ll as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(RawSocket { fd })
    }

    /// Sends one frame.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        // SAFETY: the pointer and length describe `frame`, which outlives the call.
        let r = unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Receives one frame that arrived on the interface (frames this socket sent are skipped),
    /// or `None` after `timeout`.
    pub fn recv(&self, buf: &mut [u8], timeout: Duration) -> io::Result<Option<usize>> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let mut pfd = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut pfd, 1, left.as_millis().max(1) as i32) };
            if r < 0 {
                return Err(io::Error::last_os_error());
            }
            if r == 0 {
                continue;
            }
            // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
            let mut sa: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
            // SAFETY: `buf` and `sa` are valid for writes of the lengths given.
            let n = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                    &mut sa as *mut libc::sockaddr_ll as *mut libc::sockaddr,
                    &mut len,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::WouldBlock {
                    continue;
                }
                return Err(e);
            }
            if sa.sll_pkttype == libc::PACKET_OUTGOING {
                continue;
            }
            return Ok(Some(n as usize));
        }
    }
}
