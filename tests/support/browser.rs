//! A real browser for the tests: Debian's Chromium, headless, driven over
//! its DevTools protocol (a WebSocket of JSON messages). Its resolver maps
//! every host name but the loopback addresses to nothing, so a page that
//! needs the internet fails here as it would on an air-gapped network.
//!
//! `tests/run` installs Chromium when it is missing; a test that needs it
//! fails, never skips, when it cannot start.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a page may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(30);

/// One headless Chromium with one page.
pub struct Browser {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// What the page reported: uncaught exceptions, console errors, failed
    /// requests, Content-Security-Policy violations.
    problems: Vec<String>,
    child: Child,
    _profile: tempfile::TempDir,
}

/// The Chromium binary: `CHROMIUM` or Debian's `chromium`.
fn executable() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

impl Browser {
    /// Starts Chromium with an empty profile and opens a blank page.
    pub async fn launch() -> Browser {
        let profile = tempfile::tempdir().expect("a profile directory");
        let child = Command::new(executable())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,900",
                "--remote-debugging-port=0",
                // No name resolves but loopback: no internet.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                "about:blank",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {} ({error}); tests/run installs Debian's chromium",
                    executable()
                )
            });
        // Chromium writes its port and the browser's WebSocket path here.
        let port_file = profile.path().join("DevToolsActivePort");
        let started = Instant::now();
        let endpoint = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    break format!("ws://127.0.0.1:{port}{path}");
                }
            }
            assert!(started.elapsed() < PATIENCE, "Chromium did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let (socket, _) = tokio_tungstenite::connect_async(endpoint.as_str())
            .await
            .expect("the DevTools endpoint answers");
        let mut browser = Browser {
            socket,
            session: String::new(),
            next_id: 0,
            problems: Vec::new(),
            child,
            _profile: profile,
        };
        // The tab Chromium opened with `about:blank`: the one in front,
        // whose frames are drawn (a background tab's animation frames are
        // held back, and editors draw in them).
        let targets = browser.send(None, "Target.getTargets", json!({})).await;
        let target_id = targets["targetInfos"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|target| target["type"] == "page")
            .and_then(|target| target["targetId"].as_str())
            .expect("Chromium's first tab")
            .to_owned();
        let attached = browser
            .send(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await;
        browser.session = attached["sessionId"]
            .as_str()
            .expect("a session")
            .to_owned();
        // For `paste`.
        browser
            .send(
                None,
                "Browser.grantPermissions",
                json!({ "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"] }),
            )
            .await;
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            browser.call(domain, json!({})).await;
        }
        browser
            .call(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
            )
            .await;
        browser
    }

    /// Sends a command to the browser (`session` `None`) or to the page,
    /// and waits for its answer, noting the page's events meanwhile.
    async fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("Chromium takes the command");
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("Chromium did not answer {method}"))
                .expect("Chromium is running")
                .expect("a DevTools message");
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(&text).expect("DevTools speaks JSON");
            if value["id"] == json!(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method} failed: {error}");
                }
                return value["result"].clone();
            }
            self.note(&value);
        }
    }

    /// Keeps what went wrong on the page.
    fn note(&mut self, event: &Value) {
        let params = &event["params"];
        let problem = match event["method"].as_str() {
            Some("Runtime.exceptionThrown") => Some(format!(
                "exception: {}",
                params["exceptionDetails"]["exception"]["description"]
                    .as_str()
                    .or(params["exceptionDetails"]["text"].as_str())
                    .unwrap_or_default()
            )),
            Some("Runtime.consoleAPICalled") if params["type"] == "error" => Some(format!(
                "console error: {}",
                params["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|arg| arg["value"]
                        .as_str()
                        .or(arg["description"].as_str())
                        .unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
            Some("Log.entryAdded") if params["entry"]["level"] == "error" => Some(format!(
                "{}: {} {}",
                params["entry"]["source"].as_str().unwrap_or_default(),
                params["entry"]["text"].as_str().unwrap_or_default(),
                params["entry"]["url"].as_str().unwrap_or_default()
            )),
            Some("Network.loadingFailed") => Some(format!(
                "request failed: {} {}",
                params["errorText"].as_str().unwrap_or_default(),
                params["blockedReason"].as_str().unwrap_or_default()
            )),
            _ => None,
        };
        self.problems.extend(problem);
    }

    /// A command to the page.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params).await
    }

    /// Sends these headers with every request the page makes.
    pub async fn set_headers(&mut self, headers: Value) {
        self.call("Network.setExtraHTTPHeaders", json!({ "headers": headers }))
            .await;
    }

    /// Opens `url` and waits for its `load` event.
    pub async fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url })).await;
        self.wait_for("document.readyState === 'complete'").await;
    }

    /// The value of a JavaScript expression in the page (promises are
    /// awaited).
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            )
            .await;
        if let Some(details) = result.get("exceptionDetails") {
            panic!("{expression} threw: {details}");
        }
        result["result"]["value"].clone()
    }

    /// Waits until the expression is truthy, and answers its value.
    pub async fn wait_for(&mut self, expression: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.eval(expression).await;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return value;
            }
            if started.elapsed() > PATIENCE {
                let shot = self.screenshot("failure").await;
                let text = self
                    .eval("document.body ? document.body.innerText.slice(0, 2000) : ''")
                    .await;
                panic!(
                    "the page never showed `{expression}`; it says:\n{}\nproblems: {:#?}\n\
                     (screenshot: {})",
                    text.as_str().unwrap_or_default(),
                    self.problems,
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the middle of the first visible element `selector` matches,
    /// as a mouse would.
    pub async fn click(&mut self, selector: &str) {
        let expression = format!(
            "(() => {{ const e = [...document.querySelectorAll({selector:?})]\
             .find(e => e.getClientRects().length > 0); if (!e) return null; \
             e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); \
             return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        );
        let point = self.wait_for(&expression).await;
        let (x, y) = (point[0].clone(), point[1].clone());
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            )
            .await;
        }
    }

    /// Presses a key with modifiers (1 Alt, 2 Control, 4 Meta, 8 Shift),
    /// e.g. `("a", "KeyA", 2, Some("selectAll"))`.
    pub async fn press(&mut self, key: &str, code: &str, modifiers: u8, command: Option<&str>) {
        let commands: Vec<&str> = command.into_iter().collect();
        for kind in ["rawKeyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({ "type": kind, "key": key, "code": code, "modifiers": modifiers,
                        "windowsVirtualKeyCode": key.to_ascii_uppercase().chars().next().map_or(0, u32::from),
                        "commands": commands }),
            )
            .await;
        }
    }

    /// Pastes text into the focused element, as a person would with
    /// Control-V (an editor takes pasted text as it is, where typing would
    /// close brackets and open suggestions).
    pub async fn paste(&mut self, text: &str) {
        let text = serde_json::to_string(text).expect("a string");
        self.eval(&format!("navigator.clipboard.writeText({text})"))
            .await;
        self.press("v", "KeyV", 2, Some("paste")).await;
    }

    /// What went wrong on the page so far.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Saves a screenshot as `target/screenshots/<name>.png` in the
    /// workspace, where CI keeps it.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self
            .call("Page.captureScreenshot", json!({ "format": "png" }))
            .await;
        let png = STANDARD
            .decode(shot["data"].as_str().expect("an image"))
            .expect("base64");
        let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&directory).expect("the screenshot directory");
        let path = directory.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
