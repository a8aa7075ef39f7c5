use async_trait::async_trait;
use merx_kernel::{ProductId, StoreError, Timestamp, VariantId};
use merx_orders::OrderId;

use crate::{Listing, ListingType, OrderListing, RemoteError, StorefrontEvent, WebhookRejection};

/// A product as the storefront holds it (what the sync reads back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteProduct {
    pub id: i64,
    pub sku: String,
    /// Its type there (any type other than variable counts as simple).
    pub listing_type: ListingType,
    /// Managed stock of a simple product.
    pub stock_quantity: Option<i64>,
    pub variations: Vec<RemoteVariation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteVariation {
    pub id: i64,
    pub sku: String,
    pub stock_quantity: Option<i64>,
}

/// An order as the storefront holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOrder {
    pub id: i64,
    pub number: String,
    pub status: String,
    /// The storefront's decimal string in the order's currency (`"344.98"`, `"28000"`).
    pub total: String,
    pub currency: String,
    pub created_at: Option<String>,
}

/// One product of a batch: its listing, the storefront's id when it has it, and the links
/// of its variations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSave {
    pub remote_id: Option<i64>,
    pub listing: Listing,
    pub variations: Vec<(VariantId, i64)>,
}

/// The outside shop (WooCommerce). Every call is one request or, for a batch, one batch
/// request per 100 objects; the adapter reads each item's own error.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Storefront: Send + Sync {
    async fn product(&self, id: i64) -> Result<Option<RemoteProduct>, RemoteError>;

    async fn product_by_sku(&self, sku: &str) -> Result<Option<RemoteProduct>, RemoteError>;

    /// Creates (`id` none) or updates the product and then its variations (variations that
    /// `variations` names by our variant are updated, the others created). The product is
    /// written as `listing`'s type (the storefront changes an existing product's type in
    /// place).
    ///
    /// # Errors
    /// [`RemoteError::DuplicateSku`] when creating a SKU the storefront has.
    async fn save_product(
        &self,
        id: Option<i64>,
        listing: &Listing,
        variations: &[(VariantId, i64)],
    ) -> Result<RemoteProduct, RemoteError>;

    /// Creates or updates up to 100 products in one batch request (their variations after);
    /// one answer per item, in order.
    async fn save_products(
        &self,
        items: &[ProductSave],
    ) -> Result<Vec<Result<RemoteProduct, RemoteError>>, RemoteError>;

    /// Sets the managed stock of a simple product (`variation` none) or of a variation.
    async fn set_stock(
        &self,
        product: i64,
        variation: Option<i64>,
        quantity: i64,
    ) -> Result<(), RemoteError>;

    /// The order we pushed before, found by our id in its metadata.
    async fn order_by_merx_id(
        &self,
        merx_order_id: &str,
        number: &str,
    ) -> Result<Option<RemoteOrder>, RemoteError>;

    async fn create_order(&self, order: &OrderListing) -> Result<RemoteOrder, RemoteError>;

    /// Verifies a webhook delivery over its raw bytes, before anything in it is read, and
    /// reads it. `signature` and `topic` are the storefront's headers, `None` when missing.
    /// The unsigned ping a new webhook sends passes unsigned; anything else must carry the
    /// signature of its exact bytes (none does while no webhook secret is configured).
    ///
    /// # Errors
    /// [`WebhookRejection::BadSignature`] for a missing or wrong signature;
    /// [`WebhookRejection::Malformed`] for a signed body that is not its topic's resource.
    async fn verify_webhook<'a>(
        &self,
        signature: Option<&'a str>,
        topic: Option<&'a str>,
        body: &'a [u8],
    ) -> Result<StorefrontEvent, WebhookRejection>;
}

/// Our product and the storefront's, with each variant's variation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductLink {
    pub product_id: ProductId,
    pub remote_id: i64,
    pub variations: Vec<(VariantId, i64)>,
    /// Every variant of ours the product had when synced (a simple product's one included),
    /// so a store can tell a linked product's stock change from the variant alone.
    pub variants: Vec<VariantId>,
    pub synced_at: Timestamp,
}

impl ProductLink {
    /// The type the storefront holds the product as: a variable product's variations are
    /// linked; a simple product has none.
    #[must_use]
    pub fn listing_type(&self) -> ListingType {
        if self.variations.is_empty() {
            ListingType::Simple
        } else {
            ListingType::Variable
        }
    }

    /// The storefront's variation of `variant` (none for a simple product's only variant).
    #[must_use]
    pub fn variation_of(&self, variant: VariantId) -> Option<i64> {
        self.variations
            .iter()
            .find(|(v, _)| *v == variant)
            .map(|(_, id)| *id)
    }
}

/// The links between our ids and the storefront's, and the webhook bodies applied.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SyncLinks: Send + Sync {
    async fn product(&self, id: ProductId) -> Result<Option<ProductLink>, StoreError>;

    async fn product_by_remote(&self, remote_id: i64) -> Result<Option<ProductLink>, StoreError>;

    /// Stores the link (replacing the product's earlier one).
    async fn save_product(&self, link: &ProductLink) -> Result<(), StoreError>;

    async fn order(&self, id: OrderId) -> Result<Option<RemoteOrder>, StoreError>;

    /// Stores the order's push; an order pushed before keeps its first link.
    async fn save_order(&self, id: OrderId, remote: &RemoteOrder) -> Result<(), StoreError>;

    /// A webhook body with this digest was applied before.
    async fn delivery_seen(&self, digest: &str) -> Result<bool, StoreError>;

    /// Remembers a webhook body as applied (again is a no-op).
    async fn record_delivery(&self, digest: &str, at: Timestamp) -> Result<(), StoreError>;
}
