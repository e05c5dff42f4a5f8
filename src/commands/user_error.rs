//! What a person sees when a command cannot be read: one sentence saying what
//! was wrong, and a correct example to copy.
//!
//! This is the only error type the command grammar returns. It carries no
//! cause chain on purpose: a typo is not a fault to log, and nothing internal
//! (ids of stores, stack traces) may leak into a reply.

/// A sentence for the person who typed the command, with a correct example.
/// Never a stack trace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} Try: `{example}`")]
pub struct UserError {
    /// What was wrong, as a full sentence addressed to the person.
    pub problem: String,
    /// A command that would have worked, without the surrounding backticks.
    pub example: String,
}

impl UserError {
    /// A problem sentence and the example that shows how to put it right.
    pub fn new(problem: impl Into<String>, example: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            example: example.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_ends_with_an_example_in_backticks() {
        let error = UserError::new("Who did you meet?", "/met @alice");
        insta::assert_snapshot!(error.to_string(), @"Who did you meet? Try: `/met @alice`");
    }
}
