//! The Okta Org2Org flow on loopback, in one process serving three sites: Org1 (the IdP) on
//! 127.0.0.1, Org2 (the SP of Org1 and the IdP of the app) on 127.0.0.2, and a target app on
//! 127.0.0.3. State lives in SQLite files under the data directory; see the README's
//! "Two-org demo".
//!
//! Org2's API token, which Org1 keeps to push users, is sealed in `org1.sqlite` (AES-256-GCM)
//! with a key in `org1-secrets.key` beside it (made on first start, mode 0600; a start with a
//! key file of the wrong length or open to group/others is refused). This protects a copy of
//! the database alone (a backup, a file attached to a bug report). It does not protect against
//! anyone who can read the data directory (the key is there too), run as the demo's user, or
//! read the process's memory: the token is in clear in memory, as it must be to be sent. The
//! key is not a password and is not rotated; losing it (or changing it) loses only the token,
//! which the app page then asks for again.
#![forbid(unsafe_code)]

mod app;
mod org1;
mod org2;
mod secrets;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use saml_store_sqlite::{SqliteSettings, SqliteStore};

/// Okta's Org2Org flow on loopback: Org1 (IdP), Org2 (SP), a target app.
#[derive(Parser, Debug)]
#[command(name = "org2org-demo")]
struct Args {
    /// Where each org keeps its state (SQLite files); created when absent.
    #[arg(long, default_value = "org2org-data")]
    data_dir: PathBuf,
    /// Org1's address (the IdP).
    #[arg(long, default_value = "127.0.0.1:7001")]
    org1: SocketAddr,
    /// Org2's address (the SP).
    #[arg(long, default_value = "127.0.0.2:7002")]
    org2: SocketAddr,
    /// The target app's address.
    #[arg(long, default_value = "127.0.0.3:7003")]
    app: SocketAddr,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("org2org-demo: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.data_dir)
        .map_err(|e| format!("{}: {e}", args.data_dir.display()))?;
    let bind = |addr: SocketAddr| async move {
        tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))
    };
    let (l1, l2, l3) = (
        bind(args.org1).await?,
        bind(args.org2).await?,
        bind(args.app).await?,
    );
    let origin = |l: &tokio::net::TcpListener| {
        l.local_addr()
            .map(|a| format!("http://{a}"))
            .map_err(|e| e.to_string())
    };
    let (o1, o2, o3) = (origin(&l1)?, origin(&l2)?, origin(&l3)?);
    let data = &args.data_dir;
    let store = |file: &str, ns: &str| {
        SqliteStore::open(SqliteSettings::new(data.join(file), ns))
            .map(Arc::new)
            .map_err(|e| format!("{file}: {e}"))
    };

    let org1_key = secrets::SecretKey::load_or_create(&data.join(org1::KEY_FILE))?;
    let org1 = org1::Org1::open(&o1, web::Kv::open(&data.join("org1.sqlite"))?, org1_key)?;
    let org2_kv = web::Kv::open(&data.join("org2.sqlite"))?;
    let (org2_key, org2_pem) = web::signing_key(&org2_kv, "org2_signing_key", "Org2 SAML signing")?;
    let org2 = org2::Org2::open(
        &o2,
        &o3,
        org2_kv,
        &data.join("org2-directory.sqlite"),
        store("org2-replay.sqlite", "org2")?,
        &org2_key,
    )?;
    let app = app::router(&o3, &o2, &org2_pem, store("app-replay.sqlite", "app")?)?;

    println!(
        "Org1 (IdP):     {o1}/   admin {} / {}",
        org1::ADMIN_LOGIN,
        org1::ADMIN_PASSWORD
    );
    println!(
        "                 user {} / {}",
        org1::CONTRACTOR_LOGIN,
        org1::CONTRACTOR_PASSWORD
    );
    println!(
        "Org2 (SP):      {o2}/   admin {} / {}",
        org2::ADMIN_LOGIN,
        org2::ADMIN_PASSWORD
    );
    println!("Target app:     {o3}/");
    println!("Data directory: {}", data.display());
    println!("ready");

    let s1 = axum::serve(l1, org1::router(org1));
    let s2 = axum::serve(l2, org2::router(org2));
    let s3 = axum::serve(l3, app);
    tokio::select! {
        r = s1 => r.map_err(|e| format!("Org1: {e}")),
        r = s2 => r.map_err(|e| format!("Org2: {e}")),
        r = s3 => r.map_err(|e| format!("app: {e}")),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
