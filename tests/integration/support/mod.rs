//! Test helpers: a running app per test ([`TestApp`]), a browser ([`Browser`]) and HTML queries.

mod app;
mod binary;
mod browser;
pub mod fake_github;
mod html;
pub mod oidc_provider;
mod proxy;
mod slow_client;

pub use app::{PostgresDatabase, TestApp};
pub use binary::RunningBinary;
pub use browser::Browser;
pub use html::Page;
pub use proxy::TcpProxy;
pub use slow_client::slow_header_client;

use groundwork::curriculum::{self, files};

/// The bundled curriculum as the files describe it. Tests count what it holds from here instead
/// of hard-coding numbers that change with every new lesson or exercise.
pub fn bundled() -> files::Curriculum {
    files::parse(&curriculum::bundled_tree()).expect("the bundled content parses")
}

/// The fixture curriculum of `tests/fixtures/curriculum`, parsed (what
/// [`TestApp::import_fixture`] imports).
pub fn fixture() -> files::Curriculum {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/curriculum");
    let tree = curriculum::read_dir(&dir).expect("the fixture reads");
    files::parse(&tree).unwrap_or_else(|problems| panic!("the fixture is valid: {problems:?}"))
}

/// The bundled path's modules, lessons and lab exercises.
pub fn bundled_counts() -> (usize, usize, usize) {
    let curriculum = bundled();
    let modules = &curriculum.paths[0].modules;
    let lessons = modules.iter().map(|m| m.lessons.len()).sum();
    let exercises = modules
        .iter()
        .map(|m| m.labs.as_ref().map_or(0, |labs| labs.exercises.len()))
        .sum();
    (modules.len(), lessons, exercises)
}

/// The fixture's lab exercises of a module as (page path, reference solution). Every exercise of a
/// module that a test finishes this way must be a SQL one: an HTTP exercise's model requests live
/// in `http_lab.rs`, not in the curriculum.
pub fn sql_solutions_of(module: &str) -> Vec<(String, String)> {
    let curriculum = fixture();
    let path = &curriculum.paths[0];
    let module = path
        .modules
        .iter()
        .find(|m| m.meta.slug == module)
        .unwrap_or_else(|| panic!("no fixture module {module}"));
    module
        .labs
        .iter()
        .flat_map(|labs| &labs.exercises)
        .map(|exercise| {
            let sql = exercise.sql.as_ref().unwrap_or_else(|| {
                panic!(
                    "{}: only SQL exercises can be passed from the curriculum",
                    exercise.slug
                )
            });
            (
                format!(
                    "/paths/{}/{}/labs/{}",
                    path.meta.slug, module.meta.slug, exercise.slug
                ),
                sql.solution.clone(),
            )
        })
        .collect()
}

/// Runs each named `async fn(TestApp)` twice: on a fresh SQLite database and on a fresh
/// PostgreSQL database (when `TEST_DATABASE_URL` is set; in CI it must be).
macro_rules! db_tests {
    // With settings changed by `$configure` (a `fn(&mut Config)`).
    (with $configure:path; $($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$name($crate::support::TestApp::sqlite_with($configure).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(app) = $crate::support::TestApp::postgres_with($configure).await {
                    super::$name(app).await;
                }
            }
        }
    )+};
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                super::$name($crate::support::TestApp::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(app) = $crate::support::TestApp::postgres().await {
                    super::$name(app).await;
                }
            }
        }
    )+};
}
pub(crate) use db_tests;
