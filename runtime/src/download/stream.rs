//! Reading a download's body: one chunk at a time, within the stall timeout, checked against
//! the lengths announced.

use std::io;

use bytes::Bytes;

use super::{Download, DownloadError};

/// What reading the current body gave.
pub(super) enum Read {
    Chunk(Bytes),
    End,
    /// The body broke off; `resumable` when reading on from `received` makes sense.
    Failed {
        error: DownloadError,
        resumable: bool,
    },
}

impl Download {
    /// Reads the next chunk of the current body and checks it against the lengths.
    pub(super) async fn read(&mut self) -> Read {
        let truncated =
            |expected: u64, received: u64| DownloadError::Truncated { expected, received };
        let next = tokio::time::timeout(self.stall, self.body.chunk()).await;
        match next {
            Err(_) => Read::Failed {
                error: DownloadError::Stalled { after: self.stall },
                resumable: true,
            },
            Ok(Err(e)) => Read::Failed {
                error: match self.expected {
                    Some(expected) if ends_early(&e) && self.received < expected => {
                        truncated(expected, self.received)
                    }
                    _ => DownloadError::Transport(e),
                },
                resumable: true,
            },
            Ok(Ok(Some(chunk))) => {
                self.received += chunk.len() as u64;
                match self.body_end {
                    // More than announced: nothing after this point can be trusted.
                    Some(end) if self.received > end => Read::Failed {
                        error: truncated(self.expected.unwrap_or(end), self.received),
                        resumable: false,
                    },
                    _ => Read::Chunk(chunk),
                }
            }
            Ok(Ok(None)) => {
                // The body ended early, or a partial response holds less than the rest.
                let end = self.body_end.into_iter().chain(self.expected).max();
                match end {
                    Some(end) if self.received < end => Read::Failed {
                        error: truncated(self.expected.unwrap_or(end), self.received),
                        resumable: true,
                    },
                    _ => Read::End,
                }
            }
        }
    }
}

/// Whether a body error means the connection closed before the announced length arrived.
pub(super) fn ends_early(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::UnexpectedEof
        {
            return true;
        }
        source = s.source();
    }
    false
}
