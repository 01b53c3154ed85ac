//! References: `$ref`s to component schemas (as type references), and to component
//! parameters, request bodies, responses and examples (resolved to the item they name).

use super::extensions::{CaseInsensitive, Extension};
use super::pointers::{Node, Pointed};
use super::schema::at_hint;
use super::{Lowerer, SCHEMAS};
use crate::diag::Pointer;
use crate::model::TypeRef;
use indexmap::IndexMap;
use openapiv3::{Components, ReferenceOr, Schema};

impl<'a> Lowerer<'a> {
    /// The schema a local `$ref` names, as a type reference: a component schema's named type,
    /// or the type of a schema elsewhere in the document (inside a component, an operation, a
    /// response…), converted once. A `$ref` that names no schema is `serde_json::Value`, with
    /// a warning.
    pub(super) fn reference(&mut self, reference: &str, at: &Pointer) -> Option<TypeRef> {
        if let Some(key) = reference.strip_prefix(SCHEMAS)
            && let Some(name) = self.component_names.get(&unescape(key)).cloned()
        {
            return Some(self.component_ref(&unescape(key), name));
        }
        if !reference.starts_with('#') {
            self.warning(
                at,
                format!("external reference `{reference}`: only references inside the document are followed; generated as `serde_json::Value`"),
            );
            return Some(TypeRef::Json);
        }
        match self.node_at(reference) {
            Some((Node::Schema(schema), target)) => {
                // A component that is itself a `$ref` leads here too: its own name.
                if let Some(key) = whole_component(&target)
                    && let Some(name) = self.component_names.get(&key).cloned()
                {
                    return Some(self.component_ref(&key, name));
                }
                let hint = self.pointer_hint(&target);
                self.shared_inline.insert(target.as_str().to_owned());
                self.inline(schema, &target, &hint)
            }
            Some(_) => {
                self.warning(
                    at,
                    format!("`{reference}` names something that is not a schema: generated as `serde_json::Value`"),
                );
                Some(TypeRef::Json)
            }
            None if reference.starts_with(SCHEMAS) => {
                let key = unescape(&reference[SCHEMAS.len()..]);
                self.warning(
                    at,
                    format!("dangling reference `{reference}`: there is no schema `{key}`; generated as `serde_json::Value`"),
                );
                Some(TypeRef::Json)
            }
            None => {
                self.warning(
                    at,
                    format!("`{reference}` names no schema of this document: generated as `serde_json::Value`"),
                );
                Some(TypeRef::Json)
            }
        }
    }

    /// The type of the component schema `key`, named `name`.
    fn component_ref(&self, key: &str, name: String) -> TypeRef {
        let caseless = self.component_schema(key).is_some_and(|s| {
            matches!(
                CaseInsensitive::read(&s.schema_data.extensions),
                Some(Ok(CaseInsensitive(true)))
            )
        });
        if caseless {
            TypeRef::Caseless(name)
        } else {
            TypeRef::Named(name)
        }
    }

    /// The name of the type of a schema at `target` (not a component): the component it is in
    /// and its property (`Pet owner` for `#/components/schemas/Pet/properties/owner`), else
    /// the last property name on the way.
    fn pointer_hint(&self, target: &Pointer) -> String {
        let last = at_hint(target);
        match component_key(target).and_then(|k| self.component_names.get(&k)) {
            Some(owner) => format!("{owner} {last}"),
            None => last,
        }
    }

    /// The component schema with this key, unless it is itself a reference.
    pub(super) fn component_schema(&self, key: &str) -> Option<&'a Schema> {
        match self.doc.components.as_ref()?.schemas.get(key)? {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { .. } => None,
        }
    }

    /// The schema a `$ref` leads to (through components that are themselves references, or
    /// anywhere in the document), with its pointer and the Rust name of the component it is
    /// (or is in); `None` when it leads nowhere.
    pub(super) fn schema_target(
        &self,
        reference: &str,
    ) -> Option<(&'a Schema, Pointer, Option<String>)> {
        let schemas = &self.doc.components.as_ref()?.schemas;
        let mut reference = reference;
        // A chain longer than the components is a cycle.
        for _ in 0..=schemas.len() {
            let Some(key) = reference.strip_prefix(SCHEMAS).map(unescape) else {
                break;
            };
            match schemas.get(&key) {
                Some(ReferenceOr::Item(s)) => {
                    let name = self.component_names.get(&key).cloned();
                    return Some((s, Pointer::from_ref(reference), name));
                }
                Some(ReferenceOr::Reference { reference: next }) => reference = next,
                None => break,
            }
        }
        match self.node_at(reference)? {
            (Node::Schema(s), target) => {
                let owner = component_key(&target).and_then(|k| self.component_names.get(&k));
                Some((s, target.clone(), owner.cloned()))
            }
            _ => None,
        }
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
        T: Pointed<'a> + 'a,
    {
        match item {
            ReferenceOr::Item(item) => Some((item, at.clone())),
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix(prefix);
                let components = self.doc.components.as_ref().map(components);
                match key.and_then(|k| components?.get(k)) {
                    Some(ReferenceOr::Item(item)) => Some((item, Pointer::from_ref(reference))),
                    _ => {
                        // Another place of the document (another operation's response, say).
                        if let Some((node, target)) = self.node_at(reference)
                            && let Some(item) = T::from_node(node)
                        {
                            return Some((item, target));
                        }
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

/// The key of the component schema a pointer is in (`Pet` for
/// `#/components/schemas/Pet/properties/owner`).
fn component_key(at: &Pointer) -> Option<String> {
    let rest = at.as_str().strip_prefix(SCHEMAS)?;
    Some(unescape(rest.split('/').next()?))
}

/// The key of the component schema a pointer names (not one inside it).
fn whole_component(at: &Pointer) -> Option<String> {
    let rest = at.as_str().strip_prefix(SCHEMAS)?;
    (!rest.contains('/')).then(|| unescape(rest))
}

/// A JSON pointer token's text (`~1` is `/`, `~0` is `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}
