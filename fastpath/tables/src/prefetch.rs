//! Cache prefetch hint (with the tag compare in `index.rs`, the only `unsafe` in the crate).

/// Asks the CPU to bring the cache line holding `*p` into L1. A hint only: it never faults and
/// has no effect on program semantics. A no-op on targets other than x86_64.
#[inline(always)]
pub fn prefetch<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: `_mm_prefetch` is a pure hint (PREFETCHT0); it does not dereference the pointer in
    // a way that can fault, and `p` comes from a live reference anyway. SSE is part of the
    // x86_64 baseline, so the instruction always exists.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
            (p as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Requests the first two cache lines of `bytes` (a packet's headers, whichever way it is
/// aligned), without reading them.
#[inline(always)]
pub fn prefetch_bytes(bytes: &[u8]) {
    if let Some(b) = bytes.first() {
        prefetch(b);
    }
    if let Some(b) = bytes.get(64).or(bytes.last()) {
        prefetch(b);
    }
}
