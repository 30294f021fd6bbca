//! Hands-on labs.

pub mod sql;
