//! How products and variants read in the audit log: the fields an admin edits, money in
//! integer minor units, so an entry's `changes` name exactly what a write changed.

use merx_kernel::audit::{Changes, Target};
use serde_json::{Value, json};

use crate::{Product, Variant};

impl Product {
    /// The product's own fields (variants are audited apart, as `variant` targets).
    #[must_use]
    pub fn audited(&self) -> Value {
        json!({
            "name": self.name,
            "slug": self.slug,
            "description": self.description,
            "short_description": self.short_description,
            "category": self.category,
            "tags": self.tags,
            "images": self.images.iter().map(|i| json!({"url": i.url, "alt_text": i.alt_text, "sort_order": i.sort_order})).collect::<Vec<_>>(),
            "status": self.status.as_str(),
            "is_featured": self.is_featured,
            "currency": self.currency.code(),
            "attributes": self.attributes,
            "seo_title": self.seo_title,
            "seo_description": self.seo_description,
        })
    }

    #[must_use]
    pub fn audit_target(&self) -> Target {
        Target::new("product", self.id)
    }
}

impl Variant {
    #[must_use]
    pub fn audited(&self) -> Value {
        json!({
            "sku": self.sku,
            "name": self.name,
            "options": self.options,
            "price": self.price.amount(),
            "compare_at_price": self.compare_at_price.map(|m| m.amount()),
            "cost_price": self.cost_price.map(|m| m.amount()),
            "weight_grams": self.weight_grams,
            "position": self.position,
        })
    }

    #[must_use]
    pub fn audit_target(&self) -> Target {
        Target::new("variant", self.id)
    }
}

/// The changes of a create (`before` absent), an update or a delete (`after` absent).
pub(crate) fn changes(before: Option<Value>, after: Option<Value>) -> Changes {
    Changes::between(
        &before.unwrap_or(Value::Null),
        &after.unwrap_or(Value::Null),
    )
}
