//! `smtp-sink`: the tests' SMTP server as a program, for the benchmarks. It
//! accepts mail on the given address, keeps nothing, and prints how many
//! messages arrived each second and in all.
//!
//!     cargo run --release -p gatehouse-tests --bin smtp-sink -- 127.0.0.1:2525

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:2525".into());
    let server = support::SmtpServer::start_on(&address, false).await;
    println!("listening on {}", server.address);
    let started = Instant::now();
    let mut last = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let count = server.count();
        if count != last {
            println!(
                "{:>8.1}s {count:>9} messages (+{})",
                started.elapsed().as_secs_f64(),
                count - last
            );
            last = count;
        }
    }
}
