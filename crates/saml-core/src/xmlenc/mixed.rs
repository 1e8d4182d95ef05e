//! RSA-OAEP whose digest and MGF1 hash differ (XML Encryption 1.1 `rsa-oaep` with, say,
//! `DigestMethod` SHA-256 and the default `mgf1sha1`, which Santuario and Shibboleth send), run
//! by OpenSSL: aws-lc-rs builds its `OaepAlgorithm` only for same-hash pairs.
//!
//! OpenSSL decodes OAEP in constant time and blinds the RSA private-key operation; whether the
//! padding was valid is the one thing it reports, exactly as AWS-LC does on the other path, and
//! [`cipher::unwrap`](super::cipher) treats both results alike. Keys are converted once, when
//! a [`DecryptionKey`](super::DecryptionKey) or [`EncryptionKey`](super::EncryptionKey) is
//! loaded, never per message.

use openssl::bn::BigNum;
use openssl::md::{Md, MdRef};
use openssl::pkey::{PKey, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};

use crate::crypto::DigestAlgorithm;

/// The OpenSSL digest of `hash`.
fn md(hash: DigestAlgorithm) -> &'static MdRef {
    match hash {
        DigestAlgorithm::Sha1 => Md::sha1(),
        DigestAlgorithm::Sha256 => Md::sha256(),
        DigestAlgorithm::Sha384 => Md::sha384(),
        DigestAlgorithm::Sha512 => Md::sha512(),
    }
}

/// The OpenSSL form of an RSA private key given as DER PKCS#8 (already checked by aws-lc-rs).
pub(crate) fn private_key(pkcs8: &[u8]) -> Option<PKey<Private>> {
    PKey::private_key_from_pkcs8(pkcs8).ok()
}

/// The OpenSSL form of an RSA public key given by its modulus and exponent (big-endian).
pub(crate) fn public_key(n: &[u8], e: &[u8]) -> Option<PKey<Public>> {
    let rsa = Rsa::from_public_components(BigNum::from_slice(n).ok()?, BigNum::from_slice(e).ok()?)
        .ok()?;
    PKey::from_rsa(rsa).ok()
}

/// Sets RSA-OAEP with `digest`, MGF1-`mgf` and `label` on an initialised context.
fn set_oaep<T>(
    ctx: &mut PkeyCtx<T>,
    digest: DigestAlgorithm,
    mgf: DigestAlgorithm,
    label: Option<&[u8]>,
) -> Result<(), openssl::error::ErrorStack> {
    ctx.set_rsa_padding(Padding::PKCS1_OAEP)?;
    ctx.set_rsa_oaep_md(md(digest))?;
    ctx.set_rsa_mgf1_md(md(mgf))?;
    if let Some(label) = label.filter(|l| !l.is_empty()) {
        ctx.set_rsa_oaep_label(label)?;
    }
    Ok(())
}

/// Decrypts `wrapped` into `out` (at least the modulus length) and returns the plaintext, or
/// `None` when the OAEP padding is invalid (or the ciphertext is not below the modulus).
pub(crate) fn decrypt<'o>(
    key: &PKey<Private>,
    digest: DigestAlgorithm,
    mgf: DigestAlgorithm,
    label: Option<&[u8]>,
    wrapped: &[u8],
    out: &'o mut [u8],
) -> Option<&'o [u8]> {
    let mut ctx = PkeyCtx::new(key).ok()?;
    ctx.decrypt_init().ok()?;
    set_oaep(&mut ctx, digest, mgf, label).ok()?;
    let len = ctx.decrypt(wrapped, Some(out)).ok()?;
    out.get(..len)
}

/// Encrypts `cek` to `key` with RSA-OAEP (`digest`, MGF1-`mgf`, no label).
pub(crate) fn encrypt(
    key: &PKey<Public>,
    digest: DigestAlgorithm,
    mgf: DigestAlgorithm,
    cek: &[u8],
) -> Option<Vec<u8>> {
    let mut ctx = PkeyCtx::new(key).ok()?;
    ctx.encrypt_init().ok()?;
    set_oaep(&mut ctx, digest, mgf, None).ok()?;
    let mut out = Vec::new();
    ctx.encrypt_to_vec(cek, &mut out).ok()?;
    Some(out)
}
