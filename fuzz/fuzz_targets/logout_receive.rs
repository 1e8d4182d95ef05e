#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = saml_core::fuzzing::logout_receive(data);
});
