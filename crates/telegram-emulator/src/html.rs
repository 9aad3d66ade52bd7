//! `parse_mode=HTML`, validated the way Telegram does it.
//!
//! The rules are those of <https://core.telegram.org/bots/api#html-style>; the error details copy
//! the style of the Bot API server's parser ("Unsupported start tag \"foo\" at byte offset 12").
//! One deliberate difference: the server keeps a stray `&` or an unknown named entity such as
//! `&nbsp;` as literal text, while the documentation says they *must* be escaped. This checker
//! follows the documentation and rejects them, so text it accepts is valid by both standards.

use crate::types::TgMessageEntity;

/// Every Bot API parse error starts with this.
pub const PARSE_ERROR_PREFIX: &str = "Bad Request: can't parse entities: ";

/// Parses Telegram HTML. Returns the plain text, or the full Telegram error description
/// (`"Bad Request: can't parse entities: ..."`).
pub fn parse_html(text: &str) -> Result<String, String> {
    parse(text)
        .map(|p| p.text)
        .map_err(|detail| format!("{PARSE_ERROR_PREFIX}{detail}"))
}

/// Length in UTF-16 code units, the unit Telegram counts offsets and limits in.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Text after entity parsing plus the entities it produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub text: String,
    pub entities: Vec<TgMessageEntity>,
}

/// Tags Telegram supports, by lowercase name.
const SUPPORTED_TAGS: &[&str] = &[
    "a",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
];

struct OpenTag {
    /// Lowercased name as written, for matching the end tag.
    name: String,
    start: usize,
    attr: Option<String>,
    expandable: bool,
}

/// Parses `text`; on error returns only the detail (without the Bad Request prefix).
pub(crate) fn parse(text: &str) -> Result<Parsed, String> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut pos16 = 0usize;
    let mut stack: Vec<OpenTag> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'&' => {
                let (ch, next) = decode_entity(text, i)?;
                out.push(ch);
                pos16 += ch.len_utf16();
                i = next;
            }
            b'<' if b.get(i + 1) == Some(&b'/') => {
                let begin = i;
                i += 2;
                let name_start = i;
                while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
                let name = text[name_start..i].to_ascii_lowercase();
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
                let Some(open) = stack.pop() else {
                    return Err(format!("Unexpected end tag at byte offset {begin}"));
                };
                if i == b.len() || b[i] != b'>' {
                    return Err(format!("Unclosed end tag at byte offset {begin}"));
                }
                i += 1;
                // `</>` closes whatever is open, as on the server.
                if !name.is_empty() && name != open.name {
                    return Err(format!(
                        "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{name}>\"",
                        open.name
                    ));
                }
                close_tag(open, pos16, stack.last_mut(), &mut entities);
            }
            b'<' => {
                let (open, next) = parse_start_tag(text, i, pos16)?;
                stack.push(open);
                i = next;
            }
            _ => {
                // Copy a whole run of ordinary text at once.
                let start = i;
                while i < b.len() && b[i] != b'&' && b[i] != b'<' {
                    i += 1;
                }
                let run = &text[start..i];
                out.push_str(run);
                pos16 += utf16_len(run);
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.name
        ));
    }
    entities.sort_by(|a: &TgMessageEntity, b: &TgMessageEntity| {
        a.offset.cmp(&b.offset).then(b.length.cmp(&a.length))
    });
    Ok(Parsed {
        text: out,
        entities,
    })
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Decodes the character entity at `text[at]` (which is `&`); returns the char and the index after it.
fn decode_entity(text: &str, at: usize) -> Result<(char, usize), String> {
    let b = text.as_bytes();
    let mut end = at + 1;
    while end < b.len() && end - at <= 10 && (b[end].is_ascii_alphanumeric() || b[end] == b'#') {
        end += 1;
    }
    if end == at + 1 || b.get(end) != Some(&b';') {
        return Err(format!("Character entity expected at byte offset {at}"));
    }
    let body = &text[at + 1..end];
    let ch = match body {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ if body.starts_with('#') => {
            let code = match body[1..].strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => body[1..].parse::<u32>(),
            }
            .map_err(|_| format!("Character entity expected at byte offset {at}"))?;
            if (0xD800..=0xDFFF).contains(&code) {
                return Err("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units".to_owned());
            }
            match char::from_u32(code) {
                Some(c) if code != 0 => c,
                _ => {
                    return Err(format!(
                        "Invalid character entity \"&{body};\" at byte offset {at}"
                    ));
                }
            }
        }
        _ => {
            return Err(format!(
                "Unsupported character entity \"&{body};\" at byte offset {at}"
            ));
        }
    };
    Ok((ch, end + 1))
}

/// Decodes entities inside an attribute value.
fn decode_value(raw: &str, base: usize) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(off) = raw[i..].find('&') {
        out.push_str(&raw[i..i + off]);
        let (ch, next) = decode_entity(raw, i + off).map_err(|e| shift_offset(e, base))?;
        out.push(ch);
        i = next;
    }
    out.push_str(&raw[i..]);
    Ok(out)
}

/// Errors found inside an attribute value report offsets relative to the whole text.
fn shift_offset(err: String, base: usize) -> String {
    match err.rsplit_once("byte offset ") {
        Some((head, n)) => match n.parse::<usize>() {
            Ok(n) => format!("{head}byte offset {}", n + base),
            Err(_) => err,
        },
        None => err,
    }
}

fn parse_start_tag(text: &str, begin: usize, pos16: usize) -> Result<(OpenTag, usize), String> {
    let b = text.as_bytes();
    let mut i = begin + 1;
    while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
        i += 1;
    }
    if i == b.len() {
        return Err(format!("Unclosed start tag at byte offset {begin}"));
    }
    let name = text[begin + 1..i].to_ascii_lowercase();
    if !SUPPORTED_TAGS.contains(&name.as_str()) {
        return Err(format!(
            "Unsupported start tag \"{name}\" at byte offset {begin}"
        ));
    }
    let mut attr = None;
    let mut expandable = false;
    loop {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i == b.len() {
            return Err(format!(
                "Unclosed start tag \"{name}\" at byte offset {begin}"
            ));
        }
        if b[i] == b'>' {
            i += 1;
            break;
        }
        let attr_start = i;
        while i < b.len() && !is_space(b[i]) && b[i] != b'=' && b[i] != b'>' {
            i += 1;
        }
        let attr_name = text[attr_start..i].to_ascii_lowercase();
        if attr_name.is_empty() {
            return Err(format!(
                "Empty attribute name in the tag \"{name}\" at byte offset {begin}"
            ));
        }
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i == b.len() {
            return Err(format!(
                "Unclosed start tag \"{name}\" at byte offset {begin}"
            ));
        }
        if b[i] != b'=' {
            // The one valueless attribute Telegram knows.
            if name == "blockquote" && attr_name == "expandable" {
                expandable = true;
                continue;
            }
            return Err(format!(
                "Expected equal sign in declaration of an attribute of the tag \"{name}\" at byte offset {begin}"
            ));
        }
        i += 1;
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i == b.len() {
            return Err(format!(
                "Unclosed start tag \"{name}\" at byte offset {begin}"
            ));
        }
        let value = if b[i] == b'"' || b[i] == b'\'' {
            let quote = b[i] as char;
            let Some(len) = text[i + 1..].find(quote) else {
                return Err(format!("Unclosed start tag at byte offset {begin}"));
            };
            let value = decode_value(&text[i + 1..i + 1 + len], i + 1)?;
            i += len + 2;
            value
        } else {
            let value_start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'-') {
                i += 1;
            }
            if i == b.len() {
                return Err(format!(
                    "Unclosed start tag \"{name}\" at byte offset {begin}"
                ));
            }
            if !is_space(b[i]) && b[i] != b'>' {
                return Err(format!(
                    "Unexpected end of name token at byte offset {value_start}"
                ));
            }
            text[value_start..i].to_owned()
        };
        let wanted = match name.as_str() {
            "a" => "href",
            "span" | "code" => "class",
            "tg-emoji" => "emoji-id",
            _ => "",
        };
        if attr_name == wanted {
            attr = Some(value);
        }
    }
    if name == "span" && attr.as_deref() != Some("tg-spoiler") {
        return Err(format!(
            "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
        ));
    }
    if name == "tg-emoji" && !attr.as_deref().is_some_and(is_emoji_id) {
        return Err(format!(
            "Tag \"tg-emoji\" must have attribute \"emoji-id\" with a custom emoji identifier at byte offset {begin}"
        ));
    }
    let open = OpenTag {
        name,
        start: pos16,
        attr,
        expandable,
    };
    Ok((open, i))
}

fn is_emoji_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// Turns a closed tag into an entity; `<pre><code class="language-x">` becomes one `pre` with a
/// language, as on the server.
fn close_tag(
    open: OpenTag,
    end: usize,
    parent: Option<&mut OpenTag>,
    entities: &mut Vec<TgMessageEntity>,
) {
    let length = end - open.start;
    if length == 0 {
        return;
    }
    let mut entity = TgMessageEntity::new("", open.start, length);
    entity.kind = match open.name.as_str() {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "span" | "tg-spoiler" => "spoiler",
        "blockquote" if open.expandable => "expandable_blockquote",
        "blockquote" => "blockquote",
        "pre" => {
            entity.language = open.attr;
            "pre"
        }
        "tg-emoji" => {
            entity.custom_emoji_id = open.attr;
            "custom_emoji"
        }
        "a" => match open.attr {
            Some(url) if !url.is_empty() => {
                entity.url = Some(url);
                "text_link"
            }
            _ => return,
        },
        "code" => {
            let language = open
                .attr
                .as_deref()
                .and_then(|c| c.strip_prefix("language-"))
                .filter(|l| !l.is_empty());
            if let (Some(lang), Some(pre)) = (language, parent)
                && pre.name == "pre"
                && pre.start == open.start
            {
                pre.attr = Some(lang.to_owned());
                return;
            }
            "code"
        }
        _ => return,
    }
    .to_owned();
    entities.push(entity);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn err(text: &str) -> String {
        parse(text).unwrap_err()
    }

    #[test]
    fn plain_and_escapes() {
        assert_eq!(parse_html("&lt;b&gt;&amp;").unwrap(), "<b>&");
        assert_eq!(
            parse_html("a &quot;q&quot; &#65;&#x42;").unwrap(),
            "a \"q\" AB"
        );
        assert_eq!(parse_html("x > y").unwrap(), "x > y");
    }

    #[test]
    fn entities_use_utf16_offsets() {
        let p = parse("🏟 <b>x</b> <a href=\"https://t.me/?a=1&amp;b=2\">l</a>").unwrap();
        assert_eq!(p.text, "🏟 x l");
        assert_eq!(p.entities[0].kind, "bold");
        assert_eq!(p.entities[0].offset, 3);
        assert_eq!(p.entities[1].url.as_deref(), Some("https://t.me/?a=1&b=2"));
    }

    #[test]
    fn pre_with_language() {
        let p = parse("<pre><code class=\"language-rust\">fn</code></pre>").unwrap();
        assert_eq!(p.entities.len(), 1);
        assert_eq!(p.entities[0].language.as_deref(), Some("rust"));
        let p = parse("<blockquote expandable>q</blockquote>").unwrap();
        assert_eq!(p.entities[0].kind, "expandable_blockquote");
    }

    #[test]
    fn server_style_errors() {
        assert_eq!(
            err("🏟 🏟&lt;<abacaba"),
            "Unclosed start tag at byte offset 13"
        );
        assert_eq!(
            err("🏟 🏟&lt;<abac aba>"),
            "Unsupported start tag \"abac\" at byte offset 13"
        );
        assert_eq!(
            err("🏟 🏟&lt;<i   =aba>"),
            "Empty attribute name in the tag \"i\" at byte offset 13"
        );
        assert_eq!(
            err("🏟 🏟&lt;<i    aba>"),
            "Expected equal sign in declaration of an attribute of the tag \"i\" at byte offset 13"
        );
        assert_eq!(
            err("🏟 🏟&lt;<i    aba  =  "),
            "Unclosed start tag \"i\" at byte offset 13"
        );
        assert_eq!(
            err("🏟 🏟&lt;<i    aba  =  190azAz-.,"),
            "Unexpected end of name token at byte offset 27"
        );
        assert_eq!(err("🏟 🏟&lt;</"), "Unexpected end tag at byte offset 13");
        assert_eq!(
            err("🏟 🏟&lt;<b></b></"),
            "Unexpected end tag at byte offset 20"
        );
        assert_eq!(
            err("🏟 🏟&lt;<i>a</i   "),
            "Unclosed end tag at byte offset 17"
        );
        assert_eq!(
            err("🏟 🏟&lt;<i>a</em   >"),
            "Unmatched end tag at byte offset 17, expected \"</i>\", found \"</em>\""
        );
        assert_eq!(
            err("<b>bold"),
            "Can't find end tag corresponding to start tag \"b\""
        );
        assert_eq!(err("a < b"), "Unsupported start tag \"\" at byte offset 2");
        assert_eq!(err("AT&T"), "Character entity expected at byte offset 2");
        assert!(err("&nbsp;").starts_with("Unsupported character entity"));
        assert!(err("&#xD800;").starts_with("Text contains invalid Unicode"));
    }

    #[test]
    fn closing_with_empty_end_tag_and_case() {
        assert_eq!(parse_html("<I>a</>").unwrap(), "a");
        assert_eq!(parse_html("<B>a</b>").unwrap(), "a");
    }

    #[test]
    fn span_needs_spoiler_class() {
        assert!(parse_html("<span class=\"tg-spoiler\">s</span>").is_ok());
        assert!(parse_html("<span>s</span>").is_err());
        assert!(parse_html("<tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji>").is_ok());
    }
}
