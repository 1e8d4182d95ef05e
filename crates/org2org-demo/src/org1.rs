//! Org1, the IdP: users and groups, a login form, the "Okta Org2Org" app (sign-on settings,
//! provisioning to Org2's Users API, assignments) and the user dashboard with the app's tile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Form, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use saml_core::prelude::*;
use saml_core::saml::idp::danger as idp_danger;
use saml_provision::client::{
    Change, ClientConfig, InitialStatus, MemoryOutcomeLog, PushUser, UsersApiClient,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::secrets::SecretKey;
use crate::web::{
    Fields, Kv, LoginCsrf, Sessions, admin, check_password, csrf_input, error_page, esc, field,
    field_error, hash_password, is_http_url, login_csrf_input, page, redirect, ticked, with_cookie,
};

/// The Org2Org app's IdP entity ID (Okta's form: `http://www.okta.com/exk…`).
pub const APP_ISSUER: &str = "http://www.okta.com/exk1org2org";
const APP_SSO_PATH: &str = "/app/okta_org2org/exk1org2org/sso/saml";
const SITE: &str = "Org1 (IdP)";

/// Seeded on first start; printed by `main` and in the README.
pub const ADMIN_LOGIN: &str = "admin@org1.example";
pub const ADMIN_PASSWORD: &str = "org1-admin-pass";
pub const CONTRACTOR_LOGIN: &str = "casey.contractor@org1.example";
pub const CONTRACTOR_PASSWORD: &str = "contractor-pass";

/// The key file (in the data directory) that seals Org2's API token in `org1.sqlite`.
pub const KEY_FILE: &str = "org1-secrets.key";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct User {
    login: String,
    first_name: String,
    last_name: String,
    email: String,
    password: String,
    admin: bool,
    active: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Group {
    name: String,
    members: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct AppSettings {
    base_url: String,
    relay_state: String,
    acs_url: String,
    audience: String,
    api_token: ApiToken,
    create_users: bool,
    update_attributes: bool,
    deactivate_users: bool,
    /// Provisioning → To Okta → Import Groups.
    #[serde(default)]
    import_groups: bool,
}

/// The AAD of Org2's API token sealed in Org1's state: it opens for nothing else.
const TOKEN_PURPOSE: &[u8] = b"org1/org2-api-token";
/// The AAD of a token entered in the app page's form and carried, sealed, in a hidden field
/// until Save (after Test API Credentials, or a refused form): the page never holds it in clear.
const UNSAVED_TOKEN_PURPOSE: &[u8] = b"org1/org2-api-token/unsaved-form";

/// Org2's API token as Org1 holds it. Serialized (to SQLite) it is only ever sealed, or `""`
/// for none: no save of [`State1`] can write the plaintext, and serializing a token not sealed
/// yet fails rather than writing it.
#[derive(Clone, Default)]
enum ApiToken {
    #[default]
    Unset,
    /// Usable: the token (in memory only) and its sealed form (what is saved).
    Open { token: String, sealed: String },
    /// Sealed, as read from SQLite; [`ApiToken::unlock`] opens it.
    Sealed(String),
    /// Saved sealed, but it does not open with this key file (another key file, a changed
    /// value): kept as saved, so the right key file opens it again; not usable.
    Unreadable { sealed: String, why: String },
    /// A plaintext token from a database of before sealing, as read; [`ApiToken::unlock`]
    /// seals it. Never serialized.
    Plaintext(String),
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unset => "Unset",
            Self::Open { .. } => "Open(<redacted>)",
            Self::Sealed(_) => "Sealed",
            Self::Unreadable { .. } => "Unreadable",
            Self::Plaintext(_) => "Plaintext(<redacted>)",
        })
    }
}

/// The stored forms: `{"aes256gcm": "…"}` (sealed), or a string (`""` for none; anything else
/// is a plaintext token from before sealing).
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum StoredToken<T> {
    Sealed { aes256gcm: T },
    Plain(T),
}

impl Serialize for ApiToken {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        match self {
            Self::Unset => StoredToken::Plain("").serialize(s),
            Self::Open { sealed, .. } | Self::Sealed(sealed) | Self::Unreadable { sealed, .. } => {
                StoredToken::Sealed {
                    aes256gcm: sealed.as_str(),
                }
                .serialize(s)
            }
            Self::Plaintext(_) => Err(serde::ser::Error::custom(
                "Org2's API token is not sealed yet: not saved",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for ApiToken {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match StoredToken::<String>::deserialize(d)? {
            StoredToken::Sealed { aes256gcm } => Self::Sealed(aes256gcm),
            StoredToken::Plain(t) if t.is_empty() => Self::Unset,
            StoredToken::Plain(t) => Self::Plaintext(t),
        })
    }
}

impl ApiToken {
    /// `token` as entered (sealed now); none when empty.
    fn new(key: &SecretKey, token: &str) -> Self {
        if token.is_empty() {
            Self::Unset
        } else {
            Self::Open {
                token: token.to_owned(),
                sealed: key.seal(TOKEN_PURPOSE, token),
            }
        }
    }

    /// Opens a token as read from SQLite: a sealed one with `key` (or [`ApiToken::Unreadable`]),
    /// a plaintext one sealed. Whether it was plaintext (the state must be saved again).
    fn unlock(&mut self, key: &SecretKey) -> bool {
        match std::mem::take(self) {
            Self::Sealed(sealed) => {
                *self = match key.open(TOKEN_PURPOSE, &sealed) {
                    Ok(token) => Self::Open { token, sealed },
                    Err(e) => Self::Unreadable {
                        sealed,
                        why: e.to_string(),
                    },
                };
                false
            }
            Self::Plaintext(token) => {
                *self = Self::new(key, &token);
                true
            }
            other => {
                *self = other;
                false
            }
        }
    }

    /// The token, when Org1 has one it can read.
    fn token(&self) -> Option<&str> {
        match self {
            Self::Open { token, .. } => Some(token),
            _ => None,
        }
    }
}

/// What the app page may show of a token: its last 4 characters, when it is long enough for
/// them to give nothing useful away (at least 16).
fn token_ending(token: &str) -> String {
    let n = token.chars().count();
    if n < 16 {
        return String::new();
    }
    let last: String = token.chars().skip(n - 4).collect();
    format!(" (ending …{})", esc(&last))
}

/// A group of Org2, as the last "Import now" read it through Org2's Groups API.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ImportedGroup {
    id: String,
    name: String,
    group_type: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Assignment {
    /// `group:<name>` or `user:<login>`.
    to: String,
    initial_status: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct State1 {
    users: Vec<User>,
    groups: Vec<Group>,
    app: AppSettings,
    assignments: Vec<Assignment>,
    push_log: Vec<String>,
    /// Org2's groups, from the last import.
    #[serde(default)]
    imported_groups: Vec<ImportedGroup>,
    /// When that import ran.
    #[serde(default)]
    imported_at: String,
}

impl State1 {
    fn user(&self, login: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    /// The assignment that gives `login` the app, if any (the user must be active).
    fn assignment_of(&self, login: &str) -> Option<&Assignment> {
        let user = self.user(login).filter(|u| u.active)?;
        self.assignments
            .iter()
            .find(|a| match a.to.split_once(':') {
                Some(("user", l)) => l.eq_ignore_ascii_case(&user.login),
                Some(("group", g)) => self
                    .groups
                    .iter()
                    .any(|gr| gr.name == g && gr.members.iter().any(|m| m == &user.login)),
                _ => false,
            })
    }
}

pub struct Org1 {
    kv: Kv,
    /// Seals Org2's API token in `kv` (the data directory's `org1-secrets.key`).
    key: SecretKey,
    state: Mutex<State1>,
    /// Admin pages: `SameSite=Strict`.
    admins: Sessions,
    /// The dashboard and SSO: `SameSite=Lax`, so that Org2's SP-initiated redirect finds the
    /// user signed in.
    users: Sessions,
    /// The sign-in form's CSRF cookie.
    login_csrf: LoginCsrf,
    idp: IdentityProvider,
    /// The signing key's self-signed X.509 certificate, PEM.
    certificate_pem: String,
    /// Org1's IdP metadata for the app (`md:EntityDescriptor`).
    metadata: String,
}

type S = State<Arc<Org1>>;

impl Org1 {
    /// Org1 on `origin`, its state in `kv`; `secrets` seals Org2's API token there. A plaintext
    /// token (a database of before sealing) is sealed and saved at once.
    pub fn open(origin: &str, kv: Kv, secrets: SecretKey) -> Result<Arc<Self>, String> {
        let (pkcs8, certificate_pem) =
            crate::web::signing_key(&kv, "org1_signing_key", "Org1 SAML signing")?;
        let key = SigningKey::from_pkcs8_der(&pkcs8, Some("org1")).map_err(|e| e.to_string())?;
        let certificate = Certificate::from_pem(certificate_pem.as_bytes(), Some("org1"))
            .map_err(|e| e.to_string())?;
        let sso_url = format!("{origin}{APP_SSO_PATH}");
        // Requests are taken unsigned (see `peer`), so the metadata doesn't ask for signed ones.
        let metadata = saml_core::metadata::idp_metadata(
            APP_ISSUER,
            &sso_url,
            &[Binding::HttpRedirect, Binding::HttpPost],
            &certificate,
            false,
        );
        let idp = IdentityProvider::new(
            APP_ISSUER,
            sso_url,
            saml_core::dsig::Signer::new(key, Some(certificate)),
        );
        let state = match kv.get::<State1>("org1")? {
            Some(mut s) => {
                if s.app.api_token.unlock(&secrets) {
                    kv.put("org1", &s)?;
                    kv.checkpoint()?;
                    eprintln!(
                        "org1: Org2's API token was in plaintext in the database: now sealed with {}",
                        secrets.path().display()
                    );
                }
                s
            }
            None => {
                let s = seed();
                kv.put("org1", &s)?;
                s
            }
        };
        Ok(Arc::new(Self {
            admins: kv.sessions("org1_admin", "Strict"),
            users: kv.sessions("org1_sid", "Lax"),
            login_csrf: LoginCsrf::new("org1_login_csrf"),
            kv,
            key: secrets,
            state: Mutex::new(state),
            idp,
            certificate_pem,
            metadata,
        }))
    }

    fn snapshot(&self) -> State1 {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Saves `next` (to SQLite first, then in memory): nothing is half-saved.
    fn save(&self, next: State1) -> Result<(), Response> {
        self.kv
            .put("org1", &next)
            .map_err(|e| error_page(StatusCode::INTERNAL_SERVER_ERROR, "Not saved", &e))?;
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = next;
        Ok(())
    }

    /// What to say of a stored token that does not open (`why`), naming the key file.
    fn unreadable(&self, why: &str) -> String {
        format!(
            "The stored API token could not be read ({why}; key file {}): enter it again \
             (Org2 → Security → API → Tokens)",
            self.key.path().display()
        )
    }

    fn client(
        &self,
        app: &AppSettings,
        log: Arc<MemoryOutcomeLog>,
    ) -> Result<UsersApiClient, String> {
        let token = match &app.api_token {
            ApiToken::Open { token, .. } => token,
            ApiToken::Unreadable { why, .. } => return Err(self.unreadable(why)),
            _ => return Err("no API token".to_owned()),
        };
        UsersApiClient::new(ClientConfig::new(&app.base_url, token), log).map_err(|e| e.to_string())
    }

    /// Pushes `changes` to Org2 (when provisioning is set up) and records the outcomes.
    async fn push(&self, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        let app = self.snapshot().app;
        let mut lines = Vec::new();
        if app.base_url.is_empty() || matches!(app.api_token, ApiToken::Unset) {
            lines.push(format!(
                "not pushed ({} change(s)): provisioning has no Base URL or API token",
                changes.len()
            ));
        } else {
            let log = Arc::new(MemoryOutcomeLog::new());
            match self.client(&app, log) {
                Ok(client) => {
                    for change in &changes {
                        lines.push(client.push(change).await.to_string());
                    }
                }
                Err(e) => lines.push(format!("not pushed ({} change(s)): {e}", changes.len())),
            }
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for line in lines {
            eprintln!("org1 push: {line}");
            state.push_log.push(line);
        }
        let keep = state.push_log.len().saturating_sub(50);
        state.push_log.drain(..keep);
        // The whole state again (the token sealed, as in every save); only the log changed.
        if let Err(e) = self.kv.put("org1", &*state) {
            eprintln!("org1 push: the provisioning log was not saved: {e}");
        }
    }
}

fn seed() -> State1 {
    let user = |login: &str, first: &str, last: &str, pw: &str, admin: bool| User {
        login: login.to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: login.to_owned(),
        password: hash_password(pw),
        admin,
        active: true,
    };
    State1 {
        users: vec![
            user(ADMIN_LOGIN, "Ada", "Admin", ADMIN_PASSWORD, true),
            user(
                CONTRACTOR_LOGIN,
                "Casey",
                "Contractor",
                CONTRACTOR_PASSWORD,
                false,
            ),
        ],
        groups: vec![Group {
            name: "Contractors".to_owned(),
            members: vec![CONTRACTOR_LOGIN.to_owned()],
        }],
        app: AppSettings {
            create_users: true,
            update_attributes: true,
            deactivate_users: true,
            ..AppSettings::default()
        },
        assignments: Vec::new(),
        push_log: Vec::new(),
        imported_groups: Vec::new(),
        imported_at: String::new(),
    }
}

pub fn router(org: Arc<Org1>) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/admin", get(|| async { redirect("/admin/app") }))
        .route("/admin/people", get(people))
        .route("/admin/people/update", post(people_update))
        .route("/admin/people/status", post(people_status))
        .route("/admin/people/add", post(people_add))
        .route("/admin/groups", get(groups))
        .route("/admin/groups/create", post(group_create))
        .route("/admin/groups/add", post(group_add))
        .route("/admin/groups/remove", post(group_remove))
        .route("/admin/app", get(app_page).post(app_save))
        .route("/admin/assignments", get(assignments).post(assign))
        .route("/admin/assignments/remove", post(unassign))
        .route("/app/okta_org2org/cert.pem", get(cert))
        .route("/app/okta_org2org/metadata.xml", get(metadata))
        .route("/app/okta_org2org/launch", get(launch))
        .route(APP_SSO_PATH, get(sso_redirect).post(sso_post))
        .with_state(org)
}

fn nav(admin: bool) -> String {
    let admin_links = if admin {
        "<a href=\"/admin/people\">Directory → People</a><a href=\"/admin/groups\">Directory → Groups</a><a href=\"/admin/app\">Applications → Okta Org2Org</a>\
         <a href=\"/admin/assignments\">Assignments</a>"
    } else {
        ""
    };
    format!("<a href=\"/\">My apps</a>{admin_links}")
}

fn logout_form(session: &crate::web::Session) -> String {
    format!(
        "<form method=\"post\" action=\"/logout\">{}<button id=\"logout\">Sign out</button></form>",
        csrf_input(session)
    )
}

#[derive(Deserialize)]
struct LoginQuery {
    admin: Option<String>,
}

async fn login_form(State(org): S, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    org.login_csrf.page(&headers, StatusCode::OK, |t| {
        login_page(q.admin.is_some(), "", "", &Fields::new(), t)
    })
}

/// The sign-in form; `pending` carries an SP's AuthnRequest through it (`saml_binding`,
/// `saml_request`, `relay_state`); `csrf` is the [`LoginCsrf`](crate::web::LoginCsrf) token.
fn login_page(admin: bool, login: &str, error: &str, pending: &Fields, csrf: &str) -> Html<String> {
    let carried: String = ["saml_binding", "saml_request", "relay_state"]
        .iter()
        .filter_map(|k| pending.get(*k).map(|v| (k, v)))
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", esc(v)))
        .collect();
    let note = if pending.contains_key("saml_request") {
        "<p class=\"hint\" id=\"sp-request\">Org2 asks Org1 to sign you in.</p>".to_owned()
    } else {
        String::new()
    };
    let note = if admin {
        "<p class=\"hint\">The admin pages need an administrator's sign-in.</p>".to_owned()
    } else {
        note
    };
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<div class=\"err\" id=\"login-error\">{}</div>", esc(error))
    };
    page(
        SITE,
        "Sign in",
        "<a href=\"/\">My apps</a>",
        &format!(
            "{note}<form method=\"post\" action=\"/login\">{carried}{}\
             <label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" value=\"{}\">\
             <label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\">{error}\
             <p><button id=\"signin\">Sign in</button></p></form>",
            login_csrf_input(csrf),
            esc(login)
        ),
    )
}

async fn login(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let login = field(&form, "username");
    if let Err(why) = org.login_csrf.check(&headers, &form) {
        return org.login_csrf.page(&headers, StatusCode::FORBIDDEN, |t| {
            login_page(
                false,
                login,
                &format!("Sign-in refused: {why}. Nothing was signed in; sign in again here."),
                &form,
                t,
            )
        });
    }
    let state = org.snapshot();
    let found = state
        .user(login)
        .filter(|u| check_password(&u.password, form.get("password").map_or("", String::as_str)));
    match found {
        Some(u) if u.active => {
            let user_cookie = match org.users.start(&u.login, u.admin) {
                Ok(c) => c,
                Err(r) => return r,
            };
            let response = if form.contains_key("saml_request") {
                match received(&org, &form) {
                    Ok(request) => answer(&org, &u.login, &request),
                    Err(r) => r,
                }
            } else {
                redirect(if u.admin { "/admin/app" } else { "/" })
            };
            let response = with_cookie(response, &user_cookie);
            if u.admin {
                match org.admins.start(&u.login, true) {
                    Ok(c) => with_cookie(response, &c),
                    Err(r) => r,
                }
            } else {
                response
            }
        }
        Some(u) => org.login_csrf.page(&headers, StatusCode::FORBIDDEN, |t| {
            login_page(
                false,
                login,
                &format!("The account {} is deactivated in Org1.", u.login),
                &form,
                t,
            )
        }),
        None => org
            .login_csrf
            .page(&headers, StatusCode::UNAUTHORIZED, |t| {
                login_page(
                    false,
                    login,
                    "Unknown username or wrong password.",
                    &form,
                    t,
                )
            }),
    }
}

async fn logout(State(org): S, headers: HeaderMap) -> Response {
    let a = org.admins.end(&headers);
    with_cookie(
        with_cookie(redirect("/login"), &a),
        &org.users.end(&headers),
    )
}

async fn dashboard(State(org): S, headers: HeaderMap) -> Response {
    let Some(session) = org.users.get(&headers) else {
        return redirect("/login");
    };
    let state = org.snapshot();
    let tile = if state.assignment_of(&session.user).is_some() {
        "<a class=\"tile\" id=\"tile-org2org\" href=\"/app/okta_org2org/launch\">Okta Org2Org<br>\
         <span class=\"hint\">Org2</span></a>"
            .to_owned()
    } else {
        "<p id=\"no-apps\">No apps are assigned to you.</p>".to_owned()
    };
    page(
        SITE,
        "My apps",
        &nav(session.admin),
        &format!(
            "<p>Signed in as <strong id=\"whoami\">{}</strong></p>{tile}{}",
            esc(&session.user),
            logout_form(&session)
        ),
    )
    .into_response()
}

/// IdP-initiated SSO from the tile: a Response to the Hub ACS URL with the Default RelayState.
async fn launch(State(org): S, headers: HeaderMap) -> Response {
    let Some(session) = org.users.get(&headers) else {
        return redirect("/login");
    };
    issue_for(&org, &session.user, None)
}

/// An SP-initiated AuthnRequest from Org2 by HTTP-Redirect.
async fn sso_redirect(State(org): S, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let pending = Fields::from([
        ("saml_binding".to_owned(), "redirect".to_owned()),
        ("saml_request".to_owned(), query.unwrap_or_default()),
    ]);
    sso(&org, &headers, &pending)
}

/// An SP-initiated AuthnRequest from Org2 by HTTP-POST.
async fn sso_post(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let mut pending = Fields::from([
        ("saml_binding".to_owned(), "post".to_owned()),
        (
            "saml_request".to_owned(),
            field(&form, "SAMLRequest").to_owned(),
        ),
    ]);
    if let Some(r) = form.get("RelayState") {
        pending.insert("relay_state".to_owned(), r.clone());
    }
    sso(&org, &headers, &pending)
}

fn sso(org: &Org1, headers: &HeaderMap, pending: &Fields) -> Response {
    let request = match received(org, pending) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match org.users.get(headers) {
        Some(session) => answer(org, &session.user, &request),
        None => org.login_csrf.page(headers, StatusCode::OK, |t| {
            login_page(false, "", "", pending, t)
        }),
    }
}

fn peer(app: &AppSettings) -> SpPeer {
    idp_danger::unsigned_requests(app.audience.clone(), app.acs_url.clone())
}

/// The verified AuthnRequest carried in `pending`, or the page saying why it was refused.
#[allow(clippy::result_large_err)]
fn received(
    org: &Org1,
    pending: &Fields,
) -> Result<saml_core::saml::idp::ReceivedRequest, Response> {
    let app = org.snapshot().app;
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    let value = field(pending, "saml_request");
    let result = if field(pending, "saml_binding") == "post" {
        saml_core::binding::decode(value.as_bytes(), &DecodeLimits::default())
            .map_err(SamlError::from)
            .and_then(|d| {
                let relay = pending.get("relay_state").map(String::as_str);
                org.idp.receive_post(&peer(&app), &d.xml, relay, now)
            })
    } else {
        org.idp.receive_redirect(&peer(&app), value, now)
    };
    result.map_err(|e| {
        error_page(
            StatusCode::BAD_REQUEST,
            "AuthnRequest refused",
            &format!(
                "{} ({}). Org1's Okta Org2Org app expects Audience URI `{}` and Hub ACS URL `{}`.",
                e,
                e.kind().as_str(),
                app.audience,
                app.acs_url
            ),
        )
    })
}

fn answer(org: &Org1, login: &str, request: &saml_core::saml::idp::ReceivedRequest) -> Response {
    issue_for(org, login, Some(request))
}

/// A Response for `login` to Org2: IdP-initiated (with the Default RelayState) or answering
/// `request`.
fn issue_for(
    org: &Org1,
    login: &str,
    request: Option<&saml_core::saml::idp::ReceivedRequest>,
) -> Response {
    let session_user = login;
    let state = org.snapshot();
    let Some(user) = state.user(session_user).filter(|u| u.active) else {
        return error_page(
            StatusCode::FORBIDDEN,
            "Sign-in refused",
            "Your Org1 account is deactivated.",
        );
    };
    if state.assignment_of(&user.login).is_none() {
        return error_page(
            StatusCode::FORBIDDEN,
            "Not assigned",
            &format!(
                "{} is not assigned the Okta Org2Org app in Org1 (Applications → Okta Org2Org → \
                 Assignments: no assignment to the user or to a group of theirs).",
                user.login
            ),
        );
    }
    let app = &state.app;
    if app.acs_url.is_empty() || app.audience.is_empty() {
        return error_page(
            StatusCode::CONFLICT,
            "App not set up",
            "The Okta Org2Org app has no Hub ACS URL or Audience URI yet (Applications → Okta \
             Org2Org → Sign On): copy them from Org2's Identity Provider page.",
        );
    }
    let peer = peer(app);
    let subject = Subject::new(user.login.clone())
        .with_format("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
        .with_attribute("firstName", vec![user.first_name.clone()])
        .with_attribute("lastName", vec![user.last_name.clone()])
        .with_attribute("email", vec![user.email.clone()]);
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    match org.idp.issue(&peer, &subject, request, now) {
        Ok(xml) => {
            let relay = match request {
                Some(r) => r.relay_state.as_deref(),
                None => (!app.relay_state.is_empty()).then_some(app.relay_state.as_str()),
            };
            Html(org.idp.post_form(&peer, &xml, relay)).into_response()
        }
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not issued",
            &e.to_string(),
        ),
    }
}

async fn cert(State(org): S) -> Response {
    (
        [
            ("content-type", "application/x-pem-file"),
            (
                "content-disposition",
                "attachment; filename=\"org1-okta-org2org.pem\"",
            ),
        ],
        org.certificate_pem.clone(),
    )
        .into_response()
}

async fn metadata(State(org): S) -> Response {
    (
        [("content-type", "application/samlmetadata+xml")],
        org.metadata.clone(),
    )
        .into_response()
}

async fn people(State(org): S, headers: HeaderMap) -> Response {
    let session = match admin(&org.admins, &headers, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    people_page(&org, &session, &HashMap::new(), "").into_response()
}

fn people_page(
    org: &Org1,
    session: &crate::web::Session,
    errors: &HashMap<&'static str, String>,
    notice: &str,
) -> Html<String> {
    let state = org.snapshot();
    let mut rows = String::new();
    for u in &state.users {
        let groups: Vec<&str> = state
            .groups
            .iter()
            .filter(|g| g.members.contains(&u.login))
            .map(|g| g.name.as_str())
            .collect();
        let (status, action, label) = if u.active {
            ("ACTIVE", "deactivate", "Deactivate")
        } else {
            ("DEACTIVATED", "activate", "Activate")
        };
        rows.push_str(&format!(
            "<tr><td>{l}</td><td>{f} {la}</td><td>{e}</td><td>{g}</td><td>{status}</td>\
             <td><form method=\"post\" action=\"/admin/people/status\">{c}\
             <input type=\"hidden\" name=\"login\" value=\"{l}\"><input type=\"hidden\" name=\"action\" value=\"{action}\">\
             <button>{label}</button></form></td></tr>",
            l = esc(&u.login),
            f = esc(&u.first_name),
            la = esc(&u.last_name),
            e = esc(&u.email),
            g = esc(&groups.join(", ")),
            c = csrf_input(session),
        ));
    }
    let notice = if notice.is_empty() {
        String::new()
    } else {
        format!("<p class=\"ok\" id=\"notice\">{}</p>", esc(notice))
    };
    page(
        SITE,
        "Directory → People",
        &nav(true),
        &format!(
            "{notice}<table id=\"people\"><tr><th>Username</th><th>Name</th><th>Email</th><th>Groups</th>\
             <th>Status</th><th></th></tr>{rows}</table>\
             <h2>Add person</h2><form method=\"post\" action=\"/admin/people/add\">{c}\
             <label for=\"new_login\">Username (email)</label><input type=\"text\" id=\"new_login\" name=\"new_login\">{enl}\
             <label for=\"new_firstName\">First name</label><input type=\"text\" id=\"new_firstName\" name=\"new_firstName\">{enf}\
             <label for=\"new_lastName\">Last name</label><input type=\"text\" id=\"new_lastName\" name=\"new_lastName\">{enla}\
             <label for=\"new_password\">Password</label><input type=\"password\" id=\"new_password\" name=\"new_password\">{enp}\
             <label for=\"new_group\">Group</label><select id=\"new_group\" name=\"new_group\"><option value=\"\">(none)</option>{gopts}</select>\
             <p><button id=\"add-person\">Add person</button></p></form>\
             <h2>Edit a profile</h2><p class=\"hint\">With Update User Attributes on, the change is pushed to Org2.</p>\
             <form method=\"post\" action=\"/admin/people/update\">{c}\
             <label for=\"login\">Username</label><input type=\"text\" id=\"login\" name=\"login\">{el}\
             <label for=\"firstName\">First name</label><input type=\"text\" id=\"firstName\" name=\"firstName\">{ef}\
             <label for=\"lastName\">Last name</label><input type=\"text\" id=\"lastName\" name=\"lastName\">{ela}\
             <p><button id=\"save-profile\">Save profile</button></p></form>{lo}",
            c = csrf_input(session),
            el = field_error(errors, "login"),
            ef = field_error(errors, "firstName"),
            ela = field_error(errors, "lastName"),
            enl = field_error(errors, "new_login"),
            enf = field_error(errors, "new_firstName"),
            enla = field_error(errors, "new_lastName"),
            enp = field_error(errors, "new_password"),
            gopts = state
                .groups
                .iter()
                .map(|g| format!("<option value=\"{n}\">{n}</option>", n = esc(&g.name)))
                .collect::<String>(),
            lo = logout_form(session),
        ),
    )
}

/// Adds a person (and to a group): validated first, saved whole, then pushed when the group
/// is assigned the app and Create Users is on.
async fn people_add(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let before = org.snapshot();
    let login = field(&form, "new_login");
    let (first, last) = (field(&form, "new_firstName"), field(&form, "new_lastName"));
    let password = form.get("new_password").map_or("", String::as_str);
    let group = field(&form, "new_group");
    let mut errors = HashMap::new();
    if !login.contains('@') || login.contains(char::is_whitespace) {
        errors.insert(
            "new_login",
            format!("`{login}`: a username is an email address"),
        );
    } else if before.user(login).is_some() {
        errors.insert("new_login", format!("`{login}` already exists in Org1"));
    }
    if first.is_empty() {
        errors.insert("new_firstName", "required".to_owned());
    }
    if last.is_empty() {
        errors.insert("new_lastName", "required".to_owned());
    }
    if password.chars().count() < 8 {
        errors.insert("new_password", "at least 8 characters".to_owned());
    }
    if !group.is_empty() && !before.groups.iter().any(|g| g.name == group) {
        errors.insert("new_login", format!("no group `{group}`"));
    }
    if !errors.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            people_page(&org, &session, &errors, ""),
        )
            .into_response();
    }
    let mut next = before.clone();
    next.users.push(User {
        login: login.to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: login.to_owned(),
        password: hash_password(password),
        admin: false,
        active: true,
    });
    if let Some(g) = next.groups.iter_mut().find(|g| g.name == group) {
        g.members.push(login.to_owned());
    }
    let change = match (next.assignment_of(login), next.user(login)) {
        (Some(a), Some(u)) if next.app.create_users => Some(Change::Assigned {
            user: push_user(u),
            initial_status: InitialStatus::from_name(&a.initial_status)
                .unwrap_or(InitialStatus::ActiveWithPass),
        }),
        _ => None,
    };
    if let Err(r) = org.save(next) {
        return r;
    }
    org.push(change.into_iter().collect()).await;
    people_page(&org, &session, &HashMap::new(), &format!("Added {login}.")).into_response()
}

fn push_user(u: &User) -> PushUser {
    let mut p = PushUser::new(u.login.clone())
        .attribute("email", u.email.clone())
        .attribute("firstName", u.first_name.clone())
        .attribute("lastName", u.last_name.clone());
    p.password = None;
    p
}

async fn people_update(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut next = org.snapshot();
    let mut errors = HashMap::new();
    let login = field(&form, "login");
    let (first, last) = (field(&form, "firstName"), field(&form, "lastName"));
    if next.user(login).is_none() {
        errors.insert("login", format!("no user `{login}` in Org1"));
    }
    if first.is_empty() {
        errors.insert("firstName", "required".to_owned());
    }
    if last.is_empty() {
        errors.insert("lastName", "required".to_owned());
    }
    if !errors.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            people_page(&org, &session, &errors, ""),
        )
            .into_response();
    }
    let Some(u) = next
        .users
        .iter_mut()
        .find(|u| u.login.eq_ignore_ascii_case(login))
    else {
        return redirect("/admin/people");
    };
    u.first_name = first.to_owned();
    u.last_name = last.to_owned();
    let pushed = push_user(u);
    let login = u.login.clone();
    let push = next.app.update_attributes && next.assignment_of(&login).is_some();
    if let Err(r) = org.save(next) {
        return r;
    }
    if push {
        org.push(vec![Change::ProfileChanged { user: pushed }])
            .await;
    }
    people_page(
        &org,
        &session,
        &HashMap::new(),
        &format!("Saved the profile of {login}."),
    )
    .into_response()
}

async fn people_status(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut next = org.snapshot();
    let login = field(&form, "login").to_owned();
    let activate = field(&form, "action") == "activate";
    let was_assigned = next.assignment_of(&login).cloned();
    let Some(u) = next
        .users
        .iter_mut()
        .find(|u| u.login.eq_ignore_ascii_case(&login))
    else {
        return error_page(StatusCode::NOT_FOUND, "No such user", &login);
    };
    u.active = activate;
    let pushed = push_user(u);
    let now_assigned = next.assignment_of(&login).cloned();
    let change = match (activate, was_assigned, now_assigned) {
        (false, Some(_), _) if next.app.deactivate_users => Some(Change::Deactivated {
            login: login.clone(),
        }),
        (true, None, Some(a)) if next.app.create_users => Some(Change::Reassigned {
            user: pushed,
            initial_status: InitialStatus::from_name(&a.initial_status)
                .unwrap_or(InitialStatus::ActiveWithPass),
        }),
        _ => None,
    };
    if let Err(r) = org.save(next) {
        return r;
    }
    org.push(change.into_iter().collect()).await;
    let verb = if activate { "Activated" } else { "Deactivated" };
    people_page(&org, &session, &HashMap::new(), &format!("{verb} {login}.")).into_response()
}

async fn app_page(State(org): S, headers: HeaderMap) -> Response {
    let session = match admin(&org.admins, &headers, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let app = org.snapshot().app;
    app_html(&org, &session, &app, None, &HashMap::new(), "").into_response()
}

/// The API token's part of the app page: an empty field (the token is never written into the
/// page), what Org1 holds (set, with its last 4 characters; none; unreadable), and `unsaved`,
/// a token entered in this form but not saved yet, carried sealed in a hidden field.
fn token_html(org: &Org1, app: &AppSettings, unsaved: Option<&str>) -> String {
    let state = match (unsaved, &app.api_token) {
        (Some(t), _) => format!(
            "<div class=\"hint\" id=\"api-token-state\">An API token{} was entered, not saved \
             yet: press Save to keep it.</div>\
             <input type=\"hidden\" name=\"api_token_unsaved\" value=\"{}\">",
            token_ending(t),
            esc(&org.key.seal(UNSAVED_TOKEN_PURPOSE, t))
        ),
        (None, ApiToken::Unset) => {
            "<div class=\"hint\" id=\"api-token-state\">No API token is set.</div>".to_owned()
        }
        (None, ApiToken::Unreadable { why, .. }) => format!(
            "<div class=\"err\" id=\"api-token-state\">{}.</div>",
            esc(&org.unreadable(why))
        ),
        (None, t) => format!(
            "<div class=\"hint\" id=\"api-token-state\">An API token{} is set; leave the field \
             empty to keep it.</div>",
            t.token().map(token_ending).unwrap_or_default()
        ),
    };
    let remove = if unsaved.is_none() && !matches!(app.api_token, ApiToken::Unset) {
        "<label><input type=\"checkbox\" name=\"remove_api_token\" id=\"remove_api_token\"> \
         Remove the stored API token</label>"
    } else {
        ""
    };
    format!(
        "<label for=\"api_token\">API Token</label><input type=\"password\" id=\"api_token\" \
         name=\"api_token\" value=\"\" autocomplete=\"off\">{state}{remove}"
    )
}

fn app_html(
    org: &Org1,
    session: &crate::web::Session,
    app: &AppSettings,
    unsaved: Option<&str>,
    errors: &HashMap<&'static str, String>,
    notice: &str,
) -> Html<String> {
    let check = |on: bool| if on { " checked" } else { "" };
    let notice = if notice.is_empty() {
        String::new()
    } else {
        format!("<p class=\"ok\" id=\"notice\">{}</p>", esc(notice))
    };
    let text = |id: &str, label: &str, value: &str, hint: &str| {
        format!(
            "<label for=\"{id}\">{label}</label><input type=\"text\" id=\"{id}\" name=\"{id}\" value=\"{}\">\
             <div class=\"hint\">{hint}</div>{}",
            esc(value),
            field_error(errors, id)
        )
    };
    page(
        SITE,
        "Applications → Okta Org2Org",
        &nav(true),
        &format!(
            "{notice}<fieldset><legend>Org1's IdP values (copy into Org2 → Identity Provider)</legend>\
             <p>Issuer URI: <code id=\"idp-issuer\">{issuer}</code></p>\
             <p>SSO URL: <code id=\"idp-sso-url\">{sso}</code></p>\
             <p>Signing certificate: <a id=\"cert-download\" href=\"/app/okta_org2org/cert.pem\">download</a>\
             <span class=\"hint\"> (a self-signed X.509 certificate, PEM)</span></p>\
             <p>IdP metadata: <a id=\"idp-metadata\" href=\"/app/okta_org2org/metadata.xml\">view</a>\
             <span class=\"hint\"> (the issuer, SSO URL and certificate above, as SAML metadata)</span></p>\
             <pre id=\"idp-cert\">{pem}</pre></fieldset>\
             <form method=\"post\" action=\"/admin/app\">{c}\
             <fieldset><legend>General</legend>\
             {base}{relay}</fieldset>\
             <fieldset><legend>Sign On (from Org2 → Identity Provider)</legend>{acs}{aud}</fieldset>\
             <fieldset><legend>Provisioning → Integration</legend>\
             {token}\
             <div class=\"hint\">An Org2 API token (Org2 → Security → API → Tokens).</div>{et}\
             <p><button name=\"action\" value=\"test\" id=\"test-credentials\">Test API Credentials</button></p>\
             <legend>Provisioning → To App</legend>\
             <label><input type=\"checkbox\" name=\"create_users\" id=\"create_users\"{cu}> Create Users</label>\
             <label><input type=\"checkbox\" name=\"update_attributes\" id=\"update_attributes\"{ua}> Update User Attributes</label>\
             <label><input type=\"checkbox\" name=\"deactivate_users\" id=\"deactivate_users\"{du}> Deactivate Users</label>\
             <legend>Provisioning → To Okta</legend>\
             <label><input type=\"checkbox\" name=\"import_groups\" id=\"import_groups\"{ig}> Import Groups</label>\
             <div class=\"hint\">Reads Org2's groups through its Groups API (GET /api/v1/groups) with the API token.</div>{eig}\
             <p><button name=\"action\" value=\"import\" id=\"import-groups\">Save and import now</button></p>\
             </fieldset><p><button name=\"action\" value=\"save\" id=\"save-app\">Save</button></p></form>{imported}{lo}",
            issuer = esc(APP_ISSUER),
            sso = esc(org.idp.sso_url()),
            pem = esc(&org.certificate_pem),
            c = csrf_input(session),
            base = text(
                "base_url",
                "Base URL",
                &app.base_url,
                "Org2's URL, e.g. http://127.0.0.2:7002 (no path)."
            ),
            relay = text(
                "relay_state",
                "Default RelayState",
                &app.relay_state,
                "Where Org2 sends the user after IdP-initiated SSO, e.g. /app/UserHome."
            ),
            acs = text(
                "acs_url",
                "Hub ACS URL",
                &app.acs_url,
                "Org2's Assertion Consumer Service URL."
            ),
            aud = text(
                "audience",
                "Audience URI",
                &app.audience,
                "Org2's Audience URI (its SP entity ID)."
            ),
            token = token_html(org, app, unsaved),
            et = field_error(errors, "api_token"),
            cu = check(app.create_users),
            ua = check(app.update_attributes),
            du = check(app.deactivate_users),
            ig = check(app.import_groups),
            eig = field_error(errors, "import_groups"),
            imported = imported_html(&org.snapshot()),
            lo = logout_form(session),
        ),
    )
}

async fn app_save(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut errors = HashMap::new();
    // The token: typed in the field; else entered before and carried sealed (after Test API
    // Credentials); else the stored one, kept (the page never holds it), or removed.
    let typed = field(&form, "api_token");
    let carried = field(&form, "api_token_unsaved");
    let (api_token, unsaved) = if ticked(&form, "remove_api_token") {
        if !typed.is_empty() {
            errors.insert(
                "api_token",
                "either enter a new API token or remove the stored one, not both".to_owned(),
            );
        }
        (ApiToken::Unset, None)
    } else if !typed.is_empty() {
        (ApiToken::new(&org.key, typed), Some(typed.to_owned()))
    } else if !carried.is_empty() {
        match org.key.open(UNSAVED_TOKEN_PURPOSE, carried) {
            Ok(t) => (ApiToken::new(&org.key, &t), Some(t)),
            Err(e) => {
                errors.insert(
                    "api_token",
                    format!("the API token entered before could not be read ({e}): enter it again"),
                );
                (org.snapshot().app.api_token, None)
            }
        }
    } else {
        (org.snapshot().app.api_token, None)
    };
    let unsaved = unsaved.as_deref();
    let app = AppSettings {
        base_url: field(&form, "base_url").trim_end_matches('/').to_owned(),
        relay_state: field(&form, "relay_state").to_owned(),
        acs_url: field(&form, "acs_url").to_owned(),
        audience: field(&form, "audience").to_owned(),
        api_token,
        create_users: ticked(&form, "create_users"),
        update_attributes: ticked(&form, "update_attributes"),
        deactivate_users: ticked(&form, "deactivate_users"),
        import_groups: ticked(&form, "import_groups"),
    };
    if !app.base_url.is_empty() && !is_http_url(&app.base_url) {
        errors.insert(
            "base_url",
            format!("`{}` is not an http(s) URL", app.base_url),
        );
    } else if app
        .base_url
        .split("://")
        .nth(1)
        .is_some_and(|r| r.contains('/'))
    {
        errors.insert(
            "base_url",
            format!("`{}`: the Base URL has no path", app.base_url),
        );
    }
    if !app.relay_state.is_empty()
        && !app.relay_state.starts_with('/')
        && !is_http_url(&app.relay_state)
    {
        errors.insert(
            "relay_state",
            "a path (/app/UserHome) or an http(s) URL".to_owned(),
        );
    }
    if !app.acs_url.is_empty() && !is_http_url(&app.acs_url) {
        errors.insert(
            "acs_url",
            format!("`{}` is not an http(s) URL", app.acs_url),
        );
    }
    if app.audience.contains(char::is_whitespace) {
        errors.insert("audience", "no spaces in a URI".to_owned());
    }
    if field(&form, "action") == "test" {
        if app.base_url.is_empty() {
            errors.insert(
                "base_url",
                "Test API Credentials needs the Base URL".to_owned(),
            );
        }
        match &app.api_token {
            ApiToken::Unset => {
                errors.insert(
                    "api_token",
                    "Test API Credentials needs the API token".to_owned(),
                );
            }
            ApiToken::Unreadable { why, .. } => {
                errors.insert("api_token", org.unreadable(why));
            }
            _ => {}
        }
        if !errors.is_empty() {
            return (
                StatusCode::BAD_REQUEST,
                app_html(&org, &session, &app, unsaved, &errors, ""),
            )
                .into_response();
        }
        let log = Arc::new(MemoryOutcomeLog::new());
        let result = match org.client(&app, log) {
            Ok(client) => client.test_credentials().await.map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        return match result {
            Ok(admin) => app_html(
                &org,
                &session,
                &app,
                unsaved,
                &errors,
                &format!(
                    "Okta Org2Org was verified successfully: the token is {}'s at {} (not saved yet: press Save).",
                    admin.login(),
                    app.base_url
                ),
            )
            .into_response(),
            Err(e) => {
                errors.insert("api_token", format!("Test API Credentials failed (Base URL `{}`): {e}", app.base_url));
                (StatusCode::BAD_REQUEST, app_html(&org, &session, &app, unsaved, &errors, "")).into_response()
            }
        };
    }
    if field(&form, "action") == "import" {
        return import_groups(&org, &session, app, unsaved, errors).await;
    }
    if !errors.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            app_html(&org, &session, &app, unsaved, &errors, ""),
        )
            .into_response();
    }
    let mut next = org.snapshot();
    next.app = app.clone();
    if let Err(r) = org.save(next) {
        return r;
    }
    app_html(&org, &session, &app, None, &HashMap::new(), "Saved.").into_response()
}

/// "Save and import now": reads Org2's groups with the form's settings and saves both
/// together, or nothing (the settings' errors, or the import's, next to their fields).
async fn import_groups(
    org: &Org1,
    session: &crate::web::Session,
    app: AppSettings,
    unsaved: Option<&str>,
    mut errors: HashMap<&'static str, String>,
) -> Response {
    if !app.import_groups {
        errors.insert(
            "import_groups",
            "Import Groups is off: tick it to import Org2's groups".to_owned(),
        );
    }
    if app.base_url.is_empty() {
        errors.insert("base_url", "importing needs the Base URL".to_owned());
    }
    match &app.api_token {
        ApiToken::Unset => {
            errors.insert("api_token", "importing needs the API token".to_owned());
        }
        ApiToken::Unreadable { why, .. } => {
            errors.insert("api_token", org.unreadable(why));
        }
        _ => {}
    }
    if !errors.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            app_html(org, session, &app, unsaved, &errors, ""),
        )
            .into_response();
    }
    let log = Arc::new(MemoryOutcomeLog::new());
    let groups = match org.client(&app, log) {
        Ok(client) => client.groups().await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let groups = match groups {
        Ok(g) => g,
        Err(e) => {
            errors.insert(
                "import_groups",
                format!(
                    "Import Groups failed (Base URL `{}`, GET /api/v1/groups): {e}. Nothing was saved.",
                    app.base_url
                ),
            );
            return (
                StatusCode::BAD_GATEWAY,
                app_html(org, session, &app, unsaved, &errors, ""),
            )
                .into_response();
        }
    };
    let mut next = org.snapshot();
    next.app = app.clone();
    next.imported_groups = groups
        .iter()
        .map(|g| ImportedGroup {
            id: g.id.clone(),
            name: g.name().to_owned(),
            group_type: g.group_type.clone(),
        })
        .collect();
    next.imported_at = DateTime::from_system_time(std::time::SystemTime::now()).to_string();
    let count = next.imported_groups.len();
    if let Err(r) = org.save(next) {
        return r;
    }
    app_html(
        org,
        session,
        &app,
        None,
        &HashMap::new(),
        &format!("Saved, and imported {count} group(s) from Org2."),
    )
    .into_response()
}

/// The groups imported from Org2, as the app page lists them.
fn imported_html(state: &State1) -> String {
    if state.imported_at.is_empty() {
        return "<h2>Groups imported from Org2</h2><p id=\"imported-groups\">None imported yet \
                (Provisioning → To Okta → Import Groups).</p>"
            .to_owned();
    }
    let rows: String = state
        .imported_groups
        .iter()
        .map(|g| {
            format!(
                "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&g.name),
                esc(&g.group_type),
                esc(&g.id)
            )
        })
        .collect();
    format!(
        "<h2>Groups imported from Org2</h2><p class=\"hint\">Imported {} (Org2's groups, read \
         through its Groups API; they live in Org2, not in Org1's directory).</p>\
         <table id=\"imported-groups\"><tr><th>Name</th><th>Type</th><th>Org2 id</th></tr>{rows}</table>",
        esc(&state.imported_at)
    )
}

async fn assignments(State(org): S, headers: HeaderMap) -> Response {
    let session = match admin(&org.admins, &headers, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    assignments_page(&org, &session, &HashMap::new(), "").into_response()
}

fn assignments_page(
    org: &Org1,
    session: &crate::web::Session,
    errors: &HashMap<&'static str, String>,
    notice: &str,
) -> Html<String> {
    let state = org.snapshot();
    let mut rows = String::new();
    for a in &state.assignments {
        rows.push_str(&format!(
            "<tr><td>{to}</td><td>{st}</td><td><form method=\"post\" action=\"/admin/assignments/remove\">{c}\
             <input type=\"hidden\" name=\"to\" value=\"{to}\"><button>Unassign</button></form></td></tr>",
            to = esc(&a.to),
            st = esc(&a.initial_status),
            c = csrf_input(session),
        ));
    }
    let log: String = state
        .push_log
        .iter()
        .rev()
        .map(|l| format!("<li>{}</li>", esc(l)))
        .collect();
    let groups: String = state
        .groups
        .iter()
        .map(|g| {
            format!(
                "<option value=\"group:{n}\">Group: {n}</option>",
                n = esc(&g.name)
            )
        })
        .chain(state.users.iter().map(|u| {
            format!(
                "<option value=\"user:{n}\">Person: {n}</option>",
                n = esc(&u.login)
            )
        }))
        .collect();
    let statuses: String = [
        "active_with_pass",
        "active_without_pass",
        "pending_with_pass",
        "pending_without_pass",
    ]
    .iter()
    .map(|s| format!("<option value=\"{s}\">{s}</option>"))
    .collect();
    let notice = if notice.is_empty() {
        String::new()
    } else {
        format!("<p class=\"ok\" id=\"notice\">{}</p>", esc(notice))
    };
    page(
        SITE,
        "Okta Org2Org → Assignments",
        &nav(true),
        &format!(
            "{notice}<table id=\"assignments\"><tr><th>Assigned to</th><th>Initial status</th><th></th></tr>{rows}</table>\
             <h2>Assign</h2><form method=\"post\" action=\"/admin/assignments\">{c}\
             <label for=\"to\">People or group</label><select id=\"to\" name=\"to\">{groups}</select>{eto}\
             <label for=\"initial_status\">Initial status in Org2</label><select id=\"initial_status\" name=\"initial_status\">{statuses}</select>{est}\
             <p><button id=\"assign\">Assign</button></p></form>\
             <h2>Provisioning log</h2><ul id=\"push-log\">{log}</ul>{lo}",
            c = csrf_input(session),
            eto = field_error(errors, "to"),
            est = field_error(errors, "initial_status"),
            lo = logout_form(session),
        ),
    )
}

fn members(state: &State1, to: &str) -> Vec<String> {
    match to.split_once(':') {
        Some(("user", l)) => state
            .user(l)
            .map(|u| vec![u.login.clone()])
            .unwrap_or_default(),
        Some(("group", g)) => state
            .groups
            .iter()
            .find(|gr| gr.name == g)
            .map(|gr| gr.members.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

async fn assign(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let before = org.snapshot();
    let to = field(&form, "to").to_owned();
    let status_name = field(&form, "initial_status");
    let mut errors = HashMap::new();
    let status = InitialStatus::from_name(status_name);
    if status.is_none() {
        errors.insert(
            "initial_status",
            format!("unknown initial status `{status_name}`"),
        );
    }
    if members(&before, &to).is_empty() && !to.starts_with("group:") {
        errors.insert("to", format!("no user or group `{to}`"));
    }
    if before.assignments.iter().any(|a| a.to == to) {
        errors.insert("to", format!("`{to}` is already assigned"));
    }
    let (Some(status), true) = (status, errors.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            assignments_page(&org, &session, &errors, ""),
        )
            .into_response();
    };
    let mut next = before.clone();
    next.assignments.push(Assignment {
        to: to.clone(),
        initial_status: status.as_str().to_owned(),
    });
    let changes: Vec<Change> = if next.app.create_users {
        members(&next, &to)
            .iter()
            .filter(|l| before.assignment_of(l).is_none() && next.assignment_of(l).is_some())
            .filter_map(|l| next.user(l))
            .map(|u| Change::Assigned {
                user: push_user(u),
                initial_status: status,
            })
            .collect()
    } else {
        Vec::new()
    };
    if let Err(r) = org.save(next) {
        return r;
    }
    org.push(changes).await;
    assignments_page(&org, &session, &HashMap::new(), &format!("Assigned {to}.")).into_response()
}

async fn unassign(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let before = org.snapshot();
    let to = field(&form, "to").to_owned();
    let mut next = before.clone();
    next.assignments.retain(|a| a.to != to);
    let changes: Vec<Change> = if next.app.deactivate_users {
        members(&before, &to)
            .into_iter()
            .filter(|l| before.assignment_of(l).is_some() && next.assignment_of(l).is_none())
            .map(|login| Change::Unassigned { login })
            .collect()
    } else {
        Vec::new()
    };
    if let Err(r) = org.save(next) {
        return r;
    }
    org.push(changes).await;
    assignments_page(
        &org,
        &session,
        &HashMap::new(),
        &format!("Unassigned {to}."),
    )
    .into_response()
}

// ---- Directory → Groups ----

async fn groups(State(org): S, headers: HeaderMap) -> Response {
    let session = match admin(&org.admins, &headers, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    groups_page(&org, &session, &HashMap::new(), "").into_response()
}

fn groups_page(
    org: &Org1,
    session: &crate::web::Session,
    errors: &HashMap<&'static str, String>,
    notice: &str,
) -> Html<String> {
    let state = org.snapshot();
    let c = csrf_input(session);
    let rows: String = state
        .groups
        .iter()
        .map(|g| {
            let members: String = g
                .members
                .iter()
                .map(|m| {
                    format!(
                        "<li>{m}<form style=\"display:inline\" method=\"post\" action=\"/admin/groups/remove\">{c}\
                         <input type=\"hidden\" name=\"group\" value=\"{g}\"><input type=\"hidden\" name=\"login\" value=\"{m}\">\
                         <button>Remove</button></form></li>",
                        m = esc(m),
                        g = esc(&g.name),
                    )
                })
                .collect();
            format!(
                "<tr><td class=\"group\">{}</td><td><ul class=\"members\">{members}</ul></td></tr>",
                esc(&g.name)
            )
        })
        .collect();
    let group_options: String = state
        .groups
        .iter()
        .map(|g| format!("<option value=\"{n}\">{n}</option>", n = esc(&g.name)))
        .collect();
    let notice = if notice.is_empty() {
        String::new()
    } else {
        format!("<p class=\"ok\" id=\"notice\">{}</p>", esc(notice))
    };
    page(
        SITE,
        "Directory → Groups",
        &nav(true),
        &format!(
            "{notice}{er}<table id=\"groups\"><tr><th>Group</th><th>Members</th></tr>{rows}</table>\
             <h2>Add group</h2><form method=\"post\" action=\"/admin/groups/create\">{c}\
             <label for=\"group_name\">Name</label><input type=\"text\" id=\"group_name\" name=\"group_name\">{egn}\
             <p><button id=\"create-group\">Add group</button></p></form>\
             <h2>Add a member</h2><p class=\"hint\">A member of a group assigned Okta Org2Org gets the app \
             (pushed to Org2 with Create Users on).</p><form method=\"post\" action=\"/admin/groups/add\">{c}\
             <label for=\"member_group\">Group</label><select id=\"member_group\" name=\"member_group\">{group_options}</select>{emg}\
             <label for=\"member_login\">Username</label><input type=\"text\" id=\"member_login\" name=\"member_login\">{eml}\
             <p><button id=\"add-member\">Add member</button></p></form>{lo}",
            er = field_error(errors, "remove"),
            egn = field_error(errors, "group_name"),
            emg = field_error(errors, "member_group"),
            eml = field_error(errors, "member_login"),
            lo = logout_form(session),
        ),
    )
}

/// A 400 with the groups page and `errors` next to their fields; nothing saved.
fn groups_refused(
    org: &Org1,
    session: &crate::web::Session,
    errors: &HashMap<&'static str, String>,
) -> Response {
    (
        StatusCode::BAD_REQUEST,
        groups_page(org, session, errors, ""),
    )
        .into_response()
}

async fn group_create(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let name = field(&form, "group_name");
    let before = org.snapshot();
    let error = if name.is_empty() {
        Some("required".to_owned())
    } else if name.chars().count() > 100 {
        Some(format!("{} characters: at most 100", name.chars().count()))
    } else if name.contains(|c: char| c.is_control() || c == ':') {
        Some(format!("`{name}`: no control characters or `:`"))
    } else if before
        .groups
        .iter()
        .any(|g| g.name.eq_ignore_ascii_case(name))
    {
        Some(format!("a group `{name}` already exists in Org1"))
    } else {
        None
    };
    if let Some(e) = error {
        return groups_refused(&org, &session, &HashMap::from([("group_name", e)]));
    }
    let mut next = before;
    next.groups.push(Group {
        name: name.to_owned(),
        members: Vec::new(),
    });
    if let Err(r) = org.save(next) {
        return r;
    }
    groups_page(
        &org,
        &session,
        &HashMap::new(),
        &format!("Added group {name}."),
    )
    .into_response()
}

/// Saves `next` (a membership change of `login`) and pushes what it changes about the app:
/// assigned through the group now (Create Users) or no longer (Deactivate Users).
async fn save_membership(
    org: &Org1,
    before: &State1,
    next: State1,
    login: &str,
) -> Result<(), Response> {
    let change = match (
        before.assignment_of(login),
        next.assignment_of(login),
        next.user(login),
    ) {
        (None, Some(a), Some(u)) if next.app.create_users => Some(Change::Assigned {
            user: push_user(u),
            initial_status: InitialStatus::from_name(&a.initial_status)
                .unwrap_or(InitialStatus::ActiveWithPass),
        }),
        (Some(_), None, Some(u)) if next.app.deactivate_users => Some(Change::Unassigned {
            login: u.login.clone(),
        }),
        _ => None,
    };
    org.save(next)?;
    org.push(change.into_iter().collect()).await;
    Ok(())
}

async fn group_add(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let before = org.snapshot();
    let group = field(&form, "member_group");
    let login_in = field(&form, "member_login");
    let mut errors = HashMap::new();
    let found = before.groups.iter().find(|g| g.name == group);
    if found.is_none() {
        errors.insert("member_group", format!("no group `{group}` in Org1"));
    }
    let user = before.user(login_in);
    match user {
        None if login_in.is_empty() => {
            errors.insert("member_login", "required".to_owned());
        }
        None => {
            errors.insert(
                "member_login",
                format!("no user `{login_in}` in Org1 (Directory → People)"),
            );
        }
        Some(u) if found.is_some_and(|g| g.members.contains(&u.login)) => {
            errors.insert(
                "member_login",
                format!("`{}` is already a member of `{group}`", u.login),
            );
        }
        Some(_) => {}
    }
    let (Some(user), true) = (user, errors.is_empty()) else {
        return groups_refused(&org, &session, &errors);
    };
    let login = user.login.clone();
    let mut next = before.clone();
    if let Some(g) = next.groups.iter_mut().find(|g| g.name == group) {
        g.members.push(login.clone());
    }
    if let Err(r) = save_membership(&org, &before, next, &login).await {
        return r;
    }
    groups_page(
        &org,
        &session,
        &HashMap::new(),
        &format!("Added {login} to {group}."),
    )
    .into_response()
}

async fn group_remove(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let before = org.snapshot();
    let group = field(&form, "group");
    let login = field(&form, "login");
    let is_member = before
        .groups
        .iter()
        .any(|g| g.name == group && g.members.iter().any(|m| m == login));
    if !is_member {
        let e = format!("`{login}` is not a member of a group `{group}` in Org1; nothing removed");
        return groups_refused(&org, &session, &HashMap::from([("remove", e)]));
    }
    let mut next = before.clone();
    if let Some(g) = next.groups.iter_mut().find(|g| g.name == group) {
        g.members.retain(|m| m != login);
    }
    if let Err(r) = save_membership(&org, &before, next, login).await {
        return r;
    }
    groups_page(
        &org,
        &session,
        &HashMap::new(),
        &format!("Removed {login} from {group}."),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::header::COOKIE;

    use super::*;
    use crate::web::random_token;
    use crate::web::testing::{TempDb, login_csrf_is_enforced, send};

    fn open_with_key(db: &TempDb, key_file: &str) -> Arc<Org1> {
        let key = SecretKey::load_or_create(&db.0.join(key_file)).expect("key");
        Org1::open(
            "http://127.0.0.1:7001",
            Kv::open(&db.file()).expect("kv"),
            key,
        )
        .expect("org1")
    }

    fn open_org(db: &TempDb) -> Arc<Org1> {
        open_with_key(db, KEY_FILE)
    }

    /// An admin session of `org`: its cookie and CSRF token.
    fn admin_session(org: &Org1) -> (String, String) {
        let set = org.admins.start(ADMIN_LOGIN, true).expect("session");
        let cookie = set.split(';').next().expect("name=value").to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, cookie.parse().expect("header"));
        let csrf = org.admins.get(&headers).expect("signed in").csrf;
        (cookie, csrf)
    }

    /// POSTs the app page's form: `action`, the Base URL, and `extra` fields.
    async fn post_app(
        org: &Arc<Org1>,
        action: &str,
        base_url: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let (cookie, csrf) = admin_session(org);
        let mut form = vec![
            ("csrf", csrf.as_str()),
            ("action", action),
            ("base_url", base_url),
            ("create_users", "on"),
        ];
        form.extend_from_slice(extra);
        let (status, _, body) = send(
            &router(Arc::clone(org)),
            "POST",
            "/admin/app",
            Some(&cookie),
            &form,
        )
        .await;
        (status, body)
    }

    async fn app_page_of(org: &Arc<Org1>) -> String {
        let (cookie, _) = admin_session(org);
        let (status, _, body) = send(
            &router(Arc::clone(org)),
            "GET",
            "/admin/app",
            Some(&cookie),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// org.sqlite and its WAL, as on disk now.
    fn on_disk(db: &TempDb) -> Vec<u8> {
        let main = std::fs::read(db.file()).expect("database");
        let wal = std::fs::read(db.0.join("org.sqlite-wal")).unwrap_or_default();
        [main, wal].concat()
    }

    fn holds(hay: &[u8], needle: &str) -> bool {
        hay.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    /// A token no other bytes of the files could hold by chance.
    fn fresh_token() -> String {
        format!("00tok{}", random_token(24))
    }

    fn ending(token: &str) -> String {
        format!("ending …{}", &token[token.len() - 4..])
    }

    #[tokio::test]
    async fn the_token_is_sealed_in_every_save_and_never_in_the_page() {
        let db = TempDb::new("org1-sealed");
        let org = open_org(&db);
        let token = fresh_token();
        let (status, body) = post_app(&org, "save", "", &[("api_token", &token)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("Saved."), "{body}");
        assert!(!holds(body.as_bytes(), &token), "the token is in the page");
        assert!(body.contains(&ending(&token)), "{body}");
        assert_eq!(org.snapshot().app.api_token.token(), Some(token.as_str()));
        // The push log's save (no Base URL: nothing sent, the log written).
        org.push(vec![Change::Unassigned {
            login: CONTRACTOR_LOGIN.to_owned(),
        }])
        .await;
        assert!(
            org.snapshot()
                .push_log
                .last()
                .is_some_and(|l| l.contains("not pushed")),
            "{:?}",
            org.snapshot().push_log
        );
        let page = app_page_of(&org).await;
        assert!(!holds(page.as_bytes(), &token), "the token is in the page");
        assert!(
            page.contains("is set") && page.contains(&ending(&token)),
            "{page}"
        );
        let disk = on_disk(&db);
        assert!(holds(&disk, "aes256gcm"), "the sealed token is saved");
        assert!(
            !holds(&disk, &token),
            "the plaintext token is in org1.sqlite"
        );
        // Read back after a restart, with the key file.
        drop(org);
        let org = open_org(&db);
        assert_eq!(org.snapshot().app.api_token.token(), Some(token.as_str()));
        // An empty field keeps it; Remove removes it.
        post_app(&org, "save", "", &[("api_token", "")]).await;
        assert_eq!(org.snapshot().app.api_token.token(), Some(token.as_str()));
        post_app(&org, "save", "", &[("remove_api_token", "on")]).await;
        assert!(matches!(org.snapshot().app.api_token, ApiToken::Unset));
    }

    #[tokio::test]
    async fn a_tested_token_is_carried_sealed_to_save() {
        let db = TempDb::new("org1-carried");
        let org = open_org(&db);
        let token = fresh_token();
        // Nothing listens on port 1: the test fails, and the page comes back with the token.
        let (status, body) =
            post_app(&org, "test", "http://127.0.0.1:1", &[("api_token", &token)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(!holds(body.as_bytes(), &token), "the token is in the page");
        assert!(body.contains("not saved yet"), "{body}");
        let carried = body
            .split("name=\"api_token_unsaved\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the entered token, sealed in a hidden field")
            .to_owned();
        assert!(matches!(org.snapshot().app.api_token, ApiToken::Unset));
        let (_, body) = post_app(
            &org,
            "save",
            "http://127.0.0.1:1",
            &[("api_token", ""), ("api_token_unsaved", &carried)],
        )
        .await;
        assert!(body.contains("Saved."), "{body}");
        assert_eq!(org.snapshot().app.api_token.token(), Some(token.as_str()));
        // A changed carried value is refused, not saved.
        let mut bad = carried.into_bytes();
        bad[20] = if bad[20] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).expect("ascii");
        let (status, body) = post_app(
            &org,
            "save",
            "http://127.0.0.1:1",
            &[("api_token", ""), ("api_token_unsaved", &bad)],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("could not be read"), "{body}");
    }

    /// Changes one character in the middle of the stored sealed token.
    fn tamper(db: &TempDb) {
        let kv = Kv::open(&db.file()).expect("kv");
        let mut state: serde_json::Value = kv.get("org1").expect("read").expect("state");
        let sealed = state["app"]["api_token"]["aes256gcm"]
            .as_str()
            .expect("sealed")
            .to_owned();
        let mut bytes = sealed.into_bytes();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        state["app"]["api_token"]["aes256gcm"] = String::from_utf8(bytes).expect("ascii").into();
        kv.put("org1", &state).expect("write");
    }

    #[tokio::test]
    async fn a_tampered_or_foreign_token_is_refused_said_and_not_sent() {
        let db = TempDb::new("org1-tampered");
        let org = open_org(&db);
        let token = fresh_token();
        post_app(&org, "save", "http://127.0.0.1:1", &[("api_token", &token)]).await;
        drop(org);
        for (case, key_file) in [("another key file", "other.key"), ("tampered", KEY_FILE)] {
            if case == "tampered" {
                tamper(&db);
            }
            let org = open_with_key(&db, key_file);
            let page = app_page_of(&org).await;
            assert!(
                page.contains("The stored API token could not be read")
                    && page.contains("enter it again")
                    && page.contains(key_file),
                "{case}: {page}"
            );
            assert!(
                !holds(page.as_bytes(), &token),
                "{case}: the token is in the page"
            );
            org.push(vec![Change::Unassigned {
                login: CONTRACTOR_LOGIN.to_owned(),
            }])
            .await;
            let log = org.snapshot().push_log;
            assert!(
                log.last().is_some_and(|l| l.starts_with("not pushed")
                    && l.contains("could not be read")
                    && l.contains(key_file)),
                "{case}: {log:?}"
            );
            let (status, body) = post_app(&org, "test", "http://127.0.0.1:1", &[]).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {body}");
            assert!(body.contains("could not be read"), "{case}: {body}");
            drop(org);
            if case == "another key file" {
                // Kept as saved through those saves: the right key file opens it again.
                let org = open_org(&db);
                assert_eq!(
                    org.snapshot().app.api_token.token(),
                    Some(token.as_str()),
                    "the sealed token survived the wrong key file"
                );
            }
        }
        // Entered again: usable.
        let org = open_org(&db);
        let again = fresh_token();
        post_app(&org, "save", "", &[("api_token", &again)]).await;
        assert_eq!(org.snapshot().app.api_token.token(), Some(again.as_str()));
    }

    #[tokio::test]
    async fn a_plaintext_token_from_before_sealing_is_sealed_at_start() {
        let db = TempDb::new("org1-migrate");
        let token = fresh_token();
        {
            // A database as the demo wrote it before sealing: the token as a JSON string.
            let kv = Kv::open(&db.file()).expect("kv");
            let mut state = serde_json::to_value(seed()).expect("json");
            state["app"]["api_token"] = token.clone().into();
            kv.put("org1", &state).expect("write");
        }
        assert!(holds(&on_disk(&db), &token), "the old database holds it");
        let org = open_org(&db);
        assert_eq!(org.snapshot().app.api_token.token(), Some(token.as_str()));
        let disk = on_disk(&db);
        assert!(holds(&disk, "aes256gcm"), "sealed and saved");
        assert!(!holds(&disk, &token), "the plaintext is still on disk");
        let page = app_page_of(&org).await;
        assert!(page.contains(&ending(&token)), "{page}");
    }

    #[test]
    fn a_token_not_sealed_yet_cannot_be_serialized() {
        let e =
            serde_json::to_string(&ApiToken::Plaintext("00tok".to_owned())).expect_err("refused");
        assert!(e.to_string().contains("not sealed"), "{e}");
    }

    #[tokio::test]
    async fn a_sign_in_without_the_login_csrf_token_is_refused_even_with_the_password() {
        let db = TempDb::new("org1-login");
        let org = open_org(&db);
        let app = router(org);
        login_csrf_is_enforced(
            &app,
            "org1_login_csrf",
            "org1_sid",
            ADMIN_LOGIN,
            ADMIN_PASSWORD,
        )
        .await;
    }
}
