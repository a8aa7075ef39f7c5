//! The quote function against hand-computed examples and its invariants.

use chrono::Utc;
use merx_kernel::{Currency, Money, VariantId};
use merx_pricing::{
    Discount, DiscountId, DiscountValue, MethodRate, PricingError, Quote, QuoteInput, QuoteLine,
    Rate, ShippingMethod, TaxRate, TaxRateId, quote,
};
use proptest::prelude::*;

fn line(currency: Currency, unit: i64, quantity: i64) -> QuoteLine {
    QuoteLine {
        variant_id: VariantId::new(),
        unit_price: Money::new(unit, currency),
        quantity,
        weight_grams: 500,
    }
}

fn discount(value: DiscountValue) -> Discount {
    Discount {
        id: DiscountId::new(),
        code: "CODE".into(),
        value,
        currency: None,
        minimum_order_amount: None,
        usage_limit: None,
        usage_limit_per_customer: None,
        times_used: 0,
        starts_at: None,
        ends_at: None,
        is_active: true,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn tax(rate: &str, tax_shipping: bool, business_exemption: bool) -> TaxRate {
    TaxRate {
        id: TaxRateId::new(),
        country: "US".into(),
        state: None,
        name: "tax".into(),
        rate: rate.parse().expect("rate"),
        tax_shipping,
        business_exemption,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn method(
    currency: Currency,
    base: i64,
    per_kg: i64,
    free_over: Option<i64>,
) -> (ShippingMethod, MethodRate) {
    let rate = MethodRate {
        currency,
        base,
        per_kg,
        free_over,
    };
    let m = ShippingMethod {
        code: "standard".into(),
        name: "Standard".into(),
        estimated_days_min: 3,
        estimated_days_max: 5,
        percent_of_value: Rate::ZERO,
        cities: vec![],
        is_active: true,
        rates: vec![rate],
    };
    (m, rate)
}

fn input<'a>(currency: Currency, lines: &'a [QuoteLine]) -> QuoteInput<'a> {
    QuoteInput {
        currency,
        lines,
        discount: None,
        shipping: None,
        tax: None,
        business_tax_id: false,
    }
}

#[test]
fn eight_percent_tax_on_100_dollars_is_8_dollars() {
    let lines = [line(Currency::Usd, 10_000, 1)];
    let t = tax("8", false, false);
    let q = quote(&QuoteInput {
        tax: Some(&t),
        ..input(Currency::Usd, &lines)
    })
    .expect("quote");
    assert_eq!(q.tax_total, Money::new(800, Currency::Usd));
    assert_eq!(q.grand_total, Money::new(10_800, Currency::Usd));
}

#[test]
fn save20_on_5900_fils_takes_1180_off_and_jod_stays_exact() {
    let lines = [line(Currency::Jod, 5_900, 1)];
    let d = discount(DiscountValue::Percentage(20));
    let t = tax("16", true, true);
    let (m, r) = method(Currency::Jod, 2_000, 500, Some(35_000));
    let q = quote(&QuoteInput {
        discount: Some(&d),
        tax: Some(&t),
        shipping: Some((&m, &r)),
        ..input(Currency::Jod, &lines)
    })
    .expect("quote");
    assert_eq!(q.discount_total.amount(), 1_180);
    // 16% of 4.720 JOD = 0.7552 → 0.755; shipping 2.000 + 1 started kg × 0.500 = 2.500,
    // taxed here: 0.400.
    assert_eq!(q.lines[0].tax.amount(), 755);
    assert_eq!(q.shipping_total.amount(), 2_500);
    assert_eq!(q.shipping_tax.amount(), 400);
    assert_eq!(q.tax_total.amount(), 1_155);
    assert_eq!(q.grand_total.amount(), 5_900 - 1_180 + 1_155 + 2_500);
}

#[test]
fn krw_has_no_minor_digits_and_rounds_half_up_per_line() {
    // 10% VAT on ₩12,345 = 1,234.5 → 1,235; on ₩15 = 1.5 → 2; per line, then summed.
    let lines = [line(Currency::Krw, 12_345, 1), line(Currency::Krw, 15, 1)];
    let t = tax("10", false, true);
    let q = quote(&QuoteInput {
        tax: Some(&t),
        ..input(Currency::Krw, &lines)
    })
    .expect("quote");
    let per_line: Vec<i64> = q.lines.iter().map(|l| l.tax.amount()).collect();
    assert_eq!(per_line, [1_235, 2]);
    assert_eq!(q.tax_total.amount(), 1_237);
}

#[test]
fn a_business_with_a_tax_id_is_exempt_only_where_the_zone_allows_it() {
    let lines = [line(Currency::Eur, 10_000, 1)];
    let eu = tax("19", true, true);
    let us = tax("7.25", false, false);
    let exempt = quote(&QuoteInput {
        tax: Some(&eu),
        business_tax_id: true,
        ..input(Currency::Eur, &lines)
    })
    .expect("quote");
    assert_eq!(exempt.tax_total.amount(), 0);
    let taxed = quote(&QuoteInput {
        tax: Some(&us),
        business_tax_id: true,
        ..input(Currency::Eur, &lines)
    })
    .expect("quote");
    assert_eq!(taxed.tax_total.amount(), 725);
}

#[test]
fn shipping_is_free_over_the_threshold_after_discount() {
    let lines = [line(Currency::Usd, 8_000, 1)];
    let (m, r) = method(Currency::Usd, 599, 100, Some(7_500));
    let free = quote(&QuoteInput {
        shipping: Some((&m, &r)),
        ..input(Currency::Usd, &lines)
    })
    .expect("quote");
    assert_eq!(free.shipping_total.amount(), 0);
    let d = discount(DiscountValue::FixedAmount(1_000));
    let paid = quote(&QuoteInput {
        shipping: Some((&m, &r)),
        discount: Some(&d),
        ..input(Currency::Usd, &lines)
    })
    .expect("quote");
    assert_eq!(
        paid.shipping_total.amount(),
        599 + 100,
        "7,000 after discount is under"
    );
}

#[test]
fn the_discount_is_split_by_largest_remainder() {
    // 10.00 off 3 × 33.33-ish lines: shares 3.34 / 3.33 / 3.33 in some order, summing to 10.00.
    let lines = [
        line(Currency::Usd, 3_333, 1),
        line(Currency::Usd, 3_333, 1),
        line(Currency::Usd, 3_334, 1),
    ];
    let d = discount(DiscountValue::FixedAmount(1_000));
    let q = quote(&QuoteInput {
        discount: Some(&d),
        ..input(Currency::Usd, &lines)
    })
    .expect("quote");
    let shares: Vec<i64> = q.lines.iter().map(|l| l.discount.amount()).collect();
    assert_eq!(shares.iter().sum::<i64>(), 1_000);
    assert!(shares.iter().all(|s| (333..=334).contains(s)), "{shares:?}");
}

#[test]
fn mixed_currencies_and_bad_quantities_are_refused() {
    let mixed = [line(Currency::Usd, 100, 1), line(Currency::Krw, 100, 1)];
    assert!(matches!(
        quote(&input(Currency::Usd, &mixed)),
        Err(PricingError::CurrencyMismatch { .. })
    ));
    let zero = [line(Currency::Usd, 100, 0)];
    assert_eq!(
        quote(&input(Currency::Usd, &zero)),
        Err(PricingError::InvalidQuantity)
    );
    let huge = [line(Currency::Usd, i64::MAX / 2, 3)];
    assert_eq!(
        quote(&input(Currency::Usd, &huge)),
        Err(PricingError::Overflow)
    );
}

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::Usd),
        Just(Currency::Krw),
        Just(Currency::Jod)
    ]
}

fn check_invariants(q: &Quote) {
    let a = |m: Money| m.amount();
    assert_eq!(
        a(q.grand_total),
        a(q.subtotal) - a(q.discount_total) + a(q.tax_total) + a(q.shipping_total)
    );
    assert!(a(q.discount_total) >= 0 && a(q.discount_total) <= a(q.subtotal));
    assert_eq!(
        q.lines.iter().map(|l| a(l.discount)).sum::<i64>(),
        a(q.discount_total)
    );
    assert_eq!(
        q.lines.iter().map(|l| a(l.line_total)).sum::<i64>(),
        a(q.subtotal)
    );
    assert!(
        q.lines
            .iter()
            .all(|l| a(l.discount) <= a(l.line_total) && a(l.tax) >= 0)
    );
    assert_eq!(
        q.lines.iter().map(|l| a(l.tax)).sum::<i64>() + a(q.shipping_tax),
        a(q.tax_total)
    );
}

proptest! {
    #[test]
    fn quotes_add_up_and_do_not_depend_on_line_order(
        currency in currency(),
        raw in prop::collection::vec((0_i64..5_000_000, 1_i64..=99, 0_i64..20_000), 1..12),
        percent in 0_u32..=100,
        fixed in 0_i64..100_000_000,
        use_fixed in any::<bool>(),
        rate_ppm in 0_u32..=300_000,
        tax_shipping in any::<bool>(),
        with_shipping in any::<bool>(),
        shift in 0_usize..12,
    ) {
        let lines: Vec<QuoteLine> = raw
            .iter()
            .map(|(unit, qty, grams)| QuoteLine {
                variant_id: VariantId::new(),
                unit_price: Money::new(*unit, currency),
                quantity: *qty,
                weight_grams: *grams,
            })
            .collect();
        let d = discount(if use_fixed {
            DiscountValue::FixedAmount(fixed)
        } else {
            DiscountValue::Percentage(percent.max(1))
        });
        let mut t = tax("0", tax_shipping, false);
        t.rate = Rate::from_ppm(rate_ppm).expect("rate");
        let (m, r) = method(currency, 500, 250, Some(50_000_000));
        let make = |lines: &[QuoteLine]| {
            quote(&QuoteInput {
                currency,
                lines,
                discount: Some(&d),
                shipping: with_shipping.then_some((&m, &r)),
                tax: Some(&t),
                business_tax_id: false,
            })
            .expect("quote")
        };
        let q = make(&lines);
        check_invariants(&q);

        let mut rotated = lines.clone();
        rotated.rotate_left(shift % lines.len());
        rotated.reverse();
        let other = make(&rotated);
        prop_assert_eq!(q.grand_total, other.grand_total);
        prop_assert_eq!(q.tax_total, other.tax_total);
        for l in &q.lines {
            let same = other.lines.iter().find(|o| o.variant_id == l.variant_id).expect("line");
            prop_assert_eq!(l, same);
        }
    }

    #[test]
    fn large_quantities_never_overflow_silently(
        unit in 0_i64..i64::MAX,
        quantity in 1_i64..i64::MAX,
    ) {
        let lines = [QuoteLine {
            variant_id: VariantId::new(),
            unit_price: Money::new(unit, Currency::Usd),
            quantity,
            weight_grams: 0,
        }];
        match quote(&input(Currency::Usd, &lines)) {
            Ok(q) => {
                prop_assert_eq!(Some(q.subtotal.amount()), unit.checked_mul(quantity));
                check_invariants(&q);
            }
            Err(e) => prop_assert_eq!(e, PricingError::Overflow),
        }
    }
}
