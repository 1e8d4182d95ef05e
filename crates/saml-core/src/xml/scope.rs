//! A stack of namespace bindings whose lookup by prefix costs O(1), however many bindings are
//! in scope (invariant 12 of `DESIGN.md`: linear cost before authentication).
//!
//! The parser resolves every prefix through one of these, and canonicalization keeps two (the
//! bindings in scope and the namespace nodes already rendered). Real SAML has a handful of
//! bindings in scope, so while the stack holds at most [`SCAN_MAX`] of them a lookup scans
//! it from the innermost end, as cheap as it gets for five entries. Past that, an index takes
//! over for the rest of the stack's life: each prefix is interned once to a small integer (a
//! keyed hash, so an attacker cannot choose prefixes that collide), and each integer has the
//! position of its innermost binding, every binding remembering the one it shadows. Pushing,
//! popping and looking up are then O(1) each, so a document costs time linear in its size
//! whatever its shape: thousands of unused declarations on deep ancestors no longer make each
//! later prefixed name pay for all of them.

use std::collections::HashMap;

use crate::cast::{to_u32, to_usize};

/// Lookups scan the stack while it holds at most this many bindings; a longer stack is
/// indexed. Scanning sixteen short prefixes (each comparison usually decided by the length,
/// which `==` checks inline before it calls `memcmp`) costs about what hashing one does, and
/// real SAML rarely has more than eight in scope.
pub(crate) const SCAN_MAX: usize = 16;

/// No binding: an empty slot of [`Index::heads`], or nothing shadowed.
const NONE: u32 = u32::MAX;

/// Bindings of string keys (prefixes) to values, innermost last.
#[derive(Debug)]
pub(crate) struct Scope<'k, V> {
    entries: Vec<(&'k str, V)>,
    /// Built when `entries` first grows past [`SCAN_MAX`]; kept in step with it from then on.
    index: Option<Box<Index<'k>>>,
}

#[derive(Debug, Default)]
struct Index<'k> {
    /// Each distinct key seen, interned to a small integer (never removed: at most one per
    /// binding ever pushed).
    ids: HashMap<&'k str, u32>,
    /// Per interned key: the position in `entries` of its innermost binding, or [`NONE`].
    heads: Vec<u32>,
    /// Per entry: its interned key and the position of the binding it shadows (or [`NONE`]).
    links: Vec<(u32, u32)>,
}

impl<'k> Index<'k> {
    /// Records that the entry at `at` binds `key`, shadowing its previous binding.
    fn link(&mut self, key: &'k str, at: usize) {
        probe();
        // Positions are below the number of bindings, which the input size bounds well
        // below 2^31 (the parser refuses larger inputs, and each binding takes bytes).
        let at = to_u32(at);
        let fresh = to_u32(self.heads.len());
        let id = *self.ids.entry(key).or_insert(fresh);
        if id == fresh {
            self.heads.push(NONE);
        }
        let shadowed = std::mem::replace(&mut self.heads[to_usize(id)], at);
        self.links.push((id, shadowed));
    }

    /// The position of the innermost binding of `key`.
    #[inline(never)]
    fn position(&self, key: &str) -> Option<usize> {
        probe();
        let head = self.heads[to_usize(*self.ids.get(key)?)];
        (head != NONE).then_some(to_usize(head))
    }
}

impl<'k, V: Copy> Scope<'k, V> {
    /// An empty stack with room for `capacity` bindings before it reallocates.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
            index: None,
        }
    }

    /// The number of bindings, shadowed ones included.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The bindings, outermost first.
    pub(crate) fn entries(&self) -> &[(&'k str, V)] {
        &self.entries
    }

    // The scanning path is inlined into the parser's and canonicalization's loops (a call
    // per lookup cost more than the scan); the index's work stays out of line.

    /// Binds `key` to `value`, shadowing any earlier binding of `key` until it is popped.
    #[inline(always)]
    pub(crate) fn push(&mut self, key: &'k str, value: V) {
        self.entries.push((key, value));
        if self.index.is_some() || self.entries.len() > SCAN_MAX {
            self.link_last();
        }
    }

    /// Indexes the binding just pushed, building the index first if there is none.
    #[inline(never)]
    fn link_last(&mut self) {
        let entries = &self.entries;
        let index = self.index.get_or_insert_with(|| {
            let mut index = Box::<Index<'k>>::default();
            for (at, &(k, _)) in entries[..entries.len() - 1].iter().enumerate() {
                index.link(k, at);
            }
            index
        });
        if let Some(&(key, _)) = entries.last() {
            index.link(key, entries.len() - 1);
        }
    }

    /// Pops every binding pushed since the stack had `mark` bindings.
    #[inline(always)]
    pub(crate) fn truncate(&mut self, mark: usize) {
        if self.index.is_some() {
            self.unlink_to(mark);
        }
        self.entries.truncate(mark);
    }

    /// Restores the index's heads to what they were with `mark` bindings.
    #[inline(never)]
    fn unlink_to(&mut self, mark: usize) {
        if let Some(index) = &mut self.index {
            while index.links.len() > mark {
                if let Some((id, shadowed)) = index.links.pop() {
                    index.heads[to_usize(id)] = shadowed;
                }
            }
        }
    }

    /// The position (in [`entries`](Self::entries)) of the innermost binding of `key`.
    #[inline(always)]
    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            None => self.entries.iter().rposition(|&(k, _)| {
                probe();
                k == key
            }),
            Some(index) => index.position(key),
        }
    }

    /// The position of the binding of `key` pushed since the stack had `mark` bindings, if
    /// any (the innermost, if several).
    #[inline(always)]
    pub(crate) fn position_since(&self, key: &str, mark: usize) -> Option<usize> {
        match &self.index {
            None => self
                .entries
                .get(mark..)?
                .iter()
                .rposition(|&(k, _)| {
                    probe();
                    k == key
                })
                .map(|at| mark + at),
            Some(index) => index.position(key).filter(|&at| at >= mark),
        }
    }

    /// The innermost binding of `key`: the key as pushed (which may outlive `key`) and its
    /// value.
    #[inline(always)]
    pub(crate) fn get(&self, key: &str) -> Option<(&'k str, V)> {
        self.position(key)
            .and_then(|at| self.entries.get(at).copied())
    }
}

#[cfg(test)]
thread_local! {
    /// Key comparisons and index probes made by lookups and pushes on this thread.
    static PROBES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts one key comparison or index probe (tests only; nothing in other builds).
#[inline(always)]
pub(crate) fn probe() {
    #[cfg(test)]
    PROBES.with(|p| p.set(p.get() + 1));
}

/// The probes counted on this thread since the last call, which restarts the count.
#[cfg(test)]
pub(crate) fn take_probes() -> u64 {
    PROBES.with(|p| p.replace(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A naive model: the innermost binding by a scan.
    fn model<'k>(stack: &[(&'k str, u32)], key: &str) -> Option<(&'k str, u32)> {
        stack.iter().rev().find(|(k, _)| *k == key).copied()
    }

    /// Random pushes, pops and lookups agree with the scan, across the switch to the index
    /// and back below it (the index stays once built).
    #[test]
    fn agrees_with_a_scan() {
        let keys: Vec<String> = (0..40).map(|i| format!("p{}", i % 23)).collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % u64::try_from(n).expect("small")).expect("below n")
        };
        let mut scope = Scope::with_capacity(4);
        let mut stack: Vec<(&str, u32)> = Vec::new();
        for step in 0..20_000u32 {
            match next(10) {
                0..=3 if stack.len() < 60 => {
                    let k = keys[next(keys.len())].as_str();
                    scope.push(k, step);
                    stack.push((k, step));
                }
                4 => {
                    let mark = next(stack.len() + 1);
                    scope.truncate(mark);
                    stack.truncate(mark);
                }
                _ => {
                    let k = format!("p{}", next(30));
                    assert_eq!(scope.get(&k), model(&stack, &k), "step {step}");
                }
            }
            assert_eq!(scope.entries(), stack.as_slice());
        }
        assert!(scope.index.is_some(), "the test never reached the index");
    }

    /// Once indexed, a lookup is one probe however many bindings are in scope.
    #[test]
    fn indexed_lookup_is_one_probe() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("p{i}")).collect();
        let mut scope = Scope::with_capacity(0);
        for (i, k) in keys.iter().enumerate() {
            scope.push(k, i);
        }
        take_probes();
        assert_eq!(scope.get("p0"), Some(("p0", 0)));
        assert_eq!(scope.get("absent"), None);
        assert_eq!(take_probes(), 2);
    }
}
