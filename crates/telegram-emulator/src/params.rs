//! Request parameters, however they arrive: query string, JSON, urlencoded form or multipart.
//!
//! The Bot API treats every parameter as a string; object parameters (`reply_markup`,
//! `reply_parameters`, …) arrive JSON-encoded in form bodies and as plain objects in JSON bodies.
//! [`Params`] keeps the values as JSON and its getters accept both spellings.

use std::borrow::Cow;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Largest accepted body: Telegram's 50 MB upload limit (T29).
pub(crate) const MAX_BODY_BYTES: usize = 50 * 1024 * 1024;

/// A file part of a multipart body.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub name: String,
    pub bytes: Bytes,
}

#[derive(Debug, Default)]
pub(crate) struct Params {
    values: Map<String, Value>,
    files: Vec<Upload>,
    /// The call reached Telegram's test environment (http Mini App URLs allowed).
    pub(crate) test_environment: bool,
}

impl Params {
    pub(crate) async fn from_request(req: Request) -> Result<Params, ApiError> {
        let mut params = Params::default();
        if let Some(query) = req.uri().query() {
            params.add_form(query.as_bytes());
        }
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, &())
                .await
                .map_err(|e| ApiError::bad(format!("can't parse multipart body: {e}")))?;
            while let Some(field) = multipart
                .next_field()
                .await
                .map_err(|e| ApiError::bad(format!("can't parse multipart body: {e}")))?
            {
                let name = field.name().unwrap_or_default().to_owned();
                let is_file = field.file_name().is_some()
                    || field
                        .content_type()
                        .is_some_and(|ct| !ct.starts_with("text/"));
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| ApiError::bad(format!("can't parse multipart body: {e}")))?;
                match (is_file, std::str::from_utf8(&bytes)) {
                    (false, Ok(text)) => {
                        params.values.insert(name, Value::String(text.to_owned()));
                    }
                    _ => params.files.push(Upload { name, bytes }),
                }
            }
            return Ok(params);
        }
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::new(413, "Request Entity Too Large"))?;
        let looks_json = body.first() == Some(&b'{');
        if content_type.starts_with("application/json") || (content_type.is_empty() && looks_json) {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(params);
            }
            let map: Map<String, Value> = serde_json::from_slice(&body)
                .map_err(|_| ApiError::bad("can't parse JSON object"))?;
            params.values.extend(map);
        } else {
            params.add_form(&body);
        }
        Ok(params)
    }

    fn add_form(&mut self, bytes: &[u8]) {
        for (k, v) in form_urlencoded::parse(bytes) {
            self.values
                .insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }

    #[cfg(test)]
    pub(crate) fn from_json(value: Value) -> Params {
        Params {
            values: match value {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            files: Vec::new(),
            test_environment: false,
        }
    }

    /// The parameter as text; numbers and booleans are spelled as the Bot API would.
    pub(crate) fn str(&self, key: &str) -> Option<Cow<'_, str>> {
        match self.values.get(key)? {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Null => None,
            other => Some(Cow::Owned(other.to_string())),
        }
    }

    /// The parameter as text, absent when empty (the server does not tell the two apart).
    pub(crate) fn non_empty(&self, key: &str) -> Option<Cow<'_, str>> {
        self.str(key).filter(|s| !s.is_empty())
    }

    /// An integer parameter. `Ok(None)` when absent or empty, `Err(())` when not an integer.
    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, ()> {
        match self.values.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
            Some(_) => Err(()),
        }
    }

    /// Booleans: `true`, `"true"`, `"True"` and `"1"` are true; anything else is false.
    pub(crate) fn flag(&self, key: &str) -> bool {
        match self.values.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true") || s == "1",
            _ => false,
        }
    }

    /// An object parameter, from a JSON value or a JSON-encoded string.
    /// `Ok(None)` when absent; `Err` carries serde's message when it does not parse.
    pub(crate) fn json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, String> {
        match self.values.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s).map(Some).map_err(|e| e.to_string()),
            Some(v) => T::deserialize(v).map(Some).map_err(|e| e.to_string()),
        }
    }

    /// The raw JSON of an object parameter (decoded from a string if need be).
    pub(crate) fn json_value(&self, key: &str) -> Result<Option<Value>, String> {
        self.json::<Value>(key)
    }

    /// The uploaded file part with this name.
    pub(crate) fn file(&self, name: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn getters_accept_strings_and_json() {
        let p = Params::from_json(json!({
            "a": 5, "b": "-7", "c": "x", "d": "", "t": "True", "f": false,
            "m": "{\"k\":1}", "o": {"k": 2}
        }));
        assert_eq!(p.int("a"), Ok(Some(5)));
        assert_eq!(p.int("b"), Ok(Some(-7)));
        assert_eq!(p.int("c"), Err(()));
        assert_eq!(p.int("d"), Ok(None));
        assert!(p.flag("t") && !p.flag("f") && !p.flag("zz"));
        assert_eq!(p.json_value("m").unwrap(), Some(json!({"k": 1})));
        assert_eq!(p.json_value("o").unwrap(), Some(json!({"k": 2})));
        assert_eq!(p.str("a").as_deref(), Some("5"));
    }
}
