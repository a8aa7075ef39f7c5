//! The list shape of spec §1, as JSON and in the OpenAPI document.

use merx_kernel::Page;
use serde::Serialize;
use utoipa::ToSchema;

/// `{"items", "total", "page", "page_size", "total_pages", "has_next", "has_prev"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageBody<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    pub total_pages: u64,
    pub has_next: bool,
    pub has_prev: bool,
    /// Present (and true) only when `total` and `total_pages` are the database's estimate: a
    /// product search matching more than 1,000 products is not counted exactly. `has_next`
    /// is then true whenever the page is full.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(example = false)]
    pub total_is_estimate: bool,
}

impl<T> PageBody<T> {
    /// Converts a domain page, item by item.
    pub fn from_page<D>(page: Page<D>, item: impl FnMut(D) -> T) -> Self {
        let page = page.map(item);
        Self::with_items(page, |items| items)
    }

    /// The page's counts around items made from its own (e.g. in one batch, asynchronously).
    pub fn with_items<D>(page: Page<D>, items: impl FnOnce(Vec<D>) -> Vec<T>) -> Self {
        Self {
            items: items(page.items),
            total: page.total,
            page: page.page,
            page_size: page.page_size,
            total_pages: page.total_pages,
            has_next: page.has_next,
            has_prev: page.has_prev,
            total_is_estimate: page.total_is_estimate,
        }
    }
}
