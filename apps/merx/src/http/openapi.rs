//! The OpenAPI document served at `/api/openapi.json` (Swagger UI at `/api/docs`, ReDoc at
//! `/api/redoc`). Every route is listed here; a test checks the document against the router.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http::routes::{addresses, api_keys, auth, customers, inventory, ops, products};

#[derive(OpenApi)]
#[openapi(
    info(title = "Merx API", description = "Open-source e-commerce backend. Money is integer minor units with an ISO 4217 currency."),
    paths(
        ops::health, ops::ready, ops::metrics,
        auth::register, auth::login, auth::refresh, auth::logout, auth::me,
        auth::password_reset_request, auth::password_reset_confirm,
        auth::verify_email_request, auth::verify_email_confirm,
        addresses::list, addresses::create, addresses::update, addresses::remove,
        customers::get, customers::update,
        api_keys::list, api_keys::create, api_keys::revoke,
        products::list, products::search, products::get, products::get_by_slug,
        products::create, products::update, products::remove,
        products::add_variant, products::update_variant, products::remove_variant,
        inventory::get, inventory::update,
    ),
    components(schemas(crate::http::error::ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "addresses", description = "The signed-in user's address book"),
        (name = "customers", description = "Customer profiles"),
        (name = "admin", description = "Administration"),
        (name = "catalog", description = "Products and variants"),
        (name = "inventory", description = "Stock levels"),
        (name = "operations", description = "Health, readiness and metrics"),
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
