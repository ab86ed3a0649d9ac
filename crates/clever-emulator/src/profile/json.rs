//! The profiles that change an answer's JSON rather than its records: `no-links` takes the
//! `links` away and `extra-fields` adds keys Clever does not define. Both work on the serialized
//! body, so they reach every answer they apply to (Data API envelopes, `/userinfo`, the token
//! endpoint) the same way.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Profile, Profiles};

/// `body` as a JSON response, through `no-links` (when `links_apply`, as for Data API answers)
/// and `extra-fields` if they are in force; serialized as it is otherwise.
pub fn respond<T: Serialize>(body: T, profiles: &Profiles, links_apply: bool) -> Response {
    let no_links = links_apply && profiles.has(Profile::NoLinks);
    let extra = profiles.has(Profile::ExtraFields);
    if !no_links && !extra {
        return Json(body).into_response();
    }
    match serde_json::to_value(body) {
        Ok(mut value) => {
            if no_links {
                drop_links(&mut value);
            }
            if extra {
                add_extra_fields(&mut value);
            }
            Json(value).into_response()
        }
        Err(e) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("the emulator could not build its answer: {e}"))
                .into_response()
        }
    }
}

/// The key `extra-fields` adds to every object and envelope.
pub const EXTRA_KEY: &str = "x_vendor";

/// The value of [`EXTRA_KEY`]: an object, as vendor extensions usually are.
pub fn extra_value() -> Value {
    json!({"source": "emulator"})
}

/// Removes an envelope's `links` (`no-links`). List items carry no links, only their `uri`,
/// which stays.
pub fn drop_links(body: &mut Value) {
    if let Value::Object(envelope) = body {
        envelope.remove("links");
    }
}

/// Adds [`EXTRA_KEY`] (`extra-fields`) to the body, to its `data` object, and to each item of a
/// `data` list and that item's own `data`: every envelope and every record. A body without
/// `data` (`/userinfo`, a token response) is itself the record.
pub fn add_extra_fields(body: &mut Value) {
    let Value::Object(top) = body else { return };
    top.insert(EXTRA_KEY.to_owned(), extra_value());
    match top.get_mut("data") {
        Some(Value::Object(record)) => {
            record.insert(EXTRA_KEY.to_owned(), extra_value());
        }
        Some(Value::Array(items)) => {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                item.insert(EXTRA_KEY.to_owned(), extra_value());
                if let Some(Value::Object(record)) = item.get_mut("data") {
                    record.insert(EXTRA_KEY.to_owned(), extra_value());
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_fields_reach_envelopes_items_and_records_and_links_go() {
        let mut list = json!({"data": [{"data": {"id": "a"}, "uri": "/u/a"}], "links": [{"rel": "self"}]});
        add_extra_fields(&mut list);
        drop_links(&mut list);
        assert_eq!(
            list,
            json!({"x_vendor": {"source": "emulator"}, "data": [{"x_vendor": {"source": "emulator"},
                "uri": "/u/a", "data": {"id": "a", "x_vendor": {"source": "emulator"}}}]})
        );
        let mut plain = json!({"sub": "x"});
        add_extra_fields(&mut plain);
        assert_eq!(plain, json!({"sub": "x", "x_vendor": {"source": "emulator"}}));
    }
}
