//! Owns running a decoder program as a child process: the C libraries that parse hostile media
//! (libheif and its codecs, later ffmpeg) never run inside the server. The child gets no stdin,
//! no inherited environment beyond `PATH`, its own process group (a terminal's Ctrl-C is the
//! server's to handle), and a deadline after which it is killed and reaped.

use std::fs::File;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why a child did not succeed.
#[derive(Debug)]
pub(crate) enum ChildFailure {
    /// It could not be started (missing program, no permission, ...).
    Spawn(std::io::Error),
    /// Still running at the deadline: it was killed.
    TimedOut,
    /// Ended by a signal it did not catch (a crash: SIGSEGV, SIGABRT, an OOM kill, ...).
    Signal(i32),
    /// Exited with a non-zero code; the start of what it wrote to stderr, for the log.
    Exit { code: i32, stderr: String },
}

/// How much of the child's stderr is kept for the log.
const STDERR_KEPT: u64 = 2048;

/// Runs `cmd` to completion or until `deadline`, whichever comes first. `stderr_path` is a file
/// in the caller's scratch directory that takes the child's stderr (a file, not a pipe, so a
/// chatty child can never block on a full pipe while we wait).
pub(crate) fn run(
    mut cmd: Command,
    deadline: Instant,
    stderr_path: &Path,
) -> Result<(), ChildFailure> {
    let stderr = File::create(stderr_path).map_err(ChildFailure::Spawn)?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .env_clear()
        .env("PATH", path)
        .env("LC_ALL", "C")
        .process_group(0);
    let mut child = spawn(&mut cmd)?;
    // Poll rather than block: a blocking wait cannot also watch the deadline, and a thread per
    // child to kill it would outlive a hung wait. The first polls are short so quick
    // conversions return quickly.
    let mut pause = Duration::from_millis(2);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                kill_and_reap(&mut child);
                return Err(ChildFailure::Spawn(e));
            }
        }
        let now = Instant::now();
        if now >= deadline {
            kill_and_reap(&mut child);
            return Err(ChildFailure::TimedOut);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(25));
    };
    if status.success() {
        return Ok(());
    }
    if let Some(signal) = status.signal() {
        return Err(ChildFailure::Signal(signal));
    }
    let mut text = String::new();
    if let Ok(f) = File::open(stderr_path) {
        let mut bytes = Vec::new();
        let _ = f.take(STDERR_KEPT).read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).trim().to_owned();
    }
    Err(ChildFailure::Exit {
        code: status.code().unwrap_or(-1),
        stderr: text,
    })
}

/// Starts `cmd`, retrying briefly on "text file busy": a program file written a moment ago can
/// still be open for writing in a process another thread is forking, until that one execs.
fn spawn(cmd: &mut Command) -> Result<std::process::Child, ChildFailure> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 20 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other.map_err(ChildFailure::Spawn),
        }
    }
}

/// SIGKILL to the child's whole process group (a wrapper script's own children too), then wait
/// so no zombie is left behind.
fn kill_and_reap(child: &mut std::process::Child) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    match i32::try_from(child.id()) {
        Ok(pid) if killpg(Pid::from_raw(pid), Signal::SIGKILL).is_ok() => {}
        _ => {
            let _ = child.kill();
        }
    }
    let _ = child.wait();
}
