//! The fail-closed commit: validation yields an `Unreplayed` that hands out the assertion only
//! through a commit to the replay cache and request store, sync or async. A store that cannot
//! answer refuses the login; concurrent commits of one assertion accept exactly one; settings
//! that cannot work are refused when the service provider is built.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use saml_core::prelude::*;
use saml_core::saml::replay::{AsyncReplayCache, AsyncRequestStore, ReplayOutcome};

mod common;
use common::*;

const ISSUER: &str = "http://www.okta.com/exk1stores";
const SSO: &str = "https://org1.example/sso";
const AUDIENCE: &str = "https://org2.example/metadata";
const ACS: &str = "https://org2.example/acs";

fn now() -> DateTime {
    parse_xs_datetime("2026-11-22T12:00:00Z").expect("time")
}

fn sp() -> ServiceProvider {
    let anchor = TrustAnchor::from_any(&testdata("rsa2048.cert.pem"), Some("idp")).expect("cert");
    ServiceProvider::new(
        IdpSettings::new(ISSUER, SSO, vec![anchor]).with_sign_requests(false),
        SpSettings::new(AUDIENCE, ACS).with_unsolicited(true),
    )
    .expect("complete settings")
}

/// A Response from our IdP, answering `request` if given.
fn response(request: Option<&str>) -> String {
    let signer = saml_core::dsig::Signer::new(
        SigningKey::from_pem(&testdata("rsa2048.pk8.pem"), None).expect("key"),
        Some(Certificate::from_pem(&testdata("rsa2048.cert.pem"), None).expect("cert")),
    );
    let idp = IdentityProvider::new(ISSUER, SSO, signer).with_sign_target(SignTarget::Assertion);
    let peer = saml_core::saml::idp::danger::unsigned_requests(AUDIENCE, ACS);
    let xml = idp
        .issue(&peer, &Subject::new("alice@org1.example"), None, now())
        .expect("issued");
    match request {
        None => xml,
        // Solicited: the bearer confirmation names the request (re-signed below).
        Some(id) => {
            let unsigned = strip_signature(&xml);
            let unsigned = unsigned.replacen(
                "<saml:SubjectConfirmationData ",
                &format!("<saml:SubjectConfirmationData InResponseTo=\"{id}\" "),
                1,
            );
            let doc = saml_core::xml::Document::parse(&unsigned).expect("parses");
            let assertion = doc
                .element_children(doc.root_element())
                .last()
                .expect("assertion");
            let assertion_id = doc
                .attribute_unverified(assertion, "ID")
                .expect("ID")
                .to_owned();
            let signer = saml_core::dsig::Signer::new(
                SigningKey::from_pem(&testdata("rsa2048.pk8.pem"), None).expect("key"),
                None,
            );
            signer
                .sign_element(&unsigned, &assertion_id)
                .expect("signs")
        }
    }
}

fn strip_signature(xml: &str) -> String {
    let start = xml.find("<ds:Signature").expect("a signature");
    let end = xml.find("</ds:Signature>").expect("its end") + "</ds:Signature>".len();
    format!("{}{}", &xml[..start], &xml[end..])
}

/// A store that is down: every call fails.
struct Down;

impl ReplayCache for Down {
    fn insert_if_absent(
        &self,
        _: &str,
        _: DateTime,
        _: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        Err(StoreError::Timeout { timeout_ms: 50 })
    }
}

impl RequestStore for Down {
    fn insert(&self, _: &str, _: DateTime, _: DateTime) -> Result<(), StoreError> {
        Err(StoreError::Unavailable {
            detail: "connection refused".into(),
        })
    }

    fn take(&self, _: &str, _: DateTime) -> Result<bool, StoreError> {
        Err(StoreError::Unavailable {
            detail: "connection refused".into(),
        })
    }
}

impl AsyncReplayCache for Down {
    async fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        tokio::task::yield_now().await;
        ReplayCache::insert_if_absent(self, key, expires, now)
    }
}

impl AsyncRequestStore for Down {
    async fn insert(&self, id: &str, expires: DateTime, now: DateTime) -> Result<(), StoreError> {
        RequestStore::insert(self, id, expires, now)
    }

    async fn take(&self, id: &str, now: DateTime) -> Result<bool, StoreError> {
        tokio::task::yield_now().await;
        RequestStore::take(self, id, now)
    }
}

/// A network-like store: answers after a real await point (a timer), counting calls.
#[derive(Default)]
struct Remote {
    inner: InMemoryStore,
    calls: AtomicUsize,
}

impl AsyncReplayCache for Remote {
    async fn insert_if_absent(
        &self,
        key: &str,
        expires: DateTime,
        now: DateTime,
    ) -> Result<ReplayOutcome, StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(1)).await;
        ReplayCache::insert_if_absent(&self.inner, key, expires, now)
    }
}

impl AsyncRequestStore for Remote {
    async fn insert(&self, id: &str, expires: DateTime, now: DateTime) -> Result<(), StoreError> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        RequestStore::insert(&self.inner, id, expires, now)
    }

    async fn take(&self, id: &str, now: DateTime) -> Result<bool, StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(1)).await;
        RequestStore::take(&self.inner, id, now)
    }
}

#[test]
fn an_unreachable_replay_store_refuses_the_login() {
    let xml = response(None);
    let err = sp()
        .validate(xml.as_bytes(), now(), Solicitation::outstanding())
        .expect("valid")
        .commit(&Down)
        .expect_err("store down");
    assert_eq!(err.kind(), ErrorKind::ReplayStoreUnavailable);
    assert!(err.to_string().contains("50 ms"), "{err}");
}

#[test]
fn an_unreachable_request_store_refuses_the_login() {
    let xml = response(Some("_req1"));
    let err = sp()
        .validate(xml.as_bytes(), now(), Solicitation::outstanding())
        .expect("valid")
        .commit(&Down)
        .expect_err("store down");
    assert_eq!(err.kind(), ErrorKind::RequestStoreUnavailable);
}

#[test]
fn a_request_that_cannot_be_recorded_is_not_sent() {
    let sp = ServiceProvider::new(
        IdpSettings::new(
            ISSUER,
            SSO,
            vec![TrustAnchor::from_any(&testdata("rsa2048.cert.pem"), None).expect("cert")],
        ),
        SpSettings::new(AUDIENCE, ACS).with_signing_key(
            SigningKey::from_pem(&testdata("rsa3072.pk8.pem"), None).expect("key"),
            Certificate::from_pem(&testdata("rsa3072.cert.pem"), None).expect("cert"),
        ),
    )
    .expect("complete settings");
    let err = sp
        .authn_request(now(), &Default::default(), &Down)
        .expect_err("store down");
    assert_eq!(err.kind(), ErrorKind::RequestStoreUnavailable);
}

#[test]
fn the_outstanding_request_is_consumed_once() {
    let sp = sp();
    let store = InMemoryStore::default();
    RequestStore::insert(
        &store,
        "_req1",
        DateTime::from_unix_seconds(i64::MAX / 4),
        now(),
    )
    .expect("recorded");
    let xml = response(Some("_req1"));
    let v = sp
        .validate(xml.as_bytes(), now(), Solicitation::outstanding())
        .expect("valid")
        .commit(&store)
        .expect("accepted");
    assert_eq!(v.in_response_to(), Some("_req1"));
    let err = sp
        .validate(xml.as_bytes(), now(), Solicitation::outstanding())
        .expect("valid")
        .commit(&InMemoryStore::default())
        .expect_err("unknown request");
    assert_eq!(err.kind(), ErrorKind::UnknownInResponseTo);
}

async fn commit_twice_async() {
    let sp = sp();
    let store = Remote::default();
    let xml = response(None);
    let first = sp
        .validate(xml.as_bytes(), now(), Solicitation::outstanding())
        .expect("valid")
        .commit_async(&store)
        .await;
    assert!(first.is_ok(), "{first:?}");
    let second = sp
        .validate(xml.as_bytes(), now(), Solicitation::outstanding())
        .expect("valid")
        .commit_async(&store)
        .await
        .expect_err("replay");
    assert_eq!(second.kind(), ErrorKind::Replay);
    assert_eq!(
        store.calls.load(Ordering::SeqCst),
        2,
        "one replay-cache call per login"
    );

    let err = sp
        .validate(xml.as_bytes(), now(), Solicitation::outstanding())
        .expect("valid")
        .commit_async(&Down)
        .await
        .expect_err("down");
    assert_eq!(err.kind(), ErrorKind::ReplayStoreUnavailable);
}

/// A network store on a current-thread runtime: the commit awaits, it never blocks the one
/// worker (a blocking store would deadlock here, since the timer needs the same thread).
#[tokio::test(flavor = "current_thread")]
async fn async_commit_on_a_current_thread_runtime() {
    commit_twice_async().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_commit_on_a_multi_thread_runtime() {
    commit_twice_async().await;
}

/// 64 tasks present the same assertion at once: exactly one is accepted (insert-if-absent is
/// atomic, never a read then a write).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_accept_exactly_one_async() {
    let sp = Arc::new(sp());
    let store = Arc::new(Remote::default());
    let xml = Arc::new(response(None));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (sp, store, xml) = (sp.clone(), store.clone(), xml.clone());
            tokio::spawn(async move {
                let pending = sp
                    .validate(xml.as_bytes(), now(), Solicitation::outstanding())
                    .expect("valid");
                pending.commit_async(&*store).await.is_ok()
            })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.expect("task"));
    }
    assert_eq!(accepted, 1);
}

#[test]
fn concurrent_commits_accept_exactly_one_sync() {
    let sp = sp();
    let store = InMemoryStore::default();
    let xml = response(None);
    let accepted = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..64 {
            s.spawn(|| {
                if sp
                    .validate_and_commit(xml.as_bytes(), now(), Solicitation::outstanding(), &store)
                    .is_ok()
                {
                    accepted.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// `&dyn SpStore` works, solicited logins included: the sync traits stay dyn compatible (a
/// provided method `where Self: RequestStore` on `ReplayCache` would break this).
#[test]
fn a_solicited_login_commits_through_dyn_sp_store() {
    let sp = sp();
    let store = InMemoryStore::default();
    let expires = now().checked_add_seconds(300).expect("in range");
    RequestStore::insert(&store, "_req_dyn", expires, now()).expect("recorded");
    let dynamic: &dyn SpStore = &store;
    let xml = response(Some("_req_dyn"));
    let v = sp
        .validate_and_commit(xml.as_bytes(), now(), Solicitation::outstanding(), dynamic)
        .expect("accepted");
    assert_eq!(v.in_response_to(), Some("_req_dyn"));
}

/// Dropping the pending value records nothing: the same assertion is accepted afterwards.
#[test]
fn validation_alone_records_nothing() {
    let sp = sp();
    let store = InMemoryStore::default();
    let xml = response(None);
    let pending = sp
        .validate(xml.as_bytes(), now(), Solicitation::outstanding())
        .expect("valid");
    drop(pending);
    sp.validate_and_commit(xml.as_bytes(), now(), Solicitation::outstanding(), &store)
        .expect("first commit");
}

mod settings_are_checked_when_built {
    use saml_core::crypto::SignatureAlgorithm;

    use super::*;

    fn anchor() -> TrustAnchor {
        TrustAnchor::from_any(&testdata("rsa2048.cert.pem"), None).expect("cert")
    }

    #[test]
    fn no_trust_anchors() {
        let err = ServiceProvider::new(
            IdpSettings::new(ISSUER, SSO, Vec::new()).with_sign_requests(false),
            SpSettings::new(AUDIENCE, ACS),
        )
        .expect_err("no anchors");
        assert!(matches!(err, SettingsError::NoTrustAnchors { .. }), "{err}");
    }

    #[test]
    fn request_signing_without_a_key() {
        let err = ServiceProvider::new(
            IdpSettings::new(ISSUER, SSO, vec![anchor()]),
            SpSettings::new(AUDIENCE, ACS),
        )
        .expect_err("no key");
        assert!(matches!(err, SettingsError::NoRequestSigningKey), "{err}");
    }

    #[test]
    fn a_key_that_does_not_fit_the_algorithm() {
        let err = ServiceProvider::new(
            IdpSettings::new(ISSUER, SSO, vec![anchor()])
                .with_request_signature_algorithm(SignatureAlgorithm::RsaSha256),
            SpSettings::new(AUDIENCE, ACS).with_signing_key(
                SigningKey::from_pem(&testdata("p256.pk8.pem"), None).expect("key"),
                Certificate::from_pem(&testdata("p256.cert.pem"), None).expect("cert"),
            ),
        )
        .expect_err("P-256 cannot sign RSA-SHA256");
        assert!(
            matches!(err, SettingsError::RequestKeyDoesNotFit { .. }),
            "{err}"
        );
    }

    #[test]
    fn empty_entity_id() {
        let err = ServiceProvider::new(
            IdpSettings::new(ISSUER, SSO, vec![anchor()]).with_sign_requests(false),
            SpSettings::new("", ACS),
        )
        .expect_err("empty");
        assert!(matches!(err, SettingsError::EmptyField { .. }), "{err}");
    }

    /// The signer takes its algorithm from its key: an ECDSA key signs ECDSA-SHA256.
    #[test]
    fn signer_algorithm_follows_the_key() {
        let ec = saml_core::dsig::Signer::new(
            SigningKey::from_pem(&testdata("p256.pk8.pem"), None).expect("key"),
            None,
        );
        assert_eq!(ec.algorithm(), SignatureAlgorithm::EcdsaSha256);
        let rsa = saml_core::dsig::Signer::new(
            SigningKey::from_pem(&testdata("rsa2048.pk8.pem"), None).expect("key"),
            None,
        );
        assert_eq!(rsa.algorithm(), SignatureAlgorithm::RsaSha256);
        assert!(rsa.with_algorithm(SignatureAlgorithm::EcdsaSha256).is_err());
    }

    /// An ECDSA SP key with the default settings signs its requests with ECDSA-SHA256.
    #[test]
    fn ecdsa_request_signing_by_default() {
        let sp = ServiceProvider::new(
            IdpSettings::new(ISSUER, SSO, vec![anchor()]),
            SpSettings::new(AUDIENCE, ACS).with_signing_key(
                SigningKey::from_pem(&testdata("p256.pk8.pem"), None).expect("key"),
                Certificate::from_pem(&testdata("p256.cert.pem"), None).expect("cert"),
            ),
        )
        .expect("complete settings");
        let request = sp
            .authn_request(now(), &Default::default(), &InMemoryStore::default())
            .expect("request");
        assert!(request.xml.contains(SignatureAlgorithm::EcdsaSha256.uri()));
    }
}
