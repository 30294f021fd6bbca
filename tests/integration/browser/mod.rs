//! Browser tests: real Chromium, real clicks, axe-core accessibility checks.

mod accounts;
mod admin;
mod archive;
mod authoring;
mod home;
mod labs;
mod passkeys;
mod progress;
mod quiz;
mod quiz_editor;
mod reading;
mod search;
mod sign_in;
