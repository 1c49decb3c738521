//! exo-planner: the ExoPlane planner (§5, Appendices C and D).
//!
//! - [`catalog`]: device models (switch pipeline, NIC, server) as TOML data.
//! - [`profile`]: from an app's IR, its union key, objects, features and annotations.
//! - [`footprint`]: resource models giving `R_{p,q,i,r}`.
//! - [`alloc`]: the allocator (ILP of Eq. 1-5, other objectives, a structure-exploiting exact
//!   solver, the app-pinning baseline).
//! - [`merge`]: the application merger producing one P4 program per device role.
//! - [`plan`]: the whole pipeline from a scenario to a plan directory.
//!
//! Contract: no panics on any input; errors are values naming the file, field or app. The
//! library does file I/O only in [`plan`] (reading programs, writing the plan) and in the
//! `--compiler` hook.
#![deny(unsafe_code)]

pub mod alloc;
pub mod bench;
pub mod catalog;
pub mod compiler;
pub mod footprint;
pub mod merge;
pub mod plan;
pub mod profile;
