//! Settings that would overflow a time or a counter while serving are refused when the emulator
//! is built, with the setting and its range named, whichever way it is built. (A handler that
//! panics anyway answers 500 and marks health "broken" until a reset: `server.rs` tests that
//! guard on a route made to panic.)

use clever_emulator::{Clock, Emulator, EmulatorConfig, GenerateSpec};
use time::Duration;

use crate::common::test_seed;

#[test]
fn an_out_of_range_setting_is_refused_when_the_emulator_is_built() {
    let config = EmulatorConfig { token_ttl: Duration::MAX, ..EmulatorConfig::default() };
    let Err(err) = Emulator::new(test_seed(), config.clone(), Clock::system()) else {
        panic!("an emulator with a token lifetime past the calendar was built");
    };
    assert!(err.to_string().contains("token lifetime"), "{err}");
    assert!(err.to_string().contains("between 1 and 315360000 seconds"), "{err}");

    let Err(err) = Emulator::generated(GenerateSpec::default(), config, Clock::system()) else {
        panic!("a generated emulator with a bad token lifetime was built");
    };
    assert!(err.to_string().contains("token lifetime"), "{err}");

    let config = EmulatorConfig { rate_limit_per_minute: 0, ..EmulatorConfig::default() };
    let world =
        Emulator::new(test_seed(), EmulatorConfig::default(), Clock::system()).unwrap().world().clone();
    let Err(err) = Emulator::from_world(world, config, Clock::system()) else {
        panic!("an emulator with a rate limit of 0 was built");
    };
    assert!(err.to_string().contains("rate limit 0 must be between 1 and"), "{err}");
}
