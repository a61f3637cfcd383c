//! Slow and oversized clients: a request head that never finishes, a body that stops
//! arriving, too many or too large headers. Each is cut off with a clear answer instead of
//! holding a connection and a task for ever.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{Backend, TestApp, create_key};

async fn start(name: &str) -> TestApp {
    TestApp::start_with(Backend::Sqlite, name, |c| {
        c.http.header_timeout_secs = 1;
        c.http.stall_secs = 1;
    })
    .await
    .expect("sqlite always runs")
}

/// Reads until the server closes the connection (or `limit` passes); returns what came.
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
    (
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn an_unfinished_request_head_is_cut_off() {
    let app = start("slow_head").await;
    let mut s = TcpStream::connect(app.server.addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let (_, took) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    // Others are served meanwhile and after.
    let res = app.bare().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = start("idle_conn").await;
    let mut s = TcpStream::connect(app.server.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (text, took) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_stalled_upload_body_gets_408() {
    let app = start("slow_body").await;
    let c = app.signup("slowpoke").await;
    let key = create_key(&c, &app).await;
    let part = "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
                Content-Type: image/png\r\n\r\n";
    let head = format!(
        "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 100000\r\n\r\n{part}"
    );
    let mut s = TcpStream::connect(app.server.addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&[0x89; 1000]).await.unwrap();
    let (text, took) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"request_timeout\""), "{text}");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    // Nothing half-received is left behind.
    let tmp = app.data_dir().join("tmp");
    let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "temp files left in {}", tmp.display());
    app.stop().await;
}

#[tokio::test]
async fn stalled_json_and_form_bodies_get_408() {
    let app = start("slow_forms").await;
    let c = app.signup("slowtyper").await;
    let key = create_key(&c, &app).await;
    // JSON: the API's error, not "failed to buffer the body".
    let head = format!(
        "POST /api/v1/albums HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"title\": \"Slo"
    );
    let mut s = TcpStream::connect(app.server.addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let (text, took) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"request_timeout\""), "{text}");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    // A web form: the error page.
    let origin = app.url("");
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: x\r\nOrigin: {origin}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nlogin=slo"
    );
    let mut s = TcpStream::connect(app.server.addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let (text, _) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("text/html"), "{text}");
    assert!(text.contains("stopped arriving"), "{text}");
    // No album was made of half a request.
    let albums: serde_json::Value =
        crate::support::get_json(&c, app.url("/api/v1/me/albums")).await;
    assert_eq!(albums["items"], serde_json::json!([]), "{albums}");
    app.stop().await;
}

#[tokio::test]
async fn too_many_or_too_large_headers_get_431() {
    let app = start("big_head").await;
    let client = app.bare();
    let mut many = reqwest::header::HeaderMap::new();
    for i in 0..100 {
        many.insert(
            reqwest::header::HeaderName::from_bytes(format!("x-h{i}").as_bytes()).unwrap(),
            "1".parse().unwrap(),
        );
    }
    let status = raw_status(&app, many).await;
    assert_eq!(status, 431, "100 headers");
    let mut big = reqwest::header::HeaderMap::new();
    big.insert("x-big", "a".repeat(100 * 1024).parse().unwrap());
    let status = raw_status(&app, big).await;
    assert_eq!(status, 431, "a 100 KB header");
    // Normal requests still work.
    let res = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}

/// The status line's code for a GET with `headers`, read from the raw connection (the server
/// may close it right after answering, which an HTTP client could report as an error).
async fn raw_status(app: &TestApp, headers: reqwest::header::HeaderMap) -> u16 {
    let mut req = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for (k, v) in &headers {
        req.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
    }
    req.push_str("\r\n");
    let mut s = TcpStream::connect(app.server.addr).await.unwrap();
    // The server may answer and close before it has read everything we send.
    let _ = s.write_all(req.as_bytes()).await;
    let (text, _) = read_to_close(&mut s, Duration::from_secs(10)).await;
    text.get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"))
}

/// Reads one answer's head (up to the blank line).
async fn read_head(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !out.ends_with(b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte)).await {
            Ok(Ok(1)) => out.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&out).to_lowercase()
}

#[tokio::test]
async fn an_answer_given_before_the_body_is_read_says_the_connection_closes() {
    let app = start("early_answer").await;
    // A wrong key is refused from the headers, before any of the (large) body is read: the
    // bytes left in the connection mean it cannot carry another request, and the answer says
    // so instead of the connection dying silently under the client's next request.
    let mut s = TcpStream::connect(app.server.addr).await.unwrap();
    s.write_all(
        b"POST /api/1/upload HTTP/1.1\r\nHost: x\r\nX-API-Key: vt_wrong\r\n\
          Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000000\r\n\r\n--b\r\n",
    )
    .await
    .unwrap();
    let head = read_head(&mut s).await;
    assert!(head.starts_with("http/1.1 "), "{head}");
    assert!(head.contains("\r\nconnection: close\r\n"), "{head}");

    // A request whose body was read keeps its connection.
    let key = create_key(&app.signup("kim").await, &app).await;
    let mut s = TcpStream::connect(app.server.addr).await.unwrap();
    let body = format!("key={key}&source=not-an-image");
    s.write_all(
        format!(
            "POST /api/1/upload HTTP/1.1\r\nHost: x\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let head = read_head(&mut s).await;
    assert!(head.starts_with("http/1.1 "), "{head}");
    assert!(!head.contains("connection: close"), "{head}");
    app.stop().await;
}
