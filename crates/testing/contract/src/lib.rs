//! Contract suites: what every adapter of a port must do, written once against the port
//! traits. Each adapter's test crate runs every suite through [`identity_contract_tests!`],
//! so the in-memory and Postgres stores are held to the same behaviour.

pub mod carts;
pub mod catalog;
pub mod checkout;
pub mod identity;
pub mod outbox;
pub mod pricing;
pub mod reviews;

/// Generates one `#[tokio::test]` per identity contract. `$repos` is an async expression
/// that builds a fresh [`identity::IdentityRepos`] for each test.
#[macro_export]
macro_rules! identity_contract_tests {
    ($repos:expr) => {
        $crate::identity_contract_tests!(@each $repos;
            users_are_found_by_id_and_by_email,
            a_second_user_with_the_same_email_is_refused,
            profile_updates_write_only_the_fields_given,
            password_verification_and_promotion_touch_only_their_own_columns,
            writes_to_an_unknown_user_report_that_it_is_missing,
            a_refresh_token_rotates_once,
            a_rotation_racing_a_revocation_never_leaves_a_live_token,
            revoking_a_family_leaves_other_families_alone,
            revoking_all_of_a_users_tokens_spares_other_users,
            a_one_time_token_is_consumed_once_and_only_for_its_purpose,
            api_keys_are_found_by_hash_listed_newest_first_and_revoked_once,
            saving_a_default_address_unsets_the_previous_default_of_that_kind,
            addresses_are_scoped_to_their_user,
            deleting_an_address_removes_it,
            updating_a_missing_address_reports_false_and_creates_nothing,
            making_an_address_default_moves_only_the_flag,
        );
    };
    (@each $repos:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                let repos = $repos.await;
                $crate::identity::$name(&repos).await;
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per catalog and stock contract. `$repos` is an async
/// expression that builds a fresh [`catalog::CatalogRepos`] for each test.
#[macro_export]
macro_rules! catalog_contract_tests {
    ($repos:expr) => {
        $crate::catalog_contract_tests!(@each $repos;
            a_product_is_stored_whole_with_its_stock,
            a_clashing_slug_or_sku_stores_nothing,
            an_update_replaces_the_variant_list,
            lists_filter_on_stock_price_and_text,
            concurrent_adjustments_lose_nothing_and_never_go_below_zero,
            reservations_are_all_or_nothing_and_stop_counting_at_expiry,
            concurrent_reservations_never_hold_more_than_is_on_hand,
            the_in_stock_filter_agrees_with_the_stock_flags_under_reservations,
        );
    };
    (@each $repos:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                let repos = $repos.await;
                $crate::catalog::$name(&repos).await;
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per cart contract. `$repos` is an async expression that
/// builds a fresh [`carts::CartRepos`] for each test.
#[macro_export]
macro_rules! cart_contract_tests {
    ($repos:expr) => {
        $crate::cart_contract_tests!(@each $repos;
            carts_keep_lines_and_the_newest_unexpired_cart_is_current,
            concurrent_adds_to_one_line_lose_nothing_and_respect_the_maximum,
            adds_to_the_current_cart_make_it_once_and_keep_its_currency,
            lines_are_set_removed_cleared_merged_and_carts_reassigned,
        );
    };
    (@each $repos:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                let repos = $repos.await;
                $crate::carts::$name(&repos).await;
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per pricing contract. `$repos` is an async expression that
/// builds a fresh [`pricing::PricingRepos`] for each test.
#[macro_export]
macro_rules! pricing_contract_tests {
    ($repos:expr) => {
        $crate::pricing_contract_tests!(@each $repos;
            tax_rates_are_unique_per_zone_and_defaults_are_claimed_once,
            shipping_zones_are_stored_whole,
            discount_codes_are_unique_and_listed_newest_first,
            audit_entries_go_with_the_writes_that_take_effect,
            an_update_with_writes_what_the_edit_answers_or_nothing,
            concurrent_patches_of_different_fields_all_survive,
        );
    };
    (@each $repos:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                let repos = $repos.await;
                $crate::pricing::$name(&repos).await;
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per checkout, order and idempotency contract. `$repos` is an
/// async expression that builds a fresh [`checkout::CheckoutRepos`] for each test.
#[macro_export]
macro_rules! checkout_contract_tests {
    ($repos:expr) => {
        $crate::checkout_contract_tests!(@each $repos;
            placing_an_order_takes_stock_counts_the_discount_and_empties_the_cart,
            a_session_becomes_exactly_one_order_under_concurrent_placements,
            closed_and_expired_sessions_place_nothing_and_expire_once,
            unpaid_orders_are_confirmed_or_cancelled_and_stock_follows,
            orders_list_by_customer_and_status_and_edits_never_overwrite,
            idempotency_keys_are_claimed_once_replayed_and_expire,
            an_edited_usage_limit_applies_to_the_next_order,
            concurrent_refunds_never_exceed_what_was_captured,
            a_provider_event_takes_effect_once_and_a_refused_one_is_not_recorded,
            expiry_failure_and_late_payment_take_effect_once,
        );
    };
    (@each $repos:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                let repos = $repos.await;
                $crate::checkout::$name(&repos).await;
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per outbox contract. `$repos` is an async expression that
/// builds a fresh [`outbox::OutboxRepos`] for each test.
#[macro_export]
macro_rules! outbox_contract_tests {
    ($repos:expr) => {
        $crate::outbox_contract_tests!(@each $repos;
            claims_lease_messages_so_workers_share_one_backlog,
            failures_back_off_then_die_and_a_retry_by_hand_revives,
        );
    };
    (@each $repos:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                let repos = $repos.await;
                $crate::outbox::$name(&repos).await;
            }
        )*
    };
}

/// Generates one `#[tokio::test]` per review contract. `$repos` is an async expression that
/// builds a fresh [`reviews::ReviewRepos`] for each test.
#[macro_export]
macro_rules! review_contract_tests {
    ($repos:expr) => {
        $crate::review_contract_tests!(@each $repos;
            a_review_is_stored_once_per_author_and_product,
            writes_apply_only_over_the_version_they_read,
            concurrent_writes_of_different_reviews_all_count,
            a_product_edit_keeps_its_rating_counts,
            lists_filter_sort_and_page,
            products_filter_and_sort_by_their_mean_rating,
        );
    };
    (@each $repos:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                let repos = $repos.await;
                $crate::reviews::$name(&repos).await;
            }
        )*
    };
}
