//! Repository tests on SQLite always and on PostgreSQL when VITRINE_TEST_POSTGRES_URL is set:
//! migrations are idempotent, and the job queue claims, retries and recovers abandoned jobs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vitrine_db::{Db, DbError, NewJob, NewUser};
use vitrine_domain::{Email, Role, Timestamp, Username};

struct TestDb {
    db: Db,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    TestDb {
        db,
        _dir: dir,
        pg: None,
    }
}

async fn postgres(name: &str) -> Option<TestDb> {
    let Some(base) = std::env::var("VITRINE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped {name} on PostgreSQL: VITRINE_TEST_POSTGRES_URL is not set");
        return None;
    };
    let dbname = format!("vt_repo_{}_{name}", std::process::id());
    let url = vitrine_db::test_support::create_postgres_database(&base, &dbname)
        .await
        .unwrap();
    let db = Db::connect(&url).await.unwrap();
    Some(TestDb {
        db,
        _dir: tempfile::tempdir().unwrap(),
        pg: Some((base, dbname)),
    })
}

impl TestDb {
    async fn done(self) {
        self.db.close().await;
        if let Some((base, name)) = self.pg {
            vitrine_db::test_support::drop_postgres_database(&base, &name)
                .await
                .unwrap();
        }
    }
}

macro_rules! both {
    ($($name:ident),*) => {
        mod on_sqlite { $( #[tokio::test] async fn $name() { let t = super::sqlite().await; super::$name(&t.db).await; t.done().await; } )* }
        mod on_postgres { $( #[tokio::test] async fn $name() { if let Some(t) = super::postgres(stringify!($name)).await { super::$name(&t.db).await; t.done().await; } } )* }
    };
}

both!(
    migrations_apply_once,
    unique_names_conflict,
    job_queue_claims_retries_and_recovers
);

async fn migrations_apply_once(db: &Db) {
    assert!(
        db.migrate().await.unwrap() >= 1,
        "a fresh database gets every migration"
    );
    assert_eq!(
        db.migrate().await.unwrap(),
        0,
        "a second run applies nothing"
    );
    assert_eq!(db.pending_migrations().await.unwrap(), 0);
    db.ping().await.unwrap();
}

async fn unique_names_conflict(db: &Db) {
    db.migrate().await.unwrap();
    let name = Username::parse("ann").unwrap();
    let email = Email::parse("ann@example.org").unwrap();
    let new = |u, e| NewUser {
        username: u,
        email: e,
        password_hash: "h".into(),
        role: Role::User,
        now: Timestamp(1),
    };
    db.create_user(new(&name, &email)).await.unwrap();
    let other_email = Email::parse("other@example.org").unwrap();
    assert!(matches!(
        db.create_user(new(&name, &other_email)).await,
        Err(DbError::Conflict("username"))
    ));
    let other_name = Username::parse("bea").unwrap();
    assert!(matches!(
        db.create_user(new(&other_name, &email)).await,
        Err(DbError::Conflict("email"))
    ));
    let found = db
        .find_user_by_login("ANN@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.username.as_str(), "ann");
}

async fn job_queue_claims_retries_and_recovers(db: &Db) {
    db.migrate().await.unwrap();
    let t0 = Timestamp(1_000_000);
    let job = |kind, at| NewJob {
        kind,
        payload: "{}".into(),
        run_at: at,
        max_attempts: 2,
    };
    let a = db.enqueue_job(job("a", t0)).await.unwrap();
    let later = db
        .enqueue_job(job("later", t0.plus_seconds(100)))
        .await
        .unwrap();

    let claimed = db.claim_job("w1", t0, 60).await.unwrap().unwrap();
    assert_eq!((claimed.id, claimed.attempts), (a, 1));
    assert!(
        db.claim_job("w2", t0, 60).await.unwrap().is_none(),
        "a claimed job is not handed out twice; the other is not due"
    );

    // The claim lapses (a crashed worker): another worker gets it.
    let reclaimed = db
        .claim_job("w2", t0.plus_seconds(61), 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((reclaimed.id, reclaimed.attempts), (a, 2));
    db.fail_job(a, "boom", None, t0.plus_seconds(62))
        .await
        .unwrap();

    let due = db
        .claim_job("w1", t0.plus_seconds(100), 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(due.id, later);
    db.fail_job(
        later,
        "retry me",
        Some(t0.plus_seconds(200)),
        t0.plus_seconds(100),
    )
    .await
    .unwrap();
    assert!(
        db.claim_job("w1", t0.plus_seconds(150), 60)
            .await
            .unwrap()
            .is_none(),
        "backoff is respected"
    );
    let retried = db
        .claim_job("w1", t0.plus_seconds(200), 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((retried.id, retried.attempts), (later, 2));
    db.complete_job(later, t0.plus_seconds(201)).await.unwrap();
    assert!(!db.job_pending("later").await.unwrap());
    assert!(
        db.claim_job("w1", t0.plus_seconds(10_000), 60)
            .await
            .unwrap()
            .is_none(),
        "failed and done jobs stay put"
    );
    assert_eq!(db.prune_jobs(t0.plus_seconds(10_000)).await.unwrap(), 2);
}
