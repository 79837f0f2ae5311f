//! Downloading an export's file: with credentials (its requester, or
//! `jobs.manage` in its organization), or through a link signed for its
//! requester (`signed`), which a browser opens from the email without
//! credentials. Both end when the export expires.

use entity::job::{self, JobStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{JobService, export};
use crate::error::{Error, Result};
use crate::permissions::Permission;
use crate::signed::{self, Claim, Purpose};
use crate::viewer::Viewer;

/// What `download` finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    /// The file to send, and the name to offer.
    Ready {
        path: std::path::PathBuf,
        name: String,
    },
    /// The job has not produced its file (yet).
    NotReady,
    /// The download time is over.
    Expired,
}

/// What a signed export link carries besides the export's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLink {
    /// Unix time after which the link no longer works.
    pub expires: i64,
    pub signature: String,
}

impl JobService<'_> {
    /// The result file of an export, for its requester or anyone holding
    /// `jobs.manage` in the organization, until it expires.
    pub async fn download(&self, viewer: &Viewer, id: i64) -> Result<Download> {
        let job = job::Entity::find_by_id(id)
            .filter(job::Column::OrganizationId.eq(viewer.organization_id))
            .one(self.app.db())
            .await?
            .ok_or(Error::not_found("export"))?;
        if job.requester_id != Some(viewer.user_id) && !viewer.can(Permission::JobsManage) {
            return Err(Error::forbidden(
                "only the requester or an administrator can download this export",
            ));
        }
        let Some(name) = export::file_name(job.kind, job.id) else {
            return Err(Error::not_found("export"));
        };
        if job.result_expires_at.is_some_and(|at| at <= self.app.now()) {
            return Ok(Download::Expired);
        }
        match (&job.result_file, job.status) {
            (Some(file), JobStatus::Succeeded) => Ok(Download::Ready {
                path: file.into(),
                name,
            }),
            _ => Ok(Download::NotReady),
        }
    }

    /// The result file of an export through a signed link: the signature
    /// must be the one made for this export, its requester and `expires`.
    /// The file is then served as to the requester, who must still be able
    /// to act in the export's organization.
    pub async fn download_signed(&self, id: i64, link: &SignedLink) -> Result<Download> {
        let job = job::Entity::find_by_id(id)
            .one(self.app.db())
            .await?
            .ok_or(Error::not_found("export"))?;
        let key = self.app.link_key().await?;
        let signed_for_it = job.requester_id.is_some_and(|requester| {
            let claim = Claim {
                purpose: Purpose::ExportDownload,
                record_id: job.id,
                account_id: requester,
                expires: link.expires,
            };
            key.verify(&claim, &link.signature)
        });
        if !signed_for_it {
            return Err(Error::forbidden(
                "this link does not open this export: its signature does not match (use the link as it was sent)",
            ));
        }
        if link.expires <= self.app.now().timestamp() {
            return Ok(Download::Expired);
        }
        let requester = self.app.auth().job_viewer(&job).await?;
        self.download(&requester, id).await
    }

    /// Where the file of `job` can be downloaded until it expires; `None`
    /// without a file or after that. Its requester gets a link signed for
    /// them, which opens without credentials like the email's; anyone else
    /// the plain address, which needs credentials holding `jobs.manage`.
    pub async fn download_url(&self, viewer: &Viewer, job: &job::Model) -> Result<Option<String>> {
        let Some(expires_at) = job.result_expires_at else {
            return Ok(None);
        };
        if job.result_file.is_none() || expires_at <= self.app.now() {
            return Ok(None);
        }
        let base = self.app.settings().public_url();
        Ok(Some(match job.requester_id {
            Some(requester) if requester == viewer.user_id => signed::signed_export_url(
                &base,
                self.app.link_key().await?,
                job.id,
                requester,
                expires_at.timestamp(),
            ),
            _ => signed::export_url(&base, job.id),
        }))
    }
}
