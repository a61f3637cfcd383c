//! Repository tests on SQLite always, on PostgreSQL when VITRINE_TEST_POSTGRES_URL is set and on
//! MariaDB when VITRINE_TEST_MYSQL_URL is set:
//! migrations are idempotent (and m0009 keeps every row that points at a user), the job queue
//! claims, retries and recovers abandoned jobs, and the statements that broke at a million
//! media reach media through an index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vitrine_db::plans::Planned;
use vitrine_db::{
    AlbumContents, AlbumFields, Audience, Backend, Db, DbError, NewAlbum, NewJob, NewUser,
    SearchTarget,
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
    scale_queries_reach_media_by_index,
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

/// Rows of a scaled-down site, inserted in bulk so the planner sees realistic proportions:
/// `USERS` people, the first of whom keeps `BIG_ALBUMS` public albums (a profile that lists
/// 90 of them is what went wrong in issue 17) and every other `ALBUMS_EACH`; `MEDIA` media, most
/// of them in albums, each with its own blob, plus `UNUSED_BLOBS` blobs nothing uses.
const USERS: i64 = 40;
const BIG_ALBUMS: i64 = 120;
const ALBUMS_EACH: i64 = 150;
const MEDIA: i64 = 40_000;
const UNUSED_BLOBS: i64 = 12;

const ALBUMS: i64 = BIG_ALBUMS + (USERS - 1) * ALBUMS_EACH;

/// The album of seeded media `m`: six in seven sit in one, the rest in none. Media of an album
/// were uploaded together, so they run in blocks of ids, as on a real site (scattering them
/// over the table would make a full scan the cheaper plan for PostgreSQL, and rightly so).
fn album_of(m: i64) -> Option<i64> {
    (m % 7 != 0).then(|| (m - 1) * ALBUMS / MEDIA + 1)
}

/// Multi-row INSERTs of 500 rows at a time (one statement per row would dominate the test).
async fn insert_rows(db: &Db, table_and_columns: &str, rows: impl Iterator<Item = String>) {
    let rows: Vec<String> = rows.collect();
    for chunk in rows.chunks(500) {
        let sql = format!("INSERT INTO {table_and_columns} VALUES {}", chunk.join(","));
        vitrine_db::test_support::execute(db, &sql).await.unwrap();
    }
}

/// Seeds the site and refreshes the planner's statistics; returns the big user's album ids.
async fn seed_site(db: &Db) -> Vec<i64> {
    insert_rows(
        db,
        "users (id, username, email, password_hash, role, status, created_at, updated_at)",
        (1..=USERS)
            .map(|u| format!("({u}, 'u{u}', 'u{u}@example.org', 'h', 'user', 'active', 1, 1)")),
    )
    .await;
    let mut album_owners = vec![1; BIG_ALBUMS as usize];
    album_owners.extend((2..=USERS).flat_map(|u| std::iter::repeat_n(u, ALBUMS_EACH as usize)));
    insert_rows(
        db,
        "albums (id, public_id, owner_id, title, description, privacy, effective_privacy, \
         sort, created_at, updated_at)",
        album_owners.iter().enumerate().map(|(i, u)| {
            let a = i + 1;
            format!("({a}, 'a{a:0>10}', {u}, 't', '', 'public', 'public', 'newest', 1, 1)")
        }),
    )
    .await;
    insert_rows(
        db,
        "blobs (id, hash, size, ext, width, height, frames, storage_key, created_at)",
        (1..=MEDIA + UNUSED_BLOBS)
            .map(|b| format!("({b}, '{b:0>64}', 1, 'jpg', 1, 1, 1, 'k{b}', 1)")),
    )
    .await;
    insert_rows(
        db,
        "media (id, public_id, owner_id, blob_id, kind, title, description, original_filename, \
         nsfw, width, height, thumbhash, phash, views, delete_token_hash, created_at, \
         updated_at, privacy, album_id)",
        (1..=MEDIA).map(|m| {
            let (owner, album) = match album_of(m) {
                Some(a) => (album_owners[(a - 1) as usize], a.to_string()),
                None => (m % USERS + 1, "NULL".to_owned()),
            };
            format!(
                "({m}, 'm{m:0>10}', {owner}, {m}, 'image', 't', '', 'f.jpg', false, 1, 1, '', 0, \
                 0, '', 1, 1, 'public', {album})"
            )
        }),
    )
    .await;
    (1..=BIG_ALBUMS).collect()
}

/// Gives the planner statistics about the seeded rows, as the servers' own background
/// statistics (autovacuum, InnoDB's automatic recalculation) would.
async fn analyze(db: &Db) {
    let sql = match db.backend() {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "ANALYZE users, albums, blobs, media",
        Backend::MySql => "ANALYZE TABLE users, albums, blobs, media",
    };
    vitrine_db::test_support::execute(db, sql).await.unwrap();
}

/// Checks the plans of the issue 17 statements for a profile page of 90 albums.
async fn check_scale_plans(db: &Db, page: &[i64], now: Timestamp) {
    for audience in [Audience::Visitors, Audience::All] {
        for planned in [
            Planned::AlbumMediaCounts {
                album_ids: page,
                audience,
                now,
            },
            Planned::NewestAlbumMedia {
                album_ids: page,
                audience,
                now,
            },
        ] {
            let plan = db.explain(planned).await.unwrap();
            let reads = MediaReads::ByKey("ix_media_album");
            assert_media_reads(db.backend(), &plan, reads, &format!("{planned:?}"));
        }
    }
    // The hourly cleanup asks for 500; `vitrine check` and `gc` for all of them.
    for limit in [500, u64::MAX >> 1] {
        let planned = Planned::UnreferencedBlobs { limit };
        let plan = db.explain(planned).await.unwrap();
        let reads = MediaReads::NeverPerRow("ix_media_blob");
        assert_media_reads(db.backend(), &plan, reads, &format!("{planned:?}"));
    }
}

/// How a statement may read media, as judged from its plan.
#[derive(Debug, Clone, Copy)]
enum MediaReads {
    /// Only by key lookups through this index: what a page costs must not grow with the
    /// number of media.
    ByKey(&'static str),
    /// By key lookups through this index, or (PostgreSQL) in one pass feeding a hash or merge
    /// join, but never again for each outer row. Looking for unused blobs must visit every blob;
    /// when nearly all are used PostgreSQL rightly hashes media once instead of probing it a
    /// million times, while SQLite and MariaDB probe the index per blob.
    NeverPerRow(&'static str),
}

impl MediaReads {
    fn index(self) -> &'static str {
        match self {
            MediaReads::ByKey(ix) | MediaReads::NeverPerRow(ix) => ix,
        }
    }
}

/// Fails unless every read of `media` in `plan` (as `Db::explain` words it) is allowed by
/// `reads`: no full scan of the table or of one of its indexes (on SQLite `SCAN media`, on
/// MariaDB `type=ALL`/`index`, on PostgreSQL `Seq Scan` or an index scan without a key), and on
/// PostgreSQL no read of media inside a subplan, which is run again for each outer row once its
/// result outgrows memory (the `NOT IN` of issue 17).
fn assert_media_reads(backend: Backend, plan: &[String], reads: MediaReads, what: &str) {
    let index = reads.index();
    let found: Vec<(String, bool)> = match backend {
        Backend::Sqlite => plan
            .iter()
            .filter(|l| l.split_whitespace().nth(1) == Some("media"))
            .map(|l| {
                let keyed =
                    l.starts_with("SEARCH media USING") && l.contains(&format!("INDEX {index} ("));
                (l.clone(), keyed)
            })
            .collect(),
        Backend::Postgres => {
            let doc: serde_json::Value = serde_json::from_str(&plan[0]).unwrap();
            let mut found = Vec::new();
            pg_media_reads(&doc[0]["Plan"], false, reads, &mut found);
            found
        }
        Backend::MySql => plan
            .iter()
            .filter(|l| l.contains(" table=media "))
            .map(|l| {
                let full = l.contains(" type=ALL ") || l.contains(" type=index ");
                let keyed = !full && l.ends_with(&format!(" key={index}"));
                // A materialised subquery is read once, then probed by key.
                let once = matches!(reads, MediaReads::NeverPerRow(_))
                    && l.starts_with("select_type=MATERIALIZED ");
                (l.clone(), keyed || once)
            })
            .collect(),
    };
    assert!(!found.is_empty(), "{what}: no read of media in {plan:#?}");
    let bad: Vec<&String> = found.iter().filter(|(_, ok)| !ok).map(|(l, _)| l).collect();
    assert!(
        bad.is_empty(),
        "{what} on {backend:?} reads media other than {reads:?}: {bad:#?}\nplan: {plan:#?}"
    );
}

/// The reads of media in a PostgreSQL JSON plan node and below, each with whether `reads`
/// allows it. `per_row` says an ancestor runs this part again for each outer row.
fn pg_media_reads(
    node: &serde_json::Value,
    per_row: bool,
    reads: MediaReads,
    out: &mut Vec<(String, bool)>,
) {
    let kind = node["Node Type"].as_str().unwrap_or_default();
    let index_name = node["Index Name"].as_str().unwrap_or_default();
    let media_index = index_name.starts_with("ix_media_") || index_name.starts_with("media_");
    if node["Relation Name"] == "media" || media_index {
        let keyed = match kind {
            "Index Scan" | "Index Only Scan" | "Bitmap Index Scan" => {
                index_name == reads.index() && node.get("Index Cond").is_some()
            }
            // Reads the rows its Bitmap Index Scan child found; that child is judged itself.
            "Bitmap Heap Scan" => true,
            _ => false,
        };
        let once = matches!(reads, MediaReads::NeverPerRow(_)) && !per_row;
        let how = format!("{kind} {index_name} {}", node["Parent Relationship"]);
        out.push((how, keyed || once));
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        let again = child["Parent Relationship"] == "SubPlan"
            || (kind == "Nested Loop" && child["Parent Relationship"] == "Inner");
        pg_media_reads(child, per_row || again, reads, out);
    }
}

/// Issue 17: at a million media, counting the media of a profile's 90 albums walked the whole
/// media table on SQLite, and listing unused blobs re-read every media row per blob on
/// PostgreSQL. These statements must reach media through their index alone.
async fn scale_queries_reach_media_by_index(db: &Db) {
    db.migrate().await.unwrap();
    let profile = seed_site(db).await;
    let page = &profile[..90];
    let now = Timestamp(2);
    if db.backend() == Backend::Sqlite {
        // Vitrine never runs ANALYZE on SQLite, so its planner works without statistics: the
        // state the scale run found the IN form walking all media in (with statistics it
        // chose well). Servers keep statistics themselves, so there only that state counts.
        check_scale_plans(db, page, now).await;
    }
    analyze(db).await;
    check_scale_plans(db, page, now).await;

    // The rewritten statements still answer what the old ones did.
    let mut unused = db.unreferenced_blobs(500).await.unwrap();
    unused.sort_unstable();
    assert_eq!(
        unused,
        (MEDIA + 1..=MEDIA + UNUSED_BLOBS).collect::<Vec<_>>()
    );
    let in_album = |a: i64| (1..=MEDIA).filter(move |&m| album_of(m) == Some(a));
    let expected_counts: Vec<(i64, i64)> = page
        .iter()
        .map(|&a| (a, in_album(a).count() as i64))
        .collect();
    assert!(
        expected_counts.iter().all(|&(_, n)| n > 0),
        "every album has media"
    );
    let expected_newest: Vec<(i64, i64)> = page
        .iter()
        .map(|&a| (a, in_album(a).max().unwrap()))
        .collect();
    let sorted = |mut v: Vec<(i64, i64)>| {
        v.sort_unstable();
        v
    };
    for audience in [Audience::Visitors, Audience::All] {
        let counts = db.count_album_media(page, audience, now).await.unwrap();
        assert_eq!(sorted(counts), expected_counts, "{audience:?}");
        let newest = db.newest_album_media(page, audience, now).await.unwrap();
        assert_eq!(sorted(newest), expected_newest, "{audience:?}");
    }
    // A banned owner's media are counted for staff only.
    vitrine_db::test_support::execute(db, "UPDATE users SET status = 'banned' WHERE id = 1")
        .await
        .unwrap();
    let visitors = db
        .count_album_media(page, Audience::Visitors, now)
        .await
        .unwrap();
    assert!(visitors.is_empty(), "{visitors:?}");
    let staff = db
        .count_album_media(page, Audience::All, now)
        .await
        .unwrap();
    assert_eq!(sorted(staff), expected_counts);
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
