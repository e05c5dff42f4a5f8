//! The buttons the bot shows, by the `action_id` Slack sends back when one
//! is pressed: what the renderer draws and the interactivity handler reads.

/// The buttons on a nudge; their `action_id`s are what the interactivity
/// handler branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NudgeAction {
    /// *We met*: log an interaction dated today.
    WeMet,
    /// *Snooze 2 weeks*.
    Snooze,
    /// *Not relevant*: never nudge about this peer again.
    NotRelevant,
    /// *Why this?*: show the decision's reason.
    Why,
}

impl NudgeAction {
    /// Every button, in the order shown.
    pub const ALL: [NudgeAction; 4] = [Self::WeMet, Self::Snooze, Self::NotRelevant, Self::Why];

    /// The `action_id` Slack sends back when the button is pressed.
    pub fn action_id(self) -> &'static str {
        match self {
            Self::WeMet => "nudge_we_met",
            Self::Snooze => "nudge_snooze",
            Self::NotRelevant => "nudge_not_relevant",
            Self::Why => "nudge_why",
        }
    }

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::WeMet => "We met",
            Self::Snooze => "Snooze 2 weeks",
            Self::NotRelevant => "Not relevant",
            Self::Why => "Why this?",
        }
    }
}

/// The App Home's settings buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeAction {
    /// Snooze nudges for two weeks.
    Snooze,
    /// End a snooze.
    Wake,
    /// Opt out.
    OptOut,
    /// Opt back in.
    OptIn,
    /// Let the digest thank me by name (shout-outs on).
    ShoutoutsOn,
    /// Leave me out of the digest's shout-outs.
    ShoutoutsOff,
    /// Give (or replace) my calendar: opens its modal.
    Calendar,
}

impl HomeAction {
    /// Every App Home button.
    pub const ALL: [HomeAction; 7] = [
        Self::Snooze,
        Self::Wake,
        Self::OptOut,
        Self::OptIn,
        Self::ShoutoutsOn,
        Self::ShoutoutsOff,
        Self::Calendar,
    ];

    /// The `action_id` Slack sends back when the button is pressed.
    pub fn action_id(self) -> &'static str {
        match self {
            Self::Snooze => "home_snooze",
            Self::Wake => "home_wake",
            Self::OptOut => "home_optout",
            Self::OptIn => "home_optin",
            Self::ShoutoutsOn => "home_shoutouts_on",
            Self::ShoutoutsOff => "home_shoutouts_off",
            Self::Calendar => "home_calendar",
        }
    }

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Snooze => "Snooze 2 weeks",
            Self::Wake => "End the snooze",
            Self::OptOut => "Opt out",
            Self::OptIn => "Opt back in",
            Self::ShoutoutsOn => "Allow shout-outs",
            Self::ShoutoutsOff => "Stop shout-outs",
            Self::Calendar => "Your calendar",
        }
    }
}

/// The `action_id` of the button that confirms `/alliances forget-me`.
pub const FORGET_ME_CONFIRM: &str = "forget_me_confirm";
