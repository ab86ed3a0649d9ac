//! Story-test harness: the real emulator and the real app, each on port 0, with a fresh SQLite
//! file per test and a cookie-jar "browser" that follows the real OAuth redirects.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod smtp;

use std::path::PathBuf;
use std::sync::Arc;

use clever_client::{CleverClient, CleverConfig, RetryPolicy};
use clever_emulator::state::NextLogin;
use clever_emulator::{Emulator, EmulatorConfig, RunningEmulator};
use rollcall_core::FixedClock;
use rollcall_store::{SqliteStore, Store};
use rollcall_web::mail::MailSettings;
use rollcall_web::{AppState, WebConfig};
use test_support::pg::TestDb;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[allow(unused_imports)] // each test binary uses some of these
pub use test_support::demo::{CLIENT_ID, section_id, user_id};

/// The login email the test app treats as an admin's.
pub const ADMIN_EMAIL: &str = "ops@rollcall.test";

/// Where a test app keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database on `ROLLCALL_TEST_POSTGRES_URL`'s server.
    Postgres,
}

/// A running emulator + app pair.
pub struct TestApp {
    pub emulator: RunningEmulator,
    pub url: String,
    pub state: AppState,
    pub clock: FixedClock,
    pub db: PathBuf,
    /// The PostgreSQL database the app keeps its data in, when spawned on one.
    pub pg: Option<TestDb>,
    _shutdown: oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(EmulatorConfig::default()).await
    }

    pub async fn spawn_with(emulator_config: EmulatorConfig) -> Self {
        Self::spawn_on(emulator_config, Backend::Sqlite).await.unwrap()
    }

    /// The app on `backend`; `None` (the caller skips, as printed) for PostgreSQL when
    /// `ROLLCALL_TEST_POSTGRES_URL` is unset.
    pub async fn spawn_on(emulator_config: EmulatorConfig, backend: Backend) -> Option<Self> {
        Self::spawn_full(emulator_config, backend, MailSettings::Outbox).await
    }

    /// The app (on SQLite) sending its mail as `mail` says.
    pub async fn spawn_with_mail(mail: MailSettings) -> Self {
        Self::spawn_full(EmulatorConfig::default(), Backend::Sqlite, mail).await.unwrap()
    }

    async fn spawn_full(
        emulator_config: EmulatorConfig,
        backend: Backend,
        mail: MailSettings,
    ) -> Option<Self> {
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(TestDb::create().await?),
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let redirect = format!("{url}{}", WebConfig::CALLBACK_PATH);
        let emulator = test_support::demo::start_demo(emulator_config, Some(&redirect)).await;
        let secret = test_support::demo::CLIENT_SECRET;

        let db = std::env::temp_dir().join(format!("rollcall-web-test-{}.db", crate::support::unique()));
        let store: Arc<dyn Store> = match &pg {
            Some(pg) => rollcall_store::open(pg.url()).await.unwrap(),
            None => Arc::new(SqliteStore::open(&format!("sqlite://{}", db.display())).await.unwrap()),
        };
        let clock = FixedClock::new(emulator.emulator.now());
        let replica =
            Replica::start_with_mail(listener, &emulator.base_url, secret, store, clock.clone(), mail).await;
        let Replica { url, state, _shutdown: tx } = replica;
        Some(Self { emulator, url, state, clock, db, pg, _shutdown: tx })
    }

    pub fn emulator(&self) -> &Emulator {
        &self.emulator.emulator
    }

    pub fn store(&self) -> &dyn Store {
        self.state.store()
    }

    /// A new browser: cookie jar, follows redirects.
    pub fn browser(&self) -> Browser {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Browser { http, app: self.url.clone(), follows_refresh: true }
    }

    /// A browser on another network: its requests come through the proxy header from `address`.
    pub fn browser_at(&self, address: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", address.parse().unwrap());
        let http = reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap();
        Browser { http, app: self.url.clone(), follows_refresh: true }
    }

    /// A browser that stops at every redirect.
    pub fn stepping_browser(&self) -> Browser {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { http, app: self.url.clone(), follows_refresh: false }
    }

    /// The mail the app kept in its outbox, newest first, read from `/dev/outbox` as a developer
    /// would.
    pub async fn outbox(&self) -> Vec<OutboxMail> {
        let page = self.browser().get("/dev/outbox").await;
        assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
        page.body
            .split("<article class=\"mail\">")
            .skip(1)
            .map(|article| {
                let between = |start: &str, end: &str| {
                    article
                        .split_once(start)
                        .and_then(|(_, rest)| rest.split_once(end))
                        .map(|(v, _)| unescape(v))
                };
                OutboxMail {
                    subject: between("<h2 class=\"sub\">", "</h2>").unwrap(),
                    to: between("<p class=\"muted\">To ", "</p>").unwrap(),
                    link: between("<a href=\"", "\""),
                }
            })
            .collect()
    }

    /// The link in the newest mail to `to`.
    pub async fn mailed_link(&self, to: &str) -> String {
        let outbox = self.outbox().await;
        let mail =
            outbox.iter().find(|m| m.to == to).unwrap_or_else(|| panic!("no mail to {to}: {outbox:?}"));
        mail.link.clone().unwrap_or_else(|| panic!("the mail to {to} has no link: {mail:?}"))
    }

    /// The Clever id the emulator gave the seed's user `key` (readable under `foreign-ids`).
    pub fn user_id(&self, key: &str) -> String {
        let world = self.emulator().world();
        world.users.values().find(|u| u.key == key).map(|u| u.id.clone()).unwrap_or_else(|| user_id(key))
    }

    /// The emulator logs `key` in at the next authorize request (no login page).
    pub fn next_login(&self, key: &str) {
        let user_id = self.user_id(key);
        self.emulator()
            .browser()
            .next_logins
            .push_back(NextLogin { user_id, client_id: Some(CLIENT_ID.into()) });
    }

    /// Signs `key` in with Clever through the app's button; returns the final page.
    pub async fn login(&self, browser: &Browser, key: &str) -> Page {
        self.next_login(key);
        browser.get("/auth/clever/start").await
    }

    /// A password account, as if signed up earlier (the same hashing the sign-up form uses).
    pub async fn password_account(
        &self,
        role: rollcall_store::AccountRole,
        name: (&str, &str),
        email: &str,
        password: &str,
    ) -> rollcall_store::User {
        let new = rollcall_store::NewLocalAccount {
            role,
            first_name: name.0.to_owned(),
            last_name: name.1.to_owned(),
            email: email.to_owned(),
            password_hash: rollcall_web::passwords::hash(password).await.unwrap(),
        };
        self.store().create_local_account(&new, rollcall_core::Clock::now(&self.clock)).await.unwrap()
    }

    /// The app clock's date, `YYYY-MM-DD`.
    pub fn clock_date(&self) -> String {
        rollcall_core::Clock::now(&self.clock).date().to_string()
    }

    /// The account a Clever user's key logs in to, if any.
    pub async fn clever_account(&self, key: &str) -> Option<rollcall_store::User> {
        let id = rollcall_core::CleverId::parse(&user_id(key)).unwrap();
        self.store().user_by_clever_id(&id).await.unwrap()
    }

    /// Sam (a teacher) and María (one of his students), each signed in with Clever in a browser
    /// of their own, with their sessions' form tokens, and Sam's first class.
    pub async fn teacher_and_student(&self) -> TeacherAndStudent {
        let teacher = self.browser();
        let teacher_token = self.login(&teacher, "skelly").await.csrf();
        let student = self.browser();
        let student_token = self.login(&student, "maria").await.csrf();
        let sam = self.clever_account("skelly").await.unwrap();
        let section = self.store().teacher_sections(sam.id).await.unwrap()[0].id;
        TeacherAndStudent { teacher, teacher_token, student, student_token, sam, section }
    }

    /// How many code exchanges the app made.
    /// Adds a fault rule to the emulator (its `/__admin/faults` JSON).
    pub fn fault(&self, spec: serde_json::Value) {
        self.emulator().faults().add(serde_json::from_value(spec).unwrap());
    }

    /// The callback URL Clever sends `key`'s browser back to, from a login started in `browser`
    /// (a stepping one), not yet visited.
    pub async fn callback_url(&self, browser: &Browser, key: &str) -> String {
        self.next_login(key);
        let start = browser.get("/auth/clever/start").await;
        let back = browser.http.get(start.location().unwrap()).send().await.unwrap();
        back.headers()["location"].to_str().unwrap().to_owned()
    }

    pub fn token_exchanges(&self) -> usize {
        self.emulator()
            .journal()
            .entries()
            .iter()
            .filter(|e| e.path == "/oauth/tokens" && e.method == "POST")
            .count()
    }
}

/// One app server (a "replica"): its own state, pool and in-process single-flights.
pub struct Replica {
    pub url: String,
    pub state: AppState,
    _shutdown: oneshot::Sender<()>,
}

impl Replica {
    /// A new browser pointed at this replica (as [`TestApp::browser`]).
    pub fn browser(&self) -> Browser {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Browser { http, app: self.url.clone(), follows_refresh: true }
    }

    /// Serves the app on `listener`, talking to the emulator at `clever_url` and keeping its data
    /// in `store`. The app's redirect URI must be registered with the emulator.
    pub async fn start(
        listener: TcpListener,
        clever_url: &str,
        secret: &str,
        store: Arc<dyn Store>,
        clock: FixedClock,
    ) -> Self {
        Self::start_with_mail(listener, clever_url, secret, store, clock, MailSettings::Outbox).await
    }

    /// [`Replica::start`], its mail going as `mail` says.
    pub async fn start_with_mail(
        listener: TcpListener,
        clever_url: &str,
        secret: &str,
        store: Arc<dyn Store>,
        clock: FixedClock,
        mail: MailSettings,
    ) -> Self {
        let url = format!("http://{}", listener.local_addr().unwrap());
        let redirect = format!("{url}{}", WebConfig::CALLBACK_PATH);
        let mut clever = CleverConfig::new(CLIENT_ID, secret.to_owned().into(), redirect)
            .with_base_urls(clever_url, clever_url);
        clever.retry = RetryPolicy {
            max_attempts: 3,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(5),
            max_rate_limit_wait: std::time::Duration::from_millis(5),
            max_in_flight: 4,
        };
        let config = WebConfig {
            public_url: url.clone(),
            clever: clever.clone(),
            dev_mode: true,
            session_ttl: time::Duration::hours(8),
            token_key: [9; 32].into(),
            metrics_token: Some("metrics-secret".to_owned().into()),
            background_sync_every: Some(time::Duration::hours(1)),
            // Stories play several clients from one machine by naming their addresses.
            serving: rollcall_web::config::Serving {
                client_ip_header: Some("x-forwarded-for".into()),
                ..rollcall_web::config::Serving::default()
            },
            mail,
        };
        config.validate().unwrap();
        let state = AppState::new(config, store, CleverClient::new(clever).unwrap(), Arc::new(clock));
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(rollcall_web::serve(listener, state.clone(), async move {
            let _ = rx.await;
        }));
        Self { url, state, _shutdown: tx }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db.display()));
        }
    }
}

pub fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// One mail in the app's outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub to: String,
    pub subject: String,
    pub link: Option<String>,
}

/// Undoes the HTML escaping of text in a page.
pub fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What [`TestApp::teacher_and_student`] signs in.
pub struct TeacherAndStudent {
    pub teacher: Browser,
    pub teacher_token: String,
    pub student: Browser,
    pub student_token: String,
    pub sam: rollcall_store::User,
    pub section: rollcall_core::SectionId,
}

/// A cookie-jar HTTP client pointed at the app.
pub struct Browser {
    pub http: reqwest::Client,
    app: String,
    /// Follows a page's `<meta http-equiv="refresh">` as a browser does (the dashboard's while a
    /// sync runs), so a page is what the user sees once it stops reloading itself.
    follows_refresh: bool,
}

/// A fetched page.
#[derive(Debug)]
pub struct Page {
    pub status: reqwest::StatusCode,
    pub url: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The value of the first `name="csrf"` hidden field.
    pub fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").expect("page has a CSRF field") + 19;
        self.body[at..].split('"').next().unwrap().to_owned()
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// Whether the page is at `path` (whatever its query says).
    pub fn on(&self, path: &str) -> bool {
        reqwest::Url::parse(&self.url).is_ok_and(|u| u.path() == path)
    }

    /// Where the page's `<meta http-equiv="refresh" content="0; url=…">` leads, if it has one.
    pub fn refresh(&self) -> Option<String> {
        let at = self.body.find("<meta http-equiv=\"refresh\" content=\"")?;
        let content = self.body[at..].split('"').nth(3)?;
        Some(unescape(content.split_once("url=")?.1.trim()))
    }

    /// `path` as an absolute URL, relative to this page.
    pub fn resolve(&self, path: &str) -> String {
        reqwest::Url::parse(&self.url).unwrap().join(path).unwrap().to_string()
    }
}

impl Browser {
    fn abs(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.app) }
    }

    pub async fn get(&self, path: &str) -> Page {
        let page = Self::page(self.http.get(self.abs(path)).send().await.unwrap()).await;
        self.refreshed(page).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let page = Self::page(self.http.post(self.abs(path)).form(form).send().await.unwrap()).await;
        self.refreshed(page).await
    }

    /// The same browser (its cookies), but it does not follow pages that reload themselves: it
    /// sees each page as it first appears.
    pub fn without_refresh(&self) -> Browser {
        Browser { http: self.http.clone(), app: self.app.clone(), follows_refresh: false }
    }

    /// `page`, or (for a browser that follows them) where its refreshes lead.
    async fn refreshed(&self, mut page: Page) -> Page {
        for _ in 0..100 {
            let Some(next) = page.refresh().filter(|_| self.follows_refresh) else { return page };
            let url = page.resolve(&next);
            page = Self::page(self.http.get(url).send().await.unwrap()).await;
        }
        panic!("{} kept reloading itself", page.url);
    }

    pub async fn page(r: reqwest::Response) -> Page {
        let status = r.status();
        let url = r.url().to_string();
        let headers = r.headers().clone();
        Page { status, url, headers, body: r.text().await.unwrap() }
    }
}

/// The form on `page` whose submit button shows `button`: its action and fields (hidden inputs
/// plus the button's own name/value), as a browser would submit them.
pub fn form_with_button(page: &Page, button: &str) -> (String, Vec<(String, String)>) {
    let form = page
        .body
        .split("<form")
        .skip(1)
        .find(|f| f.split("</form>").next().unwrap_or_default().contains(button))
        .unwrap_or_else(|| panic!("no form with a {button:?} button on {}:\n{}", page.url, page.body));
    let form = form.split("</form>").next().unwrap();
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(tag[at..].split('"').next()?.replace("&amp;", "&"))
    };
    let action = attr(form, "action").expect("form action");
    let mut fields = Vec::new();
    for input in form.split("<input").skip(1) {
        let tag = input.split('>').next().unwrap();
        if tag.contains("type=\"hidden\"") {
            fields.push((attr(tag, "name").unwrap(), attr(tag, "value").unwrap_or_default()));
        }
    }
    for b in form.split("<button").skip(1) {
        let tag = b.split('>').next().unwrap();
        let text = b.split('>').nth(1).unwrap_or_default();
        if let (true, Some(name), Some(value)) =
            (text.contains(button), attr(tag, "name"), attr(tag, "value"))
        {
            fields.push((name, value));
        }
    }
    (action, fields)
}

impl Browser {
    /// Submits the form whose button shows `button`, resolving its action against `base`.
    pub async fn submit(&self, page: &Page, base: &str, button: &str) -> Page {
        self.fill(page, base, button, &[]).await
    }

    /// Fills in the visible fields `typed` of the form whose button shows `button`, then submits
    /// it (hidden fields and the button's own value go along, as a browser sends them).
    pub async fn fill(&self, page: &Page, base: &str, button: &str, typed: &[(&str, &str)]) -> Page {
        let (action, mut fields) = form_with_button(page, button);
        fields.extend(typed.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let url = if action.starts_with("http") { action } else { format!("{base}{action}") };
        let page = Self::page(self.http.post(url).form(&fields).send().await.unwrap()).await;
        self.refreshed(page).await
    }

    /// Fills in the sign-up form; returns the page after it ("check your email").
    pub async fn sign_up(&self, name: (&str, &str), email: &str, password: &str, role: &str) -> Page {
        let signup = self.get("/signup").await;
        let typed = [
            ("first_name", name.0),
            ("last_name", name.1),
            ("email", email),
            ("password", password),
            ("role", role),
        ];
        self.fill(&signup, &self.app.clone(), "Create account", &typed).await
    }

    /// Opens a link from a mail and presses the one button on the page it shows; returns the
    /// page that ends on.
    pub async fn open_mailed_link(&self, link: &str) -> Page {
        let page = self.get(link).await;
        assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
        let (action, fields) = form_with_button(&page, "<button type=\"submit\">");
        Self::page(self.http.post(self.abs(&action)).form(&fields).send().await.unwrap()).await
    }

    /// Logs in on the app's log-in page with an email and password; returns the page it ends on.
    pub async fn password_login(&self, email: &str, password: &str) -> Page {
        let login = self.get("/login").await;
        self.fill(&login, &self.app.clone(), "Log in</button>", &[("email", email), ("password", password)])
            .await
    }
}

/// What an app whose public URL is https (behind a TLS-terminating proxy) sends with its login
/// page: the HSTS header and the form cookie.
pub struct HttpsHeaders {
    pub hsts: Option<String>,
    pub form_cookie: String,
}

/// Serves an app configured for `https://rollcall.test` (production mode) on a local port and
/// fetches its login page.
pub async fn https_config_headers() -> HttpsHeaders {
    let public_url = "https://rollcall.test";
    let clever = CleverConfig::new(
        CLIENT_ID,
        "secret".to_owned().into(),
        format!("{public_url}{}", WebConfig::CALLBACK_PATH),
    );
    let config = WebConfig {
        public_url: public_url.into(),
        clever: clever.clone(),
        dev_mode: false,
        session_ttl: time::Duration::hours(8),
        token_key: [9; 32].into(),
        metrics_token: None,
        background_sync_every: None,
        serving: rollcall_web::config::Serving::default(),
        mail: MailSettings::Off,
    };
    config.validate().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_temp().await.unwrap());
    let clock = FixedClock::new(time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    let state = AppState::new(config, store, CleverClient::new(clever).unwrap(), Arc::new(clock));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/login", listener.local_addr().unwrap());
    let (_stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(rollcall_web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let answer = reqwest::get(url).await.unwrap();
    let header = |name: &str| answer.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    HttpsHeaders {
        hsts: header("strict-transport-security"),
        form_cookie: header("set-cookie").expect("the login form sets its cookie"),
    }
}
