//! Browser tests: real Chromium, real clicks, axe-core accessibility checks.

mod accounts;
mod admin;
mod authoring;
mod home;
mod progress;
mod quiz;
mod reading;
mod search;
