//! Outgoing mail: SMTP when `GROUNDWORK_SMTP_URL` is set, otherwise `.eml` files in the data
//! directory's outbox (logged), so a developer, or a test, can follow the links.

use std::path::PathBuf;

use anyhow::Context;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

use crate::config::Config;

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    delivery: Delivery,
}

#[derive(Clone)]
enum Delivery {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let delivery = match &self.delivery {
            Delivery::Smtp(_) => "smtp".to_owned(),
            Delivery::Outbox(dir) => format!("outbox {}", dir.display()),
        };
        f.debug_struct("Mailer")
            .field("delivery", &delivery)
            .finish()
    }
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config.mail_from.parse().with_context(|| {
            format!(
                "GROUNDWORK_MAIL_FROM is not an address: {}",
                config.mail_from
            )
        })?;
        let delivery = match &config.smtp_url {
            Some(url) => Delivery::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("GROUNDWORK_SMTP_URL is not a valid SMTP URL")?
                    .build(),
            ),
            None => Delivery::Outbox(config.outbox_dir()),
        };
        Ok(Self { from, delivery })
    }

    /// Sends a plain-text mail.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse().context("recipient address")?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        match &self.delivery {
            Delivery::Smtp(transport) => {
                transport
                    .send(message)
                    .await
                    .context("SMTP delivery failed")?;
                tracing::info!(subject, "mail sent");
            }
            Delivery::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let name = uuid::Uuid::now_v7();
                let path = dir.join(format!("{name}.eml"));
                // Written aside and renamed, so whoever reads the outbox never sees half a mail.
                let partial = dir.join(format!(".{name}.partial"));
                tokio::fs::write(&partial, message.formatted()).await?;
                tokio::fs::rename(&partial, &path).await?;
                tracing::info!(subject, path = %path.display(), "mail written to the outbox (no SMTP configured)");
            }
        }
        Ok(())
    }
}
