//! The server crate's integration tests, one binary (linking is slow): black-box HTTP tests
//! against the real server on 127.0.0.1:0 (`support`), and tests that run the real `vitrine`
//! binary (`binary`): the command line, a crash during uploads, two nodes sharing a database
//! and a bucket, and moving storage to S3.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary;
mod mailbox;
mod support;

mod accounts;
mod admin_pages;
mod albums;
mod api_keys;
mod chevereto;
mod chevereto_clients;
mod cli;
mod crash;
mod csrf;
mod db_copy;
mod disk_full;
mod errors_and_ops;
mod faults;
mod file_cache;
mod files_origin;
mod flood;
mod fuzz_chevereto;
mod headers;
mod heif_uploads;
mod media;
mod metrics_access;
mod password_reset;
mod profiles;
mod redis_cache;
mod relay;
mod s3_delivery;
mod setup;
mod sharing;
mod sign_in_oracles;
mod signup;
mod signup_throttle;
mod signup_without_email;
mod slow_clients;
mod store_faults;
mod store_migration;
mod two_nodes;
mod url_uploads;
mod visibility;
mod web;
mod web_ui;
mod xss;
mod xss_checks;
