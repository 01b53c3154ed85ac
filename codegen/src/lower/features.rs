//! API areas: which cargo feature each operation is in (`x-aqua-feature`, else its first tag),
//! named as cargo features are (`Billing Documents` → `billing-documents`).
//!
//! The rule: an operation with `x-aqua-feature: NAME` is in the area `NAME`; else one with tags
//! is in the area of its first tag; one with neither is in every build. Area names are the
//! tag (or value) in kebab case: lower-case letters and digits, a `-` for every run of other
//! characters and between a lower-case letter or digit and an upper-case one. Tags that give
//! the same name are one area; `server` and `default` (features of their own) become
//! `server-api` and `default-api`, a name that is empty or starts with a digit gets `area-` in
//! front. Whether the code is cut by area at all is `Options::features` (`aqua-codegen crate`).

use super::Lowerer;
use super::extensions::{AreaFeature, Extension};
use super::operation::OperationContext;
use crate::model::{Feature, Operation};

impl Lowerer<'_> {
    /// The area of an operation, recording what it stands for.
    pub(super) fn operation_feature(&mut self, cx: &OperationContext<'_, '_>) -> Option<String> {
        let source = match self.extension::<AreaFeature>(&cx.op.extensions, &cx.at) {
            Some(Ok(AreaFeature(value))) if !feature_name(&value).is_empty() => value,
            Some(_) => {
                self.diags.error(
                    cx.at.push(AreaFeature::NAME),
                    "`x-aqua-feature` must be a string with a letter or digit: the API area (cargo feature) of the operation",
                );
                return None;
            }
            None => cx.op.tags.first()?.clone(),
        };
        let mut name = feature_name(&source);
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            name.insert_str(0, "area-");
            if name.ends_with('-') {
                name.pop();
            }
        }
        if name == "server" || name == "default" {
            name.push_str("-api");
        }
        let sources = self.area_sources.entry(name.clone()).or_default();
        if !sources.contains(&source) {
            sources.push(source);
        }
        Some(name)
    }

    /// The areas of the operations generated, sorted by name.
    pub(super) fn feature_summary(&self, operations: &[Operation]) -> Vec<Feature> {
        self.area_sources
            .iter()
            .filter_map(|(name, sources)| {
                let operations = operations
                    .iter()
                    .filter(|o| o.feature.as_deref() == Some(name))
                    .count();
                (operations > 0).then(|| Feature {
                    name: name.clone(),
                    sources: sources.clone(),
                    operations,
                })
            })
            .collect()
    }
}

/// A tag as a cargo feature name: kebab case (`BillingDocuments`, `billing documents` →
/// `billing-documents`); empty when it has no letter or digit.
pub(crate) fn feature_name(tag: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in tag.chars() {
        if c.is_alphanumeric() {
            let boundary = c.is_uppercase()
                && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            if (boundary || previous.is_none()) && !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.extend(c.to_lowercase());
            previous = Some(c);
        } else {
            previous = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::feature_name;

    #[test]
    fn tags_become_kebab_case_feature_names() {
        assert_eq!(feature_name("Billing Documents"), "billing-documents");
        assert_eq!(feature_name("BillingDocuments"), "billing-documents");
        assert_eq!(feature_name("pets"), "pets");
        assert_eq!(feature_name("  Sales_Order / v2 "), "sales-order-v2");
        assert_eq!(feature_name("OAuth"), "oauth");
        assert_eq!(feature_name("Über"), "über");
        assert_eq!(feature_name("!!"), "");
    }
}
