//! `rollcall demo`: one process, one command — the Clever emulator with the demo district and the
//! app on a SQLite file, wired to each other.

use anyhow::Context;
use clever_client::CleverConfig;
use clever_emulator::model::Role;
use clever_emulator::{Clock, Emulator, EmulatorConfig, Seed};
use rollcall_store::{AccountRole, Conflict, NewLocalAccount, StoreError};
use rollcall_web::WebConfig;

use crate::cli::DemoArgs;
use crate::listen::{Ports, bind};

const DEMO_CLIENT_ID: &str = "rollcall-demo";

/// Public on purpose: it seals the demo's stored tokens, so a restarted demo can still sync.
/// Never use it outside the demo.
const DEMO_TOKEN_KEY: [u8; 32] = *b"rollcall-demo-key-not-a-secret!!";

/// Starts both servers and prints how to use them.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let app_listener = bind(args.listen, Ports::Demo).await?;
    let public_url = format!("http://{}", app_listener.local_addr()?);
    let redirect_uri = format!("{public_url}{}", WebConfig::CALLBACK_PATH);

    let mut seed = Seed::demo();
    seed.set_redirect_uris(DEMO_CLIENT_ID, vec![redirect_uri.clone()]);
    let secret = seed
        .apps
        .iter()
        .find(|a| a.client_id == DEMO_CLIENT_ID)
        .map(|a| a.client_secret.clone())
        .context("the demo seed has no demo app")?;
    let config =
        EmulatorConfig { profiles: args.profile.clone().unwrap_or_default(), ..EmulatorConfig::default() };
    let emulator = Emulator::new(seed, config, Clock::system())?;
    let emulator_listener = bind(args.emulator_listen, Ports::Demo).await?;
    let emulator_url = format!("http://{}", emulator_listener.local_addr()?);
    let banner = banner(&public_url, &emulator_url, &args.database_url, &emulator);
    tokio::spawn(clever_emulator::serve(emulator_listener, emulator, std::future::pending()));

    let config = WebConfig {
        public_url,
        clever: CleverConfig::new(DEMO_CLIENT_ID, secret.into(), redirect_uri)
            .with_base_urls(emulator_url.clone(), emulator_url),
        dev_mode: true,
        session_ttl: time::Duration::hours(8),
        token_key: DEMO_TOKEN_KEY.into(),
        metrics_token: None,
        background_sync_every: None,
        serving: rollcall_web::config::Serving::default(),
        mail: rollcall_web::mail::MailSettings::Outbox,
    };
    config.validate()?;
    let state =
        crate::app::build_state(config, &args.database_url, rollcall_store::DEFAULT_PG_POOL_SIZE).await?;
    for account in [&DEMO_ADMIN, &OLD_TEACHER, &OLD_STUDENT] {
        create_password_account(&state, account).await?;
    }
    // As `rollcall admin grant` does on a real server.
    state
        .store()
        .set_admin(DEMO_ADMIN.email, true, state.now())
        .await
        .context("cannot make the demo admin")?;
    print(&banner);
    rollcall_web::serve(app_listener, state, crate::shutdown::signal()).await?;
    Ok(())
}

/// A demo account that logs in with an email and password (printed in the banner).
struct DemoAccount {
    role: AccountRole,
    first: &'static str,
    last: &'static str,
    email: &'static str,
    password: &'static str,
    why: &'static str,
}

/// May see the audit log (`/admin/audit`).
const DEMO_ADMIN: DemoAccount = DemoAccount {
    role: AccountRole::Teacher,
    first: "Demo",
    last: "Admin",
    email: "admin@rollcall.demo",
    password: "rollcall-admin",
    why: "the admin pages (audit log)",
};

/// Sam Kelly's account from before his school used Clever: link it at his first Clever login.
const OLD_TEACHER: DemoAccount = DemoAccount {
    role: AccountRole::Teacher,
    first: "Sam",
    last: "Kelly",
    email: "sam@rollcall.demo",
    password: "sam-password",
    why: "Sam Kelly's older account: answer \"yes\" at his first Clever login to link it",
};

/// María's account from before Clever: merge it from her profile after a Clever login.
const OLD_STUDENT: DemoAccount = DemoAccount {
    role: AccountRole::Student,
    first: "María",
    last: "Núñez",
    email: "maria@rollcall.demo",
    password: "maria-password",
    why: "María Núñez's older account: log in with Clever as María, then \"Merge my accounts\" on her profile",
};

/// Creates a demo password account unless a previous run already did.
async fn create_password_account(state: &rollcall_web::AppState, a: &DemoAccount) -> anyhow::Result<()> {
    let new = NewLocalAccount {
        role: a.role,
        first_name: a.first.to_owned(),
        last_name: a.last.to_owned(),
        email: a.email.to_owned(),
        password_hash: rollcall_web::passwords::hash(a.password).await?,
    };
    match state.store().create_local_account(&new, state.now()).await {
        Ok(_) | Err(StoreError::Conflict(Conflict::EmailTaken)) => Ok(()),
        Err(e) => Err(e).context("cannot create the demo's password accounts"),
    }
}

/// Whom to log in as, read from the demo district itself so it never goes stale.
fn banner(app: &str, emulator_url: &str, database: &str, emulator: &Emulator) -> String {
    let answers = crate::emulator_cmd::answers_as(&emulator.profiles());
    let world = emulator.world();
    let mut out = format!(
        "Rollcall demo ready — open {app}\n\nLog in with Clever as (you pick on the emulator's login page):\n"
    );
    // Most classes first: the richest login leads.
    let mut teachers: Vec<_> = world.users.values().filter(|u| u.has(Role::Teacher)).collect();
    teachers.sort_by_key(|u| std::cmp::Reverse(world.section_ids_of(&u.id).count()));
    for user in teachers {
        let sections: Vec<&str> = world
            .section_ids_of(&user.id)
            .filter_map(|id| world.section(id))
            .filter(|s| s.teachers.contains(&user.id))
            .map(|s| s.name.as_str())
            .collect();
        let classes = if sections.is_empty() { "no classes yet".to_owned() } else { sections.join(", ") };
        out += &format!("  teacher  {} {} — {classes}\n", user.name.first, user.name.last);
    }
    // María first: the README's story (and her older password account below) is hers.
    let mut students: Vec<_> = world.users.values().filter(|u| u.has(Role::Student)).collect();
    students.sort_by_key(|u| (u.name.first != OLD_STUDENT.first || u.name.last != OLD_STUDENT.last, &u.key));
    for user in students.into_iter().take(3) {
        let sections: Vec<&str> = world
            .section_ids_of(&user.id)
            .filter_map(|id| world.section(id))
            .filter(|s| s.students.contains(&user.id))
            .map(|s| s.name.as_str())
            .collect();
        let classes = if sections.is_empty() { "no classes".to_owned() } else { sections.join(", ") };
        out += &format!("  student  {} {} — {classes}\n", user.name.first, user.name.last);
    }
    if let Some(staff) = world.users.values().find(|u| u.has(Role::Staff) && !u.has(Role::Teacher)) {
        out += &format!(
            "  staff    {} {} (see what Rollcall tells non-teachers)\n",
            staff.name.first, staff.name.last
        );
    }
    out += "\nOr log in with an email and password (\"Log in\" page):\n";
    for a in [&DEMO_ADMIN, &OLD_TEACHER, &OLD_STUDENT] {
        out += &format!("  {:<20} {:<15} {}\n", a.email, a.password, a.why);
    }
    out += &format!(
        "Signing up with an email sends a link to confirm it: the demo keeps that mail at {app}/dev/outbox.\n"
    );
    out += &format!(
        "\nClever emulator: {emulator_url}/portal (the Library's Install button is the other way in)\n\
         It answers as {}.\n\
         One browser for several people (a shared classroom device): Rollcall's \"Log out\" leaves Clever\n\
         signed in, so the page after it links to Clever's log-out, {emulator_url}/logout; a new Clever\n\
         login always replaces whoever was signed in to Rollcall in that browser.\n\
         Database: {database} (delete the file to start over). Stop with Ctrl-C.\n",
        answers
    );
    out
}

/// Ignores write errors: a closed stdout must not stop the servers.
fn print(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
