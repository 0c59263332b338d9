//! The DevTools endpoint of inspected threads: one HTTP + WebSocket server
//! per host and port, serving every thread registered on it, the way
//! `node --inspect` does: `GET /json/list` (also `/json`) lists the
//! targets, `GET /json/version` names the protocol, and a WebSocket on
//! `/<target id>` is a protocol session with that thread. WebSockets are
//! `tungstenite`'s; each connection has its own OS thread.

use std::collections::HashMap;
use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use crossbeam_channel::TryRecvError;
use tungstenite::{Message, WebSocket};

use super::debug::{InspectConfig, InspectorLink, InspectorMsg};

/// How long a WebSocket read waits before the session looks at what the
/// thread said (the latency of answers).
const READ_SLICE: Duration = Duration::from_millis(4);
/// Longest request head read.
const HEAD_MAX: usize = 16 << 10;

struct Target {
    title: String,
    link: InspectorLink,
}

struct Shared {
    targets: Mutex<HashMap<String, Target>>,
    stop: AtomicBool,
}

/// One listening socket and its targets; stops when the last thread
/// registered on it goes.
struct Server {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        // wake accept()
    }
}

/// A thread's place on a server: its target is listed while this lives.
pub struct Registration {
    server: Arc<Server>,
    id: String,
    /// `ws://host:port/<id>`.
    pub url: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.server.shared.targets).remove(&self.id);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

type Servers = Mutex<HashMap<(String, u16), Weak<Server>>>;

/// Servers by the (host, port) asked for (port 0: the one picked then).
fn servers() -> &'static Servers {
    static S: OnceLock<Servers> = OnceLock::new();
    S.get_or_init(Default::default)
}

/// A random target id shaped like Node's (a UUID).
fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut bits = [0u64; 2];
    for (i, b) in bits.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        *b = h.finish();
    }
    let x = ((bits[0] as u128) << 64) | bits[1] as u128;
    let s = format!("{x:032x}");
    format!("{}-{}-{}-{}-{}", &s[0..8], &s[8..12], &s[12..16], &s[16..20], &s[20..32])
}

/// List thread `title` on the server of `cfg.host:cfg.port` (started if
/// needed). Err: a message naming the address when it cannot listen.
pub fn register(cfg: &InspectConfig, title: &str, link: InspectorLink) -> Result<Registration, String> {
    let server = {
        let mut all = lock(servers());
        let key = (cfg.host.clone(), cfg.port);
        match all.get(&key).and_then(Weak::upgrade) {
            Some(s) => s,
            None => {
                let s = start(&cfg.host, cfg.port)?;
                all.retain(|_, w| w.strong_count() > 0);
                all.insert(key, Arc::downgrade(&s));
                all.insert((cfg.host.clone(), s.addr.port()), Arc::downgrade(&s));
                s
            }
        }
    };
    let id = new_id();
    let url = format!("ws://{}/{id}", authority(&server.addr));
    lock(&server.shared.targets).insert(id.clone(), Target { title: title.to_owned(), link });
    Ok(Registration { server, id, url })
}

fn authority(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
    }
}

fn start(host: &str, port: u16) -> Result<Arc<Server>, String> {
    let listener = TcpListener::bind((host, port)).map_err(|e| format!("the inspector could not listen on {host}:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("the inspector could not listen on {host}:{port}: {e}"))?;
    let shared = Arc::new(Shared { targets: Mutex::new(HashMap::new()), stop: AtomicBool::new(false) });
    let accepting = shared.clone();
    std::thread::Builder::new()
        .name("isothread-inspector".into())
        .spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::Acquire) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = accepting.clone();
                let _ = std::thread::Builder::new().name("isothread-inspector-conn".into()).spawn(move || serve(stream, &shared, addr));
            }
        })
        .map_err(|e| format!("the inspector could not start a thread: {e}"))?;
    Ok(Arc::new(Server { shared, addr }))
}

/// The request head, peeked (a WebSocket handshake reads it again).
fn peek_head(stream: &TcpStream) -> Option<String> {
    let mut buf = vec![0u8; HEAD_MAX];
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    for _ in 0..100 {
        let n = stream.peek(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        if let Some(end) = buf[..n].windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(String::from_utf8_lossy(&buf[..end]).into_owned());
        }
        if n == HEAD_MAX {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn serve(mut stream: TcpStream, shared: &Shared, addr: SocketAddr) {
    let Some(head) = peek_head(&stream) else { return };
    let mut lines = head.lines();
    let request = lines.next().unwrap_or("");
    let path = request.split(' ').nth(1).unwrap_or("/").to_owned();
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let upgrade = header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let host = header("host").unwrap_or_else(|| authority(&addr));
    if !host_allowed(&host) {
        // As Node's inspector: a page on another site cannot reach it by
        // DNS rebinding (its Host header names that site).
        return respond(&mut stream, "403 Forbidden", "text/plain", "Host header must be an IP address or localhost\n");
    }
    if upgrade {
        let link = lock(&shared.targets).get(path.trim_start_matches('/')).map(|t| t.link.clone());
        match link {
            Some(link) => session(stream, link),
            None => respond(&mut stream, "404 Not Found", "text/plain", "no such target\n"),
        }
        return;
    }
    let path = path.split('?').next().unwrap_or("");
    match path.trim_end_matches('/') {
        "/json" | "/json/list" => {
            let body = list(shared, &host);
            respond(&mut stream, "200 OK", "application/json; charset=UTF-8", &body)
        }
        "/json/version" => {
            let mut body = serde_json::json!({ "Browser": format!("isothread/{}", env!("CARGO_PKG_VERSION")), "Protocol-Version": "1.1" });
            // One target: its URL, so a client that attaches by port alone
            // (VS Code's "port") finds it without reading the list.
            let targets = lock(&shared.targets);
            if let (1, Some(id)) = (targets.len(), targets.keys().next()) {
                body["webSocketDebuggerUrl"] = format!("ws://{host}/{id}").into();
            }
            drop(targets);
            respond(&mut stream, "200 OK", "application/json; charset=UTF-8", &body.to_string())
        }
        _ => respond(&mut stream, "404 Not Found", "text/plain", "unknown path\n"),
    }
}

/// `localhost` or an IP literal, with or without a port.
fn host_allowed(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else if host.matches(':').count() > 1 {
        host // a bare IPv6 address
    } else {
        host.rsplit_once(':').map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host })
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok()
}

fn list(shared: &Shared, host: &str) -> String {
    let targets = lock(&shared.targets);
    let mut items: Vec<(&String, &Target)> = targets.iter().collect();
    items.sort_by(|a, b| a.1.title.cmp(&b.1.title));
    let list: Vec<serde_json::Value> = items
        .into_iter()
        .map(|(id, t)| {
            serde_json::json!({
                "description": "isothread thread",
                "devtoolsFrontendUrl": format!("devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws={host}/{id}"),
                "devtoolsFrontendUrlCompat": format!("devtools://devtools/bundled/inspector.html?experiments=true&v8only=true&ws={host}/{id}"),
                "faviconUrl": "https://nodejs.org/static/images/favicons/favicon.ico",
                "id": id,
                "title": t.title,
                "type": "node",
                "url": format!("isothread://{}", t.title),
                "webSocketDebuggerUrl": format!("ws://{host}/{id}"),
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &str) {
    let head = format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes()));
}

/// One debugger: its messages to the thread, the thread's back to it,
/// until either side goes (a thread that ends closes the socket).
fn session(stream: TcpStream, link: InspectorLink) {
    let _ = stream.set_read_timeout(None);
    let Ok(mut ws) = tungstenite::accept(stream) else { return };
    let _ = ws.get_ref().set_read_timeout(Some(READ_SLICE));
    let (id, from_thread) = link.connect();
    loop {
        match forward(&mut ws, &from_thread) {
            Ok(true) => {}
            Ok(false) => {
                // The thread ended: close the socket.
                let _ = ws.close(None);
                let _ = ws.flush();
                break;
            }
            Err(()) => break,
        }
        match ws.read() {
            Ok(Message::Text(text)) => {
                if !link.send(InspectorMsg::Message { session: id, text: text.as_str().to_owned() }) {
                    let _ = ws.close(None);
                    let _ = ws.flush();
                    break;
                }
            }
            Ok(Message::Close(_)) => break,
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    link.send(InspectorMsg::Disconnect { session: id });
}

/// Send what the thread said; Ok(false) once the thread is gone.
fn forward(ws: &mut WebSocket<TcpStream>, from_thread: &crossbeam_channel::Receiver<String>) -> Result<bool, ()> {
    loop {
        match from_thread.try_recv() {
            Ok(text) => ws.send(Message::text(text)).map_err(|_| ())?,
            Err(TryRecvError::Empty) => return Ok(true),
            Err(TryRecvError::Disconnected) => return Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn hosts_that_may_reach_the_inspector() {
        for ok in ["127.0.0.1:9229", "localhost:9229", "LOCALHOST", "[::1]:9229", "10.0.0.2", "::1"] {
            assert!(host_allowed(ok), "{ok}");
        }
        for bad in ["evil.example:9229", "evil.example", "127.0.0.1.evil.example:80"] {
            assert!(!host_allowed(bad), "{bad}");
        }
    }
}
