//! The `gilcheck` command line.

fn main() {
    std::process::exit(gilcheck::cli::main());
}
