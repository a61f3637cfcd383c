//! Owns the first schema: users, sessions, api_keys, settings, jobs, audit_log.
//! Times are BIGINT Unix seconds so that every backend stores and compares them alike.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
    Remember,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    UserId,
    Name,
    Prefix,
    SecretHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    Status,
    RunAt,
    Attempts,
    MaxAttempts,
    LockedUntil,
    LockedBy,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Action,
    Target,
    Ip,
    Details,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn time_col(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn opt_time(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

fn opt_text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).null().to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut ix = Index::create();
    ix.name(name).table(table).if_not_exists();
    for c in cols {
        ix.col(Alias::new(*c));
    }
    ix.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .if_not_exists()
                .col(id(Users::Id))
                .col(text(Users::Username, 32).unique_key().to_owned())
                .col(text(Users::Email, 254).unique_key().to_owned())
                .col(opt_text(Users::DisplayName, 64))
                .col(text(Users::PasswordHash, 255))
                .col(text(Users::Role, 16))
                .col(text(Users::Status, 16))
                .col(time_col(Users::CreatedAt))
                .col(time_col(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_users_role", Users::Table, &["role"]))
            .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .if_not_exists()
                .col(text(Sessions::Id, 64).primary_key().to_owned())
                .col(ColumnDef::new(Sessions::UserId).big_integer().not_null())
                .col(time_col(Sessions::CreatedAt))
                .col(time_col(Sessions::ExpiresAt))
                .col(time_col(Sessions::LastSeenAt))
                .col(ColumnDef::new(Sessions::Remember).boolean().not_null())
                .col(opt_text(Sessions::Ip, 64))
                .col(opt_text(Sessions::UserAgent, 255))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_sessions_user", Sessions::Table, &["user_id"]))
            .await?;
        m.create_index(index(
            "ix_sessions_expires",
            Sessions::Table,
            &["expires_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .if_not_exists()
                .col(id(ApiKeys::Id))
                .col(ColumnDef::new(ApiKeys::UserId).big_integer().not_null())
                .col(text(ApiKeys::Name, 64))
                .col(text(ApiKeys::Prefix, 16))
                .col(text(ApiKeys::SecretHash, 64).unique_key().to_owned())
                .col(time_col(ApiKeys::CreatedAt))
                .col(opt_time(ApiKeys::LastUsedAt))
                .col(opt_time(ApiKeys::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiKeys::Table, ApiKeys::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_api_keys_user", ApiKeys::Table, &["user_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table(Settings::Table)
                .if_not_exists()
                .col(text(Settings::Key, 64).primary_key().to_owned())
                .col(ColumnDef::new(Settings::Value).text().not_null())
                .col(time_col(Settings::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .if_not_exists()
                .col(id(Jobs::Id))
                .col(text(Jobs::Kind, 64))
                .col(ColumnDef::new(Jobs::Payload).text().not_null())
                .col(text(Jobs::Status, 16))
                .col(time_col(Jobs::RunAt))
                .col(ColumnDef::new(Jobs::Attempts).integer().not_null())
                .col(ColumnDef::new(Jobs::MaxAttempts).integer().not_null())
                .col(opt_time(Jobs::LockedUntil))
                .col(opt_text(Jobs::LockedBy, 64))
                .col(ColumnDef::new(Jobs::LastError).text().null())
                .col(time_col(Jobs::CreatedAt))
                .col(time_col(Jobs::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_jobs_due", Jobs::Table, &["status", "run_at"]))
            .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .if_not_exists()
                .col(id(AuditLog::Id))
                .col(time_col(AuditLog::At))
                .col(ColumnDef::new(AuditLog::ActorId).big_integer().null())
                .col(text(AuditLog::Action, 64))
                .col(opt_text(AuditLog::Target, 255))
                .col(opt_text(AuditLog::Ip, 64))
                .col(ColumnDef::new(AuditLog::Details).text().null())
                .to_owned(),
        )
        .await?;
        // Login throttling counts recent failures by IP and by account name.
        m.create_index(index(
            "ix_audit_action_ip_at",
            AuditLog::Table,
            &["action", "ip", "at"],
        ))
        .await?;
        m.create_index(index(
            "ix_audit_action_target_at",
            AuditLog::Table,
            &["action", "target", "at"],
        ))
        .await?;
        m.create_index(index("ix_audit_at", AuditLog::Table, &["at"]))
            .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Forward-only: a down migration would drop user data.
        Err(DbErr::Migration("migrations are forward-only".to_owned()))
    }
}
