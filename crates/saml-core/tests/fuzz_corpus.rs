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
