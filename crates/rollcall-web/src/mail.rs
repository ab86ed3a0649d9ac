//! Mail Rollcall sends: links that prove a person owns an email address (see
//! [`crate::email_links`]).
//!
//! The operator chooses where mail goes ([`MailSettings`]): an SMTP server (`--smtp-url`), an
//! outbox kept in memory and shown at `/dev/outbox` (development and the demo, so nothing
//! leaves the machine and the links can be clicked), or nowhere (email sign-up is then off and
//! people sign in with Clever).
//!
//! Mail is sent in the background: the page a visitor sees never waits on the mail server, and
//! takes as long whether the address has an account or not. A failed delivery is logged.

use std::collections::VecDeque;
use std::sync::Arc;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use parking_lot::Mutex;
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

/// Where mail goes.
#[derive(Debug, Clone, Default)]
pub enum MailSettings {
    /// Nowhere: email sign-up and adding a password are off.
    #[default]
    Off,
    /// Kept in memory and shown at `/dev/outbox` (and in the log); development and the demo.
    Outbox,
    /// An SMTP server: `smtps://user:password@host:465`, or `smtp://host:587?tls=required`
    /// (STARTTLS); plain `smtp://host:25` only for a relay on the same machine.
    Smtp {
        /// The server's URL (it may carry a password, hence secret).
        url: SecretString,
        /// The sender, e.g. `Rollcall <noreply@school.org>`.
        from: String,
    },
}

/// One message: plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

impl Mail {
    /// The first link in the body (the outbox shows it as a link to click).
    pub fn link(&self) -> Option<&str> {
        self.body.split_whitespace().find(|word| word.starts_with("http://") || word.starts_with("https://"))
    }
}

/// A message kept in the outbox.
#[derive(Debug, Clone)]
pub struct Sent {
    /// When it was "sent".
    pub at: OffsetDateTime,
    /// The message.
    pub mail: Mail,
}

/// How many messages the outbox keeps (the oldest go first).
pub const OUTBOX_SIZE: usize = 200;

/// Sends [`Mail`] where the settings say. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    way: Way,
}

#[derive(Clone)]
enum Way {
    Off,
    Outbox(Arc<Mutex<VecDeque<Sent>>>),
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
}

/// Why mail settings are refused, for the operator.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailConfigError {
    /// The SMTP URL does not parse.
    #[error("the SMTP URL is not usable ({0}); write it like smtps://user:password@mail.example.org:465")]
    Url(String),
    /// The sender does not parse.
    #[error("the sender {0:?} is not an address; write it like \"Rollcall <noreply@school.org>\"")]
    From(String),
}

impl Mailer {
    /// A mailer for `settings`.
    pub fn new(settings: &MailSettings) -> Result<Self, MailConfigError> {
        let way = match settings {
            MailSettings::Off => Way::Off,
            MailSettings::Outbox => Way::Outbox(Arc::default()),
            MailSettings::Smtp { url, from } => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    // lettre's message names the part that is wrong, never the password.
                    .map_err(|e| MailConfigError::Url(e.to_string()))?
                    .build();
                let from = from.parse().map_err(|_| MailConfigError::From(from.clone()))?;
                Way::Smtp { transport, from }
            }
        };
        Ok(Self { way })
    }

    /// A mailer that sends nothing.
    pub fn off() -> Self {
        Self { way: Way::Off }
    }

    /// Whether mail goes anywhere (if not, nothing that needs a mailed link is offered).
    pub fn enabled(&self) -> bool {
        !matches!(self.way, Way::Off)
    }

    /// Sends `mail` in the background (into the outbox at once).
    pub fn send(&self, mail: Mail, now: OffsetDateTime) {
        match &self.way {
            Way::Off => tracing::warn!(subject = %mail.subject, "mail is off; a message was dropped"),
            Way::Outbox(outbox) => {
                tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.body, "mail kept in the outbox (/dev/outbox)");
                let mut outbox = outbox.lock();
                if outbox.len() == OUTBOX_SIZE {
                    outbox.pop_front();
                }
                outbox.push_back(Sent { at: now, mail });
            }
            Way::Smtp { transport, from } => {
                let (transport, from) = (transport.clone(), from.clone());
                tokio::spawn(async move {
                    let subject = mail.subject.clone();
                    match deliver(&transport, from, mail).await {
                        Ok(()) => tracing::info!(%subject, "mail sent"),
                        Err(error) => tracing::error!(%subject, %error, "mail could not be sent"),
                    }
                });
            }
        }
    }

    /// The outbox, newest first; `None` unless mail goes to the outbox.
    pub fn outbox(&self) -> Option<Vec<Sent>> {
        match &self.way {
            Way::Outbox(outbox) => Some(outbox.lock().iter().rev().cloned().collect()),
            _ => None,
        }
    }
}

async fn deliver(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    mail: Mail,
) -> Result<(), String> {
    let to: Mailbox = mail.to.parse().map_err(|e| format!("recipient: {e}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(mail.body)
        .map_err(|e| format!("message: {e}"))?;
    transport.send(message).await.map(drop).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // An SMTP transport starts its connection pool on the runtime, as `serve` runs it.
    #[tokio::test]
    async fn bad_settings_are_refused_with_what_to_write() {
        let bad_url =
            MailSettings::Smtp { url: "mail.example.org".to_owned().into(), from: "a@b.org".into() };
        let err = Mailer::new(&bad_url).err().unwrap();
        assert!(err.to_string().contains("smtps://"), "{err}");
        let bad_from =
            MailSettings::Smtp { url: "smtp://127.0.0.1:25".to_owned().into(), from: "nobody".into() };
        assert_eq!(Mailer::new(&bad_from).err(), Some(MailConfigError::From("nobody".into())));
        let secret = MailSettings::Smtp {
            url: "smtps://u:hunter2hunter2@h.org".to_owned().into(),
            from: "a@b.org".into(),
        };
        assert!(!format!("{secret:?}").contains("hunter2"), "the SMTP password never prints");
    }

    #[test]
    fn the_outbox_keeps_the_newest_messages_first_and_is_bounded() {
        let mailer = Mailer::new(&MailSettings::Outbox).unwrap();
        let now = OffsetDateTime::UNIX_EPOCH;
        for n in 0..OUTBOX_SIZE + 5 {
            let mail = Mail { to: "a@b.org".into(), subject: format!("#{n}"), body: String::new() };
            mailer.send(mail, now);
        }
        let outbox = mailer.outbox().unwrap();
        assert_eq!(outbox.len(), OUTBOX_SIZE);
        assert_eq!(outbox[0].mail.subject, format!("#{}", OUTBOX_SIZE + 4));
        assert!(Mailer::new(&MailSettings::Off).unwrap().outbox().is_none());
    }
}
