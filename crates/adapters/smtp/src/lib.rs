//! Merx's [`Mailer`] over SMTP (spec §13): `SMTP_URL` in the form lettre reads
//! (`smtp://host:2525` plain for a local relay, `smtp://user:pass@host:587?tls=required`
//! STARTTLS, `smtps://user:pass@host:465` implicit TLS), from `MERX_MAIL_FROM`.
//!
//! A mail with a `key` (an outbox message's) carries a `Message-ID` derived from it, so a copy
//! resent after a crash between sending and bookkeeping is the same message to mail clients.

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, header::MessageId};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use merx_identity::{Mailer, OutgoingEmail};
use merx_kernel::StoreError;
use sha2::{Digest, Sha256};

/// Sends mail through one SMTP relay.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// Call inside a Tokio runtime (the connection pool runs on it).
    ///
    /// # Errors
    /// A malformed `url` or `from` address.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("MERX_MAIL_FROM: {e}"))?;
        Ok(Self { transport, from })
    }

    fn message(&self, email: &OutgoingEmail) -> Result<Message, String> {
        let to = email
            .to
            .as_str()
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient: {e}"))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone());
        if let Some(key) = &email.key {
            builder = builder.header(MessageId::from(message_id(key, &self.from)));
        }
        let built = match &email.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                email.body.clone(),
                html.clone(),
            )),
            None => builder.body(email.body.clone()),
        };
        built.map_err(|e| format!("mail: {e}"))
    }
}

/// `<hex(sha256(key))@domain-of-from>`: stable per key, no personal data in the header.
fn message_id(key: &str, from: &Mailbox) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@{}>", from.email.domain())
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), StoreError> {
        let message = self.message(email).map_err(StoreError::Unavailable)?;
        self.transport
            .send(message)
            .await
            .map_err(|e| StoreError::Unavailable(format!("smtp: {e}")))?;
        tracing::info!(to = %email.to, subject = %email.subject, "email sent (smtp)");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_is_one_message_id() {
        let from: Mailbox = "Shop <shop@example.test>".parse().unwrap();
        let a = message_id("order:1:confirmed", &from);
        assert_eq!(a, message_id("order:1:confirmed", &from));
        assert_ne!(a, message_id("order:2:confirmed", &from));
        assert!(a.ends_with("@example.test>"), "{a}");
    }

    #[tokio::test]
    async fn urls_of_the_three_forms_are_read_and_a_bad_one_refused() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:pass@mail.example.test:587?tls=required",
            "smtps://user:pass@mail.example.test:465",
        ] {
            assert!(SmtpMailer::new(url, "shop@example.test").is_ok(), "{url}");
        }
        assert!(SmtpMailer::new("http://nope", "shop@example.test").is_err());
        assert!(SmtpMailer::new("smtp://127.0.0.1:2525", "not an address").is_err());
    }
}
