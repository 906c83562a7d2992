//! The citable catalogue. `gilcheck prove` plans one search per model × variant × bound set
//! (`plan`), runs them on every core, and collects what they found (`catalogue`); the renderers
//! turn it into `proofs/`: one page per property (`page`), `manifest.toml` (`manifest`), an SVG
//! timeline per trace (`svg`), `index.html` (`index`) and the version matrix `versions.md`
//! (`releases`); `write` puts the files in place.

pub mod catalogue;
pub mod index;
pub mod manifest;
pub mod page;
pub mod plan;
pub mod releases;
pub mod shard;

pub use catalogue::{cut_short, summary, violators, Catalogue, Job, Run, Scope};
pub use plan::{bound_sets, execute, plan, side_by_side};

use crate::error::Error;
use std::path::Path;

/// Writes the catalogue as the whole content of `dir` (see `crate::files::replace_dir`: only a
/// directory that is absent, empty or a catalogue gilcheck wrote is replaced).
pub fn write(catalogue: &Catalogue, dir: &Path) -> Result<(), Error> {
    crate::files::replace_dir(dir, &files(catalogue))
}

/// Every file of the catalogue: (path inside the directory, contents), sorted by path.
pub fn files(catalogue: &Catalogue) -> Vec<(String, String)> {
    let mut files = vec![
        ("manifest.toml".to_string(), manifest::manifest(catalogue)),
        ("index.html".to_string(), index::index(catalogue)),
    ];
    if let Some(matrix) = releases::matrix(catalogue) {
        files.push((releases::FILE.to_string(), matrix));
    }
    for (entry, property) in catalogue.properties() {
        let (text, pictures) = page::page(catalogue, entry, property);
        files.push((page::file_name(property.id), text));
        files.extend(pictures);
    }
    files.sort();
    files
}
