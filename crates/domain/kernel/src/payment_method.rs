//! The payment methods of spec §6: what an order and a session are paid with. In the kernel
//! because orders, checkout and payments all name it; written and read as its code.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The payment methods of spec §6, by their codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    Stripe,
    TossPayments,
    CashOnDelivery,
}

impl PaymentMethod {
    pub const ALL: [Self; 3] = [Self::Stripe, Self::TossPayments, Self::CashOnDelivery];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Stripe => "stripe",
            Self::TossPayments => "tosspayments",
            Self::CashOnDelivery => "cash_on_delivery",
        }
    }

    /// Whether the money comes after the goods (the courier collects it), so an order may be
    /// confirmed before any payment.
    #[must_use]
    pub const fn settles_on_delivery(self) -> bool {
        matches!(self, Self::CashOnDelivery)
    }

    /// Case-insensitive.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PaymentMethod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentMethod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Self::parse(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown payment method {code}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_is_written_and_read_as_its_code() {
        for method in PaymentMethod::ALL {
            let json = serde_json::to_value(method).expect("json");
            assert_eq!(json, serde_json::json!(method.as_str()));
            assert_eq!(
                serde_json::from_value::<PaymentMethod>(json).ok(),
                Some(method)
            );
        }
        assert_eq!(
            PaymentMethod::parse(" Stripe "),
            Some(PaymentMethod::Stripe)
        );
        assert!(serde_json::from_value::<PaymentMethod>(serde_json::json!("paypal")).is_err());
    }
}
