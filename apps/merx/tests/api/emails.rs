//! Spec §13 customer emails over HTTP: each written to the outbox with its cause and sent
//! through SMTP (a local sink started by the test) exactly once, also when the sink refuses
//! the first tries.

use std::time::Duration;

use merx_fakes::smtp_sink::{ReceivedMail, SmtpSink};
use reqwest::Method;
use serde_json::json;

use crate::both_stores;
use crate::carts::product;
use crate::checkout::cash_order;
use crate::helpers::{Store, json_of, spawn_app_with};

both_stores!(a_confirmation_and_a_shipping_mail_each_reach_smtp_once);

/// Waits until the sink holds `n` mails (or ten seconds pass); answers what it holds.
async fn mails(sink: &SmtpSink, n: usize) -> Vec<ReceivedMail> {
    for _ in 0..200 {
        if sink.mails().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sink.mails()
}

async fn a_confirmation_and_a_shipping_mail_each_reach_smtp_once(store: Store) {
    // The sink refuses the first two tries: the confirmation waits and comes back.
    let sink = SmtpSink::start(2).await;
    let app = spawn_app_with(store, |c| {
        c.smtp_url = Some(sink.url());
        c.mail_from = "Shop <shop@merx.test>".into();
        c.outbox_interval_ms = 20;
        c.outbox_retry_base_ms = 50;
    })
    .await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "MAIL-1", "USD", 17_249, 5).await;
    let order = &cash_order(&app, "sess-mail-001", &vid, 2).await;
    let number = order["order_number"].as_str().unwrap();

    let got = mails(&sink, 1).await;
    assert_eq!(got.len(), 1, "one confirmation: {got:?}");
    assert_eq!(sink.refused(), 2, "refused twice before it was taken");
    let mail = &got[0];
    assert_eq!(mail.to, ["buyer@example.com"]);
    assert_eq!(mail.from, "shop@merx.test");
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some(format!("Your order {number} is confirmed").as_str())
    );
    assert!(
        mail.header("Content-Type")
            .is_some_and(|c| c.starts_with("multipart/alternative")),
        "plain text and HTML: {}",
        mail.data
    );
    assert!(mail.data.contains("text/html"), "{}", mail.data);
    let total = order["total"].as_i64().unwrap();
    let shown = format!("${}.{:02}", total / 100, total % 100);
    assert!(mail.data.contains(&shown), "total {shown} in {}", mail.data);
    let message_id = mail.header("Message-ID").expect("a Message-ID");

    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    for edit in [
        json!({"status": "processing"}),
        json!({"status": "shipped", "tracking_number": "1Z-MERX-42"}),
    ] {
        json_of(
            app.send(Method::PATCH, &path, &edit, Some(&admin)).await,
            200,
        )
        .await;
    }
    let got = mails(&sink, 2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    let shipped = &got[1];
    assert_eq!(
        shipped.header("Subject").as_deref(),
        Some(format!("Your order {number} has shipped").as_str())
    );
    assert!(shipped.data.contains("1Z-MERX-42"));
    assert_ne!(shipped.header("Message-ID"), Some(message_id));

    // Passes keep running: nothing is sent twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), 2, "each mail once");
}
