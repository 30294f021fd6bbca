//! The deployment in `deploy/`, run for real: Debian's nginx with `deploy/nginx.conf` in front
//! of two instances of the built binary on one PostgreSQL database. A learner works through
//! the balancer, one instance is killed, and the learner carries on.

use std::{path::Path, process::Stdio, time::Duration};

use reqwest::{StatusCode, header};
use tokio::process::{Child, Command};

use crate::{
    accounts::PASSWORD,
    support::{Page, RunningBinary, TestApp},
};

const NGINX: &str = "/usr/sbin/nginx";
const MODULE: &str = "/paths/backend-foundations/databases-and-data-modeling";

/// nginx with the repository's site configuration, its upstreams pointed at `instances`.
struct Nginx {
    _child: Child,
    address: String,
}

impl Nginx {
    async fn start(dir: &Path, instances: [&str; 2]) -> Self {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: install Debian's nginx-light (the README's test command does)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let site =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf"))
                .unwrap();
        assert!(site.contains("server 127.0.0.1:3001") && site.contains("listen 80;"));
        let site = site
            .replace("server 127.0.0.1:3001", &format!("server {}", instances[0]))
            .replace("server 127.0.0.1:3002", &format!("server {}", instances[1]))
            .replace("listen 80;", &format!("listen 127.0.0.1:{port};"));
        std::fs::write(dir.join("groundwork.conf"), site).unwrap();
        // The main configuration a distribution would provide, with every path in `dir`.
        let d = dir.display();
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             include {d}/groundwork.conf;\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), main).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("nginx starts");
        let address = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if reqwest::get(format!("{address}/healthz")).await.is_ok() {
                return Self {
                    _child: child,
                    address,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "nginx did not answer: {}",
            std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_carries_on_through_nginx_when_one_of_two_instances_is_killed() {
    let Some(database) = TestApp::postgres().await else {
        return;
    };
    let url = database.db_url();
    let (dir_a, dir_b, nginx_dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let behind_proxy = [("GROUNDWORK_TRUST_FORWARDED_FOR", "true")];
    // Started together on the empty database: one imports the curriculum.
    let (a, b) = tokio::join!(
        RunningBinary::start_with(dir_a.path(), Some(&url), &behind_proxy, None),
        RunningBinary::start_with(dir_b.path(), Some(&url), &behind_proxy, None)
    );
    let strip = |address: &str| address.trim_start_matches("http://").to_owned();
    let nginx = Nginx::start(nginx_dir.path(), [&strip(&a.address), &strip(&b.address)]).await;
    let learner = database.visitor_at(nginx.address.clone());

    let registered = learner.register("ada@example.com", "Ada", PASSWORD).await;
    assert_eq!(registered.status(), StatusCode::SEE_OTHER);
    let done = learner
        .post_form(&format!("{MODULE}/schema-design/complete"), &[])
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);

    a.kill().await;

    // Every request still succeeds: nginx skips the dead instance (a refused connection is
    // retried even for a POST, since nothing reached the instance) and the session lives in
    // the database, so the other instance knows the learner.
    for _ in 0..6 {
        let dashboard = learner.get("/dashboard").await;
        assert_eq!(dashboard.status(), StatusCode::OK);
        assert_eq!(Page::from(dashboard).await.text("h1"), "Welcome, Ada");
    }
    let more = learner
        .post_form(&format!("{MODULE}/how-indexes-work/complete"), &[])
        .await;
    assert_eq!(more.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        more.headers()[header::LOCATION],
        format!("{MODULE}/how-indexes-work")
    );
    let completions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM lesson_completions c JOIN users u ON u.id = c.user_id \
         WHERE u.email = 'ada@example.com'",
    )
    .fetch_one(database.db.pool())
    .await
    .unwrap();
    assert_eq!(
        completions, 2,
        "both lessons are done, before and after the kill"
    );
    let failed = learner.login("ada@example.com", "a wrong password").await;
    assert_eq!(failed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let buckets: Vec<String> =
        sqlx::query_scalar("SELECT bucket FROM login_throttle WHERE bucket LIKE 'address:%'")
            .fetch_all(database.db.pool())
            .await
            .unwrap();
    assert_eq!(
        buckets,
        ["address:127.0.0.1"],
        "the address comes from nginx's X-Forwarded-For"
    );
    assert!(b.terminate().await.success());
}
