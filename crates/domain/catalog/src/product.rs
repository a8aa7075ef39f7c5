use std::collections::BTreeMap;

use merx_kernel::{Currency, Money, ProductId, Timestamp, VariantId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}

impl ProductStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "active" => Some(Self::Active),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductImage {
    pub url: String,
    pub alt_text: Option<String>,
    pub sort_order: i32,
}

/// A purchasable variant. Every price is in its product's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub id: VariantId,
    pub sku: String,
    pub name: String,
    pub options: BTreeMap<String, String>,
    pub price: Money,
    pub compare_at_price: Option<Money>,
    /// What the shop paid; shown to admins only.
    pub cost_price: Option<Money>,
    pub weight_grams: i64,
    pub position: i32,
}

impl Variant {
    /// What the shop paid, for those allowed to see it: admins only.
    #[must_use]
    pub fn cost_price_for(&self, audience: crate::Audience) -> Option<Money> {
        match audience {
            crate::Audience::Admin => self.cost_price,
            crate::Audience::Public => None,
        }
    }
}

/// A product with at least one variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub short_description: Option<String>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub images: Vec<ProductImage>,
    pub status: ProductStatus,
    pub is_featured: bool,
    pub currency: Currency,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub variants: Vec<Variant>,
    /// Published reviews per star. Kept by review writes only: a store keeps its own counts
    /// when a product is updated, whatever this field holds.
    pub reviews: crate::RatingSummary,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Product {
    /// Whether the public sees it (and may buy or review it): active products only.
    #[must_use]
    pub fn is_for_sale(&self) -> bool {
        self.status == ProductStatus::Active
    }

    /// The cheapest variant: its price is the product's `price`.
    #[must_use]
    pub fn cheapest(&self) -> Option<&Variant> {
        self.variants
            .iter()
            .min_by_key(|v| (v.price.amount(), v.position))
    }

    /// The product's price: its lowest variant price.
    #[must_use]
    pub fn price(&self) -> Money {
        self.cheapest()
            .map_or(Money::zero(self.currency), |v| v.price)
    }

    #[must_use]
    pub fn variant(&self, id: VariantId) -> Option<&Variant> {
        self.variants.iter().find(|v| v.id == id)
    }

    /// What a text search reads: name, description and SKUs, lower-cased and joined by
    /// spaces. A product matches a search when this contains the lower-cased query.
    #[must_use]
    pub fn search_text(&self) -> String {
        let mut parts = vec![self.name.as_str()];
        parts.extend(self.description.as_deref());
        parts.extend(self.variants.iter().map(|v| v.sku.as_str()));
        parts.join(" ").to_lowercase()
    }
}

/// Stock a new variant starts with (kept by inventory, written with the product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitialStock {
    pub on_hand: i64,
    pub track_inventory: bool,
    pub low_stock_threshold: i64,
}
