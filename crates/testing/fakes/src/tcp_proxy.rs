//! A TCP proxy the fault tests put in front of Postgres: it forwards, freezes (holds every byte,
//! as a server that stopped answering), and cuts (drops every connection and refuses new ones)
//! until restored. The machine's own services are never stopped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::AbortHandle;

#[derive(Default)]
struct Switches {
    cut: AtomicBool,
    frozen: AtomicBool,
    links: Mutex<Vec<AbortHandle>>,
}

pub struct FaultProxy {
    pub port: u16,
    switches: Arc<Switches>,
}

impl FaultProxy {
    /// Forwards `127.0.0.1:<port>` to `target_port`.
    pub async fn start(target_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let switches = Arc::new(Switches::default());
        let s = switches.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                if s.cut.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)).await else {
                    continue;
                };
                let link = tokio::spawn(forward(client, server, s.clone()));
                s.links.lock().await.push(link.abort_handle());
            }
        });
        Self { port, switches }
    }

    /// Holds every byte from now on (connections stay open).
    pub fn freeze(&self) {
        self.switches.frozen.store(true, Ordering::SeqCst);
    }

    /// Drops every connection and refuses new ones.
    pub async fn cut(&self) {
        self.switches.cut.store(true, Ordering::SeqCst);
        for link in self.switches.links.lock().await.drain(..) {
            link.abort();
        }
    }

    pub fn restore(&self) {
        self.switches.frozen.store(false, Ordering::SeqCst);
        self.switches.cut.store(false, Ordering::SeqCst);
    }
}

async fn forward(client: TcpStream, server: TcpStream, s: Arc<Switches>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = pump(&mut cr, &mut sw, &s);
    let down = pump(&mut sr, &mut cw, &s);
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

async fn pump(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    s: &Switches,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        while s.frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
