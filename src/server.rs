//! The connection loop: HTTP/1.1 over hyper with the limits `axum::serve` does not offer. A
//! client gets a deadline for its request headers, the number of open connections is capped
//! (below the open-file limit, so the listener never starves), and shutdown waits for requests
//! in flight only up to a grace period.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{Router, extract::ConnectInfo, http::Request};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::{Semaphore, watch},
    task::JoinSet,
};
use tower::ServiceExt;

/// What the loop enforces; from [`crate::config::Config::server_limits`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_grace: Duration,
}

/// File descriptors kept free for the database pool, log files and the outbox.
const RESERVED_FDS: usize = 64;

/// Serves `app` on `listener` until `shutdown` completes; then stops accepting, lets requests
/// in flight finish for at most `limits.shutdown_grace`, and closes what is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let max_connections = connection_cap(limits.max_connections, open_file_limit());
    let slots = Arc::new(Semaphore::new(max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tracing::info!(max_connections, "accepting connections");

    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            // Reap finished connections as we go, so the set stays as large as what is open.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or a connection reset before accept: neither is
                    // fatal; pause briefly so a full descriptor table cannot spin the loop.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            connections.spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = app.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let mut stopping = stopping.clone();
        connections.spawn(async move {
            let _slot = slot;
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stopping.changed() => {
                    // Finish the request in progress (if any), then close.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }

    drop(listener);
    let _ = stop.send(true);
    let open = connections.len();
    let started = Instant::now();
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    match drained {
        Ok(()) => tracing::info!(
            open,
            waited_ms = started.elapsed().as_millis() as u64,
            "stopped: every request in flight was answered"
        ),
        Err(_) => {
            let left = connections.len();
            connections.shutdown().await;
            tracing::warn!(
                left,
                grace_secs = limits.shutdown_grace.as_secs(),
                "stopped: closed the connections still open after the grace period"
            );
        }
    }
    Ok(())
}

/// Over the cap: say so in plain HTTP and close, rather than leave the client hanging.
async fn refuse(mut stream: TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Length: 52\r\nConnection: close\r\n\r\n\
        The server has too many open connections. Try again.";
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        // Answer after the request arrives: a client that is still writing its request
        // would take an early response for a protocol error rather than a refusal.
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request).await;
        let _ = stream.write_all(BUSY).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// The configured cap, lowered to leave [`RESERVED_FDS`] descriptors under the process's limit.
fn connection_cap(configured: usize, open_file_limit: Option<usize>) -> usize {
    let fitting = open_file_limit.map_or(usize::MAX, |limit| {
        if limit > 2 * RESERVED_FDS {
            limit - RESERVED_FDS
        } else {
            limit / 2
        }
    });
    configured.min(fitting).max(1)
}

/// The soft `RLIMIT_NOFILE`, read from `/proc` (no `unsafe` for `getrlimit`); `None` elsewhere.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_leaves_room_under_the_open_file_limit() {
        assert_eq!(connection_cap(1024, None), 1024);
        assert_eq!(connection_cap(1024, Some(1_048_576)), 1024);
        assert_eq!(connection_cap(1024, Some(256)), 192);
        assert_eq!(connection_cap(1024, Some(100)), 50);
        assert_eq!(connection_cap(0, Some(256)), 1);
    }

    #[test]
    fn the_open_file_limit_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(open_file_limit().is_some_and(|limit| limit > 0));
        }
    }
}
