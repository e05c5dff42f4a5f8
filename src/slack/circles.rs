//! Block Kit rendering of what a leadership circle reads in its group DM:
//! the prompt that opens it, and the check-in a week later with its three
//! buttons ([`CircleAction`]).
//!
//! The prompt invites both kinds of talk leaders need — what each is
//! pushing for that the others could help with, and what is hard right
//! now — and puts no score on anyone.

use super::render::{Message, action_buttons, context, section};
use crate::domain::{CircleAction, CircleKey, UserId, in_a_sentence};
use serde_json::json;

/// "<@A>, <@B> and <@C>": the members as mentions, in a sentence.
pub fn mention_list(members: &[UserId]) -> String {
    let mentions: Vec<String> = members.iter().map(|m| format!("<@{m}>")).collect();
    in_a_sentence(&mentions)
}

/// A small count in words, for "four corners of the company".
fn in_words(n: usize) -> String {
    match n {
        2 => "two".into(),
        3 => "three".into(),
        4 => "four".into(),
        5 => "five".into(),
        6 => "six".into(),
        7 => "seven".into(),
        8 => "eight".into(),
        n => n.to_string(),
    }
}

/// The prompt that opens a circle of `members`, in their group DM.
pub fn render_circle_prompt(members: &[UserId]) -> Message {
    let text = format!(
        "Hi {} — you lead in {} corners of the company, and this is your leadership circle \
         for the next few weeks. Find 45 minutes together: what is each of you pushing for \
         that the others could help with? And what is hard right now? Nobody should have to \
         go it alone.",
        mention_list(members),
        in_words(members.len())
    );
    let context_line = "I chose leaders of different teams who know each other least. In a week \
                        I'll ask once whether you got together.";
    Message {
        blocks: vec![section(text.clone()), context(context_line)],
        text,
    }
}

/// The check-in of the circle `circle` of `members`, a week after its
/// prompt: one question and three buttons, each carrying the circle.
pub fn render_circle_check_in(circle: CircleKey, members: &[UserId]) -> Message {
    let text = format!("{} — did you get together?", mention_list(members));
    let buttons = action_buttons(
        CircleAction::ALL
            .iter()
            .map(|a| (a.action_id(), a.label(), *a == CircleAction::WeMet)),
        &circle.to_string(),
    );
    let context_line = "*We met* logs a meeting of all of you, once, whoever presses it.";
    Message {
        blocks: vec![
            section(text.clone()),
            context(context_line),
            json!({ "type": "actions", "block_id": "circle", "elements": buttons }),
        ],
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(ids: &[&str]) -> Vec<UserId> {
        ids.iter().map(|id| UserId::parse(id).unwrap()).collect()
    }

    #[test]
    fn the_prompt_greets_everyone_and_invites_both_kinds_of_talk() {
        let prompt = render_circle_prompt(&members(&["U1", "U2", "U3", "U4"]));
        insta::assert_snapshot!(prompt.text);
        assert_eq!(prompt.blocks.len(), 2);
    }

    #[test]
    fn the_check_in_asks_once_with_three_buttons_that_name_the_circle() {
        let key = CircleKey { round: 2, index: 3 };
        let check_in = render_circle_check_in(key, &members(&["U1", "U2", "U3"]));
        insta::assert_snapshot!(check_in.text);
        let buttons = &check_in.blocks[2]["elements"];
        let labels: Vec<&str> = (0..3)
            .map(|i| buttons[i]["text"]["text"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["We met", "Not yet", "Skip this round"]);
        assert!((0..3).all(|i| buttons[i]["value"] == "2-3"));
    }
}
