//! Page requests and pages in the shape every list endpoint answers with.

use serde::Serialize;

use crate::ValidationErrors;

/// Which slice of a list to return. `page` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    page_size: u32,
}

impl PageRequest {
    pub const DEFAULT_PAGE_SIZE: u32 = 20;
    pub const MAX_PAGE_SIZE: u32 = 100;

    /// Validates a client's `page` and `page_size` (either may be absent).
    ///
    /// # Errors
    /// A field error for a page below 1 or a page size outside 1..=100.
    pub fn new(page: Option<i64>, page_size: Option<i64>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(i64::from(Self::DEFAULT_PAGE_SIZE));
        if !(1..=i64::from(u32::MAX)).contains(&page) {
            errors.add("page", "must be 1 or more");
        }
        if !(1..=i64::from(Self::MAX_PAGE_SIZE)).contains(&page_size) {
            errors.add(
                "page_size",
                format!("must be between 1 and {}", Self::MAX_PAGE_SIZE),
            );
        }
        errors.into_result()?;
        Ok(Self {
            page: u32::try_from(page).unwrap_or(1),
            page_size: u32::try_from(page_size).unwrap_or(Self::DEFAULT_PAGE_SIZE),
        })
    }

    #[must_use]
    pub const fn page(&self) -> u32 {
        self.page
    }

    #[must_use]
    pub const fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Rows to skip.
    #[must_use]
    pub const fn offset(&self) -> u64 {
        (self.page as u64 - 1) * self.page_size as u64
    }
}

/// Every item of a paged list, read a page of [`PageRequest::MAX_PAGE_SIZE`] at a time
/// until a page says there is no next one.
///
/// # Errors
/// The first failure of `page_of`.
pub async fn all_pages<T, E, F, Fut>(mut page_of: F) -> Result<Vec<T>, E>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, E>>,
{
    let mut all = Vec::new();
    for page in 1.. {
        let found = page_of(PageRequest {
            page,
            page_size: PageRequest::MAX_PAGE_SIZE,
        })
        .await?;
        let more = found.has_next;
        all.extend(found.items);
        if !more {
            break;
        }
    }
    Ok(all)
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: Self::DEFAULT_PAGE_SIZE,
        }
    }
}

/// One page of a list: `{"items", "total", "page", "page_size", "total_pages", "has_next", "has_prev"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    pub total_pages: u64,
    pub has_next: bool,
    pub has_prev: bool,
    /// `total` is the database's estimate, not a count: a search matching more products than
    /// a store counts exactly (see the catalog's list). Serialized only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_is_estimate: bool,
}

impl<T> Page<T> {
    /// A page whose total is an estimate (never below what the pages so far show); a full
    /// page says a next one may follow.
    #[must_use]
    pub fn estimated(items: Vec<T>, estimate: u64, request: PageRequest) -> Self {
        let full = items.len() as u64 == u64::from(request.page_size);
        let seen = request.offset() + items.len() as u64 + u64::from(full);
        let mut page = Self::new(items, estimate.max(seen), request);
        page.has_next = full;
        page.total_is_estimate = true;
        page
    }

    #[must_use]
    pub fn new(items: Vec<T>, total: u64, request: PageRequest) -> Self {
        let total_pages = total.div_ceil(u64::from(request.page_size));
        Self {
            items,
            total,
            page: request.page,
            page_size: request.page_size,
            total_pages,
            has_next: u64::from(request.page) < total_pages,
            has_prev: request.page > 1,
            total_is_estimate: false,
        }
    }

    /// The requested page of a list held whole in memory (a user's addresses, say).
    #[must_use]
    pub fn of_all(all: Vec<T>, request: PageRequest) -> Self {
        let total = all.len() as u64;
        let skip = usize::try_from(request.offset()).unwrap_or(usize::MAX);
        let items = all
            .into_iter()
            .skip(skip)
            .take(request.page_size as usize)
            .collect();
        Self::new(items, total, request)
    }

    /// The same page holding `items` instead (the same items, enriched).
    #[must_use]
    pub fn with_items<U>(self, items: Vec<U>) -> Page<U> {
        Page {
            items,
            total: self.total,
            page: self.page,
            page_size: self.page_size,
            total_pages: self.total_pages,
            has_next: self.has_next,
            has_prev: self.has_prev,
            total_is_estimate: self.total_is_estimate,
        }
    }

    /// The same page with every item converted (domain type → response type).
    pub fn map<U>(mut self, f: impl FnMut(T) -> U) -> Page<U> {
        let items = std::mem::take(&mut self.items).into_iter().map(f).collect();
        self.with_items(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_page_one_of_twenty() {
        let req = PageRequest::new(None, None).expect("valid");
        assert_eq!((req.page(), req.page_size(), req.offset()), (1, 20, 0));
    }

    #[test]
    fn out_of_range_values_are_field_errors() {
        let err = PageRequest::new(Some(0), Some(1000)).expect_err("both invalid");
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["page", "page_size"]);
        assert!(PageRequest::new(Some(1), Some(0)).is_err());
        assert!(PageRequest::new(Some(-3), None).is_err());
    }

    #[test]
    fn pages_know_their_neighbours() {
        let req = PageRequest::new(Some(2), Some(10)).expect("valid");
        assert_eq!(req.offset(), 10);
        let page = Page::new(vec![1, 2, 3], 23, req);
        assert_eq!(page.total_pages, 3);
        assert!(page.has_next && page.has_prev);

        let last = Page::new(
            vec![1],
            21,
            PageRequest::new(Some(3), Some(10)).expect("valid"),
        );
        assert!(!last.has_next && last.has_prev);

        let empty = Page::<u8>::new(vec![], 0, PageRequest::default());
        assert_eq!(empty.total_pages, 0);
        assert!(!empty.has_next && !empty.has_prev);
    }

    #[test]
    fn a_whole_list_is_sliced_into_the_requested_page() {
        let all: Vec<u32> = (1..=25).collect();
        let page = Page::of_all(
            all.clone(),
            PageRequest::new(Some(3), Some(10)).expect("valid"),
        );
        assert_eq!(page.items, [21, 22, 23, 24, 25]);
        assert_eq!(
            (page.total, page.total_pages, page.has_next),
            (25, 3, false)
        );
        let beyond = Page::of_all(all, PageRequest::new(Some(9), Some(10)).expect("valid"));
        assert!(beyond.items.is_empty());
        assert!(beyond.has_prev);
    }
}
