//! Gatehouse background workers: they will execute the job payloads the
//! `domain` crate defines (exports, imports, mass actions, email), alone in
//! a worker process or inside the API process for the embedded default.
//! Nothing runs in the background yet: the back-office user operations all
//! complete within their request.
