//! One integration-test binary: HTTP tests against the real router on both databases, tests of
//! the built binary, and browser tests through Chromium.

mod support;

mod browser;
mod lifecycle;
mod ops;
mod pages;
