//! What clients send to create or change products, and the rules that turn it into products.

use std::collections::BTreeMap;

use merx_kernel::{Currency, Money, ValidationErrors, VariantId, json_has_nul};

use crate::slug::is_valid_slug;
use crate::{InitialStock, ProductImage, ProductStatus, Variant};

#[derive(Debug, Clone, Default)]
pub struct ImageInput {
    pub url: String,
    pub alt_text: Option<String>,
    pub sort_order: Option<i32>,
}

/// A variant to create; also the shape of a variant in the demo catalog's JSON.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VariantInput {
    pub sku: String,
    pub name: Option<String>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub cost_price: Option<i64>,
    pub weight_grams: Option<i64>,
    pub inventory_count: Option<i64>,
    pub track_inventory: Option<bool>,
    pub low_stock_threshold: Option<i64>,
}

/// A new product. With no `variants`, `price`, `sku` and `inventory_count` make its one
/// default variant (a simple product).
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub short_description: Option<String>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub images: Vec<ImageInput>,
    pub status: Option<ProductStatus>,
    pub is_featured: bool,
    pub currency: Option<Currency>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub variants: Vec<VariantInput>,
    pub price: Option<i64>,
    pub compare_at_price: Option<i64>,
    pub sku: Option<String>,
    pub inventory_count: Option<i64>,
}

/// A partial change; `None` keeps a field, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Option<String>>,
    pub short_description: Option<Option<String>>,
    pub category: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub images: Option<Vec<ImageInput>>,
    pub status: Option<ProductStatus>,
    pub is_featured: Option<bool>,
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    pub seo_title: Option<Option<String>>,
    pub seo_description: Option<Option<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct VariantPatch {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub options: Option<BTreeMap<String, String>>,
    pub price: Option<i64>,
    pub compare_at_price: Option<Option<i64>>,
    pub cost_price: Option<Option<i64>>,
    pub weight_grams: Option<i64>,
}

/// Longest name-like field, and longest description.
pub(crate) const SHORT: usize = 200;
pub(crate) const LONG: usize = 20_000;
const MAX_TAGS: usize = 50;

/// Field checks shared by every catalog input; each error is named by its path.
pub(crate) struct Checker {
    pub errors: ValidationErrors,
}

impl Checker {
    pub fn new() -> Self {
        Self {
            errors: ValidationErrors::new(),
        }
    }

    pub fn required(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim().to_owned();
        if v.is_empty() {
            self.errors.add(field, "is required");
        } else {
            self.text(field, &v, max);
        }
        v
    }

    pub fn optional(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let v = value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(s) = &v {
            self.text(field, s, max);
        }
        v
    }

    /// Text may hold line breaks and tabs (descriptions) but nothing else invisible.
    fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.errors
                .add(field, format!("must be at most {max} characters"));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.errors
                .add(field, "must not contain control characters");
        }
    }

    pub fn amount(&mut self, field: &str, value: i64, currency: Currency) -> Money {
        if value < 0 {
            self.errors.add(field, "must not be negative");
        } else if value > 1_000_000_000_000 {
            self.errors.add(field, "is too large");
        }
        Money::new(value, currency)
    }

    pub fn count(&mut self, field: &str, value: i64, max: i64) -> i64 {
        if !(0..=max).contains(&value) {
            self.errors
                .add(field, format!("must be between 0 and {max}"));
        }
        value
    }

    pub fn slug(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let slug = value.map(|s| s.trim().to_owned())?;
        if !is_valid_slug(&slug) {
            self.errors.add(
                field,
                "must be lower-case letters and digits joined by single hyphens",
            );
        }
        Some(slug)
    }

    pub fn sku(&mut self, field: &str, value: &str) -> String {
        let sku = value.trim().to_owned();
        if sku.is_empty()
            || sku.len() > 64
            || sku.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            self.errors
                .add(field, "must be 1 to 64 characters without spaces");
        }
        sku
    }

    pub fn tags(&mut self, value: Vec<String>) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for (i, tag) in value.into_iter().enumerate() {
            let tag = self
                .required(&format!("tags[{i}]"), &tag, 50)
                .to_lowercase();
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > MAX_TAGS {
            self.errors.add("tags", format!("at most {MAX_TAGS} tags"));
        }
        tags
    }

    pub fn images(&mut self, value: Vec<ImageInput>) -> Vec<ProductImage> {
        let mut images: Vec<ProductImage> = value
            .into_iter()
            .enumerate()
            .map(|(i, img)| ProductImage {
                url: self.required(&format!("images[{i}].url"), &img.url, 2000),
                alt_text: self.optional(&format!("images[{i}].alt_text"), img.alt_text, SHORT),
                sort_order: img
                    .sort_order
                    .unwrap_or(i32::try_from(i).unwrap_or(i32::MAX)),
            })
            .collect();
        images.sort_by_key(|img| img.sort_order);
        images
    }

    pub fn attributes(&mut self, value: &serde_json::Map<String, serde_json::Value>) {
        if json_has_nul(value) {
            self.errors
                .add("attributes", "must not contain NUL characters");
        }
    }

    pub fn options(
        &mut self,
        field: &str,
        value: BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        value
            .into_iter()
            .map(|(k, v)| {
                let key = self
                    .required(&format!("{field}.options"), &k, 50)
                    .to_lowercase();
                let val = self.required(&format!("{field}.options.{key}"), &v, 100);
                (key, val)
            })
            .collect()
    }

    pub fn finish(self) -> Result<(), ValidationErrors> {
        self.errors.into_result()
    }
}

impl VariantInput {
    /// The variant and its initial stock; `field` prefixes error paths (`variants[0]`).
    pub(crate) fn build(
        self,
        c: &mut Checker,
        field: &str,
        currency: Currency,
        position: i32,
    ) -> (Variant, InitialStock) {
        let sku = c.sku(&format!("{field}.sku"), &self.sku);
        let options = c.options(field, self.options);
        let default_name = if options.is_empty() {
            "Default".to_owned()
        } else {
            options.values().cloned().collect::<Vec<_>>().join(" / ")
        };
        let name = c
            .optional(&format!("{field}.name"), self.name, SHORT)
            .unwrap_or(default_name);
        let variant = Variant {
            id: VariantId::new(),
            sku,
            name,
            options,
            price: c.amount(&format!("{field}.price"), self.price, currency),
            compare_at_price: self
                .compare_at_price
                .map(|p| c.amount(&format!("{field}.compare_at_price"), p, currency)),
            cost_price: self
                .cost_price
                .map(|p| c.amount(&format!("{field}.cost_price"), p, currency)),
            weight_grams: c.count(
                &format!("{field}.weight_grams"),
                self.weight_grams.unwrap_or(0),
                10_000_000,
            ),
            position,
        };
        let stock = InitialStock {
            on_hand: c.count(
                &format!("{field}.inventory_count"),
                self.inventory_count.unwrap_or(0),
                1_000_000_000,
            ),
            track_inventory: self.track_inventory.unwrap_or(true),
            low_stock_threshold: c.count(
                &format!("{field}.low_stock_threshold"),
                self.low_stock_threshold.unwrap_or(5),
                1_000_000,
            ),
        };
        (variant, stock)
    }
}

impl VariantPatch {
    pub(crate) fn apply(self, c: &mut Checker, variant: &mut Variant, currency: Currency) {
        if let Some(sku) = self.sku {
            variant.sku = c.sku("sku", &sku);
        }
        if let Some(name) = self.name {
            variant.name = c.required("name", &name, SHORT);
        }
        if let Some(options) = self.options {
            variant.options = c.options("variant", options);
        }
        if let Some(price) = self.price {
            variant.price = c.amount("price", price, currency);
        }
        if let Some(p) = self.compare_at_price {
            variant.compare_at_price = p.map(|p| c.amount("compare_at_price", p, currency));
        }
        if let Some(p) = self.cost_price {
            variant.cost_price = p.map(|p| c.amount("cost_price", p, currency));
        }
        if let Some(w) = self.weight_grams {
            variant.weight_grams = c.count("weight_grams", w, 10_000_000);
        }
    }
}

/// Checks that SKUs are unique within one product.
pub(crate) fn check_distinct_skus(c: &mut Checker, variants: &[Variant]) {
    for (i, v) in variants.iter().enumerate() {
        if variants[..i].iter().any(|w| w.sku == v.sku) {
            c.errors.add(
                format!("variants[{i}].sku"),
                "repeats another variant's SKU",
            );
        }
    }
}
