//! `rollcall admin grant|revoke|list`: who may read the admin pages (the audit log).
//!
//! Admin rights are an operator's action on the server, never something a visitor can reach:
//! a sign-up form accepts any email unverified, so an email on its own proves nothing. The
//! account must already log in with that email and a password.

use anyhow::Context;

use crate::cli::{AdminAction, AdminArgs};

/// Applies the action and prints what is now true.
pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let url = crate::app::redact(&args.database_url);
    let store = rollcall_store::open(&args.database_url)
        .await
        .with_context(|| format!("cannot open the database {url}"))?;
    let now = rollcall_core::Clock::now(&rollcall_core::SystemClock);
    let (email, admin) = match &args.action {
        AdminAction::Grant { email } => (email, true),
        AdminAction::Revoke { email } => (email, false),
        AdminAction::List => {
            let admins = store.admins().await?;
            let mut out = String::new();
            if admins.is_empty() {
                out.push_str(
                    "Nobody may read the admin pages. Grant it with `rollcall admin grant EMAIL`.\n",
                );
            }
            for user in admins {
                let email = user.login_email.unwrap_or_default();
                out += &format!("{email}\t{} {}\n", user.first_name, user.last_name);
            }
            print(&out);
            return Ok(());
        }
    };
    let email = rollcall_web::LoginEmail::parse(email)
        .map_err(|why| anyhow::anyhow!("{email:?} is not an email address: {why}"))?;
    let user = match store.set_admin(email.as_str(), admin, now).await {
        Err(rollcall_store::StoreError::NotFound(_)) => anyhow::bail!(
            "no account logs in with {email}: sign up with that email and a password first (or add a \
             password to a Clever account on its profile), then grant it"
        ),
        other => other?,
    };
    let name = format!("{} {}", user.first_name, user.last_name);
    print(&if admin {
        format!("{email} ({name}) may now read the admin pages.\n")
    } else {
        format!("{email} ({name}) may no longer read the admin pages.\n")
    });
    Ok(())
}

/// Ignores write errors: a closed stdout must not fail the command.
fn print(text: &str) {
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
}
