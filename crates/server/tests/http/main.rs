//! Black-box HTTP tests: the real server on 127.0.0.1:0, spoken to over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod mailbox;
mod support;

mod accounts;
mod admin_pages;
mod albums;
mod api_keys;
mod chevereto;
mod chevereto_clients;
mod csrf;
mod db_copy;
mod disk_full;
mod errors_and_ops;
mod faults;
mod file_cache;
mod files_origin;
mod flood;
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
mod url_uploads;
mod visibility;
mod web;
mod web_ui;
mod xss;
mod xss_checks;
