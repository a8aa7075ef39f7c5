//! Products and their variants: the model, the rules (slugs, simple products, visibility,
//! archive-instead-of-delete) and the ports the catalog needs. Reads answer products with
//! their variants' stock ([`StockedProduct`]), so the stock flags follow one rule.
//!
//! ```
//! use merx_catalog::slugify;
//!
//! // A slug is derived from the name when none is given; Hangul is kept.
//! assert_eq!(slugify("Classic Hoodie (Black)"), "classic-hoodie-black");
//! assert_eq!(slugify("카멜리아 헤어 오일"), "카멜리아-헤어-오일");
//! ```

mod audited;
mod error;
mod input;
mod ports;
mod product;
mod query;
mod rating_summary;
mod service;
mod slug;
mod stocked;

pub use error::CatalogError;
pub use input::{ImageInput, ProductInput, ProductPatch, VariantInput, VariantPatch};
pub use ports::*;
pub use product::{InitialStock, Product, ProductImage, ProductStatus, Variant};
pub use query::{Audience, ProductQuery, SortBy, SortOrder};
pub use rating_summary::{MinRating, RatingSummary};
pub use service::{CatalogService, Removal};
pub use slug::slugify;
pub use stocked::{StockedProduct, VariantStock};
