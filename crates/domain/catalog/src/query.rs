use merx_kernel::{Currency, PageRequest, Timestamp};

use crate::ProductStatus;

/// Who is looking: the public sees active products only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Admin,
}

impl Audience {
    /// Who sees what of the catalog: admins (and API keys) everything, with costs and drafts;
    /// everyone else what is for sale.
    #[must_use]
    pub const fn of(is_admin: bool) -> Self {
        if is_admin { Self::Admin } else { Self::Public }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    Price,
    Name,
    #[default]
    CreatedAt,
    /// The exact mean of published reviews (0 without any), spec §18.
    Rating,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

/// A product list request. Every filter is optional; all given filters must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductQuery {
    /// Allowed statuses; the service sets `[Active]` for the public.
    pub statuses: Vec<ProductStatus>,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub currency: Option<Currency>,
    /// On the product price (its cheapest variant), in minor units.
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    /// The product is (or is not) in stock as [`merx_inventory::is_in_stock`] says: some
    /// variant is untracked or has units available, reservations live at `now` counting.
    pub in_stock: Option<bool>,
    pub featured: Option<bool>,
    /// The exact mean of published reviews is at least this (0 without reviews).
    pub min_rating: Option<crate::MinRating>,
    /// Case-insensitive text in the name, description or any SKU.
    pub search: Option<String>,
    pub sort_by: SortBy,
    pub sort_order: SortOrder,
    pub page: PageRequest,
    /// The moment stock is judged at (the service sets it).
    pub now: Timestamp,
}
