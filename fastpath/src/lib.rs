//! exo-fastpath: the ExoPlane run-to-completion engine.
//!
//! A checked P4 program (the IR of `exo-p4`) is compiled once ([`compile`]) into slot-addressed
//! operations with specialised tables; [`pipeline::Pipeline`] then processes packets with v1model
//! semantics as BMv2's simple_switch defines them. The core is sans-I/O: it takes bytes and
//! `now`, never reads a clock, a socket or a file, and allocates nothing per packet once its
//! buffers are warm. [`runtime`] is the control-plane API; [`stf`] runs STF tests; [`trace_cmd`] is
//! `exo-fastpath trace`, the traffic tools of `exo-traffic`.
#![deny(unsafe_code)]

pub mod alloc;
pub mod app;
pub mod bench;
pub mod bits;
pub mod burst;
pub mod codegen;
pub mod compile;
pub mod deparse;
pub mod exec;
pub mod externs;
pub mod io;
pub mod layout;
pub mod pipeline;
pub mod pktbuf;
pub mod program;
pub mod runtime;
pub mod stf;
pub mod trace_cmd;

pub use pipeline::{Batch, OutPacket, Outputs, Pipeline};
