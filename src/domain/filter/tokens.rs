//! Splitting `/filter` arguments into `key:value` tokens that remember where they came from, so an
//! error can point at the user's own text.

use super::{FilterError, FilterErrorKind, FilterKey};

/// One `key:value` argument: a slice of the input and its char index there.
pub(super) struct Token<'a> {
    pub(super) text: &'a str,
    pub(super) position: usize,
}

impl Token<'_> {
    pub(super) fn error(&self, kind: FilterErrorKind) -> FilterError {
        self.error_at(0, self.text.len(), kind)
    }

    /// An error on `text[start..end]` (byte offsets into this token).
    pub(super) fn error_at(&self, start: usize, end: usize, kind: FilterErrorKind) -> FilterError {
        FilterError {
            token: self.text[start..end].to_owned(),
            position: self.position + self.text[..start].chars().count(),
            kind,
        }
    }

    /// The comma-separated items after byte `from`, each trimmed, with its byte range in the token;
    /// empty items (`buy,,sell`, a trailing comma) are skipped.
    pub(super) fn items(&self, from: usize) -> Vec<(&str, usize, usize)> {
        let mut items = Vec::new();
        let mut offset = from;
        for raw in self.text[from..].split(',') {
            let item = raw.trim();
            if !item.is_empty() {
                let start = offset + (raw.len() - raw.trim_start().len());
                items.push((item, start, start + item.len()));
            }
            offset += raw.len() + 1;
        }
        items
    }
}

/// Whitespace-separated words, where a word ending in (or the next starting with) `:`, `=` or `,`
/// is joined with the next, so `confidence: 80` and `types:buy, sell` are one token each; a word
/// that starts a new `key:` is never joined, so `assets:BTC, hours:8-22` is two.
pub(super) fn tokenize(args: &str) -> Vec<Token<'_>> {
    let mut words: Vec<(usize, usize, usize)> = Vec::new(); // byte start, byte end, char start
    let mut current: Option<(usize, usize)> = None;
    for (chars, (byte, c)) in args.char_indices().enumerate() {
        match (c.is_whitespace(), current) {
            (false, None) => current = Some((byte, chars)),
            (true, Some((start, char_start))) => {
                words.push((start, byte, char_start));
                current = None;
            }
            _ => {}
        }
    }
    if let Some((start, char_start)) = current {
        words.push((start, args.len(), char_start));
    }
    let continues = |previous: &str, word: &str| {
        let starts_key = word
            .split_once([':', '='])
            .is_some_and(|(key, _)| FilterKey::parse(key).is_some());
        !starts_key && (previous.ends_with([':', '=', ',']) || word.starts_with([':', '=', ',']))
    };
    let mut tokens: Vec<(usize, usize, usize)> = Vec::new();
    for word in words {
        match tokens.last_mut() {
            Some(last) if continues(&args[last.0..last.1], &args[word.0..word.1]) => {
                last.1 = word.1
            }
            _ => tokens.push(word),
        }
    }
    tokens
        .into_iter()
        .map(|(start, end, position)| Token {
            text: &args[start..end],
            position,
        })
        .collect()
}
