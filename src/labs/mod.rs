//! Hands-on labs.

pub mod http;
