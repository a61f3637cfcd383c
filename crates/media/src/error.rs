//! Owns the media error: each variant is a clear, user-facing reason an upload was refused.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the file is empty")]
    Empty,
    #[error("unsupported format: {0}")]
    Unsupported(String),
    #[error("the file is damaged or truncated: {0}")]
    Corrupt(String),
    #[error("the image is {width}x{height} pixels; the limit is {max} megapixels")]
    TooManyPixels { width: u64, height: u64, max: u64 },
    #[error("the image is {width}x{height} pixels; a side may be at most {max} pixels")]
    SideTooLong { width: u64, height: u64, max: u64 },
    #[error("the animation has {frames} frames or more; the limit is {max}")]
    TooManyFrames { frames: u64, max: u64 },
    #[error("processing failed: {0}")]
    Processing(String),
    /// A decoder child was still running at the processing deadline and was killed.
    #[error("processing took longer than {secs} s and was stopped")]
    TimedOut { secs: u64 },
}

impl MediaError {
    /// A stable snake_case code for APIs.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Empty => "empty_file",
            MediaError::Unsupported(_) => "unsupported_format",
            MediaError::Corrupt(_) => "corrupt_image",
            MediaError::TooManyPixels { .. } => "too_many_pixels",
            MediaError::SideTooLong { .. } => "image_too_large",
            MediaError::TooManyFrames { .. } => "too_many_frames",
            MediaError::Processing(_) => "processing_failed",
            MediaError::TimedOut { .. } => "processing_timeout",
        }
    }
}
