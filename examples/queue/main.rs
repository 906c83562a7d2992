//! `cargo run --release --example queue`: `queue.Queue` modelled on Python's own primitives
//! (`gilcheck::models::threading`), checked on every backend through `gilcheck::suite::Suite`.

mod model;

use gilcheck::model::{Config, Variants};
use gilcheck::suite::Suite;
use model::{QueueModel, QueueTwin, QueueVariant, THREADS};

fn main() {
    for info in QueueVariant::ALL {
        let variant = QueueVariant::from_name(info.name).expect("every variant has its name");
        let suite = Suite::new(
            QueueModel::new(variant),
            "queue",
            variant,
            Config::threads(THREADS),
        );
        let report = suite.run_with_twin(|| QueueTwin { variant }, Some(2), 1_000);
        println!("== {} ({})", info.name, info.summary);
        print!("{}", report.summary());
        if let Some(trace) = report.failures().first() {
            println!("first counterexample:\n{}", trace.to_text());
        }
    }
}
