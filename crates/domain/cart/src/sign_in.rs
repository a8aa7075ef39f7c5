//! Signing in with a guest cart (spec §2): a login that carries the guest's `X-Session-ID`
//! takes that session's cart along into the user's.

use merx_identity::{AuthService, IdentityError, TokenPair};

use crate::{CartError, CartService};

/// A sign-in, and what became of the guest cart it carried.
#[derive(Debug)]
pub struct SignedIn {
    pub tokens: TokenPair,
    /// A merge that failed: the sign-in stands and the guest cart stays as it was (the caller
    /// logs it).
    pub cart_not_merged: Option<CartError>,
}

/// Checks the credentials, then merges `guest_session`'s cart into the user's
/// ([`CartService::merge_guest_cart`]). Only the credentials can fail a sign-in.
///
/// # Errors
/// As [`AuthService::login`].
pub async fn sign_in(
    auth: &AuthService,
    carts: &CartService,
    email: &str,
    password: &str,
    guest_session: Option<&str>,
) -> Result<SignedIn, IdentityError> {
    let tokens = auth.login(email, password).await?;
    let cart_not_merged = match guest_session {
        Some(session) => carts.merge_guest_cart(session, tokens.user.id).await.err(),
        None => None,
    };
    Ok(SignedIn {
        tokens,
        cart_not_merged,
    })
}
