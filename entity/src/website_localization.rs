//! `website_localizations`: the localizations enabled for a website.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "website_localizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub website_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub localization_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::localization::Entity",
        from = "Column::LocalizationId",
        to = "super::localization::Column::Id"
    )]
    Target,
}

impl Related<super::localization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Target.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
