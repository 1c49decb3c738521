//! Lexer for P4-16 (after preprocessing).
//!
//! Every word becomes [`Tok::Ident`]; the parser decides which words are keywords, because several
//! P4 keywords (`key`, `apply`, `state`, ...) are also valid field and member names. `>` is never
//! merged into `>>`: the parser joins two adjacent `>` into a shift so that nested type arguments
//! such as `register<bit<32>>` need no special casing.

use crate::diag::{Diagnostics, Span};
use num_bigint::BigUint;
use num_traits::Zero;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Punct {
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Lt,
    Gt,
    Semi,
    Colon,
    Comma,
    Dot,
    Question,
    Assign,
    EqEq,
    Ne,
    Le,
    Ge,
    Not,
    Tilde,
    Amp,
    Pipe,
    Caret,
    AndAnd,
    OrOr,
    Mask,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Shl,
    PlusPlus,
    SatAdd,
    SatSub,
    DotDot,
    Ellipsis,
    At,
    /// Compound assignment such as `+=`; carries the operator's text without `=`.
    OpAssign(AssignOp),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AssignOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Shl,
    BitAnd,
    BitOr,
    BitXor,
    SatAdd,
    SatSub,
}

impl AssignOp {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignOp::Add => "+=",
            AssignOp::Sub => "-=",
            AssignOp::Mul => "*=",
            AssignOp::Div => "/=",
            AssignOp::Mod => "%=",
            AssignOp::Shl => "<<=",
            AssignOp::BitAnd => "&=",
            AssignOp::BitOr => "|=",
            AssignOp::BitXor => "^=",
            AssignOp::SatAdd => "|+|=",
            AssignOp::SatSub => "|-|=",
        }
    }
}

impl Punct {
    pub fn as_str(self) -> &'static str {
        use Punct::*;
        match self {
            LBrace => "{",
            RBrace => "}",
            LParen => "(",
            RParen => ")",
            LBracket => "[",
            RBracket => "]",
            Lt => "<",
            Gt => ">",
            Semi => ";",
            Colon => ":",
            Comma => ",",
            Dot => ".",
            Question => "?",
            Assign => "=",
            EqEq => "==",
            Ne => "!=",
            Le => "<=",
            Ge => ">=",
            Not => "!",
            Tilde => "~",
            Amp => "&",
            Pipe => "|",
            Caret => "^",
            AndAnd => "&&",
            OrOr => "||",
            Mask => "&&&",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            Shl => "<<",
            PlusPlus => "++",
            SatAdd => "|+|",
            SatSub => "|-|",
            DotDot => "..",
            Ellipsis => "...",
            At => "@",
            OpAssign(op) => op.as_str(),
        }
    }
}

/// An integer literal as written: optional width and signedness, and its magnitude.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IntLit {
    /// Magnitude of the value.
    pub value: BigUint,
    /// `true` for a literal written with a minus inside the width prefix (`16s-1`).
    pub negative: bool,
    /// `Some((width, signed))` for `8w255` / `16s5`.
    pub width: Option<(u32, bool)>,
    /// Radix the literal was written in (2, 8, 10, 16), for printing.
    pub radix: u32,
}

impl fmt::Display for IntLit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((w, s)) = self.width {
            write!(f, "{}{}", w, if s { 's' } else { 'w' })?;
        }
        if self.negative {
            f.write_str("-")?;
        }
        match self.radix {
            16 => write!(f, "0x{}", self.value.to_str_radix(16)),
            8 => write!(f, "0o{}", self.value.to_str_radix(8)),
            2 => write!(f, "0b{}", self.value.to_str_radix(2)),
            _ => write!(f, "{}", self.value),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    Int(IntLit),
    /// String literal contents with escapes resolved.
    Str(String),
    P(Punct),
    Eof,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) => f.write_str(s),
            Tok::Int(i) => write!(f, "{i}"),
            Tok::Str(s) => write!(f, "{}", quote_string(s)),
            Tok::P(p) => f.write_str(p.as_str()),
            Tok::Eof => f.write_str("end of input"),
        }
    }
}

/// Writes a string literal with P4 escapes.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Largest width accepted in a width prefix (`Nw...`); p4c's own limit is similar.
pub const MAX_WIDTH: u32 = 1 << 20;

/// Splits `src` into tokens. Always ends with [`Tok::Eof`]. Problems become diagnostics and the
/// offending characters are skipped.
pub fn lex(src: &str, diags: &mut Diagnostics) -> Vec<Token> {
    Lexer {
        src: src.as_bytes(),
        text: src,
        pos: 0,
        out: Vec::with_capacity(src.len() / 4 + 1),
        diags,
    }
    .run()
}

struct Lexer<'a, 'd> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    out: Vec<Token>,
    diags: &'d mut Diagnostics,
}

impl Lexer<'_, '_> {
    fn peek(&self, off: usize) -> u8 {
        self.src.get(self.pos + off).copied().unwrap_or(0)
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(Token {
            tok,
            span: Span::new(start, self.pos),
        });
    }

    fn run(mut self) -> Vec<Token> {
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            let start = self.pos;
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => self.pos += 1,
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == b'*' => {
                    self.pos += 2;
                    loop {
                        if self.pos + 1 >= self.src.len() {
                            self.pos = self.src.len();
                            self.diags
                                .error(Span::new(start, start + 2), "unterminated block comment");
                            break;
                        }
                        if self.src[self.pos] == b'*' && self.src[self.pos + 1] == b'/' {
                            self.pos += 2;
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'"' => self.string(),
                b'0'..=b'9' => self.number(),
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    while self.pos < self.src.len()
                        && (self.src[self.pos].is_ascii_alphanumeric()
                            || self.src[self.pos] == b'_')
                    {
                        self.pos += 1;
                    }
                    let word = self.text[start..self.pos].to_string();
                    self.push(Tok::Ident(word), start);
                }
                b'#' => {
                    // A directive that reached the lexer (the preprocessor normally removes them):
                    // skip the line.
                    self.diags.warning(
                        Span::new(start, start + 1),
                        "preprocessor directive ignored by the lexer",
                    );
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => {
                    if let Some((p, len)) = self.punct() {
                        self.pos += len;
                        self.push(Tok::P(p), start);
                    } else {
                        // Skip one whole UTF-8 character.
                        let ch = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                        self.pos += ch.len_utf8().max(1);
                        self.diags.error(
                            Span::new(start, self.pos),
                            format!("unexpected character '{}'", ch.escape_default()),
                        );
                    }
                }
            }
        }
        let end = self.src.len();
        self.out.push(Token {
            tok: Tok::Eof,
            span: Span::new(end, end),
        });
        self.out
    }

    fn punct(&self) -> Option<(Punct, usize)> {
        use Punct::*;
        let c0 = self.peek(0);
        let c1 = self.peek(1);
        let c2 = self.peek(2);
        let c3 = self.peek(3);
        Some(match (c0, c1, c2, c3) {
            (b'|', b'+', b'|', b'=') => (OpAssign(AssignOp::SatAdd), 4),
            (b'|', b'-', b'|', b'=') => (OpAssign(AssignOp::SatSub), 4),
            (b'&', b'&', b'&', _) => (Mask, 3),
            (b'.', b'.', b'.', _) => (Ellipsis, 3),
            (b'|', b'+', b'|', _) => (SatAdd, 3),
            (b'|', b'-', b'|', _) => (SatSub, 3),
            (b'<', b'<', b'=', _) => (OpAssign(AssignOp::Shl), 3),
            (b'=', b'=', _, _) => (EqEq, 2),
            (b'!', b'=', _, _) => (Ne, 2),
            (b'<', b'=', _, _) => (Le, 2),
            (b'>', b'=', _, _) => (Ge, 2),
            (b'&', b'&', _, _) => (AndAnd, 2),
            (b'|', b'|', _, _) => (OrOr, 2),
            (b'<', b'<', _, _) => (Shl, 2),
            (b'+', b'+', _, _) => (PlusPlus, 2),
            (b'.', b'.', _, _) => (DotDot, 2),
            (b'+', b'=', _, _) => (OpAssign(AssignOp::Add), 2),
            (b'-', b'=', _, _) => (OpAssign(AssignOp::Sub), 2),
            (b'*', b'=', _, _) => (OpAssign(AssignOp::Mul), 2),
            (b'/', b'=', _, _) => (OpAssign(AssignOp::Div), 2),
            (b'%', b'=', _, _) => (OpAssign(AssignOp::Mod), 2),
            (b'&', b'=', _, _) => (OpAssign(AssignOp::BitAnd), 2),
            (b'|', b'=', _, _) => (OpAssign(AssignOp::BitOr), 2),
            (b'^', b'=', _, _) => (OpAssign(AssignOp::BitXor), 2),
            (b'{', ..) => (LBrace, 1),
            (b'}', ..) => (RBrace, 1),
            (b'(', ..) => (LParen, 1),
            (b')', ..) => (RParen, 1),
            (b'[', ..) => (LBracket, 1),
            (b']', ..) => (RBracket, 1),
            (b'<', ..) => (Lt, 1),
            (b'>', ..) => (Gt, 1),
            (b';', ..) => (Semi, 1),
            (b':', ..) => (Colon, 1),
            (b',', ..) => (Comma, 1),
            (b'.', ..) => (Dot, 1),
            (b'?', ..) => (Question, 1),
            (b'=', ..) => (Assign, 1),
            (b'!', ..) => (Not, 1),
            (b'~', ..) => (Tilde, 1),
            (b'&', ..) => (Amp, 1),
            (b'|', ..) => (Pipe, 1),
            (b'^', ..) => (Caret, 1),
            (b'+', ..) => (Plus, 1),
            (b'-', ..) => (Minus, 1),
            (b'*', ..) => (Star, 1),
            (b'/', ..) => (Slash, 1),
            (b'%', ..) => (Percent, 1),
            (b'@', ..) => (At, 1),
            _ => return None,
        })
    }

    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let mut s = String::new();
        loop {
            if self.pos >= self.src.len() {
                self.diags
                    .error(Span::new(start, start + 1), "unterminated string literal");
                break;
            }
            let c = self.src[self.pos];
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\n' => {
                    self.diags
                        .error(Span::new(start, self.pos), "unterminated string literal");
                    break;
                }
                b'\\' => {
                    let e = self.peek(1);
                    self.pos += 2;
                    match e {
                        b'n' => s.push('\n'),
                        b't' => s.push('\t'),
                        b'r' => s.push('\r'),
                        b'\\' => s.push('\\'),
                        b'"' => s.push('"'),
                        b'\n' => {}
                        0 => {
                            self.pos = self.src.len();
                        }
                        other => {
                            s.push('\\');
                            if other.is_ascii() {
                                s.push(other as char);
                            } else {
                                // Not an escape: step back so the multi-byte char is copied whole.
                                self.pos -= 1;
                            }
                        }
                    }
                }
                _ => {
                    let ch = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    s.push(ch);
                    self.pos += ch.len_utf8().max(1);
                }
            }
        }
        self.push(Tok::Str(s), start);
    }

    fn digits_end(&self, from: usize, radix: u32) -> usize {
        let mut p = from;
        while p < self.src.len() {
            let c = self.src[p];
            if c == b'_' || (c as char).is_digit(radix) {
                p += 1;
            } else {
                break;
            }
        }
        p
    }

    fn number(&mut self) {
        let start = self.pos;
        // Width prefix: digits followed by 'w' or 's' and then a digit (or '-' digit for 's').
        let dec_end = self.digits_end(self.pos, 10);
        let mut width = None;
        let mut negative = false;
        if dec_end < self.src.len() && matches!(self.src[dec_end], b'w' | b's') {
            let signed = self.src[dec_end] == b's';
            let next = self.src.get(dec_end + 1).copied().unwrap_or(0);
            let next2 = self.src.get(dec_end + 2).copied().unwrap_or(0);
            let neg = signed && next == b'-' && next2.is_ascii_digit();
            if next.is_ascii_digit() || neg {
                let wtext: String = self.text[start..dec_end]
                    .chars()
                    .filter(|c| *c != '_')
                    .collect();
                let w = wtext.parse::<u64>().unwrap_or(u64::MAX);
                if w > MAX_WIDTH as u64 {
                    self.diags.error(
                        Span::new(start, dec_end),
                        format!("width {wtext} is too large (limit {MAX_WIDTH})"),
                    );
                }
                width = Some((w.min(MAX_WIDTH as u64) as u32, signed));
                negative = neg;
                self.pos = dec_end + 1 + usize::from(neg);
            }
        }
        let (radix, digits_start) = match (self.peek(0), self.peek(1)) {
            (b'0', b'x' | b'X') => (16, self.pos + 2),
            (b'0', b'o' | b'O') => (8, self.pos + 2),
            (b'0', b'b' | b'B') => (2, self.pos + 2),
            (b'0', b'd' | b'D') => (10, self.pos + 2),
            _ => (10, self.pos),
        };
        let end = self.digits_end(digits_start, radix);
        let digits: String = self.text[digits_start..end]
            .chars()
            .filter(|c| *c != '_')
            .collect();
        self.pos = end;
        let value = if digits.is_empty() {
            self.diags
                .error(Span::new(start, self.pos), "integer literal has no digits");
            BigUint::zero()
        } else {
            BigUint::parse_bytes(digits.as_bytes(), radix).unwrap_or_default()
        };
        // A literal immediately followed by letters or digits of another radix is malformed.
        if self.pos < self.src.len()
            && (self.src[self.pos].is_ascii_alphanumeric() || self.src[self.pos] == b'_')
        {
            let bad_start = self.pos;
            while self.pos < self.src.len()
                && (self.src[self.pos].is_ascii_alphanumeric() || self.src[self.pos] == b'_')
            {
                self.pos += 1;
            }
            self.diags.error(
                Span::new(start, self.pos),
                format!(
                    "malformed integer literal '{}' (unexpected '{}')",
                    &self.text[start..self.pos],
                    &self.text[bad_start..self.pos]
                ),
            );
        }
        self.push(
            Tok::Int(IntLit {
                value,
                negative,
                width,
                radix,
            }),
            start,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        let mut d = Diagnostics::default();
        let t = lex(s, &mut d);
        assert!(!d.has_errors(), "{:?}", d.items);
        t.into_iter().map(|t| t.tok).collect()
    }

    fn int(t: &Tok) -> &IntLit {
        match t {
            Tok::Int(i) => i,
            other => panic!("not an int: {other:?}"),
        }
    }

    #[test]
    fn literals_with_widths_and_radixes() {
        let t = toks("8w255 16s-1 0x_ff 0b1010 0o17 32w0xFFFF_FFFF 1_000 4s7");
        assert_eq!(int(&t[0]).width, Some((8, false)));
        assert_eq!(int(&t[0]).value, BigUint::from(255u32));
        assert!(int(&t[1]).negative);
        assert_eq!(int(&t[1]).width, Some((16, true)));
        assert_eq!(int(&t[2]).value, BigUint::from(255u32));
        assert_eq!(int(&t[3]).value, BigUint::from(10u32));
        assert_eq!(int(&t[4]).value, BigUint::from(15u32));
        assert_eq!(int(&t[5]).value, BigUint::from(0xffff_ffffu32));
        assert_eq!(int(&t[6]).value, BigUint::from(1000u32));
        assert_eq!(int(&t[7]).width, Some((4, true)));
        assert_eq!(t.len(), 9);
    }

    #[test]
    fn operators_longest_match_but_gt_stays_single() {
        let t = toks("a &&& b |+| c |-| d ++ e .. f ... >> >= <<= |+|=");
        let ps: Vec<&str> = t
            .iter()
            .filter_map(|t| match t {
                Tok::P(p) => Some(p.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            ps,
            ["&&&", "|+|", "|-|", "++", "..", "...", ">", ">", ">=", "<<=", "|+|="]
        );
    }

    #[test]
    fn comments_and_strings() {
        let t = toks("a /* x \n y */ b // c\n \"q\\\"s\\n\"");
        assert_eq!(
            t,
            vec![
                Tok::Ident("a".into()),
                Tok::Ident("b".into()),
                Tok::Str("q\"s\n".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn errors_are_reported_not_panics() {
        for src in [
            "\"abc",
            "/* never closed",
            "8w",
            "0x",
            "12abc",
            "$ ` \u{7f}",
            "99999999999999999999w1",
        ] {
            let mut d = Diagnostics::default();
            let t = lex(src, &mut d);
            assert!(d.has_errors(), "{src}");
            assert_eq!(t.last().map(|t| &t.tok), Some(&Tok::Eof));
        }
    }
}
