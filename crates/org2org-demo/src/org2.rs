//! Org2, the SP of Org1 and the IdP of the target app: the "Identity Provider" page (Okta's
//! fields), API tokens, Directory → People, the Users API Org1 pushes to, the ACS that runs
//! saml-core's checks and then saml-policy's account-link/JIT policy, the user dashboard, and
//! the target app's assignments.
//!
//! The ACS uses saml-core directly rather than saml-axum's router: saml-axum's `SamlSp` holds
//! one `ServiceProvider` fixed when the router is built, and this IdP is configured (and
//! changed) at run time on the admin page; its sessions would also name Org1's NameID, where
//! Org2's session must name the directory user the policy linked or created.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use axum::Router;
use axum::extract::{Form, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use saml_core::prelude::*;
use saml_core::saml::idp::danger as idp_danger;
use saml_policy::{
    AccountLinkAction, Denial, DeprovisionedAction, Directory as _, Group, GroupType, GroupsPolicy,
    IdpUser, MatchType, Policy, ProvisioningAction, SuspendedAction, Template, User, UserStatus,
    apply, evaluate,
};
use saml_provision::okta_api::{self, ApiTokens, OktaApiConfig};
use saml_provision::sqlite::{SharedSqlite, SqliteDirectory};
use saml_provision::store::SharedDirectory as _;
use saml_store_sqlite::SqliteStore;
use serde::{Deserialize, Serialize};

use crate::web::{
    Fields, Kv, LoginCsrf, Session, Sessions, admin, check_password, csrf_input, error_page, esc,
    field, field_error, hash_password, is_http_url, login_csrf_input, page, random_token, redirect,
    ticked, with_cookie,
};

const SITE: &str = "Org2 (SP)";
pub const IDP_ID: &str = "0oa1org1idp";
const SP_ID: &str = "spa2org2demo";
/// The target app's IdP entity ID at Org2.
pub const TARGET_ISSUER: &str = "http://www.okta.com/exk2targetapp";
pub const TARGET_SSO_PATH: &str = "/app/target/sso";
pub const ADMIN_LOGIN: &str = "admin@org2.example";
pub const ADMIN_PASSWORD: &str = "org2-admin-pass";
const ADMIN_ID: &str = "00uorg2admin";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct IdpConfig {
    name: String,
    username_template: String,
    match_type: String,
    account_link: String,
    if_no_match: String,
    issuer: String,
    sso_url: String,
    cert_pem: String,
    binding: String,
    scope: String,
    max_skew: u64,
    update_attributes: bool,
    reactivate: bool,
    unsuspend: bool,
    group_assignments: String,
}

impl Default for IdpConfig {
    fn default() -> Self {
        Self {
            name: "Org1".to_owned(),
            username_template: "idpuser.subjectNameId".to_owned(),
            match_type: "USERNAME".to_owned(),
            account_link: "AUTO".to_owned(),
            if_no_match: "AUTO".to_owned(),
            issuer: String::new(),
            sso_url: String::new(),
            cert_pem: String::new(),
            binding: "HTTP-POST".to_owned(),
            scope: "ANY".to_owned(),
            max_skew: 120,
            update_attributes: false,
            reactivate: false,
            unsuspend: false,
            group_assignments: String::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Token {
    name: String,
    digest: String,
    created: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct State2 {
    idp: Option<IdpConfig>,
    admin_password: String,
    tokens: Vec<Token>,
    /// Assignments of the target app: `user:<login>` or `group:<name>`.
    target_assignments: Vec<String>,
}

pub struct Org2 {
    origin: String,
    app_origin: String,
    kv: Kv,
    state: Mutex<State2>,
    directory: Arc<SharedSqlite>,
    replay: Arc<SqliteStore>,
    admins: Sessions,
    users: Sessions,
    /// The sign-in form's CSRF cookie.
    login_csrf: LoginCsrf,
    api: RwLock<Router>,
    target_idp: IdentityProvider,
    last_sso: Mutex<HashMap<String, String>>,
}

type S = State<Arc<Org2>>;

impl Org2 {
    pub fn open(
        origin: &str,
        app_origin: &str,
        kv: Kv,
        directory_path: &std::path::Path,
        replay: Arc<SqliteStore>,
        signing_pkcs8: &[u8],
    ) -> Result<Arc<Self>, String> {
        let state = match kv.get::<State2>("org2")? {
            Some(s) => s,
            None => {
                let s = State2 {
                    admin_password: hash_password(ADMIN_PASSWORD),
                    ..State2::default()
                };
                kv.put("org2", &s)?;
                s
            }
        };
        seed_directory(directory_path)?;
        let directory = Arc::new(SharedSqlite::open(directory_path).map_err(|e| e.to_string())?);
        let key =
            SigningKey::from_pkcs8_der(signing_pkcs8, Some("org2")).map_err(|e| e.to_string())?;
        let target_idp = IdentityProvider::new(
            TARGET_ISSUER,
            format!("{origin}{TARGET_SSO_PATH}"),
            saml_core::dsig::Signer::new(key, None),
        );
        let org = Self {
            origin: origin.to_owned(),
            app_origin: app_origin.to_owned(),
            admins: kv.sessions("org2_admin", "Strict"),
            // Lax: set on the response to Org1's cross-site POST and read on the 303 after it.
            users: kv.sessions("org2_sid", "Lax"),
            login_csrf: LoginCsrf::new("org2_login_csrf"),
            kv,
            state: Mutex::new(state),
            directory,
            replay,
            api: RwLock::new(Router::new()),
            target_idp,
            last_sso: Mutex::new(HashMap::new()),
        };
        org.rebuild_api();
        Ok(Arc::new(org))
    }

    fn snapshot(&self) -> State2 {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn save(&self, next: State2) -> Result<(), Response> {
        self.kv
            .put("org2", &next)
            .map_err(|e| error_page(StatusCode::INTERNAL_SERVER_ERROR, "Not saved", &e))?;
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = next;
        Ok(())
    }

    /// The Users API router with the current tokens (rebuilt when a token is created).
    fn rebuild_api(&self) {
        let mut tokens = ApiTokens::new();
        for t in &self.snapshot().tokens {
            if let Ok(d) = STANDARD.decode(&t.digest)
                && let Ok(d) = <[u8; 32]>::try_from(d.as_slice())
            {
                tokens.add_digest(d, ADMIN_ID);
            }
        }
        let router = okta_api::router(
            Arc::clone(&self.directory),
            OktaApiConfig::new(&self.origin, tokens),
        );
        *self.api.write().unwrap_or_else(PoisonError::into_inner) = router;
    }

    fn acs_url(&self) -> String {
        format!("{}/sso/saml2/{IDP_ID}", self.origin)
    }

    fn audience(&self) -> String {
        format!("{}/saml2/service-provider/{SP_ID}", self.origin)
    }

    fn target_peer(&self) -> SpPeer {
        idp_danger::unsigned_requests(
            format!("{}/saml/metadata", self.app_origin),
            format!("{}/saml/acs", self.app_origin),
        )
    }

    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(
            &dyn saml_provision::store::ListDirectory,
        ) -> Result<T, saml_policy::DirectoryError>
        + Send
        + 'static,
    ) -> Result<T, String> {
        let dir = Arc::clone(&self.directory);
        tokio::task::spawn_blocking(move || dir.read(work))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    fn is_assigned_target(&self, user: &User, groups: &[Group]) -> bool {
        self.snapshot()
            .target_assignments
            .iter()
            .any(|a| match a.split_once(':') {
                Some(("user", l)) => l.eq_ignore_ascii_case(&user.login),
                Some(("group", g)) => groups.iter().any(|gr| gr.name == g),
                _ => false,
            })
    }
}

/// The administrator (whose API tokens Org1 uses) and a group, on first start.
fn seed_directory(path: &std::path::Path) -> Result<(), String> {
    let mut dir = SqliteDirectory::open(path).map_err(|e| e.to_string())?;
    if dir.user(ADMIN_ID).map_err(|e| e.to_string())?.is_some() {
        return Ok(());
    }
    dir.insert_group(&Group::new(
        "00gorg1contractors",
        "Org1 Contractors",
        GroupType::OktaGroup,
    ))
    .map_err(|e| e.to_string())?;
    let mut admin = User::new(ADMIN_ID, ADMIN_LOGIN);
    admin.admin = true;
    admin.email = Some(ADMIN_LOGIN.to_owned());
    admin.status = UserStatus::Active;
    for (k, v) in [
        ("firstName", "Org2"),
        ("lastName", "Admin"),
        ("email", ADMIN_LOGIN),
    ] {
        admin.profile.insert(k.to_owned(), v.to_owned());
    }
    dir.insert_user(&admin, &[]).map_err(|e| e.to_string())
}

pub fn router(org: Arc<Org2>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/admin", get(|| async { redirect("/admin/idp") }))
        .route("/admin/idp", get(idp_page).post(idp_save))
        .route("/admin/tokens", get(tokens_page).post(token_create))
        .route("/admin/people", get(people))
        .route("/admin/apps/target", get(target_page).post(target_assign))
        .route(&format!("/sso/saml2/{IDP_ID}"), post(acs))
        .route("/sso/idp", get(sp_initiated))
        .route("/app/UserHome", get(dashboard))
        .route(TARGET_SSO_PATH, get(target_sso))
        .fallback(api)
        .with_state(org)
}

/// The Users API (saml-provision's `okta_api` router, with the tokens of the moment).
async fn api(State(org): S, request: Request) -> Response {
    if !request.uri().path().starts_with("/api/v1/") {
        return error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such page in Org2.",
        );
    }
    let mut router = org
        .api
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    match tower::Service::call(&mut router, request).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

fn nav(admin: bool) -> String {
    if admin {
        "<a href=\"/admin/idp\">Security → Identity Providers</a><a href=\"/admin/tokens\">Security → API → Tokens</a>\
         <a href=\"/admin/people\">Directory → People</a><a href=\"/admin/apps/target\">Applications → Target App</a>"
            .to_owned()
    } else {
        "<a href=\"/app/UserHome\">My apps</a>".to_owned()
    }
}

fn notice_html(notice: &str) -> String {
    if notice.is_empty() {
        String::new()
    } else {
        format!("<p class=\"ok\" id=\"notice\">{}</p>", esc(notice))
    }
}

fn logout_form(session: &Session) -> String {
    format!(
        "<form method=\"post\" action=\"/logout\">{}<button id=\"logout\">Sign out</button></form>",
        csrf_input(session)
    )
}

async fn home(State(org): S, headers: HeaderMap) -> Response {
    if org.users.get(&headers).is_some() {
        redirect("/app/UserHome")
    } else if org.admins.get(&headers).is_some() {
        redirect("/admin/idp")
    } else {
        redirect("/login")
    }
}

async fn login_form(State(org): S, headers: HeaderMap) -> Response {
    org.login_csrf
        .page(&headers, StatusCode::OK, |t| login_page(&org, "", t))
}

/// The administrators' sign-in form; `csrf` is the [`LoginCsrf`] token.
fn login_page(org: &Org2, error: &str, csrf: &str) -> Html<String> {
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<div class=\"err\" id=\"login-error\">{}</div>", esc(error))
    };
    let idp = org.snapshot().idp.map(|i| i.name).unwrap_or_default();
    let via = if idp.is_empty() {
        String::new()
    } else {
        format!(
            "<p><a class=\"tile\" id=\"signin-idp\" href=\"/sso/idp\">Sign in with {}</a></p>\
             <p class=\"hint\">Users sign in at their IdP; administrators below.</p>",
            esc(&idp)
        )
    };
    page(
        SITE,
        "Sign in (Org2 administrator)",
        "",
        &format!(
            "{via}<form method=\"post\" action=\"/login\">{}\
             <label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\">\
             <label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\">{error}\
             <p><button id=\"signin\">Sign in</button></p></form>",
            login_csrf_input(csrf)
        ),
    )
}

async fn login(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    if let Err(why) = org.login_csrf.check(&headers, &form) {
        return org.login_csrf.page(&headers, StatusCode::FORBIDDEN, |t| {
            login_page(
                &org,
                &format!("Sign-in refused: {why}. Nothing was signed in; sign in again here."),
                t,
            )
        });
    }
    let ok = field(&form, "username").eq_ignore_ascii_case(ADMIN_LOGIN)
        && check_password(
            &org.snapshot().admin_password,
            form.get("password").map_or("", String::as_str),
        );
    if ok {
        match org.admins.start(ADMIN_ID, true) {
            Ok(c) => with_cookie(redirect("/admin/idp"), &c),
            Err(r) => r,
        }
    } else {
        org.login_csrf
            .page(&headers, StatusCode::UNAUTHORIZED, |t| {
                login_page(&org, "Unknown username or wrong password.", t)
            })
    }
}

async fn logout(State(org): S, headers: HeaderMap) -> Response {
    let a = org.admins.end(&headers);
    let u = org.users.end(&headers);
    with_cookie(with_cookie(redirect("/login"), &a), &u)
}

// ---- Identity Provider page ----

async fn idp_page(State(org): S, headers: HeaderMap) -> Response {
    let session = match admin(&org.admins, &headers, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let cfg = org.snapshot().idp.unwrap_or_default();
    idp_html(&org, &session, &cfg, &HashMap::new(), "").into_response()
}

fn select(id: &str, label: &str, value: &str, options: &[(&str, &str)]) -> String {
    let opts: String = options
        .iter()
        .map(|(v, l)| {
            let sel = if *v == value { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{}</option>", esc(v), esc(l))
        })
        .collect();
    format!("<label for=\"{id}\">{label}</label><select id=\"{id}\" name=\"{id}\">{opts}</select>")
}

fn idp_html(
    org: &Org2,
    session: &Session,
    cfg: &IdpConfig,
    errors: &HashMap<&'static str, String>,
    notice: &str,
) -> Html<String> {
    let text = |id: &str, label: &str, value: &str| {
        format!(
            "<label for=\"{id}\">{label}</label><input type=\"text\" id=\"{id}\" name=\"{id}\" value=\"{}\">{}",
            esc(value),
            field_error(errors, id)
        )
    };
    let check = |id: &str, label: &str, on: bool| {
        format!(
            "<label><input type=\"checkbox\" id=\"{id}\" name=\"{id}\"{}> {label}</label>",
            if on { " checked" } else { "" }
        )
    };
    page(
        SITE,
        "Security → Identity Providers → SAML 2.0 IdP",
        &nav(true),
        &format!(
            "{notice}<fieldset><legend>Okta SAML settings (copy into Org1 → Okta Org2Org → Sign On)</legend>\
             <p>Assertion Consumer Service URL: <code id=\"acs-url\">{acs}</code></p>\
             <p>Audience URI: <code id=\"audience-uri\">{aud}</code></p></fieldset>\
             <form method=\"post\" action=\"/admin/idp\">{c}\
             <fieldset><legend>General Settings</legend>{name}</fieldset>\
             <fieldset><legend>Authentication Settings</legend>{tmpl}<div class=\"hint\">Okta's default: idpuser.subjectNameId</div>\
             {mt}{al}{nm}</fieldset>\
             <fieldset><legend>JIT Settings</legend>{ua}{re}{un}{ga}<div class=\"hint\">Group names, comma-separated; given to JIT-created users.</div></fieldset>\
             <fieldset><legend>SAML Protocol Settings</legend>{iss}{sso}\
             <label for=\"cert_pem\">IdP Signature Certificate (PEM)</label><textarea id=\"cert_pem\" name=\"cert_pem\" rows=\"6\">{pem}</textarea>{ecert}\
             {bind}{scope}\
             <p class=\"hint\">Destination: Responses must name this IdP's ACS URL above (checked).</p>\
             {skew}</fieldset>\
             <p><button id=\"save-idp\">Save</button></p></form>{lo}",
            notice = notice_html(notice),
            acs = esc(&org.acs_url()),
            aud = esc(&org.audience()),
            c = csrf_input(session),
            name = text("name", "Name", &cfg.name),
            tmpl = text("username_template", "IdP Username", &cfg.username_template),
            mt = select(
                "match_type",
                "Match against",
                &cfg.match_type,
                &[
                    ("USERNAME", "Okta Username"),
                    ("EMAIL", "Email"),
                    ("USERNAME_OR_EMAIL", "Okta Username or Email")
                ]
            ),
            al = select(
                "account_link",
                "Account Link Policy",
                &cfg.account_link,
                &[("AUTO", "Automatic"), ("DISABLED", "Disabled")]
            ),
            nm = select(
                "if_no_match",
                "If no match is found",
                &cfg.if_no_match,
                &[
                    ("AUTO", "Create new user (JIT)"),
                    ("DISABLED", "Refuse the sign-in")
                ]
            ),
            ua = check(
                "update_attributes",
                "Update attributes for existing users",
                cfg.update_attributes
            ),
            re = check(
                "reactivate",
                "Reactivate users who are deactivated in Okta",
                cfg.reactivate
            ),
            un = check(
                "unsuspend",
                "Unsuspend users who are suspended in Okta",
                cfg.unsuspend
            ),
            ga = text(
                "group_assignments",
                "Group Assignments",
                &cfg.group_assignments
            ),
            iss = text("issuer", "IdP Issuer URI", &cfg.issuer),
            sso = text("sso_url", "IdP Single Sign-On URL", &cfg.sso_url),
            pem = esc(&cfg.cert_pem),
            ecert = field_error(errors, "cert_pem"),
            bind = select(
                "binding",
                "Request Binding",
                &cfg.binding,
                &[
                    ("HTTP-POST", "HTTP POST"),
                    ("HTTP-Redirect", "HTTP Redirect")
                ]
            ),
            scope = select(
                "scope",
                "Response Signature Verification",
                &cfg.scope,
                &[
                    ("RESPONSE", "Response"),
                    ("ASSERTION", "Assertion"),
                    ("ANY", "Either")
                ]
            ),
            skew = text(
                "max_skew",
                "Max Clock Skew (seconds)",
                &cfg.max_skew.to_string()
            ),
            lo = logout_form(session),
        ),
    )
}

/// The ServiceProvider of this configuration (every setting checked here).
fn service_provider(
    org: &Org2,
    cfg: &IdpConfig,
) -> Result<ServiceProvider, (&'static str, String)> {
    let anchor = TrustAnchor::from_any(cfg.cert_pem.as_bytes(), Some("Org1"))
        .map_err(|e| ("cert_pem", e.to_string()))?;
    let scope = SignatureScope::parse(&cfg.scope)
        .ok_or_else(|| ("scope", format!("unknown scope `{}`", cfg.scope)))?;
    let binding = if cfg.binding == "HTTP-Redirect" {
        Binding::HttpRedirect
    } else {
        Binding::HttpPost
    };
    let idp = IdpSettings::new(cfg.issuer.clone(), cfg.sso_url.clone(), vec![anchor])
        .with_sign_requests(false)
        .with_sso_binding(binding)
        .with_signature_scope(scope)
        .with_max_clock_skew(std::time::Duration::from_secs(cfg.max_skew));
    ServiceProvider::new(
        idp,
        SpSettings::new(org.audience(), org.acs_url()).with_unsolicited(true),
    )
    .map_err(|e| ("issuer", e.to_string()))
}

fn policy(cfg: &IdpConfig, group_ids: Vec<String>) -> Result<Policy, (&'static str, String)> {
    let mut p = Policy::new(IDP_ID);
    p.subject.user_name_template = Template::parse(&cfg.username_template)
        .map_err(|e| ("username_template", e.to_string()))?;
    p.subject.match_type = match cfg.match_type.as_str() {
        "EMAIL" => MatchType::Email,
        "USERNAME_OR_EMAIL" => MatchType::UsernameOrEmail,
        _ => MatchType::Username,
    };
    p.account_link.action = if cfg.account_link == "DISABLED" {
        AccountLinkAction::Disabled
    } else {
        AccountLinkAction::Auto
    };
    p.provisioning.action = if cfg.if_no_match == "DISABLED" {
        ProvisioningAction::Disabled
    } else {
        ProvisioningAction::Auto
    };
    p.provisioning.profile_master = cfg.update_attributes;
    p.provisioning.deprovisioned = if cfg.reactivate {
        DeprovisionedAction::Reactivate
    } else {
        DeprovisionedAction::None
    };
    p.provisioning.suspended = if cfg.unsuspend {
        SuspendedAction::Unsuspend
    } else {
        SuspendedAction::None
    };
    if !group_ids.is_empty() {
        p.provisioning.groups = GroupsPolicy::Assign {
            assignments: group_ids,
        };
    }
    Ok(p)
}

/// The ids of the comma-separated group names, or the names not found.
async fn group_ids(org: &Org2, names: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = names
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let groups = org.read(|d| d.groups_after(None, 1000)).await?;
    let mut ids = Vec::new();
    let mut missing = Vec::new();
    for n in names {
        match groups.iter().find(|g| g.name == n) {
            Some(g) => ids.push(g.id.clone()),
            None => missing.push(n),
        }
    }
    if missing.is_empty() {
        Ok(ids)
    } else {
        Err(format!("no group named {} in Org2", missing.join(", ")))
    }
}

async fn idp_save(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let skew_text = field(&form, "max_skew");
    let max_skew = match skew_text.parse::<u64>() {
        Ok(s) if s <= 3600 => s,
        _ => {
            errors.insert(
                "max_skew",
                format!("`{skew_text}`: a whole number of seconds, 0 to 3600"),
            );
            120
        }
    };
    let cfg = IdpConfig {
        name: field(&form, "name").to_owned(),
        username_template: field(&form, "username_template").to_owned(),
        match_type: field(&form, "match_type").to_owned(),
        account_link: field(&form, "account_link").to_owned(),
        if_no_match: field(&form, "if_no_match").to_owned(),
        issuer: field(&form, "issuer").to_owned(),
        sso_url: field(&form, "sso_url").to_owned(),
        cert_pem: field(&form, "cert_pem").replace("\r\n", "\n"),
        binding: field(&form, "binding").to_owned(),
        scope: field(&form, "scope").to_owned(),
        max_skew,
        update_attributes: ticked(&form, "update_attributes"),
        reactivate: ticked(&form, "reactivate"),
        unsuspend: ticked(&form, "unsuspend"),
        group_assignments: field(&form, "group_assignments").to_owned(),
    };
    if cfg.name.is_empty() {
        errors.insert("name", "required".to_owned());
    }
    if cfg.issuer.is_empty() {
        errors.insert(
            "issuer",
            "required: Org1's Issuer URI (Okta Org2Org → Sign On)".to_owned(),
        );
    }
    if !is_http_url(&cfg.sso_url) {
        errors.insert(
            "sso_url",
            format!("`{}` is not an http(s) URL", cfg.sso_url),
        );
    }
    let ids = match group_ids(&org, &cfg.group_assignments).await {
        Ok(ids) => ids,
        Err(e) => {
            errors.insert("group_assignments", e);
            Vec::new()
        }
    };
    if let Err((f, e)) = policy(&cfg, ids) {
        errors.insert(f, e);
    }
    if errors.is_empty()
        && let Err((f, e)) = service_provider(&org, &cfg)
    {
        errors.insert(f, e);
    }
    if !errors.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            idp_html(&org, &session, &cfg, &errors, ""),
        )
            .into_response();
    }
    let mut next = org.snapshot();
    next.idp = Some(cfg.clone());
    if let Err(r) = org.save(next) {
        return r;
    }
    idp_html(&org, &session, &cfg, &HashMap::new(), "Saved.").into_response()
}

// ---- API tokens ----

async fn tokens_page(State(org): S, headers: HeaderMap) -> Response {
    let session = match admin(&org.admins, &headers, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    tokens_html(&org, &session, None, &HashMap::new()).into_response()
}

fn tokens_html(
    org: &Org2,
    session: &Session,
    new_token: Option<&str>,
    errors: &HashMap<&'static str, String>,
) -> Html<String> {
    let rows: String = org
        .snapshot()
        .tokens
        .iter()
        .map(|t| {
            format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&t.name),
                esc(&t.created)
            )
        })
        .collect();
    let shown = new_token.map_or_else(String::new, |t| {
        format!(
            "<p class=\"ok\">Token created. Copy it now, it is not shown again:</p>\
             <p><code id=\"new-token\">{}</code></p>",
            esc(t)
        )
    });
    page(
        SITE,
        "Security → API → Tokens",
        &nav(true),
        &format!(
            "{shown}<p>Base URL of this org (Org1's Okta Org2Org → General → Base URL): <code id=\"org2-base-url\">{base}</code></p>\
             <table id=\"tokens\"><tr><th>Name</th><th>Created</th></tr>{rows}</table>\
             <form method=\"post\" action=\"/admin/tokens\">{c}<label for=\"token_name\">Token name</label>\
             <input type=\"text\" id=\"token_name\" name=\"token_name\">{e}<p><button id=\"create-token\">Create Token</button></p></form>{lo}",
            base = esc(&org.origin),
            c = csrf_input(session),
            e = field_error(errors, "token_name"),
            lo = logout_form(session),
        ),
    )
}

async fn token_create(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let name = field(&form, "token_name");
    if name.is_empty() {
        let errors = HashMap::from([("token_name", "required".to_owned())]);
        return (
            StatusCode::BAD_REQUEST,
            tokens_html(&org, &session, None, &errors),
        )
            .into_response();
    }
    let token = format!("00{}", random_token(30));
    let mut next = org.snapshot();
    next.tokens.push(Token {
        name: name.to_owned(),
        digest: STANDARD.encode(ApiTokens::digest(&token)),
        created: DateTime::from_system_time(std::time::SystemTime::now()).to_string(),
    });
    if let Err(r) = org.save(next) {
        return r;
    }
    org.rebuild_api();
    tokens_html(&org, &session, Some(&token), &HashMap::new()).into_response()
}

// ---- Directory → People ----

async fn people(State(org): S, headers: HeaderMap) -> Response {
    let session = match admin(&org.admins, &headers, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let users = match org.read(|d| d.users_after(None, 1000)).await {
        Ok(u) => u,
        Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Directory error", &e),
    };
    let rows: String = users
        .iter()
        .map(|u| {
            format!(
                "<tr><td class=\"login\">{}</td><td class=\"name\">{} {}</td><td class=\"email\">{}</td><td class=\"status\">{}</td></tr>",
                esc(&u.login),
                esc(u.profile_value("firstName").unwrap_or("")),
                esc(u.profile_value("lastName").unwrap_or("")),
                esc(u.email.as_deref().unwrap_or("")),
                esc(u.status.as_str()),
            )
        })
        .collect();
    page(
        SITE,
        "Directory → People",
        &nav(true),
        &format!(
            "<table id=\"people\"><tr><th>Username</th><th>Name</th><th>Email</th><th>Status</th></tr>{rows}</table>{}",
            logout_form(&session)
        ),
    )
    .into_response()
}

// ---- Target app assignments ----

async fn target_page(State(org): S, headers: HeaderMap) -> Response {
    let session = match admin(&org.admins, &headers, None) {
        Ok(s) => s,
        Err(r) => return r,
    };
    target_html(&org, &session, &HashMap::new(), "").into_response()
}

fn target_html(
    org: &Org2,
    session: &Session,
    errors: &HashMap<&'static str, String>,
    notice: &str,
) -> Html<String> {
    let rows: String = org
        .snapshot()
        .target_assignments
        .iter()
        .map(|a| format!("<li>{}</li>", esc(a)))
        .collect();
    page(
        SITE,
        "Applications → Target App → Assignments",
        &nav(true),
        &format!(
            "{n}<p class=\"hint\">Org1's users reach Org2 through the Identity Provider; to open the target app they also need this \
             second assignment, in Org2 (Okta's Org2Org troubleshooting).</p>\
             <p>Target app: <a href=\"{app}\">{app}</a> (ACS {app}/saml/acs)</p><ul id=\"target-assignments\">{rows}</ul>\
             <form method=\"post\" action=\"/admin/apps/target\">{c}{kind}\
             <label for=\"assignee\">Username or group name</label><input type=\"text\" id=\"assignee\" name=\"assignee\">{e}\
             <p><button id=\"assign-target\">Assign</button></p></form>{lo}",
            n = notice_html(notice),
            app = esc(&org.app_origin),
            c = csrf_input(session),
            kind = select(
                "kind",
                "Assign to",
                "user",
                &[("user", "People"), ("group", "Groups")]
            ),
            e = field_error(errors, "assignee"),
            lo = logout_form(session),
        ),
    )
}

async fn target_assign(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let session = match admin(&org.admins, &headers, Some(&form)) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let kind = if field(&form, "kind") == "group" {
        "group"
    } else {
        "user"
    };
    let who = field(&form, "assignee").to_owned();
    let lookup = who.clone();
    let exists = if kind == "user" {
        org.read(move |d| d.find_by_login(&lookup).map(|u| !u.is_empty()))
            .await
    } else {
        org.read(move |d| {
            d.groups_after(None, 1000)
                .map(|g| g.iter().any(|g| g.name == lookup))
        })
        .await
    };
    let entry = format!("{kind}:{who}");
    let error = match exists {
        Ok(true) if org.snapshot().target_assignments.contains(&entry) => {
            Some(format!("`{who}` is already assigned"))
        }
        Ok(true) => None,
        Ok(false) => Some(format!("no {kind} `{who}` in Org2 (Directory → People)")),
        Err(e) => Some(e),
    };
    if let Some(e) = error {
        let errors = HashMap::from([("assignee", e)]);
        return (
            StatusCode::BAD_REQUEST,
            target_html(&org, &session, &errors, ""),
        )
            .into_response();
    }
    let mut next = org.snapshot();
    next.target_assignments.push(entry);
    if let Err(r) = org.save(next) {
        return r;
    }
    target_html(&org, &session, &HashMap::new(), &format!("Assigned {who}.")).into_response()
}

// ---- SSO from Org1 ----

/// The Org2 setting an error kind is about, and its configured value.
fn setting_of(kind: &str, cfg: &IdpConfig, org: &Org2) -> (&'static str, String) {
    match kind {
        "issuer_mismatch" => ("Identity Provider → IdP Issuer URI", cfg.issuer.clone()),
        "audience_mismatch" => (
            "Audience URI (Org1: Okta Org2Org → Sign On → Audience URI)",
            org.audience(),
        ),
        "destination_mismatch" | "recipient_mismatch" => (
            "Assertion Consumer Service URL (Org1: Okta Org2Org → Hub ACS URL)",
            org.acs_url(),
        ),
        "expired" | "not_yet_valid" | "clock_skew" => (
            "Identity Provider → Max Clock Skew",
            format!("{} s", cfg.max_skew),
        ),
        "missing_signature" | "signature_scope" => (
            "Identity Provider → Response Signature Verification",
            cfg.scope.clone(),
        ),
        _ if kind.contains("signature") || kind.contains("key") || kind.contains("digest") => (
            "Identity Provider → IdP Signature Certificate",
            cfg.cert_pem.lines().nth(1).unwrap_or("").to_owned() + "…",
        ),
        _ => ("Identity Provider (SAML Protocol Settings)", String::new()),
    }
}

/// Why saml-policy's decision did not sign the user in.
enum Refused {
    /// The decision is a denial: it, and the decision's steps.
    Policy(Denial, String),
    /// The decision could not be carried out.
    Apply(String),
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// The error kind of a policy denial, the Org2 setting (as the Identity Provider page labels
/// it) that decided it, and that setting's value (with the API field), plus the user's status
/// where the denial is about it.
fn denial_setting(denial: &Denial, cfg: &IdpConfig) -> (&'static str, String, String) {
    let jit = "Identity Provider → JIT Settings";
    let auth = "Identity Provider → Authentication Settings";
    match denial {
        Denial::Deprovisioned { user } => (
            "deprovisioned",
            format!("{jit} → Reactivate users who are deactivated in Okta"),
            format!(
                "{} (provisioning.conditions.deprovisioned.action {}); {} is DEPROVISIONED in Org2",
                on_off(cfg.reactivate),
                if cfg.reactivate { "REACTIVATE" } else { "NONE" },
                user.login
            ),
        ),
        Denial::Suspended { user } => (
            "suspended",
            format!("{jit} → Unsuspend users who are suspended in Okta"),
            format!(
                "{} (provisioning.conditions.suspended.action {}); {} is SUSPENDED in Org2",
                on_off(cfg.unsuspend),
                if cfg.unsuspend { "UNSUSPEND" } else { "NONE" },
                user.login
            ),
        ),
        Denial::NotActive { user, status } => (
            "not_active",
            "Directory → People (the user's status)".to_owned(),
            format!(
                "{} is {status} in Org2 (only ACTIVE users sign in)",
                user.login
            ),
        ),
        Denial::ProvisioningDisabled { .. } => (
            "provisioning_disabled",
            format!("{auth} → If no match is found"),
            format!("{} (provisioning.action)", cfg.if_no_match),
        ),
        Denial::UsernameTaken { .. } => (
            "username_taken",
            format!("{auth} → Account Link Policy / Match against"),
            format!(
                "account link {}, match against {}",
                cfg.account_link, cfg.match_type
            ),
        ),
        Denial::Ambiguous { .. } => (
            "ambiguous_match",
            format!("{auth} → Match against"),
            cfg.match_type.clone(),
        ),
        Denial::Template { .. } => (
            "username_template",
            format!("{auth} → IdP Username"),
            cfg.username_template.clone(),
        ),
        Denial::UnknownGroup { .. } => (
            "unknown_group",
            format!("{jit} → Group Assignments"),
            cfg.group_assignments.clone(),
        ),
        _ => (
            "policy_denied",
            format!("{auth} / JIT Settings"),
            format!(
                "match against {}, account link {}, if no match {}, reactivate {}, unsuspend {}",
                cfg.match_type,
                cfg.account_link,
                cfg.if_no_match,
                on_off(cfg.reactivate),
                on_off(cfg.unsuspend)
            ),
        ),
    }
}

fn sso_failure(
    status: StatusCode,
    kind: &str,
    message: &str,
    setting: &str,
    configured: &str,
) -> Response {
    (
        status,
        page(
            SITE,
            "Sign-in with the Identity Provider failed",
            "<a href=\"/\">Org2</a>",
            &format!(
                "<p>Error: <code id=\"error-kind\">{}</code></p><p id=\"error\" class=\"err\">{}</p>\
                 <p>Setting: <strong id=\"setting\">{}</strong></p><p>Configured in Org2: <code id=\"configured\">{}</code></p>",
                esc(kind),
                esc(message),
                esc(setting),
                esc(configured)
            ),
        ),
    )
        .into_response()
}

/// The cookie binding an SP-initiated request to the browser that started it: the IdP's POST
/// back is cross-site, so `SameSite=None; Secure` (Chromium keeps `Secure` cookies on
/// loopback http).
const REQUEST_COOKIE: &str = "org2_authn_request";

/// SP-initiated SSO: an AuthnRequest to the IdP's SSO URL, by the configured binding.
async fn sp_initiated(State(org): S) -> Response {
    let Some(cfg) = org.snapshot().idp else {
        return redirect("/login");
    };
    let sp = match service_provider(&org, &cfg) {
        Ok(sp) => sp,
        Err((_, e)) => {
            return sso_failure(
                StatusCode::CONFLICT,
                "settings",
                &e,
                "Identity Provider",
                "",
            );
        }
    };
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    let options = saml_core::saml::authn::RequestOptions::default();
    let request = match sp.authn_request(now, &options, &*org.replay) {
        Ok(r) => r,
        Err(e) => {
            return error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "No AuthnRequest",
                &e.to_string(),
            );
        }
    };
    let cookie = format!(
        "{REQUEST_COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=None; Max-Age=600",
        request.id
    );
    let relay = Some("/app/UserHome");
    let response = if cfg.binding == "HTTP-Redirect" {
        match sp.redirect_url(&request, relay) {
            Ok(url) => redirect(&url),
            Err(e) => {
                return error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "No AuthnRequest",
                    &e.to_string(),
                );
            }
        }
    } else {
        Html(sp.post_form(&request, relay)).into_response()
    };
    with_cookie(response, &cookie)
}

async fn acs(State(org): S, headers: HeaderMap, Form(form): Form<Fields>) -> Response {
    let Some(cfg) = org.snapshot().idp else {
        return sso_failure(
            StatusCode::CONFLICT,
            "not_configured",
            "Org2 has no Identity Provider yet.",
            "Security → Identity Providers",
            "",
        );
    };
    let sp = match service_provider(&org, &cfg) {
        Ok(sp) => sp,
        Err((_, e)) => {
            return sso_failure(
                StatusCode::CONFLICT,
                "settings",
                &e,
                "Identity Provider",
                "",
            );
        }
    };
    let Some(value) = form.get("SAMLResponse") else {
        return sso_failure(
            StatusCode::BAD_REQUEST,
            "malformed",
            "no SAMLResponse in the form",
            "",
            "",
        );
    };
    let decoded = match saml_core::binding::decode(value.as_bytes(), &DecodeLimits::default()) {
        Ok(d) => d,
        Err(e) => return sso_failure(StatusCode::BAD_REQUEST, "malformed", &e.to_string(), "", ""),
    };
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    // A Response to a request must come to the browser that sent the request; without the
    // request cookie only an unsolicited (IdP-initiated) Response is taken.
    let started_here = crate::web::cookie(&headers, REQUEST_COOKIE);
    let solicitation = match started_here.as_deref() {
        Some(id) => Solicitation::expect(id),
        None => Solicitation::outstanding(),
    };
    let assertion = match sp.validate(&decoded.xml, now, solicitation) {
        Ok(pending) => pending.commit_async(&*org.replay).await,
        Err(e) => Err(e),
    };
    if let Ok(a) = &assertion
        && a.in_response_to().is_some()
        && started_here.is_none()
    {
        return sso_failure(
            StatusCode::FORBIDDEN,
            "unknown_in_response_to",
            "the Response answers an AuthnRequest this browser did not send",
            "(none: sign in again from Org2's sign-in page)",
            "",
        );
    }
    let assertion = match assertion {
        Ok(a) => a,
        Err(e) => {
            let kind = e.kind().as_str();
            let (setting, configured) = setting_of(kind, &cfg, &org);
            return sso_failure(
                StatusCode::FORBIDDEN,
                kind,
                &e.to_string(),
                setting,
                &configured,
            );
        }
    };
    let ids = match group_ids(&org, &cfg.group_assignments).await {
        Ok(ids) => ids,
        Err(e) => {
            return sso_failure(
                StatusCode::CONFLICT,
                "settings",
                &e,
                "Identity Provider → Group Assignments",
                &cfg.group_assignments,
            );
        }
    };
    let policy = match policy(&cfg, ids) {
        Ok(p) => p,
        Err((_, e)) => {
            return sso_failure(
                StatusCode::CONFLICT,
                "settings",
                &e,
                "Identity Provider",
                "",
            );
        }
    };
    let idp_user = IdpUser::from_assertion(&assertion);
    let dir = Arc::clone(&org.directory);
    let outcome = tokio::task::spawn_blocking(move || {
        dir.write(
            |d| -> Result<Result<(String, String), Refused>, saml_policy::DirectoryError> {
                let decision = evaluate(&idp_user, &policy, &*d)?;
                if let Some(denial) = decision.denial() {
                    return Ok(Err(Refused::Policy(
                        denial.clone(),
                        decision.reason.clone(),
                    )));
                }
                match apply(&decision, d) {
                    Ok(applied) => Ok(Ok((applied.user_id, decision.outcome.as_str().to_owned()))),
                    Err(e) => Ok(Err(Refused::Apply(e.to_string()))),
                }
            },
        )
    })
    .await;
    let (user_id, how) = match outcome {
        Ok(Ok(Ok(done))) => done,
        Ok(Ok(Err(Refused::Policy(denial, reason)))) => {
            let (kind, setting, configured) = denial_setting(&denial, &cfg);
            return sso_failure(
                StatusCode::FORBIDDEN,
                kind,
                &format!(
                    "Org2's Identity Provider policy refused the sign-in: {denial}. (Steps: {reason}.)"
                ),
                &setting,
                &configured,
            );
        }
        Ok(Ok(Err(Refused::Apply(e)))) => {
            return sso_failure(
                StatusCode::CONFLICT,
                "policy_not_applied",
                &e,
                "Identity Provider → JIT Settings",
                "",
            );
        }
        Ok(Err(e)) => {
            return error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Directory error",
                &e.to_string(),
            );
        }
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Directory error",
                &e.to_string(),
            );
        }
    };
    org.last_sso
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(user_id.clone(), how);
    let to = form
        .get("RelayState")
        .map(String::as_str)
        .filter(|r| r.starts_with('/') && !r.starts_with("//") && !r.contains('\\'))
        .unwrap_or("/app/UserHome");
    let session = match org.users.start(&user_id, false) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let done = with_cookie(redirect(to), &session);
    with_cookie(
        done,
        &format!("{REQUEST_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=None; Max-Age=0"),
    )
}

/// The signed-in user, active, and their groups; or the page saying why not.
async fn current_user(org: &Org2, headers: &HeaderMap) -> Result<(User, Vec<Group>), Response> {
    let Some(session) = org.users.get(headers) else {
        return Err(redirect("/login"));
    };
    let id = session.user.clone();
    let found = org
        .read(move |d| {
            let user = d.user(&id)?;
            let groups = d.groups_of(&id)?;
            Ok(user.map(|u| (u, groups)))
        })
        .await;
    match found {
        Ok(Some((u, g))) if u.status == UserStatus::Active => Ok((u, g)),
        Ok(Some((u, _))) => Err(error_page(
            StatusCode::FORBIDDEN,
            "Account not active",
            &format!("Your Org2 account {} is {}.", u.login, u.status.as_str()),
        )),
        Ok(None) => Err(redirect("/login")),
        Err(e) => Err(error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Directory error",
            &e,
        )),
    }
}

async fn dashboard(State(org): S, headers: HeaderMap) -> Response {
    let (user, groups) = match current_user(&org, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Some(session) = org.users.get(&headers) else {
        return redirect("/login");
    };
    let how = org
        .last_sso
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&user.id)
        .cloned()
        .unwrap_or_default();
    let tile = if org.is_assigned_target(&user, &groups) {
        format!(
            "<a class=\"tile\" id=\"tile-target\" href=\"{TARGET_SSO_PATH}\">Target App<br><span class=\"hint\">stands in for Dropbox Business</span></a>"
        )
    } else {
        "<p id=\"no-apps\">No apps are assigned to you in Org2.</p>".to_owned()
    };
    page(
        SITE,
        "My apps",
        &nav(false),
        &format!(
            "<p>Signed in to Org2 as <strong id=\"whoami\">{}</strong> ({} {}, {}), \
             account <span id=\"sso-outcome\">{}</span> by Org2's Identity Provider policy.</p>{tile}{}",
            esc(&user.login),
            esc(user.profile_value("firstName").unwrap_or("")),
            esc(user.profile_value("lastName").unwrap_or("")),
            esc(user.status.as_str()),
            esc(&how),
            logout_form(&session),
        ),
    )
    .into_response()
}

/// Org2 as the target app's IdP: IdP-initiated from the tile, or answering the app's
/// AuthnRequest (HTTP-Redirect).
async fn target_sso(State(org): S, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let (user, groups) = match current_user(&org, &headers).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    if !org.is_assigned_target(&user, &groups) {
        return error_page(
            StatusCode::FORBIDDEN,
            "Not assigned",
            &format!(
                "{} is not assigned the Target App in Org2 (Applications → Target App → \
                 Assignments). Being assigned Okta Org2Org in Org1 is not enough: the app \
                 needs its own assignment in Org2.",
                user.login
            ),
        );
    }
    let peer = org.target_peer();
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    let request = match query.as_deref().filter(|q| q.contains("SAMLRequest=")) {
        Some(q) => match org.target_idp.receive_redirect(&peer, q, now) {
            Ok(r) => Some(r),
            Err(e) => {
                return error_page(StatusCode::BAD_REQUEST, e.kind().as_str(), &e.to_string());
            }
        },
        None => None,
    };
    let subject = Subject::new(user.login.clone())
        .with_attribute(
            "firstName",
            vec![user.profile_value("firstName").unwrap_or("").to_owned()],
        )
        .with_attribute(
            "lastName",
            vec![user.profile_value("lastName").unwrap_or("").to_owned()],
        )
        .with_attribute("email", vec![user.email.clone().unwrap_or_default()]);
    match org.target_idp.issue(&peer, &subject, request.as_ref(), now) {
        Ok(xml) => {
            let relay = request
                .as_ref()
                .and_then(|r| r.relay_state.as_deref())
                .unwrap_or("/");
            Html(org.target_idp.post_form(&peer, &xml, Some(relay))).into_response()
        }
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not issued",
            &e.to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use saml_store_sqlite::SqliteSettings;

    use super::*;
    use crate::web::testing::{TempDb, login_csrf_is_enforced};

    #[tokio::test]
    async fn a_sign_in_without_the_login_csrf_token_is_refused_even_with_the_password() {
        let db = TempDb::new("org2-login");
        let kv = Kv::open(&db.file()).expect("kv");
        let (key, _) = crate::web::signing_key(&kv, "k", "test").expect("key");
        let replay = SqliteStore::open(SqliteSettings::new(db.0.join("replay.sqlite"), "t"))
            .expect("replay");
        let org = Org2::open(
            "http://127.0.0.2:7002",
            "http://127.0.0.3:7003",
            kv,
            &db.0.join("directory.sqlite"),
            Arc::new(replay),
            &key,
        )
        .expect("org2");
        let app = router(org);
        login_csrf_is_enforced(
            &app,
            "org2_login_csrf",
            "org2_admin",
            ADMIN_LOGIN,
            ADMIN_PASSWORD,
        )
        .await;
    }

    #[test]
    fn a_deprovisioned_denial_names_the_reactivate_setting_and_its_value() {
        let user = User::new("00u1", "casey@org1.example");
        let denial = Denial::Deprovisioned {
            user: saml_policy::UserRef::from(&user),
        };
        let cfg = IdpConfig::default();
        let (kind, setting, configured) = denial_setting(&denial, &cfg);
        assert_eq!(kind, "deprovisioned");
        assert!(
            setting.contains("Reactivate users who are deactivated"),
            "{setting}"
        );
        assert!(configured.starts_with("off"), "{configured}");
        assert!(
            configured.contains("deprovisioned.action NONE"),
            "{configured}"
        );
        assert!(
            configured.contains("casey@org1.example is DEPROVISIONED"),
            "{configured}"
        );
        let on = IdpConfig {
            reactivate: true,
            ..IdpConfig::default()
        };
        let (_, _, configured) = denial_setting(&denial, &on);
        assert!(
            configured.starts_with("on (provisioning.conditions.deprovisioned.action REACTIVATE)"),
            "{configured}"
        );
    }
}
