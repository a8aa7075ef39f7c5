//! The HTTP adapter: routes, extractors, error mapping, middleware and the OpenAPI document.
//! Handlers translate between JSON and domain calls; no business rule lives here.

pub mod bodies;
pub mod cache;
pub mod cart_caller;
mod commerce_errors;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod middleware;
pub mod openapi;
pub mod order_viewer;
pub mod page;
pub mod patch;
pub mod rate_limit;
pub mod routes;

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;
use utoipa_redoc::Redoc;
use utoipa_swagger_ui::SwaggerUi;

use crate::http::error::ApiError;

/// Every route of the API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use routes::{
        addresses, api_keys, audit_log, auth, carts, checkout_quotes, checkout_sessions, customers,
        inventory, ops, orders, outbox, payment_intents, pricing_admin, privacy, products, reports,
        reservations, reviews, toss_payments, webhooks, woocommerce,
    };
    for prefix in ["", "/api/v1"] {
        cfg.route(&format!("{prefix}/health"), web::get().to(ops::health))
            .route(&format!("{prefix}/ready"), web::get().to(ops::ready))
            .route(&format!("{prefix}/metrics"), web::get().to(ops::metrics));
    }
    cfg.service(
        web::scope("/api/v1")
            .service(auth::register)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(auth::me)
            .service(auth::password_reset_request)
            .service(auth::password_reset_confirm)
            .service(auth::verify_email_request)
            .service(auth::verify_email_confirm)
            .service(addresses::list)
            .service(addresses::create)
            .service(addresses::update)
            .service(addresses::remove)
            .service(privacy::mine)
            .service(privacy::customer)
            .service(customers::create)
            .service(customers::list)
            .service(customers::get)
            .service(customers::update)
            .service(api_keys::list)
            .service(api_keys::create)
            .service(api_keys::revoke)
            .service(audit_log::list)
            // Fixed paths before `/products/{id}`: actix matches in registration order.
            .service(products::search)
            .service(products::get_by_slug)
            .service(products::list)
            .service(products::create)
            .service(products::get)
            .service(products::update)
            .service(products::remove)
            .service(products::add_variant)
            .service(products::update_variant)
            .service(products::remove_variant)
            .service(reviews::create)
            .service(reviews::list_for_product)
            .service(reviews::update)
            .service(reviews::remove)
            .service(reviews::admin_list)
            .service(reports::sales)
            .service(reports::funnel)
            .service(reports::top_products)
            .service(reports::low_stock)
            .service(reservations::reserve)
            .service(reservations::release)
            .service(inventory::get)
            .service(inventory::update)
            .service(carts::create)
            .service(carts::get)
            .service(carts::clear)
            .service(carts::add_item)
            .service(carts::update_item)
            .service(carts::remove_item)
            .service(carts::remove_discount)
            .service(carts::current)
            .service(carts::clear_current)
            .service(carts::add_current_item)
            .service(carts::update_current_item)
            .service(carts::remove_current_item)
            .service(checkout_quotes::shipping_methods)
            .service(checkout_quotes::shipping_cost)
            .service(checkout_quotes::tax)
            .service(checkout_quotes::apply_discount)
            .service(checkout_sessions::create)
            .service(checkout_sessions::get)
            .service(checkout_sessions::release)
            .service(checkout_sessions::confirm)
            .service(payment_intents::create)
            .service(webhooks::stripe)
            .service(webhooks::tosspayments)
            .service(webhooks::woocommerce)
            .service(woocommerce::sync_products)
            .service(woocommerce::sync_inventory)
            .service(woocommerce::push_order)
            .service(outbox::list)
            .service(outbox::retry)
            .service(toss_payments::confirm)
            .service(orders::create)
            .service(orders::list)
            .service(orders::get)
            .service(orders::update)
            .service(orders::cancel)
            .service(orders::pay)
            .service(orders::refund)
            .service(orders::refunds)
            .service(pricing_admin::list_discounts)
            .service(pricing_admin::create_discount)
            .service(pricing_admin::get_discount)
            .service(pricing_admin::update_discount)
            .service(pricing_admin::delete_discount)
            .service(pricing_admin::list_tax_rates)
            .service(pricing_admin::create_tax_rate)
            .service(pricing_admin::get_tax_rate)
            .service(pricing_admin::update_tax_rate)
            .service(pricing_admin::delete_tax_rate)
            .service(pricing_admin::list_zones)
            .service(pricing_admin::create_zone)
            .service(pricing_admin::get_zone)
            .service(pricing_admin::update_zone)
            .service(pricing_admin::delete_zone),
    );
    let doc = openapi::ApiDoc::openapi();
    // ReDoc's page is rendered once here; utoipa-redoc's own actix integration would pull in
    // actix-web's default compression features (brotli, zstd) for nothing.
    let redoc = Redoc::new(doc.clone()).to_html();
    cfg.route(
        "/api/redoc",
        web::get().to(move || {
            let page = redoc.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(page)
            }
        }),
    )
    .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", doc))
    .route(
        "/api/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/api/docs/"))
                .finish()
        }),
    );
}

/// The answer for any route that does not exist.
///
/// # Errors
/// Always: a JSON 404.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such route"))
}

/// Cross-origin access for the configured origins (`*` allows any). `None` when no origin is
/// configured: then the API is same-origin only and sends no CORS headers.
#[must_use]
pub fn cors(origins: &[String]) -> Option<Cors> {
    if origins.is_empty() {
        return None;
    }
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("x-session-id"),
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-api-key"),
        ])
        .expose_headers([
            "x-request-id",
            "x-session-id",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "retry-after",
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    Some(cors)
}
