use serde::Deserialize;

use crate::{ShippingZoneInput, TaxRateInput};

/// The shipped tax rates and shipping zones (the repository's `config/pricing-defaults.toml`),
/// installed once into a fresh store so it quotes sensibly from the first request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PricingDefaults {
    #[serde(default)]
    pub tax_rates: Vec<TaxRateInput>,
    #[serde(default)]
    pub shipping_zones: Vec<ShippingZoneInput>,
}
