//! `tix serve`: the dashboard over HTTP, live, with a read-only JSON API, on
//! 127.0.0.1 unless told otherwise. Plain threads over `std::net` (no async
//! runtime): it is not on any other command's path. Each answer is what the
//! command line gives — the API's documents are `tix … --json` run as they
//! are, so they are exactly those — and nothing here writes the tree.

use super::Ctx;
use crate::cli::ServeArgs;
use crate::exit::Exit;

use crate::tree::watch::Watcher;
use anyhow::{Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Added to the report's page: reload when the tree changes. The body is
/// marked `data-live` while the event stream is open.
const LIVE: &str = "<script>const live = new EventSource('/events'); \
live.onopen = () => { document.body.dataset.live = 'yes'; }; \
live.onerror = () => { delete document.body.dataset.live; }; \
live.onmessage = () => location.reload();</script>";

pub fn run(ctx: &Ctx, args: &ServeArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let ip = args.address.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if !ip.is_loopback() {
        ctx.note(&format!(
            "warning: listening on {ip}: anyone who can reach this machine there can read every ticket"
        ));
    }
    let listener = TcpListener::bind(SocketAddr::new(ip, args.port))
        .with_context(|| format!("cannot listen on {ip}:{}", args.port))?;
    let at = listener.local_addr()?;
    ctx.note(&format!(
        "serving {} on http://{at}/ (Ctrl-C to stop)",
        tree.display_root
    ));
    let root = tree.root.clone();
    let dirs: Vec<PathBuf> = std::iter::once(tree.root.clone())
        .chain(tree.folders().map(|d| tree.path(d)))
        .collect();
    for stream in listener.incoming().flatten() {
        let (root, dirs) = (root.clone(), dirs.clone());
        std::thread::spawn(move || {
            let _ = answer(stream, &root, &dirs);
        });
    }
    Ok(Exit::Ok)
}

/// One request, one answer (the event stream stays open).
fn answer(mut stream: TcpStream, root: &std::path::Path, dirs: &[PathBuf]) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // The headers, up to a bound; nothing in them matters here.
    let mut headers = 0;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() || headers > 100 {
            break;
        }
        headers += 1;
    }
    let mut words = line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if method != "GET" && method != "HEAD" {
        return reply(
            &mut stream,
            405,
            "text/plain; charset=utf-8",
            b"only GET\n",
            method,
        );
    }
    let path = target.split('?').next().unwrap_or("");
    let json = "application/json";
    let tix = |args: &[&str]| tix(root, args);
    match path {
        "/" => {
            let (code, mut page) = tix(&["report", "--html", "-"]);
            if code == 0 {
                let at = page
                    .windows(7)
                    .rposition(|w| w == b"</body>")
                    .unwrap_or(page.len());
                page.splice(at..at, LIVE.bytes());
            }
            reply(
                &mut stream,
                status(code),
                "text/html; charset=utf-8",
                &page,
                method,
            )
        }
        "/api/status" => {
            let (code, body) = tix(&["status", "--json"]);
            reply(&mut stream, status(code), json, &body, method)
        }
        "/api/tickets" => {
            let (code, body) = tix(&["list", "--json"]);
            reply(&mut stream, status(code), json, &body, method)
        }
        "/api/history" => {
            let (code, body) = tix(&["history", "--json"]);
            reply(&mut stream, status(code), json, &body, method)
        }
        "/healthz" => reply(
            &mut stream,
            200,
            "text/plain; charset=utf-8",
            b"ok\n",
            method,
        ),
        "/metrics" => {
            let body = metrics(
                &tix(&["status", "--json"]).1,
                &tix(&["history", "--json"]).1,
            );
            reply(
                &mut stream,
                200,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                body.as_bytes(),
                method,
            )
        }
        "/events" => events(&mut stream, dirs),
        // Browsers ask for one; there is none, and that is not an error.
        "/favicon.ico" => reply(&mut stream, 204, "image/x-icon", b"", method),
        p => match p.strip_prefix("/api/tickets/") {
            Some(id) if crate::id::IdArg::parse(id).is_ok() => {
                let (code, body) = tix(&["show", id, "--json"]);
                reply(&mut stream, status(code), json, &body, method)
            }
            _ => reply(
                &mut stream,
                404,
                "text/plain; charset=utf-8",
                b"not found\n",
                method,
            ),
        },
    }
}

/// The HTTP status for a command's exit code: 3 is "no such ticket".
fn status(code: i32) -> u16 {
    match code {
        0 | 6 => 200,
        3 => 404,
        2 => 400,
        _ => 500,
    }
}

/// Runs this tix on the tree, as the command line would; its stdout, or for
/// a failure the one-line error as JSON.
fn tix(root: &std::path::Path, args: &[&str]) -> (i32, Vec<u8>) {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("tix"));
    match std::process::Command::new(exe)
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
    {
        Ok(out) if out.status.success() || out.status.code() == Some(6) => {
            (out.status.code().unwrap_or(0), out.stdout)
        }
        Ok(out) => {
            let error = String::from_utf8_lossy(&out.stderr).trim().to_string();
            let body = serde_json::json!({ "error": error }).to_string() + "\n";
            (out.status.code().unwrap_or(1), body.into_bytes())
        }
        Err(e) => (1, format!("{{\"error\":\"{e}\"}}\n").into_bytes()),
    }
}

fn reply(stream: &mut TcpStream, code: u16, kind: &str, body: &[u8], method: &str) -> Result<()> {
    let reason = match code {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(body)?;
    }
    stream.flush()?;
    Ok(())
}

/// Server-sent events: `changed` whenever the tree changes, until the
/// client goes (a write fails).
fn events(stream: &mut TcpStream, dirs: &[PathBuf]) -> Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n: tix\n\n",
    )?;
    stream.flush()?;
    let never = AtomicBool::new(false);
    loop {
        let mut watcher = Watcher::new(dirs.to_vec());
        watcher.wait(&never);
        stream.write_all(b"data: changed\n\n")?;
        stream.flush()?;
    }
}

/// OpenMetrics text from the status and history documents.
fn metrics(status: &[u8], history: &[u8]) -> String {
    use std::fmt::Write as _;
    let s: serde_json::Value = serde_json::from_slice(status).unwrap_or_default();
    let h: serde_json::Value = serde_json::from_slice(history).unwrap_or_default();
    let label = |v: &str| {
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let mut out = String::new();
    out.push_str("# TYPE tix_tickets gauge\n# HELP tix_tickets Tickets per status.\n");
    if let Some(counts) = s["counts"].as_object() {
        for (status, n) in counts {
            let _ = writeln!(out, "tix_tickets{{status=\"{}\"}} {}", label(status), n);
        }
    }
    out.push_str("# TYPE tix_completion_ratio gauge\n# HELP tix_completion_ratio Done tickets over those that count.\n");
    let _ = writeln!(
        out,
        "tix_completion_ratio {}",
        s["completion_rate"].as_f64().unwrap_or(0.0)
    );
    out.push_str("# TYPE tix_in_progress_age_seconds gauge\n# HELP tix_in_progress_age_seconds Since each ticket in progress started.\n");
    for t in s["in_progress"].as_array().into_iter().flatten() {
        if let Some(age) = t["age_secs"].as_i64() {
            let _ = writeln!(
                out,
                "tix_in_progress_age_seconds{{id=\"{}\"}} {age}",
                label(t["id"].as_str().unwrap_or(""))
            );
        }
    }
    let runs: Vec<f64> = h
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["duration_ms"].as_u64())
        .map(|ms| ms as f64 / 1000.0)
        .collect();
    out.push_str("# TYPE tix_run_duration_seconds summary\n# HELP tix_run_duration_seconds Agent runs the hooks recorded.\n");
    let _ = writeln!(out, "tix_run_duration_seconds_count {}", runs.len());
    let _ = writeln!(
        out,
        "tix_run_duration_seconds_sum {}",
        runs.iter().sum::<f64>()
    );
    out.push_str("# EOF\n");
    out
}
