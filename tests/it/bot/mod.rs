//! The bot as a user sees it: onboarding, commands, settings, account, admin two-factor, load.

mod account;
mod admin;
mod commands;
mod load;
mod onboarding;
mod settings;
