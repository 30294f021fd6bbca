//! Web plumbing shared by every feature: embedded static files, the page layout, security headers.

pub mod assets;
pub mod layout;
pub mod security;

pub use layout::Layout;
