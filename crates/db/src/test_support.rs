//! Owns throw-away databases for tests and tools: a fresh PostgreSQL or MariaDB/MySQL database
//! per test, created from a base URL (`VITRINE_TEST_POSTGRES_URL`, `VITRINE_TEST_MYSQL_URL`)
//! and dropped afterwards.

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use crate::connection::mysql_url;
use crate::{Db, DbError};

fn is_mysql(url: &str) -> bool {
    mysql_url(url).is_some()
}

/// The URL sea-orm understands (`mariadb://` is our synonym for `mysql://`).
fn server_url(url: &str) -> String {
    mysql_url(url).unwrap_or_else(|| url.to_owned())
}

/// Creates database `name` on the server of `base_url` and returns a URL that points at it.
pub async fn create_test_database(base_url: &str, name: &str) -> Result<String, DbError> {
    let admin = Database::connect(server_url(base_url)).await?;
    let sql = if is_mysql(base_url) {
        // The server's default collation (case-insensitive): `Db::migrate` must fix it.
        format!("CREATE DATABASE `{name}`")
    } else {
        format!("CREATE DATABASE \"{name}\"")
    };
    admin.execute_unprepared(&sql).await?;
    admin.close().await?;
    Ok(replace_db_name(base_url, name))
}

/// Drops database `name` on the server of `base_url`, ending its connections.
pub async fn drop_test_database(base_url: &str, name: &str) -> Result<(), DbError> {
    let admin = Database::connect(server_url(base_url)).await?;
    if is_mysql(base_url) {
        // MySQL has no FORCE: end the sessions still using it, or the drop waits for them.
        let rows = admin
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::MySql,
                "SELECT CAST(id AS SIGNED) AS id FROM information_schema.processlist WHERE db = ?",
                [name.into()],
            ))
            .await?;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            // It may have ended by itself meanwhile.
            let _ = admin.execute_unprepared(&format!("KILL {id}")).await;
        }
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`"))
            .await?;
    } else {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
    }
    admin.close().await?;
    Ok(())
}

/// Runs hand-written SQL on `db`'s writer: for tests and tools that seed rows in bulk or
/// refresh the planner's statistics.
pub async fn execute(db: &Db, sql: &str) -> Result<(), DbError> {
    db.write.execute_unprepared(sql).await?;
    Ok(())
}

/// Applies only the first `n` migrations (to test a later one against data an older schema
/// holds).
pub async fn migrate_first(db: &crate::Db, n: u32) -> Result<(), DbError> {
    use sea_orm_migration::MigratorTrait;
    crate::migration::Migrator::up(&db.write, Some(n)).await?;
    Ok(())
}

/// Rows in `table` (a name from [`crate::TABLES`]).
pub async fn count_rows(db: &crate::Db, table: &str) -> Result<i64, DbError> {
    let backend = db.backend().dialect();
    let row = db
        .write
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT CAST(COUNT(*) AS {}) FROM {table}",
                db.backend().bigint()
            ),
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = path_start.map_or(base, |i| &base[..i]);
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_database_name() {
        assert_eq!(
            super::replace_db_name("postgres://u@127.0.0.1:5432/test", "x1"),
            "postgres://u@127.0.0.1:5432/x1"
        );
        assert_eq!(
            super::replace_db_name("postgres://u@h/test?sslmode=disable", "x1"),
            "postgres://u@h/x1?sslmode=disable"
        );
        assert_eq!(
            super::replace_db_name("postgres://h", "x1"),
            "postgres://h/x1"
        );
    }
}
