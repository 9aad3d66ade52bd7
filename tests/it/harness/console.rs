//! A console client without a browser: keeps the cookies a browser would (the `Secure` ones
//! included, as browsers do for loopback), follows no redirects, and reads CSRF tokens from forms.

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};

use super::app::TestApp;

pub struct Console {
    http: reqwest::Client,
    base: String,
    cookies: Mutex<BTreeMap<String, String>>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The value of the first `name="csrf"` hidden field.
    pub fn csrf(&self) -> String {
        field_value(&self.body, "csrf").expect("the page has a form with a CSRF token")
    }
}

/// The `value` of the first input named `name` in `html`.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let value = tag.split("value=\"").nth(1)?;
    Some(value[..value.find('"')?].to_owned())
}

impl Console {
    pub fn new(app: &TestApp) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.api.clone(),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.lock().unwrap().contains_key(name)
    }

    /// Another client holding this one's cookies (a copy of the browser's cookie jar).
    pub fn copy(&self) -> Console {
        Console {
            http: self.http.clone(),
            base: self.base.clone(),
            cookies: Mutex::new(self.cookies.lock().unwrap().clone()),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, headers: &HeaderMap) {
        let mut cookies = self.cookies.lock().unwrap();
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    async fn read(&self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        self.keep_cookies(&headers);
        Page {
            status,
            headers,
            body: response.text().await.unwrap(),
        }
    }

    /// Logs in through the form; the answer to the form's POST.
    pub async fn log_in(&self, name: &str, password: &str, totp: &str) -> Page {
        let form = self.get("/console/login").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let csrf = form.csrf();
        self.post(
            "/console/login",
            &[
                ("csrf", &csrf),
                ("name", name),
                ("password", password),
                ("totp", totp),
            ],
        )
        .await
    }
}

/// An admin made as `herald admin create` makes one, and a code for now.
pub async fn admin(app: &TestApp, name: &str) -> (herald::cli::security::NewAdmin, String) {
    let admin = herald::cli::security::create_admin(&app.store, name)
        .await
        .unwrap();
    let code =
        herald::auth::totp::current_code(&admin.totp_secret, super::security::unix_now()).unwrap();
    (admin, code)
}

/// A logged-in console for a new admin `name`.
pub async fn logged_in(app: &TestApp, name: &str) -> Console {
    let (admin, code) = admin(app, name).await;
    let console = Console::new(app);
    let answer = console.log_in(name, &admin.password, &code).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    console
}
