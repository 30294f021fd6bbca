//! Grading, with no pages: module quizzes (`quiz`), and the lab kinds: what an exercise asks
//! and how an answer is graded. `sql` runs a
//! learner's SQL in a sandbox and compares it with the reference; `http` is the practice API a
//! learner's requests reach (in process, no socket) and the goals their history is checked
//! against. The curriculum validates exercises with them and the lab pages (`labs`) run them.
//!
//! Part of the foundation: it imports no page feature (tests/integration/architecture.rs).

pub mod http;
pub mod quiz;
pub mod sql;
