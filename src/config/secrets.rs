//! The secrets: from the environment only, never from the config file,
//! and never formatted.

use secrecy::SecretString;

/// The secrets, from the environment only. Their `Debug` shows no value.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// `ALLIANCES_SLACK_BOT_TOKEN`: the bot token (`xoxb-…`).
    pub bot_token: Option<SecretString>,
    /// `ALLIANCES_SLACK_APP_TOKEN`: the app-level token (`xapp-…`) Socket Mode needs.
    pub app_token: Option<SecretString>,
    /// `ALLIANCES_SLACK_SIGNING_SECRET`: checks that HTTP requests come from Slack.
    pub signing_secret: Option<SecretString>,
    /// `ALLIANCES_INSIGHTS_TOKEN`: opens the admins' insights page.
    pub insights_token: Option<SecretString>,
    /// `ALLIANCES_ENCRYPTION_KEY`: seals the calendar addresses people give
    /// (see `calendars::CalendarKey`).
    pub encryption_key: Option<SecretString>,
}

/// The environment variable holding the bot token.
pub const BOT_TOKEN_VAR: &str = "ALLIANCES_SLACK_BOT_TOKEN";
/// The environment variable holding the app-level token.
pub const APP_TOKEN_VAR: &str = "ALLIANCES_SLACK_APP_TOKEN";
/// The environment variable holding the signing secret.
pub const SIGNING_SECRET_VAR: &str = "ALLIANCES_SLACK_SIGNING_SECRET";
/// The environment variable holding the insights page's access token.
pub const INSIGHTS_TOKEN_VAR: &str = "ALLIANCES_INSIGHTS_TOKEN";
/// The environment variable holding the key calendar addresses are sealed
/// with.
pub const ENCRYPTION_KEY_VAR: &str = "ALLIANCES_ENCRYPTION_KEY";

impl Secrets {
    /// Reads the secrets from the environment through `env`, without the
    /// whitespace around them: a secret mounted from a file, or written
    /// with `echo`, ends with a newline that is no part of it (and would
    /// make every signature check fail).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        let secret = |name| {
            env(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .map(SecretString::from)
        };
        Self {
            bot_token: secret(BOT_TOKEN_VAR),
            app_token: secret(APP_TOKEN_VAR),
            signing_secret: secret(SIGNING_SECRET_VAR),
            insights_token: secret(INSIGHTS_TOKEN_VAR),
            encryption_key: secret(ENCRYPTION_KEY_VAR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_lose_the_whitespace_around_them_and_blank_ones_are_missing() {
        use secrecy::ExposeSecret as _;
        let env = |name: &str| match name {
            SIGNING_SECRET_VAR => Some("8f14e45fceea167a\n".to_owned()),
            BOT_TOKEN_VAR => Some("  xoxb-1-2-3\r\n".to_owned()),
            APP_TOKEN_VAR => Some(" \n".to_owned()),
            _ => None,
        };
        let secrets = Secrets::from_env(env);
        let exposed =
            |secret: &Option<SecretString>| secret.as_ref().map(|s| s.expose_secret().to_owned());
        assert_eq!(
            exposed(&secrets.signing_secret).as_deref(),
            Some("8f14e45fceea167a")
        );
        assert_eq!(exposed(&secrets.bot_token).as_deref(), Some("xoxb-1-2-3"));
        assert_eq!(exposed(&secrets.app_token), None);
        assert_eq!(exposed(&secrets.insights_token), None);
    }
}
