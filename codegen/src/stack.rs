//! The stack the generator runs on.
//!
//! Reading, converting and printing a document recurse as deep as its schemas nest. The
//! generator bounds that depth (the loader cuts the tree at [`load::MAX_NESTING`] levels,
//! lowering turns a schema nested more than [`lower::MAX_DEPTH`] schemas deep into
//! `serde_json::Value`), and runs every stage on a thread of its own with a [`SIZE`] stack,
//! so that the caller's stack does not matter: cargo runs build scripts on an 8 MiB main
//! thread, and threads are spawned with 2 MiB by default, which a debug build of the
//! generator would overflow on a document nested a few dozen levels deep.
//!
//! [`load::MAX_NESTING`]: crate::load::MAX_NESTING
//! [`lower::MAX_DEPTH`]: crate::lower::MAX_DEPTH

use std::cell::Cell;
use std::sync::Mutex;
use std::thread::{Builder, Scope, ScopedJoinHandle};

/// The stack size of the generator's threads: room for the deepest document it reads, in a
/// debug build (memory is committed only as far as the stack is used).
pub(crate) const SIZE: usize = 256 << 20;

thread_local! {
    /// Whether this thread has a [`SIZE`] stack (one the generator spawned).
    static DEEP: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on a thread with a [`SIZE`] stack (this one if it has one already) and returns
/// what it returns; a panic of `f` continues on the caller's thread.
pub(crate) fn deep<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if DEEP.get() {
        return f();
    }
    let slot = Mutex::new(Some(f));
    let spawned = std::thread::scope(|scope| {
        spawn_scoped(scope, || {
            let f = slot.lock().ok().and_then(|mut f| f.take());
            f.map(|f| f())
        })
        .ok()
        .map(|handle| match handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    });
    match spawned.flatten() {
        Some(value) => value,
        // No thread could be spawned (the process is out of threads or memory): run here.
        None => {
            let f = slot.into_inner().ok().flatten();
            f.map(|f| f())
                .expect("the closure runs once, here or on the thread")
        }
    }
}

/// Spawns `f` in `scope` on a thread with a [`SIZE`] stack.
pub(crate) fn spawn_scoped<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> std::io::Result<ScopedJoinHandle<'scope, T>> {
    Builder::new()
        .name("aqua-codegen".to_owned())
        .stack_size(SIZE)
        .spawn_scoped(scope, move || {
            DEEP.set(true);
            f()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_once_on_a_deep_stack() {
        assert!(!DEEP.get());
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let on_deep = deep(|| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Nested calls stay on the same thread.
            deep(|| DEEP.get())
        });
        assert!(on_deep);
        assert_eq!(calls.into_inner(), 1);
    }

    #[test]
    fn a_panic_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| deep(|| panic!("boom")));
        let payload = caught.expect_err("the panic is resumed");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    }
}
