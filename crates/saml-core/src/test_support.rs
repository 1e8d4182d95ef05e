//! Helpers shared by the unit tests of several modules (compiled only for tests).

/// A small deterministic mutator: xorshift64 random numbers and byte-level edits (replace,
/// insert, remove) drawn from an alphabet chosen by the caller. Used by the "mutations never
/// panic" tests, which need the same inputs on every run.
pub(crate) struct Mutator {
    state: u64,
}

impl Mutator {
    /// A mutator seeded with `seed` (any non-zero value).
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed.max(1) }
    }

    /// The next pseudo-random number.
    pub(crate) fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    /// A pseudo-random index below `len` (0 when `len` is 0).
    pub(crate) fn below(&mut self, len: usize) -> usize {
        usize::try_from(self.next()).unwrap_or_default() % len.max(1)
    }

    /// `seed` with one to `max_edits` random edits, each byte drawn from `alphabet`.
    pub(crate) fn mutate(&mut self, seed: &[u8], max_edits: u64, alphabet: &[u8]) -> Vec<u8> {
        let mut bytes = seed.to_vec();
        for _ in 0..=(self.next() % max_edits.max(1)) {
            let at = self.below(bytes.len());
            let pick = alphabet[self.below(alphabet.len())];
            match self.next() % 3 {
                0 if at < bytes.len() => bytes[at] = pick,
                1 => bytes.insert(at.min(bytes.len()), pick),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        bytes
    }
}
