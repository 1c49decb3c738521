//! exo-traffic: traffic for ExoPlane's apps.
//!
//! - [`pcap`]: classic libpcap reader and writer (both byte orders, micro- and nanosecond
//!   timestamps); every error names the file and byte offset.
//! - [`wire`]: a packet builder for Ethernet, IPv4, IPv6, TCP, UDP, VXLAN and GRE with correct
//!   lengths and checksums.
//! - [`gen`]: seeded trace generation: per-app keyspaces of random flows, Zipf popularity
//!   (rejection-inversion) or a measured distribution, packet sizes, traffic shares `W_p`,
//!   popularity churn (§7.2).
//! - [`apps`]: the address plan and packets of each app of `p4/apps/`, and the control-plane
//!   entries (STF lines) consistent with a trace.
//! - [`stats`]: union-key CDFs of a trace (Fig. 15), as text and as the scenario's CSV.
//! - [`config`]: a trace configuration from a scenario file or an `--apps` list.
//!
//! Contract: generation is a pure function of the configuration (same seed, same bytes, on any
//! machine); readers never panic on bad input; the library does no I/O of its own except
//! through the `Read`/`Write` values it is given ([`pcap::PcapReader::open`] aside).
#![deny(unsafe_code)]

pub mod apps;
pub mod config;
pub mod gen;
pub mod pcap;
pub mod rng;
pub mod sizes;
pub mod stats;
pub mod wire;
pub mod zipf;

pub use apps::{AppKind, AppSpace};
pub use gen::{
    AppTraffic, Churn, ConfigError, GenPacket, Generator, Popularity, Summary, TraceConfig,
};
pub use pcap::{PcapError, PcapReader, PcapWriter, WriterOptions};
pub use sizes::SizeDist;
pub use stats::{KeyCdf, KeyCounter, KeyKind, Weight};
