//! The signals that end `aqua` early: Ctrl-C (`SIGINT`), `SIGTERM` and `SIGHUP`.
//!
//! `main` races the command against [`Signals::recv`]. When a signal wins, the command's
//! future is dropped, which removes the files it was writing (downloads write to a temporary
//! file whose guard deletes it), and the exit code is 128 plus the signal's number.

use std::time::Duration;

use crate::exit;

/// How long blocking work (a file being written or unpacked) may take to notice that it was
/// cancelled and remove what it wrote.
pub const CLEANUP: Duration = Duration::from_secs(10);

/// A signal that ends the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C, `SIGINT`.
    Interrupt,
    /// `SIGTERM`, as sent by `kill`, service managers and container runtimes.
    Terminate,
    /// `SIGHUP`: the terminal went away.
    HangUp,
}

impl Signal {
    /// The exit code: 128 plus the signal's number.
    pub fn code(self) -> u8 {
        match self {
            Signal::Interrupt => exit::INTERRUPTED,
            Signal::Terminate => exit::TERMINATED,
            Signal::HangUp => exit::HUNG_UP,
        }
    }

    /// What happened, for the error line.
    pub fn describe(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted",
            Signal::Terminate => "terminated (SIGTERM)",
            Signal::HangUp => "hung up (SIGHUP)",
        }
    }
}

/// The listeners, registered before the command starts, so that a signal never finds the
/// process with its default action (which would end it without cleaning up).
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hang_up: tokio::signal::unix::Signal,
}

impl Signals {
    /// Registers the listeners; must be called within the Tokio runtime.
    pub fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
                hang_up: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The first signal that arrives.
    pub async fn recv(mut self) -> Signal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Signal::Interrupt,
                _ = self.terminate.recv() => Signal::Terminate,
                _ = self.hang_up.recv() => Signal::HangUp,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            // Ctrl-C only; if its listener cannot be installed, never resolve.
            match tokio::signal::ctrl_c().await {
                Ok(()) => Signal::Interrupt,
                Err(_) => std::future::pending().await,
            }
        }
    }
}
