//! Thread placement for the per-core loops (the one syscall the loops need besides I/O).
#![allow(unsafe_code)]

use std::sync::OnceLock;

static CPUS: OnceLock<Vec<usize>> = OnceLock::new();

/// The CPUs the process may run on, as the first call saw them. Call it before anything narrows
/// the calling thread's affinity: `rte_eal_init` pins the main thread to its first lcore, and
/// threads spawned afterwards inherit that one CPU, so a mask read later would put every loop
/// on CPU 0.
pub fn allowed_cpus() -> &'static [usize] {
    CPUS.get_or_init(current_cpus)
}

/// Pins the calling thread to the `i`-th CPU of [`allowed_cpus`] (modulo their number). Best
/// effort: returns false when the kernel refuses or the set is unknown.
pub fn pin_to_cpu(i: usize) -> bool {
    nth_cpu(i).is_some_and(pin_to)
}

/// The `i`-th CPU of [`allowed_cpus`] (modulo their number); `None` if the set is unknown.
pub fn nth_cpu(i: usize) -> Option<usize> {
    let cpus = allowed_cpus();
    cpus.get(i % cpus.len().max(1)).copied()
}

/// Pins the calling thread to CPU `cpu`. Best effort: returns false when the kernel refuses.
pub fn pin_to(cpu: usize) -> bool {
    if cpu >= libc::CPU_SETSIZE as usize {
        return false;
    }
    // SAFETY: cpu_set_t is plain old data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes inside `set`: `cpu` is below CPU_SETSIZE.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a valid cpu_set_t of the size passed; pid 0 is the calling thread.
    unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0 }
}

/// The CPUs the calling thread may run on now (empty if the kernel will not say).
pub fn current_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is plain old data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid cpu_set_t of the size passed; pid 0 is the calling thread.
    if unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) } != 0
    {
        return Vec::new();
    }
    // SAFETY: CPU_ISSET reads inside `set` for indices below CPU_SETSIZE.
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thread whose mask was narrowed to one CPU (as the EAL does to the main thread) still
    /// pins the i-th loop to the i-th CPU the process started with.
    #[test]
    fn pinning_survives_a_narrowed_mask() {
        std::thread::spawn(|| {
            let all = allowed_cpus().to_vec();
            assert!(!all.is_empty());
            assert!(pin_to_cpu(0));
            assert_eq!(current_cpus(), vec![all[0]]);
            // Narrowed: a fresh read of the mask would now see one CPU only.
            assert!(pin_to_cpu(1));
            assert_eq!(current_cpus(), vec![all[1 % all.len()]]);
            assert!(pin_to_cpu(all.len()));
            assert_eq!(current_cpus(), vec![all[0]]);
        })
        .join()
        .unwrap();
    }
}
