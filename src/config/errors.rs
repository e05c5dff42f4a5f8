//! How a problem with the settings reads: one sentence that names the
//! setting (or, for broken TOML, the line) and what to write instead.

use std::path::{Path, PathBuf};

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file (or the teams file it names) could not be read.
    #[error("cannot read the config file {path}")]
    Read {
        /// The file, as given or resolved against the config file's folder.
        path: PathBuf,
        /// What the operating system said (not found, permission denied…).
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has an unknown or mistyped setting.
    #[error("the config file {path} is not valid: {message}")]
    Parse {
        /// The file, so that the message says which of the two it is.
        path: PathBuf,
        /// What the TOML parser said, with the setting and the line.
        message: String,
    },
    /// A setting has a value that cannot work.
    #[error("setting `{setting}`: {problem}")]
    Invalid {
        /// The setting, as a dotted path (`schedule.nudges`).
        setting: String,
        /// What is wrong and what is expected.
        problem: String,
    },
}

impl ConfigError {
    /// `setting` (a dotted path, or an environment variable) has a value
    /// that cannot work: `problem` says what is expected instead.
    pub(super) fn invalid(setting: &str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            setting: setting.to_owned(),
            problem: problem.into(),
        }
    }
}

/// Reads the file at `path` (the config file, or the teams file it names)
/// and parses its text with `parse`; either failure names the file.
pub(super) fn read_and_parse<T>(
    path: &Path,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text).map_err(|message| ConfigError::Parse {
        path: path.to_owned(),
        message,
    })
}

/// Parses TOML into `T`, with a one-line message that names the setting at
/// fault (`setting `schedule.digest`: …`) or, for broken TOML, the line.
pub(super) fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let at_line = |err: &toml::de::Error| {
        let line = err
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let message = err.message().trim_end_matches('\n').replace('\n', " ");
        match line {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        }
    };
    let deserializer = toml::Deserializer::parse(text).map_err(|err| at_line(&err))?;
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path.is_empty() || path == "." {
            at_line(&inner)
        } else {
            format!("setting `{path}`: {}", inner.message().replace('\n', " "))
        }
    })
}
