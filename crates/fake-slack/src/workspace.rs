//! The fake workspace's data: the people, channels, user groups and secrets
//! it is started with, and the ids and names Slack gives the workspace, the
//! bot and the app. [`super::directory`] checks it and looks things up in it.

/// The user id `auth.test` gives for the bot itself, in Slack's shape.
pub const BOT_USER_ID: &str = "UBOT00001";
/// The bot id `auth.test` gives (Slack's `B…` ids name the app's bot).
pub const BOT_ID: &str = "BFAKE0001";
/// The workspace's team id, as Slack writes it.
pub const TEAM_ID: &str = "TFAKE0001";
/// The workspace's name.
pub const TEAM_NAME: &str = "Fake Workspace";
/// The workspace's subdomain, as slash commands carry it (`team_domain`).
pub const TEAM_DOMAIN: &str = "fake-workspace";
/// The app's id: Socket Mode's `hello` and every delivery name it.
pub const APP_ID: &str = "A0FAKE";
/// The id of the custom profile field that holds a person's team. Slack's
/// custom field ids look like `Xf0…`.
pub const TEAM_FIELD_ID: &str = "Xf0TEAM";
/// The app-level token [`Workspace::new`] gives (Slack's are `xapp-…`).
pub const DEFAULT_APP_TOKEN: &str = "xapp-fake-app-token";
/// The signing secret [`Workspace::new`] gives.
pub const DEFAULT_SIGNING_SECRET: &str = "fake-signing-secret";
/// The label of the team field [`Workspace::new`] gives.
pub const DEFAULT_TEAM_FIELD_LABEL: &str = "Team";
/// The domain of every person's email ([`FakeUser::email`]): reserved for
/// examples by RFC 2606, so that no fake address can reach anyone.
pub const EMAIL_DOMAIN: &str = "example.com";

/// What a fake workspace holds when it starts.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The bot token (`xoxb-…`): every Web API method but
    /// `apps.connections.open` takes it, as `Authorization: Bearer <token>`.
    pub bot_token: String,
    /// The app-level token (`xapp-…`): only `apps.connections.open` takes
    /// it, to open a Socket Mode connection.
    pub app_token: String,
    /// The secret the fake signs its HTTP deliveries to the bot with.
    pub signing_secret: String,
    /// Everyone in the workspace, bots and deactivated users included, in the
    /// order `users.list` gives them.
    pub users: Vec<FakeUser>,
    /// The channels, reachable by id or by name, in the order
    /// `conversations.list` gives them; public but for
    /// [`Workspace::private_channels`].
    pub channels: Vec<FakeChannel>,
    /// The label of the custom profile field that holds a person's team, as
    /// `team.profile.get` gives it (an admin names it; "Team" is common).
    pub team_field_label: String,
    /// The user groups (`@handle`s), in the order `usergroups.list` gives them.
    pub usergroups: Vec<FakeUserGroup>,
    /// The bot token's scopes, which Slack names in the `x-oauth-scopes`
    /// header of every Web API answer; `None` sends no such header (and
    /// lets every method through, as if every scope were granted).
    pub granted_scopes: Option<Vec<String>>,
    /// The channels the bot has not been invited to: a post or a file
    /// shared there is answered `not_in_channel`, as Slack answers a bot
    /// without `chat:write.public`, and `conversations.list` leaves out
    /// the private ones among them, as Slack does. Empty by default: the
    /// bot is in every channel.
    pub channels_without_bot: Vec<String>,
    /// The private channels among [`Workspace::channels`]: listed only
    /// with `groups:read`, and only if the bot is in them. Empty by default.
    pub private_channels: Vec<String>,
    /// The archived channels among [`Workspace::channels`]:
    /// `conversations.list` leaves them out when asked to
    /// (`exclude_archived`). Empty by default.
    pub archived_channels: Vec<String>,
}

impl Workspace {
    /// A workspace of these people and channels with the default app token,
    /// signing secret and team field label, and no user groups.
    pub fn new(
        bot_token: impl Into<String>,
        users: Vec<FakeUser>,
        channels: Vec<FakeChannel>,
    ) -> Self {
        Self {
            bot_token: bot_token.into(),
            app_token: DEFAULT_APP_TOKEN.to_owned(),
            signing_secret: DEFAULT_SIGNING_SECRET.to_owned(),
            users,
            channels,
            team_field_label: DEFAULT_TEAM_FIELD_LABEL.to_owned(),
            usergroups: Vec::new(),
            granted_scopes: None,
            channels_without_bot: Vec::new(),
            private_channels: Vec::new(),
            archived_channels: Vec::new(),
        }
    }
}

/// A user group of the fake workspace, such as `@payments-team`.
#[derive(Debug, Clone)]
pub struct FakeUserGroup {
    /// Its Slack id; Slack's user group ids start with `S`.
    pub id: String,
    /// Its handle, without the leading `@`.
    pub handle: String,
    /// Its display name, such as `Payments team`.
    pub name: String,
    /// Its members, in the order `usergroups.users.list` gives them.
    pub members: Vec<String>,
}

/// A member of the fake workspace.
#[derive(Debug, Clone)]
pub struct FakeUser {
    /// Their Slack id, such as `U024BE7LH` (`W…` on Enterprise Grid).
    pub id: String,
    /// Their handle, such as `alice.ito`; `users.list` also gives it as the
    /// profile's display name.
    pub name: String,
    /// Their full name, such as `Alice Ito`.
    pub real_name: String,
    /// Their IANA time zone, such as `Europe/Paris`.
    pub tz: String,
    /// Their team. Slack shows it as a custom profile field (see
    /// [`Workspace::team_field_label`]), which `users.list` does not carry:
    /// `users.profile.get` gives it.
    pub team: Option<String>,
    /// A bot user: listed, but never a person to nudge.
    pub is_bot: bool,
    /// Deactivated: listed, but a DM to them is refused.
    pub deleted: bool,
}

impl FakeUser {
    /// Their email, `{name}@{EMAIL_DOMAIN}`, as `users.list` and
    /// `users.profile.get` give it when the token has `users:read.email`;
    /// `None` for a bot, which Slack gives no email. Derived from the
    /// handle rather than stored, so that every workspace built before
    /// emails mattered has them too.
    pub fn email(&self) -> Option<String> {
        (!self.is_bot).then(|| format!("{}@{EMAIL_DOMAIN}", self.name))
    }
}

/// A channel of the fake workspace (public unless it is among
/// [`Workspace::private_channels`]).
#[derive(Debug, Clone)]
pub struct FakeChannel {
    /// Its Slack id, such as `C024BE91L` (`G…` for an older private one).
    pub id: String,
    /// Its name, without the leading `#`.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_workspace_has_the_documented_defaults() {
        let workspace = Workspace::new("xoxb-1", vec![], vec![]);
        assert_eq!(workspace.app_token, "xapp-fake-app-token");
        assert_eq!(workspace.signing_secret, "fake-signing-secret");
        assert_eq!(workspace.team_field_label, "Team");
        assert!(workspace.usergroups.is_empty());
    }

    #[test]
    fn a_person_has_an_email_from_their_handle_and_a_bot_has_none() {
        let mut user = FakeUser {
            id: "U1".into(),
            name: "alice.ito".into(),
            real_name: "Alice Ito".into(),
            tz: "Europe/Paris".into(),
            team: None,
            is_bot: false,
            deleted: false,
        };
        assert_eq!(user.email().as_deref(), Some("alice.ito@example.com"));
        user.is_bot = true;
        assert_eq!(user.email(), None);
    }
}
