//! `background_jobs`: background work as Gatehouse tracks it, whatever queue runs it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum JobStatus {
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    #[sea_orm(string_value = "RUNNING")]
    Running,
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl JobStatus {
    /// Whether the job has ended and will not run again by itself.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(64))")]
pub enum JobKind {
    #[sea_orm(string_value = "MASS_UPDATE_USERS")]
    MassUpdateUsers,
    #[sea_orm(string_value = "EXPORT_USERS")]
    ExportUsers,
    #[sea_orm(string_value = "MASS_UPDATE_CUSTOMER_USERS")]
    MassUpdateCustomerUsers,
    #[sea_orm(string_value = "EXPORT_CUSTOMER_USERS")]
    ExportCustomerUsers,
    #[sea_orm(string_value = "IMPORT_CUSTOMER_USERS")]
    ImportCustomerUsers,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "background_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: JobKind,
    pub status: JobStatus,
    pub organization_id: i64,
    pub requester_id: Option<i64>,
    pub payload: Json,
    pub total: i64,
    pub processed: i64,
    pub succeeded: i64,
    pub skipped: i64,
    pub failed: i64,
    pub checkpoint: Option<String>,
    pub attempts: i32,
    pub error: Option<String>,
    pub result_file: Option<String>,
    pub result_expires_at: Option<DateTimeUtc>,
    pub cancel_requested: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub heartbeat_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
