//! `Authorization: SSWS <token>`: tokens kept as SHA-256 digests and compared in constant time,
//! each belonging to a user of the directory; and the per-token rate limit.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::{constant_time, digest};

/// Presented tokens longer than this are refused before hashing.
const MAX_TOKEN_BYTES: usize = 512;

/// The API tokens the server accepts, each belonging to a user of the directory (whose id
/// `GET /api/v1/users/me` answers). Only SHA-256 digests are kept: a leaked configuration or
/// memory dump holds no usable token.
///
/// As in Okta, a token acts with its user's rights: the token is refused (E0000011) while its
/// user does not exist or is not ACTIVE, and a token of a user who is not an administrator
/// (`admin` in the directory) may read but not write (E0000006), which is how Okta treats a
/// token whose admin is not a super admin: "Test API Credentials" passes, assignment fails.
#[derive(Clone, Default)]
pub struct ApiTokens {
    entries: Vec<([u8; 32], String)>,
}

impl fmt::Debug for ApiTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiTokens")
            .field("tokens", &self.entries.len())
            .finish()
    }
}

impl ApiTokens {
    /// No tokens: every request is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// The SHA-256 digest of a token, as [`ApiTokens::add_digest`] takes it.
    pub fn digest(token: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
        out
    }

    /// Accepts `token` (only its digest is kept) for the user `user_id`.
    pub fn add(&mut self, token: &str, user_id: impl Into<String>) -> &mut Self {
        self.add_digest(Self::digest(token), user_id)
    }

    /// Accepts the token whose SHA-256 digest is `digest` for the user `user_id` (for a
    /// configuration that stores digests only).
    pub fn add_digest(&mut self, digest: [u8; 32], user_id: impl Into<String>) -> &mut Self {
        self.entries.push((digest, user_id.into()));
        self
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The index and user of the token in an `Authorization` header value, if it is
    /// `SSWS <token>` with a token accepted here. Every stored digest is compared, in constant
    /// time, whatever matched.
    pub(crate) fn authenticate(&self, header: Option<&[u8]>) -> Option<(usize, &str)> {
        let header = header?;
        let (scheme, token) = header.split_at_checked(5)?;
        if !scheme.eq_ignore_ascii_case(b"SSWS ")
            || token.is_empty()
            || token.len() > MAX_TOKEN_BYTES
            || !token.iter().all(u8::is_ascii_graphic)
        {
            return None;
        }
        let presented = digest::digest(&digest::SHA256, token);
        let mut found = None;
        for (i, (stored, _)) in self.entries.iter().enumerate() {
            let equal = constant_time::verify_slices_are_equal(stored, presented.as_ref()).is_ok();
            if equal && found.is_none() {
                found = Some(i);
            }
        }
        found.and_then(|i| self.entries.get(i).map(|(_, user)| (i, user.as_str())))
    }
}

/// A rate limit per API token: at most `requests` in each fixed window of `window`, counted
/// from a token's first request. Okta's answer past it is 429 E0000047; every authenticated
/// response carries `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset`
/// (the window's end, UTC epoch seconds, rounded up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests per window. Default: 600 (Okta's default for `/api/v1/users` per minute).
    pub requests: u32,
    /// The window. Default: 60 s.
    pub window: Duration,
}

impl RateLimit {
    /// `requests` per `window`.
    pub fn new(requests: u32, window: Duration) -> Self {
        Self { requests, window }
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::new(600, Duration::from_secs(60))
    }
}

/// What the limiter decided for one request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateDecision {
    pub(crate) allowed: bool,
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    pub(crate) reset_epoch_seconds: u64,
}

struct Window {
    ends: Instant,
    reset_epoch_seconds: u64,
    used: u32,
}

/// Fixed windows per token index.
pub(crate) struct Limiter {
    limit: RateLimit,
    windows: Mutex<HashMap<usize, Window>>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn check(&self, token: usize) -> RateDecision {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let window = windows.entry(token).or_insert_with(|| Window {
            ends: now,
            reset_epoch_seconds: 0,
            used: 0,
        });
        if now >= window.ends {
            let ends_at = SystemTime::now() + self.limit.window;
            let since_epoch = ends_at.duration_since(UNIX_EPOCH).unwrap_or_default();
            *window = Window {
                ends: now + self.limit.window,
                reset_epoch_seconds: since_epoch
                    .as_secs()
                    .saturating_add(u64::from(since_epoch.subsec_nanos() > 0)),
                used: 0,
            };
        }
        let allowed = window.used < self.limit.requests;
        if allowed {
            window.used = window.used.saturating_add(1);
        }
        RateDecision {
            allowed,
            limit: self.limit.requests,
            remaining: self.limit.requests.saturating_sub(window.used),
            reset_epoch_seconds: window.reset_epoch_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ssws_with_a_known_token() {
        let mut tokens = ApiTokens::new();
        tokens.add("00abc", "00uadmin").add("00def", "00uother");
        assert_eq!(
            tokens.authenticate(Some(b"SSWS 00def")),
            Some((1, "00uother"))
        );
        assert_eq!(
            tokens.authenticate(Some(b"ssws 00abc")),
            Some((0, "00uadmin"))
        );
        for bad in [
            &b"SSWS 00abd"[..],
            b"Bearer 00abc",
            b"SSWS  00abc",
            b"SSWS ",
            b"SSWS",
            b"00abc",
            b"SSWS 00abc ",
        ] {
            assert_eq!(tokens.authenticate(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(tokens.authenticate(None), None);
        assert!(!format!("{tokens:?}").contains("00abc"));
    }

    #[test]
    fn fixed_window_per_token() {
        let limiter = Limiter::new(RateLimit::new(2, Duration::from_millis(200)));
        let first = limiter.check(0);
        assert!(first.allowed && first.remaining == 1 && first.limit == 2);
        assert!(limiter.check(0).allowed);
        let third = limiter.check(0);
        assert!(!third.allowed && third.remaining == 0);
        assert!(limiter.check(1).allowed, "another token has its own window");
        std::thread::sleep(Duration::from_millis(220));
        assert!(limiter.check(0).allowed);
    }
}
