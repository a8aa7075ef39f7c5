//! The one quote function: cart lines + destination rules + discount + customer → breakdown.

use merx_kernel::{Currency, Money, VariantId};

use crate::{Discount, MethodRate, PricingError, ShippingMethod, TaxRate};

/// One line to price: the unit price is already the one that applies (live, or locked by a
/// checkout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteLine {
    pub variant_id: VariantId,
    pub unit_price: Money,
    pub quantity: i64,
    pub weight_grams: i64,
}

/// Everything a quote depends on. The discount has been checked for this cart already
/// ([`Discount::check`]); the method is one offered at the destination, with its price list
/// in the cart's currency.
#[derive(Debug, Clone, Copy)]
pub struct QuoteInput<'a> {
    pub currency: Currency,
    pub lines: &'a [QuoteLine],
    pub discount: Option<&'a Discount>,
    pub shipping: Option<(&'a ShippingMethod, &'a MethodRate)>,
    pub tax: Option<&'a TaxRate>,
    /// A business customer with a tax id; exempt where the tax zone allows it.
    pub business_tax_id: bool,
}

/// A priced line. `discount` is its share of the order discount; `tax` is computed on
/// `line_total − discount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineQuote {
    pub variant_id: VariantId,
    pub unit_price: Money,
    pub quantity: i64,
    pub line_total: Money,
    pub discount: Money,
    pub tax: Money,
}

/// The breakdown every total in Merx shows.
/// `grand_total = subtotal − discount_total + tax_total + shipping_total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub currency: Currency,
    pub lines: Vec<LineQuote>,
    pub subtotal: Money,
    pub discount_total: Money,
    /// Line taxes plus `shipping_tax`.
    pub tax_total: Money,
    pub shipping_tax: Money,
    pub shipping_total: Money,
    pub grand_total: Money,
    /// A tax the destination charges was waived for a business buyer's tax id: the order
    /// records the id and is flagged for review (spec §17).
    pub tax_exempt: bool,
}

/// Prices the lines. Pure: the same input always gives the same quote, whatever the order of
/// the lines (ties in the discount split are broken by variant id).
///
/// # Errors
/// [`PricingError::CurrencyMismatch`] when a line is priced in another currency;
/// [`PricingError::InvalidQuantity`] for a quantity below 1 or a negative price or weight;
/// [`PricingError::Overflow`] when a total does not fit in i64.
pub fn quote(input: &QuoteInput<'_>) -> Result<Quote, PricingError> {
    let currency = input.currency;
    let mut totals = Vec::with_capacity(input.lines.len());
    let mut subtotal: i64 = 0;
    let mut weight: i64 = 0;
    for line in input.lines {
        if line.unit_price.currency() != currency {
            return Err(PricingError::CurrencyMismatch {
                expected: currency,
                found: line.unit_price.currency(),
            });
        }
        if line.quantity < 1 || line.unit_price.is_negative() || line.weight_grams < 0 {
            return Err(PricingError::InvalidQuantity);
        }
        let total = line
            .unit_price
            .amount()
            .checked_mul(line.quantity)
            .ok_or(PricingError::Overflow)?;
        subtotal = subtotal.checked_add(total).ok_or(PricingError::Overflow)?;
        weight = line
            .weight_grams
            .checked_mul(line.quantity)
            .and_then(|w| w.checked_add(weight))
            .ok_or(PricingError::Overflow)?;
        totals.push(total);
    }

    let discount_total = input.discount.map_or(0, |d| d.amount_off(subtotal));
    let shares = split(discount_total, &totals, input.lines);
    let goods_value = subtotal - discount_total;

    let tax_exempt = input
        .tax
        .is_some_and(|t| input.business_tax_id && t.business_exemption);
    let tax_rate = input.tax.filter(|_| !tax_exempt);
    let mut lines = Vec::with_capacity(input.lines.len());
    let mut line_tax_total: i64 = 0;
    for ((line, total), share) in input.lines.iter().zip(&totals).zip(&shares) {
        let tax = tax_rate.map_or(0, |t| t.rate.of(total - share));
        line_tax_total = line_tax_total
            .checked_add(tax)
            .ok_or(PricingError::Overflow)?;
        lines.push(LineQuote {
            variant_id: line.variant_id,
            unit_price: line.unit_price,
            quantity: line.quantity,
            line_total: Money::new(*total, currency),
            discount: Money::new(*share, currency),
            tax: Money::new(tax, currency),
        });
    }

    let shipping_total = match input.shipping {
        Some((method, rate)) => method.price(rate, goods_value, weight)?,
        None => 0,
    };
    let shipping_tax = tax_rate
        .filter(|t| t.tax_shipping)
        .map_or(0, |t| t.rate.of(shipping_total));
    let tax_total = line_tax_total
        .checked_add(shipping_tax)
        .ok_or(PricingError::Overflow)?;
    let grand_total = goods_value
        .checked_add(tax_total)
        .and_then(|t| t.checked_add(shipping_total))
        .ok_or(PricingError::Overflow)?;
    let money = |amount| Money::new(amount, currency);
    Ok(Quote {
        currency,
        lines,
        subtotal: money(subtotal),
        discount_total: money(discount_total),
        tax_total: money(tax_total),
        shipping_tax: money(shipping_tax),
        shipping_total: money(shipping_total),
        grand_total: money(grand_total),
        tax_exempt,
    })
}

/// Spreads `amount` (≤ the sum of `totals`) over the lines in proportion to their totals,
/// by largest remainder: the shares sum to `amount` exactly and none exceeds its line.
fn split(amount: i64, totals: &[i64], lines: &[QuoteLine]) -> Vec<i64> {
    let sum: i128 = totals.iter().map(|t| i128::from(*t)).sum();
    if amount == 0 || sum == 0 {
        return vec![0; totals.len()];
    }
    let amount = i128::from(amount);
    let mut shares: Vec<i64> = Vec::with_capacity(totals.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(totals.len());
    for (i, total) in totals.iter().enumerate() {
        let exact = amount * i128::from(*total);
        shares.push(i64::try_from(exact / sum).unwrap_or(i64::MAX));
        remainders.push((exact % sum, i));
    }
    let given: i128 = shares.iter().map(|s| i128::from(*s)).sum();
    let left = usize::try_from(amount - given).unwrap_or(0);
    let key = |i: usize| {
        let l = &lines[i];
        (l.variant_id, l.unit_price.amount(), l.quantity)
    };
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| key(a.1).cmp(&key(b.1))));
    for (_, i) in remainders.into_iter().take(left) {
        shares[i] += 1;
    }
    shares
}
