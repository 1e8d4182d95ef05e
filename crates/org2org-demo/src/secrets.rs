//! Secrets at rest: a 32-byte key in a file of the data directory, and values sealed with it
//! (AES-256-GCM) before they go to SQLite.
//!
//! What this protects: a copy of an org's SQLite file alone (a backup, a file sent for a bug
//! report) no longer holds the secret. What it does not: whoever can read the data directory
//! reads the key file beside the database, and whoever can read the process's memory (or run
//! as its user) reads the key and the opened secrets.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The key file's length: an AES-256 key.
pub const KEY_LEN: usize = 32;

/// The key that seals an org's secrets, read from (or made in) its key file.
pub struct SecretKey {
    key: LessSafeKey,
    path: PathBuf,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Why a sealed value was not opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// Not the `nonce ‖ ciphertext ‖ tag` base64url this module writes.
    Malformed,
    /// The tag does not match: another key file, a changed value, or another purpose.
    Refused,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the stored value is not a sealed value",
            Self::Refused => {
                "the stored value does not open with this key file (another key file, or a \
                 changed value)"
            }
        })
    }
}

impl SecretKey {
    /// The key in `path`, made there (32 random bytes, mode 0600 on unix) when the file is
    /// absent. Refused, with what to do: a file of another length, or (unix) one that group or
    /// others may read or write.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        let bytes = match create(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path)?,
            Err(e) => {
                return Err(format!(
                    "{}: cannot create the key file: {e}",
                    path.display()
                ));
            }
        };
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| format!("{}: not an AES-256 key", path.display()))?;
        Ok(Self {
            key: LessSafeKey::new(key),
            path: path.to_owned(),
        })
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `plaintext` sealed for `purpose` (the AAD: a value sealed for one purpose does not open
    /// for another): base64url of a random 96-bit nonce, the ciphertext and the 128-bit tag.
    pub fn seal(&self, purpose: &[u8], plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce).expect("the system's random number generator");
        let mut in_out = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose),
                &mut in_out,
            )
            .expect("AES-GCM seals any value shorter than 64 GiB");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&in_out);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The plaintext of a [`seal`](Self::seal) value for `purpose`; refused (never garbage) when
    /// the key, the value or the purpose differs.
    pub fn open(&self, purpose: &[u8], sealed: &str) -> Result<String, OpenError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| OpenError::Malformed)?;
        if bytes.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(OpenError::Malformed);
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError::Malformed)?;
        let mut in_out = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose), &mut in_out)
            .map_err(|_| OpenError::Refused)?;
        String::from_utf8(plain.to_vec()).map_err(|_| OpenError::Malformed)
    }
}

/// Makes the key file with 32 random bytes; `AlreadyExists` when there is one. A file left
/// half-written is removed.
fn create(path: &Path) -> std::io::Result<[u8; KEY_LEN]> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let mut key = [0u8; KEY_LEN];
    rand::fill(&mut key).map_err(|_| std::io::Error::other("no random bytes"))?;
    if let Err(e) = file.write_all(&key).and_then(|()| file.sync_all()) {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(key)
}

/// Reads an existing key file, checking its length and (unix) its permissions.
fn read(path: &Path) -> Result<[u8; KEY_LEN], String> {
    let shown = path.display();
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("{shown}: cannot read the key file: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{shown}: cannot read the key file: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown}: the key file is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "{shown}: the key file has mode {mode:04o}: group or others may read it. It seals \
                 the secrets in the org's database; if it may have been read, treat them as \
                 exposed (create a new API token in Org2). Then run `chmod 600 {shown}` and \
                 start again."
            ));
        }
    }
    let mut key = [0u8; KEY_LEN];
    let mut extra = Vec::new();
    let ok = u64::try_from(KEY_LEN).is_ok_and(|n| meta.len() == n)
        && file.read_exact(&mut key).is_ok()
        && file.read_to_end(&mut extra).is_ok_and(|n| n == 0);
    if !ok {
        return Err(format!(
            "{shown}: the key file has {} bytes, a key file has {KEY_LEN}. Put the right key file \
             back; or delete it to start with a new key (the secrets sealed with the old one, \
             Org2's API token in Org1, then can't be read and must be entered again).",
            meta.len()
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::testing::TempDb;

    const PURPOSE: &[u8] = b"test/purpose";

    #[test]
    fn a_sealed_value_opens_with_its_key_and_purpose_only() {
        let dir = TempDb::new("seal");
        let key = SecretKey::load_or_create(&dir.0.join("a.key")).expect("key");
        let sealed = key.seal(PURPOSE, "00secret-token");
        assert!(!sealed.contains("secret"), "{sealed}");
        assert_ne!(sealed, key.seal(PURPOSE, "00secret-token"), "a nonce each");
        assert_eq!(key.open(PURPOSE, &sealed).as_deref(), Ok("00secret-token"));
        assert_eq!(key.open(b"other", &sealed), Err(OpenError::Refused));
        let other = SecretKey::load_or_create(&dir.0.join("b.key")).expect("key");
        assert_eq!(other.open(PURPOSE, &sealed), Err(OpenError::Refused));
        assert_eq!(key.open(PURPOSE, "not base64!"), Err(OpenError::Malformed));
        assert_eq!(key.open(PURPOSE, "AAAA"), Err(OpenError::Malformed));
    }

    #[test]
    fn the_same_key_is_read_back() {
        let dir = TempDb::new("key-reread");
        let path = dir.0.join("k.key");
        let sealed = SecretKey::load_or_create(&path)
            .expect("made")
            .seal(PURPOSE, "v");
        let again = SecretKey::load_or_create(&path).expect("read");
        assert_eq!(again.open(PURPOSE, &sealed).as_deref(), Ok("v"));
    }

    #[test]
    fn a_key_file_of_another_length_is_refused() {
        let dir = TempDb::new("key-length");
        let path = dir.0.join("k.key");
        for len in [0, 31, 33] {
            std::fs::write(&path, vec![7u8; len]).expect("write");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .expect("chmod");
            }
            let e = SecretKey::load_or_create(&path).expect_err("refused");
            assert!(
                e.contains(&format!("has {len} bytes")) && e.contains("k.key"),
                "{e}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_made_0600_and_a_group_readable_one_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = TempDb::new("key-mode");
        let path = dir.0.join("k.key");
        SecretKey::load_or_create(&path).expect("made");
        let meta = std::fs::metadata(&path).expect("stat");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(usize::try_from(meta.len()).ok(), Some(KEY_LEN));
        for mode in [0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
            let e = SecretKey::load_or_create(&path).expect_err("refused");
            assert!(
                e.contains(&format!("mode {mode:04o}")) && e.contains("chmod 600"),
                "{e}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        SecretKey::load_or_create(&path).expect("accepted again at 0600");
    }
}
