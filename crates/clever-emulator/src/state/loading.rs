//! What the emulator serves and what `reset` returns to: loading a seed or a generated world and
//! starting every credential, session and log fresh.

use super::{BrowserState, Emulator};
use crate::model::World;
use crate::seed::{Seed, SeedError};

/// What `reset` returns to: a seed (rebuilt, so times are fresh) or a generated world.
#[derive(Debug, Clone)]
pub(super) enum Baseline {
    Seed(Box<Seed>),
    World(Box<World>),
}

impl Emulator {
    /// Replaces the seed and rebuilds everything from it: data, codes, tokens, sessions, journal,
    /// faults and the clock offset all start fresh.
    pub fn load_seed(&self, seed: Seed) -> Result<(), SeedError> {
        let world = seed.build(self.now())?;
        *self.inner.baseline.write() = Baseline::Seed(Box::new(seed));
        self.reset_to(world);
        Ok(())
    }

    /// Replaces the data with `world` (a generated district, say) and starts everything fresh, as
    /// `load_seed` does; `reset` returns to this world.
    pub fn load_world(&self, world: World) {
        *self.inner.baseline.write() = Baseline::World(Box::new(world.clone()));
        self.reset_to(world);
    }

    /// The generated world `reset` returns to, or `None` when a seed is loaded.
    pub fn generated_world(&self) -> Option<World> {
        match &*self.inner.baseline.read() {
            Baseline::Seed(_) => None,
            Baseline::World(world) => Some((**world).clone()),
        }
    }

    /// Returns to the loaded seed (or generated world), forgetting every change and credential.
    pub fn reset(&self) -> Result<(), SeedError> {
        let world = match &*self.inner.baseline.read() {
            Baseline::Seed(seed) => seed.build(self.now())?,
            Baseline::World(world) => (**world).clone(),
        };
        self.reset_to(world);
        Ok(())
    }

    /// The loaded seed, or `None` when the emulator runs a generated district.
    pub fn seed(&self) -> Option<Seed> {
        match &*self.inner.baseline.read() {
            Baseline::Seed(seed) => Some((**seed).clone()),
            Baseline::World(_) => None,
        }
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
    }
}
