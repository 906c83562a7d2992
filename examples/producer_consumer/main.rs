//! `cargo run --release --example producer_consumer`: a model written outside gilcheck, checked
//! by every backend through the public API (`gilcheck::suite::Suite`). See docs/extending.md.

mod model;

use gilcheck::model::Config;
use gilcheck::suite::Suite;
use model::{ProducerConsumer, ProducerConsumerTwin, VARIANTS};

fn main() {
    let threads = 3;
    for variant in VARIANTS {
        let config = Config::threads(threads);
        let suite = Suite::new(
            ProducerConsumer::new(variant.name, config.clone()),
            "producer-consumer",
            variant.name,
            config,
        );
        let twin = || ProducerConsumerTwin {
            variant: variant.name,
            threads,
        };
        let report = suite.run_with_twin(twin, None, 1_000);
        println!("== {} ({})", variant.name, variant.summary);
        print!("{}", report.summary());
        if let Some(trace) = report.failures().first() {
            println!("first counterexample:\n{}", trace.to_text());
        }
    }
}
