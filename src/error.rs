//! Errors from loading a model file.

use std::fmt;

/// Why a model file could not be loaded.
///
/// Every way a file can be wrong (not a model, another format version, cut short, corrupted,
/// internally inconsistent) is a value of this type with a message that says what to do; loading
/// never panics on bad bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// The file does not start with the nerlight magic bytes.
    BadMagic,
    /// The file is a nerlight model in a format version this build cannot read.
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
        /// The version this build reads.
        supported: u16,
    },
    /// The model was trained with other feature templates than this build computes.
    FeatureSetMismatch {
        /// The feature set in the file.
        found: u16,
        /// The feature set this build computes.
        supported: u16,
    },
    /// The file ends before the part named here.
    Truncated(&'static str),
    /// The checksum over the file's contents does not match: the file is corrupted.
    ChecksumMismatch {
        /// The checksum stored in the file.
        stored: u32,
        /// The checksum of the bytes read.
        computed: u32,
    },
    /// A field holds a value that cannot be right; the message names it.
    Invalid(String),
    /// Bytes follow the end of the model.
    TrailingBytes(usize),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::BadMagic => {
                write!(f, "not a nerlight model: the file does not start with the NERLIGHT magic bytes")
            }
            ModelError::UnsupportedVersion { found, supported } => write!(
                f,
                "unsupported nerlight model format version {found} (this build reads version {supported}); retrain or use a matching nerlight"
            ),
            ModelError::FeatureSetMismatch { found, supported } => write!(
                f,
                "model was trained with feature set {found}, but this build computes feature set {supported}; retrain the model"
            ),
            ModelError::Truncated(part) => {
                write!(f, "nerlight model is truncated: it ends inside the {part}")
            }
            ModelError::ChecksumMismatch { stored, computed } => write!(
                f,
                "nerlight model is corrupted: checksum {computed:#010x} does not match the stored {stored:#010x}"
            ),
            ModelError::Invalid(what) => write!(f, "invalid nerlight model: {what}"),
            ModelError::TrailingBytes(n) => {
                write!(f, "invalid nerlight model: {n} unexpected bytes after the end of the model")
            }
        }
    }
}

impl std::error::Error for ModelError {}
