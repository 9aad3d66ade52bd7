//! The commands users type, parsed from message text. `/help` and setMyCommands are generated
//! from `Command::VISIBLE`, the same list the bot dispatches on; admin commands are listed
//! separately and never shown to anyone else.
//!
//! Adding a command: a variant, a line in `VISIBLE` (or `ADMIN`), an arm in `Command::from_name`
//! and `Command::name`, a catalog key `cmd-<name>`, and a handler arm in `handlers::dispatch`.

/// A parsed command with its argument text (trimmed; empty when none was given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start { payload: Option<String> },
    Help,
    Settings,
    Subscribe,
    Unsubscribe,
    Signals { args: String },
    Performance { args: String },
    Status,
    Filter { args: String },
    Alert { args: String },
    Alerts,
    Positions { args: String },
    Language { args: String },
    Privacy,
    Delete,
    Premium,
    Invite,
    PaySupport { args: String },
    Broadcast { text: String },
    Users,
    Stats,
    Grant { args: String },
}

/// Where a command appears in `/help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Basics,
    Signals,
    Account,
}

impl Group {
    pub const ALL: [Group; 3] = [Self::Basics, Self::Signals, Self::Account];

    pub fn key(self) -> &'static str {
        match self {
            Self::Basics => "help-group-basics",
            Self::Signals => "help-group-signals",
            Self::Account => "help-group-account",
        }
    }
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
    /// Commands shown in `/help` and registered with setMyCommands: name, catalog key, group.
    pub const VISIBLE: &'static [(&'static str, &'static str, Group)] = &[
        ("start", "cmd-start", Group::Basics),
        ("help", "cmd-help", Group::Basics),
        ("settings", "cmd-settings", Group::Basics),
        ("language", "cmd-language", Group::Basics),
        ("subscribe", "cmd-subscribe", Group::Signals),
        ("unsubscribe", "cmd-unsubscribe", Group::Signals),
        ("signals", "cmd-signals", Group::Signals),
        ("performance", "cmd-performance", Group::Signals),
        ("filter", "cmd-filter", Group::Signals),
        ("alert", "cmd-alert", Group::Signals),
        ("alerts", "cmd-alerts", Group::Signals),
        ("positions", "cmd-positions", Group::Signals),
        ("status", "cmd-status", Group::Account),
        ("premium", "cmd-premium", Group::Account),
        ("invite", "cmd-invite", Group::Account),
        ("paysupport", "cmd-paysupport", Group::Account),
        ("privacy", "cmd-privacy", Group::Account),
        ("delete", "cmd-delete", Group::Account),
    ];

    /// Admin commands: listed in an admin's `/help` only, never registered with Telegram.
    pub const ADMIN: &'static [(&'static str, &'static str)] = &[
        ("broadcast", "cmd-broadcast"),
        ("users", "cmd-users"),
        ("stats", "cmd-stats"),
        ("grant", "cmd-grant"),
    ];

    fn from_name(name: &str, args: &str) -> Option<Self> {
        let args_owned = || args.to_owned();
        Some(match name {
            "start" => Self::Start {
                payload: (!args.is_empty()).then(args_owned),
            },
            "help" => Self::Help,
            "settings" => Self::Settings,
            "subscribe" => Self::Subscribe,
            "unsubscribe" => Self::Unsubscribe,
            "signals" => Self::Signals { args: args_owned() },
            "performance" => Self::Performance { args: args_owned() },
            "status" => Self::Status,
            "filter" => Self::Filter { args: args_owned() },
            "alert" => Self::Alert { args: args_owned() },
            "alerts" => Self::Alerts,
            "positions" => Self::Positions { args: args_owned() },
            "language" => Self::Language { args: args_owned() },
            "privacy" => Self::Privacy,
            "delete" => Self::Delete,
            "premium" => Self::Premium,
            "invite" => Self::Invite,
            "paysupport" => Self::PaySupport { args: args_owned() },
            "broadcast" => Self::Broadcast { text: args_owned() },
            "users" => Self::Users,
            "stats" => Self::Stats,
            "grant" => Self::Grant { args: args_owned() },
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Start { .. } => "start",
            Self::Help => "help",
            Self::Settings => "settings",
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::Signals { .. } => "signals",
            Self::Performance { .. } => "performance",
            Self::Status => "status",
            Self::Filter { .. } => "filter",
            Self::Alert { .. } => "alert",
            Self::Alerts => "alerts",
            Self::Positions { .. } => "positions",
            Self::Language { .. } => "language",
            Self::Privacy => "privacy",
            Self::Delete => "delete",
            Self::Premium => "premium",
            Self::Invite => "invite",
            Self::PaySupport { .. } => "paysupport",
            Self::Broadcast { .. } => "broadcast",
            Self::Users => "users",
            Self::Stats => "stats",
            Self::Grant { .. } => "grant",
        }
    }

    /// Admin-only: a non-admin is answered as if the command did not exist.
    pub fn is_admin(&self) -> bool {
        Self::ADMIN.iter().any(|(name, _)| *name == self.name())
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
    Some(match Command::from_name(&name.to_ascii_lowercase(), args) {
        Some(command) => Parsed::Command(command),
        None => Parsed::Unknown(name.to_owned()),
    })
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
            parse("/filter confidence:80  types:buy", "b"),
            Some(Parsed::Command(Command::Filter {
                args: "confidence:80  types:buy".into()
            }))
        );
        assert_eq!(
            parse("/nonsense x", "b"),
            Some(Parsed::Unknown("nonsense".into()))
        );
        assert_eq!(parse("hello", "b"), None);
    }

    #[test]
    fn every_listed_command_parses_to_itself() {
        let names = Command::VISIBLE
            .iter()
            .map(|(name, ..)| *name)
            .chain(Command::ADMIN.iter().map(|(name, _)| *name));
        for name in names {
            let parsed = parse(&format!("/{name}"), "b");
            assert!(
                matches!(parsed, Some(Parsed::Command(ref c)) if c.name() == name),
                "{name}"
            );
        }
    }

    #[test]
    fn admin_commands_are_not_visible_and_names_fit_telegram() {
        for (name, ..) in Command::VISIBLE {
            assert!(!Command::ADMIN.iter().any(|(admin, _)| admin == name));
            // Telegram: 1-32 characters, lowercase letters, digits and underscores.
            assert!(
                (1..=32).contains(&name.len())
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            );
        }
        assert!(
            parse("/grant 1 premium 30", "b")
                .is_some_and(|p| matches!(p, Parsed::Command(c) if c.is_admin()))
        );
    }
}
