//! The `--compiler CMD` hook: a vendor compiler measures an app's switch footprint instead of
//! the packing model (§5: "it updates the size of each object ... and compiles it").
//!
//! Protocol: `CMD` is split on whitespace and run with two more arguments, the resized
//! program (`.p4`) and the report file to write; `EXO_TARGET` holds the device model. A non-zero
//! exit status means the program does not fit (infeasible). Otherwise the report is JSON:
//!
//! ```json
//! { "version": 1, "fits": true,
//!   "resources": { "sram_blocks": 12, "tcam_blocks": 0, "salus": 1, "hash_bits": 40,
//!                  "map_ram_blocks": 3, "logical_tables": 2, "xbar_bytes": 13 } }
//! ```
//!
//! Missing resources count as 0; `"fits": false` is infeasible. A wrapper script adapts a real
//! compiler's resource report (e.g. `bf-p4c`'s `resources.json`) to this format.

use crate::catalog::SWITCH_RESOURCES;
use crate::footprint::Usage;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum CompilerError {
    #[error("--compiler: empty command")]
    Empty,
    #[error("--compiler `{cmd}`: cannot run it: {source}")]
    Spawn {
        cmd: String,
        #[source]
        source: std::io::Error,
    },
    #[error("--compiler `{cmd}`: bad report {path}: {message}")]
    Report {
        cmd: String,
        path: String,
        message: String,
    },
    #[error("--compiler: cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    version: u32,
    fits: bool,
    #[serde(default)]
    resources: BTreeMap<String, f64>,
}

/// Compiles `program` with `cmd` in `workdir`; `Ok(None)` when it does not fit.
pub fn measure(
    cmd: &str,
    target: &str,
    program: &str,
    workdir: &Path,
    stem: &str,
) -> Result<Option<Usage>, CompilerError> {
    let mut parts = cmd.split_whitespace();
    let exe = parts.next().ok_or(CompilerError::Empty)?;
    let p4 = workdir.join(format!("{stem}.p4"));
    let report = workdir.join(format!("{stem}.report.json"));
    std::fs::create_dir_all(workdir).map_err(|source| CompilerError::Io {
        path: workdir.display().to_string(),
        source,
    })?;
    std::fs::write(&p4, program).map_err(|source| CompilerError::Io {
        path: p4.display().to_string(),
        source,
    })?;
    let _ = std::fs::remove_file(&report);
    let status = Command::new(exe)
        .args(parts)
        .arg(&p4)
        .arg(&report)
        .env("EXO_TARGET", target)
        .status()
        .map_err(|source| CompilerError::Spawn {
            cmd: cmd.to_string(),
            source,
        })?;
    if !status.success() {
        return Ok(None);
    }
    let bad = |message: String| CompilerError::Report {
        cmd: cmd.to_string(),
        path: report.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(&report).map_err(|e| bad(e.to_string()))?;
    let r: Report = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if r.version != 1 {
        return Err(bad(format!("version {} (expected 1)", r.version)));
    }
    if !r.fits {
        return Ok(None);
    }
    let mut u = [0.0; 7];
    for (k, v) in &r.resources {
        let i = SWITCH_RESOURCES
            .iter()
            .position(|n| n == k)
            .ok_or_else(|| {
                bad(format!(
                    "unknown resource `{k}` (known: {SWITCH_RESOURCES:?})"
                ))
            })?;
        if !(v.is_finite() && *v >= 0.0) {
            return Err(bad(format!("resource `{k}` = {v}")));
        }
        u[i] = *v;
    }
    Ok(Some(u))
}

/// The quantum counts measured with a compiler: 0, every power of two, and `quanta`.
pub fn sample_points(quanta: usize) -> Vec<usize> {
    let mut v = vec![0];
    let mut k = 1;
    while k < quanta {
        v.push(k);
        k *= 2;
    }
    v.push(quanta);
    v.dedup();
    v
}
