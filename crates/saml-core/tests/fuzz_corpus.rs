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

/// The fuzzing backend (which accepts every signature and digest) exists only under
/// `--cfg fuzzing`: an ordinary build refuses a changed digest and a changed signature.
#[test]
fn ordinary_builds_check_signatures_and_digests() {
    use saml_core::fuzzing::signed_seed;
    use saml_core::saml::idp::SignTarget;
    let xml = signed_seed(SignTarget::Assertion).expect("seed");
    assert!(saml_core::fuzzing::verify(xml.as_bytes()));
    let changed_content = xml.replace("alice@example.com", "mallory@example.com");
    assert!(!saml_core::fuzzing::verify(changed_content.as_bytes()));
    let start = xml.find("<ds:SignatureValue>").expect("SignatureValue") + 19;
    let mut changed_signature = xml.clone();
    let flipped = if &xml[start..=start] == "A" { "B" } else { "A" };
    changed_signature.replace_range(start..=start, flipped);
    assert!(!saml_core::fuzzing::verify(changed_signature.as_bytes()));
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
    for (binding_kind, name) in [
        (Binding::HttpPost, "post.xml"),
        (Binding::HttpRedirect, "redirect.txt"),
    ] {
        let key = saml_core::crypto::SigningKey::from_pem(fixture::KEY_PEM, None).expect("key");
        let sp = ServiceProvider::new(
            IdpSettings::new(fixture::ISSUER, "https://idp.fuzz.example/sso", Vec::new())
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
