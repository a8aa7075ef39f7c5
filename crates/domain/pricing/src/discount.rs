use merx_kernel::{Currency, Timestamp, ValidationErrors};
use serde::{Deserialize, Serialize};

use crate::Rate;
use crate::patch::sent;

merx_kernel::typed_id!(
    /// Identifies a discount code.
    DiscountId
);

/// How much a code takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountValue {
    /// Whole percent of the subtotal, 1 to 100.
    Percentage(u32),
    /// Minor units of the discount's currency; never more than the subtotal.
    FixedAmount(i64),
}

/// A discount code with its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discount {
    pub id: DiscountId,
    /// Upper case; codes match case-insensitively.
    pub code: String,
    pub value: DiscountValue,
    /// When set, the code applies only to carts in this currency (required for fixed amounts
    /// and minimums, which are in its minor units).
    pub currency: Option<Currency>,
    pub minimum_order_amount: Option<i64>,
    pub usage_limit: Option<i64>,
    pub usage_limit_per_customer: Option<i64>,
    /// Orders that consumed the code.
    pub times_used: i64,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub is_active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Why a code cannot be used on a cart now. The HTTP layer maps these onto the spec's codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscountRejection {
    #[error("no such discount code")]
    Unknown,
    #[error("this discount code is not active")]
    Inactive,
    #[error("this discount code applies to {0} orders only")]
    WrongCurrency(Currency),
    #[error("this discount code is not valid yet")]
    NotStarted,
    #[error("this discount code has expired")]
    Expired,
    #[error("this discount code has been used up")]
    Exhausted,
    #[error("the order is below this code's minimum of {0} minor units")]
    MinimumNotMet(i64),
}

impl Discount {
    /// Whether the code can discount a cart of `subtotal` in `currency` at `now`, for a
    /// customer who has used it `used_by_customer` times (`None`: unknown customer, checked
    /// again at checkout).
    ///
    /// # Errors
    /// The first reason it cannot, in the order a shopper would want to hear them.
    pub fn check(
        &self,
        now: Timestamp,
        currency: Currency,
        subtotal: i64,
        used_by_customer: Option<i64>,
    ) -> Result<(), DiscountRejection> {
        if !self.is_active {
            return Err(DiscountRejection::Inactive);
        }
        if let Some(only) = self.currency
            && only != currency
        {
            return Err(DiscountRejection::WrongCurrency(only));
        }
        if self.starts_at.is_some_and(|t| now < t) {
            return Err(DiscountRejection::NotStarted);
        }
        if self.ends_at.is_some_and(|t| now >= t) {
            return Err(DiscountRejection::Expired);
        }
        if !self.has_uses_left(used_by_customer) {
            return Err(DiscountRejection::Exhausted);
        }
        if let Some(min) = self.minimum_order_amount
            && subtotal < min
        {
            return Err(DiscountRejection::MinimumNotMet(min));
        }
        Ok(())
    }

    /// Whether one more use fits the code's limits as they stand: in total, and for a customer
    /// who has used it `used_by_customer` times (`None`: not known yet, not checked).
    #[must_use]
    pub fn has_uses_left(&self, used_by_customer: Option<i64>) -> bool {
        self.usage_limit.is_none_or(|l| self.times_used < l)
            && match (self.usage_limit_per_customer, used_by_customer) {
                (Some(limit), Some(used)) => used < limit,
                _ => true,
            }
    }

    /// Whether an order may count a use of the code now. Stores call this under the code's
    /// lock with the code as stored at that moment (an admin may have edited its limits since
    /// the checkout began) and the customer's uses so far, then count the use.
    #[must_use]
    pub fn can_redeem(&self, used_by_customer: i64) -> bool {
        self.has_uses_left(Some(used_by_customer))
    }

    /// The amount off a subtotal: never negative, never more than the subtotal.
    #[must_use]
    pub fn amount_off(&self, subtotal: i64) -> i64 {
        let subtotal = subtotal.max(0);
        let off = match self.value {
            DiscountValue::Percentage(p) => Rate::percent(p.min(100)).map_or(0, |r| r.of(subtotal)),
            DiscountValue::FixedAmount(v) => v.max(0),
        };
        off.min(subtotal)
    }
}

/// A use of a code to count with an order (placing it fails when [`Discount::can_redeem`]
/// says no by the time the order is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub discount_id: DiscountId,
    /// Who counts for the per-customer limit: the user id, or a guest's e-mail.
    pub customer: String,
}

/// What an admin sends to create or replace a code (spec §11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountInput {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: i64,
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default)]
    pub minimum_order_amount: Option<i64>,
    #[serde(default)]
    pub usage_limit: Option<i64>,
    #[serde(default)]
    pub usage_limit_per_customer: Option<i64>,
    #[serde(default)]
    pub starts_at: Option<Timestamp>,
    #[serde(default)]
    pub ends_at: Option<Timestamp>,
    #[serde(default = "yes")]
    pub is_active: bool,
}

const fn yes() -> bool {
    true
}

/// A checked input: the normalised code and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDiscount {
    pub code: String,
    pub value: DiscountValue,
    pub input: DiscountInput,
}

impl ValidDiscount {
    /// The discount this checked input describes.
    #[must_use]
    pub fn into_discount(
        self,
        id: DiscountId,
        times_used: i64,
        created_at: Timestamp,
        updated_at: Timestamp,
    ) -> Discount {
        let input = self.input;
        Discount {
            id,
            code: self.code,
            value: self.value,
            currency: input.currency,
            minimum_order_amount: input.minimum_order_amount,
            usage_limit: input.usage_limit,
            usage_limit_per_customer: input.usage_limit_per_customer,
            times_used,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            is_active: input.is_active,
            created_at,
            updated_at,
        }
    }
}

impl DiscountInput {
    /// Checks every field. A minimum order without a currency is in the shop's currency
    /// (spec §15), so the code then applies to carts in that currency only.
    ///
    /// # Errors
    /// Every invalid field.
    pub fn validate(&self, shop_currency: Currency) -> Result<ValidDiscount, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let code = self.code.trim().to_uppercase();
        if code.is_empty()
            || code.len() > 50
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            errors.add("code", "must be 1 to 50 of A-Z, 0-9, - and _");
        }
        let value = match self.kind.as_str() {
            "percentage" => {
                if !(1..=100).contains(&self.value) {
                    errors.add("value", "a percentage is 1 to 100");
                }
                DiscountValue::Percentage(u32::try_from(self.value.clamp(0, 100)).unwrap_or(0))
            }
            "fixed_amount" => {
                if !(1..=1_000_000_000_000).contains(&self.value) {
                    errors.add("value", "a fixed amount is 1 to 10^12 minor units");
                }
                if self.currency.is_none() {
                    errors.add("currency", "is required for a fixed_amount code");
                }
                DiscountValue::FixedAmount(self.value)
            }
            _ => {
                errors.add("type", "must be percentage or fixed_amount");
                DiscountValue::FixedAmount(0)
            }
        };
        if let Some(min) = self.minimum_order_amount
            && !(0..=1_000_000_000_000).contains(&min)
        {
            errors.add("minimum_order_amount", "must be 0 to 10^12 minor units");
        }
        for (field, limit) in [
            ("usage_limit", self.usage_limit),
            ("usage_limit_per_customer", self.usage_limit_per_customer),
        ] {
            if limit.is_some_and(|l| l < 1) {
                errors.add(field, "must be at least 1 (leave it out for no limit)");
            }
        }
        if let (Some(start), Some(end)) = (self.starts_at, self.ends_at)
            && end <= start
        {
            errors.add("ends_at", "must be after starts_at");
        }
        errors.into_result()?;
        let mut input = self.clone();
        if input.minimum_order_amount.is_some() {
            input.currency = input.currency.or(Some(shop_currency));
        }
        Ok(ValidDiscount { code, value, input })
    }
}

/// What an admin sends to change a code (`PATCH`): only the fields sent, each read as
/// [`DiscountInput`] reads it; `null` clears a field that may be empty (see `patch.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DiscountPatch {
    #[serde(default, deserialize_with = "sent")]
    pub code: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "sent")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "sent")]
    pub value: Option<i64>,
    #[serde(default, deserialize_with = "sent")]
    pub currency: Option<Option<Currency>>,
    #[serde(default, deserialize_with = "sent")]
    pub minimum_order_amount: Option<Option<i64>>,
    #[serde(default, deserialize_with = "sent")]
    pub usage_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "sent")]
    pub usage_limit_per_customer: Option<Option<i64>>,
    #[serde(default, deserialize_with = "sent")]
    pub starts_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "sent")]
    pub ends_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "sent")]
    pub is_active: Option<bool>,
}

impl DiscountPatch {
    /// `input` with the fields sent laid over it.
    #[must_use]
    pub fn over(&self, input: DiscountInput) -> DiscountInput {
        let p = self.clone();
        DiscountInput {
            code: p.code.unwrap_or(input.code),
            kind: p.kind.unwrap_or(input.kind),
            value: p.value.unwrap_or(input.value),
            currency: p.currency.unwrap_or(input.currency),
            minimum_order_amount: p.minimum_order_amount.unwrap_or(input.minimum_order_amount),
            usage_limit: p.usage_limit.unwrap_or(input.usage_limit),
            usage_limit_per_customer: p
                .usage_limit_per_customer
                .unwrap_or(input.usage_limit_per_customer),
            starts_at: p.starts_at.unwrap_or(input.starts_at),
            ends_at: p.ends_at.unwrap_or(input.ends_at),
            is_active: p.is_active.unwrap_or(input.is_active),
        }
    }
}

impl Discount {
    /// This code as `patch` changes it at `now`: the fields sent laid over the stored ones,
    /// the result checked as a new code is ([`DiscountInput::validate`]); its uses and its
    /// creation stay.
    ///
    /// # Errors
    /// Every invalid field of the result.
    pub fn patched(
        &self,
        patch: &DiscountPatch,
        shop_currency: Currency,
        now: Timestamp,
    ) -> Result<Self, ValidationErrors> {
        let valid = patch
            .over(DiscountInput::from(self))
            .validate(shop_currency)?;
        Ok(valid.into_discount(self.id, self.times_used, self.created_at, now))
    }
}

impl From<&Discount> for DiscountInput {
    fn from(d: &Discount) -> Self {
        let (kind, value) = match d.value {
            DiscountValue::Percentage(p) => ("percentage", i64::from(p)),
            DiscountValue::FixedAmount(v) => ("fixed_amount", v),
        };
        Self {
            code: d.code.clone(),
            kind: kind.to_owned(),
            value,
            currency: d.currency,
            minimum_order_amount: d.minimum_order_amount,
            usage_limit: d.usage_limit,
            usage_limit_per_customer: d.usage_limit_per_customer,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            is_active: d.is_active,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;

    fn save20() -> Discount {
        Discount {
            id: DiscountId::new(),
            code: "SAVE20".into(),
            value: DiscountValue::Percentage(20),
            currency: None,
            minimum_order_amount: None,
            usage_limit: Some(2),
            usage_limit_per_customer: Some(1),
            times_used: 0,
            starts_at: None,
            ends_at: None,
            is_active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_seed_figure_save20_on_5900_fils_takes_1180() {
        assert_eq!(save20().amount_off(5_900), 1_180);
    }

    #[test]
    fn amounts_never_exceed_the_subtotal_nor_go_negative() {
        let mut fixed = save20();
        fixed.value = DiscountValue::FixedAmount(5_000);
        assert_eq!(fixed.amount_off(3_000), 3_000);
        assert_eq!(fixed.amount_off(-10), 0);
        let mut all = save20();
        all.value = DiscountValue::Percentage(100);
        assert_eq!(all.amount_off(1_234), 1_234);
    }

    #[test]
    fn checks_report_why_a_code_cannot_be_used() {
        let now = Utc::now();
        let usd = Currency::Usd;
        let d = save20();
        assert_eq!(d.check(now, usd, 100, Some(0)), Ok(()));
        assert_eq!(
            d.check(now, usd, 100, Some(1)),
            Err(DiscountRejection::Exhausted)
        );
        let mut used_up = save20();
        used_up.times_used = 2;
        assert_eq!(
            used_up.check(now, usd, 100, None),
            Err(DiscountRejection::Exhausted)
        );
        let mut ended = save20();
        ended.ends_at = Some(now - Duration::seconds(1));
        assert_eq!(
            ended.check(now, usd, 100, None),
            Err(DiscountRejection::Expired)
        );
        let mut later = save20();
        later.starts_at = Some(now + Duration::hours(1));
        assert_eq!(
            later.check(now, usd, 100, None),
            Err(DiscountRejection::NotStarted)
        );
        let mut off = save20();
        off.is_active = false;
        assert_eq!(
            off.check(now, usd, 100, None),
            Err(DiscountRejection::Inactive)
        );
        let mut jod = save20();
        jod.currency = Some(Currency::Jod);
        jod.minimum_order_amount = Some(5_000);
        assert_eq!(
            jod.check(now, usd, 9_000, None),
            Err(DiscountRejection::WrongCurrency(Currency::Jod))
        );
        assert_eq!(
            jod.check(now, Currency::Jod, 4_999, None),
            Err(DiscountRejection::MinimumNotMet(5_000))
        );
    }

    #[test]
    fn a_use_is_redeemable_while_both_limits_have_room() {
        let mut d = save20();
        assert!(d.can_redeem(0));
        assert!(!d.can_redeem(1), "one per customer");
        d.times_used = 2;
        assert!(!d.can_redeem(0), "two in total");
        d.usage_limit = Some(3);
        assert!(d.can_redeem(0), "a raised limit applies at once");
        d.usage_limit = None;
        d.usage_limit_per_customer = None;
        assert!(d.can_redeem(99));
    }

    #[test]
    fn inputs_are_validated_field_by_field() {
        let input = DiscountInput {
            code: "bad code!".into(),
            kind: "fixed_amount".into(),
            value: 0,
            currency: None,
            minimum_order_amount: Some(100),
            usage_limit: Some(0),
            usage_limit_per_customer: None,
            starts_at: None,
            ends_at: None,
            is_active: true,
        };
        let err = input.validate(Currency::Usd).expect_err("invalid");
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["code", "value", "currency", "usage_limit"]);
        let ok = DiscountInput {
            code: " save20 ".into(),
            kind: "percentage".into(),
            value: 20,
            currency: None,
            minimum_order_amount: None,
            usage_limit: None,
            usage_limit_per_customer: None,
            starts_at: None,
            ends_at: None,
            is_active: true,
        }
        .validate(Currency::Usd)
        .expect("valid");
        assert_eq!(ok.code, "SAVE20");
        assert_eq!(ok.value, DiscountValue::Percentage(20));
        assert_eq!(ok.input.currency, None, "no minimum: any currency");
        let with_minimum = DiscountInput {
            minimum_order_amount: Some(28_000),
            ..ok.input.clone()
        }
        .validate(Currency::Krw)
        .expect("a percentage's minimum is in the shop currency");
        assert_eq!(with_minimum.input.currency, Some(Currency::Krw));
    }

    #[test]
    fn a_patch_changes_only_the_fields_sent_and_the_result_is_checked_whole() {
        let mut stored = save20();
        stored.times_used = 1;
        stored.starts_at = Some(stored.created_at);
        let later = stored.created_at + Duration::minutes(5);
        let patch: DiscountPatch =
            serde_json::from_value(serde_json::json!({"is_active": false, "usage_limit": null}))
                .expect("patch");
        let patched = stored.patched(&patch, Currency::Usd, later).expect("valid");
        assert_eq!(
            patched,
            Discount {
                is_active: false,
                usage_limit: None,
                updated_at: later,
                ..stored.clone()
            },
            "uses, creation and every field not sent stay"
        );
        let ends_first = DiscountPatch {
            ends_at: Some(Some(stored.created_at - Duration::days(1))),
            ..DiscountPatch::default()
        };
        let err = stored
            .patched(&ends_first, Currency::Usd, later)
            .expect_err("ends before it starts");
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["ends_at"]);
    }

    #[test]
    fn a_patch_reads_each_field_sent_as_the_create_body_does() {
        let read = |v: serde_json::Value| serde_json::from_value::<DiscountPatch>(v);
        assert_eq!(
            read(serde_json::json!({})).expect("empty"),
            DiscountPatch::default()
        );
        assert_eq!(
            read(serde_json::json!({"currency": null, "type": "percentage", "id": "ignored"}))
                .expect("patch"),
            DiscountPatch {
                currency: Some(None),
                kind: Some("percentage".into()),
                ..DiscountPatch::default()
            },
            "null clears what may be empty; unknown fields are ignored"
        );
        assert!(
            read(serde_json::json!({"is_active": null})).is_err(),
            "what may not be empty cannot be cleared"
        );
        assert!(read(serde_json::json!({"value": "ten"})).is_err());
    }
}
