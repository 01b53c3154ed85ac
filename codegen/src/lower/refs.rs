//! References: `$ref`s to component schemas (as type references), and to component
//! parameters, request bodies, responses and examples (resolved to the item they name).

use super::extensions::{CaseInsensitive, Extension};
use super::{Lowerer, SCHEMAS};
use crate::diag::Pointer;
use crate::model::TypeRef;
use indexmap::IndexMap;
use openapiv3::{Components, ReferenceOr, Schema};

impl<'a> Lowerer<'a> {
    /// The component schema a local `$ref` names, as a type reference. A `$ref` that names
    /// no schema is `serde_json::Value`, with a warning.
    pub(super) fn reference(&mut self, reference: &str, at: &Pointer) -> Option<TypeRef> {
        let Some(key) = reference.strip_prefix(SCHEMAS) else {
            if reference.starts_with('#') {
                self.warning(
                    at,
                    format!("`{reference}` does not point into `#/components/schemas`: generated as `serde_json::Value`"),
                );
            } else {
                self.warning(
                    at,
                    format!("external reference `{reference}`: only references inside the document are followed; generated as `serde_json::Value`"),
                );
            }
            return Some(TypeRef::Json);
        };
        let key = unescape(key);
        let Some(name) = self.component_names.get(&key).cloned() else {
            self.warning(
                at,
                format!("dangling reference `{reference}`: there is no schema `{key}`; generated as `serde_json::Value`"),
            );
            return Some(TypeRef::Json);
        };
        let caseless = self.component_schema(&key).is_some_and(|s| {
            matches!(
                CaseInsensitive::read(&s.schema_data.extensions),
                Some(Ok(CaseInsensitive(true)))
            )
        });
        Some(if caseless {
            TypeRef::Caseless(name)
        } else {
            TypeRef::Named(name)
        })
    }

    /// The component schema with this key, unless it is itself a reference.
    pub(super) fn component_schema(&self, key: &str) -> Option<&'a Schema> {
        match self.doc.components.as_ref()?.schemas.get(key)? {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { .. } => None,
        }
    }

    /// The schema a `$ref` leads to (through components that are themselves references), with
    /// its pointer and the Rust name of the component; `None` when it leads nowhere.
    pub(super) fn schema_target(
        &self,
        reference: &str,
    ) -> Option<(&'a Schema, Pointer, Option<String>)> {
        let schemas = &self.doc.components.as_ref()?.schemas;
        let mut reference = reference;
        // A chain longer than the components is a cycle.
        for _ in 0..=schemas.len() {
            let key = unescape(reference.strip_prefix(SCHEMAS)?);
            match schemas.get(&key)? {
                ReferenceOr::Item(s) => {
                    let name = self.component_names.get(&key).cloned();
                    return Some((s, Pointer::from_ref(reference), name));
                }
                ReferenceOr::Reference { reference: next } => reference = next,
            }
        }
        None
    }

    /// The description of the schema a `$ref` points to.
    pub(super) fn referenced_docs(&self, reference: &str) -> Option<String> {
        self.schema_target(reference)?
            .0
            .schema_data
            .description
            .clone()
    }

    /// Records a warning once per place and message (a schema met on several paths, such as
    /// a part merged into several `allOf`s, is reported once).
    pub(super) fn warning(&mut self, at: &Pointer, message: impl Into<String>) {
        let message = message.into();
        if self
            .warned
            .insert((at.as_str().to_owned(), message.clone()))
        {
            self.diags.warning(at, message);
        }
    }

    /// An item, or the component a `$ref` to `#/components/<kind>/…` names, with the pointer
    /// of what was resolved (the component's, for a reference). `components` picks the map of
    /// that kind. A dangling reference, or one to another reference, is an error.
    pub(super) fn resolve<'r, T>(
        &mut self,
        item: &'r ReferenceOr<T>,
        at: &Pointer,
        prefix: &str,
        components: impl FnOnce(&'a Components) -> &'a IndexMap<String, ReferenceOr<T>>,
    ) -> Option<(&'r T, Pointer)>
    where
        'a: 'r,
        T: 'a,
    {
        match item {
            ReferenceOr::Item(item) => Some((item, at.clone())),
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix(prefix);
                let components = self.doc.components.as_ref().map(components);
                match key.and_then(|k| components?.get(k)) {
                    Some(ReferenceOr::Item(item)) => Some((item, Pointer::from_ref(reference))),
                    _ => {
                        self.diags.error(
                            at.push("$ref"),
                            format!("dangling or unsupported reference `{reference}`"),
                        );
                        None
                    }
                }
            }
        }
    }
}

/// A JSON pointer token's text (`~1` is `/`, `~0` is `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}
