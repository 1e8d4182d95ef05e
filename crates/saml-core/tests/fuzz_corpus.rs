//! Runs every cargo-fuzz target body over its seed corpus in `fuzz/corpus/<target>/`, so CI
//! exercises the fuzz targets on stable Rust. Crashes found by fuzzing are added to the corpus
//! (and named in `fuzz_regressions.rs` when they need an assertion of their own).

use std::path::PathBuf;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "empty corpus for {target}");
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).expect("corpus file");
            (p, data)
        })
        .collect()
}

#[test]
fn parse_corpus() {
    for (path, data) in corpus("parse") {
        eprintln!("{}", path.display());
        saml_core::fuzzing::parse(&data);
    }
}

#[test]
fn c14n_corpus() {
    for (path, data) in corpus("c14n") {
        eprintln!("{}", path.display());
        saml_core::fuzzing::c14n(&data);
    }
}

#[test]
fn verify_corpus_and_valid_seeds_stay_valid() {
    let mut valid_seeds = 0;
    for (path, data) in corpus("verify") {
        eprintln!("{}", path.display());
        let accepted = saml_core::fuzzing::verify(&data);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("seed-valid-") {
            assert!(accepted, "{name} must validate against the fuzz fixture");
            valid_seeds += 1;
        }
    }
    assert!(
        valid_seeds >= 3,
        "the verify corpus needs valid seeds to reach deep code"
    );
}

#[test]
fn decode_corpus() {
    for (path, data) in corpus("decode") {
        eprintln!("{}", path.display());
        saml_core::fuzzing::decode(&data);
    }
}

#[test]
fn authn_request_corpus() {
    for (path, data) in corpus("authn_request") {
        eprintln!("{}", path.display());
        saml_core::fuzzing::authn_request(&data);
    }
}

/// Runs `body` over the corpus of `target`; each `seed-valid-*` file must be accepted at least
/// `min` times (by at least one of the settings the body tries), and there must be `seeds` of
/// them, so that the fuzzer starts from inputs that reach the deepest checks.
fn corpus_with_valid_seeds(target: &str, body: fn(&[u8]) -> usize, min: usize, seeds: usize) {
    let mut valid_seeds = 0;
    for (path, data) in corpus(target) {
        eprintln!("{}", path.display());
        let accepted = body(&data);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("seed-valid-") {
            assert!(
                accepted >= min,
                "{name} must be accepted: {accepted} < {min}"
            );
            valid_seeds += 1;
        }
    }
    assert!(
        valid_seeds >= seeds,
        "the {target} corpus needs valid seeds to reach deep code"
    );
}

#[test]
fn sp_validate_corpus_and_valid_seeds_stay_valid() {
    corpus_with_valid_seeds("sp_validate", saml_core::fuzzing::sp_validate, 1, 8);
}

#[test]
fn idp_receive_corpus_and_valid_seeds_stay_valid() {
    corpus_with_valid_seeds("idp_receive", saml_core::fuzzing::idp_receive, 1, 4);
}

#[test]
fn logout_receive_corpus_and_valid_seeds_stay_valid() {
    // Each valid seed is accepted at least by HTTP-POST or its own query at the strict and
    // the lenient endpoint of the side it is addressed to.
    corpus_with_valid_seeds("logout_receive", saml_core::fuzzing::logout_receive, 2, 9);
}

/// The paths `logout_receive` tries accept exactly what they should under real cryptography:
/// a signed HTTP-POST seed by POST at the strict and the lenient endpoint and by the unsigned
/// query built around it at the lenient one; a signed query at both; an unsigned message only
/// at the lenient one, by POST and by the query. With its signed content changed, a POST seed
/// is refused wherever its signature is checked.
#[test]
fn logout_receive_tries_every_path() {
    let seed = |name: &str| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus/logout_receive")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    for to in ["to-sp", "to-idp"] {
        for message in ["request", "response"] {
            let post = seed(&format!("seed-valid-{to}-{message}-post.xml"));
            assert_eq!(
                saml_core::fuzzing::logout_receive(&post),
                3,
                "{to} {message}"
            );
            let redirect = seed(&format!("seed-valid-{to}-{message}-redirect.txt"));
            assert_eq!(
                saml_core::fuzzing::logout_receive(&redirect),
                2,
                "{to} {message}"
            );
        }
    }
    let unsigned = seed("seed-valid-to-idp-request-unsigned-post.xml");
    assert_eq!(saml_core::fuzzing::logout_receive(&unsigned), 2);
    let post = String::from_utf8(seed("seed-valid-to-sp-request-post.xml")).expect("UTF-8");
    let changed = post.replace("alice@example.com", "mallory@example.com");
    assert_ne!(changed, post);
    assert_eq!(saml_core::fuzzing::logout_receive(changed.as_bytes()), 1);
}

/// The settings `sp_validate` compares accept exactly what they should: a solicited Response
/// signed twice passes all seven, an unsolicited one all but the two that need the request,
/// one signed only on the Assertion fails the scopes that need the Response's signature.
#[test]
fn sp_validate_tries_every_setting() {
    use saml_core::fuzzing::{fixture, signed_response};
    use saml_core::saml::idp::{SignTarget, Subject};
    let subject = Subject::new("alice@example.com");
    let accepted = |target, in_response_to| {
        let xml = signed_response(target, &subject, in_response_to).expect("seed");
        saml_core::fuzzing::sp_validate(xml.as_bytes())
    };
    assert_eq!(accepted(SignTarget::Both, Some(fixture::REQUEST_ID)), 7);
    assert_eq!(accepted(SignTarget::Both, None), 5);
    assert_eq!(accepted(SignTarget::Assertion, None), 3);
    assert_eq!(accepted(SignTarget::Response, Some(fixture::REQUEST_ID)), 5);
    assert_eq!(accepted(SignTarget::Both, Some("_another-request")), 4);
}

/// The fuzzing backend (which accepts every signature and digest) exists only under
/// `--cfg fuzzing`: an ordinary build refuses a changed digest and a changed signature.
#[test]
fn ordinary_builds_check_signatures_and_digests() {
    use saml_core::fuzzing::signed_seed;
    use saml_core::saml::idp::SignTarget;
    let xml = signed_seed(SignTarget::Assertion).expect("seed");
    assert!(saml_core::fuzzing::verify(xml.as_bytes()));
    assert_eq!(saml_core::fuzzing::sp_validate(xml.as_bytes()), 3);
    let changed_content = xml.replace("alice@example.com", "mallory@example.com");
    assert!(!saml_core::fuzzing::verify(changed_content.as_bytes()));
    assert_eq!(
        saml_core::fuzzing::sp_validate(changed_content.as_bytes()),
        0
    );
    let start = xml.find("<ds:SignatureValue>").expect("SignatureValue") + 19;
    let mut changed_signature = xml.clone();
    let flipped = if &xml[start..=start] == "A" { "B" } else { "A" };
    changed_signature.replace_range(start..=start, flipped);
    assert!(!saml_core::fuzzing::verify(changed_signature.as_bytes()));
    assert_eq!(
        saml_core::fuzzing::sp_validate(changed_signature.as_bytes()),
        0
    );
}

/// Writes the generated seeds of `sp_validate` and `idp_receive` (and only those):
/// `FUZZ_REGENERATE_SEEDS=1 cargo test -p saml-core --test fuzz_corpus --
/// --exact regenerate_sp_validate_and_idp_receive_seeds`. Their IDs are random, so every run
/// changes them.
#[test]
fn regenerate_sp_validate_and_idp_receive_seeds() {
    use saml_core::binding;
    use saml_core::dsig::redirect::sign_query;
    use saml_core::fuzzing::{fixture, signed_response, signed_seed};
    use saml_core::saml::authn::RequestOptions;
    use saml_core::saml::idp::{SignTarget, Subject};
    use saml_core::saml::replay::InMemoryStore;
    use saml_core::saml::sp::ServiceProvider;
    use saml_core::settings::{IdpSettings, SpSettings};

    if std::env::var_os("FUZZ_REGENERATE_SEEDS").is_none() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let write = |sub: &str, name: &str, data: &[u8]| {
        std::fs::create_dir_all(dir.join(sub)).expect("corpus directory");
        std::fs::write(dir.join(sub).join(name), data).expect("write seed");
    };

    // Responses: unsolicited, solicited by the request the target holds outstanding, answering
    // another request, with many attributes, with none.
    let plain = Subject::new("bob");
    let rich = Subject::new("carol@example.com")
        .with_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        .with_attribute("email", vec!["carol@example.com".into()])
        .with_attribute(
            "groups",
            vec!["admins".into(), "R&D <lab>".into(), "".into()],
        )
        .with_attribute("displayName", vec!["Carol \u{e9}\u{f1}\u{4e2d}".into()]);
    for (name, target) in [
        ("assertion", SignTarget::Assertion),
        ("response", SignTarget::Response),
        ("both", SignTarget::Both),
    ] {
        let xml = signed_seed(target).expect("seed");
        write(
            "sp_validate",
            &format!("seed-valid-{name}.xml"),
            xml.as_bytes(),
        );
        let subject = Subject::new("alice@example.com");
        let xml = signed_response(target, &subject, Some(fixture::REQUEST_ID)).expect("seed");
        write(
            "sp_validate",
            &format!("seed-valid-solicited-{name}.xml"),
            xml.as_bytes(),
        );
    }
    let xml = signed_response(SignTarget::Both, &plain, Some("_another-request")).expect("seed");
    write(
        "sp_validate",
        "seed-valid-other-request-both.xml",
        xml.as_bytes(),
    );
    let xml = signed_response(SignTarget::Both, &rich, Some(fixture::REQUEST_ID)).expect("seed");
    write(
        "sp_validate",
        "seed-valid-attributes-both.xml",
        xml.as_bytes(),
    );
    let xml = signed_response(SignTarget::Assertion, &plain, None).expect("seed");
    write(
        "sp_validate",
        "seed-valid-plain-assertion.xml",
        xml.as_bytes(),
    );

    // AuthnRequests: signed and unsigned, as HTTP-POST XML and as HTTP-Redirect queries.
    let key = || saml_core::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).expect("key");
    let cert = saml_core::crypto::Certificate::from_pem(fixture::CERT_PEM, None).expect("cert");
    let anchor = saml_core::crypto::TrustAnchor::from_any(fixture::CERT_PEM, None).expect("cert");
    let options = RequestOptions::default()
        .with_force_authn(true)
        .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    let request = |sign: bool| {
        let sp = ServiceProvider::new(
            IdpSettings::new(fixture::ISSUER, fixture::SSO_URL, vec![anchor.clone()])
                .with_sign_requests(sign),
            SpSettings::new(fixture::AUDIENCE, fixture::ACS).with_signing_key(key(), cert.clone()),
        )
        .expect("complete settings");
        sp.authn_request(fixture::now(), &options, &InMemoryStore::default())
            .expect("request")
            .xml
    };
    let signed = request(true);
    let unsigned = request(false);
    write(
        "idp_receive",
        "seed-valid-post-signed.xml",
        signed.as_bytes(),
    );
    write(
        "idp_receive",
        "seed-valid-post-unsigned.xml",
        unsigned.as_bytes(),
    );
    let signer = saml_core::dsig::Signer::new(key(), None);
    let encoded = binding::encode_redirect(unsigned.as_bytes());
    let query = sign_query("SAMLRequest", &encoded, Some("rs"), &signer).expect("signed query");
    write(
        "idp_receive",
        "seed-valid-redirect-signed.txt",
        query.as_bytes(),
    );
    let url = format!("{}?{query}", fixture::SSO_URL);
    write(
        "idp_receive",
        "seed-valid-redirect-signed-url.txt",
        url.as_bytes(),
    );
    let query = format!("SAMLRequest={encoded}&RelayState=%2Fapp%3Fa%3D1");
    write(
        "idp_receive",
        "seed-valid-redirect-unsigned.txt",
        query.as_bytes(),
    );
}

/// Writes the generated seeds: `FUZZ_REGENERATE_SEEDS=1 cargo test -p saml-core --test
/// fuzz_corpus regenerate`.
#[test]
fn regenerate_seeds() {
    use saml_core::binding;
    use saml_core::fuzzing::{fixture, signed_seed};
    use saml_core::saml::authn::RequestOptions;
    use saml_core::saml::idp::SignTarget;
    use saml_core::saml::replay::InMemoryStore;
    use saml_core::saml::sp::ServiceProvider;
    use saml_core::settings::{Binding, IdpSettings, SpSettings};

    if std::env::var_os("FUZZ_REGENERATE_SEEDS").is_none() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let write = |sub: &str, name: &str, data: &[u8]| {
        std::fs::write(dir.join(sub).join(name), data).expect("write seed");
    };
    for (name, target) in [
        ("assertion", SignTarget::Assertion),
        ("response", SignTarget::Response),
        ("both", SignTarget::Both),
    ] {
        let xml = signed_seed(target).expect("seed");
        write("verify", &format!("seed-valid-{name}.xml"), xml.as_bytes());
        if name == "both" {
            let b64 = binding::encode_post(xml.as_bytes());
            write("decode", "seed-post-base64.txt", b64.as_bytes());
            let body = format!(
                "SAMLResponse={}&RelayState=%2Fapp",
                binding::url_encode(&b64)
            );
            write("decode", "seed-form-body.txt", body.as_bytes());
            let query = format!(
                "https://sp.example/acs?SAMLResponse={}",
                binding::encode_redirect(xml.as_bytes())
            );
            write("decode", "seed-redirect.txt", query.as_bytes());
        }
    }
    let key = saml_core::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).expect("key");
    let cert = saml_core::crypto::Certificate::from_pem(fixture::CERT_PEM, None).expect("cert");
    // Settings must name a trust anchor, although nothing here verifies.
    let anchor = saml_core::crypto::TrustAnchor::from_any(fixture::CERT_PEM, None).expect("cert");
    for (binding_kind, name) in [
        (Binding::HttpPost, "post.xml"),
        (Binding::HttpRedirect, "redirect.txt"),
    ] {
        let key = saml_core::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).expect("key");
        let sp = ServiceProvider::new(
            IdpSettings::new(fixture::ISSUER, fixture::SSO_URL, vec![anchor.clone()])
                .with_sso_binding(binding_kind),
            SpSettings::new(fixture::AUDIENCE, fixture::ACS).with_signing_key(key, cert.clone()),
        )
        .expect("complete settings");
        let request = sp
            .authn_request(
                fixture::now(),
                &RequestOptions::default(),
                &InMemoryStore::default(),
            )
            .expect("request");
        let data = match binding_kind {
            Binding::HttpPost => request.xml.clone(),
            _ => sp.redirect_url(&request, Some("rs")).expect("url"),
        };
        write("authn_request", &format!("seed-{name}"), data.as_bytes());
    }
    drop(key);
}

/// Writes the generated seeds of `logout_receive`: `FUZZ_REGENERATE_SEEDS=1 cargo test -p
/// saml-core --test fuzz_corpus -- --exact regenerate_logout_receive_seeds`. Every message is
/// signed by the fixture key at the fixture time; LogoutResponses answer the LogoutRequest the
/// target holds pending. IDs are random, so every run changes them.
#[test]
fn regenerate_logout_receive_seeds() {
    use saml_core::crypto::{Certificate, SigningKey, TrustAnchor};
    use saml_core::dsig::Signer;
    use saml_core::fuzzing::fixture;
    use saml_core::saml::idp::{IdentityProvider, SpPeer, Subject};
    use saml_core::saml::logout::{
        InMemorySessionRegistry, LogoutStatus, LogoutSubject, OutgoingLogout, REASON_USER,
    };
    use saml_core::saml::replay::InMemoryStore;
    use saml_core::saml::sp::{NameId, ServiceProvider};
    use saml_core::settings::{Binding, IdpSettings, SpSettings};

    if std::env::var_os("FUZZ_REGENERATE_SEEDS").is_none() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/logout_receive");
    std::fs::create_dir_all(&dir).expect("corpus directory");
    // HTTP-POST seeds are the XML (the target posts its base64), HTTP-Redirect ones the URL.
    let write = |name: &str, out: &OutgoingLogout| {
        let (file, data) = match out.redirect_url() {
            Some(url) => (format!("seed-valid-{name}-redirect.txt"), url.to_owned()),
            None => (format!("seed-valid-{name}-post.xml"), out.xml.clone()),
        };
        std::fs::write(dir.join(file), data).expect("write seed");
    };
    let key = || SigningKey::from_pem(fixture::KEY_PEM, None).expect("key");
    let cert = Certificate::from_pem(fixture::CERT_PEM, None).expect("cert");
    let anchor = TrustAnchor::from_any(fixture::CERT_PEM, None).expect("cert");
    let now = fixture::now();
    let idp = IdentityProvider::new(
        fixture::ISSUER,
        fixture::SSO_URL,
        Signer::new(key(), Some(cert.clone())),
    )
    .with_single_logout_url(fixture::IDP_SLO_URL);
    // The SP's LogoutResponses to the IdP answer a LogoutRequest ID of our choosing, which
    // `ServiceProvider::answer_logout` cannot: an IdentityProvider named as the SP, with the
    // same fixture key, builds them with the same code.
    let sp_as_sender = IdentityProvider::new(
        fixture::AUDIENCE,
        fixture::ACS,
        Signer::new(key(), Some(cert.clone())),
    );
    for (binding, _) in [
        (Binding::HttpPost, "post"),
        (Binding::HttpRedirect, "redirect"),
    ] {
        // To the SP: the IdP's LogoutRequest (propagating IdP session "s1") and its
        // LogoutResponse (PartialLogout, a status that is not an error).
        let peer = SpPeer::new(fixture::AUDIENCE, fixture::ACS, vec![anchor.clone()])
            .expect("peer")
            .with_single_logout_service(fixture::SP_SLO_URL, binding);
        let registry = InMemorySessionRegistry::default();
        let subject = Subject::new("alice@example.com")
            .with_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
        idp.issue_in_session(&peer, &subject, None, "s1", &registry, now)
            .expect("login");
        let mut propagation = idp.start_logout("s1", &registry, None).expect("start");
        let peers = [peer.clone()];
        let requests = idp
            .logout_requests(&mut propagation, &peers, &InMemoryStore::default(), now)
            .expect("LogoutRequest");
        write("to-sp-request", &requests[0]);
        let status = LogoutStatus::partial_logout().with_message("one SP did not answer");
        let response = idp
            .logout_response(&peer, fixture::LOGOUT_REQUEST_ID, &status, Some("rs"), now)
            .expect("LogoutResponse");
        write("to-sp-response", &response);

        // To the IdP: the SP's LogoutRequest (with a SessionIndex and a Reason) and its
        // LogoutResponse.
        let sp = ServiceProvider::new(
            IdpSettings::new(fixture::ISSUER, fixture::SSO_URL, vec![anchor.clone()])
                .with_single_logout_service(fixture::IDP_SLO_URL, binding),
            SpSettings::new(fixture::AUDIENCE, fixture::ACS)
                .with_single_logout_url(fixture::SP_SLO_URL)
                .with_signing_key(key(), cert.clone()),
        )
        .expect("complete settings");
        let subject = LogoutSubject::new(NameId::new("bob"), vec!["_session-1".into()]);
        let request = sp
            .logout_request(&subject, Some(REASON_USER), Some("/bye"), now)
            .expect("LogoutRequest")
            .record(&InMemoryStore::default())
            .expect("record");
        write("to-idp-request", &request);
        let idp_peer = SpPeer::new(fixture::ISSUER, fixture::SSO_URL, vec![anchor.clone()])
            .expect("peer")
            .with_single_logout_service(fixture::IDP_SLO_URL, binding);
        let response = sp_as_sender
            .logout_response(
                &idp_peer,
                fixture::LOGOUT_REQUEST_ID,
                &LogoutStatus::success(),
                None,
                now,
            )
            .expect("LogoutResponse");
        write("to-idp-response", &response);
    }
    // An unsigned LogoutRequest from an SP without a key: only the lenient IdP takes it, by
    // HTTP-POST and by the unsigned query built around it, which must agree.
    let sp = ServiceProvider::new(
        IdpSettings::new(fixture::ISSUER, fixture::SSO_URL, vec![anchor])
            .with_single_logout_service(fixture::IDP_SLO_URL, Binding::HttpPost)
            .with_sign_requests(false),
        SpSettings::new(fixture::AUDIENCE, fixture::ACS)
            .with_single_logout_url(fixture::SP_SLO_URL),
    )
    .expect("complete settings");
    let subject = LogoutSubject::new(NameId::new("carol"), Vec::new());
    let request = sp
        .logout_request(&subject, None, None, now)
        .expect("LogoutRequest")
        .record(&InMemoryStore::default())
        .expect("record");
    write("to-idp-request-unsigned", &request);
}
