//! The target app (standing in for Dropbox Business): one SAML SP of Org2, built with
//! saml-axum, whose page shows who is signed in.

use std::sync::Arc;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use saml_axum::{SamlSession, SamlSp, escape};
use saml_core::prelude::*;
use saml_store_sqlite::SqliteStore;

use crate::org2::{TARGET_ISSUER, TARGET_SSO_PATH};

pub fn router(
    origin: &str,
    org2_origin: &str,
    org2_public_key_pem: &str,
    store: Arc<SqliteStore>,
) -> Result<Router, String> {
    let anchor = TrustAnchor::from_any(org2_public_key_pem.as_bytes(), Some("org2"))
        .map_err(|e| e.to_string())?;
    let idp = IdpSettings::new(
        TARGET_ISSUER,
        format!("{org2_origin}{TARGET_SSO_PATH}"),
        vec![anchor],
    )
    .with_sign_requests(false)
    .with_sso_binding(Binding::HttpRedirect);
    let sp = ServiceProvider::new(
        idp,
        SpSettings::new(
            format!("{origin}/saml/metadata"),
            format!("{origin}/saml/acs"),
        )
        .with_unsolicited(true),
    )
    .map_err(|e| e.to_string())?;
    let saml = SamlSp::new(sp, store)
        .map_err(|e| e.to_string())?
        // Loopback is a secure context for Chromium's cookies (see saml-axum's docs): the
        // request cookie then comes back with Org2's cross-site POST.
        .with_secure_cookies(true);
    Ok(Router::new()
        .route("/", get(home))
        .merge(saml.router())
        .layer(saml.layer()))
}

async fn home(SamlSession(who): SamlSession) -> Html<String> {
    let attrs: String = who
        .attributes
        .iter()
        .map(|(n, v)| {
            format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(n),
                escape(&v.join(", "))
            )
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Target App</title></head>\
         <body style=\"font-family:sans-serif;max-width:50em;margin:1em auto\">\
         <h1>Target App</h1><p>Signed in by SAML as <strong id=\"app-user\">{}</strong></p>\
         <p>IdP: <code id=\"app-issuer\">{}</code></p><table>{attrs}</table></body></html>",
        escape(&who.name_id),
        escape(&who.issuer),
    ))
}
