//! Security: encryption at rest, hostile input, logins, logs, the route matrix, network, retention, users.

mod encryption;
mod fuzz_smoke;
mod hostile;
mod login;
mod logs;
mod matrix;
mod network;
mod retention;
mod users;
