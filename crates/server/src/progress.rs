//! Owns the progress bar the long-running commands (`db copy`, `storage migrate`) draw on
//! stderr: one line per stage, redrawn in place, finished with a newline.

use std::io::Write as _;

/// Draws `label [#####     ]  50% done/total`; ends the line when `done` reaches `total`.
pub fn bar(label: &str, done: u64, total: u64) {
    const WIDTH: u64 = 30;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r{label:<14} [{}{}] {pct:>3}% {done}/{total}",
        "#".repeat(filled as usize),
        " ".repeat((WIDTH - filled) as usize),
    );
    if done >= total {
        let _ = writeln!(err);
    }
}
