//! `vspc-licensing serve` as a child process: started with arguments, killed on drop.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// A running `serve` process and the base URL it printed first.
pub struct Served {
    child: Child,
    /// The base URL (`http://127.0.0.1:PORT/api/v3`).
    pub url: String,
}

impl Served {
    /// Starts `vspc-licensing serve --addr 127.0.0.1:0 ARGS...`; panics with its standard error
    /// if it exits before printing its URL.
    pub fn start(args: &[&str]) -> Served {
        let mut child = super::cli::tool_process()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("vspc-licensing serve starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut first)
            .expect("serve prints its URL");
        if first.trim().is_empty() {
            let output = child.wait_with_output().expect("serve exited");
            panic!(
                "serve exited with {:?}: {}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        // Read what it logs from now on, so that a full pipe never blocks it.
        let mut log = child.stderr.take().expect("piped");
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        Served {
            child,
            url: first.trim().to_owned(),
        }
    }

    /// The origin (`http://127.0.0.1:PORT`), what `--url` takes.
    pub fn root(&self) -> &str {
        self.url.trim_end_matches("/api/v3")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
