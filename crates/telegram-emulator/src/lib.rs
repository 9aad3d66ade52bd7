//! Telegram Bot API emulator.
