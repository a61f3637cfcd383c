//! Repository tests on SQLite always, on PostgreSQL when VITRINE_TEST_POSTGRES_URL is set and on
//! MariaDB when VITRINE_TEST_MYSQL_URL is set:
//! migrations are idempotent (and m0009 keeps every row that points at a user), and the job
//! queue claims, retries and recovers abandoned jobs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vitrine_db::{
    AlbumContents, AlbumFields, Db, DbError, NewAlbum, NewJob, NewUser, SearchTarget,
};
use vitrine_domain::{Email, Privacy, PublicId, Role, Timestamp, Username};

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

/// A fresh database on the server named by `var`, or `None` (after saying so) when unset.
async fn server(var: &str, name: &str) -> Option<TestDb> {
    let Some(base) = std::env::var(var).ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped {name}: {var} is not set");
        return None;
    };
    let dbname = format!("vt_repo_{}_{name}", std::process::id());
    let url = vitrine_db::test_support::create_test_database(&base, &dbname)
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
            vitrine_db::test_support::drop_test_database(&base, &name)
                .await
                .unwrap();
        }
    }
}

macro_rules! both {
    ($($name:ident),*) => {
        mod on_sqlite { $( #[tokio::test] async fn $name() { let t = super::sqlite().await; super::$name(&t.db).await; t.done().await; } )* }
        mod on_postgres { $( #[tokio::test] async fn $name() { if let Some(t) = super::server("VITRINE_TEST_POSTGRES_URL", stringify!($name)).await { super::$name(&t.db).await; t.done().await; } } )* }
        mod on_mariadb { $( #[tokio::test] async fn $name() { if let Some(t) = super::server("VITRINE_TEST_MYSQL_URL", stringify!($name)).await { super::$name(&t.db).await; t.done().await; } } )* }
    };
}

both!(
    migrations_apply_once,
    unique_names_conflict,
    job_queue_claims_retries_and_recovers,
    public_ids_are_case_sensitive,
    full_text_index_follows_edits,
    optional_email_keeps_every_child_row
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
        email: Some(e),
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
    // The first worker's lapsed claim no longer lets it settle the job.
    db.complete_job(a, "w1", t0.plus_seconds(62)).await.unwrap();
    assert_eq!(db.job_state(a).await.unwrap().unwrap().status, "running");
    db.fail_job(a, "w2", "boom", None, t0.plus_seconds(62))
        .await
        .unwrap();
    assert_eq!(db.job_state(a).await.unwrap().unwrap().status, "failed");

    let due = db
        .claim_job("w1", t0.plus_seconds(100), 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(due.id, later);
    db.fail_job(
        later,
        "w1",
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
    db.complete_job(later, "w1", t0.plus_seconds(201))
        .await
        .unwrap();
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

async fn owner(db: &Db) -> i64 {
    db.create_user(NewUser {
        username: &Username::parse("ann").unwrap(),
        email: Some(&Email::parse("ann@example.org").unwrap()),
        password_hash: "h".into(),
        role: Role::User,
        now: Timestamp(1),
    })
    .await
    .unwrap()
    .id
}

async fn album(db: &Db, owner_id: i64, public_id: &str, title: &str, description: &str) -> i64 {
    db.create_album(NewAlbum {
        public_id: PublicId::parse(public_id).unwrap(),
        owner_id,
        parent_id: None,
        title: title.into(),
        description: description.into(),
        privacy: Privacy::Public,
        password_hash: None,
        sort: "newest".into(),
        now: Timestamp(1),
    })
    .await
    .unwrap()
    .unwrap()
    .id
}

/// Base62 ids differ only by case; MariaDB's default collation would call these equal.
async fn public_ids_are_case_sensitive(db: &Db) {
    db.migrate().await.unwrap();
    let ann = owner(db).await;
    let lower = album(db, ann, "abcdefghijk", "One", "").await;
    let upper = album(db, ann, "ABCDEFGHIJK", "Two", "").await;
    assert_ne!(lower, upper);
    let found = db.find_album("ABCDEFGHIJK").await.unwrap().unwrap();
    assert_eq!((found.id, found.title.as_str()), (upper, "Two"));
}

async fn full_text_index_follows_edits(db: &Db) {
    db.migrate().await.unwrap();
    let ann = owner(db).await;
    let harbour = album(db, ann, "aaaaaaaaaaa", "Harbour lights", "Boats at night").await;
    let garden = album(db, ann, "bbbbbbbbbbb", "Garden", "Roses and tulips").await;
    let find = |q: &'static str| async move {
        let mut ids = db.search_ids(SearchTarget::Albums, q, 50).await.unwrap();
        ids.sort_unstable();
        ids
    };
    assert_eq!(find("harbour").await, [harbour]);
    assert_eq!(find("BOATS night").await, [harbour], "every word, any case");
    assert_eq!(find("harb").await, [harbour], "words match as prefixes");
    assert_eq!(find("tulips").await, [garden]);
    assert!(find("harbour tulips").await.is_empty());
    assert!(
        find("\"*) OR -- '").await.is_empty(),
        "syntax is not passed through"
    );
    db.update_album(
        garden,
        AlbumFields {
            title: "Orchard".into(),
            description: "Apples".into(),
            privacy: Privacy::Public,
            password_hash: None,
            cover_media_id: None,
            sort: "newest".into(),
        },
        Timestamp(2),
    )
    .await
    .unwrap();
    assert!(find("tulips").await.is_empty(), "old words are gone");
    assert_eq!(find("apples").await, [garden]);
    db.delete_album(harbour, AlbumContents::MoveUp, |id| NewJob {
        kind: "gc",
        payload: format!("{{\"blob_id\":{id}}}"),
        run_at: Timestamp(2),
        max_attempts: 1,
    })
    .await
    .unwrap();
    assert!(find("harbour").await.is_empty());
    assert!(
        db.search_ids(SearchTarget::Media, "harbour", 50)
            .await
            .unwrap()
            .is_empty()
    );
}

/// m0009 makes `users.email` optional; SQLite rebuilds the table for it, and a `DROP TABLE
/// users` with foreign keys on would cascade into every child table. Data made at m0008 must
/// all survive, foreign keys must still be enforced afterwards, and addresses stay unique
/// while any number of accounts have none.
async fn optional_email_keeps_every_child_row(db: &Db) {
    use vitrine_db::test_support::{count_rows, migrate_first};
    migrate_first(db, 8).await.unwrap();
    let ann = owner(db).await;
    let t = Timestamp(10);
    db.insert_session(&vitrine_db::SessionRecord {
        id: "s".repeat(64),
        user_id: ann,
        created_at: t,
        expires_at: Timestamp(i64::from(i32::MAX)),
        last_seen_at: t,
        remember: false,
        ip: None,
        user_agent: None,
    })
    .await
    .unwrap();
    db.insert_api_key(vitrine_db::NewApiKey {
        user_id: ann,
        name: "laptop",
        prefix: "pfx",
        secret_hash: "hash",
        now: t,
    })
    .await
    .unwrap();
    let album_id = album(db, ann, "ccccccccccc", "Kept", "").await;
    db.insert_password_reset(&"r".repeat(64), ann, t, Timestamp(i64::from(i32::MAX)))
        .await
        .unwrap();
    db.commit_upload(
        vitrine_db::NewBlob {
            hash: "h".repeat(64),
            size: 3,
            ext: "png".into(),
            width: 1,
            height: 1,
            frames: 1,
            storage_key: "k/k".into(),
            md5: "m".repeat(32),
        },
        Vec::new(),
        vitrine_db::NewMedia {
            public_id: PublicId::parse("ddddddddddd").unwrap(),
            owner_id: Some(ann),
            kind: "image".into(),
            title: "kept".into(),
            description: String::new(),
            original_filename: "k.png".into(),
            nsfw: false,
            width: 1,
            height: 1,
            exif: None,
            thumbhash: String::new(),
            phash: 0,
            expires_at: None,
            delete_token_hash: "d".repeat(64),
            tags: Vec::new(),
            privacy: Privacy::Public,
            album_id: Some(album_id),
            now: t,
        },
        Vec::new(),
        || async { Ok::<(), ()>(()) },
    )
    .await
    .unwrap();
    let tables = [
        "users",
        "sessions",
        "api_keys",
        "albums",
        "media",
        "blobs",
        "password_resets",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(count_rows(db, table).await.unwrap());
    }
    assert!(before.iter().all(|n| *n == 1), "{before:?}");

    assert_eq!(db.migrate().await.unwrap(), 1, "m0009 alone is pending");
    for (table, n) in tables.iter().zip(&before) {
        assert_eq!(
            count_rows(db, table).await.unwrap(),
            *n,
            "{table} kept its rows"
        );
    }
    let kept = db.find_user(ann).await.unwrap().unwrap();
    assert_eq!(kept.email.unwrap().as_str(), "ann@example.org");
    assert!(db.find_media("ddddddddddd").await.unwrap().is_some());

    // Any number of accounts without an address; addresses still unique.
    for name in ["nil1", "nil2"] {
        let user = db
            .create_user(NewUser {
                username: &Username::parse(name).unwrap(),
                email: None,
                password_hash: "h".into(),
                role: Role::User,
                now: t,
            })
            .await
            .unwrap();
        assert!(user.email.is_none());
    }
    let dup = db
        .create_user(NewUser {
            username: &Username::parse("dup").unwrap(),
            email: Some(&Email::parse("ANN@example.org").unwrap()),
            password_hash: "h".into(),
            role: Role::User,
            now: t,
        })
        .await;
    assert!(matches!(dup, Err(DbError::Conflict("email"))), "{dup:?}");
    // New ids follow the old ones, and foreign keys are enforced again.
    let next = db.find_user_by_username("nil1").await.unwrap().unwrap().id;
    assert!(next > ann);
    let orphan = db
        .insert_api_key(vitrine_db::NewApiKey {
            user_id: 999_999,
            name: "orphan",
            prefix: "orph",
            secret_hash: "orphan",
            now: t,
        })
        .await;
    assert!(orphan.is_err(), "a key for no user is refused");
}
