//! The buttons the bot shows, by the `action_id` Slack sends back when one
//! is pressed: what the renderer draws and the interactivity handler reads.

buttons! {
    /// The buttons on a nudge; their `action_id`s are what the interactivity
    /// handler branches on.
    pub enum NudgeAction {
        /// *We met*: log an interaction dated today.
        WeMet => ("nudge_we_met", "We met"),
        /// *Snooze 2 weeks*.
        Snooze => ("nudge_snooze", "Snooze 2 weeks"),
        /// *Not relevant*: never nudge about this peer again.
        NotRelevant => ("nudge_not_relevant", "Not relevant"),
        /// *Why this?*: show the decision's reason.
        Why => ("nudge_why", "Why this?"),
    }
}

buttons! {
    /// The App Home's settings buttons.
    pub enum HomeAction {
        /// Snooze nudges for two weeks.
        Snooze => ("home_snooze", "Snooze 2 weeks"),
        /// End a snooze.
        Wake => ("home_wake", "End the snooze"),
        /// Opt out.
        OptOut => ("home_optout", "Opt out"),
        /// Opt back in.
        OptIn => ("home_optin", "Opt back in"),
        /// Let the digest thank me by name (shout-outs on).
        ShoutoutsOn => ("home_shoutouts_on", "Allow shout-outs"),
        /// Leave me out of the digest's shout-outs.
        ShoutoutsOff => ("home_shoutouts_off", "Stop shout-outs"),
        /// Give (or replace) my calendar: opens its modal.
        Calendar => ("home_calendar", "Your calendar"),
    }
}

/// The `action_id` of the button that confirms `/alliances forget-me`.
pub const FORGET_ME_CONFIRM: &str = "forget_me_confirm";
