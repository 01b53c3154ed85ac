//! The thread that writes a saved download: batches of chunks in as few `write` calls as
//! possible, and the writeback started along the way.

use std::io;

use bytes::Bytes;

/// How many bytes of chunks [`Download::save`] gathers before handing them to the thread that
/// writes the file: one wake-up of that thread and one `write` call per batch rather than per
/// chunk (measured: 128 KiB batches are slower, 2 MiB ones no faster).
pub(super) const BATCH_BYTES: usize = 512 * 1024;

/// How many batches may wait for the writing thread. With batches of [`BATCH_BYTES`] plus at
/// most one chunk (a few hundred KiB from hyper), a save holds at most a few MiB.
pub(super) const QUEUED_BATCHES: usize = 4;

/// Every this many bytes written, [`Download::save`] asks the kernel to start writing them
/// to disk (see [`Writeback`]). Measured on 1 GiB downloads from the benches' `file-server`
/// (ext4 on a virtio disk), 4 to 64 MiB are alike within the noise, but larger steps leave a
/// longer tail to the final `fsync` and more pages already clean when their writeback is
/// started, which `Writeback` then drops: at 8 MiB over 99% of the file stays in the page
/// cache, at 64 MiB 84 to 92%.
#[cfg(target_os = "linux")]
pub(super) const WRITEBACK_STEP: u64 = 8 << 20;

/// Writes the batches of chunks from `queue` to `file`, in order, until `queue` closes;
/// returns the file, written but not synced. Runs on a blocking thread.
pub(super) fn write_batches(
    mut file: std::fs::File,
    mut queue: tokio::sync::mpsc::Receiver<Vec<Bytes>>,
) -> io::Result<std::fs::File> {
    let mut writeback = Writeback::default();
    while let Some(batch) = queue.blocking_recv() {
        write_all_vectored(&mut file, &batch)?;
        writeback.wrote(&file, batch.iter().map(|c| c.len() as u64).sum());
    }
    Ok(file)
}

/// Writes all of `chunks` to `out`, in as few `write` calls as the platform allows.
fn write_all_vectored(out: &mut impl io::Write, chunks: &[Bytes]) -> io::Result<()> {
    let mut slices: Vec<io::IoSlice<'_>> = chunks.iter().map(|c| io::IoSlice::new(c)).collect();
    let mut rest = &mut slices[..];
    // Skips empty chunks, so that a write of 0 bytes means that the file takes no more.
    io::IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match out.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Starts the writeback of a file while it is being written, so that the final `fsync` has
/// little left to write (the technique of RocksDB's `bytes_per_sync` and PostgreSQL's
/// `backend_flush_after`).
///
/// Without it, a large download sits in the page cache as dirty pages (the kernel starts
/// writing them back only past `vm.dirty_background_ratio` of the memory, or after 30 s) and
/// the `fsync` at the end writes all of them after the transfer, serially: on a 1 GiB
/// download, half a second more than the transfer itself.
///
/// On Linux, every [`WRITEBACK_STEP`] bytes, the range just written is given to
/// `posix_fadvise(POSIX_FADV_DONTNEED)`. The kernel starts its writeback without waiting for
/// it, exactly as `sync_file_range(SYNC_FILE_RANGE_WRITE)` does (which has no safe wrapper,
/// and this workspace forbids `unsafe` code), then drops from the page cache those of its
/// pages that are already clean: with a range this recent, in practice almost none. Either
/// way this is only a hint: the `fsync` at the end stays the guarantee, and reports any error
/// of the writeback. Elsewhere, nothing is done before that `fsync`.
#[derive(Default)]
pub(super) struct Writeback {
    /// The bytes written so far.
    #[cfg(target_os = "linux")]
    written: u64,
    /// The bytes whose writeback has been started.
    #[cfg(target_os = "linux")]
    started: u64,
}

impl Writeback {
    /// Notes that `len` more bytes were written at the end of `file`.
    #[cfg(target_os = "linux")]
    pub(super) fn wrote(&mut self, file: &std::fs::File, len: u64) {
        self.written += len;
        let range = self.written - self.started;
        if range >= WRITEBACK_STEP {
            // Best effort: a failure costs only time, and the fsync reports write errors.
            let _ = rustix::fs::fadvise(
                file,
                self.started,
                std::num::NonZeroU64::new(range),
                rustix::fs::Advice::DontNeed,
            );
            self.started = self.written;
        }
    }

    /// Notes that `len` more bytes were written at the end of `file`.
    #[cfg(not(target_os = "linux"))]
    pub(super) fn wrote(&mut self, _file: &std::fs::File, _len: u64) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_server::TempDir;

    #[test]
    fn the_writer_writes_every_batch_in_order_and_reports_failures() {
        let dir = TempDir::new("writer");
        let path = dir.path.join("out");
        let body = crate::test_server::pseudo_random_bytes(3 << 20);
        // Batches of uneven chunks, some empty.
        let (tx, rx) = tokio::sync::mpsc::channel(QUEUED_BATCHES);
        let feeder = std::thread::spawn({
            let body = Bytes::from(body.clone());
            move || {
                let mut at = 0;
                let mut size = 1;
                while at < body.len() {
                    let mut batch = vec![Bytes::new()];
                    for _ in 0..3 {
                        let end = (at + size).min(body.len());
                        batch.push(body.slice(at..end));
                        at = end;
                        size = size * 7 % 400_000 + 1;
                    }
                    tx.blocking_send(batch).unwrap();
                }
            }
        });
        let file = std::fs::File::create(&path).unwrap();
        write_batches(file, rx).unwrap();
        feeder.join().unwrap();
        assert!(std::fs::read(&path).unwrap() == body, "the bytes differ");

        // A file that cannot be written.
        let file = std::fs::File::open(&path).unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        tx.try_send(vec![Bytes::from_static(b"x")]).unwrap();
        drop(tx);
        assert!(write_batches(file, rx).is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn writeback_is_started_every_step() {
        let dir = TempDir::new("writeback");
        let file = std::fs::File::create(dir.path.join("out")).unwrap();
        let mut writeback = Writeback::default();
        let step = WRITEBACK_STEP;
        writeback.wrote(&file, step - 1);
        assert_eq!((writeback.written, writeback.started), (step - 1, 0));
        writeback.wrote(&file, 2);
        assert_eq!((writeback.written, writeback.started), (step + 1, step + 1));
        writeback.wrote(&file, 3 * step);
        assert_eq!(writeback.started, 4 * step + 1);
    }
}
