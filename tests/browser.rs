//! `gilcheck prove`'s pages, rendered in a real headless Chromium.
//!
//! Reads the committed proofs/index.html, follows its first link to an SVG
//! timeline (proofs/svg/<name>.svg), and for both pages checks that a
//! screenshot is not blank and that the rendered DOM carries the expected
//! labels (the table just below).
//!
//! Without proofs/index.html (run `cargo run --release -- prove`) this test
//! fails on purpose, so a missing catalogue can never pass unnoticed.
//!
//! Needs Chromium (Debian package `chromium`). If it is missing the test
//! tries `apt-get update && apt-get install -y chromium`, as .ci/run does,
//! and fails with a message saying how to install it if that fails too.

#[path = "common/apt.rs"]
mod apt;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Text the rendered DOM of each page must contain. Change labels here.
const INDEX_LABELS: &[&str] = &["GIL-S1", "holds"];
/// For the first SVG timeline index.html links to: a thread lane label.
const SVG_LABELS: &[&str] = &["T0"];

/// A screenshot must have at least this many distinct colours...
const MIN_COLOURS: usize = 3;
/// ...and at least this share of pixels unlike the background (its most
/// common colour).
const MIN_INK_SHARE: f64 = 0.01;
/// Chromium is killed, and the test fails, past this.
const TIMEOUT: Duration = Duration::from_secs(60);
const WINDOW_SIZE: &str = "1200,900";

/// Flags for headless Chromium as root in a container; without the
/// background-networking ones it tries (and noisily fails) to reach Google.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

const INSTALL_HINT: &str = "Chromium not found (not /usr/bin/chromium, no `chromium` on PATH) \
     and installing it with apt-get failed: this test needs it, so install it with \
     `apt-get update && apt-get install -y chromium` (Debian package `chromium`, as root), \
     or put a `chromium` binary on PATH";

fn proofs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proofs")
}

#[test]
fn proof_index_renders_with_its_labels() {
    let index = proofs_dir().join("index.html");
    assert!(
        index.is_file(),
        "{} is missing: run `gilcheck prove` and commit proofs/",
        index.display()
    );
    check_page(&index, INDEX_LABELS);
}

#[test]
fn first_svg_timeline_renders_with_its_labels() {
    let index = proofs_dir().join("index.html");
    let html = fs::read_to_string(&index).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: run `gilcheck prove` and commit proofs/",
            index.display()
        )
    });
    let href = first_svg_href(&html)
        .unwrap_or_else(|| panic!("{} links to no .svg file", index.display()));
    assert!(
        !href.contains(':') && !href.starts_with('/'),
        "{}: the SVG link {href:?} should be relative",
        index.display()
    );
    let svg = proofs_dir().join(percent_decode(href));
    assert!(
        svg.is_file(),
        "{} links to {href:?}, but {} is missing",
        index.display(),
        svg.display()
    );
    check_page(&svg, SVG_LABELS);
}

/// Screenshot `page` and dump its DOM; fail unless the screenshot has ink
/// and the DOM every label.
fn check_page(page: &Path, labels: &[&str]) {
    let url = file_url(page);
    let tmp = TempDir::new();

    let shot = tmp.0.join("x.png");
    let screenshot = format!("--screenshot={}", shot.display());
    let window = format!("--window-size={WINDOW_SIZE}");
    run_chromium(&tmp, &[&screenshot, &window], &url);
    let png = fs::read(&shot).unwrap_or_else(|e| panic!("{url}: no screenshot: {e}"));
    let stats = pixel_stats(&png);
    eprintln!("{url}: {stats:?}");
    assert!(
        stats.colours >= MIN_COLOURS && stats.ink_share >= MIN_INK_SHARE,
        "{url} renders blank: {stats:?}, want >= {MIN_COLOURS} colours and \
         >= {:.0}% of pixels unlike the background",
        MIN_INK_SHARE * 100.0
    );

    let dom = run_chromium(&tmp, &["--dump-dom"], &url);
    for label in labels {
        assert!(
            dom.contains(label),
            "{url}: rendered DOM lacks {label:?}; DOM began:\n{}",
            dom.chars().take(4000).collect::<String>()
        );
    }
}

/// One headless Chromium run on `url` with a fresh profile; its stdout.
fn run_chromium(tmp: &TempDir, extra: &[&str], url: &str) -> String {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let profile = tmp.0.join(format!("profile-{n}"));
    fs::create_dir(&profile).expect("create a Chromium profile dir");
    let out_path = tmp.0.join(format!("stdout-{n}"));
    let err_path = tmp.0.join(format!("stderr-{n}"));

    // Output goes to files, not pipes: a big DOM cannot then fill a pipe and
    // stall Chromium while we wait on it.
    let mut child = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("create stdout file"))
        .stderr(File::create(&err_path).expect("create stderr file"))
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("start chromium: {e}"));

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            // Chromium is its own process group: end it with its renderers.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium {extra:?} {url} hung for over {TIMEOUT:?} and was killed; stderr:\n{}",
                tail(&err_path)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    eprintln!("chromium {extra:?} {url}: {:?}", start.elapsed());
    assert!(
        status.success(),
        "chromium {extra:?} {url} failed ({status}); stderr:\n{}",
        tail(&err_path)
    );
    fs::read_to_string(&out_path).expect("read chromium's stdout")
}

/// The last lines of a log file, for failure messages.
fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// The Chromium binary, installed on first use if need be.
fn chromium() -> &'static Path {
    static CHROMIUM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = CHROMIUM.get_or_init(|| {
        find_chromium()
            .or_else(|| {
                apt::install(&["chromium"]);
                find_chromium()
            })
            .ok_or_else(|| INSTALL_HINT.to_string())
    });
    match found {
        Ok(path) => path,
        Err(hint) => panic!("{hint}"),
    }
}

fn find_chromium() -> Option<PathBuf> {
    let debian = PathBuf::from("/usr/bin/chromium");
    if debian.is_file() {
        return Some(debian);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// The first `href` whose value ends in `.svg`.
fn first_svg_href(html: &str) -> Option<&str> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("href") {
        let after = from + at + "href".len();
        from = after;
        let rest = html[after..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next(),
            _ => rest.split(|c: char| c.is_whitespace() || c == '>').next(),
        };
        if let Some(value) = value.map(str::trim) {
            if value.to_ascii_lowercase().ends_with(".svg") {
                return Some(value);
            }
        }
    }
    None
}

/// Undo %XX escapes in a relative href, to find the file it names.
fn percent_decode(href: &str) -> String {
    let bytes = href.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn file_url(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut url = String::from("file://");
    for &b in path.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            let _ = write!(url, "%{b:02X}");
        }
    }
    url
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug, in failure messages
struct PixelStats {
    width: u32,
    height: u32,
    colours: usize,
    ink_share: f64,
}

/// Distinct colours, and the share of pixels unlike the most common one.
fn pixel_stats(png_bytes: &[u8]) -> PixelStats {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("screenshot is a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG fits in memory")];
    let info = reader.next_frame(&mut buf).expect("decode the screenshot");
    let samples = info.color_type.samples();
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for row in buf[..info.buffer_size()].chunks_exact(info.line_size) {
        for pixel in row[..info.width as usize * samples].chunks_exact(samples) {
            *counts.entry(pixel).or_default() += 1;
        }
    }
    let total = info.width as usize * info.height as usize;
    let background = counts.values().copied().max().unwrap_or(0);
    PixelStats {
        width: info.width,
        height: info.height,
        colours: counts.len(),
        ink_share: if total == 0 {
            0.0
        } else {
            (total - background) as f64 / total as f64
        },
    }
}

/// A fresh directory under the system temp dir, removed on drop (panics
/// included), for Chromium's profiles and outputs.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "gilcheck-browser-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
