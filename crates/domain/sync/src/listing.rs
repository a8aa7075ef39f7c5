//! How a product of ours is listed at the storefront: as a simple or a variable product, by
//! the rule of [`ListingType`] (spec §13, §15); a variable one has one variation per variant.
//! Merx is the stock master: the storefront's stock is what we can still sell (on hand minus
//! live holds).

use merx_catalog::{Product, ProductStatus, StockedProduct, Variant};
use merx_kernel::{Money, ProductId, VariantId};

use crate::ListingType;

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
        /// The variant's options, `(name, value)`: the product's attributes (not variation
        /// attributes).
        attributes: Vec<(String, String)>,
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
    /// `product` as listed with `options` over what the storefront holds: `there` is the type
    /// of the storefront's product (linked or found), none when it has none. Our lookup key
    /// is the `sku` of the listing over nothing.
    #[must_use]
    pub fn of(stocked: &StockedProduct, options: SyncOptions, there: Option<ListingType>) -> Self {
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
        let simple = ListingType::of(p).over(there) == ListingType::Simple;
        let kind = if simple {
            let v = &p.variants[0];
            ListingKind::Simple {
                variant_id: v.id,
                prices: Prices::of(v),
                stock: stock_of(v),
                weight_grams: v.weight_grams,
                attributes: v
                    .options
                    .iter()
                    .map(|(k, val)| (k.clone(), val.clone()))
                    .collect(),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use merx_catalog::{Product, ProductStatus, StockedProduct, Variant};
    use merx_inventory::{StockLevel, StockSettings};
    use merx_kernel::{Currency, Money, ProductId, VariantId};

    use super::{Listing, ListingKind, SyncOptions};
    use crate::ListingType;

    fn variant(sku: &str, options: &[(&str, &str)]) -> Variant {
        Variant {
            id: VariantId::new(),
            sku: sku.into(),
            name: sku.into(),
            options: options
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            price: Money::new(2_000, Currency::Usd),
            compare_at_price: None,
            cost_price: None,
            weight_grams: 0,
            position: 0,
        }
    }

    fn stocked(variants: Vec<Variant>) -> StockedProduct {
        let now = chrono::Utc::now();
        let levels = variants
            .iter()
            .map(|v| StockLevel {
                variant_id: v.id,
                on_hand: 4,
                reserved: 1,
                settings: StockSettings::default(),
                updated_at: now,
            })
            .collect();
        StockedProduct {
            product: Product {
                id: ProductId::new(),
                name: "Tee".into(),
                slug: "tee".into(),
                description: None,
                short_description: None,
                category: None,
                tags: Vec::new(),
                images: Vec::new(),
                status: ProductStatus::Active,
                is_featured: false,
                currency: Currency::Usd,
                attributes: serde_json::Map::new(),
                seo_title: None,
                seo_description: None,
                variants,
                reviews: Default::default(),
                created_at: now,
                updated_at: now,
            },
            levels,
        }
    }

    #[test]
    fn one_variant_is_a_simple_product_whatever_its_options() {
        let p = stocked(vec![variant("TEE-M", &[("Size", "M")])]);
        let listing = Listing::of(&p, SyncOptions::default(), None);
        assert_eq!(listing.sku, "TEE-M", "a simple product's key is its SKU");
        match &listing.kind {
            ListingKind::Simple {
                variant_id,
                attributes,
                stock,
                ..
            } => {
                assert_eq!(*variant_id, p.product.variants[0].id);
                assert_eq!(attributes, &[("Size".to_owned(), "M".to_owned())]);
                assert_eq!(*stock, Some(3), "what we can sell");
            }
            other => panic!("simple expected, got {other:?}"),
        }
        assert!(listing.variations().is_empty());
        let plain = Listing::of(
            &stocked(vec![variant("MUG", &[])]),
            SyncOptions::default(),
            None,
        );
        let ListingKind::Simple { attributes, .. } = plain.kind else {
            panic!("simple expected");
        };
        assert!(attributes.is_empty(), "no options, no attributes");
    }

    #[test]
    fn two_variants_make_a_variable_product_keyed_by_its_slug() {
        let p = stocked(vec![
            variant("TEE-S", &[("Size", "S")]),
            variant("TEE-M", &[("Size", "M")]),
        ]);
        let listing = Listing::of(&p, SyncOptions::default(), None);
        assert_eq!(listing.sku, "tee");
        let skus: Vec<&str> = listing
            .variations()
            .iter()
            .map(|v| v.sku.as_str())
            .collect();
        assert_eq!(skus, ["TEE-S", "TEE-M"]);
        // A simple product there takes our type.
        let over_simple = Listing::of(&p, SyncOptions::default(), Some(ListingType::Simple));
        assert_eq!(over_simple, listing);
    }

    #[test]
    fn one_variant_over_a_variable_product_there_is_its_one_variation() {
        let p = stocked(vec![variant("TEE-M", &[("Size", "M")])]);
        let listing = Listing::of(&p, SyncOptions::default(), Some(ListingType::Variable));
        assert_eq!(
            listing.sku, "tee",
            "the variation carries the variant's SKU"
        );
        assert_eq!(listing.variations().len(), 1);
        assert_eq!(listing.variations()[0].sku, "TEE-M");
        assert_eq!(listing.variant_ids(), [p.product.variants[0].id]);
    }
}
