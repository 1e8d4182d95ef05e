//! The Org2Org checklist in a real browser: Debian's headless Chromium driven through
//! chromedriver (WebDriver, with fantoccini), against the `org2org-demo` binary serving Org1 on
//! 127.0.0.1, Org2 on 127.0.0.2 and the target app on 127.0.0.3 (three sites, so every SAML
//! POST between them is cross-site).
//!
//! Steps (Okta's Org2Org guide): 1. configure both orgs through their admin pages, reading each
//! value from one org's page and typing it into the other's, with Test API Credentials (a wrong
//! token first); 2. assign the Contractors group with `active_with_pass` → ACTIVE in Org2's
//! People; 3. sign in to Org1 as the contractor and click the tile → Org2's dashboard, linked,
//! without a second sign-in, and SP-initiated from Org2's sign-in page too; 4. open the target app from Org2's dashboard (refused before its
//! Org2 assignment, then signed in); 5. change the last name in Org1 → Org2's People shows it;
//! 5b. with Org1's pushes off and Org2's profile sourcing on, the next SSO carries the change;
//! 3c. a user assigned but never pushed is JIT-created at the first SSO; 7. a wrong Issuer URI in Org2 → the failure page names the setting and both values;
//! 6. unassign in Org1 → DEPROVISIONED in Org2, and the next SSO is refused with the reason:
//! by Org1 while unassigned; by Org2 (its "Reactivate" JIT setting, off) once assigned again
//! with Create Users off; ticking that setting in Org2 reactivates the account at the next SSO.
//! 8. Org1's Groups page: add a group (bad names refused next to the field), a member, assign
//! it; Import Groups lists Org2's groups on Org1's app page.
//! Then a restart on the same data directory keeps both orgs' state and their admins' sessions.
//!
//! Without `chromium` and `chromedriver` this prints `SKIPPED` and passes, unless `CI=true`,
//! where it fails. A failed step saves a screenshot under `target/browser-screenshots/`; with
//! `ORG2ORG_SCREENSHOTS=<dir>` every step is saved there (the README's pictures).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

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
    "--window-size=1100,900",
];

const WAIT: Duration = Duration::from_secs(20);
const CONTRACTOR: &str = "casey.contractor@org1.example";

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = Some(PathBuf::from("/usr/lib/chromium/chromium"))
        .filter(|p| p.is_file())
        .or_else(|| on_path("chromium"));
    match (chromium, on_path("chromedriver")) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "chromium or chromedriver is missing, and CI=true"
            );
            eprintln!("SKIPPED: chromium or chromedriver is not installed");
            None
        }
    }
}

struct Demo {
    child: Child,
    org1: String,
    org2: String,
    app: String,
}

/// Starts the binary on `addrs` (Org1, Org2, app) and reads the origins it prints.
async fn start_demo(data: &Path, addrs: [&str; 3]) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_org2org-demo"))
        .arg("--data-dir")
        .arg(data)
        .args(["--org1", addrs[0], "--org2", addrs[1], "--app", addrs[2]])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("org2org-demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut origins = Vec::new();
    let read = async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line == "ready" {
                break;
            }
            if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                origins.push(url.trim_end_matches('/').to_owned());
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("org2org-demo prints its origins");
    assert_eq!(origins.len(), 3, "origins: {origins:?}");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Demo {
        child,
        org1: origins[0].clone(),
        org2: origins[1].clone(),
        app: origins[2].clone(),
    }
}

struct Cleanup {
    driver: std::process::Child,
    dirs: Vec<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        for d in &self.dirs {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_browser(
    chromium: &Path,
    driver: &Path,
    profile: &Path,
) -> (Client, std::process::Child) {
    let port = free_port();
    let child = std::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
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
            Ok(client) => return (client, child),
            Err(e) => last_error = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no WebDriver session from chromedriver at {url}: {last_error}");
}

/// The browser and the step being run, for screenshots.
struct B {
    client: Client,
    step: String,
    shots: Option<PathBuf>,
    count: u32,
}

impl B {
    fn step(&mut self, step: &str) {
        eprintln!("step: {step}");
        step.clone_into(&mut self.step);
    }

    /// Saves the page under ORG2ORG_SCREENSHOTS, when set.
    async fn shot(&mut self, name: &str) {
        if let Some(dir) = &self.shots {
            self.count += 1;
            let path = dir.join(format!("{:02}-{name}.png", self.count));
            if let Ok(png) = self.client.screenshot().await {
                let _ = std::fs::write(path, png);
            }
        }
    }

    async fn fail(&self, why: String) -> ! {
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let name: String = self
            .step
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = dir.join(format!("org2org-{name}.png"));
        match self.client.screenshot().await {
            Ok(png) if std::fs::write(&path, &png).is_ok() => {
                eprintln!("screenshot of the failed step: {}", path.display());
            }
            _ => eprintln!("no screenshot could be taken"),
        }
        let url = self.client.current_url().await.map(|u| u.to_string());
        let source = self.client.source().await.unwrap_or_default();
        // Ends the WebDriver session, so chromedriver quits Chromium before it is killed.
        let _ = self.client.clone().close().await;
        panic!("{}: {why}\nat {url:?}\npage:\n{source}", self.step);
    }

    /// Fails the step (with a screenshot, closing the browser) unless `ok`.
    async fn check(&self, ok: bool, why: impl FnOnce() -> String) {
        if !ok {
            self.fail(why()).await;
        }
    }

    async fn goto(&self, url: &str) {
        if let Err(e) = self.client.goto(url).await {
            self.fail(format!("goto {url}: {e}")).await;
        }
    }

    async fn find(&self, loc: Locator<'_>) -> fantoccini::elements::Element {
        match self.client.wait().at_most(WAIT).for_element(loc).await {
            Ok(e) => e,
            Err(e) => self.fail(format!("no {loc:?}: {e}")).await,
        }
    }

    async fn text(&self, css: &str) -> String {
        let e = self.find(Locator::Css(css)).await;
        match e.text().await {
            Ok(t) => t,
            Err(e) => self.fail(e.to_string()).await,
        }
    }

    /// GETs `url` from the page (same origin, with its cookies): the content type and body.
    async fn fetch(&self, url: &str) -> (String, String) {
        let script = "const done = arguments[arguments.length - 1];\
             fetch(arguments[0]).then(r => r.text().then(t => done([r.status, \
             r.headers.get('content-type'), t])), e => done([0, '', String(e)]));";
        let got = match self
            .client
            .execute_async(script, vec![serde_json::Value::from(url)])
            .await
        {
            Ok(v) => v,
            Err(e) => self.fail(format!("fetch {url}: {e}")).await,
        };
        let field = |i: usize| got[i].as_str().unwrap_or_default().to_owned();
        if got[0] != 200 {
            self.fail(format!("fetch {url}: {got}")).await;
        }
        (field(1), field(2))
    }

    /// Waits until `css`'s text contains `needle`; returns the text.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(e) = self.client.find(Locator::Css(css)).await
                && let Ok(t) = e.text().await
            {
                if t.contains(needle) {
                    return t;
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.fail(format!(
            "`{css}` never contained `{needle}`; last: `{last}`"
        ))
        .await
    }

    /// Waits until the page's URL starts with `prefix`.
    async fn wait_url(&self, prefix: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if let Ok(u) = self.client.current_url().await
                && u.as_str().starts_with(prefix)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.fail(format!("never reached {prefix}")).await
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self.find(Locator::Css(css)).await;
        let r = match e.clear().await {
            Ok(()) => e.send_keys(value).await,
            Err(e) => Err(e),
        };
        if let Err(err) = r {
            self.fail(format!("filling `{css}`: {err}")).await;
        }
    }

    async fn click(&self, css: &str) {
        let e = self.find(Locator::Css(css)).await;
        if let Err(err) = e.click().await {
            self.fail(format!("clicking `{css}`: {err}")).await;
        }
    }

    async fn click_xpath(&self, xpath: &str) {
        let e = self.find(Locator::XPath(xpath)).await;
        if let Err(err) = e.click().await {
            self.fail(format!("clicking `{xpath}`: {err}")).await;
        }
    }

    /// Ticks (`on`) or clears the checkbox `css`.
    async fn set_checkbox(&self, css: &str, on: bool) {
        let e = self.find(Locator::Css(css)).await;
        let checked = e.prop("checked").await.ok().flatten();
        if checked.as_deref() != Some(if on { "true" } else { "false" }) {
            self.click(css).await;
        }
    }

    /// Whether the checkbox `css` is ticked.
    async fn is_checked(&self, css: &str) -> bool {
        let e = self.find(Locator::Css(css)).await;
        e.prop("checked").await.ok().flatten().as_deref() == Some("true")
    }

    async fn sign_in(&self, origin: &str, user: &str, password: &str) {
        self.goto(&format!("{origin}/login")).await;
        self.fill("#username", user).await;
        self.fill("#password", password).await;
        self.click("#signin").await;
        // The sign-in form is gone once signed in.
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if let Ok(u) = self.client.current_url().await
                && !u.path().starts_with("/login")
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.fail(format!("signing in to {origin} as {user}")).await
    }

    async fn sign_out(&self, origin: &str) {
        self.goto(&format!("{origin}/")).await;
        if self.client.find(Locator::Css("#logout")).await.is_ok() {
            self.click("#logout").await;
            self.wait_url(&format!("{origin}/login")).await;
        }
    }

    /// Org2's People row of `login`: its status cell.
    async fn org2_status(&self, org2: &str, login: &str, expected: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        let xpath = format!(
            "//table[@id='people']//tr[td[@class='login' and text()='{login}']]/td[@class='status']"
        );
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            self.goto(&format!("{org2}/admin/people")).await;
            if let Ok(e) = self.client.find(Locator::XPath(&xpath)).await
                && let Ok(t) = e.text().await
            {
                if t == expected {
                    return;
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        self.fail(format!(
            "{login} in Org2's People: expected {expected}, last {last:?}"
        ))
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org2org_checklist_in_chromium() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let base = std::env::temp_dir().join(format!("org2org-browser-{}", std::process::id()));
    let data = base.join("data");
    let profile = base.join("profile");
    std::fs::create_dir_all(&profile).expect("profile dir");
    let mut demo = start_demo(&data, ["127.0.0.1:0", "127.0.0.2:0", "127.0.0.3:0"]).await;
    let (client, driver_child) = start_browser(&chromium, &driver, &profile).await;
    let _cleanup = Cleanup {
        driver: driver_child,
        dirs: vec![base.clone()],
    };
    let shots = std::env::var_os("ORG2ORG_SCREENSHOTS").map(PathBuf::from);
    if let Some(d) = &shots {
        std::fs::create_dir_all(d).expect("screenshot dir");
    }
    let mut b = B {
        client,
        step: String::new(),
        shots,
        count: 0,
    };
    let (o1, o2, app) = (demo.org1.clone(), demo.org2.clone(), demo.app.clone());

    // Login CSRF: a sign-in form without its token (the hidden field removed) is refused, even
    // with the right password.
    b.step("0 login CSRF");
    for (origin, user, password) in [
        (&o1, "admin@org1.example", "org1-admin-pass"),
        (&o2, "admin@org2.example", "org2-admin-pass"),
    ] {
        b.goto(&format!("{origin}/login")).await;
        b.find(Locator::Css("input[name='login_csrf']")).await;
        if let Err(e) = b
            .client
            .execute(
                "document.querySelector(\"input[name='login_csrf']\").remove()",
                vec![],
            )
            .await
        {
            b.fail(e.to_string()).await;
        }
        b.fill("#username", user).await;
        b.fill("#password", password).await;
        b.click("#signin").await;
        b.wait_text("#login-error", "Sign-in refused").await;
        b.wait_text("#login-error", "login_csrf").await;
    }

    // 1. Configure both orgs, copying values from page to page.
    b.step("1 Org2 values");
    b.sign_in(&o2, "admin@org2.example", "org2-admin-pass")
        .await;
    b.goto(&format!("{o2}/admin/idp")).await;
    let acs = b.text("#acs-url").await;
    let audience = b.text("#audience-uri").await;
    b.shot("org2-idp-values").await;
    b.goto(&format!("{o2}/admin/tokens")).await;
    b.fill("#token_name", "Org1 Org2Org provisioning").await;
    b.click("#create-token").await;
    let token = b.text("#new-token").await;
    let org2_base = b.text("#org2-base-url").await;

    b.step("1 Org1 app settings");
    b.sign_in(&o1, "admin@org1.example", "org1-admin-pass")
        .await;
    b.goto(&format!("{o1}/admin/app")).await;
    let issuer = b.text("#idp-issuer").await;
    let sso_url = b.text("#idp-sso-url").await;
    let shown = b.text("#idp-cert").await;
    // The download is the X.509 certificate shown on the page; Org2's form gets the download.
    let download = b.find(Locator::Css("#cert-download")).await;
    let href = download
        .prop("href")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let (_, cert) = b.fetch(&href).await;
    b.check(
        cert.starts_with("-----BEGIN CERTIFICATE-----\n") && cert.trim() == shown.trim(),
        || format!("the download is not the certificate shown: {cert:?} vs {shown:?}"),
    )
    .await;
    let certificate = saml_core::prelude::Certificate::from_pem(cert.as_bytes(), None);
    let certificate = match certificate {
        Ok(c) => c,
        Err(e) => b.fail(format!("the download is no certificate: {e}")).await,
    };
    // The IdP metadata names the same issuer and SSO URL and holds that certificate.
    let link = b.find(Locator::Css("#idp-metadata")).await;
    let href = link.prop("href").await.ok().flatten().unwrap_or_default();
    let (content_type, xml) = b.fetch(&href).await;
    b.check(content_type == "application/samlmetadata+xml", || {
        format!("metadata content type {content_type:?}")
    })
    .await;
    let md = match saml_core::metadata::IdpMetadata::parse(xml.as_bytes()) {
        Ok(md) => md,
        Err(e) => {
            b.fail(format!("the metadata doesn't parse: {e}\n{xml}"))
                .await
        }
    };
    let certs: Vec<_> = md
        .signing_certificates()
        .iter()
        .filter_map(|a| a.certificate().map(|c| c.der().to_vec()))
        .collect();
    b.check(
        md.entity_id() == issuer
            && md.sso_services().iter().all(|e| e.location == sso_url)
            && md.sso_services().len() == 2
            && certs == [certificate.der().to_vec()],
        || format!("the metadata doesn't match the page: {xml}"),
    )
    .await;
    b.fill("#base_url", &org2_base).await;
    b.fill("#relay_state", "/app/UserHome").await;
    b.fill("#acs_url", &acs).await;
    b.fill("#audience", &audience).await;
    b.fill("#api_token", "00this-token-is-wrong").await;
    b.click("#test-credentials").await;
    let refused = b.wait_text("#err-api_token", "refused").await;
    b.check(refused.contains(&org2_base), || refused.clone())
        .await;
    b.fill("#api_token", &token).await;
    b.click("#test-credentials").await;
    b.wait_text("#notice", "verified successfully").await;
    b.shot("org1-test-api-credentials").await;
    b.click("#save-app").await;
    b.wait_text("#notice", "Saved.").await;
    // Saved from the hidden field that carried it sealed; the page says so, never shows it.
    b.wait_text("#api-token-state", "is set").await;
    let source = b.client.source().await.unwrap_or_default();
    b.check(!source.is_empty() && !source.contains(&token), || {
        "the API token is in the app page".to_owned()
    })
    .await;

    b.step("1 Org2 identity provider");
    b.goto(&format!("{o2}/admin/idp")).await;
    b.fill("#issuer", &issuer).await;
    b.fill("#sso_url", &sso_url).await;
    b.fill("#cert_pem", &cert).await;
    // Bad input: a message next to the field, nothing saved.
    b.fill("#max_skew", "two minutes").await;
    b.click("#save-idp").await;
    b.wait_text("#err-max_skew", "whole number").await;
    b.goto(&format!("{o2}/admin/idp")).await;
    let issuer_now = b
        .find(Locator::Css("#issuer"))
        .await
        .prop("value")
        .await
        .ok()
        .flatten();
    b.check(issuer_now.as_deref() == Some(""), || {
        format!("a refused form saved nothing, yet the issuer is {issuer_now:?}")
    })
    .await;
    b.fill("#issuer", &issuer).await;
    b.fill("#sso_url", &sso_url).await;
    b.fill("#cert_pem", &cert).await;
    b.fill("#max_skew", "120").await;
    b.click("#save-idp").await;
    b.wait_text("#notice", "Saved.").await;
    b.shot("org2-identity-provider").await;

    // Bad input on Org1's Add person: a message next to the field, and no person added.
    b.goto(&format!("{o1}/admin/people")).await;
    b.fill("#new_login", "dana@org1.example").await;
    b.fill("#new_firstName", "Dana").await;
    b.fill("#new_lastName", "Doe").await;
    b.fill("#new_password", "short").await;
    b.click("#add-person").await;
    b.wait_text("#err-new_password", "at least 8").await;
    let people = b.text("#people").await;
    b.check(!people.contains("dana@org1.example"), || people.clone())
        .await;

    // 2. Assign the Contractors group with active_with_pass.
    b.step("2 assign Contractors");
    b.goto(&format!("{o1}/admin/assignments")).await;
    b.click("#to option[value='group:Contractors']").await;
    b.click("#initial_status option[value='active_with_pass']")
        .await;
    b.click("#assign").await;
    b.wait_text("#push-log", "created (ACTIVE)").await;
    b.shot("org1-assigned").await;
    b.org2_status(&o2, CONTRACTOR, "ACTIVE").await;
    b.shot("org2-people-active").await;

    // 3. The contractor signs in to Org1 and clicks the tile.
    b.step("3 tile to Org2");
    b.sign_out(&o1).await;
    b.sign_in(&o1, CONTRACTOR, "contractor-pass").await;
    b.click("#tile-org2org").await;
    b.wait_url(&format!("{o2}/app/UserHome")).await;
    let who = b.text("#whoami").await;
    b.check(who == CONTRACTOR, || format!("signed in as {who}"))
        .await;
    let how = b.text("#sso-outcome").await;
    b.check(how == "linked", || {
        format!("the provisioned account is linked by username, not {how}")
    })
    .await;
    b.shot("org2-dashboard").await;

    // 4. The target app, refused before its own assignment in Org2, then signed in.
    b.step("4 target app");
    b.goto(&format!("{o2}/app/target/sso")).await;
    b.wait_text("#error", "not assigned the Target App in Org2")
        .await;
    b.goto(&format!("{o2}/admin/apps/target")).await;
    b.fill("#assignee", CONTRACTOR).await;
    b.click("#assign-target").await;
    b.wait_text("#notice", "Assigned").await;
    b.goto(&format!("{o2}/app/UserHome")).await;
    b.click("#tile-target").await;
    b.wait_url(&format!("{app}/")).await;
    b.wait_text("#app-user", CONTRACTOR).await;
    b.shot("target-app").await;
    // SP-initiated too: without its session the app sends an AuthnRequest to Org2, which
    // answers it from Org2's session, with no sign-in prompt.
    if let Err(e) = b.client.delete_all_cookies().await {
        b.fail(e.to_string()).await;
    }
    b.goto(&format!("{app}/")).await;
    b.wait_text("#app-user", CONTRACTOR).await;

    // SP-initiated from Org2's sign-in page, by HTTP-POST (the Identity Provider's default
    // request binding): a cross-site POST carries no Lax cookie, so Org1 asks for the
    // password, with the AuthnRequest carried through its sign-in form.
    b.step("3b SP-initiated from Org2");
    b.sign_out(&o2).await;
    b.click("#signin-idp").await;
    b.find(Locator::Css("#sp-request")).await;
    b.fill("#username", CONTRACTOR).await;
    b.fill("#password", "contractor-pass").await;
    b.click("#signin").await;
    b.wait_url(&format!("{o2}/app/UserHome")).await;
    b.wait_text("#whoami", CONTRACTOR).await;

    // 5. A profile change in Org1 is pushed to Org2.
    b.step("5 profile push");
    b.sign_in(&o1, "admin@org1.example", "org1-admin-pass")
        .await;
    b.goto(&format!("{o1}/admin/people")).await;
    b.fill("#login", CONTRACTOR).await;
    b.fill("#firstName", "Casey").await;
    b.fill("#lastName", "Consultant").await;
    b.click("#save-profile").await;
    b.wait_text("#notice", "Saved the profile").await;
    b.sign_in(&o2, "admin@org2.example", "org2-admin-pass")
        .await;
    b.goto(&format!("{o2}/admin/people")).await;
    b.wait_text("#people", "Casey Consultant").await;

    // 5b. Profile sourcing on SSO: with Org1's pushes off and Org2's "Update attributes for
    // existing users" on, the change reaches Org2 at the next SSO.
    b.step("5b profile on SSO");
    b.goto(&format!("{o2}/admin/idp")).await;
    b.click("#update_attributes").await;
    b.click("#save-idp").await;
    b.wait_text("#notice", "Saved.").await;
    b.goto(&format!("{o1}/admin/app")).await;
    b.click("#create_users").await;
    b.click("#update_attributes").await;
    b.click("#save-app").await;
    b.wait_text("#notice", "Saved.").await;
    b.goto(&format!("{o1}/admin/people")).await;
    b.fill("#login", CONTRACTOR).await;
    b.fill("#firstName", "Casey").await;
    b.fill("#lastName", "Sourced").await;
    b.click("#save-profile").await;
    b.wait_text("#notice", "Saved the profile").await;
    b.goto(&format!("{o2}/admin/people")).await;
    b.wait_text("#people", "Casey Consultant").await;
    b.sign_out(&o1).await;
    b.sign_in(&o1, CONTRACTOR, "contractor-pass").await;
    b.click("#tile-org2org").await;
    b.wait_url(&format!("{o2}/app/UserHome")).await;
    // Matched by username again (an unspecified NameID makes no link record), with the
    // profile taken from the assertion.
    b.wait_text("#sso-outcome", "linked").await;
    b.goto(&format!("{o2}/admin/people")).await;
    b.wait_text("#people", "Casey Sourced").await;

    // 3c. JIT: a user assigned in Org1 but never pushed (Create Users off) is created in Org2
    // at the first SSO.
    b.step("3c JIT");
    b.sign_out(&o1).await;
    b.sign_in(&o1, "admin@org1.example", "org1-admin-pass")
        .await;
    b.goto(&format!("{o1}/admin/assignments")).await;
    b.click("#to option[value='user:admin@org1.example']").await;
    b.click("#assign").await;
    b.wait_text("#notice", "Assigned").await;
    b.goto(&format!("{o1}/")).await;
    b.click("#tile-org2org").await;
    b.wait_url(&format!("{o2}/app/UserHome")).await;
    b.wait_text("#whoami", "admin@org1.example").await;
    b.wait_text("#sso-outcome", "created").await;
    b.org2_status(&o2, "admin@org1.example", "ACTIVE").await;

    // 7. A wrong Issuer URI in Org2: the failure page names the setting and both values.
    b.step("7 wrong issuer");
    b.goto(&format!("{o2}/admin/idp")).await;
    b.fill("#issuer", "http://www.okta.com/exkWRONG").await;
    b.click("#save-idp").await;
    b.wait_text("#notice", "Saved.").await;
    b.sign_out(&o1).await;
    b.sign_in(&o1, CONTRACTOR, "contractor-pass").await;
    b.click("#tile-org2org").await;
    b.wait_text("#error-kind", "issuer_mismatch").await;
    b.wait_text("#setting", "Issuer URI").await;
    let message = b.text("#error").await;
    b.check(
        message.contains("http://www.okta.com/exkWRONG") && message.contains(&issuer),
        || format!("both Issuer values on the page: {message}"),
    )
    .await;
    b.shot("org2-issuer-mismatch").await;
    b.goto(&format!("{o2}/admin/idp")).await;
    b.fill("#issuer", &issuer).await;
    b.click("#save-idp").await;
    b.wait_text("#notice", "Saved.").await;

    // 6. Unassign in Org1: DEPROVISIONED in Org2, and the next SSO is refused.
    b.step("6 unassign");
    b.sign_out(&o1).await;
    b.sign_in(&o1, "admin@org1.example", "org1-admin-pass")
        .await;
    b.goto(&format!("{o1}/admin/assignments")).await;
    b.click_xpath("//table[@id='assignments']//tr[td[text()='group:Contractors']]//button")
        .await;
    b.wait_text("#push-log", "deactivated").await;
    b.org2_status(&o2, CONTRACTOR, "DEPROVISIONED").await;
    b.shot("org2-people-deprovisioned").await;
    b.sign_out(&o1).await;
    b.sign_in(&o1, CONTRACTOR, "contractor-pass").await;
    b.wait_text("#no-apps", "No apps").await;
    b.goto(&format!("{o1}/app/okta_org2org/launch")).await;
    b.wait_text("#error", "not assigned the Okta Org2Org app")
        .await;
    b.shot("org1-refused").await;

    // 6b. Org2 refuses too: with Org1's Create Users off, assigning Casey again in Org1 pushes
    // nothing, so Org2's account stays DEPROVISIONED, and the next SSO is refused by Org2's
    // Identity Provider policy (saml-policy), naming the setting that decided it.
    b.step("6b Org2 refuses a deprovisioned user");
    b.sign_out(&o1).await;
    b.sign_in(&o1, "admin@org1.example", "org1-admin-pass")
        .await;
    b.goto(&format!("{o1}/admin/app")).await;
    b.set_checkbox("#create_users", false).await;
    b.click("#save-app").await;
    b.wait_text("#notice", "Saved.").await;
    b.goto(&format!("{o1}/admin/assignments")).await;
    b.click(&format!("#to option[value='user:{CONTRACTOR}']"))
        .await;
    b.click("#assign").await;
    b.wait_text("#notice", "Assigned").await;
    b.org2_status(&o2, CONTRACTOR, "DEPROVISIONED").await;
    b.sign_out(&o1).await;
    b.sign_in(&o1, CONTRACTOR, "contractor-pass").await;
    b.click("#tile-org2org").await;
    b.wait_text("#error-kind", "deprovisioned").await;
    b.wait_text("#setting", "Reactivate users who are deactivated")
        .await;
    let configured = b.text("#configured").await;
    b.check(
        configured.contains("off")
            && configured.contains("deprovisioned.action NONE")
            && configured.contains(&format!("{CONTRACTOR} is DEPROVISIONED")),
        || format!("the setting's value and the user's status: {configured}"),
    )
    .await;
    b.wait_text("#error", "DEPROVISIONED").await;
    b.shot("org2-refused-deprovisioned").await;
    b.org2_status(&o2, CONTRACTOR, "DEPROVISIONED").await;
    // Tick the setting in Org2: the next SSO reactivates the account.
    b.goto(&format!("{o2}/admin/idp")).await;
    b.set_checkbox("#reactivate", true).await;
    b.click("#save-idp").await;
    b.wait_text("#notice", "Saved.").await;
    b.goto(&format!("{o1}/")).await;
    b.click("#tile-org2org").await;
    b.wait_url(&format!("{o2}/app/UserHome")).await;
    b.wait_text("#whoami", CONTRACTOR).await;
    b.wait_text("#sso-outcome", "reactivated").await;
    b.org2_status(&o2, CONTRACTOR, "ACTIVE").await;

    // 8. Org1's groups: add one (a message next to the field for bad input, nothing saved),
    // add a member, assign the group; then Import Groups lists Org2's groups on the app page.
    b.step("8 groups");
    b.sign_out(&o1).await;
    b.sign_in(&o1, "admin@org1.example", "org1-admin-pass")
        .await;
    b.goto(&format!("{o1}/admin/groups")).await;
    b.fill("#group_name", "").await;
    b.click("#create-group").await;
    b.wait_text("#err-group_name", "required").await;
    b.fill("#group_name", "contractors").await;
    b.click("#create-group").await;
    b.wait_text("#err-group_name", "already exists").await;
    b.fill("#group_name", "Reviewers").await;
    b.click("#create-group").await;
    b.wait_text("#notice", "Added group Reviewers").await;
    b.click("#member_group option[value='Reviewers']").await;
    b.fill("#member_login", "nobody@org1.example").await;
    b.click("#add-member").await;
    b.wait_text("#err-member_login", "no user `nobody@org1.example`")
        .await;
    let groups = b.text("#groups").await;
    b.check(!groups.contains("nobody@org1.example"), || groups.clone())
        .await;
    b.click("#member_group option[value='Reviewers']").await;
    b.fill("#member_login", "admin@org1.example").await;
    b.click("#add-member").await;
    b.wait_text("#notice", "Added admin@org1.example to Reviewers")
        .await;
    b.wait_text("#groups", "admin@org1.example").await;
    b.goto(&format!("{o1}/admin/assignments")).await;
    b.click("#to option[value='group:Reviewers']").await;
    b.click("#assign").await;
    b.wait_text("#notice", "Assigned group:Reviewers").await;
    b.wait_text("#assignments", "group:Reviewers").await;
    b.step("8 import groups");
    b.goto(&format!("{o1}/admin/app")).await;
    b.wait_text("#imported-groups", "None imported yet").await;
    b.set_checkbox("#import_groups", false).await;
    b.click("#import-groups").await;
    b.wait_text("#err-import_groups", "Import Groups is off")
        .await;
    b.set_checkbox("#import_groups", true).await;
    b.click("#import-groups").await;
    b.wait_text("#notice", "imported").await;
    b.wait_text("#imported-groups", "Org1 Contractors").await;

    // Restart on the same data directory and ports: both orgs' state is still there, and so
    // are the sessions (in each org's SQLite file): the admins signed in before the restart
    // are still signed in after it, with no second sign-in.
    b.step("restart");
    b.sign_in(&o1, "admin@org1.example", "org1-admin-pass")
        .await;
    b.goto(&format!("{o2}/admin/idp")).await;
    b.find(Locator::Css("#save-idp")).await;
    let addr = |o: &str| o.trim_start_matches("http://").to_owned();
    let addrs = [addr(&o1), addr(&o2), addr(&app)];
    demo.child.kill().await.expect("stopping org2org-demo");
    let mut again = start_demo(&data, [&addrs[0], &addrs[1], &addrs[2]]).await;
    for page in [format!("{o2}/admin/people"), format!("{o1}/admin/app")] {
        b.goto(&page).await;
        let now = b.client.current_url().await.map(|u| u.to_string());
        b.check(now.as_ref().is_ok_and(|u| *u == page), || {
            format!("signed out by the restart: {page} went to {now:?}")
        })
        .await;
    }
    b.org2_status(&o2, CONTRACTOR, "ACTIVE").await;
    b.goto(&format!("{o2}/admin/idp")).await;
    b.check(b.is_checked("#reactivate").await, || {
        "Reactivate after restart: off".to_owned()
    })
    .await;
    let kept = b
        .find(Locator::Css("#issuer"))
        .await
        .prop("value")
        .await
        .ok()
        .flatten();
    b.check(kept.as_deref() == Some(issuer.as_str()), || {
        format!("issuer after restart: {kept:?}")
    })
    .await;
    b.goto(&format!("{o1}/admin/app")).await;
    let kept = b
        .find(Locator::Css("#acs_url"))
        .await
        .prop("value")
        .await
        .ok()
        .flatten();
    b.check(kept.as_deref() == Some(acs.as_str()), || {
        format!("ACS URL after restart: {kept:?}")
    })
    .await;
    b.wait_text("#imported-groups", "Org1 Contractors").await;
    b.wait_text("#api-token-state", "is set").await;
    let at_rest = ["org1.sqlite", "org1.sqlite-wal"]
        .iter()
        .flat_map(|f| std::fs::read(data.join(f)).unwrap_or_default())
        .collect::<Vec<u8>>();
    b.check(
        !at_rest.is_empty() && !at_rest.windows(token.len()).any(|w| w == token.as_bytes()),
        || "the API token is in org1.sqlite in plaintext".to_owned(),
    )
    .await;
    b.goto(&format!("{o1}/admin/groups")).await;
    b.wait_text("#groups", "Reviewers").await;
    again.child.kill().await.ok();
    let _ = b.client.close().await;
}
