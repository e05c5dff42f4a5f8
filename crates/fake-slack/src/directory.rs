//! The fake workspace as the method handlers see it: [`Directory`] checks
//! a [`Workspace`] once, when the fake starts, and builds the look-ups the
//! handlers need, and keeps the conversations (DMs) that calls open while
//! it runs. It knows nothing of HTTP and nothing of what was recorded.

use super::workspace::{FakeChannel, FakeUser, FakeUserGroup, Workspace};
use std::collections::{HashMap, HashSet};
use std::io;

/// Where a message addressed to a channel goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Destination {
    /// The conversation's id.
    pub channel: String,
    /// What kind of conversation it is.
    pub kind: ConversationKind,
}

/// The kinds of conversation a message can go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ConversationKind {
    /// A public channel of the workspace.
    Channel,
    /// The bot's DM with this person.
    Dm(String),
    /// A multi-person DM.
    GroupDm,
}

/// The checked workspace and its look-ups, plus the DMs opened so far.
#[derive(Debug)]
pub(super) struct Directory {
    workspace: Workspace,
    user_index: HashMap<String, usize>,
    channel_by_id: HashSet<String>,
    channel_by_name: HashMap<String, String>,
    /// Every user's DM id is fixed at start, so that reopening a DM (or
    /// restarting the fake with the same workspace) gives the same id.
    dm_for_user: HashMap<String, String>,
    open_dms: HashMap<String, String>,
    /// Multi-person DMs, keyed by their sorted members.
    group_dms: HashMap<Vec<String>, String>,
    group_dm_ids: HashSet<String>,
    /// An admin revoked the bot token: Slack refuses it from then on.
    bot_token_revoked: bool,
}

impl Directory {
    /// Checks `workspace` (tokens and secret, ids in Slack's shape, unique
    /// ids and names, names without `#`, groups of known people) and builds
    /// the look-ups.
    pub fn new(workspace: Workspace) -> io::Result<Self> {
        check_secrets(&workspace)?;
        let mut user_index = HashMap::new();
        for (index, user) in workspace.users.iter().enumerate() {
            check_id("user id", &user.id, USER_ID_PREFIXES)?;
            if user_index.insert(user.id.clone(), index).is_some() {
                return Err(invalid(format!("user {} is listed twice", user.id)));
            }
        }
        let mut channel_by_id = HashSet::new();
        let mut channel_by_name = HashMap::new();
        for channel in &workspace.channels {
            check_id("channel id", &channel.id, CHANNEL_ID_PREFIXES)?;
            if channel.name.is_empty() || channel.name.starts_with('#') {
                return Err(invalid(format!(
                    "channel name `{}` must be non-empty and given without '#'",
                    channel.name
                )));
            }
            if !channel_by_id.insert(channel.id.clone())
                || channel_by_name
                    .insert(channel.name.clone(), channel.id.clone())
                    .is_some()
            {
                return Err(invalid(format!(
                    "channel {} (#{}) is listed twice",
                    channel.id, channel.name
                )));
            }
        }
        check_usergroups(&workspace.usergroups, &user_index)?;
        for (said, channels) in [
            (
                "the bot is said to be absent from",
                &workspace.channels_without_bot,
            ),
            ("private is said to be", &workspace.private_channels),
            ("archived is said to be", &workspace.archived_channels),
        ] {
            if let Some(stranger) = channels
                .iter()
                .find(|c| !channel_by_id.contains(c.as_str()))
            {
                return Err(invalid(format!(
                    "{said} {stranger}, which is not a listed channel"
                )));
            }
        }
        let mut taken = channel_by_id.clone();
        let mut dm_for_user = HashMap::new();
        for user in &workspace.users {
            let dm = dm_id_for(&user.id, &taken)
                .ok_or_else(|| invalid(format!("no DM id is free for user {}", user.id)))?;
            taken.insert(dm.clone());
            dm_for_user.insert(user.id.clone(), dm);
        }
        Ok(Self {
            workspace,
            user_index,
            channel_by_id,
            channel_by_name,
            dm_for_user,
            open_dms: HashMap::new(),
            group_dms: HashMap::new(),
            group_dm_ids: HashSet::new(),
            bot_token_revoked: false,
        })
    }

    /// The token the fake accepts.
    pub fn bot_token(&self) -> &str {
        &self.workspace.bot_token
    }

    /// Whether the bot token was revoked.
    pub fn bot_token_revoked(&self) -> bool {
        self.bot_token_revoked
    }

    /// Revokes the bot token for good: the fake, like Slack, never takes a
    /// revoked token back.
    pub fn revoke_bot_token(&mut self) {
        self.bot_token_revoked = true;
    }

    /// The app-level token, for `apps.connections.open`.
    pub fn app_token(&self) -> &str {
        &self.workspace.app_token
    }

    /// The secret HTTP deliveries are signed with.
    pub fn signing_secret(&self) -> &str {
        &self.workspace.signing_secret
    }

    /// The `x-oauth-scopes` header's value, if the workspace names scopes.
    pub fn granted_scopes(&self) -> Option<String> {
        self.workspace.granted_scopes.as_ref().map(|s| s.join(","))
    }

    /// Whether the token was granted `scope`. A workspace that names no
    /// scopes grants them all.
    pub fn grants(&self, scope: &str) -> bool {
        self.workspace
            .granted_scopes
            .as_ref()
            .is_none_or(|scopes| scopes.iter().any(|granted| granted == scope))
    }

    /// Whether the bot is in `channel`, as `conversations.list` says in
    /// `is_member`, and so may post there: it is in every DM it opened, and
    /// in every channel but those it was not invited to.
    pub fn bot_is_member(&self, channel: &str) -> bool {
        !listed(&self.workspace.channels_without_bot, channel)
    }

    /// The channels, in `conversations.list` order.
    pub fn channels(&self) -> &[FakeChannel] {
        &self.workspace.channels
    }

    /// Whether `channel` is private.
    pub fn is_private(&self, channel: &str) -> bool {
        listed(&self.workspace.private_channels, channel)
    }

    /// Whether `channel` is archived.
    pub fn is_archived(&self, channel: &str) -> bool {
        listed(&self.workspace.archived_channels, channel)
    }

    /// The label of the team profile field.
    pub fn team_field_label(&self) -> &str {
        &self.workspace.team_field_label
    }

    /// The user groups, in `usergroups.list` order.
    pub fn usergroups(&self) -> &[FakeUserGroup] {
        &self.workspace.usergroups
    }

    /// Gives the user group with this handle these members, as an admin
    /// editing it in Slack would; `false` if there is no such group.
    pub fn set_usergroup_members(&mut self, handle: &str, members: Vec<String>) -> bool {
        let group = self
            .workspace
            .usergroups
            .iter_mut()
            .find(|g| g.handle == handle);
        group.map(|group| group.members = members).is_some()
    }

    /// The user group with this id.
    pub fn usergroup(&self, id: &str) -> Option<&FakeUserGroup> {
        self.workspace
            .usergroups
            .iter()
            .find(|group| group.id == id)
    }

    /// The name a slash command gives for the channel it was typed in:
    /// a public channel's name, `directmessage` in a DM and `privategroup`
    /// elsewhere, as Slack does.
    pub fn channel_name_for(&self, id: &str) -> String {
        match self.workspace.channels.iter().find(|c| c.id == id) {
            Some(channel) => channel.name.clone(),
            None if id.starts_with('D') => "directmessage".to_owned(),
            None => "privategroup".to_owned(),
        }
    }

    /// Everyone, in `users.list` order.
    pub fn users(&self) -> &[FakeUser] {
        &self.workspace.users
    }

    /// The member with this id.
    pub fn user(&self, id: &str) -> Option<&FakeUser> {
        self.user_index
            .get(id)
            .and_then(|&index| self.workspace.users.get(index))
    }

    /// The public channel with this name (a leading `#` is ignored).
    pub fn channel_named(&self, name: &str) -> Option<String> {
        let name = name.strip_prefix('#').unwrap_or(name);
        self.channel_by_name.get(name).cloned()
    }

    /// The person at the other end of an opened one-to-one DM.
    pub fn user_for_dm(&self, channel: &str) -> Option<String> {
        self.open_dms.get(channel).cloned()
    }

    /// Opens (or reopens) the DM with `user`: its id, and whether it was
    /// already open.
    pub fn open_dm(&mut self, user: &str) -> Option<(String, bool)> {
        let dm = self.dm_for_user.get(user)?.clone();
        let already_open = self.open_dms.insert(dm.clone(), user.to_owned()).is_some();
        Some((dm, already_open))
    }

    /// Opens (or reopens) the multi-person DM between `users`: its id, and
    /// whether it was already open.
    pub fn open_group_dm(&mut self, users: &[String]) -> Option<(String, bool)> {
        let mut members = users.to_vec();
        members.sort();
        members.dedup();
        if let Some(existing) = self.group_dms.get(&members) {
            return Some((existing.clone(), true));
        }
        // Slack's multi-person DMs have opaque ids; a sequence keeps ours stable
        // for a given order of calls.
        let id = (self.group_dms.len() + 1..)
            .map(|n| format!("GMPDM{n:05}"))
            .find(|id| !self.channel_by_id.contains(id))?;
        self.group_dm_ids.insert(id.clone());
        self.group_dms.insert(members, id.clone());
        Some((id, false))
    }

    /// Where a message addressed to `channel` goes: a channel id, an opened
    /// DM or multi-person DM id, or a channel name with or without `#`.
    pub fn resolve(&self, channel: &str) -> Option<Destination> {
        // Ids never start with `#`, so a name with one is looked up as a name.
        let (channel, kind) = if let Some(user) = self.open_dms.get(channel) {
            (channel.to_owned(), ConversationKind::Dm(user.clone()))
        } else if self.group_dm_ids.contains(channel) {
            (channel.to_owned(), ConversationKind::GroupDm)
        } else if self.channel_by_id.contains(channel) {
            (channel.to_owned(), ConversationKind::Channel)
        } else {
            (self.channel_named(channel)?, ConversationKind::Channel)
        };
        Some(Destination { channel, kind })
    }
}

impl Destination {
    /// The person at the other end, when this is a one-to-one DM.
    pub fn dm_user(&self) -> Option<&str> {
        match &self.kind {
            ConversationKind::Dm(user) => Some(user),
            ConversationKind::Channel | ConversationKind::GroupDm => None,
        }
    }
}

/// Slack's DM ids look like `D…`; we derive one from the user id so that a
/// reader of a failing test can tell whose DM it is.
fn dm_id_for(user: &str, taken: &HashSet<String>) -> Option<String> {
    let suffix = user.get(1..).unwrap_or_default();
    // Two users can share a suffix (`U123` and `W123`): number the later one.
    std::iter::once(format!("D{suffix}"))
        .chain((2..100).map(|n| format!("D{suffix}{n}")))
        .find(|candidate| !taken.contains(candidate))
}

/// Tokens and the secret must be set, and the two tokens must differ: the
/// edge tells a bot call from an app call by its token alone.
fn check_secrets(workspace: &Workspace) -> io::Result<()> {
    let (bot, app) = (&workspace.bot_token, &workspace.app_token);
    for (wrong, why) in [
        (bot.trim().is_empty(), "the bot token is empty"),
        (app.trim().is_empty(), "the app token is empty"),
        (app == bot, "the app token must differ from the bot token"),
        (
            workspace.signing_secret.is_empty(),
            "the signing secret is empty",
        ),
    ] {
        if wrong {
            return Err(invalid(why.to_owned()));
        }
    }
    Ok(())
}

/// Groups have unique `S…` ids and unique handles, and hold known people.
fn check_usergroups(groups: &[FakeUserGroup], users: &HashMap<String, usize>) -> io::Result<()> {
    let mut ids = HashSet::new();
    let mut handles = HashSet::new();
    for group in groups {
        if !group.id.starts_with('S') || group.handle.is_empty() || group.handle.starts_with('@') {
            return Err(invalid(format!(
                "user group `{}` (@{}) needs an S… id and a handle without '@'",
                group.id, group.handle
            )));
        }
        if !ids.insert(group.id.as_str()) || !handles.insert(group.handle.as_str()) {
            return Err(invalid(format!(
                "user group {} (@{}) is listed twice",
                group.id, group.handle
            )));
        }
        if let Some(stranger) = group
            .members
            .iter()
            .find(|member| !users.contains_key(member.as_str()))
        {
            return Err(invalid(format!(
                "user group {} holds unknown user {stranger}",
                group.id
            )));
        }
    }
    Ok(())
}

/// Whether `channel` is among `channels`, one of the workspace's lists of
/// channel ids.
fn listed(channels: &[String], channel: &str) -> bool {
    channels.iter().any(|c| c == channel)
}

/// What a user id starts with: `U`, or `W` on Enterprise Grid.
const USER_ID_PREFIXES: &[char] = &['U', 'W'];
/// What a channel id starts with: `C` public, `G` private, `D` a DM.
const CHANNEL_ID_PREFIXES: &[char] = &['C', 'G', 'D'];

/// Slack's ids are upper-case letters and digits after their kind's
/// prefix (`U024BE7LH`): a workspace's ids must look like Slack's, so that
/// the client meets them as it would meet Slack's.
fn check_id(kind: &str, id: &str, prefixes: &[char]) -> io::Result<()> {
    let well_formed = id.starts_with(prefixes)
        && id
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(invalid(format!(
            "{kind} `{id}` is not in Slack's shape (upper-case letters and digits, like U024BE7LH)"
        )))
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> FakeUser {
        FakeUser {
            id: id.into(),
            name: id.to_lowercase(),
            real_name: id.into(),
            tz: "UTC".into(),
            team: None,
            is_bot: false,
            deleted: false,
        }
    }

    fn channel(id: &str, name: &str) -> FakeChannel {
        FakeChannel {
            id: id.into(),
            name: name.into(),
        }
    }

    fn directory(users: Vec<FakeUser>, channels: Vec<FakeChannel>) -> io::Result<Directory> {
        Directory::new(Workspace::new("xoxb-test", users, channels))
    }

    fn group(id: &str, handle: &str, members: &[&str]) -> FakeUserGroup {
        FakeUserGroup {
            id: id.into(),
            handle: handle.into(),
            name: handle.into(),
            members: members.iter().map(|m| (*m).to_owned()).collect(),
        }
    }

    #[test]
    fn dm_ids_follow_the_user_id_and_never_collide() {
        let mut dir = directory(vec![user("U123"), user("W123")], vec![]).unwrap();
        let (first, _) = dir.open_dm("U123").unwrap();
        let (second, _) = dir.open_dm("W123").unwrap();
        assert_eq!(first, "D123");
        assert_eq!(second, "D1232");
    }

    #[test]
    fn a_dm_is_reachable_only_once_opened() {
        let mut dir = directory(vec![user("U1")], vec![]).unwrap();
        assert_eq!(dir.resolve("D1"), None);
        let (dm, already_open) = dir.open_dm("U1").unwrap();
        assert!(!already_open);
        let to = dir.resolve(&dm).unwrap();
        assert_eq!(to.dm_user(), Some("U1"));
        assert!(dir.open_dm("U1").unwrap().1);
    }

    #[test]
    fn channels_resolve_by_id_and_by_name_with_or_without_hash() {
        let dir = directory(vec![], vec![channel("C1", "alliances")]).unwrap();
        for address in ["C1", "alliances", "#alliances"] {
            assert_eq!(dir.resolve(address).unwrap().channel, "C1");
        }
        assert_eq!(dir.resolve("#general"), None);
        assert_eq!(dir.resolve("C2"), None);
    }

    #[test]
    fn group_dms_are_stable_whatever_the_order_of_members() {
        let mut dir = directory(vec![user("U1"), user("U2")], vec![]).unwrap();
        let (a, b) = (String::from("U1"), String::from("U2"));
        let (first, _) = dir.open_group_dm(&[a.clone(), b.clone()]).unwrap();
        let (again, already_open) = dir.open_group_dm(&[b, a]).unwrap();
        assert_eq!(first, again);
        assert!(already_open);
        assert_eq!(dir.resolve(&first).unwrap().kind, ConversationKind::GroupDm);
    }

    #[test]
    fn a_workspace_with_duplicates_or_hashed_names_is_refused() {
        assert!(directory(vec![user("U1"), user("U1")], vec![]).is_err());
        assert!(directory(vec![], vec![channel("C1", "a"), channel("C2", "a")]).is_err());
        assert!(directory(vec![], vec![channel("C1", "#a")]).is_err());
    }

    #[test]
    fn ids_not_in_slacks_shape_are_refused() {
        assert!(directory(vec![user("alice")], vec![]).is_err());
        assert!(directory(vec![user("C1")], vec![]).is_err());
        assert!(directory(vec![], vec![channel("U1", "a")]).is_err());
        assert!(directory(vec![], vec![channel("", "a")]).is_err());
        assert!(directory(vec![user("W1")], vec![channel("G1", "a")]).is_ok());
    }

    #[test]
    fn the_app_token_must_be_set_and_differ_from_the_bot_token() {
        let mut same = Workspace::new("xoxb-1", vec![], vec![]);
        same.app_token = "xoxb-1".into();
        assert!(Directory::new(same).is_err());
        let mut empty = Workspace::new("xoxb-1", vec![], vec![]);
        empty.app_token = " ".into();
        assert!(Directory::new(empty).is_err());
    }

    #[test]
    fn user_groups_need_s_ids_unique_handles_and_known_members() {
        let with = |groups: Vec<FakeUserGroup>| {
            let mut workspace = Workspace::new("xoxb-1", vec![user("U1")], vec![]);
            workspace.usergroups = groups;
            Directory::new(workspace)
        };
        assert!(with(vec![group("S1", "payments", &["U1"])]).is_ok());
        assert!(with(vec![group("G1", "payments", &["U1"])]).is_err());
        assert!(with(vec![group("S1", "@payments", &[])]).is_err());
        assert!(with(vec![group("S1", "a", &[]), group("S2", "a", &[])]).is_err());
        assert!(with(vec![group("S1", "payments", &["U9"])]).is_err());
    }

    #[test]
    fn the_bot_is_in_every_channel_but_those_it_was_left_out_of() {
        let mut workspace = Workspace::new(
            "xoxb-1",
            vec![],
            vec![channel("C1", "alliances"), channel("C2", "random")],
        );
        workspace.channels_without_bot = vec!["C2".into()];
        let dir = Directory::new(workspace).unwrap();
        assert!(dir.bot_is_member(&dir.resolve("C1").unwrap().channel));
        assert!(!dir.bot_is_member(&dir.resolve("#random").unwrap().channel));

        let mut unknown = Workspace::new("xoxb-1", vec![], vec![]);
        unknown.channels_without_bot = vec!["C9".into()];
        assert!(Directory::new(unknown).is_err());
    }

    #[test]
    fn private_and_archived_channels_must_be_listed_channels() {
        let with = |private: &str, archived: &str| {
            let mut workspace = Workspace::new("xoxb-1", vec![], vec![channel("C1", "a")]);
            workspace.private_channels = vec![private.into()];
            workspace.archived_channels = vec![archived.into()];
            Directory::new(workspace)
        };
        let dir = with("C1", "C1").unwrap();
        assert!(dir.is_private("C1"));
        assert!(dir.is_archived("C1"));
        assert!(with("C9", "C1").is_err());
        assert!(with("C1", "C9").is_err());
    }

    #[test]
    fn a_workspace_without_named_scopes_grants_every_scope() {
        let mut workspace = Workspace::new("xoxb-1", vec![], vec![]);
        assert!(
            Directory::new(workspace.clone())
                .unwrap()
                .grants("files:write")
        );
        workspace.granted_scopes = Some(vec!["chat:write".into()]);
        let dir = Directory::new(workspace).unwrap();
        assert!(dir.grants("chat:write"));
        assert!(!dir.grants("files:write"));
    }

    #[test]
    fn a_slash_command_names_channels_dms_and_private_groups_as_slack_does() {
        let dir = directory(vec![], vec![channel("C1", "alliances")]).unwrap();
        let name = |id: &str| dir.channel_name_for(id);
        assert_eq!(name("C1"), "alliances");
        assert_eq!(name("D1"), "directmessage");
        assert_eq!(name("G1"), "privategroup");
    }
}
