//! Security: connections, encryption at rest, hostile input, logins, sessions, logs, the route
//! matrix, network, retention, users.

mod connections;
mod encryption;
mod fuzz_smoke;
mod hostile;
mod login;
mod logs;
mod matrix;
mod network;
mod retention;
mod sessions;
mod users;
