//! Test helpers: a running app per test ([`TestApp`]), a browser ([`Browser`]) and HTML queries.

mod app;
mod binary;
mod browser;
mod html;
mod proxy;
mod slow_client;

pub use app::TestApp;
pub use binary::RunningBinary;
pub use browser::Browser;
pub use html::Page;
pub use proxy::TcpProxy;
pub use slow_client::slow_header_client;

/// Runs each named `async fn(TestApp)` twice: on a fresh SQLite database and on a fresh
/// PostgreSQL database (when `TEST_DATABASE_URL` is set; in CI it must be).
macro_rules! db_tests {
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
