//! What the three sites share: HTML pages, sessions with CSRF tokens, passwords, random
//! tokens, the SQLite key-value file each org keeps its settings in.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use aws_lc_rs::{constant_time, pbkdf2, rand};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use saml_axum::escape as esc;

/// A form as submitted: each field once.
pub type Fields = HashMap<String, String>;

/// The value of a form field, trimmed ("" when absent).
pub fn field<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

/// A checkbox: present when ticked.
pub fn ticked(form: &Fields, name: &str) -> bool {
    form.contains_key(name)
}

/// `bytes` random bytes as base64url.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf).expect("the system's random number generator");
    URL_SAFE_NO_PAD.encode(&buf)
}

const PBKDF2_ROUNDS: u32 = 100_000;

/// `salt$hash` of a password (PBKDF2-HMAC-SHA256).
pub fn hash_password(password: &str) -> String {
    let salt = random_token(16);
    let mut out = [0u8; 32];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(PBKDF2_ROUNDS).expect("non-zero"),
        salt.as_bytes(),
        password.as_bytes(),
        &mut out,
    );
    format!("{salt}${}", STANDARD.encode(out))
}

/// Whether `password` matches a [`hash_password`] value (constant-time comparison).
pub fn check_password(stored: &str, password: &str) -> bool {
    let Some((salt, hash)) = stored.split_once('$') else {
        return false;
    };
    let Ok(hash) = STANDARD.decode(hash) else {
        return false;
    };
    pbkdf2::verify(
        pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(PBKDF2_ROUNDS).expect("non-zero"),
        salt.as_bytes(),
        password.as_bytes(),
        &hash,
    )
    .is_ok()
}

/// Constant-time string equality.
pub fn same(a: &str, b: &str) -> bool {
    constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

/// One signed-in browser.
#[derive(Clone, Debug)]
pub struct Session {
    /// The user (Org1: login; Org2: directory user id).
    pub user: String,
    /// Whether the user may use the admin pages.
    pub admin: bool,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
}

/// Server-side sessions behind a random cookie. Kept in memory: a restart signs everyone out
/// (the orgs' state itself is in SQLite).
pub struct Sessions {
    cookie: &'static str,
    same_site: &'static str,
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub fn new(cookie: &'static str, same_site: &'static str) -> Self {
        Self {
            cookie,
            same_site,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The session of this request, if any.
    pub fn get(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers, self.cookie)?;
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned()
    }

    /// Starts a session; the `Set-Cookie` value to send.
    pub fn start(&self, user: &str, admin: bool) -> String {
        let id = random_token(32);
        let session = Session {
            user: user.to_owned(),
            admin,
            csrf: random_token(24),
        };
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), session);
        format!(
            "{}={id}; Path=/; HttpOnly; SameSite={}",
            self.cookie, self.same_site
        )
    }

    /// Ends the request's session; the `Set-Cookie` value that removes the cookie.
    pub fn end(&self, headers: &HeaderMap) -> String {
        if let Some(id) = cookie(headers, self.cookie) {
            self.map
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
        }
        format!(
            "{}=; Path=/; HttpOnly; SameSite={}; Max-Age=0",
            self.cookie, self.same_site
        )
    }
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The admin session of the request, with the form's CSRF token checked when `form` is given;
/// otherwise the response to send (the login page, or 403).
#[allow(clippy::result_large_err)]
pub fn admin(
    sessions: &Sessions,
    headers: &HeaderMap,
    form: Option<&Fields>,
) -> Result<Session, Response> {
    let Some(session) = sessions.get(headers).filter(|s| s.admin) else {
        return Err(redirect("/login?admin=1"));
    };
    if let Some(form) = form
        && !same(field(form, "csrf"), &session.csrf)
    {
        return Err(error_page(
            StatusCode::FORBIDDEN,
            "Form expired",
            "The form's CSRF token does not match this session (it was opened in another \
             session, or the session ended). Nothing was saved. Open the page again.",
        ));
    }
    Ok(session)
}

/// The hidden CSRF field of a form.
pub fn csrf_input(session: &Session) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&session.csrf)
    )
}

/// A 303 to `to`.
pub fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// `response` with a `Set-Cookie`.
pub fn with_cookie(mut response: Response, set_cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(set_cookie) {
        response.headers_mut().append(SET_COOKIE, v);
    }
    response
}

const STYLE: &str = "body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#222}\
header{border-bottom:2px solid #446;margin-bottom:1em;padding-bottom:.5em}\
header a{margin-right:1em}label{display:block;margin-top:.6em;font-weight:bold}\
input[type=text],input[type=password],input[type=url],select,textarea{width:100%;padding:.3em;box-sizing:border-box}\
.err{color:#b00;font-weight:bold}.ok{color:#070;font-weight:bold}.hint{color:#555;font-size:90%}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}\
.tile{display:inline-block;border:1px solid #446;border-radius:6px;padding:1em;margin:.5em;text-decoration:none}\
code{background:#eee;padding:0 .2em}fieldset{margin-top:1em}";

/// A whole page: `site` names the org in the header, `nav` is already HTML.
pub fn page(site: &str, title: &str, nav: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t} · {s}</title>\
         <style>{STYLE}</style></head><body><header><strong>{s}</strong> · {nav}</header>\
         <h1>{t}</h1>{body}</body></html>",
        t = esc(title),
        s = esc(site),
    ))
}

/// A refusal page: `why` is plain text.
pub fn error_page(status: StatusCode, title: &str, why: &str) -> Response {
    (
        status,
        page(
            "Error",
            title,
            "<a href=\"/\">Home</a>",
            &format!("<p id=\"error\" class=\"err\">{}</p>", esc(why)),
        ),
    )
        .into_response()
}

/// A message under a form field, when there is one.
pub fn field_error(errors: &HashMap<&'static str, String>, name: &str) -> String {
    errors.get(name).map_or_else(String::new, |e| {
        format!(
            "<div class=\"err\" id=\"err-{}\">{}</div>",
            esc(name),
            esc(e)
        )
    })
}

/// Each org's settings: one SQLite file of JSON values.
pub struct Kv {
    conn: Mutex<rusqlite::Connection>,
}

impl Kv {
    pub fn open(path: &Path) -> Result<Self, String> {
        let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; \
             CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )
        .map_err(|e| e.to_string())?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, String> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let text: Option<String> = conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e.to_string()),
            })?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| format!("{key}: {e}")))
            .transpose()
    }

    pub fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<(), String> {
        let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        conn.execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, text.as_str()],
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    }
}

/// A signing key (P-256) kept under `name`, made on first start, and its self-signed X.509
/// certificate kept under `{name}_certificate` (made at start when missing, so data dirs from
/// before certificates get one); the PKCS#8 DER and the certificate's PEM. `common_name` is the
/// certificate's subject and issuer CN.
pub fn signing_key(kv: &Kv, name: &str, common_name: &str) -> Result<(Vec<u8>, String), String> {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
    let pkcs8 = match kv.get::<String>(name)? {
        Some(b64) => STANDARD.decode(b64).map_err(|e| e.to_string())?,
        None => {
            let doc = EcdsaKeyPair::generate_pkcs8(
                &ECDSA_P256_SHA256_ASN1_SIGNING,
                &aws_lc_rs::rand::SystemRandom::new(),
            )
            .map_err(|_| "key generation failed".to_owned())?;
            let der = doc.as_ref().to_vec();
            kv.put(name, &STANDARD.encode(&der))?;
            der
        }
    };
    let cert_name = format!("{name}_certificate");
    let pem = match kv.get::<String>(&cert_name)? {
        Some(pem) => pem,
        None => {
            let pem = self_signed(&pkcs8, common_name)?;
            kv.put(&cert_name, &pem)?;
            pem
        }
    };
    Ok((pkcs8, pem))
}

/// A self-signed certificate for the P-256 key in `pkcs8`, valid for about ten years.
fn self_signed(pkcs8: &[u8], common_name: &str) -> Result<String, String> {
    use rcgen::{CertificateParams, DnType, KeyPair};
    let key = KeyPair::try_from(pkcs8).map_err(|e| format!("signing key: {e}"))?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    // From January 1st of last year (so a year boundary can't put it in the future) for
    // eleven years; rcgen's default runs 1975 to 4096.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let year = i32::try_from(1970 + secs / 31_556_952).map_err(|e| e.to_string())? - 1;
    params.not_before = rcgen::date_time_ymd(year, 1, 1);
    params.not_after = rcgen::date_time_ymd(year + 11, 1, 1);
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("certificate: {e}"))?;
    Ok(cert.pem())
}

/// Whether `url` is an absolute http(s) URL with a host.
pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}
