//! The bytes of the packet being processed: the pipeline's own buffer, or a receive buffer an
//! I/O backend lends for the length of a burst (a DPDK mbuf's data), parsed and rewritten where
//! it lies so that the packet can leave in it without being copied.
//!
//! A [`PktBuf`] always describes its bytes by a pointer and a length, so that reading them
//! (the parser's hot path) costs no branch; the pointer is the owned vector's, re-read after
//! every change of the vector, or the lent buffer's. Changing the length of lent bytes
//! (`with_vec`) first copies them into the owned vector.
#![allow(unsafe_code)]

use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// A receive buffer lent to the pipeline: `len` bytes at `ptr` that nothing else reads or
/// writes until the burst it arrived in has been processed and transmitted. Safe code can only
/// pass it on: reading it (`bytes`) or lending it (`PktBuf::lend`, `Pipeline::stage_lent`) is
/// unsafe, as only the backend's loop knows how long the buffer lives. Not `Copy`: a buffer is
/// lent once.
#[derive(Debug)]
pub struct LentBuf {
    ptr: NonNull<u8>,
    len: usize,
}

impl LentBuf {
    /// # Safety
    /// `ptr` must point to `len` initialised bytes, valid for reads and writes and used by
    /// nothing but the holder of this value until the burst this buffer arrived in is
    /// transmitted (the backend then sends, or frees, the buffer). The bytes may be rewritten
    /// meanwhile.
    pub unsafe fn new(ptr: NonNull<u8>, len: usize) -> LentBuf {
        LentBuf { ptr, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The lent bytes.
    ///
    /// # Safety
    /// Only before the burst this buffer arrived in is transmitted.
    pub unsafe fn bytes(&self) -> &[u8] {
        // SAFETY: `new`'s contract, and the caller's: `len` readable bytes at `ptr`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

/// A packet's bytes: owned, or lent by the I/O backend (see the module documentation).
pub struct PktBuf {
    /// Where the bytes are: `own`'s buffer, or the lent one.
    ptr: NonNull<u8>,
    len: usize,
    /// The owned bytes; while lent, a spare buffer whose capacity is kept for later.
    own: Vec<u8>,
    lent: bool,
}

// SAFETY: a PktBuf owns its vector; a lent buffer is used by the one thread that processes the
// burst it was lent for, and no PktBuf keeps it past that burst (`unlend`).
unsafe impl Send for PktBuf {}
// SAFETY: shared access only reads the bytes.
unsafe impl Sync for PktBuf {}

impl PktBuf {
    pub fn new() -> PktBuf {
        PktBuf::from_vec(Vec::new())
    }

    pub fn from_vec(mut own: Vec<u8>) -> PktBuf {
        PktBuf {
            ptr: vec_ptr(&mut own),
            len: own.len(),
            own,
            lent: false,
        }
    }

    /// An empty owned buffer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> PktBuf {
        PktBuf::from_vec(Vec::with_capacity(n))
    }

    #[inline(always)]
    fn sync(&mut self) {
        self.ptr = vec_ptr(&mut self.own);
        self.len = self.own.len();
    }

    /// Whether the bytes are a lent buffer.
    #[inline(always)]
    pub fn is_lent(&self) -> bool {
        self.lent
    }

    /// Makes the bytes a copy of `data`, in the owned buffer.
    #[inline]
    pub fn set_bytes(&mut self, data: &[u8]) {
        self.lent = false;
        self.own.clear();
        self.own.extend_from_slice(data);
        self.sync();
    }

    /// [`PktBuf::set_bytes`] for the short packets of a burst (a copy sized for them).
    #[inline(always)]
    pub(crate) fn copy_in(&mut self, data: &[u8]) {
        self.lent = false;
        crate::pipeline::set_len(&mut self.own, data.len());
        crate::pipeline::copy_bytes(&mut self.own, data);
        self.sync();
    }

    /// Makes the bytes the lent buffer `b` (the owned buffer is kept, as a spare).
    ///
    /// # Safety
    /// The buffer must stay valid until this `PktBuf` forgets it (`unlend`, `set_bytes`,
    /// another `lend`) or is dropped; the bytes are read and written through it until then.
    #[inline]
    pub unsafe fn lend(&mut self, b: LentBuf) {
        self.lent = true;
        self.ptr = b.ptr;
        self.len = b.len;
    }

    /// Forgets a lent buffer (the bytes become the empty owned buffer); owned bytes stay.
    #[inline]
    pub fn unlend(&mut self) {
        if self.lent {
            self.lent = false;
            self.own.clear();
            self.sync();
        }
    }

    /// Copies lent bytes into the owned buffer.
    #[inline(always)]
    fn own_bytes(&mut self) {
        if self.lent {
            self.copy_lent();
        }
    }

    #[cold]
    #[inline(never)]
    fn copy_lent(&mut self) {
        self.own.clear();
        // SAFETY: a lent buffer's bytes are valid for the burst (LentBuf::new).
        let b = unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) };
        self.own.extend_from_slice(b);
        self.lent = false;
        self.sync();
    }

    /// Runs `f` on the bytes as a vector (lent bytes are copied into the owned one first).
    #[inline(always)]
    pub fn with_vec<R>(&mut self, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        /// Re-reads the vector's pointer and length even when `f` panics (a grown vector's
        /// old block is freed: the pointer must not stay on it).
        struct Resync<'a>(&'a mut PktBuf);
        impl Drop for Resync<'_> {
            #[inline(always)]
            fn drop(&mut self) {
                self.0.sync();
            }
        }
        self.own_bytes();
        let g = Resync(self);
        f(&mut g.0.own)
    }
}

#[inline(always)]
fn vec_ptr(v: &mut Vec<u8>) -> NonNull<u8> {
    // A vector's pointer is never null (dangling and aligned when it has no capacity).
    NonNull::new(v.as_mut_ptr()).unwrap_or(NonNull::dangling())
}

impl Default for PktBuf {
    fn default() -> PktBuf {
        PktBuf::new()
    }
}

impl Clone for PktBuf {
    /// A copy of the bytes, owned.
    fn clone(&self) -> PktBuf {
        PktBuf::from_vec(self.to_vec())
    }
}

impl std::fmt::Debug for PktBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PktBuf")
            .field("lent", &self.lent)
            .field("bytes", &&self[..])
            .finish()
    }
}

impl Deref for PktBuf {
    type Target = [u8];
    #[inline(always)]
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr`/`len` describe the owned vector's bytes (re-read after each change of
        // it) or a lent buffer, valid for the burst.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for PktBuf {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as for `deref`; `&mut self` makes this the only access to the bytes.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl PartialEq for PktBuf {
    fn eq(&self, other: &PktBuf) -> bool {
        self[..] == other[..]
    }
}

impl From<Vec<u8>> for PktBuf {
    fn from(v: Vec<u8>) -> PktBuf {
        PktBuf::from_vec(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_lent_and_back() {
        let mut b = PktBuf::with_capacity(4);
        b.set_bytes(&[1, 2, 3]);
        assert_eq!(&b[..], &[1, 2, 3]);
        assert!(!b.is_lent());
        let mut rx = vec![9u8, 8, 7, 6, 5];
        // SAFETY: `rx` outlives every use of the lent buffer below and is not touched meanwhile.
        let lent = unsafe { LentBuf::new(NonNull::new(rx.as_mut_ptr()).unwrap(), rx.len()) };
        // SAFETY: `rx` is alive and untouched.
        assert_eq!(unsafe { lent.bytes() }, &[9, 8, 7, 6, 5]);
        // SAFETY: `rx` outlives `b`'s use of it (it is forgotten below before `rx` is read).
        unsafe { b.lend(lent) };
        assert!(b.is_lent());
        b[0] = 0;
        assert_eq!(&b[..], &[0, 8, 7, 6, 5]);
        // Growing copies into the owned buffer; the lent bytes stay as they were left.
        b.with_vec(|v| v.push(4));
        assert!(!b.is_lent());
        assert_eq!(&b[..], &[0, 8, 7, 6, 5, 4]);
        assert_eq!(rx, vec![0, 8, 7, 6, 5]);
        let mut other = vec![1u8];
        // SAFETY: as above.
        let lent = unsafe { LentBuf::new(NonNull::new(rx.as_mut_ptr()).unwrap(), 2) };
        // SAFETY: as above.
        unsafe { b.lend(lent) };
        // Taking the vector out (as the pipeline hands a packet's buffer to its outputs) takes
        // a copy of the lent bytes.
        b.with_vec(|v| std::mem::swap(v, &mut other));
        assert_eq!(&b[..], &[1]);
        assert_eq!(other, vec![0, 8]);
        // SAFETY: as above.
        let lent = unsafe { LentBuf::new(NonNull::new(rx.as_mut_ptr()).unwrap(), 2) };
        // SAFETY: as above.
        unsafe { b.lend(lent) };
        b.unlend();
        assert!(b.is_empty() && !b.is_lent());
        // A closure that grows the vector and panics leaves the buffer consistent.
        let mut g = PktBuf::from(vec![1u8; 4]);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            g.with_vec(|v| {
                v.extend_from_slice(&[2u8; 4096]);
                panic!("in the closure");
            })
        }));
        assert!(r.is_err());
        assert_eq!(g.len(), 4100);
        assert_eq!(g[4099], 2);
        let c = PktBuf::from(vec![5u8, 6]);
        assert_eq!(c.clone(), c);
        assert_eq!(c.to_vec(), vec![5, 6]);
    }
}
