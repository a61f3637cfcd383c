//! Owns full-text lookups over the per-backend indexes (migration m0007): FTS5 on SQLite,
//! `tsvector` on PostgreSQL, FULLTEXT on MariaDB/MySQL, behind one function with one meaning:
//! every word of the query must start a word of the title or description. It returns ids in
//! no promised order; who may see them is the caller's business.

use sea_orm::{ConnectionTrait, Statement};

use crate::migration::m0007_search::PG_DOCUMENT;
use crate::{Backend, Db, DbError};

/// What to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchTarget {
    Media,
    Albums,
}

impl SearchTarget {
    fn table(self) -> &'static str {
        match self {
            SearchTarget::Media => "media",
            SearchTarget::Albums => "albums",
        }
    }
}

/// At most this many words of a query are used.
const MAX_WORDS: usize = 8;

/// The query's words: letters and digits only, so no backend's query syntax can be injected.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_lowercase)
        .collect()
}

/// The statement for `words` (never empty) on `backend`, with the query text as its one bind.
fn statement(backend: Backend, target: SearchTarget, words: &[String], limit: u64) -> Statement {
    let table = target.table();
    let (sql, query) = match backend {
        Backend::Sqlite => (
            format!("SELECT rowid AS id FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT {limit}"),
            words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Backend::Postgres => (
            format!(
                "SELECT id FROM {table} WHERE {PG_DOCUMENT} @@ to_tsquery('simple', $1) \
                 LIMIT {limit}"
            ),
            words
                .iter()
                .map(|w| format!("{w}:*"))
                .collect::<Vec<_>>()
                .join(" & "),
        ),
        Backend::MySql => (
            format!(
                "SELECT id FROM {table} WHERE MATCH (title, description) \
                 AGAINST (? IN BOOLEAN MODE) LIMIT {limit}"
            ),
            words
                .iter()
                .map(|w| format!("+{w}*"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    };
    Statement::from_sql_and_values(backend.dialect(), sql, [query.into()])
}

impl Db {
    /// Ids of rows of `target` whose title or description matches every word of `text`.
    pub async fn search_ids(
        &self,
        target: SearchTarget,
        text: &str,
        limit: u64,
    ) -> Result<Vec<i64>, DbError> {
        let words = search_words(text);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .read
            .query_all_raw(statement(self.backend(), target, &words, limit))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<i64>("", "id").map_err(DbError::from))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_cannot_carry_query_syntax() {
        assert_eq!(
            search_words("Sea \"OR\" sun* -rain (x) +NEAR/2 été"),
            ["sea", "or", "sun", "rain", "x", "near", "2", "été"]
        );
        assert!(search_words(" *\"()- ").is_empty());
    }
}
