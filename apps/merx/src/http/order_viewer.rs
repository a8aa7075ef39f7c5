//! Who reads an order: a customer, an admin, or a guest with the order's `?token=`.

use actix_web::HttpRequest;
use merx_identity::hash_secret;
use merx_orders::OrderViewer;
use serde::Deserialize;

use crate::http::error::ApiError;
use crate::http::extract::MaybeCaller;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// A guest's order token.
    pub token: Option<String>,
}

pub fn viewer(caller: &MaybeCaller, token: Option<&str>) -> OrderViewer {
    OrderViewer {
        user: caller
            .0
            .as_ref()
            .and_then(merx_identity::Principal::user_id),
        is_admin: caller.is_admin(),
        token_hash: token.map(|t| hash_secret(t).as_str().to_owned()),
    }
}

pub fn token_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let q: TokenQuery = crate::http::extract::query(req.query_string())?;
    Ok(q.token)
}
