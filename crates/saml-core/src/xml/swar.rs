//! Byte classification eight bytes at a time ("SIMD within a register"), for the scanning
//! loops of the parser and the canonicalizer: no `unsafe`, no platform intrinsics.
//!
//! Each mask function sets the high bit of every byte of a little-endian word that matches.
//! Only the lowest set bit is exact (a borrow can flag bytes above a true match, never below
//! one), which is all [`find`] uses; the OR of several masks keeps that property.

use crate::cast::to_usize;

/// Eight copies of `b`.
pub(crate) const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// Bytes of `x` equal to `b`.
#[inline(always)]
pub(crate) fn eq(x: u64, b: u8) -> u64 {
    let y = x ^ splat(b);
    y.wrapping_sub(splat(1)) & !y & splat(0x80)
}

/// Bytes of `x` below `n` (`n` at most 0x80).
#[inline(always)]
pub(crate) fn below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(splat(n)) & !x & splat(0x80)
}

/// The index of the first byte at or after `from` that `word` flags (checked eight bytes at a
/// time) or, in the last few bytes, that `byte` accepts. The two must describe the same set.
#[inline(always)]
pub(crate) fn find(
    bytes: &[u8],
    from: usize,
    word: impl Fn(u64) -> u64,
    byte: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let hits = word(u64::from_le_bytes(w));
        if hits != 0 {
            return Some(i + to_usize(hits.trailing_zeros() / 8));
        }
        i += 8;
    }
    bytes.get(i..)?.iter().position(|&b| byte(b)).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word test and the byte test agree at every position, for every byte value in
    /// every lane, with and without earlier matches (which is where borrows could mislead).
    #[test]
    fn find_agrees_with_a_byte_loop() {
        let word = |x: u64| eq(x, b'&') | eq(x, b'"') | below(x, 0x20);
        let byte = |b: u8| b == b'&' || b == b'"' || b < 0x20;
        for lane in 0..20 {
            for v in 0..=255u8 {
                for prefix in [b'a', 0x00, 0xFF, b'&'] {
                    let mut buf = vec![b'x'; 20];
                    if lane > 0 {
                        buf[lane - 1] = prefix;
                    }
                    buf[lane] = v;
                    for from in [0, 1, 3] {
                        let expected = buf
                            .iter()
                            .enumerate()
                            .skip(from)
                            .find(|&(_, &b)| byte(b))
                            .map(|(i, _)| i);
                        assert_eq!(
                            find(&buf, from, word, byte),
                            expected,
                            "{buf:?} from {from}"
                        );
                    }
                }
            }
        }
    }
}
