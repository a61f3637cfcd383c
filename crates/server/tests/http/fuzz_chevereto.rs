//! Replays the Chevereto endpoint's fuzz seeds and every input that once broke it
//! (fuzz/seeds/chevereto, fuzz/regressions/chevereto) through a real site: each must get an
//! answer the server may give any input. `write_seeds` (ignored) regenerates the seeds:
//! VITRINE_WRITE_SEEDS=1 cargo test -p vitrine-server --test http fuzz_chevereto::write_seeds -- --ignored

use std::path::PathBuf;

use base64::Engine as _;
use vitrine_server::fuzzing::{BOUNDARY, Harness, acceptable};

fn fuzz_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join("chevereto")
}

fn inputs() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir(kind)) else {
            continue;
        };
        for e in entries.flatten() {
            out.push((e.path(), std::fs::read(e.path()).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn seeds_and_regressions_get_a_clean_answer() {
    let inputs = inputs();
    assert!(inputs.len() >= 5, "the seeds are missing");
    let h = Harness::new().unwrap();
    let mut created = 0;
    for (path, data) in &inputs {
        let status = h.run(data);
        assert!(acceptable(status), "{}: {status}", path.display());
        if status.is_success() {
            created += 1;
        }
    }
    // The seeds are real uploads: if none succeeds, the fuzzer starts from nothing useful.
    assert!(created >= 3, "only {created} seeds uploaded");
}

fn part(name: &str, filename: Option<&str>, value: &[u8]) -> Vec<u8> {
    let mut out =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").into_bytes();
    if let Some(f) = filename {
        out.extend_from_slice(format!("; filename=\"{f}\"\r\nContent-Type: image/png").as_bytes());
    }
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
    out
}

fn end() -> Vec<u8> {
    format!("--{BOUNDARY}--\r\n").into_bytes()
}

fn input(flags: u8, query: &str, body: &[u8]) -> Vec<u8> {
    let mut v = vec![flags];
    v.extend_from_slice(query.as_bytes());
    v.push(0);
    v.extend_from_slice(body);
    v
}

#[test]
#[ignore = "writes the seed files"]
fn write_seeds() {
    if std::env::var_os("VITRINE_WRITE_SEEDS").is_none() {
        return;
    }
    let png = vitrine_media::fixtures::png_rgb(12, 9);
    let gif = vitrine_media::fixtures::gif_animated(8, 8, 3);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        (
            "sharex-multipart",
            input(
                0,
                "format=json",
                &[part("source", Some("shot.png"), &png), end()].concat(),
            ),
        ),
        (
            "key-in-body-with-fields",
            input(
                2,
                "format=redirect",
                &[
                    part("title", None, b"A title"),
                    part("description", None, b"Words & more"),
                    part("tags", None, b"a, b"),
                    part("image", Some("anim.gif"), &gif),
                    end(),
                ]
                .concat(),
            ),
        ),
        (
            "urlencoded-base64",
            input(1 | 4, "format=txt", format!("source={b64}").as_bytes()),
        ),
        (
            "imgbb-base64-multipart",
            input(
                0,
                "expiration=PT5M",
                &[part("image", None, b64.as_bytes()), end()].concat(),
            ),
        ),
        (
            "get-with-query",
            input(1 | 16, "format=json&source=aGVsbG8=&title=x", b""),
        ),
        (
            "no-key",
            input(
                3,
                "format=json",
                &[part("source", Some("a.png"), &png), end()].concat(),
            ),
        ),
        ("no-boundary", input(12, "", b"--x\r\n\r\n--x--")),
        (
            "untyped-body",
            input(8, "format=json", format!("source={b64}").as_bytes()),
        ),
    ];
    let dir = fuzz_dir("seeds");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, data) in seeds {
        std::fs::write(dir.join(name), data).unwrap();
    }
}
