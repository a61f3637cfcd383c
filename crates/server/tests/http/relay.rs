//! A TCP relay the fault tests put between the site and a real server (a database, the S3
//! server): up, it relays; down, it cuts every open connection and closes new ones at once,
//! as a restarting server does; black-holed, it accepts and then says nothing, as a hung server
//! or a lost network does. It keeps its port for its whole life, so no test running beside it
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

    /// The server "comes back" on the same address.
    pub async fn restart(&mut self) {
        self.set(UP).await;
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}
