use gilcheck::exec::*;
use gilcheck::models::gil::GilVariant;
use gilcheck::models::gil_twin::GilTwin;
#[test]
fn smoke() {
    match check_loom(GilTwin::new(GilVariant::HandoffUnderMutex, 2, 1, 1), None) { Ok(s) => println!("{s:?}"), Err(f) => println!("MSG {}\n{}", f.message, f.trace.to_text()) }
    match check_shuttle_random(GilTwin::new(GilVariant::HandoffUnderMutex, 4, 2, 2), 1000) { Ok(s) => println!("{s:?}"), Err(f) => println!("MSG {}\n{}", f.message, f.trace.to_text()) }
}
