//! The in-memory adapters against the shared port contracts.

use merx_contract::identity::IdentityRepos;
use merx_memory::{
    MemoryAddresses, MemoryApiKeys, MemoryOneTimeTokens, MemoryRefreshTokens, MemoryUsers,
};

async fn repos() -> IdentityRepos {
    IdentityRepos {
        users: Box::new(MemoryUsers::default()),
        refresh_tokens: Box::new(MemoryRefreshTokens::default()),
        one_time_tokens: Box::new(MemoryOneTimeTokens::default()),
        api_keys: Box::new(MemoryApiKeys::default()),
        addresses: Box::new(MemoryAddresses::default()),
        guard: Box::new(()),
    }
}

merx_contract::identity_contract_tests!(repos());

mod catalog {
    use std::sync::Arc;

    use merx_contract::catalog::CatalogRepos;
    use merx_memory::{MemoryCatalog, MemoryStock};

    async fn repos() -> CatalogRepos {
        let stock = Arc::new(MemoryStock::default());
        CatalogRepos {
            products: Arc::new(MemoryCatalog::new(stock.clone())),
            stock,
            guard: Box::new(()),
        }
    }

    merx_contract::catalog_contract_tests!(repos());
}

mod carts {
    use std::sync::Arc;

    use merx_contract::carts::CartRepos;
    use merx_memory::MemoryCarts;

    async fn repos() -> CartRepos {
        CartRepos {
            carts: Arc::new(MemoryCarts::default()),
            guard: Box::new(()),
        }
    }

    merx_contract::cart_contract_tests!(repos());
}

mod pricing {
    use std::sync::Arc;

    use merx_contract::pricing::PricingRepos;
    use merx_memory::{MemoryDiscounts, MemoryShippingZones, MemoryTaxRates};

    async fn repos() -> PricingRepos {
        let log = merx_memory::MemoryAuditLog::default();
        PricingRepos {
            taxes: Arc::new(MemoryTaxRates::default().with_audit_log(log.clone())),
            zones: Arc::new(MemoryShippingZones::default().with_audit_log(log.clone())),
            discounts: Arc::new(MemoryDiscounts::default().with_audit_log(log.clone())),
            audit_log: Arc::new(log),
            guard: Box::new(()),
        }
    }

    merx_contract::pricing_contract_tests!(repos());
}

mod checkout {
    use std::sync::Arc;

    use merx_contract::checkout::CheckoutRepos;
    use merx_memory::{
        MemoryCarts, MemoryCatalog, MemoryCheckout, MemoryDiscounts, MemoryIdempotency, MemoryStock,
    };

    async fn repos() -> CheckoutRepos {
        let stock = Arc::new(MemoryStock::default());
        let carts = Arc::new(MemoryCarts::default());
        let discounts = Arc::new(MemoryDiscounts::default());
        let checkout = Arc::new(MemoryCheckout::new(
            stock.clone(),
            carts.clone(),
            discounts.clone(),
        ));
        CheckoutRepos {
            users: Arc::new(merx_memory::MemoryUsers::default()),
            products: Arc::new(MemoryCatalog::new(stock.clone())),
            stock,
            carts,
            discounts,
            checkout: checkout.clone(),
            orders: checkout,
            idempotency: Arc::new(MemoryIdempotency::default()),
            guard: Box::new(()),
        }
    }

    merx_contract::checkout_contract_tests!(repos());
}

mod outbox {
    use std::sync::Arc;

    use merx_contract::outbox::OutboxRepos;

    async fn repos() -> OutboxRepos {
        OutboxRepos {
            outbox: Arc::new(merx_memory::MemoryOutbox::default()),
            guard: Box::new(()),
        }
    }

    merx_contract::outbox_contract_tests!(repos());
}

mod reviews {
    use std::sync::Arc;

    use merx_contract::reviews::ReviewRepos;
    use merx_memory::{MemoryCatalog, MemoryReviews, MemoryStock, MemoryUsers};

    async fn repos() -> ReviewRepos {
        let catalog = Arc::new(MemoryCatalog::new(Arc::new(MemoryStock::default())));
        ReviewRepos {
            reviews: Arc::new(MemoryReviews::new(catalog.clone())),
            products: catalog,
            users: Arc::new(MemoryUsers::default()),
            guard: Box::new(()),
        }
    }

    merx_contract::review_contract_tests!(repos());
}
