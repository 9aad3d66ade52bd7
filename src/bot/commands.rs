//! The commands users type, parsed from message text. `/help` and setMyCommands are generated
//! from `Command::VISIBLE`, the same list the bot dispatches on.

/// A parsed command with its argument text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start { payload: Option<String> },
    Help,
    Subscribe,
    Unsubscribe,
    Performance { args: String },
}

/// What a message that starts with `/` turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Command(Command),
    /// A command this bot does not have (or one addressed to another bot in a group).
    Unknown(String),
    /// Addressed to a different bot: ignore.
    NotForUs,
}

impl Command {
    /// Commands shown in `/help` and registered with setMyCommands, with their catalog keys.
    pub const VISIBLE: &'static [(&'static str, &'static str)] = &[
        ("start", "cmd-start"),
        ("help", "cmd-help"),
        ("subscribe", "cmd-subscribe"),
        ("unsubscribe", "cmd-unsubscribe"),
        ("performance", "cmd-performance"),
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Self::Start { .. } => "start",
            Self::Help => "help",
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::Performance { .. } => "performance",
        }
    }
}

/// Parses `/name@bot args`. Returns `None` when the text is not a command at all.
pub fn parse(text: &str, bot_username: &str) -> Option<Parsed> {
    let rest = text.strip_prefix('/')?;
    let (head, args) = match rest.split_once(char::is_whitespace) {
        Some((head, args)) => (head, args.trim()),
        None => (rest, ""),
    };
    let (name, addressee) = match head.split_once('@') {
        Some((name, bot)) => (name, Some(bot)),
        None => (head, None),
    };
    if let Some(addressee) = addressee
        && !addressee.eq_ignore_ascii_case(bot_username)
    {
        return Some(Parsed::NotForUs);
    }
    let command = match name.to_ascii_lowercase().as_str() {
        "start" => Command::Start {
            payload: (!args.is_empty()).then(|| args.to_owned()),
        },
        "help" => Command::Help,
        "subscribe" => Command::Subscribe,
        "unsubscribe" => Command::Unsubscribe,
        "performance" => Command::Performance {
            args: args.to_owned(),
        },
        _ => return Some(Parsed::Unknown(name.to_owned())),
    };
    Some(Parsed::Command(command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_with_and_without_bot_names() {
        assert_eq!(
            parse("/help", "herald_bot"),
            Some(Parsed::Command(Command::Help))
        );
        assert_eq!(
            parse("/HELP@Herald_Bot", "herald_bot"),
            Some(Parsed::Command(Command::Help))
        );
        assert_eq!(
            parse("/help@other_bot", "herald_bot"),
            Some(Parsed::NotForUs)
        );
        assert_eq!(
            parse("/start  campaign-42 ", "herald_bot"),
            Some(Parsed::Command(Command::Start {
                payload: Some("campaign-42".into())
            }))
        );
        assert_eq!(
            parse("/start", "b"),
            Some(Parsed::Command(Command::Start { payload: None }))
        );
        assert_eq!(
            parse("/nonsense x", "b"),
            Some(Parsed::Unknown("nonsense".into()))
        );
        assert_eq!(parse("hello", "b"), None);
    }

    #[test]
    fn every_visible_command_parses() {
        for (name, _) in Command::VISIBLE {
            let parsed = parse(&format!("/{name}"), "b");
            assert!(
                matches!(parsed, Some(Parsed::Command(ref c)) if c.name() == *name),
                "{name}"
            );
        }
    }
}
