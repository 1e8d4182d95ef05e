//! The cryptography of [`decrypt`](super::decrypt) and [`encrypt`](super::encrypt): unwrapping
//! the CEK with every configured key, the symmetric step, and sealing.
//!
//! The decryption half never returns early on a secret-dependent condition: [`unwrap`] and
//! [`open`] report success as a [`Choice`], and the caller decides once, at the end (see the
//! module documentation of [`crate::xmlenc`]).

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    UnboundCipherKey,
};
use aws_lc_rs::error::Unspecified;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rand;
use subtle::{Choice, ConditionallySelectable, ConstantTimeGreater};
use zeroize::Zeroizing;

use crate::xmlenc::algorithm::Oaep;
use crate::xmlenc::{DataEncryption, DecryptionKey, EncryptionKey, XmlencError};

/// AES block and CBC IV length.
const BLOCK: usize = 16;
/// AES-GCM IV length in XML Encryption 1.1 (96 bits).
const GCM_IV: usize = aead::NONCE_LEN;
/// AES-GCM tag length in XML Encryption 1.1 (128 bits).
const GCM_TAG: usize = aead::MAX_TAG_LEN;

/// How the EncryptedKey is unwrapped.
#[derive(Clone, Copy)]
pub(crate) enum Unwrap<'a> {
    /// RSA-OAEP with these parameters and optional label (`xenc:OAEPparams`).
    Oaep(Oaep, Option<&'a [u8]>),
    /// RSA PKCS#1 v1.5 (only behind the danger opt-in).
    Pkcs1,
}

/// The CEK to use: the unwrapped one, or a random one of the same length.
pub(crate) struct Unwrapped {
    /// Wiped on drop.
    pub(crate) cek: Zeroizing<Vec<u8>>,
    /// Whether some key unwrapped a CEK of the right length.
    pub(crate) ok: Choice,
    /// Which key did (meaningless when `ok` is false).
    pub(crate) index: usize,
}

/// Unwraps `wrapped` with every key in `keys`, in order and without stopping: the first key
/// that yields a CEK of `cek_len` bytes supplies the CEK, by constant-time selection over a
/// random CEK drawn beforehand. Errs only if the random number generator fails, before any
/// key is used.
pub(crate) fn unwrap(
    keys: &[DecryptionKey],
    method: Unwrap<'_>,
    wrapped: &[u8],
    cek_len: usize,
) -> Result<Unwrapped, XmlencError> {
    let mut cek = Zeroizing::new(vec![0u8; cek_len]);
    rand::fill(&mut cek).map_err(|_| XmlencError::Randomness)?;
    let zeros = vec![0u8; cek_len];
    let buffer_len = keys.iter().map(|k| k.modulus_len).max().unwrap_or(0);
    let mut buffer = Zeroizing::new(vec![0u8; buffer_len]);
    let mut found = Choice::from(0);
    let mut index = 0u64;
    for (i, key) in keys.iter().enumerate() {
        let out = &mut buffer[..key.modulus_len];
        let result = match method {
            Unwrap::Oaep(Oaep::AwsLc(algorithm), label) => key
                .oaep()
                .ok_or(Unspecified)
                .and_then(|k| k.decrypt(algorithm, wrapped, out, label))
                .map(|plain| &*plain),
            #[cfg(feature = "openssl-oaep")]
            Unwrap::Oaep(Oaep::Mixed { digest, mgf }, label) => {
                crate::xmlenc::mixed::decrypt(&key.openssl, digest, mgf, label, wrapped, out)
                    .ok_or(Unspecified)
            }
            Unwrap::Pkcs1 => key
                .pkcs1_v1_5()
                .ok_or(Unspecified)
                .and_then(|k| k.decrypt(wrapped, out))
                .map(|plain| &*plain),
        };
        // Whether the RSA padding was valid, and the length of what it held, are already
        // public inside AWS-LC and OpenSSL (both declassify them); this match only picks which bytes the
        // selection below reads, never what happens next.
        let (valid, candidate) = match result {
            Ok(unwrapped) if unwrapped.len() == cek_len => (Choice::from(1), unwrapped),
            _ => (Choice::from(0), &zeros[..]),
        };
        let take = valid & !found;
        for (byte, new) in cek.iter_mut().zip(candidate) {
            byte.conditional_assign(new, take);
        }
        index.conditional_assign(&u64::try_from(i).unwrap_or(u64::MAX), take);
        found |= take;
    }
    Ok(Unwrapped {
        cek,
        ok: found,
        index: usize::try_from(index).unwrap_or(usize::MAX),
    })
}

/// Encrypts `cek` to `key` with RSA-OAEP `oaep` (no label): the EncryptedKey's CipherValue.
pub(crate) fn wrap(key: &EncryptionKey, oaep: Oaep, cek: &[u8]) -> Result<Vec<u8>, XmlencError> {
    match oaep {
        Oaep::AwsLc(algorithm) => {
            let public = key.oaep().ok_or(XmlencError::EncryptionFailed)?;
            let mut wrapped = vec![0u8; public.ciphertext_size()];
            let len = public
                .encrypt(algorithm, cek, &mut wrapped, None)
                .map_err(|_| XmlencError::EncryptionFailed)?
                .len();
            wrapped.truncate(len);
            Ok(wrapped)
        }
        #[cfg(feature = "openssl-oaep")]
        Oaep::Mixed { digest, mgf } => {
            crate::xmlenc::mixed::encrypt(&key.openssl, digest, mgf, cek)
                .ok_or(XmlencError::EncryptionFailed)
        }
    }
}

/// Checks that a CipherValue of `len` bytes can be what `algorithm` produces. Public: it
/// depends only on the text received.
pub(crate) fn check_length(algorithm: DataEncryption, len: usize) -> Result<(), XmlencError> {
    let (fits, expected) = if algorithm.is_cbc() {
        (
            len >= 2 * BLOCK && len.is_multiple_of(BLOCK),
            "a 16-byte IV followed by one or more whole 16-byte blocks",
        )
    } else {
        (
            len >= GCM_IV + GCM_TAG,
            "a 12-byte IV, the ciphertext and a 16-byte tag",
        )
    };
    if fits {
        Ok(())
    } else {
        Err(XmlencError::CipherValueLength {
            element: "EncryptedData",
            len,
            expected,
        })
    }
}

/// The outcome of the symmetric step: the plaintext is `data[start..start + len]` if `ok`.
pub(crate) struct Opened {
    pub(crate) ok: Choice,
    pub(crate) start: usize,
    pub(crate) len: usize,
}

/// Decrypts `data` (a CipherValue that passed [`check_length`]) in place with `cek`, whatever
/// the CEK is: the unwrapped one or the random substitute.
pub(crate) fn open(algorithm: DataEncryption, cek: &[u8], data: &mut [u8]) -> Opened {
    let failed = Opened {
        ok: Choice::from(0),
        start: 0,
        len: 0,
    };
    let aead = match algorithm {
        DataEncryption::Aes128Gcm => &aead::AES_128_GCM,
        DataEncryption::Aes192Gcm => &aead::AES_192_GCM,
        DataEncryption::Aes256Gcm => &aead::AES_256_GCM,
        cbc => return open_cbc(cbc, cek, data).unwrap_or(failed),
    };
    // CEK length and IV length are right by construction; an error here is one more failure.
    let Ok(key) = UnboundKey::new(aead, cek) else {
        return failed;
    };
    let Ok(nonce) = Nonce::try_assume_unique_for_key(&data[..GCM_IV]) else {
        return failed;
    };
    // IV || ciphertext || tag: the plaintext is moved to the front of `data`.
    match LessSafeKey::new(key).open_within(nonce, Aad::empty(), data, GCM_IV..) {
        Ok(plaintext) => Opened {
            ok: Choice::from(1),
            start: 0,
            len: plaintext.len(),
        },
        Err(_) => failed,
    }
}

/// AES-CBC: IV || ciphertext, then the XML Encryption padding (§5.2.1: the last octet is the
/// pad length, 1 to 16; the other pad octets are arbitrary, so this is *not* PKCS#7, which
/// would refuse xmlsec's and Java's random filler).
fn open_cbc(algorithm: DataEncryption, cek: &[u8], data: &mut [u8]) -> Option<Opened> {
    let cipher = match algorithm {
        DataEncryption::Aes128Cbc => &AES_128,
        DataEncryption::Aes192Cbc => &AES_192,
        _ => &AES_256,
    };
    let key = DecryptingKey::cbc(UnboundCipherKey::new(cipher, cek).ok()?).ok()?;
    let iv = FixedLength::<BLOCK>::try_from(&data[..BLOCK]).ok()?;
    let plaintext = key
        .decrypt(&mut data[BLOCK..], DecryptionContext::Iv128(iv))
        .ok()?;
    let padded_len = plaintext.len();
    let pad = *plaintext.last()?;
    // 1 <= pad <= 16, without a branch on the (secret) pad octet.
    let valid = pad.ct_gt(&0) & !pad.ct_gt(&16);
    let padded = u64::try_from(padded_len).ok()?;
    let unpadded = u64::conditional_select(&0, &padded.saturating_sub(u64::from(pad)), valid);
    Some(Opened {
        ok: valid,
        start: BLOCK,
        len: usize::try_from(unpadded).ok()?,
    })
}

/// Encrypts `plaintext` with `cek` under `algorithm`, with a fresh random IV: the CipherValue.
pub(crate) fn seal(
    algorithm: DataEncryption,
    cek: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, XmlencError> {
    let failed = |_| XmlencError::EncryptionFailed;
    let aead = match algorithm {
        DataEncryption::Aes128Gcm => &aead::AES_128_GCM,
        DataEncryption::Aes192Gcm => &aead::AES_192_GCM,
        DataEncryption::Aes256Gcm => &aead::AES_256_GCM,
        cbc => return seal_cbc(cbc, cek, plaintext),
    };
    // A fresh random CEK per message, so a random 96-bit IV is never reused with it.
    let mut iv = [0u8; GCM_IV];
    rand::fill(&mut iv).map_err(|_| XmlencError::Randomness)?;
    let key = LessSafeKey::new(UnboundKey::new(aead, cek).map_err(failed)?);
    let mut out = Vec::with_capacity(GCM_IV + plaintext.len() + GCM_TAG);
    out.extend_from_slice(&iv);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::empty(),
            &mut out[GCM_IV..],
        )
        .map_err(failed)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// AES-CBC with XML Encryption padding: random filler octets, then the pad length.
fn seal_cbc(
    algorithm: DataEncryption,
    cek: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, XmlencError> {
    let failed = |_| XmlencError::EncryptionFailed;
    let cipher = match algorithm {
        DataEncryption::Aes128Cbc => &AES_128,
        DataEncryption::Aes192Cbc => &AES_192,
        _ => &AES_256,
    };
    let pad = BLOCK - plaintext.len() % BLOCK; // 1..=16
    let mut out = vec![0u8; BLOCK + plaintext.len() + pad];
    // The IV and the filler in one draw; the filler's last octet is then the pad length.
    let (iv, rest) = out.split_at_mut(BLOCK);
    rand::fill(iv).map_err(|_| XmlencError::Randomness)?;
    let (body, padding) = rest.split_at_mut(plaintext.len());
    body.copy_from_slice(plaintext);
    rand::fill(padding).map_err(|_| XmlencError::Randomness)?;
    if let Some(last) = padding.last_mut() {
        *last = u8::try_from(pad).map_err(|_| XmlencError::EncryptionFailed)?;
    }
    let iv = FixedLength::<BLOCK>::try_from(&*iv).map_err(failed)?;
    let key =
        EncryptingKey::cbc(UnboundCipherKey::new(cipher, cek).map_err(failed)?).map_err(failed)?;
    key.less_safe_encrypt(rest, EncryptionContext::Iv128(iv))
        .map_err(failed)?;
    Ok(out)
}
