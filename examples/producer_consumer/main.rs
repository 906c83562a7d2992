//! `cargo run --release --example producer_consumer`: a model written outside gilcheck, checked
//! by every backend through the public API (`gilcheck::suite::Suite`). See docs/extending.md.

mod model;

use gilcheck::model::Config;
use gilcheck::model::Variants;
use gilcheck::suite::Suite;
use model::{PcVariant, ProducerConsumer, ProducerConsumerTwin};

fn main() {
    let threads = 3;
    for info in PcVariant::ALL {
        let variant = PcVariant::from_name(info.name).expect("every variant has its name");
        let config = Config::threads(threads);
        let suite = Suite::new(
            ProducerConsumer::new(variant, config.clone()),
            "producer-consumer",
            variant,
            config,
        );
        let twin = || ProducerConsumerTwin { variant, threads };
        let report = suite.run_with_twin(twin, Some(3), 1_000);
        println!("== {} ({})", info.name, info.summary);
        print!("{}", report.summary());
        if let Some(trace) = report.failures().first() {
            println!("first counterexample:\n{}", trace.to_text());
        }
    }
}
