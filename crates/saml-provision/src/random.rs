//! Random identifiers (user ids, error ids) and passwords, from aws-lc-rs's system generator.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `prefix` followed by `len` uniformly random base-62 characters (Okta's ids look like
/// `00u1abcDEF…`, 20 characters).
pub(crate) fn base62(prefix: &str, len: usize) -> Result<String, aws_lc_rs::error::Unspecified> {
    let mut out = String::with_capacity(prefix.len().saturating_add(len));
    out.push_str(prefix);
    let mut buf = [0u8; 32];
    while out.len() < prefix.len().saturating_add(len) {
        aws_lc_rs::rand::fill(&mut buf)?;
        // 248 = 4 × 62: rejecting larger bytes keeps every character equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() >= prefix.len().saturating_add(len) {
                break;
            }
            out.push(char::from(BASE62[usize::from(*b % 62)]));
        }
    }
    Ok(out)
}
