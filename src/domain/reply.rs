//! What the bot answers the one person who typed a command or pressed a
//! button: words, and the button an answer asks them to press, if any.
//! `commands` decides an answer; `slack` renders it as Slack's JSON.

/// An answer only the person who asked sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The text (mrkdwn), also the notification fallback.
    pub text: String,
    /// A button under the text, for an answer that asks the person to
    /// confirm what they asked for.
    pub confirm: Option<Confirm>,
}

impl Reply {
    /// A plain text answer.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            confirm: None,
        }
    }
}

/// The confirmations an answer can ask for, each one button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// *Forget me*: deletes everything the bot holds about the person, so
    /// Slack asks "are you sure?" once more before it sends the press.
    ForgetMe,
}

/// The answer to a button press, sent through the press's `response_url`:
/// below the message whose button was pressed, or in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PressAnswer {
    /// Under the message, seen by the presser only; the message stays.
    Below(Reply),
    /// In place of the message, whose buttons have done their work.
    Replacing(Reply),
}
