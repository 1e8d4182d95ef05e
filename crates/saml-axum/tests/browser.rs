//! The routes in a real browser: Debian's headless Chromium, driven through Debian's
//! chromedriver (WebDriver, with fantoccini). The SP listens on 127.0.0.1 and the test IdP on
//! 127.0.0.2, so they are different sites and the IdP's POST to the ACS is cross-site, with
//! everything the browser does about cookies on it.
//!
//! Covered: SP-initiated login ending on a protected page that shows the session; an
//! IdP-initiated login; the same Response posted again by the browser (refused as a replay);
//! a tampered Response (the error page, with its kind); an SP-initiated Single Logout round
//! trip (the logout link, the IdP's Single Logout service on 127.0.0.2 answering with
//! saml-core's IdP logout API, back to the SP, and the protected page then sends the browser
//! to log in again).
//!
//! Without `chromium` and `chromedriver` on PATH this prints `SKIPPED` and passes, unless
//! `CI=true`, where it fails (`.ci/run` installs both). On a failed step it saves a screenshot
//! under `target/browser-screenshots/` and prints its path.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use fantoccini::{Client, ClientBuilder, Locator};
use saml_axum::{SamlSession, SamlSp, escape};
use saml_core::prelude::*;

mod common;
use common::test_idp;

/// Chromium's flags: headless, no sandbox (root in a container), and nothing that reaches
/// the network (the machine's network is closed).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1024,768",
];

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// chromium and chromedriver, or `None` after printing SKIPPED (a failure under CI=true).
fn tools() -> Option<(PathBuf, PathBuf)> {
    // Debian's /usr/bin/chromium is a wrapper script; chromedriver runs the binary itself.
    let chromium = Some(PathBuf::from("/usr/lib/chromium/chromium"))
        .filter(|p| p.is_file())
        .or_else(|| on_path("chromium"));
    let driver = on_path("chromedriver");
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "chromium or chromedriver is missing, and CI=true: install them \
                 (Debian: apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "SKIPPED: chromium or chromedriver is not installed \
                 (Debian: apt-get install chromium chromium-driver)"
            );
            None
        }
    }
}

/// A child process killed on drop, and a directory removed on drop.
struct Cleanup {
    driver: Child,
    profile: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn protected(SamlSession(who): SamlSession) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Protected</title></head>\
         <body><p>NameID: <code id=\"name-id\">{}</code></p>\
         <p>SessionIndex: <code id=\"session-index\">{}</code></p>\
         <p><a id=\"logout\" href=\"/saml/logout?return_to=/bye\">Log out</a></p></body></html>",
        escape(&who.name_id),
        escape(who.session_index.as_deref().unwrap_or("")),
    ))
}

/// Starts the SP on 127.0.0.1 and the test IdP on 127.0.0.2; returns the SP's origin and
/// the IdP's.
async fn start_servers(binding: Binding) -> (String, String) {
    let sp_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("SP port");
    let idp_listener = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("IdP port on 127.0.0.2 (Linux routes all of 127.0.0.0/8 to loopback)");
    let sp_addr: SocketAddr = sp_listener.local_addr().expect("addr");
    let idp_addr: SocketAddr = idp_listener.local_addr().expect("addr");
    let sp_origin = format!("http://{sp_addr}");
    let idp_origin = format!("http://{idp_addr}");
    let idp = Arc::new(test_idp::TestIdp::new(
        &format!("{idp_origin}/sso"),
        &format!("{sp_origin}/saml/metadata"),
        &format!("{sp_origin}/saml/acs"),
    ));
    let sp = ServiceProvider::new(idp.settings(binding), idp.sp_settings()).expect("settings");
    let saml = SamlSp::in_memory(sp)
        .expect("sp")
        // Loopback is a secure context for Chromium's cookies (see the crate docs).
        .with_secure_cookies(true);
    let app: Router = Router::new()
        .route("/app", get(protected))
        .route(
            "/bye",
            get(|| async {
                Html("<!DOCTYPE html><html><head><title>Bye</title></head><body><p id=\"bye\">logged out</p></body></html>")
            }),
        )
        .merge(saml.router())
        .layer(saml.layer());
    tokio::spawn(async move { axum::serve(sp_listener, app).await });
    let idp_app = test_idp::router(idp);
    tokio::spawn(async move { axum::serve(idp_listener, idp_app).await });
    (sp_origin, idp_origin)
}

async fn start_browser(chromium: &Path, driver: &Path) -> (Client, Cleanup) {
    let port = free_port();
    let profile =
        std::env::temp_dir().join(format!("saml-axum-chromium-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&profile).expect("profile dir");
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let cleanup = Cleanup {
        driver: child,
        profile: profile.clone(),
    };
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| (*s).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({ "binary": chromium.display().to_string(), "args": args }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = String::new();
    for _ in 0..300 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return (client, cleanup),
            Err(e) => last_error = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no WebDriver session from chromedriver at {url}: {last_error}");
}

/// Fails the test with a screenshot of what the browser shows.
async fn fail(client: &Client, step: &str, why: String) -> ! {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}.png", step.replace(' ', "_")));
    match client.screenshot().await {
        Ok(png) if std::fs::write(&path, &png).is_ok() => {
            eprintln!("screenshot of the failed step: {}", path.display());
        }
        _ => eprintln!("no screenshot could be taken"),
    }
    let url = client.current_url().await.map(|u| u.to_string());
    let source = client.source().await.unwrap_or_default();
    panic!("{step}: {why}\nat {url:?}\npage:\n{source}");
}

/// The text of the element `css`, waiting up to 20 s for it; fails with a screenshot.
async fn text_of(client: &Client, step: &str, css: &str) -> String {
    let found = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await;
    match found {
        Ok(element) => match element.text().await {
            Ok(text) => text,
            Err(e) => fail(client, step, e.to_string()).await,
        },
        Err(e) => fail(client, step, format!("no `{css}`: {e}")).await,
    }
}

async fn click(client: &Client, step: &str, css: &str) {
    let clicked = match client.find(Locator::Css(css)).await {
        Ok(element) => element.click().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = clicked {
        fail(client, step, format!("clicking `{css}`: {e}")).await;
    }
}

async fn goto(client: &Client, step: &str, url: &str) {
    if let Err(e) = client.goto(url).await {
        fail(client, step, format!("goto {url}: {e}")).await;
    }
}

async fn fill(client: &Client, step: &str, css: &str, value: &str) {
    let filled = match client.find(Locator::Css(css)).await {
        Ok(element) => match element.clear().await {
            Ok(()) => element.send_keys(value).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = filled {
        fail(client, step, format!("filling `{css}`: {e}")).await;
    }
}

async fn expect_eq(client: &Client, step: &str, found: &str, expected: &str) {
    if found != expected {
        fail(
            client,
            step,
            format!("expected `{expected}`, found `{found}`"),
        )
        .await;
    }
}

async fn run(binding: Binding) {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let (sp, idp) = start_servers(binding).await;
    let (client, _cleanup) = start_browser(&chromium, &driver).await;

    // 1. SP-initiated: the protected page sends the browser to log in, the IdP's sign-in
    // form answers the AuthnRequest, its cross-site POST lands on the ACS with the request
    // cookie, and the browser comes back to the page with a session.
    let step = "sp-initiated login";
    goto(&client, step, &format!("{sp}/app")).await;
    // Wait for the IdP's sign-in form.
    let _ = text_of(&client, step, "#user").await;
    if !client
        .current_url()
        .await
        .map(|u| u.as_str().starts_with(&idp))
        .unwrap_or(false)
    {
        fail(&client, step, "not at the IdP's sign-in form".to_owned()).await;
    }
    fill(&client, step, "#user", "alice@example.com").await;
    click(&client, step, "#sign-in").await;
    let name = text_of(&client, step, "#name-id").await;
    expect_eq(&client, step, &name, "alice@example.com").await;
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    expect_eq(&client, step, &url, &format!("{sp}/app")).await;
    let session_index = text_of(&client, step, "#session-index").await;
    if session_index.is_empty() {
        fail(&client, step, "no SessionIndex in the session".to_owned()).await;
    }

    // 2. IdP-initiated, in a fresh session: RelayState brings the browser to the page.
    let step = "idp-initiated login";
    if let Err(e) = client.delete_all_cookies().await {
        fail(&client, step, e.to_string()).await;
    }
    goto(&client, step, &format!("{idp}/idp-init")).await;
    fill(&client, step, "#user", "bob@example.com").await;
    fill(&client, step, "#relay-state", "/app").await;
    click(&client, step, "#sign-in").await;
    let name = text_of(&client, step, "#name-id").await;
    expect_eq(&client, step, &name, "bob@example.com").await;

    // 3. The browser posts the same Response again (the IdP serves its last auto-POST page
    // once more, as a resubmitted form would): refused as a replay.
    let step = "replayed post";
    goto(&client, step, &format!("{idp}/last")).await;
    let kind = text_of(&client, step, "#kind").await;
    expect_eq(&client, step, &kind, "replay").await;

    // 4. A Response changed after signing: the error page names the failed check.
    let step = "tampered response";
    goto(&client, step, &format!("{idp}/idp-init")).await;
    click(&client, step, "#tamper").await;
    click(&client, step, "#sign-in").await;
    let kind = text_of(&client, step, "#kind").await;
    expect_eq(&client, step, &kind, "digest_mismatch").await;
    let title = client.title().await.unwrap_or_default();
    expect_eq(&client, step, &title, "Login refused").await;

    // 5. SP-initiated logout of bob's session (still in the browser): the logout link sends
    // a signed LogoutRequest to the IdP's Single Logout service (by the binding under test),
    // the IdP answers with a signed LogoutResponse (HTTP-Redirect) to /saml/slo, which sends
    // the browser to return_to. The protected page then wants a login again.
    let step = "sp-initiated logout";
    goto(&client, step, &format!("{sp}/app")).await;
    let name = text_of(&client, step, "#name-id").await;
    expect_eq(&client, step, &name, "bob@example.com").await;
    click(&client, step, "#logout").await;
    let bye = text_of(&client, step, "#bye").await;
    expect_eq(&client, step, &bye, "logged out").await;
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    expect_eq(&client, step, &url, &format!("{sp}/bye")).await;
    let step = "protected page after logout";
    goto(&client, step, &format!("{sp}/app")).await;
    let _ = text_of(&client, step, "#user").await;
    if !client
        .current_url()
        .await
        .map(|u| u.as_str().starts_with(&format!("{idp}/sso")))
        .unwrap_or(false)
    {
        fail(&client, step, "not sent to the IdP to log in".to_owned()).await;
    }

    let _ = client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_logs_in_by_redirect_binding() {
    run(Binding::HttpRedirect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_logs_in_by_post_binding() {
    run(Binding::HttpPost).await;
}
