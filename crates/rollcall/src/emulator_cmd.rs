//! `rollcall emulator`: the Clever emulator as a standalone server.

use std::time::Instant;

use anyhow::Context;
use clever_emulator::model::Role;
use clever_emulator::{Clock, Emulator, EmulatorConfig, GenerateSpec, Profiles, Seed};

use crate::cli::EmulatorArgs;

/// Builds the emulator from the arguments, serves it, and prints where to find it.
pub async fn run(args: EmulatorArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let emulator = build(&args)?;
    let listener = crate::listen::bind(args.listen, crate::listen::Ports::Listen).await?;
    let addr = listener.local_addr()?;
    let base_url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    print_banner(&base_url, &emulator, started);
    clever_emulator::serve(listener, emulator, crate::shutdown::signal()).await?;
    Ok(())
}

fn build(args: &EmulatorArgs) -> anyhow::Result<Emulator> {
    let config = EmulatorConfig {
        token_ttl: time::Duration::seconds(args.token_ttl_secs),
        code_ttl: time::Duration::seconds(args.code_ttl_secs),
        rate_limit_per_minute: args.rate_limit,
        profiles: args.profile.clone().unwrap_or_default(),
        ..EmulatorConfig::default()
    };
    config.check().map_err(|e| anyhow::anyhow!("emulator settings: {e}"))?;
    let clock = Clock::system();
    if let Some(spec) = &args.generate {
        let spec: GenerateSpec = spec.parse().map_err(|e| anyhow::anyhow!("--generate {spec:?}: {e}"))?;
        return Emulator::generated(spec, config, clock).map_err(|e| anyhow::anyhow!("--generate: {e}"));
    }
    let seed = match &args.seed {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read seed file {}", path.display()))?;
            Seed::parse(&text).with_context(|| format!("seed file {}", path.display()))?
        }
        None => Seed::demo(),
    };
    Emulator::new(seed, config, clock).context("the seed is inconsistent")
}

/// The command's output: where everything is, how it answers (strict Clever or the profiles in
/// force, the configured ones and the seed's) and how to log in. Write errors are ignored: a
/// closed stdout (`rollcall emulator | head -1`) must not take the server down.
fn print_banner(base_url: &str, emulator: &Emulator, started: Instant) {
    use std::io::Write;
    let profiles = emulator.profiles();
    let world = emulator.world();
    let count = |role| world.users.values().filter(|u| u.has(role)).count();
    let mut banner =
        format!("Clever emulator ready at {base_url} (started in {} ms)\n", started.elapsed().as_millis());
    banner += &format!("  OAuth      {base_url}/oauth/authorize   token: POST {base_url}/oauth/tokens\n");
    banner += &format!("  Data API   {base_url}/v3.0/me   {base_url}/userinfo\n");
    banner += &format!("  Portal     {base_url}/portal   (log in as anyone, install Library apps)\n");
    banner += &format!("  Admin API  {base_url}/__admin   OpenAPI: {base_url}/__admin/openapi.json\n");
    banner += &format!("  Answers    {}\n", answers_as(&profiles));
    banner += &format!(
        "  District   {} teachers, {} students, {} staff, {} admins, {} sections\n",
        count(Role::Teacher),
        count(Role::Student),
        count(Role::Staff),
        count(Role::DistrictAdmin),
        world.sections().len()
    );
    banner += "Apps (client id / secret / redirect URIs, primary first):\n";
    for app in world.apps.values() {
        banner +=
            &format!("  {} / {} / {}\n", app.client_id, app.secret_for_display, app.redirect_uris.join(" "));
    }
    drop(world);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner.as_bytes());
    let _ = stdout.flush();
}

/// "strict Clever", or "profiles: no-links, legacy-me".
pub(crate) fn answers_as(profiles: &Profiles) -> String {
    if profiles.is_strict() {
        return "strict Clever".to_owned();
    }
    let names: Vec<&str> = profiles.iter().map(|p| p.as_str()).collect();
    format!("profiles: {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use clever_emulator::Profile;

    use super::*;
    use crate::cli::{Cli, Command};

    fn args(argv: &[&str]) -> Result<EmulatorArgs, clap::Error> {
        let cli = Cli::try_parse_from(["rollcall", "emulator"].iter().chain(argv))?;
        match cli.command {
            Command::Emulator(args) => Ok(args),
            _ => panic!("not the emulator command"),
        }
    }

    #[test]
    fn profile_flag_sets_the_emulators_profiles_and_a_seeds_are_added() {
        let emulator = build(&args(&["--profile", "no-links, legacy-me"]).unwrap()).unwrap();
        assert_eq!(emulator.profiles(), Profiles::parse("no-links,legacy-me").unwrap());
        assert_eq!(answers_as(&emulator.profiles()), "profiles: legacy-me, no-links");

        let seed = std::env::temp_dir().join(format!("rollcall-emulator-cmd-{}.toml", std::process::id()));
        let text = format!("profiles = [\"foreign-ids\"]\n{}", clever_emulator::seed::DEMO_SEED);
        std::fs::write(&seed, text).unwrap();
        let with_seed = build(&args(&["--profile", "no-links", "--seed", seed.to_str().unwrap()]).unwrap());
        let _ = std::fs::remove_file(&seed);
        let emulator = with_seed.unwrap();
        assert!(emulator.has_profile(Profile::NoLinks) && emulator.has_profile(Profile::ForeignIds));
        assert!(emulator.world().users.contains_key("user-skelly"));

        let generated =
            build(&args(&["--profile", "foreign-ids", "--generate", "students=20,sections=2"]).unwrap());
        assert!(generated.unwrap().world().users.contains_key("user-s000001"));
    }

    #[test]
    fn no_profile_is_strict_clever_and_an_unknown_one_is_refused_by_name() {
        let emulator = build(&args(&[]).unwrap()).unwrap();
        assert!(emulator.profiles().is_strict());
        assert_eq!(answers_as(&emulator.profiles()), "strict Clever");
        let err = args(&["--profile", "no-links,nope"]).unwrap_err().to_string();
        assert!(err.contains("\"nope\"") && err.contains("long-codes"), "{err}");
    }
}
