//! Web plumbing shared by every feature: embedded static files, the page layout, security
//! headers, and extractors with friendly rejections.
//!
//! Part of the foundation: it imports no page feature (tests/integration/architecture.rs).

pub mod assets;
pub mod dates;
pub mod form;
pub mod layout;
pub mod limit;
pub mod metrics;
pub mod security;
pub mod statements;

pub use form::{FieldErrors, Form, Path, Query};
pub use layout::Layout;
