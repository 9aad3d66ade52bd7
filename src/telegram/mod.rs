//! Everything that goes out to Telegram, in one place: the client (`client`), the shared rate
//! budget (`limits`), what an answer means (`errors`), when to try again (`retry`) and the sender
//! every part of Herald uses (`outbound`). A feature that sends a message adds a method to
//! [`Outbound`], never a second copy of any of these.

mod client;
pub mod errors;
pub mod limits;
mod outbound;
pub mod retry;
mod webhook;

pub use client::{LONG_POLL_SECONDS, build_bot};
pub use errors::{SendFailure, classify, error_text};
pub use limits::Limiter;
pub use outbound::{Invoice, Outbound, Photo, photo_file_id, reply_parameters};
pub use retry::RetryPolicy;
pub use webhook::check_registration;
