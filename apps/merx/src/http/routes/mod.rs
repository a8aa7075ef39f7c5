pub mod addresses;
pub mod api_keys;
pub mod audit_log;
pub mod auth;
pub mod carts;
pub mod checkout_quotes;
pub mod checkout_sessions;
pub mod customers;
pub mod inventory;
pub mod ops;
pub mod orders;
pub mod outbox;
pub mod payment_intents;
pub mod pricing_admin;
pub mod privacy;
pub mod products;
pub mod reports;
pub mod reservations;
pub mod reviews;
pub mod toss_payments;
pub mod webhooks;
pub mod woocommerce;

#[cfg(test)]
mod tests {
    /// Routes share bodies through `http::bodies`, never through each other.
    #[test]
    fn no_route_module_imports_another() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/routes");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).expect("routes dir") {
            let path = entry.expect("entry").path();
            if path.file_name().is_some_and(|n| n == "mod.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("route source");
            assert!(
                !text.contains("routes::"),
                "{} reaches into another route module",
                path.display()
            );
            checked += 1;
        }
        assert!(checked >= 10, "found the route modules");
    }
}
