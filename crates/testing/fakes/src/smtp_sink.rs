//! A local SMTP sink for tests: speaks enough of RFC 5321 for lettre over plain SMTP
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepted, and can refuse
//! the first transactions with a temporary failure (`451`) to prove that mail is retried and
//! still arrives once.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message the sink accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent (dot-unstuffed).
    pub data: String,
}

impl ReceivedMail {
    /// The value of header `name` (first occurrence, unfolded).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = self.data.lines().take_while(|l| !l.is_empty()).peekable();
        while let Some(line) = lines.next() {
            if line.to_ascii_lowercase().starts_with(&prefix) {
                let mut value = line[prefix.len()..].trim().to_owned();
                while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
                    value.push(' ');
                    value.push_str(next.trim());
                    lines.next();
                }
                return Some(value);
            }
        }
        None
    }
}

#[derive(Default)]
struct Shared {
    mails: Mutex<Vec<ReceivedMail>>,
    refuse: AtomicU32,
    refused: AtomicU32,
}

/// A running sink on `127.0.0.1`.
#[derive(Clone)]
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
}

impl SmtpSink {
    /// Starts a sink that refuses the first `refuse` transactions at `MAIL FROM` with `451`.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start(refuse: u32) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared {
            refuse: AtomicU32::new(refuse),
            ..Shared::default()
        });
        let serving = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, serving.clone()));
            }
        });
        Self { port, shared }
    }

    /// `smtp://127.0.0.1:<port>` (plain: lettre's form for a local relay).
    #[must_use]
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    #[must_use]
    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.shared
            .mails
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Transactions refused so far.
    #[must_use]
    pub fn refused(&self) -> u32 {
        self.shared.refused.load(Ordering::SeqCst)
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let reply = async |w: &mut tokio::net::tcp::OwnedWriteHalf, text: &str| {
        w.write_all(format!("{text}\r\n").as_bytes()).await.is_ok()
    };
    if !reply(&mut write, "220 sink.local ESMTP merx-fakes").await {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let answer = if upper.starts_with("EHLO") {
            "250-sink.local\r\n250 8BITMIME".to_owned()
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            "250 OK".to_owned()
        } else if upper.starts_with("MAIL FROM:") {
            let left = shared.refuse.load(Ordering::SeqCst);
            if left > 0 {
                shared.refuse.store(left - 1, Ordering::SeqCst);
                shared.refused.fetch_add(1, Ordering::SeqCst);
                "451 4.3.0 try again later".to_owned()
            } else {
                from = address(&line[10..]);
                to.clear();
                "250 OK".to_owned()
            }
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&line[8..]));
            "250 OK".to_owned()
        } else if upper.starts_with("DATA") {
            if !reply(&mut write, "354 end with <CRLF>.<CRLF>").await {
                return;
            }
            let mut data = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push('\n');
            }
            if let Ok(mut mails) = shared.mails.lock() {
                mails.push(ReceivedMail {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
            }
            "250 OK queued".to_owned()
        } else if upper.starts_with("RSET") {
            from.clear();
            to.clear();
            "250 OK".to_owned()
        } else if upper.starts_with("QUIT") {
            let _ = reply(&mut write, "221 bye").await;
            return;
        } else {
            "502 command not implemented".to_owned()
        };
        if !reply(&mut write, &answer).await {
            return;
        }
    }
}

fn address(arg: &str) -> String {
    let arg = arg.trim();
    let end = arg.find('>').map_or(arg.len(), |i| i + 1);
    arg[..end]
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}
