//! `alliances doctor`: checks what a running bot needs — the settings, the
//! tokens (`auth.test`), the scopes the token was granted against the ones
//! the bot needs, and the store — and says how to fix each problem.

use crate::config::{
    APP_TOKEN_VAR, BOT_TOKEN_VAR, ENCRYPTION_KEY_VAR, SIGNING_SECRET_VAR, Secrets, Settings,
};
use crate::data_dir::open_store_to_read;
use crate::slack::{BOT_SCOPES, SlackClient};
use crate::store::StoreError;
use std::fmt;
use std::path::Path;

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Whether it is a problem.
    pub problem: bool,
    /// What was found.
    pub what: String,
    /// How to fix it, for a problem.
    pub fix: Option<String>,
}

impl Finding {
    fn fine(what: impl Into<String>) -> Self {
        Self {
            problem: false,
            what: what.into(),
            fix: None,
        }
    }

    fn problem(what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            problem: true,
            what: what.into(),
            fix: Some(fix.into()),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.problem { "✗" } else { "✓" };
        write!(f, "{mark} {}", self.what)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n    fix: {fix}")?;
        }
        Ok(())
    }
}

/// Runs every check: `settings` as loaded (or why they did not load),
/// `secrets` from the environment, and the store in `data_dir`.
pub async fn doctor(
    settings: Result<Settings, String>,
    secrets: &Secrets,
    data_dir: &Path,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let settings = match settings {
        Ok(settings) => {
            findings.push(Finding::fine("the settings load and make sense"));
            settings
        }
        Err(err) => {
            findings.push(Finding::problem(
                format!("the settings: {err}"),
                "correct the setting named above; config/alliances.example.toml lists every one",
            ));
            return findings;
        }
    };
    findings.extend(transports(secrets));
    findings.push(encryption_key(secrets));
    if let Some(token) = &secrets.bot_token {
        findings.extend(slack(&settings, token).await);
    }
    findings.extend(store(&settings, data_dir, secrets).await);
    findings
}

/// Whether calendar addresses can be sealed: the key is optional until
/// someone gives their calendar, and then must be the one that sealed it.
fn encryption_key(secrets: &Secrets) -> Finding {
    use secrecy::ExposeSecret as _;
    let make_one = format!("export {ENCRYPTION_KEY_VAR}=$(openssl rand -base64 32), and keep it");
    match &secrets.encryption_key {
        None => Finding::fine(format!(
            "{ENCRYPTION_KEY_VAR} is not set: nobody can give their calendar until it is ({make_one})"
        )),
        Some(key) => match crate::calendars::CalendarKey::parse(key.expose_secret()) {
            Ok(_) => Finding::fine(format!(
                "{ENCRYPTION_KEY_VAR} is a key: calendar addresses can be sealed"
            )),
            Err(err) => Finding::problem(err.to_string(), make_one),
        },
    }
}

/// Which transports the secrets allow.
fn transports(secrets: &Secrets) -> Vec<Finding> {
    let mut findings = Vec::new();
    if secrets.bot_token.is_none() {
        findings.push(Finding::problem(
            format!("{BOT_TOKEN_VAR} is not set"),
            format!("export {BOT_TOKEN_VAR}=xoxb-… (the app's OAuth & Permissions page shows it)"),
        ));
    }
    match (
        secrets.app_token.is_some(),
        secrets.signing_secret.is_some(),
    ) {
        (false, false) => findings.push(Finding::problem(
            format!(
                "neither {APP_TOKEN_VAR} nor {SIGNING_SECRET_VAR} is set: `serve` has no way in"
            ),
            format!(
                "for Socket Mode (the default) export {APP_TOKEN_VAR}=xapp-… (Basic Information, \
                 App-Level Tokens, with connections:write); for `serve --http`, export \
                 {SIGNING_SECRET_VAR} (Basic Information)"
            ),
        )),
        (socket, http) => findings.push(Finding::fine(match (socket, http) {
            (true, true) => "`serve` can use Socket Mode or HTTP",
            (true, false) => "`serve` can use Socket Mode (no signing secret for --http)",
            _ => "`serve --http` can verify Slack's requests (no app token for Socket Mode)",
        })),
    }
    findings
}

/// The token, and its scopes against [`BOT_SCOPES`].
async fn slack(settings: &Settings, token: &secrecy::SecretString) -> Vec<Finding> {
    let client = match SlackClient::new(settings.slack.api_url.as_str(), token) {
        Ok(client) => client,
        Err(err) => {
            return vec![Finding::problem(
                err.to_string(),
                "install the system's CA certificates",
            )];
        }
    };
    let (team, bot) = match client.auth_test().await {
        Ok(who) => who,
        Err(err) => {
            return vec![Finding::problem(
                format!(
                    "Slack at {} refuses or cannot be reached: {err}",
                    settings.slack.api_url.as_str()
                ),
                "check the bot token and that this machine reaches Slack (proxy, firewall, `slack.api_url`)",
            )];
        }
    };
    let mut findings = vec![Finding::fine(format!(
        "the bot token works: workspace {team}, bot user {bot}"
    ))];
    match client.granted_scopes().await {
        Ok(Some(granted)) => {
            let missing: Vec<&str> = BOT_SCOPES
                .iter()
                .copied()
                .filter(|scope| !granted.iter().any(|g| g == scope))
                .collect();
            let extra: Vec<&String> = granted
                .iter()
                .filter(|g| !BOT_SCOPES.contains(&g.as_str()))
                .collect();
            if missing.is_empty() {
                findings.push(Finding::fine("the token has every scope the bot needs"));
            } else {
                findings.push(Finding::problem(
                    format!("the token lacks these scopes: {}", missing.join(", ")),
                    "add them to the app (deploy/slack-app-manifest.yml lists them, each with \
                     its reason) and reinstall it to the workspace",
                ));
            }
            if !extra.is_empty() {
                let extra: Vec<&str> = extra.iter().map(|s| s.as_str()).collect();
                findings.push(Finding::fine(format!(
                    "the token also has scopes the bot does not use: {} (least privilege: \
                     remove them from the app)",
                    extra.join(", ")
                )));
            }
        }
        Ok(None) => findings.push(Finding::fine(
            "Slack did not say which scopes the token has; not checked",
        )),
        Err(err) => findings.push(Finding::problem(
            format!("the scopes could not be read: {err}"),
            "run doctor again; if it persists, check the token",
        )),
    }
    findings
}

/// The store: it opens, and what it holds.
async fn store(settings: &Settings, data_dir: &Path, secrets: &Secrets) -> Vec<Finding> {
    if settings.store.url.is_none() && !data_dir.exists() {
        return vec![Finding::fine(format!(
            "no store yet in {}: `serve` or `tick` creates it",
            data_dir.display()
        ))];
    }
    let store = match open_store_to_read(settings, data_dir).await {
        Ok(store) => store,
        Err(StoreError::InUse { .. }) => {
            return vec![Finding::fine(format!(
                "the store in {} is in use by a running bot; not checked",
                data_dir.display()
            ))];
        }
        // The sentence says what to do: migrate, upgrade, or reach it.
        Err(err) if settings.store.url.is_some() => {
            return vec![Finding::problem(
                format!("the database does not open: {err}"),
                "check the database that ALLIANCES_DATABASE_URL (or store.url) names; \
                 docs/operating.md says how the bot uses it",
            )];
        }
        Err(err) => {
            return vec![Finding::problem(
                format!("the store does not open: {err}"),
                restore_fix(),
            )];
        }
    };
    let mut findings = vec![store_contents(&store).await];
    findings.extend(calendars(&store, secrets).await);
    findings
}

/// What the store holds, and whether messages failed.
async fn store_contents(store: &crate::store::Store) -> Finding {
    let queued = store.outbox().await.map(|items| {
        let pending = items.iter().filter(|i| i.is_pending()).count();
        (pending, items.len() - pending)
    });
    let counted = store.interaction_count().await;
    match (
        store.schema_version().await,
        store.people().await,
        queued,
        counted,
    ) {
        (Ok(schema), Ok(people), Ok((pending, failed)), Ok(interactions)) => {
            let what = format!(
                "the store in {} opens: schema {schema}, {} people, {} interactions, \
                 {pending} messages queued, {failed} failed",
                store.place(),
                crate::domain::number(people.len()),
                crate::domain::number(interactions)
            );
            if failed > 0 {
                Finding::problem(
                    what,
                    "`/alliances status` (as an admin) says why they failed; they are \
                     pruned after a while",
                )
            } else {
                Finding::fine(what)
            }
        }
        (Err(err), _, _, _) | (_, Err(err), _, _) | (_, _, Err(err), _) | (_, _, _, Err(err)) => {
            Finding::problem(format!("the store cannot be read: {err}"), restore_fix())
        }
    }
}

/// Whether the calendars people gave can be read: their addresses open
/// with the key set now. Says how many, never whose.
async fn calendars(store: &crate::store::Store, secrets: &Secrets) -> Option<Finding> {
    use secrecy::ExposeSecret as _;
    let feeds = match store.calendars().await {
        Ok(feeds) if feeds.is_empty() => return None,
        Ok(feeds) => feeds,
        Err(err) => {
            return Some(Finding::problem(
                format!("the calendars given cannot be read: {err}"),
                restore_fix(),
            ));
        }
    };
    let given = crate::domain::plural(feeds.len(), "calendar was given", "calendars were given");
    let key = secrets
        .encryption_key
        .as_ref()
        .and_then(|key| crate::calendars::CalendarKey::parse(key.expose_secret()).ok());
    let Some(key) = key else {
        return Some(Finding::problem(
            format!("{given}, but {ENCRYPTION_KEY_VAR} is not a key: none is read"),
            format!("set {ENCRYPTION_KEY_VAR} to the key that sealed them"),
        ));
    };
    let closed = feeds
        .iter()
        .filter(|feed| key.open(&feed.owner, &feed.address).is_err())
        .count();
    Some(match closed {
        0 => Finding::fine(format!(
            "{given}: every address opens with {ENCRYPTION_KEY_VAR}"
        )),
        _ => Finding::problem(
            format!(
                "{given}, and {closed} of their addresses do not open with {ENCRYPTION_KEY_VAR}: it is not the key that sealed them"
            ),
            format!(
                "set {ENCRYPTION_KEY_VAR} to the key they were sealed with; without it, those people must give their calendar again (`/alliances calendar`)"
            ),
        ),
    })
}

fn restore_fix() -> &'static str {
    "the message above names the backup to restore and the command; \
     docs/operating.md explains backups"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_reads_as_a_mark_a_sentence_and_its_fix() {
        let problem = Finding::problem("the token lacks these scopes: im:write", "add them");
        assert_eq!(
            problem.to_string(),
            "✗ the token lacks these scopes: im:write\n    fix: add them"
        );
        assert_eq!(Finding::fine("all good").to_string(), "✓ all good");
    }
}
