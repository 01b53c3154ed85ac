//! Documented examples: of component schemas, request bodies and responses, with
//! `x-aqua-raw-http`.

use serde_json::Value;

use super::Lowerer;
use super::extensions::{Extension, Invalid, RawHttp};
use crate::diag::Pointer;
use crate::model::{Example, TypeRef};

impl<'a> Lowerer<'a> {
    /// The examples of a request or response body (`example`, `examples`), decoded as `ty`.
    pub(super) fn collect_examples(
        &mut self,
        content: &openapiv3::MediaType,
        at: &Pointer,
        ty: Option<&TypeRef>,
        prefix: &str,
    ) {
        let Some(ty) = ty else { return };
        let media = at
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace("~1", "/")
            .replace("~0", "~");
        if let Some(v) = &content.example {
            self.push_example(
                format!("{prefix}/example"),
                at.push("example"),
                &media,
                ty,
                v.clone(),
                None,
            );
        }
        for (name, ex) in &content.examples {
            let ep = at.push("examples").push(name);
            let Some((ex, ep)) = self.resolve(ex, &ep, "#/components/examples/", |c| &c.examples)
            else {
                continue;
            };
            if ex.external_value.is_some() {
                self.diags.warning(
                    ep.push("externalValue"),
                    "external example values are not read: the example is left out of `examples`",
                );
                continue;
            }
            let Some(value) = &ex.value else {
                self.diags.warning(
                    ep,
                    "the example has no `value`: it is left out of `examples`",
                );
                continue;
            };
            let raw = match self.extension::<RawHttp>(&ex.extensions, &ep) {
                None => None,
                Some(Ok(RawHttp(s))) => Some(s),
                Some(Err(Invalid)) => {
                    self.diags
                        .error(ep.push(RawHttp::NAME), "`x-aqua-raw-http` must be a string");
                    None
                }
            };
            self.push_example(
                format!("{prefix}/{name}"),
                ep,
                &media,
                ty,
                value.clone(),
                raw,
            );
        }
    }

    fn push_example(
        &mut self,
        name: String,
        at: Pointer,
        media: &str,
        ty: &TypeRef,
        value: Value,
        raw_http: Option<String>,
    ) {
        if !self.seen_examples.insert(at.to_string()) {
            return;
        }
        self.examples.push(Example {
            name,
            origin: at.into(),
            media_type: media.to_owned(),
            ty: ty.clone(),
            value,
            raw_http,
        });
    }

    /// The `example` of a component schema.
    pub(super) fn schema_example(&mut self, key: &str, at: &Pointer, example: &Value) {
        self.examples.push(Example {
            name: format!("schemas/{key}"),
            origin: at.push("example").into(),
            media_type: "application/json".into(),
            ty: TypeRef::Named(self.component_names[key].clone()),
            value: example.clone(),
            raw_http: None,
        });
    }
}
