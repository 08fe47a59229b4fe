//! What the crate logs, captured as text: a `tracing` subscriber that writes into memory, the
//! default on this thread while the capture lives (so the other tests of the binary, which run
//! on their own threads, neither see it nor write into it).

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::subscriber::DefaultGuard;

/// The log of this thread at `level` and above, from [`CapturedLog::start`] until dropped.
pub struct CapturedLog {
    buffer: Buffer,
    _default: DefaultGuard,
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    /// Starts capturing what this thread logs at `level` and above, formatted as the tool does.
    pub fn start(level: tracing::Level) -> CapturedLog {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(level)
            .finish();
        CapturedLog {
            buffer,
            _default: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.buffer.0.lock().unwrap().clone()).expect("UTF-8 log")
    }
}
