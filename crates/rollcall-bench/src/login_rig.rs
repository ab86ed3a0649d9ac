//! The login benchmark's rig (the emulator and the app wired together on port 0) and one
//! browser's login flow through it.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The emulator and the app, wired to each other, on port 0 and a temp SQLite file.
pub(super) struct Rig {
    pub(super) emulator: RunningEmulator,
    pub(super) app_url: String,
    pub(super) state: AppState,
    pub(super) db: BenchDb,
    /// Sections each pool teacher has, when every one has the same number (the login rows).
    pub(super) classes: Option<usize>,
    /// Students on each pool teacher's rosters, summed over their classes (the login rows).
    pub(super) enrolled: usize,
    pub(super) stop_app: oneshot::Sender<()>,
    pub(super) app_task: JoinHandle<std::io::Result<()>>,
    /// Clever ids of the teachers with exactly 6 sections × 30 students, in generation order.
    pub(super) teachers: Vec<String>,
    /// Where the browsers run (the emulator's runtime is only needed to start it).
    pub(super) browsers: tokio::runtime::Handle,
}

/// How the emulator pages the lists a login asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Pages {
    /// The emulator's default page size (100), so a roster of more students takes more pages.
    Paged,
    /// Every list whole on one page, as Clever answers a user (Library) token, which cannot
    /// page: the latency rows, which count round trips as against Clever.
    Whole,
}

/// The runtimes the emulator and the browsers run on, apart from the app's (the process's
/// main runtime), so that each one's CPU time can be told apart (see [`super::cpu`]). Each has
/// as many worker threads as the app's, so none of the three is held back by the split.
pub(super) struct Runtimes {
    emulator: tokio::runtime::Runtime,
    browsers: tokio::runtime::Runtime,
}

impl Runtimes {
    pub(super) fn start() -> anyhow::Result<Self> {
        let runtime = |name: &str| {
            tokio::runtime::Builder::new_multi_thread()
                .thread_name(name)
                .enable_all()
                .build()
                .with_context(|| format!("cannot start the {name} runtime"))
        };
        Ok(Self {
            emulator: runtime(super::cpu::EMULATOR_THREADS)?,
            browsers: runtime(super::cpu::BROWSER_THREADS)?,
        })
    }

    /// Stops both without waiting for their threads (a runtime cannot be dropped inside another).
    pub(super) fn stop(self) {
        self.emulator.shutdown_background();
        self.browsers.shutdown_background();
    }
}

impl Rig {
    /// Binds the app first (its redirect URI must be registered), generates the district with
    /// the app registered, starts the emulator with the rate limit lifted, then the app.
    pub(super) async fn start(
        runtimes: &Runtimes,
        backend: &Backend,
        district: District,
        pg_pool: u32,
        pages: Pages,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let app_url = format!("http://{}", listener.local_addr()?);
        let redirect = format!("{app_url}{}", WebConfig::CALLBACK_PATH);

        let app = Some(GenerateApp {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            redirect_uris: vec![redirect.clone()],
            name: Some("Rollcall (benchmark)".to_owned()),
        });
        let spec = match district {
            District::Logins => logins_district(TEACHERS, app),
            District::Large => GenerateSpec {
                namespace: "rollcall-bench-large".to_owned(),
                schools: SCHOOLS,
                teachers: LARGE_TEACHERS + 1,
                students: LARGE_TEACHERS * LARGE_SECTIONS * FIRST_PASS_SEATS,
                sections: LARGE_TEACHERS * LARGE_SECTIONS,
                students_per_section: STUDENTS_PER_SECTION,
                co_taught_every: 0,
                app,
            },
            District::Full => GenerateSpec {
                namespace: "rollcall-bench-district".to_owned(),
                schools: SCHOOLS,
                teachers: 101,
                students: 10_000,
                sections: 500,
                students_per_section: STUDENTS_PER_SECTION,
                co_taught_every: 0,
                app,
            },
        };
        let clock = Clock::system();
        let mut world = generate(&spec, clock.now()).context("cannot generate the district")?;
        let teachers = match district {
            District::Logins => full_time_teachers(&world),
            District::Large => {
                let teachers = teachers_shaped(&world, LARGE_SECTIONS, STUDENTS_PER_SECTION);
                grow_first_sections(&mut world, &teachers, BIG_SECTION);
                teachers
            }
            District::Full => teachers_with_sections(&world),
        };
        let (wanted, sections) = match district {
            District::Logins => (TEACHERS, SECTIONS_PER_TEACHER),
            District::Large => (LARGE_TEACHERS, LARGE_SECTIONS),
            District::Full => (teachers.len(), 0),
        };
        anyhow::ensure!(
            teachers.len() == wanted,
            "the generated district has {} teachers with exactly {sections} sections × \
             {STUDENTS_PER_SECTION} students, not {wanted}",
            teachers.len()
        );
        // The rate limit is lifted (one token per login makes 5 calls, far below it anyway, but
        // the bench must never measure a 429); the check itself still runs.
        let defaults = EmulatorConfig::default();
        let default_page_limit = match pages {
            Pages::Paged => defaults.default_page_limit,
            Pages::Whole => defaults.max_page_limit,
        };
        let config = EmulatorConfig {
            rate_limit_per_minute: clever_emulator::config::MAX_RATE_LIMIT,
            default_page_limit,
            ..defaults
        };
        let emulator = runtimes
            .emulator
            .spawn(RunningEmulator::start(
                Emulator::from_world(world, config, clock)?,
                "127.0.0.1:0".parse()?,
            ))
            .await??;

        let (db, store) = BenchDb::create(backend, pg_pool).await?;
        let config = WebConfig {
            public_url: app_url.clone(),
            clever: CleverConfig::new(CLIENT_ID, CLIENT_SECRET.to_owned().into(), redirect)
                .with_base_urls(&emulator.base_url, &emulator.base_url),
            dev_mode: true,
            session_ttl: time::Duration::hours(8),
            token_key: rollcall::app::random_key().into(),
            metrics_token: None,
            background_sync_every: None,
            serving: rollcall_web::config::Serving::default(),
            mail: rollcall_web::mail::MailSettings::Off,
        };
        config.validate()?;
        let state = rollcall::app::state_with_store(config, store)?;
        let (stop_app, stopped) = oneshot::channel::<()>();
        let app_task = tokio::spawn(rollcall_web::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        let classes = match district {
            District::Logins => Some(SECTIONS_PER_TEACHER),
            District::Large => Some(LARGE_SECTIONS),
            District::Full => None,
        };
        // Students on a pool teacher's rosters, counted over their classes.
        let enrolled = match district {
            District::Logins => SECTIONS_PER_TEACHER * STUDENTS_PER_SECTION,
            District::Large => (LARGE_SECTIONS - 1) * STUDENTS_PER_SECTION + BIG_SECTION,
            District::Full => 0,
        };
        let browsers = runtimes.browsers.handle().clone();
        Ok(Self { emulator, app_url, state, db, classes, enrolled, stop_app, app_task, teachers, browsers })
    }

    /// Runs one row: `pick()` names the teacher each login is for (`None`: no more work), and a
    /// login succeeds when it ends on the dashboard with 6 classes and `expect` in its sync report.
    /// The browsers run on their own runtime; the row's CPU time is measured by whom it was used.
    pub(super) async fn phase<P>(
        &self,
        workers: usize,
        duration: Duration,
        expect: Option<String>,
        pick: P,
    ) -> anyhow::Result<Phase>
    where
        P: Fn(usize, u64) -> Option<String> + Send + Sync + 'static,
    {
        let flow = Flow {
            emulator: self.emulator.emulator.clone(),
            emulator_url: Arc::from(self.emulator.base_url.as_str()),
            start_url: Arc::from(format!("{}/auth/clever/start", self.app_url).as_str()),
            expect: expect.map(|e| Arc::from(e.as_str())),
            classes: self.classes,
            browser_requests: Arc::new(AtomicU64::new(0)),
            browser_to_emulator: Arc::new(AtomicU64::new(0)),
            first_pages: Arc::default(),
        };
        let journal_before = journal_seq(&self.emulator.emulator);
        let cpu_before = cpu::CpuTimes::now();
        let writer_before = self.state.store().writer_stats();
        let load = {
            let flow = flow.clone();
            self.browsers.spawn(load::run(workers, duration, move |worker, i| {
                let teacher = pick(worker, i);
                let flow = flow.clone();
                async move { Some(flow.login(&teacher?).await) }
            }))
        };
        let load = load.await.context("the browsers' load run failed")?;
        let cpu = cpu_before.zip(cpu::CpuTimes::now()).map(|(before, after)| after.since(&before));
        let writer =
            writer_before.zip(self.state.store().writer_stats()).map(|(before, after)| after.since(&before));
        let mut first_pages =
            flow.first_pages.lock().map(|mut times| std::mem::take(&mut *times)).unwrap_or_default();
        first_pages.sort_unstable();
        let first_page = (load::percentile(&first_pages, 0.50), load::percentile(&first_pages, 0.99));
        Ok(Phase {
            first_page,
            emulator_requests: journal_seq(&self.emulator.emulator).saturating_sub(journal_before),
            browser_requests: flow.browser_requests.load(Ordering::Relaxed),
            browser_to_emulator: flow.browser_to_emulator.load(Ordering::Relaxed),
            distinct_teachers: 0,
            load,
            cpu,
            writer,
        })
    }

    /// The pool's teachers who have an account now, each checked to have all their classes
    /// with full rosters in the store (the login rows' districts).
    pub(super) async fn logged_in(&self) -> anyhow::Result<Vec<String>> {
        let store = self.state.store();
        let mut done = Vec::new();
        for teacher in &self.teachers {
            let Some(user) = store.user_by_clever_id(&CleverId::parse(teacher)?).await? else { continue };
            let sections = store.teacher_sections(user.id).await?;
            let enrolled: usize = sections.iter().map(|s| s.active_students as usize).sum();
            let complete = self.classes == Some(sections.len()) && enrolled == self.enrolled;
            anyhow::ensure!(complete, "teacher {teacher} logged in but their classes are incomplete");
            done.push(teacher.clone());
        }
        Ok(done)
    }

    /// Stops the app, then the emulator, and removes the database.
    pub(super) async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop_app.send(());
        self.app_task.await??;
        drop(self.state);
        self.db.destroy().await?;
        self.emulator.stop().await?;
        Ok(())
    }
}

/// A district of `teachers` teachers (a multiple of [`SCHOOLS`]) with exactly 6 sections × 30
/// students each, plus one substitute who teaches nothing, with `app` registered.
pub(crate) fn logins_district(teachers: usize, app: Option<GenerateApp>) -> GenerateSpec {
    GenerateSpec {
        namespace: "rollcall-bench".to_owned(),
        schools: SCHOOLS,
        teachers: teachers + 1,
        students: teachers * SECTIONS_PER_TEACHER * FIRST_PASS_SEATS,
        sections: teachers * SECTIONS_PER_TEACHER,
        students_per_section: STUDENTS_PER_SECTION,
        co_taught_every: 0,
        app,
    }
}

/// Every teacher who teaches at least one section.
pub(super) fn teachers_with_sections(world: &World) -> Vec<String> {
    world
        .users
        .values()
        .filter(|u| u.has(Role::Teacher) && world.section_ids_of(&u.id).next().is_some())
        .map(|u| u.id.clone())
        .collect()
}

/// Teachers whose sections (as primary teacher) are exactly 6, each with exactly 30 students.
pub(crate) fn full_time_teachers(world: &World) -> Vec<String> {
    teachers_shaped(world, SECTIONS_PER_TEACHER, STUDENTS_PER_SECTION)
}

/// Makes each teacher's first section (by id) `size` students, adding students of the district
/// who are not in it yet: the large district's one big class per teacher.
fn grow_first_sections(world: &mut World, teachers: &[String], size: usize) {
    let students: Vec<String> =
        world.users.values().filter(|u| u.has(Role::Student)).map(|u| u.id.clone()).collect();
    for teacher in teachers {
        let Some(first) = world.section_ids_of(teacher).min().cloned() else { continue };
        world.update_section(&first, |section| {
            for student in &students {
                if section.students.len() >= size {
                    break;
                }
                if !section.students.contains(student) {
                    section.students.push(student.clone());
                }
            }
        });
    }
}

/// Teachers whose sections (as primary teacher) are exactly `sections`, each with exactly
/// `students` students.
pub(crate) fn teachers_shaped(world: &World, sections: usize, students: usize) -> Vec<String> {
    let mut taught: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for section in world.sections().values() {
        for teacher in &section.teachers {
            taught.entry(teacher.as_str()).or_default().push(section.students.len());
        }
    }
    let mut teachers: Vec<&clever_emulator::model::UserRec> =
        world.users.values().filter(|u| u.has(Role::Teacher)).collect();
    teachers.sort_by(|a, b| a.key.cmp(&b.key));
    teachers
        .into_iter()
        .filter(|u| {
            taught
                .get(u.id.as_str())
                .is_some_and(|rosters| rosters.len() == sections && rosters.iter().all(|n| *n == students))
        })
        .map(|u| u.id.clone())
        .collect()
}

/// The emulator's request count so far (its journal is bounded, its sequence numbers are not).
pub(super) fn journal_seq(emulator: &Emulator) -> u64 {
    emulator.journal().entries().last().map_or(0, |e| e.seq)
}

/// One login, as a browser does it.
#[derive(Clone)]
pub(crate) struct Flow {
    pub(crate) emulator: Emulator,
    pub(crate) emulator_url: Arc<str>,
    pub(crate) start_url: Arc<str>,
    /// Text the dashboard's sync report must contain, if known.
    pub(crate) expect: Option<Arc<str>>,
    /// Classes the dashboard must show, if every teacher has the same number.
    pub(crate) classes: Option<usize>,
    pub(crate) browser_requests: Arc<AtomicU64>,
    pub(crate) browser_to_emulator: Arc<AtomicU64>,
    /// How long each successful login took to its first page (the dashboard as it first
    /// appears, before it has reloaded itself to the synced classes).
    pub(crate) first_pages: Arc<std::sync::Mutex<Vec<Duration>>>,
}

impl Flow {
    /// Queues `teacher` as the emulator's next login and signs in with a fresh browser.
    ///
    /// The emulator's next-login queue is one FIFO per emulator, so with concurrent workers the
    /// authorize request of one worker may pop the teacher another worker queued: two logins
    /// swap users. That is harmless here and is accepted rather than serialised: every worker
    /// queues exactly one teacher before its own authorize request, so the queue is never empty
    /// when a request pops it; each teacher is queued once per login, so in the first-login row
    /// every login is still a distinct teacher's first one. A login is therefore judged by what
    /// the dashboard shows (6 classes, and a sync report that every first login, or every repeat
    /// login, produces whoever the teacher is), and the distinct teachers are counted from the
    /// store afterwards.
    pub(super) async fn login(&self, teacher: &str) -> bool {
        self.queue(teacher);
        match self.sign_in().await {
            Ok(()) => true,
            Err(why) => {
                tracing::debug!(%why, "login failed");
                false
            }
        }
    }

    /// Makes `teacher` the emulator's next login (see [`Flow::login`] on the queue's order).
    pub(crate) fn queue(&self, teacher: &str) {
        self.emulator
            .browser()
            .next_logins
            .push_back(NextLogin { user_id: teacher.to_owned(), client_id: Some(CLIENT_ID.to_owned()) });
    }

    pub(super) async fn sign_in(&self) -> anyhow::Result<()> {
        let (_, page) = self.start_login().await?;
        let Page { status, path, body, .. } = &page;
        anyhow::ensure!(status.is_success() && path == "/dashboard", "ended on {path} with {status}");
        let classes = page.classes();
        anyhow::ensure!(self.classes.is_none_or(|n| n == classes), "the dashboard shows {classes} classes");
        if let Some(expect) = &self.expect {
            anyhow::ensure!(body.contains(&**expect), "the sync report is not {expect:?}");
        }
        Ok(())
    }

    /// "Sign up with Clever" in a new browser, followed to wherever it ends (the dashboard, if
    /// all went well, once it has stopped reloading itself: the synced classes); the browser is
    /// returned too, its cookie jar holding the session if one was made. The page is not judged
    /// here; the time to the first page (before any reload) goes into `first_pages`.
    pub(crate) async fn start_login(&self) -> reqwest::Result<(reqwest::Client, Page)> {
        let started = std::time::Instant::now();
        let browser = self.browser()?;
        self.browser_requests.fetch_add(1, Ordering::Relaxed);
        let mut page = Page::read(browser.get(&*self.start_url).send().await?).await?;
        let first_page = started.elapsed();
        for _ in 0..100 {
            let Some(next) = page.refresh() else { break };
            self.browser_requests.fetch_add(1, Ordering::Relaxed);
            page = Page::read(
                browser.get(page.url.join(&next).unwrap_or_else(|_| page.url.clone())).send().await?,
            )
            .await?;
        }
        if let Ok(mut times) = self.first_pages.lock() {
            times.push(first_page);
        }
        Ok((browser, page))
    }

    /// A new browser: an empty cookie jar, following redirects and counting them.
    pub(crate) fn browser(&self) -> reqwest::Result<reqwest::Client> {
        let (requests, to_emulator) = (self.browser_requests.clone(), self.browser_to_emulator.clone());
        let emulator_url = self.emulator_url.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("too many redirects");
            }
            requests.fetch_add(1, Ordering::Relaxed);
            if attempt.url().as_str().starts_with(&*emulator_url) {
                to_emulator.fetch_add(1, Ordering::Relaxed);
            }
            attempt.follow()
        });
        // Plain http on loopback: no trust roots. Loading the platform's (reading and parsing
        // every PEM file in /etc/ssl/certs) for each new browser was a fifth of the load
        // generator's CPU, taken from the cores the servers run on.
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(policy)
            // Below the app's 10 s keep-alive timeout: a browser reused after a pause (the soak's
            // sessions) must not send on a connection the server is closing at that moment.
            .pool_idle_timeout(Duration::from_secs(5))
            .tls_certs_only(std::iter::empty::<reqwest::Certificate>())
            .build()
    }
}

/// The page a browser ended on, after the redirects.
pub(crate) struct Page {
    pub(crate) status: reqwest::StatusCode,
    pub(crate) url: reqwest::Url,
    pub(crate) path: String,
    pub(crate) body: String,
}

impl Page {
    pub(crate) async fn read(response: reqwest::Response) -> reqwest::Result<Self> {
        let (status, url) = (response.status(), response.url().clone());
        Ok(Self { status, path: url.path().to_owned(), url, body: response.text().await? })
    }

    /// Where the page's `<meta http-equiv="refresh" content="0; url=…">` leads, if it has one
    /// (the dashboard's while a sync runs).
    pub(crate) fn refresh(&self) -> Option<String> {
        let at = self.body.find("<meta http-equiv=\"refresh\" content=\"")?;
        let content = self.body[at..].split('"').nth(3)?;
        Some(content.split_once("url=")?.1.trim().replace("&amp;", "&"))
    }

    /// Classes on a teacher's dashboard.
    pub(crate) fn classes(&self) -> usize {
        self.body.matches("class=\"card section\"").count()
    }
}
