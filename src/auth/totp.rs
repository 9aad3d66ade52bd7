//! Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of skew) for the
//! two-factor checks of admins, in the bot and at the API login. totp-rs checks a code; replay is
//! ours to stop: a code is accepted only for a step later than the last one accepted.

use totp_rs::{Builder, Secret, Totp};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TotpError {
    #[error("the stored TOTP secret is invalid")]
    BadSecret,
    #[error("wrong code")]
    WrongCode,
    #[error("this code was already used")]
    Replayed,
}

/// A new random secret (160 bits, as RFC 4226 recommends), base32.
pub fn generate_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret_base32: &str, account: &str) -> Result<Totp, TotpError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|_| TotpError::BadSecret)?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some("Herald"))
        .build()
        .map_err(|_| TotpError::BadSecret)
}

/// `otpauth://totp/Herald:<account>?secret=…` for an authenticator app (shown once).
pub fn otpauth_uri(secret_base32: &str, account: &str) -> Result<String, TotpError> {
    totp(secret_base32, account)?
        .to_url()
        .map_err(|_| TotpError::BadSecret)
}

/// Checks `code` at `unix_time`; returns the step it belongs to, which the caller stores and
/// passes back as `last_step` next time so the same code can never be used twice.
pub fn verify(
    secret_base32: &str,
    code: &str,
    unix_time: u64,
    last_step: Option<u64>,
) -> Result<u64, TotpError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::WrongCode);
    }
    let step = totp(secret_base32, "check")?
        .check(code, unix_time)
        .ok_or(TotpError::WrongCode)?;
    match last_step {
        Some(last) if step <= last => Err(TotpError::Replayed),
        _ => Ok(step),
    }
}

/// The current code (for tests and the demo's simulated admin).
pub fn current_code(secret_base32: &str, unix_time: u64) -> Result<String, TotpError> {
    Ok(totp(secret_base32, "code")?.generate(unix_time).to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NOW: u64 = 1_790_000_000;

    #[test]
    fn a_fresh_code_is_accepted_once() {
        let secret = generate_secret();
        let code = current_code(&secret, NOW).unwrap();
        let step = verify(&secret, &code, NOW, None).unwrap();
        assert_eq!(
            verify(&secret, &code, NOW, Some(step)),
            Err(TotpError::Replayed)
        );
    }

    #[test]
    fn wrong_and_malformed_codes_are_refused() {
        let secret = generate_secret();
        let code = current_code(&secret, NOW).unwrap();
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert_eq!(
            verify(&secret, &wrong, NOW, None),
            Err(TotpError::WrongCode)
        );
        assert_eq!(
            verify(&secret, "12345", NOW, None),
            Err(TotpError::WrongCode)
        );
        assert_eq!(
            verify(&secret, "abcdef", NOW, None),
            Err(TotpError::WrongCode)
        );
        assert_eq!(
            verify("not base32!", "123456", NOW, None),
            Err(TotpError::BadSecret)
        );
    }

    #[test]
    fn one_step_of_clock_skew_is_tolerated_not_more() {
        let secret = generate_secret();
        let previous = current_code(&secret, NOW - 30).unwrap();
        assert!(verify(&secret, &previous, NOW, None).is_ok());
        let stale = current_code(&secret, NOW - 120).unwrap();
        assert!(verify(&secret, &stale, NOW, None).is_err());
    }

    #[test]
    fn the_uri_names_the_issuer_and_account() {
        let secret = generate_secret();
        let uri = otpauth_uri(&secret, "alice").unwrap();
        assert!(uri.starts_with("otpauth://totp/Herald:alice?"), "{uri}");
        assert!(uri.contains(&format!("secret={secret}")));
    }
}
