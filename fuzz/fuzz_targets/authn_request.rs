#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| saml_core::fuzzing::authn_request(data));
