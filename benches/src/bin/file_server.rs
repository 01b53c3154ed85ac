//! `file-server SIZE_BYTES [PORT] [SECONDS]`: serves `GET /v1/files/{id}` with SIZE_BYTES of
//! generated CSV (see `aqua_benches::files`) on 127.0.0.1:PORT (default 0: any free port).
//! Prints `http://127.0.0.1:PORT/v1` on the first line of stdout once it listens, then serves
//! until stdin is closed or SECONDS have passed (default 1800), whichever comes first.

use std::io::Read as _;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse = |i: usize, default: u64| match args.get(i) {
        None => Some(default),
        Some(v) => v.parse().ok(),
    };
    let (Some(size), Some(port), Some(seconds)) = (
        args.first().and_then(|v| v.parse::<u64>().ok()),
        parse(1, 0),
        parse(2, 1800),
    ) else {
        eprintln!("usage: file-server SIZE_BYTES [PORT] [SECONDS]");
        return ExitCode::from(2);
    };
    let Ok(port) = u16::try_from(port) else {
        eprintln!("error: bad port {port}");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let (stdin_closed, closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = [0u8; 64];
        while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
        let _ = stdin_closed.send(());
    });
    let served = runtime.block_on(async move {
        let (listener, addr) = aqua_benches::files::bind(port).await?;
        println!("http://{addr}/v1");
        let stop = async move {
            tokio::select! {
                _ = closed => {}
                () = tokio::time::sleep(Duration::from_secs(seconds)) => {}
            }
        };
        aqua_benches::files::serve(listener, size, stop).await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
