//! A runnable service provider on saml-axum, with a built-in test IdP to click through:
//!
//! ```text
//! cargo run -p saml-axum --example axum-sp
//! ```
//!
//! then open <http://127.0.0.1:8080/>. The SP listens on 127.0.0.1:8080 and the test IdP on
//! 127.0.0.2:8081 (another site for the browser, as a real IdP is). On systems where only
//! 127.0.0.1 is a loopback address (macOS), pass `--idp-host 127.0.0.1`.
//!
//! Flags:
//! - `--idp-metadata FILE`: trust the IdP of this SAML metadata instead of the test IdP;
//! - `--okta-idp FILE --okta-key FILE`: trust an Okta IdP object and its signing key (the JSON
//!   of Okta's IdP and key APIs) instead;
//! - `--binding redirect|post`: how AuthnRequests travel (default: redirect);
//! - `--store memory|sqlite:PATH|redis://HOST:PORT/` (or the environment variable
//!   `SAML_SP_STORE`): the state store (replay cache, outstanding AuthnRequest and
//!   LogoutRequest IDs). Default `memory`: one process, nothing to set up. `sqlite:PATH` keeps
//!   it in a SQLite file (created if missing; processes of one host share it);
//!   `redis://…` in a Redis 7 server with `maxmemory-policy noeviction` (a fleet shares it),
//!   e.g. `redis-server --port 6379 --maxmemory-policy noeviction --save ''` then
//!   `--store redis://127.0.0.1:6379/`.
//!
//! Log out with `/saml/logout` (a link on the home page): the test IdP answers the
//! LogoutRequest at its Single Logout service and the browser comes back logged out.
//!
//! The cookies are marked `Secure` on this http://127.0.0.1 site: browsers treat loopback as a
//! secure context for cookies, which lets the request cookie (`SameSite=None; Secure`) ride on
//! the IdP's cross-site POST. On a non-loopback http site, use https instead.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use clap::{Parser, ValueEnum};
use saml_axum::{SamlSession, SamlSp, Store, escape};
use saml_core::prelude::*;
use saml_store_redis::{RedisSettings, RedisStore};
use saml_store_sqlite::{SqliteSettings, SqliteStore};

#[allow(
    dead_code,
    reason = "the tests use the test IdP's logout helpers; the example does not"
)]
mod test_idp;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BindingArg {
    Redirect,
    Post,
}

/// Where the state lives: `memory`, `sqlite:PATH` or a `redis://` URL.
#[derive(Clone, Debug)]
enum StoreArg {
    Memory,
    Sqlite(PathBuf),
    Redis(String),
}

fn parse_store(value: &str) -> Result<StoreArg, String> {
    if value == "memory" {
        Ok(StoreArg::Memory)
    } else if let Some(path) = value.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err("sqlite: needs a file path, e.g. sqlite:/tmp/sp.db".to_owned());
        }
        Ok(StoreArg::Sqlite(PathBuf::from(path)))
    } else if value.starts_with("redis://") || value.starts_with("rediss://") {
        Ok(StoreArg::Redis(value.to_owned()))
    } else {
        Err("expected `memory`, `sqlite:PATH` or a `redis://` URL".to_owned())
    }
}

#[derive(Parser, Debug)]
#[command(about = "A SAML service provider on saml-axum, with a built-in test IdP")]
struct Args {
    /// The SP's port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The test IdP's address (another site than the SP's).
    #[arg(long, default_value = "127.0.0.2")]
    idp_host: String,
    /// The test IdP's port.
    #[arg(long, default_value_t = 8081)]
    idp_port: u16,
    /// Trust the IdP described by this SAML metadata file instead of the test IdP.
    #[arg(long, conflicts_with = "okta_idp")]
    idp_metadata: Option<PathBuf>,
    /// Trust this Okta IdP object (JSON) instead of the test IdP (with --okta-key).
    #[arg(long, requires = "okta_key")]
    okta_idp: Option<PathBuf>,
    /// The Okta signing key (JSON) that goes with --okta-idp.
    #[arg(long)]
    okta_key: Option<PathBuf>,
    /// How AuthnRequests travel.
    #[arg(long, value_enum, default_value = "redirect")]
    binding: BindingArg,
    /// The state store: `memory`, `sqlite:PATH` or `redis://HOST:PORT/`.
    #[arg(long, value_parser = parse_store, env = "SAML_SP_STORE", default_value = "memory")]
    store: StoreArg,
}

async fn home(SamlSession(who): SamlSession) -> Html<String> {
    let attributes: String = who
        .attributes
        .iter()
        .map(|(name, values)| {
            format!(
                "<li><code>{}</code>: {}</li>",
                escape(name),
                escape(&values.join(", "))
            )
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Protected</title></head><body>\
         <h1>Signed in</h1><p>NameID: <code id=\"name-id\">{}</code></p>\
         <p>SessionIndex: <code id=\"session-index\">{}</code></p><p>IdP: <code>{}</code></p>\
         <ul id=\"attributes\">{attributes}</ul>\
         <p><a id=\"logout\" href=\"/saml/logout?return_to=/bye\">Log out</a> · \
         <a href=\"/saml/metadata\">SP metadata</a></p></body></html>\n",
        escape(&who.name_id),
        escape(who.session_index.as_deref().unwrap_or("")),
        escape(&who.issuer),
    ))
}

async fn bye() -> Html<&'static str> {
    Html(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Logged out</title></head>\
         <body><h1 id=\"bye\">Logged out</h1><p><a href=\"/\">Log in again</a></p></body></html>\n",
    )
}

fn read(path: &PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("{}: {e}", path.display());
        std::process::exit(2)
    })
}

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("{what}: {e}");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let sp_origin = format!("http://127.0.0.1:{}", args.port);
    let idp_origin = format!("http://{}:{}", args.idp_host, args.idp_port);
    let acs = format!("{sp_origin}{}", saml_axum::ACS_PATH);
    let entity_id = format!("{sp_origin}/saml/metadata");
    let binding = match args.binding {
        BindingArg::Redirect => Binding::HttpRedirect,
        BindingArg::Post => Binding::HttpPost,
    };
    let idp = Arc::new(test_idp::TestIdp::new(
        &format!("{idp_origin}/sso"),
        &entity_id,
        &acs,
    ));
    let now = DateTime::from_system_time(std::time::SystemTime::now());
    let (idp_settings, builtin) = if let Some(path) = &args.idp_metadata {
        let settings = saml_core::metadata::idp_settings_from_metadata(&read(path), now)
            .unwrap_or_else(|e| fail("--idp-metadata", e));
        (settings.with_sso_binding(binding), false)
    } else if let (Some(idp_json), Some(key_json)) = (&args.okta_idp, &args.okta_key) {
        let okta = saml_core::okta::from_okta_json(&read(idp_json), &read(key_json))
            .unwrap_or_else(|e| fail("--okta-idp", e));
        (okta.idp.with_sso_binding(binding), false)
    } else {
        (idp.settings(binding), true)
    };
    let sp_settings = idp.sp_settings();
    let sp =
        ServiceProvider::new(idp_settings, sp_settings).unwrap_or_else(|e| fail("settings", e));

    let entity_id = sp.sp().entity_id().to_owned();
    let served = Served {
        port: args.port,
        idp_bind: format!("{}:{}", args.idp_host, args.idp_port),
        sp_origin,
        idp_origin,
        builtin,
        idp,
    };
    match &args.store {
        StoreArg::Memory => {
            println!("store: in memory (this process only)");
            serve(SamlSp::in_memory(sp), served).await;
        }
        StoreArg::Sqlite(path) => {
            let store = SqliteStore::open(SqliteSettings::new(path, entity_id))
                .unwrap_or_else(|e| fail("--store sqlite", e));
            println!("store: SQLite {}", path.display());
            serve(SamlSp::new(sp, Arc::new(store)), served).await;
        }
        StoreArg::Redis(url) => {
            let store = RedisStore::connect(RedisSettings::new(url, entity_id))
                .await
                .unwrap_or_else(|e| fail("--store redis", e));
            println!("store: Redis");
            serve(SamlSp::new(sp, Arc::new(store)), served).await;
        }
    }
}

/// What `serve` needs besides the SP.
struct Served {
    port: u16,
    idp_bind: String,
    sp_origin: String,
    idp_origin: String,
    builtin: bool,
    idp: Arc<test_idp::TestIdp>,
}

async fn serve<S: Store>(saml: Result<SamlSp<S>, saml_axum::ConfigError>, served: Served) {
    let Served {
        port,
        idp_bind,
        sp_origin,
        idp_origin,
        builtin,
        idp,
    } = served;
    let saml = saml
        .unwrap_or_else(|e| fail("saml-axum", e))
        .with_secure_cookies(true);
    let app: Router = Router::new()
        .route("/", get(home))
        .route("/bye", get(bye))
        .merge(saml.router())
        .layer(saml.layer());

    let sp_addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let sp_listener = tokio::net::TcpListener::bind(sp_addr)
        .await
        .unwrap_or_else(|e| fail("binding the SP's port", e));
    println!("SP:  {sp_origin}/  (metadata: {sp_origin}/saml/metadata)");
    if builtin {
        let idp_listener = tokio::net::TcpListener::bind(&idp_bind)
            .await
            .unwrap_or_else(|e| fail("binding the test IdP's port", e));
        println!("IdP: {idp_origin}/idp-init  (test IdP: test keys, anyone may sign in)");
        let idp_app = test_idp::router(Arc::clone(&idp));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(idp_listener, idp_app).await {
                eprintln!("test IdP: {e}");
            }
        });
    }
    if let Err(e) = axum::serve(sp_listener, app).await {
        fail("SP", e);
    }
}
