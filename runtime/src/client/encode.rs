//! What [`Request`] encodes by the spec's rules (see [`crate::encoding`]): parameters of any
//! `style`, and form and multipart bodies.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use super::request::{EncodedBody, Request};
use crate::encoding::{self, Multipart, Property, Style};

impl Request<'_> {
    /// Adds a query parameter of any type, written by `style` and `explode` (an object as
    /// `name[key]=value` for `deepObject`, an array as `name=a,b` unexploded, …).
    pub fn query_param<T: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        value: &T,
        style: Style,
        explode: bool,
    ) -> Self {
        if let Some(v) = self.value_of(name, value) {
            encoding::query_pairs(name, &v, style, explode, &mut self.query);
        }
        self
    }

    /// Adds a header parameter of any type (`simple`: items joined by `,`).
    pub fn header_param<T: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        value: &T,
        style: Style,
        explode: bool,
    ) -> Self {
        match self.value_of(name, value) {
            Some(v) => {
                let text = encoding::header_text(&v, style, explode);
                self.header(name, text)
            }
            None => self,
        }
    }

    /// Adds a cookie parameter of any type (`form`: items joined by `,`).
    pub fn cookie_param<T: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        value: &T,
        style: Style,
    ) -> Self {
        match self.value_of(name, value) {
            Some(v) => {
                let pair = encoding::cookie_pair(name, &v, style);
                self.cookie_pair(pair)
            }
            None => self,
        }
    }

    /// Sets an `application/x-www-form-urlencoded` body: `body` must encode as an object;
    /// its properties are written by the spec's defaults, or by their `properties` entry
    /// (`deepObject`).
    pub fn form_with<T: Serialize + ?Sized>(mut self, body: &T, properties: &[Property]) -> Self {
        self.body = Some(
            serde_json::to_value(body)
                .map_err(|e| e.to_string())
                .and_then(|v| encoding::encode_form(&v, properties))
                .map(|text| EncodedBody::Bytes {
                    content_type: Cow::Borrowed("application/x-www-form-urlencoded"),
                    bytes: text.into(),
                }),
        );
        self
    }

    /// Sets a `multipart/form-data` body: one part per property of `body` (a struct or a
    /// map), binary properties as files (see [`Multipart`]); `properties` give parts their
    /// `Content-Type`, `file_names` the file names the caller chose.
    pub fn multipart<T: Serialize + ?Sized>(
        mut self,
        body: &T,
        properties: &[Property],
        file_names: &[(&'static str, String)],
    ) -> Self {
        self.body = Some(
            Multipart::from_value(body, properties, file_names)
                .and_then(|parts| parts.form().map(|_| parts))
                .map(|parts| EncodedBody::Multipart(Arc::new(parts))),
        );
        self
    }

    /// Sets a `multipart/form-data` body built by hand.
    pub fn multipart_parts(mut self, parts: Multipart) -> Self {
        self.body = Some(
            parts
                .form()
                .map(|_| EncodedBody::Multipart(Arc::new(parts))),
        );
        self
    }

    /// `value` as JSON, or `None` after recording why it cannot be encoded.
    fn value_of<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Option<serde_json::Value> {
        match serde_json::to_value(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem.get_or_insert_with(|| {
                    format!("the `{name}` parameter cannot be encoded: {e}")
                });
                None
            }
        }
    }
}
