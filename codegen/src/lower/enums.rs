//! Enums: string enums (with `x-aqua-case-insensitive`), integer and number enums; their
//! values' documentation (`x-enum-descriptions`) and names (`x-enum-varnames`), two common
//! extensions of other generators that are read when they make sense and otherwise ignored
//! with a warning.

use openapiv3::Schema;
use serde_json::Value;

use super::Lowerer;
use super::extensions::{CaseInsensitive, EnumDescriptions, EnumVarNames, Extension, Invalid};
use crate::diag::Pointer;
use crate::model::{NumberVariant, TypeKind, Variant};
use crate::names::{self, Scope};

/// The documentation and names of an enum's values, as its extensions give them.
struct ValueExtras {
    /// `x-enum-descriptions`: a description per value (a map by value, or a list in the
    /// order of `enum`).
    descriptions: Descriptions,
    /// `x-enum-varnames`: a name per value, in the order of `enum`.
    names: Vec<String>,
}

enum Descriptions {
    None,
    ByValue(serde_json::Map<String, Value>),
    InOrder(Vec<String>),
}

impl<'a> Lowerer<'a> {
    pub(super) fn string_enum(
        &mut self,
        name: &str,
        schema: &Schema,
        values: &[String],
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
        let extras = self.value_extras(schema, values.len(), at);
        let mut scope = Scope::default();
        let mut variants: Vec<Variant> = Vec::new();
        for (i, wire) in values.iter().enumerate() {
            if variants.iter().any(|v| v.wire == *wire) {
                self.warning(
                    &at.push("enum").push(i),
                    format!("duplicate enum value `{wire}`: it is one variant"),
                );
                continue;
            }
            // Case-insensitive: another spelling of an earlier value (`csv` after `CSV`) is
            // listed for standard validators, which compare case; it is the same variant.
            if case_insensitive && variants.iter().any(|v| v.wire.eq_ignore_ascii_case(wire)) {
                continue;
            }
            let docs = self.value_docs(&extras, i, wire, at);
            let base = extras.names.get(i).map_or(wire.as_str(), String::as_str);
            variants.push(Variant {
                name: scope.claim(names::type_name(base)),
                wire: wire.clone(),
                docs,
            });
        }
        if let Descriptions::ByValue(map) = &extras.descriptions {
            for key in map.keys() {
                if !variants.iter().any(|v| &v.wire == key) {
                    self.warning(
                        &at.push(EnumDescriptions::NAME).push(key),
                        format!("`{key}` is not a value of the enum `{name}`: its description is ignored"),
                    );
                }
            }
        }
        let fallback = fallback_name(&mut scope, variants.iter().map(|v| v.name.as_str()));
        Some(TypeKind::Enum {
            variants,
            fallback,
            case_insensitive,
        })
    }

    /// An integer or number enum.
    pub(super) fn number_enum(
        &mut self,
        schema: &Schema,
        integer: bool,
        values: &[serde_json::Number],
        at: &Pointer,
    ) -> TypeKind {
        let extras = self.value_extras(schema, values.len(), at);
        let mut scope = Scope::default();
        let mut variants: Vec<NumberVariant> = Vec::new();
        for (i, value) in values.iter().enumerate() {
            if variants.iter().any(|v| same_number(&v.value, value)) {
                self.warning(
                    &at.push("enum").push(i),
                    format!("duplicate enum value `{value}`: it is one variant"),
                );
                continue;
            }
            let docs = self.value_docs(&extras, i, &value.to_string(), at);
            let base = match extras.names.get(i) {
                Some(n) => names::type_name(n),
                None => number_variant_name(value),
            };
            variants.push(NumberVariant {
                name: scope.claim(base),
                value: value.clone(),
                docs,
            });
        }
        let fallback = fallback_name(&mut scope, variants.iter().map(|v| v.name.as_str()));
        TypeKind::NumberEnum {
            variants,
            fallback,
            integer,
        }
    }

    /// Reads `x-enum-descriptions` and `x-enum-varnames` for an enum of `count` values; a
    /// value of another shape is ignored, with a warning (they are not our extensions).
    fn value_extras(&mut self, schema: &Schema, count: usize, at: &Pointer) -> ValueExtras {
        let extensions = &schema.schema_data.extensions;
        let descriptions = match EnumDescriptions::read(extensions) {
            None => Descriptions::None,
            Some(Ok(EnumDescriptions(Value::Object(map)))) => Descriptions::ByValue(map),
            Some(Ok(EnumDescriptions(Value::Array(list))))
                if list.len() == count && list.iter().all(Value::is_string) =>
            {
                Descriptions::InOrder(
                    list.into_iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                )
            }
            Some(_) => {
                self.warning(
                    &at.push(EnumDescriptions::NAME),
                    "`x-enum-descriptions` is neither a map from enum values to descriptions nor a list of one description per value: it is ignored",
                );
                Descriptions::None
            }
        };
        let names = match EnumVarNames::read(extensions) {
            None => Vec::new(),
            Some(Ok(EnumVarNames(list)))
                if list.len() == count && list.iter().all(|n| !names::type_name(n).is_empty()) =>
            {
                list
            }
            Some(_) => {
                self.warning(
                    &at.push(EnumVarNames::NAME),
                    "`x-enum-varnames` is not a list of one name per enum value: it is ignored, and the variants are named after the values",
                );
                Vec::new()
            }
        };
        ValueExtras {
            descriptions,
            names,
        }
    }

    /// The description of the `i`-th value (`wire`).
    fn value_docs(
        &mut self,
        extras: &ValueExtras,
        i: usize,
        wire: &str,
        at: &Pointer,
    ) -> Option<String> {
        match &extras.descriptions {
            Descriptions::None => None,
            Descriptions::InOrder(list) => list.get(i).cloned(),
            Descriptions::ByValue(map) => match map.get(wire) {
                None => None,
                Some(Value::String(d)) => Some(d.clone()),
                Some(_) => {
                    self.warning(
                        &at.push(EnumDescriptions::NAME).push(wire),
                        "descriptions must be strings: this one is ignored",
                    );
                    None
                }
            },
        }
    }
}

/// The fallback variant: `Unknown`, or `UnknownValue` when a value is called that.
fn fallback_name<'n>(scope: &mut Scope, mut names: impl Iterator<Item = &'n str>) -> String {
    let fallback = if names.any(|n| n == "Unknown") {
        "UnknownValue"
    } else {
        "Unknown"
    };
    scope.claim(fallback.to_owned())
}

/// Whether two enum values are the same number (`1` and `1.0` are).
fn same_number(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// The variant name of a number: `Value1`, `ValueMinus1`, `Value2_5`.
fn number_variant_name(value: &serde_json::Number) -> String {
    let text = value.to_string();
    let mut name = String::from("Value");
    for c in text.chars() {
        match c {
            '-' => name.push_str("Minus"),
            '.' => name.push('_'),
            '+' => {}
            'e' | 'E' => name.push('E'),
            c => name.push(c),
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_variants_are_named_after_their_values() {
        let n = |v: serde_json::Value| match v {
            Value::Number(n) => number_variant_name(&n),
            _ => unreachable!(),
        };
        assert_eq!(n(serde_json::json!(1)), "Value1");
        assert_eq!(n(serde_json::json!(-20)), "ValueMinus20");
        assert_eq!(n(serde_json::json!(2.5)), "Value2_5");
        assert_eq!(n(serde_json::json!(1e-7)), "Value1EMinus7");
        let one = serde_json::Number::from(1);
        let one_f = serde_json::Number::from_f64(1.0).unwrap();
        assert!(same_number(&one, &one_f));
    }
}
