//! What is sold and where the Mini App lives: `[plans.*]` in `herald.toml` (checked by
//! `billing::load_plans`) and `HERALD_PUBLIC_URL`, the https address `/app` is reachable at.
//! Without the address the Mini App is off and the bot says nothing of it.

use super::ConfigError;
use super::file::FileConfig;
use super::reader::Reader;
use crate::billing::Plans;

pub(super) struct PaymentSettings {
    pub plans: Plans,
    pub public_url: Option<reqwest::Url>,
}

pub(super) fn load(reader: &Reader, file: &FileConfig) -> Result<PaymentSettings, ConfigError> {
    let plans = crate::billing::load_plans(file.plans.as_ref())?;
    let public_url = reader
        .string("HERALD_PUBLIC_URL", file.public_url.clone())
        .map(|url| public_url(&url))
        .transpose()?;
    Ok(PaymentSettings { plans, public_url })
}

/// Telegram opens Mini Apps over https only; plain http is for this machine (tests, the demo).
fn public_url(text: &str) -> Result<reqwest::Url, ConfigError> {
    let problem = |problem: &str| ConfigError::new("HERALD_PUBLIC_URL", problem);
    let url = reqwest::Url::parse(text).map_err(|err| problem(&format!("not a URL ({err})")))?;
    let loopback = super::is_loopback(&url);
    if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err(problem(
            "must be https (Telegram opens Mini Apps over https only; http is for localhost)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(problem("no query or fragment: the base address only"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::public_url;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(public_url("https://herald.example.com").is_ok());
        assert!(public_url("http://127.0.0.1:8080").is_ok());
        assert!(public_url("http://localhost:8080/base").is_ok());
        for bad in [
            "http://herald.example.com",
            "ftp://x",
            "https://x/?a=1",
            "nonsense",
        ] {
            assert!(public_url(bad).is_err(), "{bad}");
        }
    }
}
