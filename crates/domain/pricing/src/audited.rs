//! How tax rates, shipping zones and discount codes read in the audit log: the fields an
//! admin sends (the input shape), so an entry's `changes` name what an admin changed.

use merx_kernel::audit::{Changes, Target};
use serde_json::Value;

use crate::{Discount, DiscountInput, ShippingZone, ShippingZoneInput, TaxRate, TaxRateInput};

/// What pricing records the audit log tells apart.
pub(crate) trait Audited {
    const TARGET: &'static str;
    fn id(&self) -> String;
    fn fields(&self) -> Value;

    fn target(&self) -> Target {
        Target::new(Self::TARGET, self.id())
    }
}

impl Audited for TaxRate {
    const TARGET: &'static str = "tax_rate";
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn fields(&self) -> Value {
        serde_json::to_value(TaxRateInput::from(self)).unwrap_or(Value::Null)
    }
}

impl Audited for ShippingZone {
    const TARGET: &'static str = "shipping_zone";
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn fields(&self) -> Value {
        serde_json::to_value(ShippingZoneInput::from(self)).unwrap_or(Value::Null)
    }
}

impl Audited for Discount {
    const TARGET: &'static str = "discount";
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn fields(&self) -> Value {
        serde_json::to_value(DiscountInput::from(self)).unwrap_or(Value::Null)
    }
}

/// The changes from `before` to `after` (either absent for a create or a delete).
pub(crate) fn changes<T: Audited>(before: Option<&T>, after: Option<&T>) -> Changes {
    let fields = |v: Option<&T>| v.map_or(Value::Null, Audited::fields);
    Changes::between(&fields(before), &fields(after))
}
