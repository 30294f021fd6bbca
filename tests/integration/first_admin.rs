//! The first admin: a one-time set-up link, or the command line.

use groundwork::auth;
use reqwest::{StatusCode, header};
use tokio::io::AsyncWriteExt;

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    the_setup_link_creates_the_first_admin_once_and_is_dead_afterwards,
    an_invalid_setup_form_keeps_the_link_alive,
    an_expired_setup_link_is_refused,
}

async fn the_setup_link_creates_the_first_admin_once_and_is_dead_afterwards(app: TestApp) {
    let token = auth::create_setup_token(&app.db).await.unwrap();
    let spare = auth::create_setup_token(&app.db).await.unwrap();
    let form = Page::from(app.get(&format!("/setup/{token}")).await).await;
    assert_eq!(form.text("h1"), "Create the administrator account");

    let response = app
        .post_form(
            &format!("/setup/{token}"),
            &[
                ("email", "root@example.com"),
                ("display_name", "Root"),
                ("password", PASSWORD),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/dashboard");
    assert_eq!(
        app.get("/admin").await.status(),
        StatusCode::OK,
        "logged in as admin"
    );
    let role: String =
        sqlx::query_scalar("SELECT role FROM users WHERE email = 'root@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(role, "admin");

    let again = TestApp::client_only(&app);
    for link in [&token, &spare] {
        let dead = again.get(&format!("/setup/{link}")).await;
        assert_eq!(dead.status(), StatusCode::GONE);
        assert!(
            Page::from(dead)
                .await
                .text(".lead")
                .contains("expired or was already used")
        );
    }
    let replay = again
        .post_form(
            &format!("/setup/{token}"),
            &[
                ("email", "evil@example.com"),
                ("display_name", "Evil"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(replay.status(), StatusCode::GONE);
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(admins, 1);
}

async fn an_invalid_setup_form_keeps_the_link_alive(app: TestApp) {
    let token = auth::create_setup_token(&app.db).await.unwrap();

    let response = app
        .post_form(
            &format!("/setup/{token}"),
            &[
                ("email", "root@example.com"),
                ("display_name", "Root"),
                ("password", "short"),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert_eq!(page.attrs("#email", "value"), ["root@example.com"]);
    assert_eq!(
        app.get(&format!("/setup/{token}")).await.status(),
        StatusCode::OK
    );
}

async fn an_expired_setup_link_is_refused(app: TestApp) {
    let token = auth::create_setup_token(&app.db).await.unwrap();
    sqlx::query("UPDATE one_time_tokens SET expires_at = 0")
        .execute(app.db.pool())
        .await
        .unwrap();

    assert_eq!(
        app.get(&format!("/setup/{token}")).await.status(),
        StatusCode::GONE
    );
}

#[tokio::test]
async fn admin_create_on_the_command_line_reads_the_password_from_stdin() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_groundwork"))
        .args([
            "admin",
            "create",
            "--email",
            "Root@Example.com",
            "--display-name",
            "Root",
        ])
        .env_clear()
        .env("GROUNDWORK_DATA_DIR", data_dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);

    let output = child.wait_with_output().await.unwrap();

    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Administrator root@example.com created")
    );
    let url = format!(
        "sqlite://{}?mode=rw",
        data_dir.path().join("groundwork.db").display()
    );
    let db = groundwork::db::Db::connect(&url).await.unwrap();
    let row: (String, String) = sqlx::query_as("SELECT email, role FROM users")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(row, ("root@example.com".to_owned(), "admin".to_owned()));
}

#[tokio::test]
async fn the_server_prints_a_setup_link_while_no_admin_exists() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_groundwork"))
        .env_clear()
        .env("GROUNDWORK_ADDR", "127.0.0.1:0")
        .env("GROUNDWORK_DATA_DIR", data_dir.path())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));

    let mut link = None;
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line()).await
    {
        if let Some(start) = line.find("http://")
            && line.contains("/setup/")
        {
            link = Some(line[start..].trim().to_owned());
            break;
        }
    }

    let link = link.expect("a set-up link on stdout");
    let response = reqwest::get(&link).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        Page::from(response).await.text("h1"),
        "Create the administrator account"
    );
}
