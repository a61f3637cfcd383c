//! A TCP relay the fault tests put between the site and a real server (a database, the S3
//! server): up, it relays; down, it cuts every open connection and closes new ones at once,
//! as a restarting server does; black-holed, it accepts and then says nothing, as a hung server
//! or a lost network does; failing, it answers every HTTP request `503 Service Unavailable`, as
//! an overloaded or broken server does. It keeps its port for its whole life, so no test running beside it
//! can take the port during an outage.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::net::TcpListener;
use tokio::sync::Mutex;
use tokio::task::{JoinHandle, JoinSet};

const UP: u8 = 0;
const DOWN: u8 = 1;
const BLACK_HOLE: u8 = 2;
const FAILING: u8 = 3;

pub struct Relay {
    pub addr: SocketAddr,
    mode: Arc<AtomicU8>,
    conns: Arc<Mutex<JoinSet<()>>>,
    task: JoinHandle<()>,
}

impl Relay {
    pub fn start(target: SocketAddr) -> Relay {
        let std = std::net::TcpListener::bind("127.0.0.1:0").expect("bind relay");
        std.set_nonblocking(true).expect("nonblocking");
        let listener = TcpListener::from_std(std).expect("relay listener");
        let addr = listener.local_addr().expect("relay addr");
        let mode = Arc::new(AtomicU8::new(UP));
        let conns = Arc::new(Mutex::new(JoinSet::new()));
        let task = tokio::spawn(Self::run(listener, target, mode.clone(), conns.clone()));
        Relay {
            addr,
            mode,
            conns,
            task,
        }
    }

    async fn run(
        listener: TcpListener,
        target: SocketAddr,
        mode: Arc<AtomicU8>,
        conns: Arc<Mutex<JoinSet<()>>>,
    ) {
        while let Ok((mut client, _)) = listener.accept().await {
            match mode.load(Ordering::SeqCst) {
                DOWN => drop(client),
                BLACK_HOLE => {
                    // Held open, never answered, until the relay changes mode.
                    conns.lock().await.spawn(async move {
                        let _keep = client;
                        std::future::pending::<()>().await;
                    });
                }
                FAILING => {
                    conns.lock().await.spawn(answer_503(client));
                }
                _ => {
                    conns.lock().await.spawn(async move {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                }
            }
        }
    }

    async fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
        let mut conns = self.conns.lock().await;
        conns.abort_all();
        while conns.join_next().await.is_some() {}
    }

    /// The server "goes down": open connections are cut, new ones closed at once.
    pub async fn stop(&mut self) {
        self.set(DOWN).await;
    }

    /// The server "hangs": open connections are cut, new ones accepted and never answered.
    pub async fn black_hole(&mut self) {
        self.set(BLACK_HOLE).await;
    }

    /// The server "fails": every HTTP request gets a 503.
    pub async fn fail(&mut self) {
        self.set(FAILING).await;
    }

    /// The server "comes back" on the same address.
    pub async fn restart(&mut self) {
        self.set(UP).await;
    }
}

/// Answers each request on the connection with a 503 once its head has arrived, reading (and
/// dropping) whatever body follows.
async fn answer_503(mut client: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut seen: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match tokio::time::timeout(std::time::Duration::from_secs(5), client.read(&mut buf))
            .await
        {
            Ok(Ok(n)) if n > 0 => n,
            _ => return,
        };
        seen.extend_from_slice(&buf[..n]);
        // One answer per request head seen (keep-alive clients send the next after it).
        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            seen.drain(..end + 4);
            let reply = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n";
            if client.write_all(reply).await.is_err() {
                return;
            }
        }
        // Body bytes are not heads; keep only a tail that could begin one.
        if seen.len() > 64 * 1024 {
            let keep = seen.len() - 3;
            seen.drain(..keep);
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}
