//! Browser tests: real Chromium, real clicks, axe-core accessibility checks.

mod accounts;
mod home;
mod reading;
mod search;
