//! Owns the `[storage]` settings and turning them into stores: the local directory (always
//! available, `<data_dir>/media`) and an S3-compatible bucket when `storage.s3.bucket` is set;
//! which of them is in use (the configured backend, unless a finished `storage migrate`
//! recorded another in the database), and following that record on a running node.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use url::Url;
use vitrine_storage::{BlobStore, Delivery, S3Settings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    /// Files under `<data_dir>/media`.
    #[default]
    Local,
    S3,
}

impl StorageBackend {
    pub fn name(self) -> &'static str {
        match self {
            StorageBackend::Local => "local",
            StorageBackend::S3 => "s3",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "local" => Some(StorageBackend::Local),
            "s3" => Some(StorageBackend::S3),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServeMode {
    #[default]
    Proxy,
    Presigned,
    Public,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// `local` or `s3`: where new files go (unless `vitrine storage migrate` switched it).
    pub backend: StorageBackend,
    pub s3: S3Config,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    /// Leave unset for AWS S3; set for MinIO, Garage, Ceph, R2, B2.
    pub endpoint: Option<Url>,
    /// Path-style addressing (`host/bucket/key`), which most self-hosted servers need.
    pub path_style: bool,
    pub access_key_id: Option<String>,
    pub access_key_id_file: Option<PathBuf>,
    pub secret_access_key: Option<String>,
    pub secret_access_key_file: Option<PathBuf>,
    /// A key prefix inside the bucket, e.g. `vitrine/`.
    pub prefix: String,
    /// `proxy`, `presigned` or `public`.
    pub serve: ServeMode,
    /// For `serve = "public"`: the URL the bucket's objects are reachable under.
    pub public_base_url: Option<Url>,
    pub presign_secs: u32,
    /// Per-request time limit towards the store.
    pub timeout_secs: u32,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            bucket: String::new(),
            region: "us-east-1".to_owned(),
            endpoint: None,
            path_style: false,
            access_key_id: None,
            access_key_id_file: None,
            secret_access_key: None,
            secret_access_key_file: None,
            prefix: String::new(),
            serve: ServeMode::Proxy,
            public_base_url: None,
            presign_secs: 300,
            timeout_secs: 30,
        }
    }
}

/// A secret given inline or as a file (Docker/systemd credentials); the file wins.
fn secret(inline: &Option<String>, file: &Option<PathBuf>) -> anyhow::Result<Option<String>> {
    match file {
        Some(path) => Ok(Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .trim()
                .to_owned(),
        )),
        None => Ok(inline.clone()),
    }
}

impl S3Config {
    pub fn configured(&self) -> bool {
        !self.bucket.is_empty()
    }

    /// Problems with these settings, as (key, why).
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if !self.configured() {
            return None;
        }
        if self.serve == ServeMode::Public && self.public_base_url.is_none() {
            return Some((
                "storage.s3.public_base_url",
                "is needed with serve = \"public\"",
            ));
        }
        if !(1..=7 * 24 * 3600).contains(&self.presign_secs) {
            return Some(("storage.s3.presign_secs", "must be between 1 and 604800"));
        }
        if !(1..=600).contains(&self.timeout_secs) {
            return Some(("storage.s3.timeout_secs", "must be between 1 and 600"));
        }
        if self.access_key_id.is_some() && self.access_key_id_file.is_some()
            || self.secret_access_key.is_some() && self.secret_access_key_file.is_some()
        {
            return Some(("storage.s3", "set a key inline or as a *_file, not both"));
        }
        let id = self.access_key_id.is_some() || self.access_key_id_file.is_some();
        let secret = self.secret_access_key.is_some() || self.secret_access_key_file.is_some();
        if id != secret {
            // One without the other would silently fall back to the AWS_* environment.
            return Some((
                "storage.s3",
                "set both access_key_id and secret_access_key (or their *_file forms), or neither",
            ));
        }
        None
    }

    fn settings(&self) -> anyhow::Result<S3Settings> {
        Ok(S3Settings {
            bucket: self.bucket.clone(),
            region: self.region.clone(),
            endpoint: self
                .endpoint
                .as_ref()
                .map(|u| u.as_str().trim_end_matches('/').to_owned()),
            path_style: self.path_style,
            access_key_id: secret(&self.access_key_id, &self.access_key_id_file)?,
            secret_access_key: secret(&self.secret_access_key, &self.secret_access_key_file)?,
            prefix: self.prefix.clone(),
            delivery: match self.serve {
                ServeMode::Proxy => Delivery::Proxy,
                ServeMode::Presigned => Delivery::Presigned,
                ServeMode::Public => Delivery::Public,
            },
            public_base_url: self.public_base_url.as_ref().map(|u| u.to_string()),
            presign: Duration::from_secs(u64::from(self.presign_secs)),
            timeout: Duration::from_secs(u64::from(self.timeout_secs)),
        })
    }

    /// The settings with the inline secrets hidden, for `config print`.
    pub fn redacted(&self) -> Self {
        let hide = |s: &Option<String>| s.as_ref().map(|_| "***".to_owned());
        Self {
            access_key_id: hide(&self.access_key_id),
            secret_access_key: hide(&self.secret_access_key),
            ..self.clone()
        }
    }
}

/// Every store this node can reach.
#[derive(Debug, Clone)]
pub struct Stores {
    pub configured: StorageBackend,
    pub local: BlobStore,
    pub s3: Option<BlobStore>,
}

impl Stores {
    pub fn open(storage: &StorageConfig, media_dir: PathBuf) -> anyhow::Result<Self> {
        let local = BlobStore::local(&media_dir)
            .with_context(|| format!("cannot open the media directory {}", media_dir.display()))?;
        let s3 = if storage.s3.configured() {
            Some(BlobStore::s3(&storage.s3.settings()?).context("cannot set up the S3 store")?)
        } else {
            None
        };
        if storage.backend == StorageBackend::S3 && s3.is_none() {
            bail!("storage.backend is \"s3\" but storage.s3.bucket is not set");
        }
        Ok(Self {
            configured: storage.backend,
            local,
            s3,
        })
    }

    pub fn get(&self, which: StorageBackend) -> anyhow::Result<&BlobStore> {
        match which {
            StorageBackend::Local => Ok(&self.local),
            StorageBackend::S3 => self
                .s3
                .as_ref()
                .context("the S3 store is not configured (set storage.s3.bucket)"),
        }
    }

    pub fn other(which: StorageBackend) -> StorageBackend {
        match which {
            StorageBackend::Local => StorageBackend::S3,
            StorageBackend::S3 => StorageBackend::Local,
        }
    }

    /// The store to use given the database's record of a finished migration (`active`):
    /// the configured one when there is no record; else the recorded one, reading from the
    /// other (when reachable) whatever has not arrived yet.
    /// A node that cannot reach the recorded store must not run: its files would land where
    /// no other node looks.
    pub fn in_use(&self, active: Option<&str>) -> anyhow::Result<BlobStore> {
        let Some(name) = active else {
            return Ok(self.configured_store().clone());
        };
        let Some((which, store)) =
            StorageBackend::from_name(name).and_then(|w| self.get(w).ok().map(|store| (w, store)))
        else {
            bail!(
                "the site uses the {name:?} store (switched by `vitrine storage migrate`), which \
                 this node's configuration does not set up"
            );
        };
        Ok(match self.get(Self::other(which)) {
            Ok(older) => store.with_fallback(older),
            Err(_) => store.clone(),
        })
    }

    fn configured_store(&self) -> &BlobStore {
        match (self.configured, &self.s3) {
            (StorageBackend::S3, Some(s3)) => s3,
            _ => &self.local,
        }
    }
}
