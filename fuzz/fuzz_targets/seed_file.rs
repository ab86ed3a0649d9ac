//! The emulator's seed file loader: `Seed::parse` (TOML or JSON), then `Seed::build`.
//!
//! Properties:
//! - arbitrary text never panics the parser or the builder;
//! - a seed that builds exports (`admin::world_to_seed`, what `GET /__admin/seed` serves for a
//!   generated district) to a seed that builds the same world: same ids, names, roles, schools,
//!   sections and rosters, apps and installs;
//! - the export survives its own file formats: it serializes to JSON and TOML and both parse
//!   and build to that same world.
#![no_main]

use clever_emulator::Seed;
use clever_emulator::admin::world_to_seed;
use libfuzzer_sys::fuzz_target;
use rollcall_fuzz::summary;
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(seed) = Seed::parse(text) else { return };
    let now = OffsetDateTime::UNIX_EPOCH;
    let Ok(world) = seed.build(now) else { return };
    let expected = summary(&world);
    let exported = world_to_seed(&world, &seed.namespace);
    let rebuilt = match exported.build(now) {
        Ok(w) => w,
        Err(e) => panic!("the export of a loaded seed does not load: {e}\nseed: {exported:#?}"),
    };
    assert_eq!(expected, summary(&rebuilt), "export changed the world\nseed: {exported:#?}");
    let json = serde_json::to_string(&exported).expect("a seed serializes to JSON");
    let from_json = match Seed::parse(&json) {
        Ok(s) => s,
        Err(e) => panic!("exported JSON does not parse: {e}\n{json}"),
    };
    assert_eq!(expected, summary(&from_json.build(now).expect("JSON export builds")), "via JSON {json}");
    if let Ok(toml_text) = toml::to_string(&exported) {
        let from_toml = match Seed::parse(&toml_text) {
            Ok(s) => s,
            Err(e) => panic!("exported TOML does not parse: {e}\n{toml_text}"),
        };
        assert_eq!(expected, summary(&from_toml.build(now).expect("TOML export builds")), "via TOML {toml_text}");
    }
});
