//! The session flow (spec §6): open a session (prices locked, stock held), read it, release
//! it, confirm it into its one order.

use merx_cart::CartCaller;
use merx_kernel::{Money, StoreError, Timestamp};
use merx_orders::Order;
use merx_payments::{PaymentRequest, PaymentSubject, ProviderStatus};
use merx_pricing::Customer;

use crate::checks::{Delivery, check_session_options};
use crate::payment_lines::payment_lines;
use crate::priced::{PricedCart, customer_key, redemption_of};
use crate::service::{description, order_token, placement_error};
use crate::{
    CheckoutError, CheckoutId, CheckoutRequest, CheckoutService, CheckoutSession, Confirmed,
    PlaceOutcome, Placement, SessionPayment, SessionStatus,
};

impl CheckoutService {
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
        let delivery = Delivery::check(
            request.email.as_deref().or(caller_email),
            request.shipping_address,
            request.billing_address,
            &request.shipping_method,
            request.tax_id.as_deref(),
        )?;
        let metadata = request.metadata.unwrap_or_default();
        let mode = check_session_options(
            request.mode.as_deref(),
            request.success_url.as_deref(),
            request.cancel_url.as_deref(),
            &metadata,
        )?;
        let gateway = self.payments.get(&request.payment_method)?;
        let cart = self.carts.get(request.cart_id, caller).await?;
        let priced = self
            .price(
                cart,
                &delivery,
                request.discount_code.as_deref(),
                request.tax_id.clone(),
            )
            .await?;
        let now = self.clock.now();
        let id = CheckoutId::new();
        let holder = id.holder();
        self.hold_replacing(&holder, &priced, now).await?;
        let started = async {
            let start = gateway
                .start(&PaymentRequest {
                    subject: PaymentSubject::Checkout(*id.as_uuid()),
                    flow: mode.flow(),
                    description: description(&priced.items),
                    amount: Money::new(priced.totals.total, priced.cart.currency),
                    lines: payment_lines(&priced.items, &priced.totals),
                    email: delivery.email.clone(),
                    success_url: request.success_url.clone(),
                    cancel_url: request.cancel_url.clone(),
                    expires_at: now + self.settings.reservation_ttl,
                    idempotency_key: format!("merx-checkout-{id}-start"),
                    metadata: metadata.clone(),
                })
                .await?;
            let session = CheckoutSession {
                id,
                cart_id: priced.cart.id,
                user_id: priced.cart.user_id(),
                guest_session: priced.cart.session_id().map(str::to_owned),
                email: delivery.email.clone(),
                status: SessionStatus::Open,
                currency: priced.cart.currency,
                items: priced.items.clone(),
                totals: priced.totals,
                shipping_tax: priced.shipping_tax,
                discount_code: priced.discount.as_ref().map(|d| d.code.clone()),
                discount_id: priced.discount.as_ref().map(|d| *d.id.as_uuid()),
                shipping_address: delivery.shipping.clone(),
                billing_address: delivery.billing.clone(),
                billing_same: delivery.billing_same,
                shipping_method: delivery.shipping_method.clone(),
                payment: SessionPayment {
                    method: start.method,
                    provider_ref: start.provider_ref,
                    client: start.client,
                    settles_on_delivery: start.settles_on_delivery,
                    captured: false,
                },
                success_url: request.success_url.clone(),
                cancel_url: request.cancel_url.clone(),
                mode,
                metadata,
                tax_id: priced.exempt_tax_id(),
                order_id: None,
                created_at: now,
                updated_at: now,
                expires_at: now + self.settings.reservation_ttl,
            };
            // Storing it cancels the cart's other open sessions and frees their holds; their
            // provider pages are ended so they take no money (best effort: a payment that
            // comes anyway is re-reserved or refunded as a late one).
            for old in self.store.insert_session(&session).await? {
                self.end_provider_payment(old).await;
            }
            Ok(session)
        }
        .await;
        self.release_on_error(&holder, started).await
    }

    /// Holds the priced lines for `holder`. A newer session replaces the cart's open ones:
    /// when their holds are what leaves this one short, they are cancelled (their provider
    /// pages ended, their stock back) and the hold is tried once more. Usually a cart has no
    /// other open session and the hold fits at once: one step, no look for old sessions.
    async fn hold_replacing(
        &self,
        holder: &str,
        priced: &PricedCart,
        now: Timestamp,
    ) -> Result<(), CheckoutError> {
        let cart = priced.cart.id;
        match self.hold(holder, &priced.items, Some(cart)).await {
            Err(CheckoutError::Insufficient(short)) => {
                let old = self.store.open_sessions_of_cart(cart).await?;
                if old.is_empty() {
                    return Err(CheckoutError::Insufficient(short));
                }
                for old in old {
                    self.end_provider_payment(old).await;
                    self.store
                        .close_session(old, SessionStatus::Cancelled, now)
                        .await?;
                }
                self.hold(holder, &priced.items, Some(cart)).await
            }
            other => other,
        }
    }

    /// The session, when the caller may see it (its cart's owner, or an admin).
    pub(crate) async fn visible_session(
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
            && let Some(provider_ref) = &session.payment.provider_ref
        {
            // The provider's page must not take money for stock that goes back.
            let state = self
                .payments
                .of(session.payment.method)?
                .expire(provider_ref)
                .await?;
            if state.status == ProviderStatus::Complete {
                return Err(CheckoutError::SessionClosed(
                    "the checkout session was paid; its order follows".into(),
                ));
            }
        }
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
        match session.placeable_at(now) {
            Err(PlaceOutcome::AlreadyPlaced(_)) => return self.already_confirmed(session).await,
            Err(PlaceOutcome::SessionClosed(SessionStatus::Cancelled)) => {
                return Err(CheckoutError::SessionClosed(
                    "the checkout session was released".into(),
                ));
            }
            Err(other) => return Err(placement_error(other, &session.items)),
            Ok(()) => {}
        }
        let payment_ref = self.captured_payment(&session).await?;
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
        let order = Order::confirmed(
            session.new_order(number, payment_ref.clone(), token_hash, now),
            !session.payment.settles_on_delivery,
            now,
        );
        let placement = Placement {
            order,
            holder: session.holder(),
            session: Some(session.id),
            redemption,
            clear_cart: Some(session.cart_id),
            // The expiry is judged as of the write, not of the request's start.
            late_payment: false,
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
            other => Err(placement_error(other, &session.items)),
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

    /// The discount use an order of this session counts, when the code still applies.
    pub(crate) async fn redemption(
        &self,
        session: &CheckoutSession,
    ) -> Result<Option<merx_pricing::Redemption>, CheckoutError> {
        let Some(code) = &session.discount_code else {
            return Ok(None);
        };
        let customer = Customer {
            key: Some(customer_key(session.user_id, &session.email)),
            tax_id: None,
        };
        let discount = self
            .pricing
            .usable_discount(code, session.currency, session.totals.subtotal, &customer)
            .await?;
        Ok(Some(redemption_of(&discount, &customer)))
    }

    /// Marks sessions whose time ran out expired (their holds go); how many.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn expire_sessions(&self) -> Result<u64, CheckoutError> {
        let now = self.clock.now();
        let mut n = 0;
        // A provider's session may outlive our reservation (Stripe's lasts 30 minutes at
        // least): end it first, so it takes no money for stock that goes back.
        for session in self.store.due_provider_sessions(now, 100).await? {
            let (Some(provider_ref), Ok(gateway)) = (
                &session.payment.provider_ref,
                self.payments.of(session.payment.method),
            ) else {
                continue;
            };
            match gateway.expire(provider_ref).await {
                // Paid meanwhile: its event (or the buyer's return) places the order.
                Ok(state) if state.status == ProviderStatus::Complete => continue,
                // Unreachable: the stock goes back all the same; a late payment is refunded
                // or re-reserved when its event comes.
                Ok(_) | Err(_) => {}
            }
            if self
                .store
                .close_session(session.id, SessionStatus::Expired, now)
                .await?
            {
                n += 1;
            }
        }
        Ok(n + self.store.expire_sessions(now).await?)
    }

    /// Ends the provider's payment page of a session that is being replaced.
    async fn end_provider_payment(&self, id: CheckoutId) {
        let Ok(Some(session)) = self.store.find_session(id).await else {
            return;
        };
        if let (Some(provider_ref), Ok(gateway)) = (
            &session.payment.provider_ref,
            self.payments.of(session.payment.method),
        ) {
            // Unreachable now: its page lives on, and a payment through it is a late one.
            let _ended = gateway.expire(provider_ref).await;
        }
    }

    /// The payment reference of a session that may become its order now: none for one that
    /// settles on delivery; else the provider is asked whether the money is in.
    ///
    /// # Errors
    /// `PaymentRequired` while it is not (or not exactly the session's amount); the
    /// provider's errors.
    async fn captured_payment(
        &self,
        session: &CheckoutSession,
    ) -> Result<Option<String>, CheckoutError> {
        if session.payment.settles_on_delivery {
            return Ok(session.payment.provider_ref.clone());
        }
        let Some(provider_ref) = &session.payment.provider_ref else {
            return Err(CheckoutError::PaymentRequired);
        };
        let state = self
            .payments
            .of(session.payment.method)?
            .retrieve(provider_ref)
            .await?;
        let total = session.total();
        match state.paid {
            Some(paid) if state.status == ProviderStatus::Complete && paid == total => {
                Ok(state.payment_ref.or_else(|| Some(provider_ref.clone())))
            }
            _ => Err(CheckoutError::PaymentRequired),
        }
    }
}
