use std::sync::Arc;

use merx_cart::{Cart, CartCaller, CartError, CartId, CartService, Shortfall};
use merx_identity::{Email, UserId, generate_secret, hash_secret};
use merx_inventory::{InventoryService, ReserveOutcome, Shortage, StockRepository};
use merx_kernel::{
    Clock, Money, PostalAddress, StoreError, ValidationErrors, VariantId, has_control_chars,
    json_has_nul,
};
use merx_orders::{
    Order, OrderEdit, OrderId, OrderItem, OrderNumber, OrderRepository, OrderService, OrderStatus,
    OrderTotals, OrderViewer, PaymentStatus, StatusTimes,
};
use merx_payments::{PaymentGateways, PaymentRequest, PaymentStart};
use merx_pricing::{Customer, Destination, Discount, QuoteRequest, Redemption};
use serde_json::{Map, Value};

use crate::{
    CheckoutError, CheckoutId, CheckoutSession, CheckoutStore, OrderChange, PlaceOutcome,
    Placement, SessionPayment, SessionStatus,
};

/// How checkout behaves.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long a session (or an unpaid order) holds its stock: 15 minutes by default.
    pub reservation_ttl: chrono::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            reservation_ttl: chrono::Duration::minutes(15),
        }
    }
}

/// What a checkout session is opened with (spec §6).
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub cart_id: CartId,
    /// Required for guests; a signed-in customer's address is used otherwise.
    pub email: Option<String>,
    pub shipping_address: PostalAddress,
    /// `None`: the same as the shipping address.
    pub billing_address: Option<PostalAddress>,
    pub shipping_method: String,
    pub discount_code: Option<String>,
    pub payment_method: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// `redirect` (default) or `embedded`.
    pub mode: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub tax_id: Option<String>,
}

/// Where an order placed before payment takes its lines from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSource {
    Cart(CartId),
    Items(Vec<(VariantId, i64)>),
}

/// The orders-first flow's `POST /orders`.
#[derive(Debug, Clone)]
pub struct NewOrderRequest {
    pub source: OrderSource,
    pub email: Option<String>,
    pub shipping_address: PostalAddress,
    pub billing_address: Option<PostalAddress>,
    pub shipping_method: String,
    pub payment_method: String,
    pub discount_code: Option<String>,
    pub notes: Option<String>,
    pub tax_id: Option<String>,
}

/// A confirmed session's order. `created` is false when an earlier confirm made it.
#[derive(Debug, Clone)]
pub struct Confirmed {
    pub session: CheckoutSession,
    pub order: Order,
    pub created: bool,
    /// For a guest, the one time the order's token is shown.
    pub order_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PlacedOrder {
    pub order: Order,
    pub order_token: Option<String>,
}

/// The answer to paying an order: the order as it is now and what the client needs to pay.
#[derive(Debug, Clone)]
pub struct PaymentAnswer {
    pub order: Order,
    pub payment: PaymentStart,
}

/// The checkout use case: ties carts, pricing, stock, orders and payments together.
pub struct CheckoutService {
    store: Arc<dyn CheckoutStore>,
    orders: OrderService,
    order_repo: Arc<dyn OrderRepository>,
    carts: Arc<CartService>,
    inventory: InventoryService,
    payments: PaymentGateways,
    clock: Arc<dyn Clock>,
    settings: Settings,
}

/// Checked addresses, e-mail and method shared by sessions and orders placed first.
struct Common {
    email: String,
    shipping: PostalAddress,
    billing: PostalAddress,
    billing_same: bool,
    destination: Destination,
    shipping_method: String,
}

/// A cart priced for an address with its discount: what an order locks.
struct Priced {
    cart: Cart,
    items: Vec<OrderItem>,
    totals: OrderTotals,
    shipping_tax: i64,
    discount: Option<Discount>,
    customer: Customer,
}

const MAX_URL: usize = 2048;
const METADATA_MAX_BYTES: usize = 16 * 1024;

fn check_email(raw: Option<&str>, errors: &mut ValidationErrors) -> String {
    match raw.map(Email::parse) {
        Some(Ok(e)) => e.as_str().to_owned(),
        Some(Err(m)) => {
            errors.add("email", m);
            String::new()
        }
        None => {
            errors.add("email", "is required for guest checkout");
            String::new()
        }
    }
}

fn shortfalls(short: &[Shortage], items: &[OrderItem]) -> Vec<Shortfall> {
    short
        .iter()
        .map(|s| Shortfall {
            sku: items
                .iter()
                .find(|i| i.variant_id == s.variant_id)
                .map_or_else(|| s.variant_id.to_string(), |i| i.sku.clone()),
            available_quantity: s.available,
            requested_quantity: s.requested,
        })
        .collect()
}

fn description(items: &[OrderItem]) -> String {
    match items {
        [] => "Order".into(),
        [one] => one.name.clone(),
        [first, rest @ ..] => format!("{} and {} more", first.name, rest.len()),
    }
}

/// A fresh guest order token and the hash stored instead of it.
fn order_token(user: Option<UserId>) -> (Option<String>, Option<String>) {
    if user.is_some() {
        return (None, None);
    }
    let token = generate_secret("ord_");
    let hash = hash_secret(&token).as_str().to_owned();
    (Some(token), Some(hash))
}

impl CheckoutService {
    #[must_use]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn CheckoutStore>,
        orders: Arc<dyn OrderRepository>,
        stock: Arc<dyn StockRepository>,
        carts: Arc<CartService>,
        payments: PaymentGateways,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        Self {
            store,
            orders: OrderService::new(orders.clone(), clock.clone()),
            order_repo: orders,
            carts,
            inventory: InventoryService::new(stock, clock.clone()),
            payments,
            clock,
            settings,
        }
    }

    /// Reading and admin edits of orders.
    #[must_use]
    pub fn orders(&self) -> &OrderService {
        &self.orders
    }

    /// The configured payment methods.
    #[must_use]
    pub fn payment_methods(&self) -> Vec<&'static str> {
        self.payments.methods()
    }

    fn common(
        email: Option<&str>,
        shipping: PostalAddress,
        billing: Option<PostalAddress>,
        method: &str,
        tax_id: Option<&str>,
    ) -> Result<Common, CheckoutError> {
        let mut errors = ValidationErrors::new();
        let email = check_email(email, &mut errors);
        let shipping = shipping
            .normalized("shipping_address.")
            .map_err(|e| errors.extend(e))
            .ok();
        let billing_same = billing.is_none();
        let billing = match billing {
            Some(b) => b
                .normalized("billing_address.")
                .map_err(|e| errors.extend(e))
                .ok(),
            None => shipping.clone(),
        };
        let shipping_method = method.trim().to_ascii_lowercase();
        if tax_id.is_some_and(|t| t.chars().count() > 50 || has_control_chars(t)) {
            errors.add(
                "tax_id",
                "must be at most 50 characters, without control characters",
            );
        }
        if shipping_method.is_empty() || shipping_method.len() > 50 {
            errors.add("shipping_method", "is required");
        }
        errors.into_result()?;
        let (Some(shipping), Some(billing)) = (shipping, billing) else {
            return Err(ValidationErrors::single("shipping_address", "is invalid").into());
        };
        let destination = Destination::new(
            &shipping.country,
            shipping.state.as_deref(),
            Some(&shipping.city),
            &shipping.postal_code,
            "shipping_address.",
        )
        .map_err(merx_pricing::PricingError::from)?;
        Ok(Common {
            email,
            shipping,
            billing,
            billing_same,
            destination,
            shipping_method,
        })
    }

    /// Prices the cart for the destination: every line must still be on sale.
    async fn price(
        &self,
        cart: Cart,
        common: &Common,
        discount_code: Option<&str>,
        tax_id: Option<String>,
    ) -> Result<Priced, CheckoutError> {
        if cart.items.is_empty() {
            return Err(CheckoutError::EmptyCart);
        }
        let customer = Customer {
            key: Some(customer_key(cart.user_id(), &common.email)),
            tax_id,
        };
        let item_count = cart.items.len();
        let view = self.carts.view(cart, &customer).await?;
        if let Some(line) = view.lines.iter().find(|l| !l.on_sale) {
            return Err(CartError::InvalidProduct(format!("{} is not for sale", line.sku)).into());
        }
        if view.lines.len() != item_count {
            return Err(CartError::InvalidProduct("a product in the cart is gone".into()).into());
        }
        let currency = view.cart.currency;
        let discount = match discount_code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(
                self.carts
                    .pricing()
                    .usable_discount(code, currency, view.quote.subtotal.amount(), &customer)
                    .await?,
            ),
            None => view.discount.clone(),
        };
        let quote_lines = CartService::quote_lines(&view.cart, &view.lines);
        let quote = self
            .carts
            .pricing()
            .quote(&QuoteRequest {
                currency,
                lines: &quote_lines,
                destination: Some(&common.destination),
                shipping_method: Some(&common.shipping_method),
                discount: discount.as_ref(),
                customer: &customer,
            })
            .await?;
        let items = view
            .lines
            .iter()
            .filter_map(|l| {
                let q = quote.lines.iter().find(|q| q.variant_id == l.variant_id)?;
                Some(OrderItem {
                    product_id: l.product_id,
                    variant_id: l.variant_id,
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    variant_name: l.variant_name.clone(),
                    image: l.image_url.clone(),
                    unit_price: q.unit_price.amount(),
                    quantity: q.quantity,
                    line_total: q.line_total.amount(),
                    discount: q.discount.amount(),
                    tax: q.tax.amount(),
                })
            })
            .collect();
        Ok(Priced {
            cart: view.cart,
            items,
            totals: OrderTotals {
                subtotal: quote.subtotal.amount(),
                discount_total: quote.discount_total.amount(),
                tax_total: quote.tax_total.amount(),
                shipping_total: quote.shipping_total.amount(),
                total: quote.grand_total.amount(),
            },
            shipping_tax: quote.shipping_tax.amount(),
            discount,
            customer,
        })
    }

    /// Holds the items for `holder` for the reservation time.
    async fn hold(&self, holder: &str, items: &[OrderItem]) -> Result<(), CheckoutError> {
        match self
            .inventory
            .reserve(
                holder,
                &crate::stock_lines(items),
                self.settings.reservation_ttl,
            )
            .await?
        {
            ReserveOutcome::Reserved => Ok(()),
            ReserveOutcome::Short(short) => {
                Err(CheckoutError::Insufficient(shortfalls(&short, items)))
            }
        }
    }

    /// Runs `work` with the stock held; frees it when `work` fails.
    async fn release_on_error<T>(
        &self,
        holder: &str,
        result: Result<T, CheckoutError>,
    ) -> Result<T, CheckoutError> {
        if result.is_err()
            && let Err(e) = self.inventory.release(holder).await
        {
            // The hold expires on its own; the sweeper deletes it.
            return Err(e.into());
        }
        result
    }

    /// Opens a session: prices locked, every line held for the reservation time (all or
    /// nothing), the cart's earlier open sessions cancelled.
    ///
    /// # Errors
    /// `Validation`; `EmptyCart`; the cart's, pricing's and payment's errors;
    /// `Insufficient` listing every short line (then nothing is held).
    pub async fn open(
        &self,
        request: CheckoutRequest,
        caller: &CartCaller,
        caller_email: Option<&str>,
    ) -> Result<CheckoutSession, CheckoutError> {
        let common = Self::common(
            request.email.as_deref().or(caller_email),
            request.shipping_address,
            request.billing_address,
            &request.shipping_method,
            request.tax_id.as_deref(),
        )?;
        let mut errors = ValidationErrors::new();
        let mode = request
            .mode
            .as_deref()
            .unwrap_or("redirect")
            .trim()
            .to_owned();
        if !matches!(mode.as_str(), "redirect" | "embedded") {
            errors.add("mode", "must be redirect or embedded");
        }
        for (field, url) in [
            ("success_url", &request.success_url),
            ("cancel_url", &request.cancel_url),
        ] {
            if let Some(u) = url
                && (u.len() > MAX_URL
                    || has_control_chars(u)
                    || !(u.starts_with("https://") || u.starts_with("http://")))
            {
                errors.add(field, "must be an http(s) URL");
            }
        }
        let metadata = request.metadata.unwrap_or_default();
        if json_has_nul(&metadata)
            || Value::Object(metadata.clone()).to_string().len() > METADATA_MAX_BYTES
        {
            errors.add("metadata", "must be at most 16 KiB, without NUL characters");
        }
        errors.into_result()?;
        let gateway = self.payments.get(&request.payment_method)?;
        let cart = self.carts.get(request.cart_id, caller).await?;
        let priced = self
            .price(
                cart,
                &common,
                request.discount_code.as_deref(),
                request.tax_id.clone(),
            )
            .await?;
        let now = self.clock.now();
        // A newer session replaces the cart's open ones, and their stock goes back first.
        for old in self.store.open_sessions_of_cart(priced.cart.id).await? {
            self.store
                .close_session(old, SessionStatus::Cancelled, now)
                .await?;
        }
        let id = CheckoutId::new();
        let holder = id.holder();
        self.hold(&holder, &priced.items).await?;
        let started = async {
            let start = gateway
                .start(&PaymentRequest {
                    reference: id.to_string(),
                    description: description(&priced.items),
                    amount: Money::new(priced.totals.total, priced.cart.currency),
                    email: common.email.clone(),
                    success_url: request.success_url.clone(),
                    cancel_url: request.cancel_url.clone(),
                    mode: mode.clone(),
                })
                .await?;
            let session = CheckoutSession {
                id,
                cart_id: priced.cart.id,
                user_id: priced.cart.user_id(),
                guest_session: priced.cart.session_id().map(str::to_owned),
                email: common.email.clone(),
                status: SessionStatus::Open,
                currency: priced.cart.currency,
                items: priced.items.clone(),
                totals: priced.totals,
                shipping_tax: priced.shipping_tax,
                discount_code: priced.discount.as_ref().map(|d| d.code.clone()),
                discount_id: priced.discount.as_ref().map(|d| *d.id.as_uuid()),
                shipping_address: common.shipping.clone(),
                billing_address: common.billing.clone(),
                billing_same: common.billing_same,
                shipping_method: common.shipping_method.clone(),
                payment: SessionPayment {
                    method: start.method.as_str().to_owned(),
                    provider_ref: start.provider_ref,
                    client: start.client,
                    settles_on_delivery: start.settles_on_delivery,
                    captured: false,
                },
                success_url: request.success_url.clone(),
                cancel_url: request.cancel_url.clone(),
                mode: mode.clone(),
                metadata,
                tax_id: request.tax_id.clone(),
                order_id: None,
                created_at: now,
                updated_at: now,
                expires_at: now + self.settings.reservation_ttl,
            };
            self.store.insert_session(&session).await?;
            Ok(session)
        }
        .await;
        self.release_on_error(&holder, started).await
    }

    /// The session, when the caller may see it (its cart's owner, or an admin).
    async fn visible_session(
        &self,
        id: CheckoutId,
        caller: &CartCaller,
    ) -> Result<CheckoutSession, CheckoutError> {
        self.store
            .find_session(id)
            .await?
            .filter(|s| {
                caller.is_admin
                    || (s.user_id.is_some() && s.user_id == caller.user)
                    || (s.guest_session.is_some() && s.guest_session == caller.session)
            })
            .ok_or(CheckoutError::NotFound)
    }

    /// # Errors
    /// `NotFound`; `Expired` once its time has run out.
    pub async fn get(
        &self,
        id: CheckoutId,
        caller: &CartCaller,
    ) -> Result<CheckoutSession, CheckoutError> {
        let mut session = self.visible_session(id, caller).await?;
        match session.status_at(self.clock.now()) {
            SessionStatus::Expired => Err(CheckoutError::Expired("the checkout session expired")),
            status => {
                session.status = status;
                Ok(session)
            }
        }
    }

    /// Cancels an open session and frees its stock. Releasing a released session is a no-op.
    ///
    /// # Errors
    /// `NotFound`; `Expired`; `SessionClosed` for a completed one.
    pub async fn release(
        &self,
        id: CheckoutId,
        caller: &CartCaller,
    ) -> Result<CheckoutSession, CheckoutError> {
        let session = self.get(id, caller).await?;
        if session.status == SessionStatus::Open
            && !self
                .store
                .close_session(id, SessionStatus::Cancelled, self.clock.now())
                .await?
        {
            // It changed meanwhile (completed, expired): answer from what it is now.
            return Box::pin(self.release(id, caller)).await;
        }
        match session.status {
            SessionStatus::Complete => Err(CheckoutError::SessionClosed(
                "the checkout session is complete; cancel the order instead".into(),
            )),
            _ => self.get(id, caller).await,
        }
    }

    /// Turns the session into its order: one transaction writes the order, takes the held
    /// stock, counts the discount use and empties the cart. Confirming a completed session
    /// answers its order again; there is never a second one.
    ///
    /// # Errors
    /// `NotFound`; `Expired`; `SessionClosed` (released); `PaymentRequired` before the payment
    /// is captured (unless it settles on delivery); the discount's rejection if it stopped
    /// applying; `Insufficient` when stock fell below what it holds.
    pub async fn confirm(
        &self,
        id: CheckoutId,
        caller: &CartCaller,
    ) -> Result<Confirmed, CheckoutError> {
        let session = self.visible_session(id, caller).await?;
        let now = self.clock.now();
        match session.status_at(now) {
            SessionStatus::Complete => return self.already_confirmed(session).await,
            SessionStatus::Expired => {
                return Err(CheckoutError::Expired("the checkout session expired"));
            }
            SessionStatus::Cancelled => {
                return Err(CheckoutError::SessionClosed(
                    "the checkout session was released".into(),
                ));
            }
            SessionStatus::Open => {}
        }
        if !(session.payment.settles_on_delivery || session.payment.captured) {
            return Err(CheckoutError::PaymentRequired);
        }
        let redemption = match self.redemption(&session).await {
            Ok(r) => r,
            // A concurrent confirm may have just used the code's last use for this very
            // session: then its order is the answer.
            Err(e) => {
                let now_session = self.visible_session(id, caller).await?;
                if now_session.status == SessionStatus::Complete {
                    return self.already_confirmed(now_session).await;
                }
                return Err(e);
            }
        };
        let (order_token, token_hash) = order_token(session.user_id);
        let number = self.store.next_order_number().await?;
        let order = Order {
            id: OrderId::new(),
            number: OrderNumber::new(chrono::Datelike::year(&now), number),
            user_id: session.user_id,
            email: session.email.clone(),
            status: OrderStatus::Confirmed,
            payment_status: if session.payment.captured {
                PaymentStatus::Paid
            } else {
                PaymentStatus::Pending
            },
            currency: session.currency,
            items: session.items.clone(),
            totals: session.totals,
            discount_code: session.discount_code.clone(),
            shipping_address: session.shipping_address.clone(),
            billing_address: session.billing_address.clone(),
            shipping_method: session.shipping_method.clone(),
            payment_method: session.payment.method.clone(),
            payment_provider_ref: session.payment.provider_ref.clone(),
            tracking_number: None,
            notes: None,
            admin_note: None,
            cancel_reason: None,
            checkout_id: Some(*session.id.as_uuid()),
            token_hash,
            stock_taken: true,
            payment_due_at: None,
            times: StatusTimes {
                confirmed_at: Some(now),
                ..StatusTimes::default()
            },
            paid_at: session.payment.captured.then_some(now),
            created_at: now,
            updated_at: now,
        };
        let placement = Placement {
            order,
            holder: session.holder(),
            session: Some(session.id),
            redemption,
            clear_cart: Some(session.cart_id),
            // The expiry is judged as of the write, not of the request's start.
            now: self.clock.now().max(now),
        };
        let outcome = self.store.place_order(&placement).await?;
        let order = placement.order;
        match outcome {
            PlaceOutcome::Placed => {
                let mut session = session;
                session.status = SessionStatus::Complete;
                session.order_id = Some(order.id);
                Ok(Confirmed {
                    session,
                    order,
                    created: true,
                    order_token,
                })
            }
            PlaceOutcome::AlreadyPlaced(_) => {
                let session = self.visible_session(id, caller).await?;
                self.already_confirmed(session).await
            }
            other => Err(self.placement_error(other, &session.items)),
        }
    }

    async fn already_confirmed(
        &self,
        session: CheckoutSession,
    ) -> Result<Confirmed, CheckoutError> {
        let order_id = session
            .order_id
            .ok_or_else(|| StoreError::message("complete session without an order"))?;
        let order = self
            .order_repo
            .find(order_id)
            .await?
            .ok_or_else(|| StoreError::message("a session's order is missing"))?;
        Ok(Confirmed {
            session,
            order,
            created: false,
            order_token: None,
        })
    }

    fn placement_error(&self, outcome: PlaceOutcome, items: &[OrderItem]) -> CheckoutError {
        match outcome {
            PlaceOutcome::SessionClosed(SessionStatus::Expired) => {
                CheckoutError::Expired("the checkout session expired")
            }
            PlaceOutcome::SessionClosed(status) => {
                CheckoutError::SessionClosed(format!("the checkout session is {}", status.as_str()))
            }
            PlaceOutcome::DiscountUsedUp => merx_pricing::DiscountRejection::Exhausted.into(),
            PlaceOutcome::Short(short) => CheckoutError::Insufficient(shortfalls(&short, items)),
            PlaceOutcome::Placed | PlaceOutcome::AlreadyPlaced(_) => {
                StoreError::message("unexpected placement outcome").into()
            }
        }
    }

    /// The discount use an order of this session counts, when the code still applies.
    async fn redemption(
        &self,
        session: &CheckoutSession,
    ) -> Result<Option<Redemption>, CheckoutError> {
        let Some(code) = &session.discount_code else {
            return Ok(None);
        };
        let customer = Customer {
            key: Some(customer_key(session.user_id, &session.email)),
            tax_id: None,
        };
        let discount = self
            .carts
            .pricing()
            .usable_discount(code, session.currency, session.totals.subtotal, &customer)
            .await?;
        Ok(Some(redemption_of(&discount, &customer)))
    }

    /// Places an order before payment (orders-first flow): pending, with its stock held until
    /// the reservation time runs out, when an unpaid order is cancelled.
    ///
    /// # Errors
    /// As for [`Self::open`].
    pub async fn place(
        &self,
        request: NewOrderRequest,
        caller: &CartCaller,
        caller_email: Option<&str>,
    ) -> Result<PlacedOrder, CheckoutError> {
        let common = Self::common(
            request.email.as_deref().or(caller_email),
            request.shipping_address,
            request.billing_address,
            &request.shipping_method,
            request.tax_id.as_deref(),
        )?;
        if let Some(n) = &request.notes
            && (n.chars().count() > 2000 || n.contains('\0'))
        {
            return Err(ValidationErrors::single(
                "notes",
                "must be at most 2000 characters, without NUL",
            )
            .into());
        }
        let method = self.payments.get(&request.payment_method)?.method();
        let (cart, clear_cart) = match &request.source {
            OrderSource::Cart(id) => (self.carts.get(*id, caller).await?, Some(*id)),
            OrderSource::Items(items) => (self.carts.transient(items, caller).await?, None),
        };
        let priced = self
            .price(
                cart,
                &common,
                request.discount_code.as_deref(),
                request.tax_id.clone(),
            )
            .await?;
        let now = self.clock.now();
        let user_id = caller.user;
        let (order_token, token_hash) = order_token(user_id);
        let id = OrderId::new();
        let holder = id.holder();
        self.hold(&holder, &priced.items).await?;
        let placed = async {
            let number = self.store.next_order_number().await?;
            let order = Order {
                id,
                number: OrderNumber::new(chrono::Datelike::year(&now), number),
                user_id,
                email: common.email.clone(),
                status: OrderStatus::Pending,
                payment_status: PaymentStatus::Pending,
                currency: priced.cart.currency,
                items: priced.items.clone(),
                totals: priced.totals,
                discount_code: priced.discount.as_ref().map(|d| d.code.clone()),
                shipping_address: common.shipping.clone(),
                billing_address: common.billing.clone(),
                shipping_method: common.shipping_method.clone(),
                payment_method: method.as_str().to_owned(),
                payment_provider_ref: None,
                tracking_number: None,
                notes: request.notes.clone().filter(|n| !n.trim().is_empty()),
                admin_note: None,
                cancel_reason: None,
                checkout_id: None,
                token_hash,
                stock_taken: false,
                payment_due_at: Some(now + self.settings.reservation_ttl),
                times: StatusTimes::default(),
                paid_at: None,
                created_at: now,
                updated_at: now,
            };
            let redemption = priced
                .discount
                .as_ref()
                .map(|d| redemption_of(d, &priced.customer));
            let placement = Placement {
                order,
                holder: holder.clone(),
                session: None,
                redemption,
                clear_cart,
                now,
            };
            match self.store.place_order(&placement).await? {
                PlaceOutcome::Placed => Ok(placement.order),
                other => Err(self.placement_error(other, &priced.items)),
            }
        }
        .await;
        let order = self.release_on_error(&holder, placed).await?;
        Ok(PlacedOrder { order, order_token })
    }

    /// Pays a pending order (orders-first flow). Cash on delivery confirms it at once (its
    /// held stock leaves the shelf); other methods answer what the client needs to pay.
    ///
    /// # Errors
    /// `Order(NotFound)`; `Order(InvalidTransition)` unless pending and unpaid; `Expired` once
    /// its time to pay ran out; the payment's errors.
    pub async fn pay(
        &self,
        id: OrderId,
        viewer: &OrderViewer,
        payment_method: &str,
    ) -> Result<PaymentAnswer, CheckoutError> {
        let order = self.orders.get(id, viewer).await?;
        let now = self.clock.now();
        if !order.awaits_payment() {
            return Err(merx_orders::InvalidTransition {
                from: order.status,
                to: OrderStatus::Confirmed,
            }
            .into());
        }
        if order.is_payment_overdue(now) {
            return Err(CheckoutError::Expired(
                "the time to pay for this order ran out",
            ));
        }
        let gateway = self.payments.get(payment_method)?;
        let start = gateway
            .start(&PaymentRequest {
                reference: order.id.to_string(),
                description: description(&order.items),
                amount: Money::new(order.totals.total, order.currency),
                email: order.email.clone(),
                success_url: None,
                cancel_url: None,
                mode: "embedded".into(),
            })
            .await?;
        if !start.settles_on_delivery {
            return Ok(PaymentAnswer {
                order,
                payment: start,
            });
        }
        let order = self.changed(
            self.store
                .confirm_order(id, start.method.as_str(), self.clock.now().max(now))
                .await?,
            &order,
            OrderStatus::Confirmed,
        )?;
        Ok(PaymentAnswer {
            order,
            payment: start,
        })
    }

    fn changed(
        &self,
        change: OrderChange,
        before: &Order,
        to: OrderStatus,
    ) -> Result<Order, CheckoutError> {
        match change {
            OrderChange::Done(order) => Ok(*order),
            OrderChange::NotFound => Err(merx_orders::OrderError::NotFound.into()),
            OrderChange::Refused(from) => Err(merx_orders::InvalidTransition { from, to }.into()),
            OrderChange::Expired => Err(CheckoutError::Expired(
                "the time to pay for this order ran out",
            )),
            OrderChange::Short(short) => Err(CheckoutError::Insufficient(shortfalls(
                &short,
                &before.items,
            ))),
        }
    }

    /// Cancels the order while it is pending or confirmed: its stock returns.
    ///
    /// # Errors
    /// `Order(NotFound)`; `Order(InvalidTransition)` once it is being prepared or later.
    pub async fn cancel(
        &self,
        id: OrderId,
        viewer: &OrderViewer,
        reason: &str,
    ) -> Result<Order, CheckoutError> {
        let order = self.orders.get(id, viewer).await?;
        let change = self
            .store
            .cancel_order(id, reason, self.clock.now())
            .await?;
        self.changed(change, &order, OrderStatus::Cancelled)
    }

    /// An admin's edit; a move to `cancelled` cancels the order (stock returns).
    ///
    /// # Errors
    /// As for [`OrderService::edit`] and [`Self::cancel`].
    pub async fn edit_order(&self, id: OrderId, edit: OrderEdit) -> Result<Order, CheckoutError> {
        let admin = OrderViewer {
            is_admin: true,
            ..OrderViewer::default()
        };
        OrderService::check_edit(&edit)?;
        let mut rest = edit;
        if rest.status == Some(OrderStatus::Cancelled) {
            let order = self.orders.get(id, &admin).await?;
            if order.status != OrderStatus::Cancelled {
                self.cancel(id, &admin, "admin").await?;
            }
            rest.status = None;
        }
        Ok(self.orders.edit(id, &rest).await?)
    }

    /// Marks sessions whose time ran out expired (their holds go); how many.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn expire_sessions(&self) -> Result<u64, CheckoutError> {
        Ok(self.store.expire_sessions(self.clock.now()).await?)
    }

    /// Cancels unpaid orders whose time to pay ran out (`payment_timeout`); how many.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn cancel_unpaid_orders(&self) -> Result<u64, CheckoutError> {
        Ok(self.store.cancel_unpaid_orders(self.clock.now()).await?)
    }
}

/// Who counts for per-customer discount limits: the user, or a guest's e-mail.
fn customer_key(user: Option<UserId>, email: &str) -> String {
    user.map_or_else(|| email.to_owned(), |u| u.to_string())
}

fn redemption_of(discount: &Discount, customer: &Customer) -> Redemption {
    Redemption {
        discount_id: discount.id,
        customer: customer.key.clone().unwrap_or_default(),
    }
}
