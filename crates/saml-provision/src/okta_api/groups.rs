//! `/api/v1/groups` and `/api/v1/users/{id}/groups`: list groups, their members, a user's
//! groups; add and remove memberships of OKTA_GROUP groups.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use saml_policy::{Group, GroupType};
use serde_json::Value;

use super::filter::{self, Term};
use super::{
    ApiError, App, AppState, Caller, Ids, Page, Params, group_json, next_cursor, page_response,
    read, resolve, scan, user_json, write,
};
use crate::store::{ListDirectory, SharedDirectory};

/// The attributes `filter` may name on groups.
const FILTER_ATTRIBUTES: &[&str] = &["id", "profile.name", "type"];
/// The largest page of groups (Okta allows up to 10000; a smaller page is still valid).
const MAX_GROUPS_PAGE: usize = 1000;
/// The largest page of group members (Okta's).
const MAX_MEMBERS_PAGE: usize = 1000;

fn group_matches(group: &Group, terms: &[Term], prefix: Option<&str>) -> bool {
    prefix.is_none_or(|p| group.name.to_lowercase().starts_with(&p.to_lowercase()))
        && terms.iter().all(|t| match t.attribute {
            "id" => group.id == t.value,
            "profile.name" => group.name == t.value,
            "type" => group.group_type.as_str() == t.value,
            _ => false,
        })
}

/// `GET /api/v1/groups?q=&filter=&limit=&after=`: `q` is a name prefix (ignoring case).
pub(super) async fn list<S: SharedDirectory>(
    State(app): AppState<S>,
    params: Params,
) -> Result<Response, ApiError> {
    if params.has("search") {
        return Err(ApiError::invalid_search(
            "`search` is not supported by this server; use `q` (name prefix) or `filter` \
             (id, profile.name, type; eq; and)",
        ));
    }
    let page = Page::from_params(&params, MAX_GROUPS_PAGE)?;
    let prefix = params.one("q")?.map(str::to_owned);
    let filter_text = params.one("filter")?.map(str::to_owned);
    let terms = match &filter_text {
        None => Vec::new(),
        Some(text) => filter::parse(text, FILTER_ATTRIBUTES).map_err(ApiError::invalid_search)?,
    };
    let (after, limit, q) = (page.after.clone(), page.limit, prefix.clone());
    let mut groups = read(&app, move |d| {
        scan(
            after,
            limit.saturating_add(1),
            MAX_GROUPS_PAGE,
            |cursor, batch| d.groups_after(cursor, batch),
            |g| &g.id,
            |g| group_matches(g, &terms, q.as_deref()),
        )
    })
    .await?;
    let next = next_cursor(&mut groups, page.limit, |g| &g.id);
    let mut extra = Vec::new();
    if let Some(q) = &prefix {
        extra.push(("q", q.as_str()));
    }
    if let Some(f) = &filter_text {
        extra.push(("filter", f.as_str()));
    }
    let items = groups
        .iter()
        .map(|g| group_json(&app.base_url, g))
        .collect();
    Ok(page_response(
        &app.base_url,
        "/api/v1/groups",
        &page,
        &extra,
        next.as_deref(),
        items,
    ))
}

fn require_group(d: &dyn ListDirectory, id: &str) -> Result<Group, ApiError> {
    d.group(id)?.ok_or_else(|| ApiError::not_found("group", id))
}

/// `GET /api/v1/groups/{id}`.
pub(super) async fn get_one<S: SharedDirectory>(
    State(app): AppState<S>,
    Ids(id): Ids<String>,
) -> Result<Response, ApiError> {
    let group = read(&app, move |d| require_group(d, &id)).await?;
    Ok(Json(group_json(&app.base_url, &group)).into_response())
}

/// `GET /api/v1/groups/{id}/users?limit=&after=`.
pub(super) async fn members<S: SharedDirectory>(
    State(app): AppState<S>,
    Ids(id): Ids<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let page = Page::from_params(&params, MAX_MEMBERS_PAGE)?;
    let (group_id, after, limit) = (id.clone(), page.after.clone(), page.limit);
    let mut users = read(&app, move |d| {
        require_group(d, &group_id)?;
        Ok(d.members_after(&group_id, after.as_deref(), limit.saturating_add(1))?)
    })
    .await?;
    let next = next_cursor(&mut users, page.limit, |u| &u.id);
    let items = users.iter().map(|u| user_json(&app.base_url, u)).collect();
    Ok(page_response(
        &app.base_url,
        &format!("/api/v1/groups/{id}/users"),
        &page,
        &[],
        next.as_deref(),
        items,
    ))
}

/// `GET /api/v1/users/{id}/groups`.
pub(super) async fn of_user<S: SharedDirectory>(
    State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    Ids(id): Ids<String>,
) -> Result<Response, ApiError> {
    let groups = read(&app, move |d| {
        let user = resolve(d, &id, &caller)?;
        Ok(d.groups_of(&user.id)?)
    })
    .await?;
    let items: Vec<Value> = groups
        .iter()
        .map(|g| group_json(&app.base_url, g))
        .collect();
    Ok(Json(Value::Array(items)).into_response())
}

/// Only OKTA_GROUP memberships are set through the API; APP_GROUP members come from their
/// application and BUILT_IN groups (Everyone) from Okta itself.
fn require_okta_group(d: &dyn ListDirectory, id: &str) -> Result<Group, ApiError> {
    let group = require_group(d, id)?;
    if group.group_type != GroupType::OktaGroup {
        return Err(ApiError::validation(
            "groupType",
            [format!(
                "group `{}` is an {} group: only OKTA_GROUP memberships can be changed",
                group.id, group.group_type
            )],
        ));
    }
    Ok(group)
}

/// `PUT /api/v1/groups/{groupId}/users/{userId}`: 204, also when already a member.
pub(super) async fn add_member<S: SharedDirectory>(
    State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    Ids((group_id, user_id)): Ids<(String, String)>,
) -> Result<Response, ApiError> {
    change_membership(&app, caller, group_id, user_id, true).await
}

/// `DELETE /api/v1/groups/{groupId}/users/{userId}`: 204, also when not a member.
pub(super) async fn remove_member<S: SharedDirectory>(
    State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    Ids((group_id, user_id)): Ids<(String, String)>,
) -> Result<Response, ApiError> {
    change_membership(&app, caller, group_id, user_id, false).await
}

/// Adds (`add`) or removes the user's membership of an OKTA_GROUP group, as an administrator:
/// 204 whether or not it changed anything.
async fn change_membership<S: SharedDirectory>(
    app: &Arc<App<S>>,
    caller: Caller,
    group_id: String,
    user_id: String,
    add: bool,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    write(app, move |d| {
        let group = require_okta_group(d, &group_id)?;
        let user = resolve(d, &user_id, &caller)?;
        if add {
            d.add_member(&user.id, &group.id)?;
        } else {
            d.remove_member(&user.id, &group.id)?;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
