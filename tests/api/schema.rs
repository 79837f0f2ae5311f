//! `schema.graphql` matches the code, and everything in it is documented.

use serde_json::{Value, json};
use support::{Auth, Backend, spawn_app};

#[test]
fn schema_file_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == gatehouse_api::graphql::sdl(),
        "schema.graphql is out of date: run `cargo run -- export-schema` and commit it"
    );
}

on_every_database!(every_type_field_and_argument_is_documented);

const INTROSPECTION: &str = "{ __schema { types { name kind description
    fields { name description args { name description } }
    inputFields { name description }
    enumValues { name description } } } }";

fn undocumented(value: &Value) -> bool {
    value["description"]
        .as_str()
        .is_none_or(|d| d.trim().is_empty())
}

async fn every_type_field_and_argument_is_documented(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.gql(&Auth::None, INTROSPECTION, json!({})).await;
    let mut missing = Vec::new();
    for kind in response.data()["__schema"]["types"]
        .as_array()
        .expect("types")
    {
        let name = kind["name"].as_str().unwrap_or_default();
        let builtin =
            name.starts_with("__") || ["String", "Boolean", "Int", "Float", "ID"].contains(&name);
        if builtin {
            continue;
        }
        if undocumented(kind) {
            missing.push(name.to_owned());
        }
        for field in kind["fields"].as_array().into_iter().flatten() {
            if undocumented(field) {
                missing.push(format!("{name}.{}", field["name"]));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if undocumented(arg) {
                    missing.push(format!("{name}.{}({})", field["name"], arg["name"]));
                }
            }
        }
        for field in kind["inputFields"].as_array().into_iter().flatten() {
            if undocumented(field) {
                missing.push(format!("{name}.{}", field["name"]));
            }
        }
        for value in kind["enumValues"].as_array().into_iter().flatten() {
            if undocumented(value) {
                missing.push(format!("{name}.{}", value["name"]));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} undocumented: {missing:#?}",
        missing.len()
    );
}
