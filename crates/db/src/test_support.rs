//! Owns throw-away databases for tests and tools: a fresh PostgreSQL database per test, created
//! from a base URL (`VITRINE_TEST_POSTGRES_URL`) and dropped afterwards.

use sea_orm::{ConnectionTrait, Database};

use crate::DbError;

/// Creates database `name` on the server of `base_url` and returns a URL that points at it.
pub async fn create_postgres_database(base_url: &str, name: &str) -> Result<String, DbError> {
    let admin = Database::connect(base_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    admin.close().await?;
    Ok(replace_db_name(base_url, name))
}

/// Drops database `name` on the server of `base_url`, ending its connections.
pub async fn drop_postgres_database(base_url: &str, name: &str) -> Result<(), DbError> {
    let admin = Database::connect(base_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    admin.close().await?;
    Ok(())
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
