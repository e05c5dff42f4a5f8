//! The bot token scopes the bot needs: least privilege, one reason each.
//! `deploy/slack-app-manifest.yml` asks for exactly these (a test checks),
//! and `alliances doctor` compares them with what the token was granted.

/// Every bot scope, with the feature that needs it.
pub const BOT_SCOPES: [&str; 14] = [
    // Nudges and introductions by DM, the digest in a channel the bot is in.
    "chat:write",
    // conversations.open for the 1:1 DM a nudge goes to.
    "im:write",
    // conversations.open for the group DM of `/alliances intro @a @b`.
    "mpim:write",
    // The /met and /alliances slash commands.
    "commands",
    // users.list: people, their time zones; team_join and user_change.
    "users:read",
    // users.list's emails, kept only as keyed hashes: the attendees of a
    // calendar someone gave are found among the workspace's people by
    // email.
    "users:read.email",
    // users.profile.get and team.profile.get: teams from a profile field.
    "users.profile:read",
    // usergroups.list and usergroups.users.list: teams from user groups.
    "usergroups:read",
    // app_mention events (passive signals, opt-in).
    "app_mentions:read",
    // message.channels events: thread replies as passive signals (opt-in;
    // metadata only, the text is never stored).
    "channels:history",
    // message.groups events: the same in private channels the bot is in.
    "groups:history",
    // files.getUploadURLExternal and files.completeUploadExternal: the
    // picture in the weekly digest.
    "files:write",
    // conversations.list: the id of the digest's channel when it is given
    // by name (files.completeUploadExternal takes only an id).
    "channels:read",
    // conversations.list: the same for a private digest channel.
    "groups:read",
];
