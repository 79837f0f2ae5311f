//! A TCP proxy a test puts between Gatehouse and a service it depends on
//! (the database), to cut the service off and bring it back as an outage
//! would, without stopping the service other tests share.
//!
//! While cut, the proxy closes every connection it carries and every new
//! one as soon as it arrives: to the client the service has gone away
//! (its connections end, new ones fail). Restored, it forwards again.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// A running proxy to one address.
pub struct TcpProxy {
    address: SocketAddr,
    shared: Arc<Shared>,
    accepting: JoinHandle<()>,
}

struct Shared {
    target: SocketAddr,
    cut: AtomicBool,
    /// The tasks forwarding open connections, ended by a cut.
    connections: Mutex<Vec<AbortHandle>>,
}

impl TcpProxy {
    /// A proxy on a free loopback port, forwarding to `target`.
    pub async fn start(target: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let address = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            target,
            cut: AtomicBool::new(false),
            connections: Mutex::default(),
        });
        let accepting = tokio::spawn(accept(listener, shared.clone()));
        TcpProxy {
            address,
            shared,
            accepting,
        }
    }

    /// A proxy to the server of the URL `url` (`scheme://[user@]host:port/…`).
    pub async fn to_url(url: &str) -> TcpProxy {
        let authority = authority(url);
        let target = tokio::net::lookup_host(authority)
            .await
            .ok()
            .and_then(|mut addresses| addresses.next())
            .unwrap_or_else(|| panic!("cannot resolve {authority}"));
        Self::start(target).await
    }

    /// A proxy to the PostgreSQL server the tests create their databases on.
    pub async fn to_postgres() -> TcpProxy {
        Self::to_url(&crate::database::postgres_admin_url()).await
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `url` with its host and port replaced by the proxy's, so that a
    /// client given it goes through the proxy.
    pub fn url(&self, url: &str) -> String {
        let host = authority(url);
        let start = host.as_ptr() as usize - url.as_ptr() as usize;
        format!(
            "{}{}{}",
            &url[..start],
            self.address,
            &url[start + host.len()..]
        )
    }

    /// Cuts the service off: closes every connection now open and each new
    /// one as it arrives, until `restore`.
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        for connection in self.shared.connections().drain(..) {
            connection.abort();
        }
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }
}

impl Shared {
    fn connections(&self) -> std::sync::MutexGuard<'_, Vec<AbortHandle>> {
        self.connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accepting.abort();
        for connection in self.shared.connections().drain(..) {
            connection.abort();
        }
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((client, _)) = listener.accept().await {
        if shared.cut.load(Ordering::SeqCst) {
            drop(client);
            continue;
        }
        let target = shared.target;
        let forwarding = tokio::spawn(forward(client, target));
        let mut connections = shared.connections();
        connections.retain(|connection| !connection.is_finished());
        connections.push(forwarding.abort_handle());
    }
}

async fn forward(mut client: TcpStream, target: SocketAddr) {
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}

/// The `host:port` of a URL.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['/', '?']).next().unwrap_or(rest);
    rest.rsplit_once('@').map_or(rest, |(_, host)| host)
}

#[cfg(test)]
mod tests {
    use super::authority;

    #[test]
    fn authorities() {
        assert_eq!(
            authority("postgres://postgres:pw@127.0.0.1:5432/postgres"),
            "127.0.0.1:5432"
        );
        assert_eq!(authority("postgres://127.0.0.1:5432/db"), "127.0.0.1:5432");
        assert_eq!(authority("redis://127.0.0.1:6379"), "127.0.0.1:6379");
    }
}
