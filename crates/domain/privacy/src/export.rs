//! A person's data export: their account, addresses, carts, orders with their refunds, reviews,
//! and the audit entries they wrote or that name them.

use std::collections::BTreeMap;
use std::sync::Arc;

use merx_cart::{Cart, CartRepository};
use merx_checkout::CheckoutStore;
use merx_identity::{AddressRepository, SavedAddress, User, UserId, UserRepository};
use merx_kernel::audit::{AuditEntry, AuditLog, AuditQuery};
use merx_kernel::{Clock, StoreError, Timestamp, all_pages};
use merx_orders::{Order, OrderFilter, OrderRepository, Refund};
use merx_reviews::{Review, ReviewFilter, ReviewStore};

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("no such customer")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Everything Merx keeps about one person.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonalData {
    pub generated_at: Timestamp,
    pub user: User,
    pub addresses: Vec<SavedAddress>,
    /// Oldest first.
    pub carts: Vec<Cart>,
    /// Newest first.
    pub orders: Vec<Order>,
    /// Of those orders, oldest first per order.
    pub refunds: Vec<Refund>,
    pub reviews: Vec<Review>,
    /// Written by them or naming them, newest first.
    pub audit_entries: Vec<AuditEntry>,
}

/// Gathers a person's data from every port that holds some.
#[derive(Clone)]
pub struct PrivacyService {
    pub users: Arc<dyn UserRepository>,
    pub addresses: Arc<dyn AddressRepository>,
    pub carts: Arc<dyn CartRepository>,
    pub orders: Arc<dyn OrderRepository>,
    pub refunds: Arc<dyn CheckoutStore>,
    pub reviews: Arc<dyn ReviewStore>,
    pub audit_log: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
}

impl PrivacyService {
    /// Everything kept about user `id`.
    ///
    /// # Errors
    /// `NotFound` for no such user; `Store` when a store cannot be read.
    pub async fn export(&self, id: UserId) -> Result<PersonalData, PrivacyError> {
        let user = self
            .users
            .find_by_id(id)
            .await?
            .ok_or(PrivacyError::NotFound)?;
        let orders = all_pages(|page| {
            self.orders.list(
                OrderFilter {
                    user: Some(id),
                    status: None,
                },
                page,
            )
        })
        .await?;
        let mut refunds = Vec::new();
        for o in &orders {
            refunds.extend(self.refunds.refunds(o.id).await?);
        }
        let by_author = ReviewFilter {
            user_id: Some(id),
            ..ReviewFilter::default()
        };
        let reviews = all_pages(|page| self.reviews.list(&by_author, page)).await?;
        let mut entries: BTreeMap<String, AuditEntry> = BTreeMap::new();
        for query in [
            AuditQuery {
                actor_id: Some(id.to_string()),
                ..AuditQuery::default()
            },
            AuditQuery {
                target_type: Some("user".into()),
                target_id: Some(id.to_string()),
                ..AuditQuery::default()
            },
        ] {
            for e in all_pages(|page| self.audit_log.list(&query, page)).await? {
                entries.insert(e.id.to_string(), e);
            }
        }
        let mut audit_entries: Vec<AuditEntry> = entries.into_values().collect();
        audit_entries.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
        Ok(PersonalData {
            generated_at: self.clock.now(),
            addresses: self.addresses.list_for_user(id).await?,
            carts: self.carts.of_user(id).await?,
            user,
            orders,
            refunds,
            reviews,
            audit_entries,
        })
    }
}
