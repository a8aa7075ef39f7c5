//! Products and their variants: the model, the rules (slugs, simple products, visibility,
//! archive-instead-of-delete) and the ports the catalog needs.

mod error;
mod input;
mod ports;
mod product;
mod query;
mod service;
mod slug;
mod stocked;

pub use error::CatalogError;
pub use input::{ImageInput, ProductInput, ProductPatch, VariantInput, VariantPatch};
pub use ports::*;
pub use product::{InitialStock, Product, ProductImage, ProductStatus, Variant};
pub use query::{Audience, ProductQuery, SortBy, SortOrder};
pub use service::{CatalogService, Removal};
pub use slug::slugify;
pub use stocked::{StockedProduct, VariantStock};
