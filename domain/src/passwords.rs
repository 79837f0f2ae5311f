//! Password hashing (argon2id, OWASP parameters) and the password policy.
//!
//! Hashing is CPU-heavy by design, so it runs on threads of its own, one
//! per core, with the caller's tracing span: a login flood queues there
//! instead of starving the async workers that serve everything else. The
//! hashing threads run at a lower priority (`auth.hashing_niceness`), so
//! that under a flood the requests that hash nothing keep their latency:
//! the threads take what the cores leave, and all of a core only when
//! nothing else waits for it (docs/DECISIONS.md, "Password hashing at a
//! lower priority").

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use rand::seq::SliceRandom;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;
use tracing::Span;

use crate::config::PasswordPolicy;
use crate::error::{Error, FieldError, Result};

/// Longest password accepted, so hashing cost stays bounded.
pub const MAX_PASSWORD_LENGTH: usize = 256;

/// A hash or a verification, with where its answer goes.
type Work = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords off the async workers. The hashing
/// threads end when the last clone is dropped.
#[derive(Clone)]
pub struct Passwords {
    work: Sender<Work>,
    /// Verified against when a login names no known account, so unknown
    /// usernames take as long as wrong passwords.
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// Starts one hashing thread per core, each at `niceness` (0 to 19:
    /// 0 is the priority of every other thread, 19 the lowest).
    pub fn new(niceness: u8) -> Result<Self> {
        let cores = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2);
        let (work, queue) = mpsc::channel::<Work>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..cores {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || hash_thread(&queue, niceness))
                .map_err(|error| {
                    Error::internal(format!("cannot start a hashing thread: {error}"))
                })?;
        }
        let dummy_hash = hash_now("gatehouse-dummy-password")?;
        Ok(Self {
            work,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// The argon2id PHC string of `password`.
    pub async fn hash(&self, password: &SecretString) -> Result<String> {
        let password = password.clone();
        self.blocking(move || hash_now(password.expose_secret()))
            .await?
    }

    /// Whether `password` matches `hash`. Malformed hashes do not match;
    /// `NO_PASSWORD` matches nothing, in the time a real hash would take,
    /// so a login cannot tell such an account from others.
    pub async fn verify(&self, password: &SecretString, hash: &str) -> Result<bool> {
        let password = password.clone();
        let (hash, usable) = if hash == NO_PASSWORD {
            (self.dummy_hash.to_string(), false)
        } else {
            (hash.to_owned(), true)
        };
        let matched = self
            .blocking(move || verify_now(password.expose_secret(), &hash))
            .await?;
        Ok(usable && matched)
    }

    /// Spends the time of one verification without a real hash.
    pub async fn verify_dummy(&self, password: &SecretString) -> Result<()> {
        self.verify(password, NO_PASSWORD).await.map(|_| ())
    }

    /// Runs `work` on a hashing thread, in the caller's span, once one is
    /// free (in the order asked).
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = oneshot::channel();
        let span = Span::current();
        self.work
            .send(Box::new(move || {
                // The caller may have gone; the work is done all the same.
                let _ = answer.send(span.in_scope(work));
            }))
            .map_err(|_| Error::internal("password hashing is shut down"))?;
        answered
            .await
            .map_err(|_| Error::internal("password hashing failed"))
    }
}

/// What an account whose password nobody knows stores instead of a hash
/// (a customer user created with a generated password, or imported): no
/// password matches it, and making one costs no hashing. Not a PHC string,
/// so no hash can be mistaken for it.
pub const NO_PASSWORD: &str = "!";

/// A hashing thread: lowers its own priority, then runs what it is given
/// until every sender is gone. A panic ends one piece of work (its caller
/// is told), not the thread.
fn hash_thread(queue: &Mutex<Receiver<Work>>, niceness: u8) {
    if let Err(error) = lower_priority(niceness) {
        tracing::warn!(%error, niceness, "password hashing runs at normal priority");
    }
    loop {
        let next = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(work) = next else { return };
        let _ = std::panic::catch_unwind(AssertUnwindSafe(work));
    }
}

/// Sets the calling thread's niceness (Linux gives each thread its own;
/// raising it needs no privilege).
#[allow(unsafe_code)]
fn lower_priority(niceness: u8) -> std::io::Result<()> {
    if niceness == 0 {
        return Ok(());
    }
    // SAFETY: `setpriority` reads its three integer arguments only; `0` as
    // the `who` of `PRIO_PROCESS` names the calling thread on Linux.
    let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, libc::c_int::from(niceness)) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn argon2() -> Result<Argon2<'static>> {
    // OWASP: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|error| Error::internal(format!("argon2 parameters: {error}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|error| Error::internal(format!("salt: {error}")))?;
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::internal(format!("hashing a password: {error}")))
}

fn verify_now(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2()
        .map(|argon2| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS: &[u8] = b"23456789";
const SPECIAL: &[u8] = b"!#$%&*+-=?@^_";

fn is_special(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace()
}

impl PasswordPolicy {
    /// Checks `password` against every rule; the error names each failed
    /// rule in `reasons` (`MIN_LENGTH`, `LOWERCASE`, `UPPERCASE`, `NUMBERS`,
    /// `SPECIAL_CHARACTERS`, `MAX_LENGTH`).
    pub fn check(&self, field: &str, password: &str) -> Result<()> {
        let mut failed: Vec<(&str, String)> = Vec::new();
        let length = password.chars().count();
        if length < self.min_length {
            failed.push((
                "MIN_LENGTH",
                format!("at least {} characters", self.min_length),
            ));
        }
        if length > MAX_PASSWORD_LENGTH {
            failed.push((
                "MAX_LENGTH",
                format!("at most {MAX_PASSWORD_LENGTH} characters"),
            ));
        }
        if self.require_lowercase && !password.chars().any(char::is_lowercase) {
            failed.push(("LOWERCASE", "a lower-case letter".into()));
        }
        if self.require_uppercase && !password.chars().any(char::is_uppercase) {
            failed.push(("UPPERCASE", "an upper-case letter".into()));
        }
        if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            failed.push(("NUMBERS", "a number".into()));
        }
        if self.require_special && !password.chars().any(is_special) {
            failed.push(("SPECIAL_CHARACTERS", "a special character".into()));
        }
        if failed.is_empty() {
            return Ok(());
        }
        let needs: Vec<&str> = failed.iter().map(|(_, text)| text.as_str()).collect();
        Err(Error::Validation(vec![FieldError {
            field: field.to_owned(),
            message: format!("the password must contain {}", needs.join(", ")),
            reasons: failed.iter().map(|(rule, _)| (*rule).to_owned()).collect(),
        }]))
    }

    /// A random password that satisfies this policy: at least 16
    /// characters, with one of each required class.
    pub fn suggest(&self) -> String {
        let mut rng = rand::rng();
        let length = self.min_length.max(16);
        let mut classes: Vec<&[u8]> = vec![LOWER, UPPER, DIGITS];
        if self.require_special {
            classes.push(SPECIAL);
        }
        let mut chars: Vec<u8> = classes
            .iter()
            .map(|class| class[rng.random_range(0..class.len())])
            .collect();
        let alphabet: Vec<u8> = classes.concat();
        while chars.len() < length {
            chars.push(alphabet[rng.random_range(0..alphabet.len())]);
        }
        chars.shuffle(&mut rng);
        chars.into_iter().map(char::from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failed_rule_is_named() {
        let policy = PasswordPolicy {
            require_special: true,
            ..PasswordPolicy::default()
        };
        let Err(Error::Validation(fields)) = policy.check("password", "abc") else {
            panic!("weak password accepted");
        };
        assert_eq!(fields[0].field, "password");
        assert_eq!(
            fields[0].reasons,
            ["MIN_LENGTH", "UPPERCASE", "NUMBERS", "SPECIAL_CHARACTERS"]
        );
        assert!(policy.check("password", "Abcdefg1!").is_ok());
    }

    #[test]
    fn suggestions_satisfy_the_policy() {
        for policy in [
            PasswordPolicy::default(),
            PasswordPolicy {
                require_special: true,
                min_length: 40,
                ..PasswordPolicy::default()
            },
        ] {
            for _ in 0..200 {
                let suggestion = policy.suggest();
                policy
                    .check("password", &suggestion)
                    .expect("suggestion satisfies policy");
            }
        }
    }

    /// The niceness of the calling thread, from `/proc/thread-self/stat`
    /// (its 19th field).
    fn own_niceness() -> i64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("stat");
        let after_name = &stat[stat.rfind(')').expect("name") + 1..];
        after_name
            .split_whitespace()
            .nth(16)
            .and_then(|nice| nice.parse().ok())
            .expect("niceness")
    }

    #[tokio::test]
    async fn hashing_runs_at_its_own_priority() {
        // Relative to where the tests run (a CI may run them niced).
        let base = own_niceness();
        let target = (base + 7).clamp(0, 19);
        let lowered = Passwords::new(u8::try_from(target).expect("niceness")).expect("passwords");
        assert_eq!(lowered.blocking(own_niceness).await.expect("run"), target);
        // The threads serving requests keep theirs.
        assert_eq!(own_niceness(), base);
        let normal = Passwords::new(0).expect("passwords");
        assert_eq!(normal.blocking(own_niceness).await.expect("run"), base);
        // A panic in one piece of work is that caller's error; the
        // threads go on hashing.
        let failed = lowered.blocking(|| panic!("broken work")).await;
        assert!(failed.is_err());
        for _ in 0..4 {
            assert_eq!(lowered.blocking(own_niceness).await.expect("run"), target);
        }
    }

    #[tokio::test]
    async fn no_password_matches_nothing_and_takes_a_verification() {
        let passwords = Passwords::new(0).expect("passwords");
        // Not even the dummy's password, the marker itself or nothing.
        for tried in ["gatehouse-dummy-password", NO_PASSWORD, ""] {
            let tried = SecretString::from(tried);
            assert!(!passwords.verify(&tried, NO_PASSWORD).await.expect("verify"));
        }
        // It costs what a real verification costs: an argon2 run, not an
        // early answer (a real hash's wrong password beside it).
        let secret = SecretString::from("Correct-Horse-1");
        let hash = passwords.hash(&secret).await.expect("hash");
        let started = std::time::Instant::now();
        passwords
            .verify(&secret, NO_PASSWORD)
            .await
            .expect("verify");
        let marker = started.elapsed();
        let started = std::time::Instant::now();
        assert!(passwords.verify(&secret, &hash).await.expect("verify"));
        let real = started.elapsed();
        assert!(
            marker * 4 > real,
            "the marker answered in {marker:?}, a real hash in {real:?}"
        );
    }

    #[tokio::test]
    async fn hashes_verify() {
        let passwords = Passwords::new(0).expect("passwords");
        let secret = SecretString::from("Correct-Horse-1");
        let hash = passwords.hash(&secret).await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(passwords.verify(&secret, &hash).await.expect("verify"));
        assert!(
            !passwords
                .verify(&SecretString::from("wrong"), &hash)
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify(&secret, "not a hash")
                .await
                .expect("verify")
        );
    }
}
