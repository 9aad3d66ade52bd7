//! `/api/openapi.json` documents exactly the routes the router serves: paths are read from the
//! route table the router is built from (`http::routes()`), methods from what a live app answers
//! (`405` + `Allow`).

use std::collections::BTreeSet;

use herald::http::openapi::{OPERATIONS, path_parameters};
use herald::store::Backend;

use crate::harness::app::TestApp;

/// Route templates the router is built from (the route table; see `http::routes`).
fn router_paths() -> BTreeSet<String> {
    herald::http::routes()
        .iter()
        .map(|route| route.path.to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_matches_the_real_routes() {
    let paths = router_paths();
    assert!(
        paths.len() >= 5,
        "could not read the router paths: {paths:?}"
    );
    let app = TestApp::spawn(Backend::Sqlite).await;

    let mut served = BTreeSet::new();
    for path in &paths {
        let mut concrete = path.clone();
        for name in path_parameters(path) {
            concrete = concrete.replace(
                &format!("{{{name}}}"),
                "00000000-0000-0000-0000-000000000000",
            );
        }
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(b"PROPFIND").unwrap(),
                format!("{}{concrete}", app.api),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{path}");
        let allow = response.headers()["allow"].to_str().unwrap().to_owned();
        for method in allow.split(',').map(str::trim) {
            // axum answers HEAD for every GET by itself.
            if method != "HEAD" {
                served.insert((method.to_ascii_lowercase(), path.clone()));
            }
        }
    }
    let documented: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|op| (op.method.to_owned(), op.path.to_owned()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && phantom.is_empty(),
        "add to http::openapi::OPERATIONS: {undocumented:?}; no such route: {phantom:?}"
    );

    // The served document is valid JSON with every operation in it.
    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path) in &documented {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
}
