//! The one way a setting is read: its `HERALD_*` variable, else its `herald.toml` value, else its
//! default. An empty variable counts as unset, and a bad value becomes a `ConfigError` naming the
//! variable (a value from the file is named by its variable too: they are the same setting).

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use super::ConfigError;

/// Reads settings from an environment lookup (a closure, so tests need not touch the process
/// environment), with the file's values passed in by each section.
pub(super) struct Reader<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(env: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { env }
    }

    /// The variable's text, if it is set and not blank.
    pub(super) fn env(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|text| !text.trim().is_empty())
    }

    /// Text: the variable, else the file's value.
    pub(super) fn string(&self, name: &str, from_file: Option<String>) -> Option<String> {
        self.env(name).or(from_file)
    }

    /// The variable's comma-separated items (trimmed, empty ones dropped), if it is set.
    pub(super) fn env_list(&self, name: &str) -> Option<Vec<String>> {
        self.env(name).map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }

    /// A list: the variable's items, else the file's list, else none.
    pub(super) fn list(&self, name: &str, from_file: Option<Vec<String>>) -> Vec<String> {
        self.env_list(name)
            .unwrap_or_else(|| from_file.unwrap_or_default())
    }

    /// A switch: `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`), else the file's, else
    /// `default`.
    pub(super) fn boolean(
        &self,
        name: &str,
        from_file: Option<bool>,
        default: bool,
    ) -> Result<bool, ConfigError> {
        let Some(text) = self.env(name) else {
            return Ok(from_file.unwrap_or(default));
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            other => Err(ConfigError::new(
                name,
                format!("expected true or false, got {other:?}"),
            )),
        }
    }

    /// A number within `range`; anything else is "expected {what} from {start} to {end}".
    pub(super) fn number<T>(
        &self,
        name: &str,
        from_file: Option<T>,
        default: T,
        range: RangeInclusive<T>,
        what: &str,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + Display,
    {
        match self.given(name, from_file) {
            None => Ok(default),
            Some((_, Some(number))) if range.contains(&number) => Ok(number),
            Some(_) => Err(ConfigError::new(
                name,
                format!("expected {what} from {} to {}", range.start(), range.end()),
            )),
        }
    }

    /// A number above zero; anything else is refused quoting what was given.
    pub(super) fn positive<T>(
        &self,
        name: &str,
        from_file: Option<T>,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + Display + Default,
    {
        match self.given(name, from_file) {
            None => Ok(default),
            Some((_, Some(number))) if number > T::default() => Ok(number),
            Some((text, _)) => Err(ConfigError::new(
                name,
                format!("expected a positive number, got {text:?}"),
            )),
        }
    }

    /// A duration in humantime's notation (`500ms`, `36h`, `90d`) of at least `at_least`;
    /// anything else is "expected {what}, got …".
    pub(super) fn duration(
        &self,
        name: &str,
        from_file: Option<String>,
        default: Duration,
        at_least: Duration,
        what: &str,
    ) -> Result<Duration, ConfigError> {
        match self.string(name, from_file) {
            None => Ok(default),
            Some(text) => humantime::parse_duration(text.trim())
                .ok()
                .filter(|duration| *duration >= at_least)
                .ok_or_else(|| ConfigError::new(name, format!("expected {what}, got {text:?}"))),
        }
    }

    /// The text given for a number (the variable's, else the file's value written out) and
    /// what it parses to.
    fn given<T: FromStr + Display>(
        &self,
        name: &str,
        from_file: Option<T>,
    ) -> Option<(String, Option<T>)> {
        let text = self
            .env(name)
            .or_else(|| from_file.map(|number| number.to_string()))?;
        let parsed = text.trim().parse::<T>().ok();
        Some((text, parsed))
    }
}
