//! `rollcall sync`: a full sync for one teacher, or for every teacher whose Clever token is still
//! valid — with a progress bar on a terminal and one summary line either way (for cron and logs).

use std::io::IsTerminal;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rollcall_core::{CleverId, SyncCounts, UserId};
use rollcall_store::{AccountRole, SyncTrigger};
use rollcall_web::sync::sync_teacher;

use crate::cli::SyncArgs;

/// What all the runs did together.
#[derive(Debug, Default)]
struct Totals {
    teachers: usize,
    ok: usize,
    partial: usize,
    failed: usize,
    reconnect: usize,
    counts: SyncCounts,
}

/// Runs the syncs one teacher at a time (each sync already fetches with bounded concurrency).
pub async fn run(args: SyncArgs) -> anyhow::Result<()> {
    let config = crate::app::web_config(&args.app, None)?;
    let state = crate::app::build_state(config, &args.app.database_url, args.app.database_pool).await?;
    let store = state.store();
    let targets: Vec<(UserId, CleverId)> = match &args.teacher {
        Some(id) => {
            let clever = CleverId::parse(id)?;
            let user = store
                .user_by_clever_id(&clever)
                .await?
                .with_context(|| format!("no Rollcall account has the Clever id {id}"))?;
            if user.role != AccountRole::Teacher {
                bail!("the account with Clever id {id} is a {}, not a teacher", user.role.as_str());
            }
            vec![(user.id, clever)]
        }
        None => store.teachers_to_sync(state.now()).await?,
    };
    if targets.is_empty() {
        say("no teachers with a valid Clever token to sync\n");
        return Ok(());
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(targets.len() as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} teachers  {elapsed_precise}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut totals = Totals::default();
    let planned = targets.len();
    // Ctrl-C or SIGTERM: stop after giving back the sync lease of the teacher in progress, so a
    // rerun, another replica or that teacher's next login does not wait for a sync nobody runs.
    // What was synced stays; the unfinished teacher's sync wrote nothing (it is one transaction).
    let stop = crate::shutdown::signal();
    tokio::pin!(stop);
    for (user, clever) in targets {
        let outcome = tokio::select! {
            outcome = sync_teacher(&state, user, clever.clone(), SyncTrigger::Cli) => outcome,
            () = &mut stop => {
                if let Err(error) = store.release_sync_lease(user, state.instance()).await {
                    tracing::warn!(%error, "could not give back the sync lease (it runs out within a minute)");
                }
                bar.finish_and_clear();
                bail!(
                    "stopped by a signal while syncing teacher {clever}: {} of {planned} teacher(s) were \
                     synced; the sync lease was given back",
                    totals.teachers
                );
            }
        };
        totals.teachers += 1;
        match (outcome.failed, outcome.counts.errors) {
            (true, _) => totals.failed += 1,
            (false, 0) => totals.ok += 1,
            (false, _) => totals.partial += 1,
        }
        totals.reconnect += usize::from(outcome.reconnect);
        let c = &mut totals.counts;
        c.added += outcome.counts.added;
        c.updated += outcome.counts.updated;
        c.removed += outcome.counts.removed;
        c.unchanged += outcome.counts.unchanged;
        c.errors += outcome.counts.errors;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let t = &totals;
    say(&format!(
        "synced {} teacher(s): {} ok, {} partial, {} failed ({} must reconnect Clever); \
         {} added, {} updated, {} removed, {} unchanged\n",
        t.teachers,
        t.ok,
        t.partial,
        t.failed,
        t.reconnect,
        t.counts.added,
        t.counts.updated,
        t.counts.removed,
        t.counts.unchanged
    ));
    Ok(())
}

/// Writes to stdout, ignoring a closed pipe.
fn say(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(text.as_bytes());
}
