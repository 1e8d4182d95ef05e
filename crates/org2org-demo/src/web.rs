//! What the three sites share: HTML pages, sessions with CSRF tokens, passwords, random
//! tokens, the SQLite key-value file each org keeps its settings in.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

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

/// How long a session lasts from its sign-in (the cookie's `Max-Age` and the row's expiry).
pub const SESSION_TTL_SECS: u64 = 8 * 3600;

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// SHA-256 of a cookie token: what the `sessions` table keys rows by, so the database never
/// holds a token a browser could present.
fn token_digest(token: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

/// Server-side sessions behind a random cookie, in the org's SQLite file (table `sessions`,
/// shared with [`Kv`]): a restart keeps everyone signed in. Rows are keyed by the cookie's name
/// and the SHA-256 of its token (never the token itself), and carry an expiry: an expired row
/// is no session and is deleted when seen, and every sign-in deletes all expired rows.
pub struct Sessions {
    cookie: &'static str,
    same_site: &'static str,
    conn: Arc<Mutex<rusqlite::Connection>>,
}

impl Sessions {
    /// The session of this request, if any.
    pub fn get(&self, headers: &HeaderMap) -> Option<Session> {
        self.get_at(headers, now_secs())
    }

    fn get_at(&self, headers: &HeaderMap, now: u64) -> Option<Session> {
        let token = cookie(headers, self.cookie)?;
        let digest = token_digest(&token);
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let row = conn.query_row(
            "SELECT user, admin, csrf, expires FROM sessions WHERE cookie = ?1 AND token_sha256 = ?2",
            rusqlite::params![self.cookie, digest],
            |r| {
                Ok((
                    Session {
                        user: r.get(0)?,
                        admin: r.get(1)?,
                        csrf: r.get(2)?,
                    },
                    r.get::<_, i64>(3)?,
                ))
            },
        );
        match row {
            Ok((session, expires)) if u64::try_from(expires).is_ok_and(|e| now < e) => {
                Some(session)
            }
            Ok(_) => {
                if let Err(e) = conn.execute(
                    "DELETE FROM sessions WHERE cookie = ?1 AND token_sha256 = ?2",
                    rusqlite::params![self.cookie, digest],
                ) {
                    eprintln!("sessions: an expired session stays: {e}");
                }
                None
            }
            Err(rusqlite::Error::QueryReturnedNoRows) => None,
            Err(e) => {
                eprintln!("sessions: {e}");
                None
            }
        }
    }

    /// Starts a session; the `Set-Cookie` value to send, or the page saying it was not saved.
    #[allow(clippy::result_large_err)]
    pub fn start(&self, user: &str, admin: bool) -> Result<String, Response> {
        self.start_at(user, admin, now_secs()).map_err(|e| {
            error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Not signed in",
                &format!("The session could not be saved in the org's database: {e}"),
            )
        })
    }

    fn start_at(&self, user: &str, admin: bool, now: u64) -> Result<String, String> {
        let token = random_token(32);
        let expires =
            i64::try_from(now.saturating_add(SESSION_TTL_SECS)).map_err(|e| e.to_string())?;
        let now = i64::try_from(now).map_err(|e| e.to_string())?;
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        tx.execute("DELETE FROM sessions WHERE expires <= ?1", [now])
            .map_err(|e| e.to_string())?;
        tx.execute(
            "INSERT INTO sessions (cookie, token_sha256, user, admin, csrf, expires) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                self.cookie,
                token_digest(&token),
                user,
                admin,
                random_token(24),
                expires
            ],
        )
        .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
        Ok(format!(
            "{}={token}; Path=/; HttpOnly; SameSite={}; Max-Age={SESSION_TTL_SECS}",
            self.cookie, self.same_site
        ))
    }

    /// Ends the request's session; the `Set-Cookie` value that removes the cookie.
    pub fn end(&self, headers: &HeaderMap) -> String {
        if let Some(token) = cookie(headers, self.cookie) {
            let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = conn.execute(
                "DELETE FROM sessions WHERE cookie = ?1 AND token_sha256 = ?2",
                rusqlite::params![self.cookie, token_digest(&token)],
            ) {
                eprintln!("sessions: not ended: {e}");
            }
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

/// Login CSRF: the sign-in forms come before any session, so their CSRF token is a random
/// value in a cookie of its own (`Path=/login`, `HttpOnly`, `SameSite=Strict`) that the form
/// repeats in a hidden field; a sign-in POST is taken only when both are there and equal
/// (compared in constant time). A page on another site can make the browser POST a form,
/// but can neither read nor set the cookie, so it cannot sign the victim in to the
/// attacker's account.
pub struct LoginCsrf {
    cookie: &'static str,
}

/// The hidden field of a sign-in form holding the [`LoginCsrf`] token.
pub const LOGIN_CSRF_FIELD: &str = "login_csrf";
const LOGIN_CSRF_BYTES: usize = 24;

impl LoginCsrf {
    pub const fn new(cookie: &'static str) -> Self {
        Self { cookie }
    }

    /// The token this browser's sign-in form carries: its cookie's, when it has a well-formed
    /// one (so two open sign-in tabs both work), otherwise a new one and the `Set-Cookie`
    /// that gives it.
    pub fn token(&self, headers: &HeaderMap) -> (String, Option<String>) {
        if let Some(t) = cookie(headers, self.cookie).filter(|t| {
            URL_SAFE_NO_PAD
                .decode(t)
                .is_ok_and(|b| b.len() == LOGIN_CSRF_BYTES)
        }) {
            return (t, None);
        }
        let t = random_token(LOGIN_CSRF_BYTES);
        let set = format!(
            "{}={t}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600",
            self.cookie
        );
        (t, Some(set))
    }

    /// Whether the form's token is the cookie's; otherwise which of the two disagreed.
    pub fn check(&self, headers: &HeaderMap, form: &Fields) -> Result<(), String> {
        let from_cookie = cookie(headers, self.cookie).unwrap_or_default();
        let from_form = field(form, LOGIN_CSRF_FIELD);
        let cookie_name = self.cookie;
        match (from_cookie.is_empty(), from_form.is_empty()) {
            (true, true) => Err(format!(
                "the sign-in form has no `{LOGIN_CSRF_FIELD}` field and no `{cookie_name}` cookie came with it (it was not sent from this site's sign-in page)"
            )),
            (true, false) => Err(format!(
                "no `{cookie_name}` cookie came with the form's `{LOGIN_CSRF_FIELD}` field (the cookie expired or was refused, or the form was sent from another site)"
            )),
            (false, true) => Err(format!(
                "the sign-in form has no `{LOGIN_CSRF_FIELD}` field to match the `{cookie_name}` cookie (it was not sent from this site's sign-in page)"
            )),
            (false, false) if same(&from_cookie, from_form) => Ok(()),
            (false, false) => Err(format!(
                "the form's `{LOGIN_CSRF_FIELD}` field differs from the `{cookie_name}` cookie (the form was opened in another browser, or sent from another site)"
            )),
        }
    }

    /// A sign-in page with `status`: `render` gets the token for the hidden field; the
    /// response carries the cookie when it is new.
    pub fn page(
        &self,
        headers: &HeaderMap,
        status: StatusCode,
        render: impl FnOnce(&str) -> Html<String>,
    ) -> Response {
        let (token, set) = self.token(headers);
        let response = (status, render(&token)).into_response();
        match set {
            Some(set) => with_cookie(response, &set),
            None => response,
        }
    }
}

/// The hidden field of a sign-in form.
pub fn login_csrf_input(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{LOGIN_CSRF_FIELD}\" value=\"{}\">",
        esc(token)
    )
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

/// Each org's settings: one SQLite file of JSON values (table `kv`), and its sessions (table
/// `sessions`, see [`Sessions`]).
pub struct Kv {
    conn: Arc<Mutex<rusqlite::Connection>>,
}

impl Kv {
    pub fn open(path: &Path) -> Result<Self, String> {
        let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
        // secure_delete: a value overwritten (an org's state saved again) is zeroed in the
        // file, not left in a free page, so a secret replaced by its sealed form is gone.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON; \
             CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL); \
             CREATE TABLE IF NOT EXISTS sessions (cookie TEXT NOT NULL, \
               token_sha256 BLOB NOT NULL, user TEXT NOT NULL, admin INTEGER NOT NULL, \
               csrf TEXT NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (cookie, token_sha256));",
        )
        .map_err(|e| e.to_string())?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// The sessions behind cookie `cookie` (`SameSite=same_site`), kept in this file.
    pub fn sessions(&self, cookie: &'static str, same_site: &'static str) -> Sessions {
        Sessions {
            cookie,
            same_site,
            conn: Arc::clone(&self.conn),
        }
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

    /// Copies the WAL into the database file and empties the WAL (after a secret's plaintext
    /// was overwritten: no older copy of its page stays in the WAL).
    pub fn checkpoint(&self) -> Result<(), String> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        if busy != 0 {
            return Err("the WAL checkpoint was blocked by another connection".to_owned());
        }
        Ok(())
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

/// What the unit tests of the three sites share.
#[cfg(test)]
pub mod testing {
    use axum::body::Body;
    use axum::http::Request;

    use super::*;

    /// A fresh directory under the temp dir, removed on drop.
    pub struct TempDb(pub std::path::PathBuf);

    impl TempDb {
        pub fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "org2org-{name}-{}-{}",
                std::process::id(),
                random_token(6)
            ));
            std::fs::create_dir_all(&dir).expect("temp dir");
            Self(dir)
        }

        pub fn file(&self) -> std::path::PathBuf {
            self.0.join("org.sqlite")
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// `application/x-www-form-urlencoded` of one value.
    fn encode(v: &str) -> String {
        v.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// Sends a request to `router`: the status, the `Set-Cookie` values and the body.
    pub async fn send(
        router: &axum::Router,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Vec<String>, String) {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        let req = req.body(Body::from(body)).expect("request");
        let mut router = router.clone();
        let response = match tower::Service::call(&mut router, req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status();
        let cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        (
            status,
            cookies,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// The value `Set-Cookie` gives cookie `name`, if it does.
    pub fn set_value(cookies: &[String], name: &str) -> Option<String> {
        cookies.iter().find_map(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .filter(|(k, v)| *k == name && !v.is_empty())
                .map(|(_, v)| v.to_owned())
        })
    }

    /// Checks that the sign-in form at `/login` takes a POST of the right password only with
    /// its CSRF cookie and matching field; `session_cookie` is the cookie a sign-in sets.
    pub async fn login_csrf_is_enforced(
        router: &axum::Router,
        csrf_cookie: &str,
        session_cookie: &str,
        user: &str,
        password: &str,
    ) {
        let (status, cookies, body) = send(router, "GET", "/login", None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        let token = set_value(&cookies, csrf_cookie).expect("the form sets its CSRF cookie");
        assert!(body.contains(&login_csrf_input(&token)), "{body}");
        let cookie = format!("{csrf_cookie}={token}");
        let other = random_token(LOGIN_CSRF_BYTES);
        let refused: [(&str, Option<&str>, Option<&str>); 4] = [
            ("no cookie, no field", None, None),
            ("the field without the cookie", None, Some(token.as_str())),
            ("the cookie without the field", Some(cookie.as_str()), None),
            ("a wrong field", Some(cookie.as_str()), Some(other.as_str())),
        ];
        for (case, cookie, field) in refused {
            let mut form = vec![("username", user), ("password", password)];
            if let Some(f) = field {
                form.push((LOGIN_CSRF_FIELD, f));
            }
            let (status, cookies, body) = send(router, "POST", "/login", cookie, &form).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{case}: {body}");
            assert!(
                set_value(&cookies, session_cookie).is_none(),
                "{case}: signed in: {cookies:?}"
            );
            assert!(body.contains("Sign-in refused"), "{case}: {body}");
            assert!(
                body.contains(csrf_cookie),
                "{case}: names the cookie: {body}"
            );
        }
        let form = [
            ("username", user),
            ("password", password),
            (LOGIN_CSRF_FIELD, token.as_str()),
        ];
        let (status, cookies, body) = send(router, "POST", "/login", Some(&cookie), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert!(set_value(&cookies, session_cookie).is_some(), "{cookies:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::TempDb;
    use super::*;

    fn with(name: &str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_str(&format!("{name}={value}")).expect("header"),
        );
        h
    }

    /// The token of a `Set-Cookie` value.
    fn token(set_cookie: &str) -> String {
        set_cookie
            .split(';')
            .next()
            .and_then(|kv| kv.split_once('='))
            .map(|(_, v)| v.to_owned())
            .expect("name=value")
    }

    fn rows(kv: &Kv) -> i64 {
        kv.conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
            .expect("count")
    }

    #[test]
    fn a_session_survives_reopening_the_file() {
        let db = TempDb::new("reopen");
        let set = {
            let kv = Kv::open(&db.file()).expect("open");
            kv.sessions("sid", "Lax")
                .start("casey", true)
                .expect("start")
        };
        assert!(
            set.contains(&format!("Max-Age={SESSION_TTL_SECS}")),
            "{set}"
        );
        let kv = Kv::open(&db.file()).expect("reopen");
        let session = kv
            .sessions("sid", "Lax")
            .get(&with("sid", &token(&set)))
            .expect("still a session after reopening");
        assert_eq!(session.user, "casey");
        assert!(session.admin);
    }

    #[test]
    fn forged_unknown_other_and_expired_cookies_are_no_session() {
        let db = TempDb::new("refuse");
        let kv = Kv::open(&db.file()).expect("open");
        let users = kv.sessions("sid", "Lax");
        let admins = kv.sessions("admin", "Strict");
        let t0 = now_secs();
        let set = users.start_at("casey", false, t0).expect("start");
        let real = token(&set);
        assert!(users.get_at(&with("sid", &real), t0 + 1).is_some());
        // Forged: a token of the right shape that was never issued; one character changed.
        assert!(users.get(&with("sid", &random_token(32))).is_none());
        let mut changed = real.clone().into_bytes();
        changed[0] = if changed[0] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).expect("ascii");
        assert!(users.get(&with("sid", &changed)).is_none());
        assert!(users.get(&with("sid", "")).is_none());
        assert!(users.get(&HeaderMap::new()).is_none());
        // A user session's token is not an admin session.
        assert!(admins.get(&with("admin", &real)).is_none());
        // Expired: refused at the expiry, and its row deleted.
        assert_eq!(rows(&kv), 1);
        assert!(
            users
                .get_at(&with("sid", &real), t0 + SESSION_TTL_SECS)
                .is_none()
        );
        assert_eq!(rows(&kv), 0, "the expired row is cleaned");
        // Every sign-in cleans the other expired rows.
        let old = users.start_at("old", false, t0).expect("start");
        let _new = users
            .start_at("new", false, t0 + SESSION_TTL_SECS)
            .expect("start");
        assert_eq!(rows(&kv), 1);
        assert!(users.get_at(&with("sid", &token(&old)), t0 + 1).is_none());
    }

    #[test]
    fn the_token_is_not_at_rest_only_its_sha256() {
        let db = TempDb::new("at-rest");
        let kv = Kv::open(&db.file()).expect("open");
        let set = kv
            .sessions("sid", "Lax")
            .start("casey", false)
            .expect("start");
        let tok = token(&set);
        drop(kv);
        let bytes = std::fs::read(db.file()).expect("read");
        let wal = std::fs::read(db.0.join("org.sqlite-wal")).unwrap_or_default();
        let hay = [bytes, wal].concat();
        let found = |needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(!found(tok.as_bytes()), "the raw token is in the database");
        assert!(
            found(&token_digest(&tok)),
            "the token's SHA-256 keys the row"
        );
    }

    #[test]
    fn ending_a_session_deletes_it() {
        let db = TempDb::new("end");
        let kv = Kv::open(&db.file()).expect("open");
        let users = kv.sessions("sid", "Lax");
        let h = with("sid", &token(&users.start("casey", false).expect("start")));
        assert!(users.get(&h).is_some());
        assert!(users.end(&h).contains("Max-Age=0"));
        assert!(users.get(&h).is_none());
        assert_eq!(rows(&kv), 0);
    }
}
