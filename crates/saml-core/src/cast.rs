//! The crate's conversions between `usize` and `u32`: each an `as` whose reason is stated
//! once here, so that the rest of the crate keeps to `clippy::as_conversions`.
//!
//! The document arena stores offsets, lengths and indices as `u32` to halve its size. The
//! parser refuses inputs over `HARD_MAX_BYTES` (2^31 − 1 bytes, in `xml/parse.rs`), and every
//! one of those values is bounded by the input's length, give or take a few bytes: byte
//! offsets and lengths in the input, or in the decoded-values buffer (which holds decoded
//! values, none longer than its source, and the XML namespace URI once); counts and indices
//! of nodes, attributes and namespace declarations (each takes bytes of input, the document
//! node aside). So they all fit in a `u32` with room to spare. The helpers are `#[inline]` and
//! compile to a plain move or zero-extension, as the `as` they replace did.

/// `usize` is at least 32 bits wide, so widening a `u32` never loses anything.
const _: () = assert!(usize::BITS >= u32::BITS);

/// Narrows an arena offset, length or index to the `u32` the arena stores.
///
/// Only for values bounded by the parsed input's length (see the module documentation). Where
/// a value may legitimately exceed `u32::MAX`, use `u32::try_from` and handle the error.
#[inline]
#[expect(
    clippy::as_conversions,
    reason = "arena values are bounded by the input length, which the parser caps at \
              2^31 - 1 bytes (HARD_MAX_BYTES), so they fit in u32 and this never truncates"
)]
pub(crate) fn to_u32(x: usize) -> u32 {
    debug_assert!(
        u32::try_from(x).is_ok(),
        "arena value {x} does not fit in u32"
    );
    x as u32
}

/// Widens a `u32` (an arena offset, length or index, or any other) to `usize`.
#[inline]
#[expect(
    clippy::as_conversions,
    reason = "usize is at least 32 bits wide (asserted above), so this is lossless; \
              usize::try_from would return a Result that can never be an error"
)]
pub(crate) const fn to_usize(x: u32) -> usize {
    x as usize
}

/// An arena's `(start, end)` pair of `u32` bounds as a range for slicing.
#[inline]
pub(crate) const fn range((start, end): (u32, u32)) -> std::ops::Range<usize> {
    to_usize(start)..to_usize(end)
}
