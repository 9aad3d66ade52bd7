//! The open-file limit bounds how many connections the process can hold. It is raised to the hard
//! limit at start (as Go's runtime and nginx do: the soft default of 1024 is a relic), and the
//! listener's connection cap is kept under it, so that an accept never fails for lack of one.

use crate::config::ConnectionLimits;

/// Descriptors kept for everything that is not an API connection: the database pool, the
/// Telegram client, the emulator in tests, log files.
const RESERVED: u64 = 256;

/// Raises the soft limit on open files to the hard one; the soft limit now in force, or `None`
/// where the platform does not say.
pub fn raise_open_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(err) => {
            tracing::warn!(error = %err, "cannot read or raise the open-file limit");
            None
        }
    }
}

/// `limits` with the connection cap lowered, if need be, to what `open_files` leaves room for.
pub fn fit_to_open_files(
    mut limits: ConnectionLimits,
    open_files: Option<u64>,
) -> ConnectionLimits {
    let Some(open_files) = open_files else {
        return limits;
    };
    let room = usize::try_from(open_files.saturating_sub(RESERVED).max(1)).unwrap_or(usize::MAX);
    if limits.max_total > room {
        tracing::warn!(
            configured = limits.max_total,
            allowed = room,
            open_files,
            "HERALD_HTTP_MAX_CONNECTIONS is more than the open-file limit allows; lowered"
        );
        limits.max_total = room;
    }
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_under_the_open_file_limit() {
        let limits = ConnectionLimits::default();
        assert_eq!(fit_to_open_files(limits.clone(), Some(1024)).max_total, 768);
        assert_eq!(fit_to_open_files(limits.clone(), Some(1_000_000)), limits);
        assert_eq!(fit_to_open_files(limits.clone(), None), limits);
        assert_eq!(fit_to_open_files(limits, Some(10)).max_total, 1);
    }
}
