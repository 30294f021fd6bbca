//! A hostile client for the connection tests (also included by `tests/load`).

use std::time::{Duration, Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Opens a connection that sends a request line, then one header line every 500 ms, forever.
/// Resolves to when the server closed it.
pub async fn slow_header_client(address: String) -> Instant {
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 256];
    loop {
        tokio::select! {
            read = stream.read(&mut buffer) => {
                if matches!(read, Ok(0) | Err(_)) {
                    return Instant::now();
                }
            }
            () = tokio::time::sleep(Duration::from_millis(500)) => {
                if stream.write_all(b"X-Slow: yes\r\n").await.is_err() {
                    return Instant::now();
                }
            }
        }
    }
}
