//! References: `$ref`s to component schemas (as type references), and to component
//! parameters, request bodies, responses and examples (resolved to the item they name).

use super::extensions::{CaseInsensitive, Extension};
use super::{Lowerer, SCHEMAS};
use crate::diag::Pointer;
use crate::model::TypeRef;
use indexmap::IndexMap;
use openapiv3::{Components, ReferenceOr, Schema};

impl<'a> Lowerer<'a> {
    /// The component schema a local `$ref` names, as a type reference.
    pub(super) fn reference(&mut self, reference: &str, at: &Pointer) -> Option<TypeRef> {
        let Some(key) = reference.strip_prefix(SCHEMAS) else {
            if reference.starts_with('#') {
                self.diags.error(
                    at,
                    format!("`{reference}` does not point into `#/components/schemas`"),
                );
            } else {
                self.diags.error(
                    at,
                    format!("external reference `{reference}` is not supported: only local `#/components/...` references are"),
                );
            }
            return None;
        };
        let key = key.replace("~1", "/").replace("~0", "~");
        let Some(name) = self.component_names.get(&key).cloned() else {
            self.diags.error(
                at,
                format!("dangling reference `{reference}`: there is no schema `{key}`"),
            );
            return None;
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

    /// The description of the schema a `$ref` points to.
    pub(super) fn referenced_docs(&self, reference: &str) -> Option<String> {
        let key = reference.strip_prefix(SCHEMAS)?;
        self.component_schema(key)?.schema_data.description.clone()
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
