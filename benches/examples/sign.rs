//! Signs the Assertion of an unsigned Response repeatedly with `Signer::sign_element` (parse,
//! exclusive c14n, SHA-256, one private-key operation, the Signature inserted) and prints the
//! time per op; `benches/compare/compare_sign.py` runs it beside xmlsec and signxml signing the
//! same template.
//!
//! ```sh
//! cargo run --release -p saml-benches --example sign -- UNSIGNED.xml KEY.pem CERT.pem SECONDS [OUT]
//! ```
//!
//! Prints `sign: N iterations: X µs/op`; with OUT, writes one signed document there first.

use std::time::{Duration, Instant};

use saml_core::crypto::{Certificate, SigningKey};
use saml_core::dsig::Signer;
use saml_core::xml::Document;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, key, cert, seconds, rest @ ..] = args.as_slice() else {
        panic!("usage: sign UNSIGNED.xml KEY.pem CERT.pem SECONDS [OUT]");
    };
    let xml = std::fs::read_to_string(file).expect("the unsigned document");
    let signer = Signer::new(
        SigningKey::from_pem(&std::fs::read(key).expect("key"), Some(key)).expect("a key"),
        Some(
            Certificate::from_pem(&std::fs::read(cert).expect("cert"), Some(cert))
                .expect("a certificate"),
        ),
    );
    let id = {
        let doc = Document::parse(&xml).expect("parses");
        let assertion = doc
            .element_children(doc.root_element())
            .find(|&n| doc.is(n, saml_benches::SAML_ASSERTION_NS, "Assertion"))
            .expect("an Assertion");
        doc.attribute_unverified(assertion, "ID")
            .expect("an ID")
            .to_owned()
    };
    if let Some(out) = rest.first() {
        let signed = signer.sign_element(&xml, &id).expect("signs");
        std::fs::write(out, signed).expect("writes OUT");
    }
    let budget = Duration::from_secs_f64(seconds.parse().expect("SECONDS is a number"));
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget || n == 0 {
        std::hint::black_box(signer.sign_element(&xml, &id).expect("signs"));
        n += 1;
    }
    let each = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("sign: {n} iterations: {each:.2} µs/op");
}
