//! The Redis state store (being written).
#![forbid(unsafe_code)]
