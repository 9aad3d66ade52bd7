//! Every user-visible text lives in the Fluent catalogs under `locales/<lang>/`; this is the one way in.
//! A language is added by adding its folder and a `Lang` variant; a test fails when a key is missing.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use serde::{Deserialize, Serialize};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Fluent wraps arguments in U+2068/U+2069 isolation marks, which would end up inside
        // Telegram messages; our texts are single-direction, so turn them off.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }

    /// The catalog for a code such as Telegram's `language_code` (`es-MX` → Spanish).
    pub fn from_code(code: &str) -> Option<Self> {
        let primary = code.split(['-', '_']).next().unwrap_or(code);
        Self::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Self::En => langid!("en"),
            Self::Es => langid!("es"),
        }
    }
}

/// An argument for a message: text or a number (numbers select plural forms).
#[derive(Clone)]
pub enum Arg<'a> {
    Str(Cow<'a, str>),
    Num(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Arg::Str(Cow::Borrowed(value))
    }
}

impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Arg::Str(Cow::Owned(value))
    }
}

/// Counts of every integer type the catalog is given; plural rules need them as numbers.
macro_rules! number_args {
    ($($int:ty),*) => {$(
        impl From<$int> for Arg<'_> {
            fn from(value: $int) -> Self {
                Arg::Num(value as f64)
            }
        }
    )*};
}

number_args!(i64, u32, usize);

/// The text of `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    LOCALES.lookup(&lang.langid(), key)
}

/// The text of `key` in `lang` with named arguments.
pub fn t_args<'a>(
    lang: Lang,
    key: &str,
    args: impl IntoIterator<Item = (&'a str, Arg<'a>)>,
) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .into_iter()
        .map(|(name, arg)| {
            let value = match arg {
                Arg::Str(text) => FluentValue::from(text.into_owned()),
                Arg::Num(number) => FluentValue::from(number),
            };
            (Cow::Owned(name.to_owned()), value)
        })
        .collect();
    LOCALES.lookup_with_args(&lang.langid(), key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn keys_of(lang: Lang) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang.code());
        let mut keys = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for line in text.lines() {
                let starts_message = line.chars().next().is_some_and(|c| c.is_ascii_lowercase());
                if let (true, Some((key, _))) = (starts_message, line.split_once(" =")) {
                    keys.insert(key.trim().to_owned());
                }
            }
        }
        keys
    }

    #[test]
    fn every_language_has_every_key() {
        let english = keys_of(Lang::En);
        assert!(!english.is_empty(), "the English catalog is empty");
        for lang in Lang::ALL {
            let keys = keys_of(lang);
            let missing: Vec<_> = english.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&english).collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
            assert!(
                extra.is_empty(),
                "{lang:?} has keys English lacks: {extra:?}"
            );
        }
    }

    #[test]
    fn arguments_are_not_wrapped_in_isolation_marks() {
        let text = t_args(Lang::Es, "unknown-command", [("command", Arg::from("foo"))]);
        assert_eq!(text, "No conozco /foo. Envía /help para ver los comandos.");
    }

    #[test]
    fn language_codes_map_to_catalogs() {
        assert_eq!(Lang::from_code("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::from_code("EN"), Some(Lang::En));
        assert_eq!(Lang::from_code("xx"), None);
    }
}
