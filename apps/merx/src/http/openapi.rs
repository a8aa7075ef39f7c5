//! The OpenAPI document served at `/api/openapi.json` (Swagger UI at `/api/docs`, ReDoc at
//! `/api/redoc`). Every route is listed here; a test checks the document against the router.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http::routes::{
    addresses, api_keys, audit_log, auth, carts, checkout_quotes, checkout_sessions, customers,
    inventory, ops, orders, outbox, payment_intents, pricing_admin, privacy, products, reports,
    reservations, reviews, toss_payments, webhooks, woocommerce,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Merx API", description = "Open-source e-commerce backend. Money is integer minor units with an ISO 4217 currency."),
    paths(
        ops::health, ops::ready, ops::metrics,
        auth::register, auth::login, auth::refresh, auth::logout, auth::me,
        auth::password_reset_request, auth::password_reset_confirm,
        auth::verify_email_request, auth::verify_email_confirm,
        addresses::list, addresses::create, addresses::update, addresses::remove,
        customers::create, customers::list, customers::get, customers::update,
        privacy::mine, privacy::customer,
        api_keys::list, api_keys::create, api_keys::revoke, audit_log::list,
        products::list, products::search, products::get, products::get_by_slug,
        products::create, products::update, products::remove,
        products::add_variant, products::update_variant, products::remove_variant,
        reviews::create, reviews::list_for_product, reviews::update, reviews::remove,
        reviews::admin_list,
        reports::sales, reports::funnel, reports::top_products, reports::low_stock,
        inventory::get, inventory::update, reservations::reserve, reservations::release,
        carts::create, carts::get, carts::clear, carts::add_item, carts::update_item,
        carts::remove_item, carts::remove_discount,
        carts::current, carts::clear_current, carts::add_current_item,
        carts::update_current_item, carts::remove_current_item,
        checkout_quotes::shipping_methods, checkout_quotes::shipping_cost, checkout_quotes::tax,
        checkout_quotes::apply_discount,
        checkout_sessions::create, checkout_sessions::get, checkout_sessions::release,
        checkout_sessions::confirm, payment_intents::create, webhooks::stripe,
        webhooks::tosspayments, toss_payments::confirm, webhooks::woocommerce,
        woocommerce::sync_products, woocommerce::sync_inventory, woocommerce::push_order,
        outbox::list, outbox::retry,
        orders::create, orders::list, orders::get, orders::update, orders::cancel, orders::pay,
        orders::refund, orders::refunds,
        pricing_admin::list_discounts, pricing_admin::create_discount, pricing_admin::get_discount,
        pricing_admin::update_discount, pricing_admin::delete_discount,
        pricing_admin::list_tax_rates, pricing_admin::create_tax_rate, pricing_admin::get_tax_rate,
        pricing_admin::update_tax_rate, pricing_admin::delete_tax_rate,
        pricing_admin::list_zones, pricing_admin::create_zone, pricing_admin::get_zone,
        pricing_admin::update_zone, pricing_admin::delete_zone,
    ),
    components(schemas(crate::http::error::ErrorBody)),
    modifiers(&SecuritySchemes, &RateLimited, &CommonRefusals),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "addresses", description = "The signed-in user's address book"),
        (name = "customers", description = "Customer profiles"),
        (name = "admin", description = "Administration"),
        (name = "catalog", description = "Products and variants"),
        (name = "reviews", description = "Product reviews and ratings"),
        (name = "inventory", description = "Stock levels"),
        (name = "carts", description = "Guest and user carts, by id and the current cart"),
        (name = "checkout", description = "Calculators, and checkout sessions that lock prices and hold stock"),
        (name = "orders", description = "Orders: placing, paying, reading, editing, cancelling"),
        (name = "payments", description = "Provider webhooks and confirms"),
        (name = "admin-pricing", description = "Discount codes, tax rates and shipping zones"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "woocommerce", description = "Product, stock and order sync with WooCommerce"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}

/// Every operation may be refused by a rate limit (spec §14): 429 `rate_limit_exceeded`.
struct RateLimited;

impl Modify for RateLimited {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let answer = error_answer(
            "rate_limit_exceeded (`retry_after` seconds, also in `Retry-After`; \
             `X-RateLimit-Limit/-Remaining/-Reset` on every limited answer)",
        );
        for_each_operation(openapi, |_, op| {
            op.responses
                .responses
                .entry("429".into())
                .or_insert_with(|| answer.clone());
        });
    }
}

/// Calls `f` with every operation of the document, and whether its path has parameters.
fn for_each_operation(
    openapi: &mut utoipa::openapi::OpenApi,
    mut f: impl FnMut(bool, &mut utoipa::openapi::path::Operation),
) {
    for item in openapi.paths.paths.values_mut() {
        let path_params = item.parameters.as_ref().is_some_and(|p| !p.is_empty());
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            f(path_params, op);
        }
    }
}

/// An error answer in the spec's body (§1).
fn error_answer(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    utoipa::openapi::ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// The refusals an operation can answer by its shape, whatever it does: with a body, 400
/// `bad_request` (malformed JSON), 415 `unsupported_media_type` and 422 `validation_error`;
/// with parameters (a path id that is no id, a page out of range), 422; where it takes
/// credentials, 401 `authentication_required` for bad ones. Listed here once so every
/// operation's statuses are exact without repeating them on each route.
struct CommonRefusals;

impl Modify for CommonRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for_each_operation(openapi, |path_params, op| {
            let body = op.request_body.is_some();
            let params = path_params || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let answers = &mut op.responses.responses;
            let mut add = |status: &str, description: &str| {
                answers
                    .entry(status.into())
                    .or_insert_with(|| error_answer(description));
            };
            if body {
                add("400", "bad_request: the body is not JSON");
                add("415", "unsupported_media_type: a body that is not JSON");
            }
            if body || params {
                add("422", "validation_error: fields or parameters out of range");
            }
            if secured {
                add(
                    "401",
                    "authentication_required: missing, bad or expired credentials",
                );
            }
        });
    }
}
