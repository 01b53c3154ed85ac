//! Cycles of types: `$ref`s that lead back to themselves (an error), and struct fields that
//! must be boxed because they lead back to their struct.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::Lowerer;
use crate::model::{TypeDef, TypeKind, TypeRef};

impl<'a> Lowerer<'a> {
    /// Schemas that are only `$ref`s leading back to themselves never reach a type. Each
    /// chain of aliases is followed once: what a type leads to is remembered for the types
    /// whose chains run into it.
    pub(super) fn alias_cycles(&mut self) {
        // Whether the chain of aliases from a type runs into a cycle.
        let mut cyclic: HashMap<&str, bool> = HashMap::new();
        for name in self.types.keys() {
            let mut path: Vec<&str> = Vec::new();
            let mut on_path = BTreeSet::new();
            let mut current = name.as_str();
            let verdict = loop {
                if let Some(&known) = cyclic.get(current) {
                    break known;
                }
                if !on_path.insert(current) {
                    break true;
                }
                path.push(current);
                match self.types.get(current).map(|d| &d.kind) {
                    Some(TypeKind::Alias(TypeRef::Named(next) | TypeRef::Caseless(next))) => {
                        current = next;
                    }
                    _ => break false,
                }
            };
            for n in path {
                cyclic.insert(n, verdict);
            }
        }
        let bad: Vec<(String, String)> = self
            .types
            .iter()
            .filter(|(name, _)| cyclic.get(name.as_str()) == Some(&true))
            .map(|(name, def)| (def.origin.clone(), name.clone()))
            .collect();
        for (origin, name) in bad {
            self.diags.error(
                origin,
                format!("`{name}` is a `$ref` cycle that never reaches a schema of its own"),
            );
        }
    }
}

/// Boxes every struct field whose type can lead back to the struct through unboxed fields.
///
/// Fields are visited in order (types by name, fields in order), and a field is boxed when its
/// type still leads back through the fields not boxed so far, so that a cycle gets one box.
/// Only a type of the struct's own strongly connected component can lead back to it, so the
/// search stays inside that component: linear in the size of the types for acyclic documents.
pub(super) fn break_cycles(types: &mut BTreeMap<String, TypeDef>) {
    let component = components(types);
    let names: Vec<String> = types.keys().cloned().collect();
    for name in names {
        let Some(&own) = component.get(name.as_str()) else {
            continue;
        };
        let count = match types.get(&name).map(|d| &d.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields.len(),
            _ => continue,
        };
        for i in 0..count {
            let target = match &types[&name].kind {
                TypeKind::Struct { fields, .. } => direct(&fields[i].ty).map(str::to_owned),
                _ => None,
            };
            let Some(target) = target else { continue };
            if component.get(target.as_str()) != Some(&own) {
                continue;
            }
            if reaches(types, &component, own, &target, &name)
                && let Some(TypeDef {
                    kind: TypeKind::Struct { fields, .. },
                    ..
                }) = types.get_mut(&name)
            {
                fields[i].boxed = true;
            }
        }
    }
}

/// The type a reference names directly (not through a `Vec` or a map, which are on the heap).
fn direct(t: &TypeRef) -> Option<&str> {
    match t {
        TypeRef::Named(n) | TypeRef::Caseless(n) => Some(n),
        _ => None,
    }
}

/// The types `name` holds inline: its unboxed struct fields, or what it aliases.
fn edges<'t>(types: &'t BTreeMap<String, TypeDef>, name: &str) -> Vec<&'t str> {
    match types.get(name).map(|d| &d.kind) {
        Some(TypeKind::Struct { fields, .. }) => fields
            .iter()
            .filter(|f| !f.boxed)
            .filter_map(|f| direct(&f.ty))
            .collect(),
        Some(TypeKind::Alias(t)) => direct(t).into_iter().collect(),
        // Union variants are always boxed (see emit), so they never form a cycle.
        _ => Vec::new(),
    }
}

/// Whether `from` leads to `target` through unboxed fields, within the component `own`.
fn reaches(
    types: &BTreeMap<String, TypeDef>,
    component: &HashMap<String, usize>,
    own: usize,
    from: &str,
    target: &str,
) -> bool {
    let mut stack = vec![from.to_owned()];
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if n == target {
            return true;
        }
        if seen.insert(n.clone()) {
            stack.extend(
                edges(types, &n)
                    .into_iter()
                    .filter(|m| component.get(*m) == Some(&own))
                    .map(str::to_owned),
            );
        }
    }
    false
}

/// The strongly connected component of every type in the graph of [`edges`] (Tarjan's
/// algorithm, with a stack of its own rather than recursion).
fn components(types: &BTreeMap<String, TypeDef>) -> HashMap<String, usize> {
    let names: Vec<&str> = types.keys().map(String::as_str).collect();
    let index_of: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let successors: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            edges(types, n)
                .into_iter()
                .filter_map(|m| index_of.get(m).copied())
                .collect()
        })
        .collect();
    let unvisited = usize::MAX;
    let mut index = vec![unvisited; names.len()];
    let mut low = vec![0; names.len()];
    let mut on_stack = vec![false; names.len()];
    let mut stack = Vec::new();
    let mut component = vec![unvisited; names.len()];
    let (mut next_index, mut next_component) = (0, 0);
    for root in 0..names.len() {
        if index[root] != unvisited {
            continue;
        }
        // (node, how many of its successors were visited)
        let mut work = vec![(root, 0)];
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            if *child == 0 && index[v] == unvisited {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = successors[v].get(*child) {
                *child += 1;
                if index[w] == unvisited {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    names
        .into_iter()
        .map(str::to_owned)
        .zip(component)
        .collect()
}
