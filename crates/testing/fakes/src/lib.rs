//! Local fakes of the providers Merx talks to, for tests without the internet. Each follows
//! ../shared/docs/providers.md: its wire format, its error bodies, its idempotency. Also the
//! TCP proxy fault tests cut in front of a service.

pub mod smtp_sink;
pub mod stripe;
pub mod tcp_proxy;
pub mod toss;
pub mod woocommerce;

/// A local server answering every request with `handler`.
async fn serve(handler: impl wiremock::Respond + 'static) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(handler)
        .mount(&server)
        .await;
    server
}
