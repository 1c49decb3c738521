//! Storage layout: every P4 variable (headers, structs, metadata, locals, parameters) lives in
//! one flat array of 128-bit slots, the packet header vector (PHV).
//!
//! A scalar of width ≤ 128 takes one slot (stored masked to its width, two's complement for
//! signed values); a wider scalar takes `ceil(w/128)` slots (least significant limb first). A
//! header is its validity slot followed by its fields; a header union is its members; a struct
//! is its fields; a header stack is its `nextIndex` slot followed by its elements; a varbit is its
//! current length in bits followed by its limbs.

use exo_p4::ir::{self, Ty, TypeKind};

/// Slots per value of each IR type, computed once per program.
pub struct Layout<'p> {
    pub prog: &'p ir::Program,
    sizes: Vec<u32>,
}

impl<'p> Layout<'p> {
    pub fn new(prog: &'p ir::Program) -> Layout<'p> {
        let mut l = Layout {
            prog,
            sizes: Vec::with_capacity(prog.types.len()),
        };
        // Types only refer to earlier declarations, so one pass in order suffices.
        for t in &prog.types {
            let n = match &t.kind {
                TypeKind::Header { fields, .. } => {
                    1 + fields.iter().map(|f| l.slots(&f.ty)).sum::<u32>()
                }
                TypeKind::HeaderUnion { fields } | TypeKind::Struct { fields } => {
                    fields.iter().map(|f| l.slots(&f.ty)).sum()
                }
                TypeKind::Enum { .. } | TypeKind::SerEnum { .. } => 1,
            };
            l.sizes.push(n);
        }
        l
    }

    pub fn slots(&self, ty: &Ty) -> u32 {
        match ty {
            Ty::Bool | Ty::Int | Ty::Error | Ty::MatchKind | Ty::String => 1,
            Ty::Bits { width, .. } => scalar_slots(*width),
            Ty::Varbit { max } => 1 + scalar_slots(*max),
            Ty::Named { id } => self.sizes.get(*id as usize).copied().unwrap_or(0),
            Ty::Stack { elem, size } => {
                1 + size.saturating_mul(self.sizes.get(*elem as usize).copied().unwrap_or(0))
            }
            Ty::Tuple { elems } => elems.iter().map(|t| self.slots(t)).sum(),
            Ty::TableResult { .. } | Ty::ActionEnum { .. } => 1,
            Ty::Extern { .. } | Ty::Void => 0,
        }
    }

    pub fn kind(&self, ty: &Ty) -> Option<&'p TypeKind> {
        match ty {
            Ty::Named { id } => self.prog.types.get(*id as usize).map(|t| &t.kind),
            _ => None,
        }
    }

    pub fn is_header(&self, ty: &Ty) -> bool {
        matches!(self.kind(ty), Some(TypeKind::Header { .. }))
    }

    pub fn is_union(&self, ty: &Ty) -> bool {
        matches!(self.kind(ty), Some(TypeKind::HeaderUnion { .. }))
    }

    /// Offset (in slots, from the start of a value of `ty`) and type of field `name`.
    pub fn field(&self, ty: &Ty, name: &str) -> Option<(u32, Ty)> {
        let kind = self.kind(ty)?;
        let (fields, mut off) = match kind {
            TypeKind::Header { fields, .. } => (fields, 1),
            TypeKind::HeaderUnion { fields } | TypeKind::Struct { fields } => (fields, 0),
            _ => return None,
        };
        for f in fields {
            if f.name == name {
                return Some((off, f.ty.clone()));
            }
            off += self.slots(&f.ty);
        }
        None
    }

    /// The fields of a struct-like type with their slot offsets.
    pub fn fields(&self, ty: &Ty) -> Vec<(u32, &'p ir::FieldDef)> {
        let Some(kind) = self.kind(ty) else {
            return Vec::new();
        };
        let (fields, mut off) = match kind {
            TypeKind::Header { fields, .. } => (fields, 1),
            TypeKind::HeaderUnion { fields } | TypeKind::Struct { fields } => (fields, 0),
            _ => return Vec::new(),
        };
        let mut out = Vec::new();
        for f in fields {
            out.push((off, f));
            off += self.slots(&f.ty);
        }
        out
    }
}

/// Slots for a scalar of `w` bits.
pub fn scalar_slots(w: u32) -> u32 {
    w.div_ceil(128).max(1)
}
