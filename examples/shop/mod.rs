//! A small Korean shop on the in-memory adapters, shared by the examples: one product in
//! won, Korean VAT and one shipping method. A real service wires Postgres adapters instead.

// Each example uses part of the shop.
#![allow(dead_code)]

use std::sync::Arc;

use merx_cart::{CartCaller, CartService, NewLine, ProductRef};
use merx_catalog::{CatalogService, ProductInput, ProductStatus, StockedProduct};
use merx_checkout::{CheckoutPorts, CheckoutRequest, CheckoutService, Settings};
use merx_kernel::{Author, Clock, Currency, PostalAddress, SystemClock};
use merx_memory::{
    MemoryCarts, MemoryCatalog, MemoryCheckout, MemoryDiscounts, MemoryShippingZones, MemoryStock,
    MemoryTaxRates,
};
use merx_payments::PaymentGateways;
use merx_pricing::{
    MethodRate, PricingService, Rate, ShippingMethod, ShippingZoneInput, TaxRateInput,
};

pub struct Shop {
    pub catalog: CatalogService,
    pub carts: Arc<CartService>,
    pub pricing: Arc<PricingService>,
    pub stock: Arc<MemoryStock>,
    pub memory_carts: Arc<MemoryCarts>,
    pub discounts: Arc<MemoryDiscounts>,
    pub clock: Arc<dyn Clock>,
}

/// The shop's services on fresh in-memory stores, with KR VAT 10 % and standard shipping at
/// ₩3,000 (free from ₩50,000).
pub async fn open() -> Shop {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let stock = Arc::new(MemoryStock::default());
    let products = Arc::new(MemoryCatalog::new(stock.clone()));
    let memory_carts = Arc::new(MemoryCarts::default());
    let discounts = Arc::new(MemoryDiscounts::default());
    let pricing = Arc::new(PricingService::new(
        Arc::new(MemoryTaxRates::default()),
        Arc::new(MemoryShippingZones::default()),
        discounts.clone(),
        clock.clone(),
        Currency::Krw,
    ));
    pricing
        .create_tax_rate(
            TaxRateInput {
                country: "KR".into(),
                state: None,
                name: "VAT".into(),
                rate: Rate::percent(10).expect("10 %"),
                tax_shipping: true,
                business_exemption: false,
            },
            &Author::System,
        )
        .await
        .expect("tax rate");
    pricing
        .create_zone(
            ShippingZoneInput {
                name: "Korea".into(),
                countries: vec!["KR".into()],
                states: Vec::new(),
                methods: vec![ShippingMethod {
                    code: "standard".into(),
                    name: "Standard".into(),
                    estimated_days_min: 1,
                    estimated_days_max: 3,
                    percent_of_value: Rate::ZERO,
                    cities: Vec::new(),
                    is_active: true,
                    rates: vec![MethodRate {
                        currency: Currency::Krw,
                        base: 3_000,
                        per_kg: 0,
                        free_over: Some(50_000),
                    }],
                }],
            },
            &Author::System,
        )
        .await
        .expect("shipping zone");
    let carts = Arc::new(CartService::new(
        memory_carts.clone(),
        products.clone(),
        stock.clone(),
        pricing.clone(),
        clock.clone(),
        Currency::Krw,
    ));
    Shop {
        catalog: CatalogService::new(products, stock.clone(), clock.clone(), Currency::Krw),
        carts,
        pricing,
        stock,
        memory_carts,
        discounts,
        clock,
    }
}

impl Shop {
    /// A hair oil at ₩18,000 with `on_hand` bottles.
    pub async fn hair_oil(&self, on_hand: i64) -> StockedProduct {
        self.catalog
            .create(
                ProductInput {
                    name: "Camellia Hair Oil".into(),
                    status: Some(ProductStatus::Active),
                    currency: Some(Currency::Krw),
                    price: Some(18_000),
                    sku: Some("HAIR-OIL-50".into()),
                    inventory_count: Some(on_hand),
                    ..ProductInput::default()
                },
                &Author::System,
            )
            .await
            .expect("product")
    }

    /// A guest's cart holding `quantity` of the product's variant.
    pub async fn cart_with(
        &self,
        guest: &CartCaller,
        product: &StockedProduct,
        quantity: i64,
    ) -> merx_cart::Cart {
        self.carts
            .add(
                None,
                guest,
                NewLine {
                    product: ProductRef::Variant(product.product.variants[0].id),
                    quantity,
                    metadata: None,
                },
            )
            .await
            .expect("added to the cart")
    }

    /// Checkout over this shop's stores (a memory checkout store of its own) and `payments`.
    pub fn checkout(&self, payments: PaymentGateways) -> CheckoutService {
        let store = Arc::new(MemoryCheckout::new(
            self.stock.clone(),
            self.memory_carts.clone(),
            self.discounts.clone(),
        ));
        CheckoutService::new(
            CheckoutPorts {
                store: store.clone(),
                orders: store,
                stock: self.stock.clone(),
                carts: self.carts.clone(),
                pricing: self.pricing.clone(),
                payments,
                clock: self.clock.clone(),
            },
            Settings::default(),
        )
    }
}

/// A guest's checkout of `cart` to Seoul with standard shipping, paid with `payment_method`.
pub fn checkout_request(cart: merx_cart::CartId, payment_method: &str) -> CheckoutRequest {
    CheckoutRequest {
        cart_id: cart,
        email: Some("minji@example.kr".into()),
        shipping_address: PostalAddress {
            name: "Kim Minji".into(),
            phone: Some("010-1234-5678".into()),
            line1: "1 Sejong-daero".into(),
            line2: None,
            city: "Seoul".into(),
            state: None,
            postal_code: "04524".into(),
            country: "KR".into(),
        },
        billing_address: None,
        shipping_method: "standard".into(),
        discount_code: None,
        payment_method: payment_method.into(),
        success_url: None,
        cancel_url: None,
        mode: None,
        metadata: None,
        tax_id: None,
    }
}

pub fn guest() -> CartCaller {
    CartCaller {
        session: Some("sess-example-guest".into()),
        ..CartCaller::default()
    }
}
