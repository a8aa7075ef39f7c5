//! The orders-first flow (spec §6, seeds 001/003): place an order before payment, its stock
//! held until it is paid or its time runs out; then pay it.

use merx_cart::CartCaller;
use merx_kernel::Money;
use merx_orders::{NewOrder, Order, OrderId, OrderNumber, OrderStatus, OrderViewer, Settlement};
use merx_payments::PaymentRequest;

use crate::checks::{Delivery, check_notes};
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
        self.hold(&holder, &priced.items).await?;
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
                    payment_method: method.as_str().to_owned(),
                    payment_provider_ref: None,
                    notes: notes.clone(),
                    checkout_id: None,
                    token_hash,
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
        let settlement = Settlement {
            method: start.method.as_str().to_owned(),
            paid: false,
        };
        let order = self
            .confirm_unpaid(&order, &settlement, self.clock.now().max(now))
            .await?;
        Ok(PaymentAnswer {
            order,
            payment: start,
        })
    }
}
