//! The operator console: sessions and their defences, every page and its changes, and the whole
//! of it in a real browser.

mod browser;
mod pages;
mod session;
