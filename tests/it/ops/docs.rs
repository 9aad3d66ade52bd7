//! `docs/operations.md`'s configuration table names exactly the variables the code reads.

use std::cell::RefCell;
use std::collections::BTreeSet;

use herald::config::{Config, Sources};

/// Every variable `Config::load` asks for, recorded as it asks (the list cannot drift from the code).
fn variables_read_by_the_code() -> BTreeSet<String> {
    let asked = RefCell::new(BTreeSet::new());
    let env = |name: &str| {
        asked.borrow_mut().insert(name.to_owned());
        None
    };
    Config::load(Sources {
        env: &env,
        file: None,
        stdout_is_terminal: false,
    })
    .expect("defaults load");
    let mut names = asked.into_inner();
    // Read by `Config::from_env` before `load`: where the file is.
    names.insert("HERALD_CONFIG".to_owned());
    names
}

fn variables_in_the_doc() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations.md"))
        .expect("docs/operations.md");
    let section = doc
        .split("<!-- config-table:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- config-table:end -->").next())
        .expect("the configuration table is marked");
    section
        .lines()
        .filter(|line| line.starts_with('|'))
        .filter_map(|line| line.split('|').nth(1))
        .flat_map(|cell| {
            cell.split('`')
                .filter(|part| part.starts_with("HERALD_"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_configuration_table_matches_the_code() {
    let code = variables_read_by_the_code();
    let doc = variables_in_the_doc();
    let undocumented: Vec<_> = code.difference(&doc).collect();
    let stale: Vec<_> = doc.difference(&code).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "docs/operations.md: add {undocumented:?}, remove {stale:?}"
    );
    assert!(code.len() >= 15, "too few variables recorded: {code:?}");
}

#[test]
fn every_feature_flag_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations.md"))
        .unwrap();
    for (name, _, _) in herald::config::FEATURES {
        assert!(
            doc.contains(&format!("`{name}`")),
            "flag {name} undocumented"
        );
    }
}
