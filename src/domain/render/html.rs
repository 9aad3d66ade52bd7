//! Telegram's HTML parse mode: escaping, and length as Telegram counts it.

/// `sendMessage.text` is "1-4096 characters after entities parsing"
/// (<https://core.telegram.org/bots/api#sendmessage>). Whether that counts UTF-16 units like entity
/// offsets do is not stated, so we assume the stricter UTF-16 count.
pub const MAX_TEXT_UTF16: usize = 4096;

/// `sendPhoto.caption` is "0-1024 characters after entities parsing" (T13), counted the same way.
pub const MAX_CAPTION_UTF16: usize = 1024;

/// Escapes outside text for HTML mode: `&`, `<`, `>` must be entities
/// (<https://core.telegram.org/bots/api#html-style>); `"` too, so text is safe in attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

/// Length of the text a user sees, in UTF-16 code units: tags count 0, an entity counts as the
/// character it stands for (`&amp;` is 1, `&#128512;` is 2). Input is assumed to be our own
/// well-formed output; an unknown `&name;` is counted as written.
pub fn visible_len_utf16(html: &str) -> usize {
    let mut len = 0;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => match rest.find('>') {
                Some(end) => {
                    rest = &rest[end + 1..];
                    continue;
                }
                None => len += 1,
            },
            '&' => {
                if let Some((decoded, used)) = entity(rest) {
                    len += decoded.len_utf16();
                    rest = &rest[used..];
                    continue;
                }
                len += 1;
            }
            other => len += other.len_utf16(),
        }
        rest = &rest[c.len_utf8()..];
    }
    len
}

/// The character an entity at the start of `text` stands for, and its length in bytes.
fn entity(text: &str) -> Option<(char, usize)> {
    let end = text.find(';')?;
    let name = &text[1..end];
    let decoded = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((decoded, end + 1))
}

/// Checks text the way Telegram does, with the Bot API emulator's own parser (an independent
/// implementation of Telegram's HTML rules): parses, and fits in 4096 UTF-16 units once parsed.
#[cfg(test)]
pub fn check_telegram_html(html: &str) -> Result<(), String> {
    let plain = telegram_emulator::html::parse_html(html)?;
    let length = telegram_emulator::html::utf16_len(&plain);
    if length == 0 || length > MAX_TEXT_UTF16 {
        return Err(format!("{length} characters after entity parsing"));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_html_specials() {
        assert_eq!(
            escape(r#"<b>&"x"</b>"#),
            "&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"
        );
        assert_eq!(escape("plain_text 🚀"), "plain_text 🚀");
    }

    #[test]
    fn counts_what_the_user_sees_in_utf16() {
        assert_eq!(visible_len_utf16("<b>ab</b>"), 2);
        assert_eq!(visible_len_utf16("a&amp;b&lt;&gt;&quot;"), 6);
        assert_eq!(visible_len_utf16("🚀"), 2);
        assert_eq!(visible_len_utf16("&#128640;&#x41;"), 3);
        assert_eq!(visible_len_utf16("é\n"), 2);
        assert_eq!(visible_len_utf16("a & b"), 5);
    }

    #[test]
    fn the_checker_catches_what_telegram_rejects() {
        assert!(check_telegram_html("<b>x</b> &amp; <i>y</i>").is_ok());
        for bad in [
            "<b>x",
            "x</b>",
            "<b><i>x</b></i>",
            "<span>x</span>",
            "a & b",
            "&nbsp;",
            "<b",
        ] {
            assert!(check_telegram_html(bad).is_err(), "{bad}");
        }
        assert!(check_telegram_html(&"x".repeat(4097)).is_err());
        // Telegram tolerates a bare `>`; we escape it anyway.
        assert!(check_telegram_html("a > b").is_ok());
    }
}
