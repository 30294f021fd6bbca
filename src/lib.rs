//! Groundwork: a self-hostable, server-rendered learning platform for backend skills.
//!
//! The folder tree is the architecture: shared plumbing at the top level, one folder per feature.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod curriculum;
pub mod db;
pub mod error;
pub mod mail;
pub mod progress;
pub mod render;
pub mod server;
pub mod state;
pub mod web;
pub mod workers;

mod account;
mod admin;
pub mod catalog;
mod home;
pub mod labs;
pub mod learning;
mod notes;
mod ops;
pub mod quiz;
mod search;
