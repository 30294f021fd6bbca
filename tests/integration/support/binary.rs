//! [`RunningBinary`]: the built `groundwork` binary as a child process.

use std::{path::Path, process::Stdio, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// The built `groundwork` binary, started with a fresh data directory and port 0.
pub struct RunningBinary {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub address: String,
}

impl RunningBinary {
    pub async fn start(data_dir: &Path, database_url: Option<&str>) -> Self {
        Self::start_with(data_dir, database_url, &[], None).await
    }

    /// With extra environment variables, and optionally a low open-file limit (`prlimit`).
    pub async fn start_with(
        data_dir: &Path,
        database_url: Option<&str>,
        env: &[(&str, &str)],
        open_file_limit: Option<u32>,
    ) -> Self {
        let binary = env!("CARGO_BIN_EXE_groundwork");
        let mut command = match open_file_limit {
            Some(limit) => {
                let mut command = Command::new("/usr/bin/prlimit");
                command.arg(format!("--nofile={limit}:{limit}")).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        command
            .env_clear()
            .envs(env.iter().copied())
            .env("GROUNDWORK_ADDR", "127.0.0.1:0")
            .env("GROUNDWORK_DATA_DIR", data_dir)
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        let mut child = command.spawn().expect("the binary starts");

        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let wait_for_address = async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some((_, address)) = line.split_once("listening on ") {
                    return address.trim().to_owned();
                }
            }
            panic!("the binary exited before listening");
        };
        let address = tokio::time::timeout(Duration::from_secs(30), wait_for_address)
            .await
            .expect("the binary listens within 30 s");
        // Keep draining the log so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { child, address }
    }

    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("still running").to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(sent.success());
        tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("exits within 10 s of SIGTERM")
            .unwrap()
    }

    #[allow(dead_code, reason = "used by tests/load, which includes this file")]
    pub fn pid(&self) -> u32 {
        self.child.id().expect("still running")
    }

    /// SIGKILL: the process dies at once, as in a crash or an OOM kill.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("killed");
    }
}

/// Resident memory of process `pid` now, from `/proc/<pid>/status`, in MiB.
#[allow(dead_code, reason = "used by tests/load, which includes this file")]
pub fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS in /proc/<pid>/status");
    kib / 1024.0
}
