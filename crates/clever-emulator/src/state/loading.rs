//! What the emulator serves and what `reset` returns to: a seed, a generated district or a world
//! handed in, served with a set of profiles. Loading or resetting starts every credential,
//! session and log fresh.
//!
//! The profiles in force after a load or a reset are the configuration's plus the seed's
//! (`profiles = [...]` in the file). `set_profiles` changes them until the next load or reset.
//! Ids are made when the world is built, so `foreign-ids` takes effect when the world is built:
//! at load and reset, and when `set_profiles` turns it on or off, which rebuilds the world from
//! the baseline (a reset). A world handed in with `from_world`/`load_world` keeps its ids.

use super::{BrowserState, Emulator};
use crate::generate::{GenerateError, GenerateSpec, generate_with_ids};
use crate::ids::IdScheme;
use crate::model::World;
use crate::profile::{Profile, Profiles};
use crate::seed::{Seed, SeedError};

/// What `reset` returns to: a seed or a generation spec (rebuilt, so times are fresh), or a
/// world handed in as it is.
#[derive(Debug, Clone)]
pub(super) enum Baseline {
    Seed(Box<Seed>),
    Generated(Box<GenerateSpec>),
    World(Box<World>),
}

impl Baseline {
    /// The profiles served after loading this baseline: the configured ones and the seed's.
    pub(super) fn profiles(&self, configured: &Profiles) -> Profiles {
        match self {
            Baseline::Seed(seed) => configured.union(&seed.profiles),
            Baseline::Generated(_) | Baseline::World(_) => configured.clone(),
        }
    }

    /// The world this baseline describes, with ids made by `ids` (a handed-in world keeps its).
    pub(super) fn build(&self, now: time::OffsetDateTime, ids: IdScheme) -> Result<World, SeedError> {
        match self {
            Baseline::Seed(seed) => seed.build_with_ids(now, ids),
            // The spec generated a world once already, so it cannot fail to again.
            Baseline::Generated(spec) => {
                generate_with_ids(spec, now, ids).map_err(|e| SeedError::Invalid(e.0))
            }
            Baseline::World(world) => Ok((**world).clone()),
        }
    }
}

impl Emulator {
    /// Replaces the seed and rebuilds everything from it: data, codes, tokens, sessions, journal,
    /// faults and the clock offset all start fresh, and the profiles are the configuration's
    /// plus the seed's.
    pub fn load_seed(&self, seed: Seed) -> Result<(), SeedError> {
        self.load(Baseline::Seed(Box::new(seed)))
    }

    /// Generates the district `spec` describes and loads it as `load_seed` does; `reset`
    /// regenerates it (the same ids and rosters, fresh times).
    pub fn load_generated(&self, spec: GenerateSpec) -> Result<(), GenerateError> {
        spec.validate()?;
        self.load(Baseline::Generated(Box::new(spec))).map_err(|e| GenerateError(e.to_string()))
    }

    /// Replaces the data with `world` and starts everything fresh, as `load_seed` does; `reset`
    /// returns to this world, ids and all.
    pub fn load_world(&self, world: World) {
        *self.inner.profiles.write() = self.inner.config.profiles.clone();
        *self.inner.baseline.write() = Baseline::World(Box::new(world.clone()));
        self.reset_to(world);
    }

    fn load(&self, baseline: Baseline) -> Result<(), SeedError> {
        let profiles = baseline.profiles(&self.inner.config.profiles);
        let world = baseline.build(self.now(), IdScheme::for_profiles(&profiles))?;
        *self.inner.baseline.write() = baseline;
        *self.inner.profiles.write() = profiles;
        self.reset_to(world);
        Ok(())
    }

    /// The generated world `reset` returns to (with the ids in use), or `None` when a seed is
    /// loaded.
    pub fn generated_world(&self) -> Option<World> {
        let ids = self.world().ids;
        match &*self.inner.baseline.read() {
            Baseline::Seed(_) => None,
            Baseline::Generated(spec) => generate_with_ids(spec, self.now(), ids).ok(),
            Baseline::World(world) => Some((**world).clone()),
        }
    }

    /// Returns to the loaded seed (or generated world) and to its profiles, forgetting every
    /// change and credential.
    pub fn reset(&self) -> Result<(), SeedError> {
        let baseline = self.inner.baseline.read().clone();
        self.load(baseline)
    }

    /// The loaded seed, or `None` when the emulator runs a generated district.
    pub fn seed(&self) -> Option<Seed> {
        match &*self.inner.baseline.read() {
            Baseline::Seed(seed) => Some((**seed).clone()),
            Baseline::Generated(_) | Baseline::World(_) => None,
        }
    }

    /// The profiles in force.
    pub fn profiles(&self) -> Profiles {
        self.inner.profiles.read().clone()
    }

    /// Whether `profile` is in force (cheap enough for every request).
    pub fn has_profile(&self, profile: Profile) -> bool {
        self.inner.profiles.read().has(profile)
    }

    /// Serves `profiles` from now until the next load or reset. Every profile takes effect at
    /// once, except that turning `foreign-ids` on or off changes every id, so it rebuilds the world
    /// from the loaded seed or generated district: a reset, keeping the new profiles. Fails (and
    /// changes nothing) only if the seed cannot be built with readable ids.
    pub fn set_profiles(&self, profiles: Profiles) -> Result<(), SeedError> {
        let ids = IdScheme::for_profiles(&profiles);
        if ids == IdScheme::for_profiles(&self.profiles()) {
            *self.inner.profiles.write() = profiles;
            return Ok(());
        }
        let baseline = self.inner.baseline.read().clone();
        let world = baseline.build(self.now(), ids)?;
        *self.inner.profiles.write() = profiles;
        self.reset_to(world);
        Ok(())
    }

    fn reset_to(&self, world: World) {
        self.inner.codes.lock().clear();
        self.inner.tokens.write().clear();
        self.inner.rate.lock().clear();
        *self.inner.browser.lock() = BrowserState::default();
        self.inner.journal.clear();
        self.inner.faults.clear();
        let offset = self.inner.clock.offset();
        self.inner.clock.advance(-offset);
        self.install_world(world);
        self.clear_broken();
    }
}
