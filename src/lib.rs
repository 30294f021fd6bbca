//! Groundwork: a self-hostable, server-rendered learning platform for backend skills.
//!
//! The folder tree is the architecture: the foundation (state, plumbing, the curriculum, the
//! lab kinds, progress) public here, then one private folder per page feature, each standing
//! on the foundation and none on another (tests/integration/architecture.rs).

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod curriculum;
pub mod db;
pub mod error;
pub mod grading;
pub mod mail;
pub mod progress;
pub mod render;
pub mod server;
pub mod state;
pub mod web;
pub mod workers;

mod account;
mod admin;
mod api;
mod catalog;
mod home;
mod labs;
mod learning;
mod notes;
mod ops;
mod quiz;
mod search;
