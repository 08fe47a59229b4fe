//! What a hostile or broken server cannot make the client do (issue 28, the client's findings),
//! over real HTTP on loopback: follow a redirect to another host with the password or a license
//! file, read an answer without end, take a URL's `user:pass@`, walk an offset-ignoring
//! collection for ever, sign in before every call, print tokens, or send a live check's
//! requests outside the API.
//!
//! A module per finding; the servers they share are here.

mod live_check_paths;
mod paging;
mod redirects;
mod secrets;
mod sign_in;
mod size_limits;
mod tls;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback server that answers every request with `head` (status line and headers, chunked
/// transfer encoding) and then `chunk` over and over, until the client goes away: an answer
/// that never ends. Counts the connections it accepted.
pub struct EndlessServer {
    pub url: String,
    connections: Arc<AtomicUsize>,
}

impl EndlessServer {
    pub async fn start(
        status_line: &'static str,
        content_type: &'static str,
        chunk: &'static [u8],
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                let _ = tcp.set_nodelay(true);
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n")
                        && tcp.read(&mut byte).await.unwrap_or(0) == 1
                    {
                        head.push(byte[0]);
                    }
                    let start = format!(
                        "{status_line}\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
                    );
                    if tcp.write_all(start.as_bytes()).await.is_err() {
                        return;
                    }
                    // Large writes: the client reads the answer quickly, up to its limit.
                    let data = chunk.repeat(8192 / chunk.len().max(1));
                    let framed =
                        [format!("{:x}\r\n", data.len()).as_bytes(), &data, b"\r\n"].concat();
                    while tcp.write_all(&framed).await.is_ok() {}
                });
            }
        });
        EndlessServer { url, connections }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
