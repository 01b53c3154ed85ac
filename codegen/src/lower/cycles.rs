//! Cycles of types: `$ref`s that lead back to themselves (an error), and struct fields that
//! must be boxed because they lead back to their struct.

use std::collections::{BTreeMap, BTreeSet};

use super::Lowerer;
use crate::model::{TypeDef, TypeKind, TypeRef};

impl<'a> Lowerer<'a> {
    /// Schemas that are only `$ref`s leading back to themselves never reach a type.
    pub(super) fn alias_cycles(&mut self) {
        let mut bad = Vec::new();
        for (name, def) in &self.types {
            let mut seen = BTreeSet::new();
            let mut current = name.as_str();
            loop {
                if !seen.insert(current) {
                    bad.push((def.origin.clone(), name.clone()));
                    break;
                }
                match self.types.get(current).map(|d| &d.kind) {
                    Some(TypeKind::Alias(TypeRef::Named(next) | TypeRef::Caseless(next))) => {
                        current = next;
                    }
                    _ => break,
                }
            }
        }
        for (origin, name) in bad {
            self.diags.error(
                origin,
                format!("`{name}` is a `$ref` cycle that never reaches a schema of its own"),
            );
        }
    }
}

/// Boxes every struct field whose type can lead back to the struct through unboxed fields.
pub(super) fn break_cycles(types: &mut BTreeMap<String, TypeDef>) {
    fn direct(t: &TypeRef) -> Option<&str> {
        match t {
            TypeRef::Named(n) | TypeRef::Caseless(n) => Some(n),
            _ => None,
        }
    }
    fn edges(types: &BTreeMap<String, TypeDef>, name: &str) -> Vec<String> {
        match types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields
                .iter()
                .filter(|f| !f.boxed)
                .filter_map(|f| direct(&f.ty).map(str::to_owned))
                .collect(),
            Some(TypeKind::Alias(t)) => direct(t).map(str::to_owned).into_iter().collect(),
            // Union variants are always boxed (see emit), so they never form a cycle.
            _ => Vec::new(),
        }
    }
    fn reaches(types: &BTreeMap<String, TypeDef>, from: &str, target: &str) -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(edges(types, &n));
            }
        }
        false
    }
    let names: Vec<String> = types.keys().cloned().collect();
    for name in names {
        let count = match types.get(&name).map(|d| &d.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields.len(),
            _ => continue,
        };
        for i in 0..count {
            let target = match &types[&name].kind {
                TypeKind::Struct { fields, .. } => direct(&fields[i].ty).map(str::to_owned),
                _ => None,
            };
            if let Some(target) = target {
                if reaches(types, &target, &name) {
                    if let Some(TypeDef {
                        kind: TypeKind::Struct { fields, .. },
                        ..
                    }) = types.get_mut(&name)
                    {
                        fields[i].boxed = true;
                    }
                }
            }
        }
    }
}
