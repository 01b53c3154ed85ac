//! String enums (`enum`), with `x-enum-descriptions` and `x-aqua-case-insensitive`.

use openapiv3::Schema;
use serde_json::Value;

use super::Lowerer;
use super::extensions::{CaseInsensitive, EnumDescriptions, Extension, Invalid};
use crate::diag::Pointer;
use crate::model::{TypeKind, Variant};
use crate::names::{self, Scope};

impl<'a> Lowerer<'a> {
    pub(super) fn string_enum(
        &mut self,
        name: &str,
        schema: &Schema,
        values: &[Option<String>],
        at: &Pointer,
    ) -> Option<TypeKind> {
        let extensions = &schema.schema_data.extensions;
        let case_insensitive = match self.extension::<CaseInsensitive>(extensions, at) {
            None => false,
            Some(Ok(CaseInsensitive(b))) => b,
            Some(Err(Invalid)) => {
                self.diags.error(
                    at.push(CaseInsensitive::NAME),
                    "`x-aqua-case-insensitive` must be `true` or `false`",
                );
                false
            }
        };
        let descriptions = match self.extension::<EnumDescriptions>(extensions, at) {
            None => serde_json::Map::new(),
            Some(Ok(EnumDescriptions(m))) => m,
            Some(Err(Invalid)) => {
                self.diags.error(
                    at.push(EnumDescriptions::NAME),
                    "`x-enum-descriptions` must map enum values to descriptions",
                );
                serde_json::Map::new()
            }
        };
        let mut scope = Scope::default();
        let mut variants: Vec<Variant> = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let Some(wire) = value else { continue };
            if variants.iter().any(|v| v.wire == *wire) {
                self.diags.error(
                    at.push("enum").push(i),
                    format!("duplicate enum value `{wire}`"),
                );
                continue;
            }
            // Case-insensitive: another spelling of an earlier value (`csv` after `CSV`) is
            // listed for standard validators, which compare case; it is the same variant.
            if case_insensitive && variants.iter().any(|v| v.wire.eq_ignore_ascii_case(wire)) {
                continue;
            }
            let docs = match descriptions.get(wire) {
                None => None,
                Some(Value::String(d)) => Some(d.clone()),
                Some(_) => {
                    self.diags.error(
                        at.push(EnumDescriptions::NAME).push(wire),
                        "descriptions must be strings",
                    );
                    None
                }
            };
            variants.push(Variant {
                name: scope.claim(names::type_name(wire)),
                wire: wire.clone(),
                docs,
            });
        }
        for key in descriptions.keys() {
            if !variants.iter().any(|v| &v.wire == key) {
                self.diags.error(
                    at.push(EnumDescriptions::NAME).push(key),
                    format!("`{key}` is not a value of the enum `{name}`"),
                );
            }
        }
        let fallback = if variants.iter().any(|v| v.name == "Unknown") {
            "UnknownValue"
        } else {
            "Unknown"
        };
        let fallback = scope.claim(fallback.to_owned());
        Some(TypeKind::Enum {
            variants,
            fallback,
            case_insensitive,
        })
    }
}
