//! [`TcpProxy`]: a TCP relay between the app and its database that a test can cut, to stage a
//! database outage without stopping the PostgreSQL server other tests share.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

pub struct TcpProxy {
    pub address: SocketAddr,
    up: Arc<AtomicBool>,
    /// Bumped on every cut: open relays watch it and close.
    cuts: watch::Sender<u64>,
}

impl TcpProxy {
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0);
        let (relay_up, relay_cuts) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !relay_up.load(Ordering::SeqCst) {
                    // Down: the connection is accepted and dropped, as a dead server's port
                    // would refuse it.
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let mut cut = relay_cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { address, up, cuts }
    }

    /// The database "goes down": open connections break and new ones are refused.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|count| *count += 1);
    }

    /// The database is back.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}
