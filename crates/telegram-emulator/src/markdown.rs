//! `parse_mode=MarkdownV2` and legacy `Markdown`, validated like Telegram.
//!
//! Rules: <https://core.telegram.org/bots/api#markdownv2-style>. As on the server, only the
//! innermost open entity can be closed; any other entity character opens a new one, and an
//! unclosed entity is reported at the byte offset where it began.

use crate::html::{PARSE_ERROR_PREFIX, Parsed, utf16_len};
use crate::types::TgMessageEntity;

/// Characters that must be escaped with `\` outside entities (the begin characters
/// `_ * [ ~ \`` and `|`, `!` have their own meaning and are handled separately).
const RESERVED: &str = "_*[]()~`>#+-=|{}.!";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Italic,
    Bold,
    Underline,
    Strikethrough,
    Spoiler,
    Code,
    Pre,
    TextUrl,
    CustomEmoji,
}

struct Open {
    kind: Kind,
    byte: usize,
    start16: usize,
    language: Option<String>,
}

impl Open {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Italic => "Italic",
            Kind::Bold => "Bold",
            Kind::Underline => "Underline",
            Kind::Strikethrough => "Strikethrough",
            Kind::Spoiler => "Spoiler",
            Kind::Code => "Code",
            Kind::Pre if self.language.is_some() => "PreCode",
            Kind::Pre => "Pre",
            Kind::TextUrl => "TextUrl",
            Kind::CustomEmoji => "CustomEmoji",
        }
    }
}

struct Out {
    text: String,
    pos16: usize,
    entities: Vec<TgMessageEntity>,
}

impl Out {
    fn push(&mut self, c: char) {
        self.text.push(c);
        self.pos16 += c.len_utf16();
    }
}

fn reserved(c: char) -> String {
    format!("Character '{c}' is reserved and must be escaped with the preceding '\\'")
}

/// Parses MarkdownV2. Returns the plain text, or the full Telegram error description
/// (`"Bad Request: can't parse entities: ..."`).
pub fn parse_markdown_v2(text: &str) -> Result<String, String> {
    parse_v2(text)
        .map(|p| p.text)
        .map_err(|detail| format!("{PARSE_ERROR_PREFIX}{detail}"))
}

/// Parses MarkdownV2; on error returns the detail without the "Bad Request" prefix.
pub(crate) fn parse_v2(text: &str) -> Result<Parsed, String> {
    let b = text.as_bytes();
    let mut out = Out {
        text: String::with_capacity(text.len()),
        pos16: 0,
        entities: Vec::new(),
    };
    let mut stack: Vec<Open> = Vec::new();
    // Blockquote run: start offset and end of the last quoted line.
    let mut quote: Option<(usize, usize)> = None;
    let mut line_start = true;
    let mut i = 0;
    while i < b.len() {
        if line_start && stack.is_empty() {
            line_start = false;
            if b[i] == b'>' {
                quote.get_or_insert((out.pos16, out.pos16));
                i += 1;
                continue;
            } else if let Some((start, end)) = quote.take() {
                push_entity(&mut out.entities, "blockquote", start, end);
            }
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let next = b.get(i + 1).copied();
        if c == '\\' {
            match next {
                Some(n @ 1..=126) => {
                    out.push(n as char);
                    i += 2;
                }
                _ => {
                    out.push('\\');
                    i += 1;
                }
            }
            continue;
        }
        let in_code =
            matches!(stack.last(), Some(o) if o.kind == Kind::Code || o.kind == Kind::Pre);
        let triple = text[i..].starts_with("```");
        let is_end = match stack.last().map(|o| o.kind) {
            Some(Kind::Italic) => c == '_' && next != Some(b'_'),
            Some(Kind::Underline) => c == '_' && next == Some(b'_'),
            Some(Kind::Bold) => c == '*',
            Some(Kind::Strikethrough) => c == '~',
            Some(Kind::Spoiler) => c == '|' && next == Some(b'|'),
            Some(Kind::Code) => c == '`',
            Some(Kind::Pre) => triple,
            Some(Kind::TextUrl | Kind::CustomEmoji) => c == ']',
            None => false,
        };
        if is_end {
            let Some(open) = stack.pop() else { break };
            i += match open.kind {
                Kind::Underline | Kind::Spoiler => 2,
                Kind::Pre => 3,
                _ => 1,
            };
            i = close(text, i, open, &mut out)?;
            continue;
        }
        if (in_code && c != '`') || !RESERVED.contains(c) {
            if c == '\n' {
                // A quote run ends before the newline that follows its last line.
                if let Some(q) = quote.as_mut() {
                    q.1 = out.pos16;
                }
                line_start = true;
            }
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let byte = i;
        let (kind, width) = match c {
            '_' if next == Some(b'_') => (Kind::Underline, 2),
            '_' => (Kind::Italic, 1),
            '*' => (Kind::Bold, 1),
            '~' => (Kind::Strikethrough, 1),
            '|' if next == Some(b'|') => (Kind::Spoiler, 2),
            '[' => (Kind::TextUrl, 1),
            '!' if next == Some(b'[') => (Kind::CustomEmoji, 2),
            '`' if triple => (Kind::Pre, 3),
            '`' => (Kind::Code, 1),
            _ => return Err(reserved(c)),
        };
        i += width;
        let mut language = None;
        if kind == Kind::Pre {
            let lang_len = text[i..]
                .find(|c: char| c.is_whitespace() || c == '`')
                .filter(|&n| text[i + n..].starts_with(char::is_whitespace));
            if let Some(n) = lang_len {
                if n > 0 {
                    language = Some(text[i..i + n].to_owned());
                }
                i += n;
                for nl in ["\r\n", "\n\r", "\n", "\r"] {
                    if text[i..].starts_with(nl) {
                        i += nl.len();
                        break;
                    }
                }
            }
        }
        stack.push(Open {
            kind,
            byte,
            start16: out.pos16,
            language,
        });
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "Can't find end of {} entity at byte offset {}",
            open.name(),
            open.byte
        ));
    }
    if let Some((start, _)) = quote {
        push_entity(&mut out.entities, "blockquote", start, out.pos16);
    }
    out.entities
        .sort_by(|a, b| a.offset.cmp(&b.offset).then(b.length.cmp(&a.length)));
    Ok(Parsed {
        text: out.text,
        entities: out.entities,
    })
}

fn push_entity(entities: &mut Vec<TgMessageEntity>, kind: &str, start: usize, end: usize) {
    if end > start {
        entities.push(TgMessageEntity::new(kind, start, end - start));
    }
}

/// Emits the entity for `open`, reading a `(url)` after links; returns the next byte index.
fn close(text: &str, mut i: usize, open: Open, out: &mut Out) -> Result<usize, String> {
    let kind = match open.kind {
        Kind::Italic => "italic",
        Kind::Bold => "bold",
        Kind::Underline => "underline",
        Kind::Strikethrough => "strikethrough",
        Kind::Spoiler => "spoiler",
        Kind::Code => "code",
        Kind::Pre => "pre",
        Kind::TextUrl | Kind::CustomEmoji => {
            let url = if text[i..].starts_with('(') {
                let (url, next) = read_url(text, i + 1)?;
                i = next;
                url
            } else {
                out.text[byte_index(&out.text, open.start16)..].to_owned()
            };
            if open.kind == Kind::CustomEmoji {
                let id = url.strip_prefix("tg://emoji?id=").unwrap_or_default();
                if id.is_empty() || !id.bytes().all(|c| c.is_ascii_digit()) {
                    return Err("Custom emoji entity must contain a tg://emoji URL".to_owned());
                }
                let mut e = TgMessageEntity::new("custom_emoji", open.start16, 0);
                e.custom_emoji_id = Some(id.to_owned());
                e.length = out.pos16 - open.start16;
                if e.length > 0 {
                    out.entities.push(e);
                }
                return Ok(i);
            }
            // Like the server, a link whose target does not look like a URL is dropped silently.
            if out.pos16 > open.start16 && looks_like_url(&url) {
                let mut e =
                    TgMessageEntity::new("text_link", open.start16, out.pos16 - open.start16);
                e.url = Some(url);
                out.entities.push(e);
            }
            return Ok(i);
        }
    };
    if out.pos16 > open.start16 {
        let mut e = TgMessageEntity::new(kind, open.start16, out.pos16 - open.start16);
        e.language = open.language;
        out.entities.push(e);
    }
    Ok(i)
}

/// Byte index in `s` of the given UTF-16 offset.
fn byte_index(s: &str, pos16: usize) -> usize {
    let mut n = 0;
    for (idx, c) in s.char_indices() {
        if n >= pos16 {
            return idx;
        }
        n += c.len_utf16();
    }
    s.len()
}

fn looks_like_url(url: &str) -> bool {
    url.contains("://") || (url.contains('.') && !url.contains(char::is_whitespace))
}

/// Reads a link target after `(`; only `)` and `\` need escaping there.
fn read_url(text: &str, start: usize) -> Result<(String, usize), String> {
    let mut url = String::new();
    let mut chars = text[start..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            ')' => return Ok((url, start + off + 1)),
            '\\' => match chars.next() {
                Some((_, n)) => url.push(n),
                None => break,
            },
            _ => url.push(c),
        }
    }
    Err(format!("Can't find end of a URL at byte offset {start}"))
}

/// Parses legacy `Markdown`: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````,
/// `[text](url)`; no nesting.
pub(crate) fn parse_v1(text: &str) -> Result<Parsed, String> {
    let mut out = Out {
        text: String::with_capacity(text.len()),
        pos16: 0,
        entities: Vec::new(),
    };
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let (end_marker, kind, width) = match c {
            '*' => ("*", "bold", 1),
            '_' => ("_", "italic", 1),
            '`' if text[i..].starts_with("```") => ("```", "pre", 3),
            '`' => ("`", "code", 1),
            '[' => ("]", "text_link", 1),
            _ => {
                out.push(c);
                i += c.len_utf8();
                continue;
            }
        };
        let body_start = i + width;
        let Some(len) = text[body_start..].find(end_marker) else {
            return Err(format!(
                "Can't find end of the entity starting at byte offset {i}"
            ));
        };
        let body = &text[body_start..body_start + len];
        let start16 = out.pos16;
        out.text.push_str(body);
        out.pos16 += utf16_len(body);
        i = body_start + len + end_marker.len();
        let mut entity = TgMessageEntity::new(kind, start16, out.pos16 - start16);
        if kind == "text_link" {
            if !text[i..].starts_with('(') {
                continue;
            }
            let Some(close) = text[i..].find(')') else {
                return Err(format!(
                    "Can't find end of the entity starting at byte offset {i}"
                ));
            };
            entity.url = Some(text[i + 1..i + close].to_owned());
            i += close + 1;
        }
        if entity.length > 0 {
            out.entities.push(entity);
        }
    }
    Ok(Parsed {
        text: out.text,
        entities: out.entities,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn err(text: &str) -> String {
        parse_v2(text).err().unwrap()
    }

    #[test]
    fn reserved_characters_need_escaping() {
        for c in "]()>#+-=|{}.!".chars() {
            let text = format!("a{c}");
            assert_eq!(err(&text), reserved(c), "{text}");
            assert_eq!(parse_v2(&format!("a\\{c}")).unwrap().text, text);
        }
        assert_eq!(
            err("Price 1.5"),
            "Character '.' is reserved and must be escaped with the preceding '\\'"
        );
    }

    #[test]
    fn server_style_unclosed_entities() {
        assert_eq!(
            err("🏟 🏟_abacaba"),
            "Can't find end of Italic entity at byte offset 9"
        );
        assert_eq!(
            err("🏟 🏟_abac * asd "),
            "Can't find end of Bold entity at byte offset 15"
        );
        assert_eq!(
            err("🏟 🏟`"),
            "Can't find end of Code entity at byte offset 9"
        );
        assert_eq!(
            err("🏟 🏟```"),
            "Can't find end of Pre entity at byte offset 9"
        );
        assert_eq!(
            err("🏟 🏟```a "),
            "Can't find end of PreCode entity at byte offset 9"
        );
        assert_eq!(
            err("🏟 🏟__🏟 _🏟___"),
            "Can't find end of Italic entity at byte offset 23"
        );
        assert_eq!(
            err("🏟 🏟_🏟 🏟__"),
            "Can't find end of Underline entity at byte offset 19"
        );
        assert_eq!(
            err("[telegram\\.org](asd"),
            "Can't find end of a URL at byte offset 16"
        );
    }

    #[test]
    fn entities_and_text() {
        let p = parse_v2("*bold* _it_ __u__ ~s~ ||sp|| `c` [l](https://t.me) \\.").unwrap();
        assert_eq!(p.text, "bold it u s sp c l .");
        let kinds: Vec<_> = p.entities.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "bold",
                "italic",
                "underline",
                "strikethrough",
                "spoiler",
                "code",
                "text_link"
            ]
        );
        let p = parse_v2("```rust\nfn main() {}```").unwrap();
        assert_eq!(p.text, "fn main() {}");
        assert_eq!(p.entities[0].language.as_deref(), Some("rust"));
        let p = parse_v2(">quote\n>more\nafter").unwrap();
        assert_eq!(p.text, "quote\nmore\nafter");
        assert_eq!(p.entities[0].kind, "blockquote");
        assert_eq!(p.entities[0].length, 10);
    }

    #[test]
    fn legacy_markdown() {
        let p = parse_v1("*b* _i_ `c` [t](http://x.y) 1.5!").unwrap();
        assert_eq!(p.text, "b i c t 1.5!");
        assert_eq!(p.entities.len(), 4);
        assert_eq!(
            parse_v1("a *b").err().unwrap(),
            "Can't find end of the entity starting at byte offset 2"
        );
    }
}
