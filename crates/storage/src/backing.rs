//! Owns building one concrete store: a local directory (durable writes, zero-copy paths) or an
//! S3-compatible bucket (any endpoint, path-style or virtual-hosted, a key prefix, retries with
//! backoff), and how files in it reach browsers (`Delivery`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::signer::{Method, Signer};
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

use crate::StorageError;

/// How files stored in S3 reach browsers once Vitrine has allowed the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Vitrine streams them (Range, ETag and 304 handled by Vitrine).
    #[default]
    Proxy,
    /// A redirect to a short-lived signed URL of the bucket.
    Presigned,
    /// A redirect to `public_base_url` + key for media anyone with the link may see; the
    /// others are streamed.
    Public,
}

/// Where to send a browser instead of streaming a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectUrl {
    pub url: String,
    /// A public (CDN) address that stays valid, so the redirect itself may be cached; a
    /// presigned one expires.
    pub lasting: bool,
}

/// Where and how to reach an S3-compatible bucket.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    /// Leave empty for AWS; set for MinIO, Garage, Ceph, R2, B2, moto.
    pub endpoint: Option<String>,
    /// `https://host/bucket/key` instead of `https://bucket.host/key`.
    pub path_style: bool,
    /// When unset, the usual AWS environment variables and instance credentials are used.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Every key is stored under this prefix (e.g. `vitrine/`).
    pub prefix: String,
    pub delivery: Delivery,
    /// For `Delivery::Public`: the URL the bucket's objects are reachable under (a CDN).
    pub public_base_url: Option<String>,
    /// Lifetime of presigned URLs.
    pub presign: Duration,
    /// How long a request may wait for the next byte (object_store retries with backoff
    /// within three times this).
    pub timeout: Duration,
}

#[derive(Debug)]
pub(crate) struct S3Extra {
    signer: Arc<AmazonS3>,
    prefix: Path,
    delivery: Delivery,
    public_base_url: Option<String>,
    presign: Duration,
}

/// One concrete store.
#[derive(Debug)]
pub(crate) struct Backing {
    pub(crate) name: &'static str,
    pub(crate) store: Arc<dyn ObjectStore>,
    /// Set for the local filesystem, where directories need our help to be durable.
    pub(crate) root: Option<PathBuf>,
    pub(crate) s3: Option<S3Extra>,
}

impl Backing {
    pub(crate) fn local(root: &std::path::Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(root)?;
        let root = root.canonicalize()?;
        let fs = LocalFileSystem::new_with_prefix(&root)?
            .with_fsync(true)
            .with_automatic_cleanup(false);
        Ok(Self {
            name: "local",
            store: Arc::new(fs),
            root: Some(root),
            s3: None,
        })
    }

    pub(crate) fn s3(s: &S3Settings) -> Result<Self, StorageError> {
        if s.bucket.is_empty() {
            return Err(StorageError::Config("storage.s3.bucket is not set".into()));
        }
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_virtual_hosted_style_request(!s.path_style)
            // No limit on a whole request: a large file streamed to a slow browser may take
            // minutes. A stalled one still fails: no byte for `timeout` ends it.
            .with_client_options(
                ClientOptions::new()
                    .with_timeout_disabled()
                    .with_read_timeout(s.timeout)
                    .with_connect_timeout(Duration::from_secs(5)),
            )
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 5,
                retry_timeout: s.timeout.saturating_mul(3),
            });
        if let Some(endpoint) = s.endpoint.as_deref().filter(|e| !e.is_empty()) {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(id), Some(secret)) = (&s.access_key_id, &s.secret_access_key) {
            b = b.with_access_key_id(id).with_secret_access_key(secret);
        }
        let s3 = Arc::new(b.build().map_err(|e| StorageError::Config(e.to_string()))?);
        let prefix = Path::parse(s.prefix.trim_matches('/'))
            .map_err(|_| StorageError::Config(format!("bad key prefix {:?}", s.prefix)))?;
        let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            s3.clone()
        } else {
            Arc::new(PrefixStore::new(s3.clone(), prefix.clone()))
        };
        if s.delivery == Delivery::Public && s.public_base_url.is_none() {
            return Err(StorageError::Config(
                "storage.s3.serve = \"public\" needs storage.s3.public_base_url".into(),
            ));
        }
        Ok(Self {
            name: "s3",
            store,
            root: None,
            s3: Some(S3Extra {
                signer: s3,
                prefix,
                delivery: s.delivery,
                public_base_url: s.public_base_url.clone(),
                presign: s.presign,
            }),
        })
    }

    /// The key as the bucket names it (with the prefix).
    fn full_path(extra: &S3Extra, key: &Path) -> Path {
        if extra.prefix.as_ref().is_empty() {
            key.clone()
        } else {
            Path::from_iter(extra.prefix.parts().chain(key.parts()))
        }
    }

    /// The origin (`scheme://host[:port]`) browsers are sent to for files, when they are sent
    /// anywhere: pages must allow images from it. Presigning is local work (no request).
    pub(crate) async fn browser_origin(&self) -> Option<String> {
        let extra = self.s3.as_ref()?;
        let url: url::Url = match extra.delivery {
            Delivery::Proxy => return None,
            Delivery::Public => extra.public_base_url.as_deref()?.parse().ok()?,
            Delivery::Presigned => extra
                .signer
                .signed_url(Method::GET, &Path::from("origin-probe"), extra.presign)
                .await
                .ok()?,
        };
        Some(url.origin().ascii_serialization()).filter(|o| o != "null")
    }

    /// Where to send a browser for `key` instead of streaming it, per the delivery setting.
    /// `shareable`: anyone with the link may see it (public or unlisted media).
    pub(crate) async fn direct_url(
        &self,
        key: &Path,
        shareable: bool,
    ) -> Result<Option<DirectUrl>, StorageError> {
        let Some(extra) = &self.s3 else {
            return Ok(None);
        };
        let path = Self::full_path(extra, key);
        match extra.delivery {
            Delivery::Proxy => Ok(None),
            Delivery::Public if shareable => {
                Ok(extra.public_base_url.as_deref().map(|base| DirectUrl {
                    url: format!("{}/{path}", base.trim_end_matches('/')),
                    lasting: true,
                }))
            }
            Delivery::Public => Ok(None),
            Delivery::Presigned => {
                let url = extra
                    .signer
                    .signed_url(Method::GET, &path, extra.presign)
                    .await?;
                Ok(Some(DirectUrl {
                    url: url.to_string(),
                    lasting: false,
                }))
            }
        }
    }
}
