//! The Postgres adapters against the shared port contracts, each test on its own database.

use merx_contract::identity::IdentityRepos;
use merx_postgres::{PgAddresses, PgApiKeys, PgOneTimeTokens, PgRefreshTokens, PgUsers};
use merx_test_db::TestDatabase;

async fn repos() -> IdentityRepos {
    let db = TestDatabase::new().await;
    let pool = merx_postgres::connect(db.url(), 4).expect("pool");
    IdentityRepos {
        users: Box::new(PgUsers::new(pool.clone())),
        refresh_tokens: Box::new(PgRefreshTokens::new(pool.clone())),
        one_time_tokens: Box::new(PgOneTimeTokens::new(pool.clone())),
        api_keys: Box::new(PgApiKeys::new(pool.clone())),
        addresses: Box::new(PgAddresses::new(pool)),
        guard: Box::new(db),
    }
}

merx_contract::identity_contract_tests!(repos());

mod catalog {
    use std::sync::Arc;

    use merx_contract::catalog::CatalogRepos;
    use merx_postgres::{PgCatalog, PgStock};
    use merx_test_db::TestDatabase;

    async fn repos() -> CatalogRepos {
        let db = TestDatabase::new().await;
        let pool = merx_postgres::connect(db.url(), 8).expect("pool");
        CatalogRepos {
            products: Arc::new(PgCatalog::new(pool.clone())),
            stock: Arc::new(PgStock::new(pool)),
            guard: Box::new(db),
        }
    }

    merx_contract::catalog_contract_tests!(repos());
}

mod carts {
    use std::sync::Arc;

    use merx_contract::carts::CartRepos;
    use merx_postgres::PgCarts;
    use merx_test_db::TestDatabase;

    async fn repos() -> CartRepos {
        let db = TestDatabase::new().await;
        let pool = merx_postgres::connect(db.url(), 12).expect("pool");
        CartRepos {
            carts: Arc::new(PgCarts::new(pool)),
            guard: Box::new(db),
        }
    }

    merx_contract::cart_contract_tests!(repos());
}

mod pricing {
    use std::sync::Arc;

    use merx_contract::pricing::PricingRepos;
    use merx_postgres::{PgDiscounts, PgShippingZones, PgTaxRates};
    use merx_test_db::TestDatabase;

    async fn repos() -> PricingRepos {
        let db = TestDatabase::new().await;
        let pool = merx_postgres::connect(db.url(), 12).expect("pool");
        PricingRepos {
            taxes: Arc::new(PgTaxRates::new(pool.clone())),
            zones: Arc::new(PgShippingZones::new(pool.clone())),
            discounts: Arc::new(PgDiscounts::new(pool.clone())),
            audit_log: Arc::new(merx_postgres::PgAuditLog::new(pool)),
            guard: Box::new(db),
        }
    }

    merx_contract::pricing_contract_tests!(repos());
}

mod checkout {
    use std::sync::Arc;

    use merx_contract::checkout::CheckoutRepos;
    use merx_postgres::{
        PgCarts, PgCatalog, PgCheckout, PgDiscounts, PgIdempotency, PgOrders, PgStock,
    };
    use merx_test_db::TestDatabase;

    async fn repos() -> CheckoutRepos {
        let db = TestDatabase::new().await;
        let pool = merx_postgres::connect(db.url(), 12).expect("pool");
        CheckoutRepos {
            users: Arc::new(merx_postgres::PgUsers::new(pool.clone())),
            products: Arc::new(PgCatalog::new(pool.clone())),
            stock: Arc::new(PgStock::new(pool.clone())),
            carts: Arc::new(PgCarts::new(pool.clone())),
            discounts: Arc::new(PgDiscounts::new(pool.clone())),
            checkout: Arc::new(PgCheckout::new(pool.clone())),
            orders: Arc::new(PgOrders::new(pool.clone())),
            idempotency: Arc::new(PgIdempotency::new(pool)),
            guard: Box::new(db),
        }
    }

    merx_contract::checkout_contract_tests!(repos());
}

mod outbox {
    use std::sync::Arc;

    use merx_contract::outbox::OutboxRepos;
    use merx_test_db::TestDatabase;

    async fn repos() -> OutboxRepos {
        let db = TestDatabase::new().await;
        let pool = merx_postgres::connect(db.url(), 12).expect("pool");
        OutboxRepos {
            outbox: Arc::new(merx_postgres::PgOutbox::new(pool)),
            guard: Box::new(db),
        }
    }

    merx_contract::outbox_contract_tests!(repos());
}

mod reviews {
    use std::sync::Arc;

    use merx_contract::reviews::ReviewRepos;
    use merx_postgres::{PgCatalog, PgReviews, PgUsers};
    use merx_test_db::TestDatabase;

    async fn repos() -> ReviewRepos {
        let db = TestDatabase::new().await;
        let pool = merx_postgres::connect(db.url(), 20).expect("pool");
        ReviewRepos {
            reviews: Arc::new(PgReviews::new(pool.clone())),
            products: Arc::new(PgCatalog::new(pool.clone())),
            users: Arc::new(PgUsers::new(pool)),
            guard: Box::new(db),
        }
    }

    merx_contract::review_contract_tests!(repos());
}
