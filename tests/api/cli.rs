//! The `gatehouse` binary: help, first start, graceful shutdown, migrate,
//! `admin create` and `keys generate`. `tests/run` builds the binary before
//! the tests.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::Gatehouse;
use domain::auth::LoginInput;
use domain::config::{OAuthSettings, Settings};
use domain::oauth::keys::KeySet;
use domain::secrecy::SecretString;
use jwt_compact::alg::{Rsa, RsaPublicKey};
use jwt_compact::jwk::JsonWebKey;
use jwt_compact::{AlgorithmExt, UntrustedToken};
use rsa::pkcs8::DecodePublicKey;
use sha2::Sha256;
use support::{Backend, TestDatabase, binary};

on_every_database!(
    serve_sets_up_and_shuts_down_gracefully,
    migrate_then_admin_create
);

fn gatehouse(database: &TestDatabase, dir: &tempfile::TempDir) -> Command {
    let mut command = Command::new(binary());
    command
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("GATEHOUSE_DATABASE__URL", database.url())
        .env("GATEHOUSE_SERVER__PORT", "0");
    command
}

#[test]
fn help_explains_each_command() {
    let output = Command::new(binary())
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "serve",
        "migrate",
        "admin",
        "export-schema",
        "Run the server",
        "--config",
        "GATEHOUSE_",
    ] {
        assert!(
            help.contains(expected),
            "--help lacks {expected:?}:\n{help}"
        );
    }
    let output = Command::new(binary())
        .args(["admin", "create", "--help"])
        .output()
        .expect("run admin create --help");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("--password-stdin") && help.contains("Administrator role"),
        "{help}"
    );
    let output = Command::new(binary())
        .arg("frobnicate")
        .output()
        .expect("run");
    assert!(!output.status.success());
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "gatehouse did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `(password, address)` as the first start prints them.
fn started(line: &str) -> Option<(Option<String>, Option<String>)> {
    if let Some(rest) = line.split("with the password \"").nth(1) {
        return Some((rest.split('"').next().map(str::to_owned), None));
    }
    let address = line
        .split("GraphiQL at http://")
        .nth(1)?
        .split("/graphql")
        .next()?
        .to_owned();
    Some((None, Some(address)))
}

async fn serve_sets_up_and_shuts_down_gracefully(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let dir = tempfile::tempdir().expect("dir");
    for (round, signal_name) in [(1, "TERM"), (2, "INT")] {
        let mut child = gatehouse(&database, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let (sender, receiver) = std::sync::mpsc::channel();
        let streams: Vec<Box<dyn std::io::Read + Send>> = vec![
            Box::new(child.stdout.take().expect("stdout")),
            Box::new(child.stderr.take().expect("stderr")),
        ];
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        for stream in streams {
            let (sender, output) = (sender.clone(), output.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut output) = output.lock() {
                        output.push(line.clone());
                    }
                    if let Some(found) = started(&line) {
                        let _ = sender.send(found);
                    }
                }
            });
        }
        let mut password = None;
        let address = loop {
            match receiver
                .recv_timeout(Duration::from_secs(60))
                .expect("gatehouse to start")
            {
                (Some(found), _) => password = Some(found),
                (_, Some(address)) => break address,
                _ => {}
            }
        };
        // OAuth keys: the embedded default (SQLite) generates them on the
        // first start and says so; without them (PostgreSQL) the start
        // says OAuth is off, with the message clients get.
        let expected = match backend {
            Backend::Sqlite if round == 1 => Some("generated OAuth signing keys"),
            Backend::Sqlite => None,
            Backend::Postgres => Some(domain::error::OAUTH_KEYS_MISSING),
        };
        // The two streams are read apart: give the other one a moment.
        let waited = Instant::now();
        while let Some(line) = expected
            && !output
                .lock()
                .expect("output")
                .iter()
                .any(|l| l.contains(line))
            && waited.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let logged = output.lock().expect("output").join("\n");
        let generated = logged.contains("generated OAuth signing keys");
        match backend {
            Backend::Sqlite => {
                assert_eq!(generated, round == 1, "{logged}");
                assert!(dir.path().join("var/oauth/private.pem").exists());
                assert!(dir.path().join("var/oauth/client-secret.key").exists());
            }
            Backend::Postgres => {
                assert!(!generated, "{logged}");
                assert!(
                    logged.contains(domain::error::OAUTH_KEYS_MISSING),
                    "{logged}"
                );
                assert!(!dir.path().join("var/oauth").exists());
            }
        }
        let client = reqwest::Client::new();
        let health = client
            .get(format!("http://{address}/readyz"))
            .send()
            .await
            .expect("readyz");
        assert_eq!(health.status(), 200);
        if round == 1 {
            // The first start printed a generated password that logs in.
            let password = password.expect("a generated password on the first start");
            let login = serde_json::json!({ "query": "mutation($p: String!) { login(input: { login: \"admin\", password: $p }) { token } }", "variables": { "p": password } });
            let response: serde_json::Value = client
                .post(format!("http://{address}/graphql"))
                .json(&login)
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("json");
            assert!(response["data"]["login"]["token"].is_string(), "{response}");
        } else {
            assert!(
                password.is_none(),
                "a second start must not create another administrator"
            );
        }
        signal(&child, signal_name);
        let status = wait_exit(&mut child);
        assert!(status.success(), "exit after SIG{signal_name}: {status}");
    }
}

async fn migrate_then_admin_create(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let dir = tempfile::tempdir().expect("dir");
    let output = gatehouse(&database, &dir)
        .arg("migrate")
        .output()
        .expect("migrate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("migrations applied"));

    let mut child = gatehouse(&database, &dir)
        .args([
            "admin",
            "create",
            "--username",
            "ops",
            "--email",
            "ops@example.com",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("admin create");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"Ops-Passw0rd\n")
        .expect("write password");
    let output = child.wait_with_output().expect("admin create output");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("Ops-Passw0rd"));

    let weak = gatehouse(&database, &dir)
        .args([
            "admin",
            "create",
            "--username",
            "weak",
            "--email",
            "weak@example.com",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("admin create");
    let mut weak = weak;
    weak.stdin
        .take()
        .expect("stdin")
        .write_all(b"weak\n")
        .expect("write");
    let output = weak.wait_with_output().expect("output");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("password"));

    let mut settings = Settings::default();
    settings.database.url = SecretString::from(database.url().to_owned());
    support::oauth_keys().apply(&mut settings.oauth);
    let app = Gatehouse::connect(settings).await.expect("connect");
    let login = LoginInput {
        login: "ops".into(),
        password: SecretString::from("Ops-Passw0rd"),
        organization_id: None,
        source_ip: None,
    };
    let outcome = app.auth().login(login).await.expect("ops logs in");
    let permissions =
        domain::auth::permissions_of(app.db(), outcome.user.id, outcome.organization_id)
            .await
            .expect("permissions");
    assert!(permissions.contains(domain::permissions::Permission::SystemRolesManage));
}

#[test]
fn keys_generate_writes_a_pair_and_keeps_the_hash_key() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        Command::new(binary())
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .args(["keys", "generate"])
            .args(args)
            .output()
            .expect("run keys generate")
    };
    let help = run(&["--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for expected in ["--private-key", "--public-key", "--force"] {
        assert!(
            help.contains(expected),
            "--help lacks {expected:?}:\n{help}"
        );
    }

    // The configured paths, by default those of the embedded default.
    let first = run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let oauth = dir.path().join("var/oauth");
    let read =
        |name: &str| std::fs::read(oauth.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (private, public, hash) = (
        read("private.pem"),
        read("public.pem"),
        read("client-secret.key"),
    );
    assert!(String::from_utf8_lossy(&private).starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(String::from_utf8_lossy(&public).starts_with("-----BEGIN PUBLIC KEY-----"));
    assert!(!hash.is_empty());

    // Existing files are kept unless forced; the hash key is always kept.
    run(&[]);
    assert_eq!(read("private.pem"), private);
    assert_eq!(read("public.pem"), public);
    let forced = run(&["--force"]);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    assert_ne!(read("private.pem"), private);
    assert_ne!(read("public.pem"), public);
    assert_eq!(read("client-secret.key"), hash);

    // A pair for a rotation, as docs/OAUTH.md shows it.
    let next = run(&[
        "--private-key",
        "var/oauth/private-2.pem",
        "--public-key",
        "var/oauth/public-2.pem",
    ]);
    assert!(
        next.status.success(),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    assert_eq!(read("client-secret.key"), hash);

    // The pair signs what its public key verifies, under its thumbprint.
    let settings = OAuthSettings {
        private_key_path: oauth.join("private-2.pem"),
        public_key_path: oauth.join("public-2.pem"),
        hash_key_path: oauth.join("client-secret.key"),
        generate_keys: Some(false),
        ..OAuthSettings::default()
    };
    let token = KeySet::load(&settings)
        .expect("the generated pair loads")
        .sign(&serde_json::json!({ "sub": "user:1", "iat": 1_700_000_000, "exp": 1_700_003_600 }))
        .expect("sign");
    let pem = String::from_utf8(read("public-2.pem")).expect("PEM text");
    let key = RsaPublicKey::from_public_key_pem(&pem).expect("an SPKI public key");
    let untrusted = UntrustedToken::new(&token).expect("a JWT");
    Rsa::rs256()
        .validator::<serde_json::Map<String, serde_json::Value>>(&key)
        .validate(&untrusted)
        .expect("the public key verifies the signature");
    let thumbprint =
        URL_SAFE_NO_PAD.encode(JsonWebKey::from(&key).thumbprint::<Sha256>().as_slice());
    assert_eq!(
        untrusted.header().key_id.as_deref(),
        Some(thumbprint.as_str())
    );
    assert_eq!(untrusted.header().token_type.as_deref(), Some("at+jwt"));
}
