use super::*;

#[test]
fn every_reference_resolves() {
    let doc = document();
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for reference in text.split("#/components/schemas/").skip(1) {
        let name: String = reference
            .chars()
            .take_while(|c| c.is_alphanumeric())
            .collect();
        assert!(schemas.contains_key(&name), "missing schema {name}");
    }
    assert_eq!(
        doc["paths"]["/api/signals/{id}"]["get"]["parameters"][0]["name"],
        "id"
    );
}

#[test]
fn statuses_follow_from_the_row() {
    let doc = document();
    let create = &doc["paths"]["/api/signals"]["post"]["responses"];
    for status in [
        "200", "202", "400", "401", "403", "409", "413", "422", "429",
    ] {
        assert!(create[status].is_object(), "POST /api/signals {status}");
    }
    assert!(create["404"].is_null());
    let health = &doc["paths"]["/api/health"]["get"]["responses"];
    assert_eq!(health.as_object().map(|r| r.len()), Some(1), "{health}");
    let erase = &doc["paths"]["/api/users/{id}"]["delete"]["responses"];
    assert!(
        erase["204"].is_object() && erase["404"].is_object(),
        "{erase}"
    );
    assert_eq!(
        doc["paths"]["/api/ready"]["get"]["responses"]["503"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/Ready"
    );
}
