//! Importing customer users from CSV as a job. The file's header is checked
//! when the import is asked for: a missing required column or an unknown
//! one refuses the whole file, and nothing is written. The job then reads
//! the rows in order; each valid row creates a customer user (with a
//! password nobody knows: they set theirs through `requestPasswordReset`) or
//! updates the one with its email, through the same rules as the back
//! office, in one transaction of its own; each rejected row is reported
//! with its line number and reason. Chunks of rows end with a checkpoint,
//! and a row applied twice (a run killed before its checkpoint) only
//! updates what it created.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::customer_role;
use entity::customer_user;
use entity::job::{self, JobKind};
use entity::job_upload;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::{CustomerUserChanges, CustomerUserService, Manager, NewCustomerUser};
use crate::error::{Error, Result};
use crate::jobs::runner::{Finish, ItemOutcome, Run};
use crate::permissions::Permission;
use crate::viewer::Viewer;

/// Columns a file must have.
pub const REQUIRED: &[&str] = &["email", "first_name", "last_name", "customer_id"];
/// Columns a file may have besides; the read-only ones of an export
/// (`id`, `auth_status`, `customer`, `website`, `roles` names are read)
/// are accepted and ignored.
pub const OPTIONAL: &[&str] = &[
    "name_prefix",
    "middle_name",
    "name_suffix",
    "birthday",
    "enabled",
    "confirmed",
    "website_id",
    "roles",
];
const IGNORED: &[&str] = &[
    "id",
    "auth_status",
    "customer",
    "website",
    "created_at",
    "last_login_at",
];

/// Rows per checkpoint.
const CHUNK: usize = 100;

/// The payload of an `IMPORT_CUSTOMER_USERS` job; the file is in
/// `job_uploads`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportCustomerUsers {
    pub file_name: String,
}

/// The columns of `content`'s header, checked.
fn header(content: &str) -> Result<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(content.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid("file", format!("the file is not CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| !header.iter().any(|h| h == r))
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "file",
            format!(
                "the header lacks the columns {}; the file was not imported",
                missing.join(", ")
            ),
        ));
    }
    let known = |h: &str| REQUIRED.contains(&h) || OPTIONAL.contains(&h) || IGNORED.contains(&h);
    let unknown: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| !known(h))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::invalid(
            "file",
            format!(
                "the header has unknown columns {}; the file was not imported",
                unknown.join(", ")
            ),
        ));
    }
    let mut seen = header.clone();
    seen.sort();
    seen.dedup();
    if seen.len() != header.len() {
        return Err(Error::invalid(
            "file",
            "the header names a column twice; the file was not imported",
        ));
    }
    Ok(header)
}

impl CustomerUserService<'_> {
    /// Starts importing `content` (CSV) as a job, answered at once; a
    /// file that is too large or has a wrong header is refused as a whole.
    pub async fn import(
        &self,
        viewer: &Viewer,
        file_name: &str,
        content: String,
    ) -> Result<job::Model> {
        viewer.require(Permission::CustomerUsersImport)?;
        let limit = self.app.settings().jobs.max_import_bytes;
        if content.len() as u64 > limit {
            return Err(Error::invalid(
                "file",
                format!("the file is larger than {limit} bytes"),
            ));
        }
        header(&content)?;
        let total = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(content.as_bytes())
            .records()
            .count() as i64;
        let file_name: String = file_name.chars().take(255).collect();
        let payload = ImportCustomerUsers {
            file_name: file_name.clone(),
        };
        let txn = crate::db::write(self.app.db()).await?;
        let job = self
            .app
            .jobs()
            .create(&txn, viewer, JobKind::ImportCustomerUsers, &payload, total)
            .await?;
        job_upload::ActiveModel {
            job_id: Set(job.id),
            file_name: Set(file_name),
            content: Set(content),
        }
        .insert(&txn)
        .await?;
        self.app.commit_quiet(txn).await?;
        self.app.jobs().start(&job).await;
        Ok(job)
    }
}

/// One row, by column name.
struct Line<'a> {
    cells: HashMap<&'a str, &'a str>,
}

impl Line<'_> {
    /// The trimmed cell of `column`, when the file has the column.
    fn get(&self, column: &str) -> Option<&str> {
        self.cells.get(column).map(|v| v.trim())
    }

    /// An optional text: `None` without the column, `Some(None)` when blank.
    fn text(&self, column: &str) -> Option<Option<String>> {
        self.get(column)
            .map(|v| (!v.is_empty()).then(|| v.to_owned()))
    }

    fn flag(&self, column: &str) -> std::result::Result<Option<bool>, String> {
        match self.get(column) {
            None | Some("") => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(Some(true)),
                "false" | "0" | "no" => Ok(Some(false)),
                _ => Err(format!("{column}: {v:?} is not true or false")),
            },
        }
    }

    fn id(&self, column: &str) -> std::result::Result<Option<i64>, String> {
        match self.get(column) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(Some)
                .ok_or_else(|| format!("{column}: {v:?} is not an id")),
        }
    }

    fn date(&self, column: &str) -> std::result::Result<Option<Option<NaiveDate>>, String> {
        match self.get(column) {
            None => Ok(None),
            Some("") => Ok(Some(None)),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| Some(Some(d)))
                .map_err(|_| format!("{column}: {v:?} is not a date (YYYY-MM-DD)")),
        }
    }
}

/// Picks the role named `name` a user of `customer_id` can hold: the
/// customer's own first, then the organization's, then a predefined one.
fn role_named(roles: &[customer_role::Model], name: &str, customer_id: i64) -> Option<i64> {
    let named = |r: &&customer_role::Model| r.name.eq_ignore_ascii_case(name);
    roles
        .iter()
        .filter(named)
        .find(|r| r.customer_id == Some(customer_id))
        .or_else(|| {
            roles
                .iter()
                .filter(named)
                .find(|r| r.customer_id.is_none() && r.organization_id.is_some())
        })
        .or_else(|| {
            roles
                .iter()
                .filter(named)
                .find(|r| r.organization_id.is_none())
        })
        .map(|r| r.id)
}

/// What a rejected row says: the field errors, or the refusal.
fn reason(error: Error) -> Result<String> {
    match error {
        Error::Validation(_)
        | Error::Conflict { .. }
        | Error::NotFound { .. }
        | Error::Forbidden(_) => Ok(error.to_string()),
        other => Err(other),
    }
}

/// Applies one row: updates the customer user with its email, or creates
/// one. `Ok(Err(reason))` rejects the row.
async fn apply(
    run: &Run<'_>,
    line: &Line<'_>,
    roles: &[customer_role::Model],
) -> Result<std::result::Result<(), String>> {
    let by = Manager::Staff(&run.viewer);
    let users = run.app.customer_users();
    let parsed = (|| {
        let email = line.get("email").unwrap_or_default().to_owned();
        if email.is_empty() {
            return Err("email: must not be empty".to_owned());
        }
        Ok((
            email,
            line.id("customer_id")?,
            line.id("website_id")?,
            line.flag("enabled")?,
            line.flag("confirmed")?,
            line.date("birthday")?,
        ))
    })();
    let (email, customer_id, website_id, enabled, confirmed, birthday) = match parsed {
        Ok(parsed) => parsed,
        Err(reason) => return Ok(Err(reason)),
    };
    let existing = by
        .scope()
        .filter(customer_user::Column::EmailCanonical.eq(email.to_lowercase()))
        .one(run.app.db())
        .await?;
    let customer = customer_id.or(existing.as_ref().map(|u| u.customer_id));
    let role_ids = match (line.get("roles"), customer) {
        (Some(names), Some(customer)) => {
            let mut ids = Vec::new();
            for name in names.split(';').map(str::trim).filter(|n| !n.is_empty()) {
                match role_named(roles, name, customer) {
                    Some(id) => ids.push(id),
                    None => return Ok(Err(format!("roles: no role {name:?} for this customer"))),
                }
            }
            Some(ids)
        }
        _ => None,
    };
    let outcome = match existing {
        Some(user) => {
            let changes = CustomerUserChanges {
                customer_id,
                website_id,
                enabled,
                name_prefix: line.text("name_prefix"),
                first_name: line.get("first_name").map(str::to_owned),
                middle_name: line.text("middle_name"),
                last_name: line.get("last_name").map(str::to_owned),
                name_suffix: line.text("name_suffix"),
                email: Some(email),
                birthday,
                role_ids,
                ..CustomerUserChanges::default()
            };
            users.update(by, user.id, changes).await.map(|_| ())
        }
        None => {
            let new = NewCustomerUser {
                customer_id,
                website_id,
                enabled: enabled.unwrap_or(true),
                confirmed: confirmed.unwrap_or(true),
                name_prefix: line.text("name_prefix").flatten(),
                first_name: line.get("first_name").unwrap_or_default().to_owned(),
                middle_name: line.text("middle_name").flatten(),
                last_name: line.get("last_name").unwrap_or_default().to_owned(),
                name_suffix: line.text("name_suffix").flatten(),
                email,
                birthday: birthday.flatten(),
                generate_password: true,
                role_ids: role_ids.unwrap_or_default(),
                ..NewCustomerUser::default()
            };
            users.create(by, new).await.map(|_| ())
        }
    };
    match outcome {
        Ok(()) => Ok(Ok(())),
        Err(error) => reason(error).map(Err),
    }
}

/// Runs (or resumes, after its checkpoint line) an import job.
pub(crate) async fn run(run: &Run<'_>) -> Result<Finish> {
    run.viewer.require(Permission::CustomerUsersImport)?;
    let db = run.app.db();
    let upload = job_upload::Entity::find_by_id(run.job.id)
        .one(db)
        .await?
        .ok_or_else(|| Error::internal("the imported file is missing"))?;
    let columns = header(&upload.content)?;
    let roles = crate::customers::roles::of_organization(run.job.organization_id)
        .all(db)
        .await?;
    let done: u64 = run
        .job
        .checkpoint
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(upload.content.as_bytes());
    let mut items = Vec::with_capacity(CHUNK);
    let mut last_line = done;
    for record in reader.records() {
        let line_number;
        let outcome = match record {
            Ok(record) => {
                line_number = record.position().map(|p| p.line()).unwrap_or(0);
                if line_number <= done {
                    continue;
                }
                if record.len() != columns.len() {
                    Err(format!(
                        "the row has {} fields where the header has {}",
                        record.len(),
                        columns.len()
                    ))
                } else {
                    let line = Line {
                        cells: columns
                            .iter()
                            .map(String::as_str)
                            .zip(record.iter())
                            .collect(),
                    };
                    apply(run, &line, &roles).await?
                }
            }
            Err(error) => {
                line_number = error.position().map(|p| p.line()).unwrap_or(last_line + 1);
                if line_number <= done {
                    continue;
                }
                Err(format!("the row is not valid CSV: {error}"))
            }
        };
        let item = line_number.to_string();
        items.push(match outcome {
            Ok(()) => ItemOutcome::done_item(item),
            Err(reason) => ItemOutcome::failed_item(item, reason),
        });
        last_line = line_number;
        if items.len() == CHUNK {
            checkpoint(run, last_line, &mut items).await?;
            if let Some(stop) = run.should_stop().await? {
                return Ok(stop);
            }
        }
    }
    checkpoint(run, last_line, &mut items).await?;
    Ok(Finish::Done)
}

async fn checkpoint(run: &Run<'_>, line: u64, items: &mut Vec<ItemOutcome>) -> Result<()> {
    let txn = crate::db::write(run.app.db()).await?;
    run.checkpoint(&txn, &line.to_string(), items).await?;
    run.app.commit_quiet(txn).await?;
    items.clear();
    Ok(())
}
