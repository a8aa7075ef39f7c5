use async_trait::async_trait;
use merx_kernel::Timestamp;
use serde_json::{Map, Value};

use crate::{
    PaymentConfirmation, PaymentError, PaymentEvent, PaymentGateway, PaymentMethod, PaymentRequest,
    PaymentStart, PaymentState, ProviderStatus, RefundDone, RefundRequest,
};

/// Cash on delivery: nothing to call; the courier collects the amount.
#[derive(Debug, Clone, Copy, Default)]
pub struct CashOnDelivery;

#[async_trait]
impl PaymentGateway for CashOnDelivery {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::CashOnDelivery
    }

    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, PaymentError> {
        let mut client = Map::new();
        client.insert(
            "instructions".into(),
            Value::String(format!("Pay {} in cash on delivery", request.amount)),
        );
        Ok(PaymentStart {
            method: PaymentMethod::CashOnDelivery,
            provider_ref: None,
            client,
            settles_on_delivery: true,
        })
    }

    /// There is no provider to ask: the money comes with the courier.
    async fn retrieve(&self, _provider_ref: &str) -> Result<PaymentState, PaymentError> {
        Ok(PaymentState {
            status: ProviderStatus::Open,
            paid: None,
            payment_ref: None,
            subject: None,
        })
    }

    async fn expire(&self, _provider_ref: &str) -> Result<PaymentState, PaymentError> {
        Ok(PaymentState {
            status: ProviderStatus::Expired,
            paid: None,
            payment_ref: None,
            subject: None,
        })
    }

    async fn confirm(
        &self,
        _confirmation: &PaymentConfirmation,
    ) -> Result<PaymentState, PaymentError> {
        Err(PaymentError::Unavailable(
            "cash on delivery has nothing to confirm".into(),
        ))
    }

    /// Cash was handed over in person, so it is handed back the same way: the refund is
    /// recorded and there is no provider to call.
    async fn refund(&self, _request: &RefundRequest) -> Result<RefundDone, PaymentError> {
        Ok(RefundDone { provider_ref: None })
    }

    async fn verify_event(
        &self,
        _signature: &str,
        _body: &[u8],
        _now: Timestamp,
    ) -> Result<PaymentEvent, PaymentError> {
        Err(PaymentError::Verification(
            "cash on delivery sends no webhooks".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use merx_kernel::{Currency, Money};

    use super::*;
    use crate::{PaymentFlow, PaymentGateways, PaymentSubject};

    #[tokio::test]
    async fn cash_on_delivery_settles_on_delivery_and_others_are_unavailable() {
        let gateways = PaymentGateways::cash_only();
        let cod = gateways.get("Cash_On_Delivery").expect("configured");
        let start = cod
            .start(&PaymentRequest {
                subject: PaymentSubject::Checkout(uuid::Uuid::nil()),
                flow: PaymentFlow::Redirect,
                description: "Order".into(),
                amount: Money::new(1500, Currency::Usd),
                lines: Vec::new(),
                email: "a@b.test".into(),
                success_url: None,
                cancel_url: None,
                expires_at: chrono::Utc::now(),
                idempotency_key: "k".into(),
                metadata: Map::new(),
            })
            .await
            .expect("starts");
        assert!(start.settles_on_delivery);
        assert_eq!(start.method, PaymentMethod::CashOnDelivery);
        assert!(
            cod.verify_event("t=1,v1=00", b"{}", chrono::Utc::now())
                .await
                .is_err()
        );
        assert_eq!(
            gateways.get("stripe").err(),
            Some(PaymentError::Unavailable("stripe".into()))
        );
        assert!(gateways.get("paypal").is_err());
        assert_eq!(gateways.methods(), ["cash_on_delivery"]);
    }
}
