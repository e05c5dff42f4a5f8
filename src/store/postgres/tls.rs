//! How the store's connections are encrypted: chosen by the connection
//! string's `sslmode` and `sslrootcert`, in libpq's words, which the
//! rust-postgres client does not all know, so they are read here first.
//!
//! - no `sslmode`, or `disable`: plain text, as a database on the same
//!   machine or a private network is usually reached;
//! - `require`, `verify-ca` or `verify-full`: TLS (rustls, on the ring
//!   provider the rest of the bot uses), and the server's certificate is
//!   always checked, chain and host name, against `sslrootcert` (a PEM
//!   file, such as the CA of a CloudNativePG cluster or of a managed
//!   service) or else the system's roots. libpq's `require` encrypts
//!   without checking who answers; here it checks, as `verify-full` does,
//!   so that no setting encrypts to an impostor;
//! - `prefer` and `allow` are refused with a sentence: each falls back to
//!   plain text when the server does not offer TLS, so a connection
//!   string that names one promises what it may not keep.

use super::super::StoreError;
use crate::domain::percent_decoded;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// What the store connects with: the client's settings, and TLS for when
/// they ask for it.
pub(super) struct Connecting {
    pub config: tokio_postgres::Config,
    pub tls: MakeRustlsConnect,
}

/// Reads `url` (`postgres://…?sslmode=…&sslrootcert=…`, or libpq's
/// `key=value` form) into the client's settings and the TLS they use;
/// `place` names the database in errors.
pub(super) fn connecting(url: &str) -> Result<Connecting, StoreError> {
    let (rest, asked) = split_tls(url.trim());
    let mut config: tokio_postgres::Config = rest.parse().map_err(|_| StoreError::Database {
        place: "the database".into(),
        problem: "its connection string does not parse (expected \
                  postgres://user:password@host:port/database)"
            .into(),
    })?;
    let place = super::place_of(&config);
    let refused = |problem: String| StoreError::Database {
        place: place.clone(),
        problem,
    };
    // The client's own default: anything else means it read an sslmode
    // that was not taken out above, and the choice below would overrule
    // it, perhaps with plain text.
    if config.get_ssl_mode() != SslMode::Prefer {
        return Err(refused(
            "its connection string names sslmode in a way this bot does not read (escaped, \
             quoted or spaced): write it as sslmode=verify-full"
                .into(),
        ));
    }
    let encrypted = match asked.mode.as_deref() {
        None | Some("disable") => false,
        Some("require" | "verify-ca" | "verify-full") => true,
        Some(mode @ ("prefer" | "allow")) => {
            return Err(refused(format!(
                "its connection string says sslmode={mode}, which falls back to plain text when \
                 the server offers no TLS: say sslmode=verify-full (with sslrootcert=the CA's \
                 PEM file) to encrypt, or sslmode=disable"
            )));
        }
        Some(other) => {
            return Err(refused(format!(
                "its connection string says sslmode={other}, which is none of disable, require, \
                 verify-ca or verify-full"
            )));
        }
    };
    if !encrypted && config.get_ssl_negotiation() == tokio_postgres::config::SslNegotiation::Direct
    {
        return Err(refused(
            "its connection string asks for sslnegotiation=direct, which is TLS: say sslmode=verify-full too"
                .into(),
        ));
    }
    config.ssl_mode(match encrypted {
        true => SslMode::Require,
        false => SslMode::Disable,
    });
    let roots = match (&asked.root_cert, encrypted) {
        (Some(file), _) => roots_from(file).map_err(refused)?,
        (None, true) => system_roots().map_err(refused)?,
        // Never used: the connections are plain.
        (None, false) => rustls::RootCertStore::empty(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| refused(format!("TLS could not be set up ({e})")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Connecting {
        config,
        tls: MakeRustlsConnect::new(tls),
    })
}

/// The TLS settings a connection string names, in libpq's words.
#[derive(Debug, Default, PartialEq, Eq)]
struct AskedTls {
    mode: Option<String>,
    root_cert: Option<PathBuf>,
}

/// `url` without `sslmode` and `sslrootcert`, and what they said. What
/// it does not see (a key written with spaces around its `=`, say) the
/// client may still read: [`connecting`] refuses a URL whose remainder
/// names an `sslmode`, rather than connect in plain text.
fn split_tls(url: &str) -> (String, AskedTls) {
    let mut asked = AskedTls::default();
    let mut take = |key: &str, value: &str| match key {
        "sslmode" => {
            asked.mode = Some(value.to_owned());
            true
        }
        "sslrootcert" => {
            asked.root_cert = Some(PathBuf::from(value));
            true
        }
        _ => false,
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        // The query begins after the user's part, which runs to the
        // first `@` as the client reads it: a `?` in a password is not it.
        let after_user = url.find('@').map_or(0, |at| at + 1);
        let Some(query_at) = url[after_user..].find('?').map(|at| after_user + at) else {
            return (url.to_owned(), asked);
        };
        let (base, query) = (&url[..query_at], &url[query_at + 1..]);
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                !take(&percent_decoded(key), &percent_decoded(value))
            })
            .collect();
        let rest = match kept.is_empty() {
            true => base.to_owned(),
            false => format!("{base}?{}", kept.join("&")),
        };
        return (rest, asked);
    }
    // libpq's `key=value` form: the two keys are taken out where they
    // stand, unquoted, and everything else is left as it was written.
    let mut rest = String::with_capacity(url.len());
    let mut kept_from = 0;
    for (start, end) in unquoted_words(url) {
        let word = &url[start..end];
        let (key, value) = word.split_once('=').unwrap_or((word, ""));
        if take(key, value) {
            rest.push_str(&url[kept_from..start]);
            kept_from = end;
        }
    }
    rest.push_str(&url[kept_from..]);
    (rest.trim().to_owned(), asked)
}

/// Where each word of a `key=value` connection string starts and ends:
/// split at whitespace outside single quotes, a backslash escaping the
/// character after it.
fn unquoted_words(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let (mut start, mut quoted, mut escaped) = (None, false, false);
    for (at, c) in text.char_indices() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '\'') => quoted = !quoted,
            (false, c) if c.is_whitespace() && !quoted => {
                if let Some(from) = start.take() {
                    words.push((from, at));
                }
                continue;
            }
            _ => {}
        }
        start.get_or_insert(at);
    }
    if let Some(from) = start {
        words.push((from, text.len()));
    }
    words
}

/// The certificates of the PEM file `file`, as the only roots trusted.
fn roots_from(file: &std::path::Path) -> Result<rustls::RootCertStore, String> {
    let unreadable = |why: String| {
        format!(
            "the CA file its connection string names (sslrootcert={}) {why}",
            file.display()
        )
    };
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(file)
        .map_err(|e| unreadable(format!("cannot be read ({e})")))?
        .collect::<Result<_, _>>()
        .map_err(|e| unreadable(format!("is not PEM ({e})")))?;
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certificates);
    if added == 0 {
        return Err(unreadable("holds no certificate".into()));
    }
    Ok(roots)
}

/// The system's trusted roots.
fn system_roots() -> Result<rustls::RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(
            "its connection string asks for TLS, but this machine has no trusted root \
                    certificates: name the database's CA with sslrootcert=PATH"
                .into(),
        );
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres::PgStore;

    fn asked(mode: Option<&str>, root_cert: Option<&str>) -> AskedTls {
        AskedTls {
            mode: mode.map(str::to_owned),
            root_cert: root_cert.map(PathBuf::from),
        }
    }

    #[test]
    fn the_tls_settings_are_read_out_of_either_form_of_connection_string() {
        assert_eq!(
            split_tls(
                "postgres://bot@db:5432/alliances?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.crt&application_name=x"
            ),
            (
                "postgres://bot@db:5432/alliances?application_name=x".to_owned(),
                asked(Some("verify-full"), Some("/etc/ca.crt"))
            )
        );
        assert_eq!(
            split_tls("postgresql://bot@db/alliances?sslmode=require"),
            (
                "postgresql://bot@db/alliances".to_owned(),
                asked(Some("require"), None)
            )
        );
        assert_eq!(
            split_tls("host=db dbname=alliances sslmode=verify-ca sslrootcert=/run/ca.pem"),
            (
                "host=db dbname=alliances".to_owned(),
                asked(Some("verify-ca"), Some("/run/ca.pem"))
            )
        );
        assert_eq!(
            split_tls("postgres://bot@db/alliances"),
            ("postgres://bot@db/alliances".to_owned(), asked(None, None))
        );
        // A `?` in the password is not the query; an escaped key is a key.
        assert_eq!(
            split_tls("postgres://bot:pa?ss@db/x?ssl%6Dode=require"),
            (
                "postgres://bot:pa?ss@db/x".to_owned(),
                asked(Some("require"), None)
            )
        );
        // A quoted value is left whole, whatever it says.
        let (rest, tls) =
            split_tls("host=db sslmode=require application_name='a sslmode=disable b'");
        assert_eq!(tls, asked(Some("require"), None));
        assert!(
            rest.ends_with("application_name='a sslmode=disable b'"),
            "{rest}"
        );
    }

    #[test]
    fn an_sslmode_the_bot_cannot_see_is_refused_rather_than_overruled() {
        for url in [
            "host=db dbname=alliances sslmode = require",
            "postgres://db/alliances?sslnegotiation=direct",
        ] {
            let Err(refused) = connecting(url) else {
                panic!("{url} was taken");
            };
            assert!(refused.to_string().contains("sslmode"), "{refused}");
        }
    }

    #[test]
    fn a_mode_that_may_fall_back_to_plain_text_is_refused_with_what_to_say() {
        for mode in ["prefer", "allow"] {
            let Err(refused) = connecting(&format!("postgres://bot@db/alliances?sslmode={mode}"))
            else {
                panic!("sslmode={mode} was taken");
            };
            let said = refused.to_string();
            assert!(said.contains("sslmode=verify-full"), "{said}");
        }
        let Err(refused) = connecting(
            "postgres://bot@db/alliances?sslmode=verify-full&sslrootcert=/nowhere/ca.pem",
        ) else {
            panic!("a missing CA file was taken");
        };
        assert!(refused.to_string().contains("/nowhere/ca.pem"), "{refused}");
        assert!(connecting("postgres://bot@db/alliances").is_ok());
    }

    /// Runs `openssl` in `dir` with `args`.
    fn openssl(dir: &std::path::Path, args: &[&str]) {
        let made = std::process::Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }

    /// A CA named `name` in `dir`: `name.crt` and `name.key`.
    fn certificate_authority(dir: &std::path::Path, name: &str) {
        let (crt, key) = (format!("{name}.crt"), format!("{name}.key"));
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                &format!("/CN={name}"),
                "-keyout",
                &key,
                "-out",
                &crt,
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_database_that_requires_tls_is_reached_only_with_its_ca() {
        use throwaway_postgres::{Cluster, Durability};
        if std::process::Command::new("openssl")
            .arg("version")
            .output()
            .is_err()
        {
            eprintln!("skipped: no openssl on this machine to make certificates with");
            return;
        }
        let Some(cluster) = Cluster::for_tests(Durability::NoFsync) else {
            return;
        };
        let url = cluster.create_database().unwrap();
        // A CA of the database's, a server certificate it signed for
        // 127.0.0.1, and another CA that signed nothing of it.
        let certs = tempfile::tempdir().unwrap();
        let dir = certs.path();
        certificate_authority(dir, "ca");
        certificate_authority(dir, "stranger");
        std::fs::write(
            dir.join("san.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.cnf",
                "-out",
                "server.crt",
            ],
        );
        // The server takes them, and turns away every connection in plain
        // text, as a managed database that requires TLS does.
        let data = cluster.data_dir();
        let owner = std::fs::metadata(&data).unwrap();
        for file in ["server.crt", "server.key"] {
            std::fs::copy(dir.join(file), data.join(file)).unwrap();
            use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
            chown(data.join(file), Some(owner.uid()), Some(owner.gid())).unwrap();
            std::fs::set_permissions(data.join(file), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        let hba = data.join("pg_hba.conf");
        let rules = std::fs::read_to_string(&hba).unwrap();
        std::fs::write(&hba, format!("hostnossl all all all reject\n{rules}")).unwrap();
        let plain = PgStore::connect(&url, crate::domain::HalfLife::DEFAULT)
            .await
            .unwrap();
        let client = plain.client().await.unwrap();
        // One statement at a time: ALTER SYSTEM runs in no transaction.
        for statement in [
            "ALTER SYSTEM SET ssl = on",
            "ALTER SYSTEM SET ssl_cert_file = 'server.crt'",
            "ALTER SYSTEM SET ssl_key_file = 'server.key'",
            "SELECT pg_reload_conf()",
        ] {
            client.batch_execute(statement).await.unwrap();
        }
        drop(client);
        drop(plain);

        let with = |extra: &str| format!("{url}?{extra}");
        let ca = dir.join("ca.crt").display().to_string();
        let start = std::time::Instant::now();
        let store = loop {
            match PgStore::connect(
                &with(&format!("sslmode=verify-full&sslrootcert={ca}")),
                crate::domain::HalfLife::DEFAULT,
            )
            .await
            {
                Ok(store) => break store,
                Err(_) if start.elapsed() < std::time::Duration::from_secs(5) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(error) => panic!("never reached over TLS: {error}"),
            }
        };
        let encrypted: bool = store
            .client()
            .await
            .unwrap()
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert!(encrypted);
        // The listener's connection is encrypted too.
        while !store.kept_people.is_listening() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "the listener never listened"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }

        // A password, which trust lets through, to show it is never told.
        let url = url.replacen("://alliances@", "://alliances:hunter2@", 1);
        assert!(url.contains("hunter2"));
        let with = |extra: &str| format!("{url}?{extra}");
        // In plain text: the server's refusal, in its words.
        let refused = PgStore::connect(&url, crate::domain::HalfLife::DEFAULT)
            .await
            .unwrap_err()
            .to_string();
        assert!(refused.contains("no encryption"), "{refused}");
        assert!(!refused.contains("hunter2"), "{refused}");
        // With a CA that did not sign its certificate, or with the
        // system's roots alone: refused, whatever the mode.
        let stranger = dir.join("stranger.crt").display().to_string();
        for extra in [
            format!("sslmode=verify-full&sslrootcert={stranger}"),
            format!("sslmode=require&sslrootcert={stranger}"),
            "sslmode=require".to_owned(),
        ] {
            let refused = PgStore::connect(&with(&extra), crate::domain::HalfLife::DEFAULT).await;
            let Err(refused) = refused else {
                panic!("{extra} reached a server whose certificate it cannot trust");
            };
            assert!(!refused.to_string().contains("hunter2"));
        }
    }
}
