//! The orders-first flow (spec §6, seeds 001/003): place an order before payment, its stock
//! held until it is paid or its time runs out; then pay it.

use merx_cart::CartCaller;
use merx_kernel::Money;
use merx_kernel::Timestamp;
use merx_orders::{NewOrder, Order, OrderId, OrderNumber, OrderStatus, OrderViewer, Settlement};
use merx_payments::{PaymentFlow, PaymentRequest, PaymentStart, PaymentSubject};

use crate::checks::{Delivery, check_notes};
use crate::payment_lines::payment_lines;
use crate::service::{description, order_token, placement_error};
use crate::{
    CheckoutError, CheckoutService, NewOrderRequest, OrderSource, PaymentAnswer, PlaceOutcome,
    PlacedOrder, Placement,
};

impl CheckoutService {
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
        let delivery = Delivery::check(
            request.email.as_deref().or(caller_email),
            request.shipping_address,
            request.billing_address,
            &request.shipping_method,
            request.tax_id.as_deref(),
        )?;
        let notes = check_notes(request.notes)?;
        let method = self.payments.get(&request.payment_method)?.method();
        let (cart, clear_cart) = match &request.source {
            OrderSource::Cart(id) => (self.carts.get(*id, caller).await?, Some(*id)),
            OrderSource::Items(items) => (self.carts.transient(items, caller).await?, None),
        };
        let priced = self
            .price(
                cart,
                &delivery,
                request.discount_code.as_deref(),
                request.tax_id.clone(),
            )
            .await?;
        let now = self.clock.now();
        let (order_token, token_hash) = order_token(caller.user);
        let id = OrderId::new();
        let holder = id.holder();
        self.hold(&holder, &priced.items, clear_cart).await?;
        let placed = async {
            let number = self.store.next_order_number().await?;
            let order = Order::awaiting_payment(
                NewOrder {
                    id,
                    number: OrderNumber::new(chrono::Datelike::year(&now), number),
                    user_id: caller.user,
                    email: delivery.email.clone(),
                    currency: priced.cart.currency,
                    items: priced.items.clone(),
                    totals: priced.totals,
                    discount_code: priced.discount.as_ref().map(|d| d.code.clone()),
                    shipping_address: delivery.shipping.clone(),
                    billing_address: delivery.billing.clone(),
                    shipping_method: delivery.shipping_method.clone(),
                    payment_method: method,
                    payment_provider_ref: None,
                    notes: notes.clone(),
                    checkout_id: None,
                    token_hash,
                    tax_id: priced.exempt_tax_id(),
                },
                now + self.settings.reservation_ttl,
                now,
            );
            let placement = Placement {
                order,
                holder: holder.clone(),
                session: None,
                redemption: priced.redemption(),
                clear_cart,
                late_payment: false,
                now,
            };
            match self.store.place_order(&placement).await? {
                PlaceOutcome::Placed => Ok(placement.order),
                other => Err(placement_error(other, &priced.items)),
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
        let start = gateway.start(&order_payment(&order, now)).await?;
        if !start.settles_on_delivery {
            return Ok(PaymentAnswer {
                order,
                payment: start,
            });
        }
        let settlement = Settlement {
            method: start.method,
            paid: false,
            provider_ref: None,
        };
        let order = self
            .confirm_unpaid(
                &order,
                &settlement,
                self.clock.now().max(now),
                &merx_kernel::Author::System,
            )
            .await?;
        Ok(PaymentAnswer {
            order,
            payment: start,
        })
    }
}

/// The PaymentIntent (or provider payment) an order awaiting payment is paid with.
fn order_payment(order: &Order, now: Timestamp) -> PaymentRequest {
    PaymentRequest {
        subject: PaymentSubject::Order(*order.id.as_uuid()),
        flow: PaymentFlow::Intent,
        description: description(&order.items),
        amount: Money::new(order.totals.total, order.currency),
        lines: payment_lines(&order.items, &order.totals),
        email: order.email.clone(),
        success_url: None,
        cancel_url: None,
        expires_at: order.payment_due_at.unwrap_or(now),
        idempotency_key: format!("merx-order-{}-intent", order.id),
        metadata: serde_json::Map::new(),
    }
}

/// What a client asks a PaymentIntent for (spec §12 `POST /checkout/payment-intent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntentFor {
    Checkout(crate::CheckoutId),
    Order(OrderId),
}

impl CheckoutService {
    /// Starts a PaymentIntent for an open session or an order awaiting payment. The amount is
    /// always ours: a client's `amount` or `currency` that differs is refused.
    ///
    /// # Errors
    /// `NotFound`/`Order(NotFound)`; `Expired`; `AmountMismatch`; the provider's errors.
    pub async fn start_intent(
        &self,
        target: IntentFor,
        caller: &CartCaller,
        viewer: &OrderViewer,
        client_amount: crate::ClientAmount,
    ) -> Result<(PaymentStart, Money), CheckoutError> {
        let now = self.clock.now();
        let (request, method) = match target {
            IntentFor::Checkout(id) => {
                let session = self.get(id, caller).await?;
                if session.status != crate::SessionStatus::Open {
                    return Err(CheckoutError::SessionClosed(format!(
                        "the checkout session is {}",
                        session.status.as_str()
                    )));
                }
                let request = PaymentRequest {
                    subject: PaymentSubject::Checkout(*id.as_uuid()),
                    flow: PaymentFlow::Intent,
                    description: description(&session.items),
                    amount: session.total(),
                    lines: payment_lines(&session.items, &session.totals),
                    email: session.email.clone(),
                    success_url: None,
                    cancel_url: None,
                    expires_at: session.expires_at,
                    idempotency_key: format!("merx-checkout-{id}-intent"),
                    metadata: session.metadata.clone(),
                };
                (request, session.payment.method)
            }
            IntentFor::Order(id) => {
                let order = self.orders.get(id, viewer).await?;
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
                (order_payment(&order, now), order.payment_method)
            }
        };
        if client_amount.differs_from(request.amount) {
            return Err(CheckoutError::AmountMismatch(request.amount));
        }
        let gateway = self.payments.of(method)?;
        let start = gateway.start(&request).await?;
        Ok((start, request.amount))
    }
}
