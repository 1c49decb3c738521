//! Validation and canonical form of entry matches.
//!
//! Every structure first turns an entry's `FieldMatch`es into a [`Canon`]: the canonical matches
//! (what `spec` reads back and what identifies an entry), and the entry as `value`/`mask` over the
//! whole key plus range checks. Masks always include the padding bits of every field, and values
//! have them clear, so a key with padding bits set never matches.

use crate::types::{FieldMatch, KeyLayout, MatchKind, TableError};

/// A key field with its position resolved.
#[derive(Clone, Debug)]
pub(crate) struct FieldInfo {
    pub kind: MatchKind,
    pub width: u32,
    pub off: usize,
    pub len: usize,
    /// Bits of the field's first byte above its width: they must be zero.
    pub pad_mask: u8,
}

impl FieldInfo {
    /// Number of padding bits at the top of the first byte (0..=7).
    pub fn pad_bits(&self) -> u32 {
        self.pad_mask.count_ones()
    }
}

pub(crate) fn field_infos(layout: &KeyLayout) -> Vec<FieldInfo> {
    layout
        .fields
        .iter()
        .zip(layout.field_offsets())
        .map(|(f, (off, len))| {
            let pad = (len as u64 * 8).saturating_sub(u64::from(f.width_bits));
            let pad_mask = if pad == 0 || pad >= 8 {
                0
            } else {
                0xFFu8 << (8 - pad)
            };
            FieldInfo {
                kind: f.kind,
                width: f.width_bits,
                off,
                len,
                pad_mask,
            }
        })
        .collect()
}

/// `lo <= key[off..off+len] <= hi`, big-endian.
#[derive(Clone, Debug)]
pub(crate) struct RangeCheck {
    pub off: usize,
    pub lo: Box<[u8]>,
    pub hi: Box<[u8]>,
}

impl RangeCheck {
    #[inline]
    pub fn contains(&self, key: &[u8]) -> bool {
        match key.get(self.off..self.off + self.lo.len()) {
            Some(k) => *self.lo <= *k && *k <= *self.hi,
            None => false,
        }
    }
}

/// An entry's match in canonical form.
#[derive(Clone, Debug)]
pub(crate) struct Canon {
    pub matches: Vec<FieldMatch>,
    /// `value & mask == value`, key-length bytes.
    pub value: Vec<u8>,
    /// Key-length bytes, padding bits set.
    pub mask: Vec<u8>,
    pub ranges: Vec<RangeCheck>,
}

fn bad(msg: String) -> TableError {
    TableError::BadKey(msg)
}

/// Writes a mask of the top `nbits` bits over `out`.
pub(crate) fn top_bits_mask(out: &mut [u8], nbits: u64) {
    for (i, b) in out.iter_mut().enumerate() {
        let start = i as u64 * 8;
        *b = if nbits >= start + 8 {
            0xFF
        } else if nbits <= start {
            0
        } else {
            0xFFu8 << (8 - (nbits - start))
        };
    }
}

fn check_value(i: usize, f: &FieldInfo, v: &[u8], what: &str) -> Result<(), TableError> {
    if v.len() != f.len {
        return Err(bad(format!(
            "field {i}: {what} has {} bytes, expected {} for width {}",
            v.len(),
            f.len,
            f.width
        )));
    }
    if f.len > 0 && v[0] & f.pad_mask != 0 {
        return Err(bad(format!(
            "field {i}: {what} has bits set beyond width {}",
            f.width
        )));
    }
    Ok(())
}

/// The largest value of the field: all bits within the width set.
fn max_value(f: &FieldInfo) -> Vec<u8> {
    let mut m = vec![0xFFu8; f.len];
    if let Some(b) = m.first_mut() {
        *b &= !f.pad_mask;
    }
    m
}

fn kind_name(m: &FieldMatch) -> &'static str {
    match m {
        FieldMatch::Exact(_) => "exact",
        FieldMatch::Lpm { .. } => "lpm",
        FieldMatch::Ternary { .. } => "ternary",
        FieldMatch::Range { .. } => "range",
        FieldMatch::Any => "don't-care",
    }
}

/// Validates `matches` against the layout and returns their canonical form.
pub(crate) fn canonicalize(
    fields: &[FieldInfo],
    key_len: usize,
    matches: &[FieldMatch],
) -> Result<Canon, TableError> {
    if matches.len() != fields.len() {
        return Err(bad(format!(
            "expected {} key fields, got {}",
            fields.len(),
            matches.len()
        )));
    }
    let mut value = vec![0u8; key_len];
    let mut mask = vec![0u8; key_len];
    let mut ranges = Vec::new();
    let mut canon = Vec::with_capacity(fields.len());
    for (i, (f, m)) in fields.iter().zip(matches).enumerate() {
        let (vout, mout) = (
            &mut value[f.off..f.off + f.len],
            &mut mask[f.off..f.off + f.len],
        );
        // Padding bits are always compared (against zero).
        if let Some(b) = mout.first_mut() {
            *b = f.pad_mask;
        }
        let c = match (f.kind, m) {
            (kind, FieldMatch::Exact(v)) => {
                check_value(i, f, v, "value")?;
                vout.copy_from_slice(v);
                mout.fill(0xFF);
                let wildcard = f.width == 0;
                match kind {
                    MatchKind::Exact | MatchKind::Optional => FieldMatch::Exact(v.clone()),
                    _ if wildcard => FieldMatch::Any,
                    MatchKind::Lpm => FieldMatch::Lpm {
                        value: v.clone(),
                        prefix_len: f.width,
                    },
                    MatchKind::Ternary => FieldMatch::Ternary {
                        value: v.clone(),
                        mask: max_value(f),
                    },
                    MatchKind::Range => FieldMatch::Range {
                        lo: v.clone(),
                        hi: v.clone(),
                    },
                }
            }
            (
                MatchKind::Lpm,
                FieldMatch::Lpm {
                    value: v,
                    prefix_len,
                },
            ) => {
                check_value(i, f, v, "lpm value")?;
                if *prefix_len > f.width {
                    return Err(bad(format!(
                        "field {i}: prefix length {prefix_len} exceeds width {}",
                        f.width
                    )));
                }
                top_bits_mask(mout, u64::from(f.pad_bits()) + u64::from(*prefix_len));
                if v.iter().zip(mout.iter()).any(|(v, m)| v & !m != 0) {
                    return Err(bad(format!(
                        "field {i}: lpm value has bits set beyond prefix length {prefix_len}"
                    )));
                }
                vout.copy_from_slice(v);
                if *prefix_len == 0 {
                    FieldMatch::Any
                } else {
                    m.clone()
                }
            }
            (MatchKind::Ternary, FieldMatch::Ternary { value: v, mask: tm }) => {
                check_value(i, f, v, "ternary value")?;
                check_value(i, f, tm, "ternary mask")?;
                if v.iter().zip(tm.iter()).any(|(v, m)| v & !m != 0) {
                    return Err(bad(format!(
                        "field {i}: ternary value has bits set outside the mask"
                    )));
                }
                vout.copy_from_slice(v);
                for (o, t) in mout.iter_mut().zip(tm) {
                    *o |= t;
                }
                if tm.iter().all(|&b| b == 0) {
                    FieldMatch::Any
                } else {
                    m.clone()
                }
            }
            (MatchKind::Range, FieldMatch::Range { lo, hi }) => {
                check_value(i, f, lo, "range low bound")?;
                check_value(i, f, hi, "range high bound")?;
                if lo > hi {
                    return Err(bad(format!("field {i}: range low bound above high bound")));
                }
                if lo.iter().all(|&b| b == 0) && *hi == max_value(f) {
                    FieldMatch::Any
                } else {
                    if lo == hi {
                        vout.copy_from_slice(lo);
                        mout.fill(0xFF);
                    } else {
                        ranges.push(RangeCheck {
                            off: f.off,
                            lo: lo.clone().into_boxed_slice(),
                            hi: hi.clone().into_boxed_slice(),
                        });
                    }
                    m.clone()
                }
            }
            (MatchKind::Exact, FieldMatch::Any) => {
                return Err(bad(format!(
                    "field {i}: an exact field cannot be don't-care"
                )))
            }
            (_, FieldMatch::Any) => FieldMatch::Any,
            (kind, other) => {
                return Err(bad(format!(
                    "field {i}: {} match on a {kind:?} field",
                    kind_name(other)
                )))
            }
        };
        canon.push(c);
    }
    Ok(Canon {
        matches: canon,
        value,
        mask,
        ranges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::KeyField;

    fn layout(fields: &[(MatchKind, u32)]) -> Vec<FieldInfo> {
        field_infos(&KeyLayout {
            fields: fields
                .iter()
                .map(|&(kind, width_bits)| KeyField { kind, width_bits })
                .collect(),
        })
    }

    #[test]
    fn padding_and_offsets() {
        let f = layout(&[
            (MatchKind::Exact, 9),
            (MatchKind::Lpm, 32),
            (MatchKind::Exact, 3),
        ]);
        assert_eq!((f[0].off, f[0].len, f[0].pad_mask), (0, 2, 0xFE));
        assert_eq!((f[1].off, f[1].len, f[1].pad_mask), (2, 4, 0));
        assert_eq!((f[2].off, f[2].len, f[2].pad_mask), (6, 1, 0xF8));
    }

    #[test]
    fn lpm_mask_includes_padding() {
        let f = layout(&[(MatchKind::Lpm, 12)]);
        let c = canonicalize(
            &f,
            2,
            &[FieldMatch::Lpm {
                value: vec![0x0A, 0x00],
                prefix_len: 4,
            }],
        )
        .unwrap();
        assert_eq!(c.mask, vec![0xFF, 0x00]);
        assert!(canonicalize(
            &f,
            2,
            &[FieldMatch::Lpm {
                value: vec![0x0A, 0x10],
                prefix_len: 4,
            }],
        )
        .is_err());
    }

    #[test]
    fn wildcards_become_any() {
        let f = layout(&[
            (MatchKind::Ternary, 8),
            (MatchKind::Range, 8),
            (MatchKind::Lpm, 8),
        ]);
        let c = canonicalize(
            &f,
            3,
            &[
                FieldMatch::Ternary {
                    value: vec![0],
                    mask: vec![0],
                },
                FieldMatch::Range {
                    lo: vec![0],
                    hi: vec![255],
                },
                FieldMatch::Lpm {
                    value: vec![0],
                    prefix_len: 0,
                },
            ],
        )
        .unwrap();
        assert_eq!(c.matches, vec![FieldMatch::Any; 3]);
    }
}
