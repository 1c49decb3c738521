//! The checker's view of types, and conversions to the IR's.

use crate::ir;
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};
use std::collections::HashMap;

/// A type during checking. `Unknown` follows an error and is compatible with everything, so one
/// mistake produces one diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum T {
    Unknown,
    Bool,
    Bits {
        w: u32,
        s: bool,
    },
    Varbit(u32),
    Int,
    Str,
    Error,
    MatchKind,
    Void,
    /// Header, union, struct, enum or serializable enum in the IR type table.
    Named(u32),
    Stack(u32, u32),
    Tuple(Vec<T>),
    Extern(String, Vec<T>),
    /// An unbound type parameter of a generic declaration.
    Param(String),
    TableResult(String),
    ActionEnum(String),
    /// A parser or control declaration (the type of its instances).
    Block(String),
    /// A type name used as a value (`MyEnum` in `MyEnum.A`, `error`, a header type for
    /// `minSizeInBits`).
    TypeName(Box<T>),
}

impl T {
    pub(crate) fn is_unknown(&self) -> bool {
        matches!(self, T::Unknown)
    }

    pub(crate) fn contains_param(&self) -> bool {
        match self {
            T::Param(_) => true,
            T::Tuple(v) | T::Extern(_, v) => v.iter().any(T::contains_param),
            _ => false,
        }
    }

    pub(crate) fn to_ir(&self) -> ir::Ty {
        match self {
            T::Bool => ir::Ty::Bool,
            T::Bits { w, s } => ir::Ty::Bits {
                width: *w,
                signed: *s,
            },
            T::Varbit(m) => ir::Ty::Varbit { max: *m },
            T::Int => ir::Ty::Int,
            T::Str => ir::Ty::String,
            T::Error => ir::Ty::Error,
            T::MatchKind => ir::Ty::MatchKind,
            T::Named(id) => ir::Ty::Named { id: *id },
            T::Stack(e, n) => ir::Ty::Stack { elem: *e, size: *n },
            T::Tuple(v) => ir::Ty::Tuple {
                elems: v.iter().map(T::to_ir).collect(),
            },
            T::Extern(n, a) => ir::Ty::Extern {
                name: n.clone(),
                args: a.iter().map(T::to_ir).collect(),
            },
            T::TableResult(t) => ir::Ty::TableResult { table: t.clone() },
            T::ActionEnum(t) => ir::Ty::ActionEnum { table: t.clone() },
            T::TypeName(inner) => inner.to_ir(),
            T::Unknown | T::Void | T::Param(_) | T::Block(_) => ir::Ty::Void,
        }
    }

    /// Replaces bound parameters; unbound ones stay `Param` (or become `Unknown` if `close`).
    pub(crate) fn subst(&self, m: &HashMap<String, T>, close: bool) -> T {
        match self {
            T::Param(n) => match m.get(n) {
                Some(t) => t.clone(),
                None if close => T::Unknown,
                None => self.clone(),
            },
            T::Tuple(v) => T::Tuple(v.iter().map(|t| t.subst(m, close)).collect()),
            T::Extern(n, v) => T::Extern(n.clone(), v.iter().map(|t| t.subst(m, close)).collect()),
            other => other.clone(),
        }
    }
}

/// Binds type parameters in `pattern` from `actual`. Returns false on a clear conflict.
pub(crate) fn unify(pattern: &T, actual: &T, m: &mut HashMap<String, T>) -> bool {
    match (pattern, actual) {
        (T::Param(n), a) => {
            if a.is_unknown() {
                return true;
            }
            match m.get(n) {
                Some(prev) if prev != a && !prev.is_unknown() => {
                    // An untyped integer may take the other binding's type.
                    matches!(
                        (prev, a),
                        (T::Bits { .. }, T::Int) | (T::Int, T::Bits { .. })
                    ) && {
                        if matches!(prev, T::Int) {
                            m.insert(n.clone(), a.clone());
                        }
                        true
                    }
                }
                _ => {
                    m.insert(n.clone(), a.clone());
                    true
                }
            }
        }
        (T::Tuple(p), T::Tuple(a)) if p.len() == a.len() => {
            p.iter().zip(a).all(|(p, a)| unify(p, a, m))
        }
        (T::Extern(pn, p), T::Extern(an, a)) if pn == an => {
            p.iter().zip(a).all(|(p, a)| unify(p, a, m))
        }
        _ => true,
    }
}

/// Wraps `v` into the value range of `bit<w>` / `int<w>`.
pub(crate) fn wrap(v: &BigInt, w: u32, signed: bool) -> BigInt {
    if w == 0 {
        return BigInt::zero();
    }
    let modulus = BigInt::one() << w;
    let mut r = v % &modulus;
    if r.is_negative() {
        r += &modulus;
    }
    if signed && r >= (BigInt::one() << (w - 1)) {
        r -= modulus;
    }
    r
}

/// Whether `v` is representable in `bit<w>` / `int<w>` without wrapping.
pub(crate) fn fits(v: &BigInt, w: u32, signed: bool) -> bool {
    if signed {
        if w == 0 {
            return v.is_zero();
        }
        let lim = BigInt::one() << (w - 1);
        *v >= -lim.clone() && *v < lim
    } else {
        !v.is_negative() && v.bits() <= u64::from(w)
    }
}
