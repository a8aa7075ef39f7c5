//! Mocked ports and a catalog of one product, shared by the flow tests.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use merx_cart::{
    Cart, CartCaller, CartId, CartItem, CartItemId, CartOwner, CartService, MockCartRepository,
    Touch,
};
use merx_catalog::{MockProductRepository, Product, ProductStatus, Variant};
use merx_checkout::{
    CheckoutId, CheckoutPorts, CheckoutService, CheckoutSession, MockCheckoutStore, SessionPayment,
    SessionStatus, Settings,
};
use merx_inventory::{MockStockRepository, StockLevel, StockSettings};
use merx_kernel::{Currency, ManualClock, Money, PostalAddress, ProductId, Timestamp, VariantId};
use merx_orders::{
    MockOrderRepository, NewOrder, Order, OrderId, OrderItem, OrderNumber, OrderTotals,
};
use merx_payments::{MockPaymentGateway, PaymentGateways};
use merx_pricing::{
    MethodRate, MockDiscountRepository, MockShippingZoneRepository, MockTaxRateRepository,
    PricingService, Rate, ShippingMethod, ShippingZone, ShippingZoneId,
};

pub const SESSION: &str = "sess-flow-tests";

pub fn t0() -> Timestamp {
    chrono::DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
        .expect("time")
        .to_utc()
}

pub fn guest() -> CartCaller {
    CartCaller {
        session: Some(SESSION.into()),
        ..CartCaller::default()
    }
}

pub fn address() -> PostalAddress {
    PostalAddress {
        name: "Ada".into(),
        phone: None,
        line1: "1 Market St".into(),
        line2: None,
        city: "San Francisco".into(),
        state: Some("CA".into()),
        postal_code: "94105".into(),
        country: "US".into(),
    }
}

/// One active USD product with one variant at 25.00.
pub fn product() -> Product {
    let variant = Variant {
        id: VariantId::new(),
        sku: "TEE-M".into(),
        name: "M".into(),
        options: BTreeMap::new(),
        price: Money::new(2_500, Currency::Usd),
        compare_at_price: None,
        cost_price: None,
        weight_grams: 200,
        position: 0,
    };
    Product {
        id: ProductId::new(),
        name: "Tee".into(),
        slug: "tee".into(),
        description: None,
        short_description: None,
        category: None,
        tags: Vec::new(),
        images: Vec::new(),
        status: ProductStatus::Active,
        is_featured: false,
        currency: Currency::Usd,
        attributes: serde_json::Map::new(),
        seo_title: None,
        seo_description: None,
        variants: vec![variant],
        reviews: Default::default(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub fn cart_of(product: &Product, quantity: i64) -> Cart {
    Cart {
        id: CartId::new(),
        owner: CartOwner::Guest(SESSION.into()),
        currency: Currency::Usd,
        items: if quantity > 0 {
            vec![CartItem {
                id: CartItemId::new(),
                product_id: product.id,
                variant_id: product.variants[0].id,
                quantity,
                metadata: serde_json::Map::new(),
                added_at: t0(),
            }]
        } else {
            Vec::new()
        },
        discount_code: None,
        created_at: t0(),
        updated_at: t0(),
        expires_at: Touch::at(t0()).expires_at,
    }
}

fn us_standard() -> ShippingZone {
    ShippingZone {
        id: ShippingZoneId::new(),
        name: "US".into(),
        countries: vec!["US".into()],
        states: Vec::new(),
        methods: vec![ShippingMethod {
            code: "standard".into(),
            name: "Standard".into(),
            estimated_days_min: 3,
            estimated_days_max: 5,
            percent_of_value: Rate::ZERO,
            cities: Vec::new(),
            is_active: true,
            rates: vec![MethodRate {
                currency: Currency::Usd,
                base: 500,
                per_kg: 0,
                free_over: None,
            }],
        }],
        created_at: t0(),
        updated_at: t0(),
    }
}

/// Every port checkout touches, mocked; tests add the expectations their flow needs.
pub struct Mocks {
    pub store: MockCheckoutStore,
    pub orders: MockOrderRepository,
    pub stock: MockStockRepository,
    pub carts: MockCartRepository,
    pub products: MockProductRepository,
    pub discounts: MockDiscountRepository,
    pub gateways: PaymentGateways,
}

impl Mocks {
    pub fn new() -> Self {
        Self {
            store: MockCheckoutStore::new(),
            orders: MockOrderRepository::new(),
            stock: MockStockRepository::new(),
            carts: MockCartRepository::new(),
            products: MockProductRepository::new(),
            discounts: MockDiscountRepository::new(),
            gateways: PaymentGateways::cash_only(),
        }
    }

    /// The cart can be read and priced: `cart` is stored, `product` is in the catalog with
    /// `on_hand` units, and the US has a standard method at 5.00 without tax.
    pub fn cart_priceable(&mut self, cart: &Cart, product: &Product, on_hand: i64) {
        let stored = cart.clone();
        self.carts
            .expect_find()
            .returning(move |_| Ok(Some(stored.clone())));
        let found = product.clone();
        self.products
            .expect_find()
            .returning(move |_| Ok(Some(found.clone())));
        let many = product.clone();
        self.products
            .expect_find_many()
            .returning(move |_| Ok(vec![many.clone()]));
        let variant = product.variants[0].id;
        self.stock.expect_levels().returning(move |_, _| {
            Ok(vec![StockLevel {
                variant_id: variant,
                on_hand,
                reserved: 0,
                settings: StockSettings::default(),
                updated_at: t0(),
            }])
        });
    }

    /// A card gateway that starts payments (never settled on delivery).
    pub fn with_card(mut self, gateway: MockPaymentGateway) -> Self {
        self.gateways = self.gateways.with(Arc::new(gateway));
        self
    }

    pub fn service(self) -> CheckoutService {
        let clock = Arc::new(ManualClock::new(t0()));
        let mut taxes = MockTaxRateRepository::new();
        taxes.expect_list().returning(|| Ok(Vec::new()));
        let mut zones = MockShippingZoneRepository::new();
        zones.expect_list().returning(|| Ok(vec![us_standard()]));
        zones
            .expect_list_with_tax_rates()
            .returning(|_| Ok((Vec::new(), vec![us_standard()])));
        let pricing = Arc::new(PricingService::new(
            Arc::new(taxes),
            Arc::new(zones),
            Arc::new(self.discounts),
            clock.clone(),
            Currency::Usd,
        ));
        let stock = Arc::new(self.stock);
        let carts = Arc::new(CartService::new(
            Arc::new(self.carts),
            Arc::new(self.products),
            stock.clone(),
            pricing.clone(),
            clock.clone(),
            Currency::Usd,
        ));
        CheckoutService::new(
            CheckoutPorts {
                store: Arc::new(self.store),
                orders: Arc::new(self.orders),
                stock,
                carts,
                pricing,
                payments: self.gateways,
                clock,
            },
            Settings {
                reservation_ttl: Duration::minutes(15),
            },
        )
    }
}

pub fn item(product: &Product, quantity: i64) -> OrderItem {
    OrderItem {
        product_id: product.id,
        variant_id: product.variants[0].id,
        sku: product.variants[0].sku.clone(),
        name: product.name.clone(),
        variant_name: product.variants[0].name.clone(),
        image: None,
        unit_price: 2_500,
        quantity,
        line_total: 2_500 * quantity,
        discount: 0,
        tax: 0,
    }
}

/// An open session of `cart` for `quantity` units, paid with `method`.
pub fn open_session(
    cart: &Cart,
    product: &Product,
    method: &str,
    captured: bool,
) -> CheckoutSession {
    CheckoutSession {
        id: CheckoutId::new(),
        cart_id: cart.id,
        user_id: None,
        guest_session: Some(SESSION.into()),
        email: "buyer@example.com".into(),
        status: SessionStatus::Open,
        currency: Currency::Usd,
        items: vec![item(product, 2)],
        totals: OrderTotals {
            subtotal: 5_000,
            shipping_total: 500,
            total: 5_500,
            ..OrderTotals::default()
        },
        shipping_tax: 0,
        discount_code: None,
        discount_id: None,
        shipping_address: address(),
        billing_address: address(),
        billing_same: true,
        shipping_method: "standard".into(),
        payment: SessionPayment {
            method: merx_payments::PaymentMethod::parse(method).expect("a method"),
            provider_ref: None,
            client: serde_json::Map::new(),
            settles_on_delivery: method == "cash_on_delivery",
            captured,
        },
        success_url: None,
        cancel_url: None,
        mode: merx_checkout::SessionMode::Redirect,
        metadata: serde_json::Map::new(),
        tax_id: None,
        order_id: None,
        created_at: t0(),
        updated_at: t0(),
        expires_at: t0() + Duration::minutes(15),
    }
}

/// A pending order placed first, paid with `method`, due in 15 minutes.
pub fn pending_order(product: &Product, method: &str) -> Order {
    Order::awaiting_payment(
        NewOrder {
            id: OrderId::new(),
            number: OrderNumber::new(2026, 7),
            user_id: None,
            email: "buyer@example.com".into(),
            currency: Currency::Usd,
            items: vec![item(product, 1)],
            totals: OrderTotals {
                subtotal: 2_500,
                total: 2_500,
                ..OrderTotals::default()
            },
            discount_code: None,
            shipping_address: address(),
            billing_address: address(),
            shipping_method: "standard".into(),
            payment_method: merx_payments::PaymentMethod::parse(method).expect("a method"),
            payment_provider_ref: None,
            notes: None,
            checkout_id: None,
            token_hash: Some("hash".into()),
            tax_id: None,
        },
        t0() + Duration::minutes(15),
        t0(),
    )
}
