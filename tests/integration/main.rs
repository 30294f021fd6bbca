//! One integration-test binary: HTTP tests against the real router on both databases, tests of
//! the built binary, and browser tests through Chromium.

mod support;

mod accounts;
mod admin_quizzes;
mod admin_users;
mod api;
mod architecture;
pub mod archive;
pub mod authoring;
mod browser;
mod caching;
mod certificates;
mod connections;
mod curriculum;
mod deployment;
mod first_admin;
mod hardening;
mod http_lab;
mod labs;
mod lifecycle;
mod markup;
mod notes;
mod ops;
mod pages;
pub mod password_reset;
mod progress;
pub mod quizzes;
mod samples;
mod search;
mod sessions;
mod settings;
mod spine;
pub mod sso;
mod two_factor;
