//! Embedding `merx-checkout` with a payment gateway of one's own (a mockall mock of the
//! `PaymentGateway` port, feature `mocks`): a method that does not settle on delivery cannot be
//! confirmed before its payment is captured (409 `payment_required`), and nothing is ordered.

use std::collections::HashMap;
use std::sync::Arc;

use merx::http::error::ApiError;
use merx::wiring::{Stores, build_state, install_pricing_defaults};
use merx_cart::{CartCaller, NewLine, ProductRef};
use merx_catalog::{Audience, ProductQuery};
use merx_checkout::{CheckoutError, CheckoutPorts, CheckoutRequest, CheckoutService, Settings};
use merx_kernel::{Currency, PostalAddress, SystemClock};
use merx_payments::{MockPaymentGateway, PaymentGateways, PaymentMethod, PaymentStart};

#[tokio::test]
async fn a_payment_that_is_not_captured_cannot_be_confirmed() {
    let config = merx::Config::from_vars(&HashMap::new()).expect("config");
    let stores = Stores::memory();
    let state = build_state(
        &config,
        &stores,
        Arc::new(merx_memory::LogMailer::new()),
        None,
    )
    .expect("state");
    install_pricing_defaults(&config, &state.pricing)
        .await
        .expect("pricing defaults");
    merx::seed::seed(&state.catalog, 0)
        .await
        .expect("demo catalog");
    let products = state
        .catalog
        .list(ProductQuery::default(), Audience::Public)
        .await
        .expect("list");
    let mut variant = None;
    for p in products
        .items
        .iter()
        .filter(|p| p.product.currency == Currency::Usd)
    {
        variant = p
            .levels
            .iter()
            .find(|l| l.available() > 0)
            .map(|l| l.variant_id);
        if variant.is_some() {
            break;
        }
    }
    let variant = variant.expect("a USD variant in stock");

    let mut stripe = MockPaymentGateway::new();
    stripe.expect_method().return_const(PaymentMethod::Stripe);
    stripe.expect_start().times(1).returning(|request| {
        let mut client = serde_json::Map::new();
        client.insert("client_secret".into(), "pi_123_secret_456".into());
        assert!(request.amount.amount() > 0);
        Ok(PaymentStart {
            method: PaymentMethod::Stripe,
            provider_ref: Some("pi_123".into()),
            client,
            settles_on_delivery: false,
        })
    });
    // The buyer's return asks the provider: not paid yet.
    stripe.expect_retrieve().times(1).returning(|_| {
        Ok(merx_payments::PaymentState {
            status: merx_payments::ProviderStatus::Open,
            paid: None,
            payment_ref: None,
            subject: None,
        })
    });
    let checkout = CheckoutService::new(
        CheckoutPorts {
            store: stores.checkout.clone(),
            orders: stores.orders.clone(),
            stock: stores.stock.clone(),
            carts: state.carts.clone(),
            pricing: state.pricing.clone(),
            payments: PaymentGateways::cash_only().with(Arc::new(stripe)),
            clock: Arc::new(SystemClock),
        },
        Settings::default(),
    );
    let caller = CartCaller {
        session: Some("sess-embedded-stripe".into()),
        ..CartCaller::default()
    };
    let cart = state
        .carts
        .add(
            None,
            &caller,
            NewLine {
                product: ProductRef::Variant(variant),
                quantity: 1,
                metadata: None,
            },
        )
        .await
        .expect("cart");
    let address = PostalAddress {
        name: "Ada".into(),
        phone: None,
        line1: "1 Market St".into(),
        line2: None,
        city: "San Francisco".into(),
        state: Some("CA".into()),
        postal_code: "94105".into(),
        country: "US".into(),
    };
    let session = checkout
        .open(
            CheckoutRequest {
                cart_id: cart.id,
                email: Some("embedded@example.com".into()),
                shipping_address: address,
                billing_address: None,
                shipping_method: "standard".into(),
                discount_code: None,
                payment_method: "stripe".into(),
                success_url: Some("https://shop.example/ok".into()),
                cancel_url: None,
                mode: Some("embedded".into()),
                metadata: None,
                tax_id: None,
            },
            &caller,
            None,
        )
        .await
        .expect("session opens");
    assert_eq!(session.payment.method, merx_payments::PaymentMethod::Stripe);
    assert_eq!(session.payment.client["client_secret"], "pi_123_secret_456");
    let held = state
        .inventory
        .level(variant)
        .await
        .expect("level")
        .reserved;
    assert_eq!(held, 1);

    let refused = checkout.confirm(session.id, &caller).await.err();
    assert!(
        matches!(refused, Some(CheckoutError::PaymentRequired)),
        "{refused:?}"
    );
    let api: ApiError = CheckoutError::PaymentRequired.into();
    assert_eq!(api.status.as_u16(), 409);
    assert_eq!(api.code, "payment_required");
    let orders = stores
        .orders
        .list(
            merx_orders::OrderFilter::default(),
            merx_kernel::PageRequest::default(),
        )
        .await
        .expect("list");
    assert_eq!(orders.total, 0, "nothing ordered");
    assert_eq!(
        state
            .inventory
            .level(variant)
            .await
            .expect("level")
            .reserved,
        1,
        "still held for the payment"
    );
}
