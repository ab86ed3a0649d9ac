//! Binding the servers' addresses, and saying in one line what to do when one is taken.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use tokio::net::TcpListener;

/// The flags that choose a command's addresses, for the message when one cannot be used.
#[derive(Debug, Clone, Copy)]
pub enum Ports {
    /// `rollcall demo`: the app's `--listen` and the embedded emulator's `--emulator-listen`.
    Demo,
    /// `rollcall serve` and `rollcall emulator`: `--listen`.
    Listen,
}

/// An address a server could not listen on. Its `Display` is the whole message, one line, with
/// the flags that pick another address: the person reading it has nothing to debug, only a flag
/// to change, so `main` prints it without causes or backtrace.
#[derive(Debug)]
pub struct CannotListen {
    addr: SocketAddr,
    ports: Ports,
    error: io::Error,
}

impl fmt::Display for CannotListen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let addr = self.addr;
        match self.error.kind() {
            io::ErrorKind::AddrInUse => {
                let who = match self.ports {
                    Ports::Demo => "is another Rollcall demo running?",
                    Ports::Listen => "is another process using it?",
                };
                write!(f, "{addr} is already in use ({who})")?;
            }
            _ => write!(f, "cannot listen on {addr}: {}", self.error)?,
        }
        match self.ports {
            Ports::Demo => f.write_str(
                "; pick other ports with --listen and --emulator-listen, e.g. \
                 `rollcall demo --listen 127.0.0.1:8081 --emulator-listen 127.0.0.1:4001`",
            ),
            Ports::Listen => {
                let next = SocketAddr::new(addr.ip(), addr.port().wrapping_add(1).max(1));
                write!(f, "; pick another address with --listen, e.g. --listen {next}")
            }
        }
    }
}

impl std::error::Error for CannotListen {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Listens on `addr`, or says which flags choose another address.
pub async fn bind(addr: SocketAddr, ports: Ports) -> Result<TcpListener, CannotListen> {
    TcpListener::bind(addr).await.map_err(|error| CannotListen { addr, ports, error })
}
