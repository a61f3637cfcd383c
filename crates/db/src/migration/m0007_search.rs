//! Owns the full-text indexes the search feature queries, one per backend: an FTS5 table kept
//! in step with `media` and `albums` by triggers on SQLite, GIN indexes over `to_tsvector` on
//! PostgreSQL and FULLTEXT indexes on MariaDB/MySQL. All cover title and description.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// FTS5 external-content tables: the text lives in `media`/`albums`, the index beside it.
fn sqlite_statements(table: &str) -> Vec<String> {
    let fts = format!("{table}_fts");
    vec![
        format!(
            "CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(title, description, \
             content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN \
             INSERT INTO {fts}(rowid, title, description) \
             VALUES (new.id, new.title, new.description); END"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN \
             INSERT INTO {fts}({fts}, rowid, title, description) \
             VALUES ('delete', old.id, old.title, old.description); END"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF title, description \
             ON {table} BEGIN \
             INSERT INTO {fts}({fts}, rowid, title, description) \
             VALUES ('delete', old.id, old.title, old.description); \
             INSERT INTO {fts}(rowid, title, description) \
             VALUES (new.id, new.title, new.description); END"
        ),
        // Rows that predate the index.
        format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')"),
    ]
}

fn unsupported(backend: DbBackend) -> DbErr {
    DbErr::Custom(format!("no full-text index for {backend:?}"))
}

/// The expression the PostgreSQL index covers; queries must repeat it exactly to use it.
pub(crate) const PG_DOCUMENT: &str = "to_tsvector('simple', title || ' ' || description)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for table in ["media", "albums"] {
            let statements = match m.get_database_backend() {
                DbBackend::Sqlite => sqlite_statements(table),
                DbBackend::Postgres => vec![format!(
                    "CREATE INDEX IF NOT EXISTS ix_{table}_fts ON {table} USING GIN ({PG_DOCUMENT})"
                )],
                DbBackend::MySql => vec![
                    // The database collates bytes (public ids are case-sensitive), and a
                    // FULLTEXT index matches by its column's collation: the texts take one
                    // that ignores case and accents.
                    format!(
                        "ALTER TABLE {table} \
                         MODIFY title VARCHAR(100) NOT NULL COLLATE utf8mb4_unicode_ci, \
                         MODIFY description TEXT NOT NULL COLLATE utf8mb4_unicode_ci"
                    ),
                    format!("CREATE FULLTEXT INDEX ix_{table}_fts ON {table} (title, description)"),
                ],
                other => return Err(unsupported(other)),
            };
            for sql in statements {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for table in ["media", "albums"] {
            let statements = match m.get_database_backend() {
                DbBackend::Sqlite => vec![
                    format!("DROP TRIGGER IF EXISTS {table}_fts_ai"),
                    format!("DROP TRIGGER IF EXISTS {table}_fts_ad"),
                    format!("DROP TRIGGER IF EXISTS {table}_fts_au"),
                    format!("DROP TABLE IF EXISTS {table}_fts"),
                ],
                DbBackend::Postgres => vec![format!("DROP INDEX IF EXISTS ix_{table}_fts")],
                DbBackend::MySql => vec![format!("DROP INDEX ix_{table}_fts ON {table}")],
                other => return Err(unsupported(other)),
            };
            for sql in statements {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }
}
