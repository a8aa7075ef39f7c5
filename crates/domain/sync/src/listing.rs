//! How a product of ours is listed at the storefront. A product of one variant without
//! options is a simple product; any other becomes a variable product with one variation per
//! variant (spec §13). Merx is the stock master: the storefront's stock is what we can still
//! sell (on hand minus live holds).

use merx_catalog::{Product, ProductStatus, StockedProduct, Variant};
use merx_kernel::{Money, ProductId, VariantId};

/// Which parts of a product a sync sends (spec §13 `sync_inventory`, `sync_images`,
/// `sync_metadata`; each true unless the caller says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    pub inventory: bool,
    pub images: bool,
    pub metadata: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            inventory: true,
            images: true,
            metadata: true,
        }
    }
}

impl SyncOptions {
    /// The storefront fields a sync with these options writes, as the answer names them.
    #[must_use]
    pub fn synced_fields(self) -> Vec<&'static str> {
        let mut fields = vec![
            "name",
            "slug",
            "description",
            "short_description",
            "status",
            "sku",
            "regular_price",
            "sale_price",
            "variations",
        ];
        if self.inventory {
            fields.extend(["manage_stock", "stock_quantity"]);
        }
        if self.images {
            fields.push("images");
        }
        if self.metadata {
            fields.extend(["tags", "meta_data"]);
        }
        fields
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingStatus {
    Publish,
    Draft,
    /// Archived here: kept at the storefront, hidden from shoppers.
    Private,
}

impl ListingStatus {
    #[must_use]
    pub const fn of(status: ProductStatus) -> Self {
        match status {
            ProductStatus::Active => Self::Publish,
            ProductStatus::Draft => Self::Draft,
            ProductStatus::Archived => Self::Private,
        }
    }

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::Draft => "draft",
            Self::Private => "private",
        }
    }
}

/// A price as storefronts show it: the regular price, and the sale price when ours is below
/// the compare-at price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    pub regular: Money,
    pub sale: Option<Money>,
}

impl Prices {
    #[must_use]
    pub fn of(variant: &Variant) -> Self {
        match variant.compare_at_price {
            Some(was) if was.amount() > variant.price.amount() => Self {
                regular: was,
                sale: Some(variant.price),
            },
            _ => Self {
                regular: variant.price,
                sale: None,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageListing {
    pub src: String,
    pub alt: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariationListing {
    pub variant_id: VariantId,
    pub sku: String,
    pub prices: Prices,
    /// `None`: stock not sent (not tracked, or not asked for).
    pub stock: Option<i64>,
    /// `(option name, value)`, e.g. `("Size", "M")`.
    pub attributes: Vec<(String, String)>,
    pub weight_grams: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingKind {
    Simple {
        variant_id: VariantId,
        prices: Prices,
        stock: Option<i64>,
        weight_grams: i64,
    },
    Variable {
        /// Each option name with every value the variants use, in first-seen order.
        attributes: Vec<(String, Vec<String>)>,
        variations: Vec<VariationListing>,
    },
}

/// A product as the storefront is to list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub product_id: ProductId,
    pub name: String,
    pub slug: String,
    /// The storefront's unique key for the product: the variant's SKU for a simple product,
    /// the slug (unique in our catalog) for a variable one.
    pub sku: String,
    pub description: String,
    pub short_description: String,
    pub status: ListingStatus,
    pub kind: ListingKind,
    /// Sent when images are synced.
    pub images: Option<Vec<ImageListing>>,
    /// Sent when metadata is synced.
    pub tags: Option<Vec<String>>,
    /// Whether stock is managed at the storefront (sent when inventory is synced).
    pub manage_stock: Option<bool>,
}

impl Listing {
    /// `product` as listed with `options`.
    #[must_use]
    pub fn of(stocked: &StockedProduct, options: SyncOptions) -> Self {
        let p = &stocked.product;
        let stock_of = |v: &Variant| {
            if !options.inventory {
                return None;
            }
            stocked
                .level(v.id)
                .filter(|l| l.settings.track_inventory)
                .map(merx_inventory::StockLevel::available)
        };
        let simple = p.variants.len() == 1 && p.variants[0].options.is_empty();
        let kind = if simple {
            let v = &p.variants[0];
            ListingKind::Simple {
                variant_id: v.id,
                prices: Prices::of(v),
                stock: stock_of(v),
                weight_grams: v.weight_grams,
            }
        } else {
            ListingKind::Variable {
                attributes: attributes(p),
                variations: p
                    .variants
                    .iter()
                    .map(|v| VariationListing {
                        variant_id: v.id,
                        sku: v.sku.clone(),
                        prices: Prices::of(v),
                        stock: stock_of(v),
                        attributes: option_pairs(v),
                        weight_grams: v.weight_grams,
                    })
                    .collect(),
            }
        };
        let tracked = stocked.levels.iter().any(|l| l.settings.track_inventory);
        Self {
            product_id: p.id,
            name: p.name.clone(),
            slug: p.slug.clone(),
            sku: if simple {
                p.variants[0].sku.clone()
            } else {
                p.slug.clone()
            },
            description: p.description.clone().unwrap_or_default(),
            short_description: p.short_description.clone().unwrap_or_default(),
            status: ListingStatus::of(p.status),
            kind,
            images: options.images.then(|| {
                let mut images = p.images.clone();
                images.sort_by_key(|i| i.sort_order);
                images
                    .into_iter()
                    .map(|i| ImageListing {
                        src: i.url,
                        alt: i.alt_text.unwrap_or_default(),
                    })
                    .collect()
            }),
            tags: options.metadata.then(|| p.tags.clone()),
            manage_stock: options.inventory.then_some(tracked),
        }
    }

    /// Our variants listed (a simple product's one, or each variation's).
    #[must_use]
    pub fn variant_ids(&self) -> Vec<VariantId> {
        match &self.kind {
            ListingKind::Simple { variant_id, .. } => vec![*variant_id],
            ListingKind::Variable { variations, .. } => {
                variations.iter().map(|v| v.variant_id).collect()
            }
        }
    }

    /// The variations' SKUs and our variant ids (none for a simple product).
    #[must_use]
    pub fn variations(&self) -> &[VariationListing] {
        match &self.kind {
            ListingKind::Simple { .. } => &[],
            ListingKind::Variable { variations, .. } => variations,
        }
    }
}

/// A variant's options; one without options is told apart by its name.
fn option_pairs(v: &Variant) -> Vec<(String, String)> {
    if v.options.is_empty() {
        return vec![("Variant".to_owned(), v.name.clone())];
    }
    v.options
        .iter()
        .map(|(k, val)| (k.clone(), val.clone()))
        .collect()
}

fn attributes(p: &Product) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for v in &p.variants {
        for (name, value) in option_pairs(v) {
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) if !values.contains(&value) => values.push(value),
                Some(_) => {}
                None => out.push((name, vec![value])),
            }
        }
    }
    out
}
