//! PostgreSQL over TLS, as a managed database demands it: `sslmode=require` encrypts,
//! `sslmode=verify-full` with `sslrootcert` also proves the server's name, and a server that
//! cannot do TLS is refused when TLS is required.
//!
//! The local test server may or may not have `ssl` on, and its certificate is not one a test can
//! name a CA for. So most of these run through a TLS front started here: it answers PostgreSQL's
//! `SSLRequest`, terminates TLS with a certificate this test makes (a CA of its own, a server
//! certificate for a name of the test's choosing) and relays the bytes to the real server. The
//! store cannot tell it from a TLS-enabled PostgreSQL; the front counts what it saw.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rollcall_store::PgStore;
use rollcall_store::prelude::*;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::pg::TestDb;

/// PostgreSQL's `SSLRequest`: length 8, then the code 1234.5679.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// A certificate authority made for one test, written as a PEM file the client can trust.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem_file: PathBuf,
}

impl TestCa {
    fn new(label: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, format!("Rollcall test CA {label}"));
        let cert = params.self_signed(&key).unwrap();
        let pem_file =
            std::env::temp_dir().join(format!("rollcall-test-ca-{}-{label}.pem", std::process::id()));
        std::fs::write(&pem_file, cert.pem()).unwrap();
        Self { issuer: Issuer::new(params, key), pem_file }
    }

    /// A server certificate for `name`, signed by this CA.
    fn server_config(&self, name: &str) -> Arc<ServerConfig> {
        let key = KeyPair::generate().unwrap();
        let cert =
            CertificateParams::new(vec![name.to_owned()]).unwrap().signed_by(&key, &self.issuer).unwrap();
        let chain = vec![CertificateDer::from(cert.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config = ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key).unwrap();
        Arc::new(config)
    }

    fn path(&self) -> &str {
        self.pem_file.to_str().unwrap()
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.pem_file);
    }
}

/// What the front saw.
#[derive(Default)]
struct Seen {
    /// TLS sessions it completed and relayed.
    encrypted: AtomicUsize,
    /// Connections it relayed without TLS.
    plain: AtomicUsize,
}

/// A front for the real server: TLS with `tls` (or, with `None`, a server without TLS that
/// answers `N` to the `SSLRequest` as PostgreSQL with `ssl = off` does).
struct Front {
    address: SocketAddr,
    seen: Arc<Seen>,
}

impl Front {
    async fn start(upstream: SocketAddr, tls: Option<Arc<ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let seen = Arc::new(Seen::default());
        let counts = seen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, tls.clone(), counts.clone()));
            }
        });
        Self { address, seen }
    }

    fn encrypted(&self) -> usize {
        self.seen.encrypted.load(Ordering::SeqCst)
    }

    fn plain(&self) -> usize {
        self.seen.plain.load(Ordering::SeqCst)
    }
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, tls: Option<Arc<ServerConfig>>, seen: Arc<Seen>) {
    let mut first = [0u8; 8];
    if client.read_exact(&mut first).await.is_err() {
        return;
    }
    let mut server = TcpStream::connect(upstream).await.unwrap();
    if first != SSL_REQUEST {
        // A plain startup message: pass it on.
        seen.plain.fetch_add(1, Ordering::SeqCst);
        server.write_all(&first).await.unwrap();
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        return;
    }
    let Some(config) = tls else {
        if client.write_all(b"N").await.is_err() {
            return;
        }
        // The client may go on in plain text (sslmode=prefer) or hang up (require).
        let mut next = [0u8; 8];
        if client.read_exact(&mut next).await.is_err() {
            return;
        }
        seen.plain.fetch_add(1, Ordering::SeqCst);
        server.write_all(&next).await.unwrap();
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        return;
    };
    client.write_all(b"S").await.unwrap();
    // A client that rejects the certificate ends the handshake: nothing reaches the server.
    let Ok(mut client) = TlsAcceptor::from(config).accept(client).await else { return };
    seen.encrypted.fetch_add(1, Ordering::SeqCst);
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}

/// The real server's address, from the database URL.
fn upstream(db: &TestDb) -> SocketAddr {
    let options: PgConnectOptions = db.url().parse().unwrap();
    let host = match options.get_host() {
        "localhost" => "127.0.0.1",
        host => host,
    };
    format!("{host}:{}", options.get_port()).parse().unwrap()
}

/// `db`'s URL pointed at `host:port` with `params` added.
fn through(db: &TestDb, host: &str, port: u16, params: &str) -> String {
    let name = db.url().rsplit('/').next().unwrap().split('?').next().unwrap();
    format!("postgres://postgres@{host}:{port}/{name}?{params}")
}

/// The store works: it migrated on open and answers a query.
async fn usable(store: &PgStore) {
    assert!(store.admins().await.unwrap().is_empty());
}

#[tokio::test]
async fn verify_full_with_the_servers_ca_connects_encrypted() {
    let Some(db) = TestDb::create().await else { return };
    let ca = TestCa::new("good");
    let front = Front::start(upstream(&db), Some(ca.server_config("localhost"))).await;
    let url = through(
        &db,
        "localhost",
        front.address.port(),
        &format!("sslmode=verify-full&sslrootcert={}", ca.path()),
    );

    let store = PgStore::open(&url).await.unwrap();
    usable(&store).await;
    store.close().await;
    assert!(front.encrypted() >= 1, "the store spoke TLS");
    assert_eq!(front.plain(), 0, "and never plain text");
    db.drop_database().await;
}

#[tokio::test]
async fn verify_full_refuses_a_certificate_for_another_name_or_from_another_ca() {
    let Some(db) = TestDb::create().await else { return };
    let ca = TestCa::new("trusted");
    let stranger = TestCa::new("stranger");
    let wrong_name = Front::start(upstream(&db), Some(ca.server_config("db.elsewhere.test"))).await;
    let wrong_ca = Front::start(upstream(&db), Some(stranger.server_config("localhost"))).await;

    for front in [&wrong_name, &wrong_ca] {
        let url = through(
            &db,
            "localhost",
            front.address.port(),
            &format!("sslmode=verify-full&sslrootcert={}", ca.path()),
        );
        let err = PgStore::open(&url).await.unwrap_err().to_string();
        assert!(err.to_lowercase().contains("certificate") || err.contains("TLS"), "{err}");
        assert_eq!((front.encrypted(), front.plain()), (0, 0), "nothing reached the server");
    }
    db.drop_database().await;
}

#[tokio::test]
async fn tls_required_refuses_a_server_without_tls_and_prefer_falls_back() {
    let Some(db) = TestDb::create().await else { return };
    let plain_server = Front::start(upstream(&db), None).await;
    let port = plain_server.address.port();

    for mode in ["require", "verify-ca", "verify-full"] {
        let err =
            PgStore::open(&through(&db, "127.0.0.1", port, &format!("sslmode={mode}"))).await.unwrap_err();
        let err = err.to_string();
        assert!(err.contains("TLS") || err.contains("SSL"), "sslmode={mode}: {err}");
    }
    assert_eq!(plain_server.plain(), 0, "no startup message was sent in plain text");

    // Without sslmode (PostgreSQL's default, `prefer`) a server without TLS is still usable.
    let store = PgStore::open(&through(&db, "127.0.0.1", port, "application_name=rollcall")).await.unwrap();
    usable(&store).await;
    store.close().await;
    assert!(plain_server.plain() >= 1);
    db.drop_database().await;
}

#[tokio::test]
async fn sslmode_require_encrypts_against_the_local_server_when_it_has_tls() {
    let Some(db) = TestDb::create().await else { return };
    let mut probe = PgConnection::connect(db.url()).await.unwrap();
    let ssl: String = sqlx::query_scalar("SHOW ssl").fetch_one(&mut probe).await.unwrap();
    probe.close().await.unwrap();
    if ssl != "on" {
        eprintln!("skipping: the PostgreSQL server at {} has ssl = {ssl}", crate::pg::URL_VAR);
        db.drop_database().await;
        return;
    }
    let joiner = if db.url().contains('?') { '&' } else { '?' };
    let url = format!("{}{joiner}sslmode=require", db.url());
    let store = PgStore::open(&url).await.unwrap();
    usable(&store).await;
    store.close().await;
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert!(encrypted, "sslmode=require gave an encrypted session");
    db.drop_database().await;
}
