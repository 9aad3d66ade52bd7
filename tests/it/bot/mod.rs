//! The bot as a user sees it: onboarding, commands, settings, account, admin two-factor, load,
//! sharing and referrals, and the inbox under a database fault.

mod account;
mod admin;
mod commands;
mod inbox;
mod load;
mod onboarding;
mod price_alerts;
mod settings;
mod sharing;
