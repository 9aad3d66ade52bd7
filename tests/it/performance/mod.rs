//! Outcomes, the /performance command and scheduled reports.

mod command;
mod outcomes;
mod reports;
