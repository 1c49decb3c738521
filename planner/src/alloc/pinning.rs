//! The app-pinning baseline (§3.2, §7.1): every app runs entirely on one device. An app goes to
//! the switch with all its state if there is room, else to the external device with the most
//! room left.

use super::{Problem, Solution};

#[derive(Clone, Debug, serde::Serialize)]
pub struct Pinning {
    pub solution: Solution,
    /// Per app: "switch" or the external device (pool member) it is pinned to.
    pub device: Vec<String>,
}

/// `externals`: (device name, capacity in bytes) of every external device; `bytes[p]`: state
/// of app `p`; `compatible[p][e]`: whether app `p` can run on external `e`.
pub fn solve(
    p: &Problem,
    externals: &[(String, f64)],
    bytes: &[f64],
    compatible: &[Vec<bool>],
) -> Pinning {
    let mut k: Vec<usize> = p.apps.iter().map(|a| a.lo).collect();
    let mut room: Vec<f64> = externals.iter().map(|e| e.1).collect();
    let mut device = Vec::with_capacity(p.apps.len());
    for i in 0..p.apps.len() {
        let a = &p.apps[i];
        let mut trial = k.clone();
        trial[i] = a.hi;
        if a.hi == a.quanta() && p.feasible(&trial) {
            k = trial;
            device.push("switch".to_string());
            continue;
        }
        k[i] = a.lo;
        if a.lo > 0 {
            device.push("switch".to_string());
            continue;
        }
        let best = (0..externals.len())
            .filter(|&e| {
                compatible
                    .get(i)
                    .and_then(|c| c.get(e))
                    .copied()
                    .unwrap_or(false)
            })
            .max_by(|&x, &y| room[x].total_cmp(&room[y]));
        match best {
            Some(e) => {
                room[e] -= bytes.get(i).copied().unwrap_or(0.0);
                device.push(externals[e].0.clone());
            }
            None => device.push("none".to_string()),
        }
    }
    let v = p.evaluate(&k);
    Pinning {
        solution: super::Solution {
            k,
            objective: v,
            bound: f64::NAN,
            solver: "app-pinning".into(),
            nodes: 0,
        },
        device,
    }
}
