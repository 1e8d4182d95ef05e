//! `/api/v1/users`: create, find, read, update, replace, lifecycle, delete.

use std::collections::BTreeMap;

use axum::Extension;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saml_policy::{GroupType, NewUser, User, UserStatus};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::filter::{self, Term};
use super::{
    ApiError, App, AppState, Body, Caller, Ids, Page, Params, next_cursor, page_response, read,
    resolve, scan, user_json, write,
};
use crate::store::{ListDirectory, SharedDirectory};

/// The attributes `filter` may name on users.
const FILTER_ATTRIBUTES: &[&str] = &["id", "profile.email", "profile.login", "status"];
/// Okta's largest page of users.
const MAX_PAGE: usize = 200;
/// At most this many profile attributes per request.
const MAX_ATTRIBUTES: usize = 64;
/// The longest attribute value (in characters).
const MAX_VALUE_CHARS: usize = 1024;
/// Okta's longest login and email (in characters).
const MAX_LOGIN_CHARS: usize = 100;

/// A user body (create, update, replace). Other members (`id`, `status`, `_links`, `type`…,
/// as in a user read back and sent again) are ignored, as Okta ignores read-only properties.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserBody {
    #[serde(default)]
    profile: Option<Map<String, Value>>,
    #[serde(default)]
    credentials: Option<Credentials>,
    #[serde(default)]
    group_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Credentials {
    #[serde(default)]
    password: Option<Password>,
    #[serde(default)]
    provider: Option<Provider>,
}

/// Okta's password credential: a value, or an imported hash. This server stores neither; a
/// password only decides the initial status.
#[derive(Deserialize)]
struct Password {
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    hash: Option<Value>,
}

#[derive(Deserialize)]
struct Provider {
    #[serde(default, rename = "type")]
    provider_type: Option<String>,
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
}

/// The profile of a body as attribute changes (`None`: null, clear it), each value text.
fn profile_changes(
    profile: Map<String, Value>,
) -> Result<BTreeMap<String, Option<String>>, ApiError> {
    let mut causes = Vec::new();
    if profile.len() > MAX_ATTRIBUTES {
        causes.push(format!(
            "profile: {} attributes; this server accepts at most {MAX_ATTRIBUTES}",
            profile.len()
        ));
    }
    let mut changes = BTreeMap::new();
    for (name, value) in profile {
        if !valid_name(&name) {
            causes.push(format!(
                "{name}: not an attribute name (a letter, then letters, digits or `_`, at most 64)"
            ));
            continue;
        }
        match value {
            Value::Null => {
                changes.insert(name, None);
            }
            Value::String(text) => {
                if text.chars().count() > MAX_VALUE_CHARS {
                    causes.push(format!("{name}: longer than {MAX_VALUE_CHARS} characters"));
                } else if text.chars().any(char::is_control) {
                    causes.push(format!("{name}: contains a control character"));
                } else {
                    changes.insert(name, Some(text));
                }
            }
            other => causes.push(format!(
                "{name}: must be a string or null, not {} (this server keeps text attributes)",
                match other {
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::Array(_) => "an array",
                    _ => "an object",
                }
            )),
        }
    }
    if causes.is_empty() {
        Ok(changes)
    } else {
        Err(ApiError::validation("profile", causes))
    }
}

/// Checks that apply to a complete profile (create, replace) or to the attributes a partial
/// update sets: required attributes non-empty, login and email well-formed.
fn check_values(
    changes: &BTreeMap<String, Option<String>>,
    required: &[String],
    complete: bool,
) -> Vec<String> {
    let mut causes = Vec::new();
    for name in required {
        let value = changes.get(name);
        let blank = match value {
            None => complete,
            Some(None) => true,
            Some(Some(text)) => text.trim().is_empty(),
        };
        if blank {
            causes.push(format!("{name}: The field cannot be left blank"));
        }
    }
    if let Some(Some(login)) = changes.get("login") {
        if login.chars().count() > MAX_LOGIN_CHARS {
            causes.push(format!("login: longer than {MAX_LOGIN_CHARS} characters"));
        } else if login.chars().any(char::is_whitespace) {
            causes.push("login: must not contain white space".to_owned());
        }
    }
    if let Some(Some(email)) = changes.get("email") {
        let well_formed = email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
            && !email.chars().any(char::is_whitespace)
            && email.chars().count() <= MAX_LOGIN_CHARS;
        if !well_formed {
            causes.push(format!("email: `{email}` is not an email address"));
        }
    }
    causes
}

/// `POST /api/v1/users?activate=&provider=&nextLogin=`.
pub(super) async fn create<S: SharedDirectory>(
    axum::extract::State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    params: Params,
    Body(body): Body<UserBody>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let activate = params.flag("activate", true)?;
    let provider = params.flag("provider", false)?;
    match params.one("nextLogin")? {
        None => {}
        Some("changePassword") if activate => {}
        Some("changePassword") => {
            return Err(ApiError::validation(
                "nextLogin",
                ["nextLogin: `changePassword` needs activate=true".to_owned()],
            ));
        }
        Some(other) => {
            return Err(ApiError::validation(
                "nextLogin",
                [format!(
                    "nextLogin: must be `changePassword`, not `{other}`"
                )],
            ));
        }
    }
    let Some(profile) = body.profile else {
        return Err(ApiError::validation(
            "profile",
            ["profile: The field cannot be left blank".to_owned()],
        ));
    };
    let mut changes = profile_changes(profile)?;
    let causes = check_values(&changes, &app.required, true);
    let Some(Some(login)) = changes.remove("login") else {
        return Err(ApiError::validation(
            "login",
            causes.into_iter().chain(std::iter::once(
                "login: The field cannot be left blank".to_owned(),
            )),
        ));
    };
    if !causes.is_empty() {
        return Err(ApiError::validation("profile", causes));
    }
    let credentials = body.credentials;
    let has_password = credentials
        .as_ref()
        .and_then(|c| c.password.as_ref())
        .is_some_and(|p| p.value.as_deref().is_some_and(|v| !v.is_empty()) || p.hash.is_some());
    let federated = provider
        || credentials
            .as_ref()
            .and_then(|c| c.provider.as_ref())
            .and_then(|p| p.provider_type.as_deref())
            .is_some_and(|t| matches!(t, "FEDERATION" | "SOCIAL"));
    let status = match (activate, has_password || federated) {
        (false, _) => UserStatus::Staged,
        (true, true) => UserStatus::Active,
        (true, false) => UserStatus::Provisioned,
    };
    let mut new = NewUser::new(login, status);
    new.email = changes.remove("email").flatten();
    new.profile = changes
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect();
    let mut group_ids = body.group_ids.unwrap_or_default();
    group_ids.sort();
    group_ids.dedup();
    let base = app.base_url.clone();
    let user = write(&app, move |d| {
        // Everything is checked before the first write; the store undoes all on an error.
        if !d.find_by_login(&new.login)?.is_empty() {
            return Err(ApiError::login_taken());
        }
        for id in &group_ids {
            match d.group(id)? {
                Some(group) if group.group_type == GroupType::OktaGroup => {}
                Some(group) => {
                    return Err(ApiError::validation(
                        "groupIds",
                        [format!(
                            "groupIds: `{id}` is an {} group; only OKTA_GROUP memberships can be set",
                            group.group_type
                        )],
                    ));
                }
                None => {
                    return Err(ApiError::validation(
                        "groupIds",
                        [format!("groupIds: no group `{id}`")],
                    ));
                }
            }
        }
        let id = d.create_user(&new)?;
        for group in &group_ids {
            d.add_member(&id, group)?;
        }
        d.user(&id)?.ok_or_else(|| ApiError::not_found("user", &id))
    })
    .await?;
    Ok(Json(user_json(&base, &user)).into_response())
}

/// Whether `user` passes every term.
fn matches(user: &User, terms: &[Term]) -> bool {
    terms.iter().all(|term| match term.attribute {
        "id" => user.id == term.value,
        "status" => user.status.as_str() == term.value,
        "profile.login" => user.login.to_lowercase() == term.value.to_lowercase(),
        "profile.email" => user
            .email
            .as_ref()
            .is_some_and(|e| e.to_lowercase() == term.value.to_lowercase()),
        _ => false,
    })
}

/// Up to `limit + 1` users after `after` passing `terms`, by id. Without a filter,
/// DEPROVISIONED users are left out, as Okta's plain list does; a filter includes them.
fn find(
    d: &dyn ListDirectory,
    terms: &[Term],
    filtered: bool,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<User>, ApiError> {
    let want = limit.saturating_add(1);
    let keep = |u: &User| {
        matches(u, terms)
            && (filtered || u.status != UserStatus::Deprovisioned)
            && after.is_none_or(|a| u.id.as_str() > a)
    };
    let indexed = terms
        .iter()
        .find(|t| t.attribute == "id")
        .map(|t| d.user(&t.value).map(|u| u.into_iter().collect::<Vec<_>>()))
        .or_else(|| {
            terms
                .iter()
                .find(|t| t.attribute == "profile.login")
                .map(|t| d.find_by_login(&t.value))
        })
        .or_else(|| {
            terms
                .iter()
                .find(|t| t.attribute == "profile.email")
                .map(|t| d.find_by_email(&t.value))
        });
    if let Some(candidates) = indexed {
        let mut users: Vec<User> = candidates?.into_iter().filter(|u| keep(u)).collect();
        users.sort_by(|a, b| a.id.cmp(&b.id));
        users.truncate(want);
        return Ok(users);
    }
    scan(
        after.map(str::to_owned),
        want,
        MAX_PAGE,
        |cursor, batch| d.users_after(cursor, batch),
        |u| &u.id,
        keep,
    )
}

/// `GET /api/v1/users?filter=&limit=&after=`.
pub(super) async fn list<S: SharedDirectory>(
    axum::extract::State(app): AppState<S>,
    params: Params,
) -> Result<Response, ApiError> {
    for unsupported in ["search", "q"] {
        if params.has(unsupported) {
            return Err(ApiError::invalid_search(format!(
                "`{unsupported}` is not supported by this server; use `filter` \
                 (profile.login, profile.email, status, id; eq; and)"
            )));
        }
    }
    let page = Page::from_params(&params, MAX_PAGE)?;
    let filter_text = params.one("filter")?.map(str::to_owned);
    let terms = match &filter_text {
        None => Vec::new(),
        Some(text) => filter::parse(text, FILTER_ATTRIBUTES).map_err(ApiError::invalid_search)?,
    };
    for term in terms.iter().filter(|t| t.attribute == "status") {
        let known = [
            "ACTIVE",
            "DEPROVISIONED",
            "PROVISIONED",
            "STAGED",
            "SUSPENDED",
        ];
        if !known.contains(&term.value.as_str()) {
            return Err(ApiError::invalid_search(format!(
                "status `{}` is not one of {}",
                term.value,
                known.join(", ")
            )));
        }
    }
    let (filtered, after, limit) = (filter_text.is_some(), page.after.clone(), page.limit);
    let mut users = read(&app, move |d| {
        find(d, &terms, filtered, after.as_deref(), limit)
    })
    .await?;
    let next = next_cursor(&mut users, page.limit, |u| &u.id);
    let extra: Vec<(&str, &str)> = filter_text
        .as_deref()
        .map(|f| ("filter", f))
        .into_iter()
        .collect();
    let items = users.iter().map(|u| user_json(&app.base_url, u)).collect();
    Ok(page_response(
        &app.base_url,
        "/api/v1/users",
        &page,
        &extra,
        next.as_deref(),
        items,
    ))
}

/// `GET /api/v1/users/{id or login or me}`.
pub(super) async fn get_one<S: SharedDirectory>(
    axum::extract::State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    Ids(id): Ids<String>,
) -> Result<Response, ApiError> {
    let user = read(&app, move |d| resolve(d, &id, &caller)).await?;
    Ok(Json(user_json(&app.base_url, &user)).into_response())
}

/// The profile changes of an update (`replace`: attributes left out are cleared).
fn update_changes(
    required: &[String],
    user: &User,
    body: Option<Map<String, Value>>,
    replace: bool,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let Some(profile) = body else {
        return if replace {
            Err(ApiError::validation(
                "profile",
                ["profile: The field cannot be left blank".to_owned()],
            ))
        } else {
            Ok(Vec::new())
        };
    };
    let mut changes = profile_changes(profile)?;
    let mut causes = check_values(&changes, required, replace);
    match changes.remove("login") {
        None => {}
        Some(Some(login)) if login == user.login => {}
        Some(_) => causes.push(format!(
            "login: this server does not change logins (`{}` stays)",
            user.login
        )),
    }
    if !causes.is_empty() {
        return Err(ApiError::validation("profile", causes));
    }
    if replace {
        if user.email.is_some() && !changes.contains_key("email") {
            changes.insert("email".to_owned(), None);
        }
        for name in user.profile.keys() {
            changes.entry(name.clone()).or_insert(None);
        }
    }
    Ok(changes.into_iter().collect())
}

async fn update_user<S: SharedDirectory>(
    app: std::sync::Arc<App<S>>,
    caller: Caller,
    id: String,
    body: UserBody,
    replace: bool,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let required = app.required.clone();
    let user = write(&app, move |d| {
        let user = resolve(d, &id, &caller)?;
        if user.status == UserStatus::Deprovisioned {
            return Err(ApiError::wrong_status(format!(
                "user `{}` is DEPROVISIONED: activate it before changing its profile",
                user.id
            )));
        }
        // `credentials` (a password change) is accepted and not stored: this server keeps no
        // passwords (Org2's users sign in through Org1, by SAML).
        let changes = update_changes(&required, &user, body.profile, replace)?;
        if !changes.is_empty() {
            d.update_profile(&user.id, &changes)?;
        }
        d.user(&user.id)?
            .ok_or_else(|| ApiError::not_found("user", &user.id))
    })
    .await?;
    Ok(Json(user_json(&app.base_url, &user)).into_response())
}

/// `POST /api/v1/users/{id}`: partial update; attributes left out stay, `null` clears.
pub(super) async fn update<S: SharedDirectory>(
    axum::extract::State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    Ids(id): Ids<String>,
    Body(body): Body<UserBody>,
) -> Result<Response, ApiError> {
    update_user(app, caller, id, body, false).await
}

/// `PUT /api/v1/users/{id}`: replace; attributes left out are cleared.
pub(super) async fn replace<S: SharedDirectory>(
    axum::extract::State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    Ids(id): Ids<String>,
    Body(body): Body<UserBody>,
) -> Result<Response, ApiError> {
    update_user(app, caller, id, body, true).await
}

/// `POST /api/v1/users/{id}/lifecycle/{operation}`.
pub(super) async fn lifecycle<S: SharedDirectory>(
    axum::extract::State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    Ids((id, operation)): Ids<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    // Accepted for compatibility; this server sends no email.
    params.flag("sendEmail", true)?;
    use UserStatus::{Active, Deprovisioned, Provisioned, Staged, Suspended};
    write(&app, move |d| {
        let user = resolve(d, &id, &caller)?;
        let status = user.status;
        let to = match (operation.as_str(), status) {
            ("activate", Active) => return Err(ApiError::already_active()),
            ("activate", Staged | Deprovisioned) => Some(Active),
            ("activate", _) => {
                return Err(ApiError::wrong_status(format!(
                    "activate: user `{}` is {status}; only STAGED or DEPROVISIONED users are \
                     activated{}",
                    user.id,
                    if status == Provisioned {
                        " (a PROVISIONED user's activation is restarted by lifecycle/reactivate)"
                    } else {
                        ""
                    }
                )));
            }
            ("deactivate", Deprovisioned) => {
                return Err(ApiError::wrong_status(format!(
                    "deactivate: user `{}` is already DEPROVISIONED",
                    user.id
                )));
            }
            ("deactivate", _) => Some(Deprovisioned),
            // Restarts the activation; the user stays PROVISIONED.
            ("reactivate", Provisioned) => None,
            ("reactivate", _) => {
                return Err(ApiError::wrong_status(format!(
                    "reactivate: user `{}` is {status}; only PROVISIONED users (activation not \
                     finished) are reactivated",
                    user.id
                )));
            }
            ("suspend", Active) => Some(Suspended),
            ("suspend", _) => {
                return Err(ApiError::validation(
                    "status",
                    [format!(
                        "suspend: user `{}` is {status}; only ACTIVE users are suspended",
                        user.id
                    )],
                ));
            }
            ("unsuspend", Suspended) => Some(Active),
            ("unsuspend", _) => {
                return Err(ApiError::validation(
                    "status",
                    [format!(
                        "unsuspend: user `{}` is {status}, not SUSPENDED",
                        user.id
                    )],
                ));
            }
            (other, _) => {
                return Err(ApiError::not_found(
                    "lifecycle operation",
                    &format!(
                        "{other} (one of activate, deactivate, reactivate, suspend, unsuspend)"
                    ),
                ));
            }
        };
        if let Some(to) = to {
            d.set_status(&user.id, status, to)?;
        }
        Ok(())
    })
    .await?;
    Ok(Json(json!({})).into_response())
}

/// `DELETE /api/v1/users/{id}`: only a DEPROVISIONED user.
pub(super) async fn delete<S: SharedDirectory>(
    axum::extract::State(app): AppState<S>,
    Extension(caller): Extension<Caller>,
    Ids(id): Ids<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    write(&app, move |d| {
        let user = resolve(d, &id, &caller)?;
        if user.status != UserStatus::Deprovisioned {
            return Err(ApiError::wrong_status(format!(
                "delete: user `{}` is {}; deactivate it first (lifecycle/deactivate)",
                user.id, user.status
            )));
        }
        d.delete_user(&user.id)?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
