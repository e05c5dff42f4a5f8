//! Where people's teams come from in Slack: a custom profile field
//! ("Team", "Department") or user groups.

use super::client::SlackClient;
use super::error::SlackError;
use crate::domain::UserId;
use serde_json::Value;
use slack_morphism::prelude::*;

/// A user group with its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGroup {
    /// Its name ("Payments team").
    pub name: String,
    /// Its handle, without `@` ("payments-team").
    pub handle: String,
    /// Who is in it.
    pub members: Vec<UserId>,
}

impl SlackClient {
    /// The id of the workspace's custom profile field labelled `label`
    /// (compared without case), if there is one.
    pub async fn profile_field_id(&self, label: &str) -> Result<Option<String>, SlackError> {
        const METHOD: &str = "team.profile.get";
        let response = self
            .call(METHOD, None, || async {
                self.session()
                    .team_profile_get(&SlackApiTeamProfileGetRequest::new())
                    .await
            })
            .await?;
        // slack-morphism keeps the field's id and label private: read them
        // from Slack's JSON instead.
        let profile = serde_json::to_value(&response.profile).unwrap_or(Value::Null);
        Ok(profile["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|field| {
                field["label"]
                    .as_str()
                    .is_some_and(|l| l.trim().eq_ignore_ascii_case(label.trim()))
            })
            .and_then(|field| field["id"].as_str().map(str::to_owned)))
    }

    /// The value of `user`'s profile field `field_id`, if they filled it in.
    pub async fn profile_field(
        &self,
        user: &UserId,
        field_id: &str,
    ) -> Result<Option<String>, SlackError> {
        const METHOD: &str = "users.profile.get";
        let request =
            SlackApiUsersProfileGetRequest::new().with_user(SlackUserId(user.to_string()));
        let response = self
            .call(METHOD, None, || async {
                self.session().users_profile_get(&request).await
            })
            .await?;
        Ok(response
            .profile
            .fields
            .and_then(|fields| {
                fields
                    .into_iter()
                    .find(|(id, _)| id.0 == field_id)
                    .map(|(_, value)| value.value)
            })
            .filter(|value| !value.trim().is_empty()))
    }

    /// The workspace's enabled user groups with their members.
    pub async fn user_groups(&self) -> Result<Vec<UserGroup>, SlackError> {
        let listed = self
            .call("usergroups.list", None, || async {
                self.session()
                    .usergroups_list(&SlackApiUserGroupsListRequest::new())
                    .await
            })
            .await?;
        let mut groups = Vec::with_capacity(listed.usergroups.len());
        for group in listed.usergroups {
            let request = SlackApiUserGroupsUsersListRequest::new(group.id.clone());
            let members = self
                .call("usergroups.users.list", None, || async {
                    self.session().usergroups_users_list(&request).await
                })
                .await?;
            groups.push(UserGroup {
                name: group.name,
                handle: group.handle,
                members: members
                    .users
                    .iter()
                    .filter_map(|id| UserId::parse(&id.0).ok())
                    .collect(),
            });
        }
        Ok(groups)
    }
}
