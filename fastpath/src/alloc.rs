//! The binaries' global allocator: the system allocator, asking the kernel for transparent
//! huge pages under large blocks.
//!
//! Large tables are read at random, one line per packet: a 1M-entry exact table spans about
//! 40 MB, far beyond what the TLB maps with 4 KiB pages, so most lookups would add a page walk
//! to their cache miss. Linux backs a region with 2 MiB pages when it is advised to
//! (`MADV_HUGEPAGE`; the default `enabled` setting of transparent huge pages is `madvise`).
//! Every block of at least [`MIN_ADVISED`] bytes gets that advice for the 2 MiB-aligned part
//! of it, right after allocation (before its pages are touched). It is a hint: where the
//! kernel declines (no THP, no memory to compact), nothing changes.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks from this size are advised.
pub const MIN_ADVISED: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// [`System`], with huge pages advised under blocks of [`MIN_ADVISED`] bytes or more.
pub struct HugePageAlloc;

fn advise(p: *mut u8, size: usize) {
    if size < MIN_ADVISED || p.is_null() {
        return;
    }
    let start = (p as usize).next_multiple_of(HUGE_PAGE);
    let end = (p as usize).saturating_add(size) & !(HUGE_PAGE - 1);
    if end > start {
        // SAFETY: the range lies within a block the allocator just returned to us; the advice
        // changes how the kernel backs it, never its contents. The result is ignored (a hint).
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

// SAFETY: every call is forwarded to `System` with the same arguments; `advise` only adds a
// hint about the returned block.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        advise(p, new_size);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_keep_their_contents() {
        let a = HugePageAlloc;
        for size in [16, MIN_ADVISED - 1, MIN_ADVISED, 3 * MIN_ADVISED + 12345] {
            let layout = Layout::from_size_align(size, 64).expect("layout");
            // SAFETY: a non-zero layout; the block is written within its size, grown with
            // `realloc` to a size with the same alignment, and freed once.
            unsafe {
                let p = a.alloc_zeroed(layout);
                assert!(!p.is_null());
                assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                p.write_bytes(0xa5, size);
                let q = a.realloc(p, layout, 2 * size);
                assert!(!q.is_null());
                assert!(std::slice::from_raw_parts(q, size)
                    .iter()
                    .all(|&b| b == 0xa5));
                a.dealloc(q, Layout::from_size_align(2 * size, 64).expect("layout"));
            }
        }
    }
}
