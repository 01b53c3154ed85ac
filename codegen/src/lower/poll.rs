//! `x-aqua-poll`: the generated method that waits for the resource an operation reads.

use super::Lowerer;
use super::extensions::{self, Extension};
use super::operation::OperationContext;
use crate::model::{Poll, Success, TypeKind, TypeRef};
use crate::names;

impl<'a> Lowerer<'a> {
    /// The operation's `x-aqua-poll`, if any: `{method, property, success: [...], failure:
    /// [...], description}`.
    pub(super) fn poll(
        &mut self,
        cx: &OperationContext<'a, '_>,
        success: &Success,
    ) -> Option<Poll> {
        let spec = self.extension::<extensions::Poll>(&cx.op.extensions, &cx.at)?;
        let at = &cx.at.push(extensions::Poll::NAME);
        let Ok(extensions::Poll {
            method,
            property,
            success: ok,
            failure: failed,
            description,
        }) = spec
        else {
            self.diags.error(at, "`x-aqua-poll` needs `method` (a name), `property`, and `success` and `failure` lists of values");
            return None;
        };
        let Some(TypeRef::Named(body)) = success.json() else {
            self.diags.error(
                at,
                "`x-aqua-poll` needs a success body that is an object schema",
            );
            return None;
        };
        let field = match self.types.get(body).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) => {
                fields.iter().find(|f| f.wire == property).cloned()
            }
            _ => None,
        };
        let Some(field) = field else {
            self.diags.error(
                at.push("property"),
                format!("the success body has no property `{property}`"),
            );
            return None;
        };
        let field_is_enum = match &field.ty {
            TypeRef::String => false,
            TypeRef::Named(n)
                if matches!(
                    self.types.get(n).map(|t| &t.kind),
                    Some(TypeKind::Enum { .. })
                ) =>
            {
                true
            }
            _ => {
                self.diags.error(
                    at.push("property"),
                    "the watched property must be a string or a string enum",
                );
                return None;
            }
        };
        if ok.is_empty() || ok.iter().any(|v| failed.contains(v)) {
            self.diags.error(
                at,
                "`success` must be non-empty and share no value with `failure`",
            );
            return None;
        }
        Some(Poll {
            method_name: self.method_scope.claim(names::field_name(&method)),
            field: field.name,
            wire: property,
            field_is_enum,
            success: ok,
            failure: failed,
            docs: description,
        })
    }
}
