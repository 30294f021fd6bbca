//! The state handlers share, and its parts. The bottom layer: it names no feature, so any
//! module may take `State<AppState>` (or one part through `FromRef`) without an import cycle.

use std::{sync::Arc, time::Duration};

use axum::extract::FromRef;

use crate::{
    auth::sso::Sso, config::Config, curriculum::Live, db::Db, mail::Mailer, progress::Visits,
    web::metrics::Metrics, workers::Workers,
};

/// What handlers may ask for with `State<…>`; each part is extractable on its own via `FromRef`.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    /// The published curriculum, in memory.
    pub curriculum: Live,
    pub mailer: Mailer,
    /// argon2 runs here, a few at a time: a burst of logins is refused, not queued in memory.
    pub hashing: Workers,
    /// Learners' SQL runs in sandboxes here.
    pub labs: Workers,
    /// Lesson visits waiting to be written (so a lesson page writes nothing itself).
    pub visits: Visits,
    /// What `/metrics` reports.
    pub metrics: Metrics,
    /// The single sign-on providers and their client.
    pub sso: Arc<Sso>,
    /// This site as a WebAuthn relying party (passkeys); `None` when the public URL has no
    /// domain name.
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
}

impl AppState {
    /// Reads the published curriculum; fails on invalid mail settings or an unreadable database.
    pub async fn new(config: Config, db: Db) -> anyhow::Result<Self> {
        Ok(Self {
            curriculum: Live::load(db.clone()).await?,
            mailer: Mailer::from_config(&config)?,
            sso: Sso::from_config(&config)?,
            webauthn: crate::auth::passkeys::relying_party(&config)?.map(Arc::new),
            config: Arc::new(config),
            hashing: Workers::per_core("hashing", Duration::from_secs(5)),
            labs: Workers::new("sql-lab", 2, 8, Duration::from_secs(10)),
            visits: Visits::new(db.clone()),
            metrics: Metrics::new(),
            db,
        })
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for Live {
    fn from_ref(state: &AppState) -> Self {
        state.curriculum.clone()
    }
}

impl FromRef<AppState> for Arc<Config> {
    fn from_ref(state: &AppState) -> Self {
        state.config.clone()
    }
}
