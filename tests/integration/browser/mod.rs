//! Browser tests: real Chromium, real clicks, axe-core accessibility checks.

mod accounts;
mod admin;
mod home;
mod labs;
mod progress;
mod quiz;
mod reading;
mod search;
