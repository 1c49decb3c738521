//! Thread placement for the per-core loops (the one syscall the loops need besides I/O).
#![allow(unsafe_code)]

/// Pins the calling thread to CPU `cpu` (modulo the CPUs available). Best effort: returns false
/// when the kernel refuses (restricted cpuset).
pub fn pin_to_cpu(cpu: usize) -> bool {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    // SAFETY: cpu_set_t is plain old data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes inside `set` for an index below CPU_SETSIZE (n is far below it).
    unsafe { libc::CPU_SET(cpu % n, &mut set) };
    // SAFETY: `set` is a valid cpu_set_t of the size passed; pid 0 is the calling thread.
    unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0 }
}
