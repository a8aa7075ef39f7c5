//! Direct reservations for integrators (spec §16): `POST /inventory/reserve`,
//! `DELETE /inventory/reservations/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, post, web};
use merx_cart::CartId;
use merx_checkout::ReservationAsk;
use merx_inventory::ReservationLine;
use merx_kernel::VariantId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::cart_caller::CartActor;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{parse_json, path_id};
use crate::http::idempotency::{Answer, once};
use crate::state::AppState;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReservationItem {
    pub variant_id: uuid::Uuid,
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReserveRequest {
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<ReservationItem>,
    /// The cart this reservation is for: its checkout session takes it over. Its owner may
    /// reserve; without a cart only admins and API keys.
    pub cart_id: Option<uuid::Uuid>,
    /// 1 to 60 (default 15).
    #[schema(minimum = 1, maximum = 60)]
    pub reservation_minutes: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationBody {
    /// For a cart's reservation, the cart's id (one per cart: a new one replaces it).
    pub reservation_id: uuid::Uuid,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub items: Vec<ReservationItem>,
}

/// Holds every line for a while, or nothing (409 `insufficient_inventory` lists each short
/// line).
#[utoipa::path(post, path = "/api/v1/inventory/reserve", tag = "inventory",
    request_body = ReserveRequest, params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = ReservationBody),
              (status = 403, description = "forbidden (no cart, and not an admin or API key)", body = ErrorBody),
              (status = 404, description = "cart_not_found", body = ErrorBody),
              (status = 409, description = "insufficient_inventory", body = ErrorBody),
              (status = 422, description = "validation_error", body = ErrorBody)))]
#[post("/inventory/reserve")]
pub async fn reserve(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: CartActor,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    once(&state, &req, &body, &actor.0, None, || async {
        let r: ReserveRequest = parse_json(&body)?;
        let ask = ReservationAsk {
            items: r
                .items
                .iter()
                .map(|i| ReservationLine {
                    variant_id: VariantId::from_uuid(i.variant_id),
                    quantity: i.quantity,
                })
                .collect(),
            cart: r.cart_id.map(CartId::from_uuid),
            minutes: r.reservation_minutes,
        };
        let made = state.checkout.reserve_directly(ask, &actor.0).await?;
        Answer::new(
            StatusCode::CREATED,
            &ReservationBody {
                reservation_id: made.id,
                expires_at: made.expires_at,
                items: made
                    .items
                    .iter()
                    .map(|l| ReservationItem {
                        variant_id: *l.variant_id.as_uuid(),
                        quantity: l.quantity,
                    })
                    .collect(),
            },
        )
    })
    .await
}

/// Releases a direct reservation (an admin's any; a cart owner's their cart's).
#[utoipa::path(delete, path = "/api/v1/inventory/reservations/{id}", tag = "inventory",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, description = "reservation_not_found", body = ErrorBody)))]
#[delete("/inventory/reservations/{id}")]
pub async fn release(
    state: web::Data<AppState>,
    actor: CartActor,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: uuid::Uuid = path_id(&id, "id")?;
    state.checkout.release_directly(id, &actor.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
