//! The HTTP handlers. Each one authenticates (in the middleware), reads and checks its input,
//! then takes the directory lock once and does all its reads and writes under it, so that two
//! requests never interleave (32 concurrent creates of one `userName` make one user).

use std::sync::MutexGuard;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use saml_policy::{Group, GroupType, NewUser, User, UserStatus};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::scim::error::{ScimError, ScimType};
use crate::scim::filter::{self, Attribute, GroupAttribute, Literal, Term, UserAttribute};
use crate::scim::patch;
use crate::scim::store::ScimDirectory;
use crate::scim::types::{
    GROUP_SCHEMA, GroupData, GroupIn, LIST_SCHEMA, SCIM_JSON, UserData, UserIn, from_value,
    parse_body,
};
use crate::scim::{ScimConfig, ScimState};

/// The routes, relative to the SCIM base URL.
pub(crate) fn router<D: ScimDirectory + Send + 'static>(state: ScimState<D>) -> Router {
    Router::new()
        .route("/Users", get(list_users::<D>).post(create_user::<D>))
        .route("/Users/{id}", resource::<D, Users>())
        .route("/Groups", get(list_groups::<D>).post(create_group::<D>))
        .route("/Groups/{id}", resource::<D, Groups>())
        .route("/ServiceProviderConfig", get(service_provider_config::<D>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authenticate::<D>,
        ))
        .with_state(state)
}

/// GET, PUT, PATCH and DELETE of one resource of kind `K`.
fn resource<D: ScimDirectory + Send + 'static, K: Kind<D>>() -> MethodRouter<ScimState<D>> {
    get(get_one::<D, K>)
        .put(put_one::<D, K>)
        .patch(patch_one::<D, K>)
        .delete(delete_one::<D, K>)
}

async fn authenticate<D: Send + 'static>(
    State(state): State<ScimState<D>>,
    request: Request,
    next: Next,
) -> Result<Response, ScimError> {
    state.config.token.check(request.headers())?;
    Ok(next.run(request).await)
}

async fn not_found() -> ScimError {
    ScimError::new(StatusCode::NOT_FOUND, "no SCIM endpoint at this path")
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this SCIM endpoint does not take this method",
    )
}

fn lock<D>(state: &ScimState<D>) -> Result<MutexGuard<'_, D>, ScimError> {
    // A poisoned lock means a handler panicked mid-write: refuse rather than serve a state
    // that may be half-changed.
    state.directory.lock().map_err(|_| ScimError::internal())
}

fn path_id(path: Result<Path<String>, PathRejection>) -> Result<String, ScimError> {
    path.map(|Path(id)| id)
        .map_err(|e| ScimError::new(StatusCode::NOT_FOUND, format!("resource path: {e}")))
}

/// Reads a JSON body of at most `max_body_bytes`; another media type than JSON is 415.
async fn read_body(
    config: &ScimConfig,
    headers: &HeaderMap,
    body: Body,
) -> Result<Value, ScimError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let media = content_type
            .to_str()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media != SCIM_JSON && media != "application/json" {
            return Err(ScimError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Content-Type `{media}` is not application/scim+json or application/json"),
            ));
        }
    }
    let bytes = to_bytes(body, config.max_body_bytes).await.map_err(|_| {
        ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body is larger than {} bytes or could not be read",
                config.max_body_bytes
            ),
        )
    })?;
    parse_body(&bytes)
}

fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// The entity-tags of `If-Match` or `If-None-Match`, weak prefixes dropped (RFC 7644 §3.14
/// compares versions weakly); `None` when the header is absent.
fn tags(headers: &HeaderMap, name: header::HeaderName) -> Option<Vec<String>> {
    let mut found = None;
    for value in headers.get_all(name).iter() {
        let list: &mut Vec<String> = found.get_or_insert_with(Vec::new);
        for tag in value.to_str().unwrap_or("").split(',') {
            let tag = tag.trim();
            list.push(tag.strip_prefix("W/").unwrap_or(tag).to_owned());
        }
    }
    found
}

fn matches(tags: &[String], version: u64) -> bool {
    let current = format!("\"{version}\"");
    tags.iter().any(|t| t == "*" || *t == current)
}

/// `If-Match` on PUT, PATCH and DELETE: another version is 412.
fn check_if_match(headers: &HeaderMap, version: u64) -> Result<(), ScimError> {
    match tags(headers, header::IF_MATCH) {
        Some(tags) if !matches(&tags, version) => Err(ScimError::new(
            StatusCode::PRECONDITION_FAILED,
            format!(
                "If-Match {tags:?} does not match the current version {}",
                etag(version)
            ),
        )),
        _ => Ok(()),
    }
}

fn not_modified(headers: &HeaderMap, version: u64) -> bool {
    tags(headers, header::IF_NONE_MATCH).is_some_and(|tags| matches(&tags, version))
}

fn respond(
    status: StatusCode,
    body: Option<&Value>,
    version: Option<u64>,
    location: Option<&str>,
) -> Response {
    let mut response = match body {
        Some(body) => (status, body.to_string()).into_response(),
        None => status.into_response(),
    };
    let headers = response.headers_mut();
    if body.is_some() {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    }
    if let Some(Ok(value)) = version.map(|v| HeaderValue::from_str(&etag(v))) {
        headers.insert(header::ETAG, value);
    }
    if let Some(Ok(value)) = location.map(HeaderValue::from_str) {
        headers.insert(header::LOCATION, value);
    }
    response
}

fn ok(body: &Value, version: u64) -> Response {
    respond(StatusCode::OK, Some(body), Some(version), None)
}

/// 201 with the new resource, its ETag and its Location.
fn created(
    config: &ScimConfig,
    resource_type: &str,
    id: &str,
    body: &Value,
    version: u64,
) -> Response {
    let location = location(config, resource_type, id);
    respond(
        StatusCode::CREATED,
        Some(body),
        Some(version),
        Some(&location),
    )
}

fn meta(config: &ScimConfig, resource_type: &str, id: &str, version: u64) -> Value {
    json!({
        "resourceType": resource_type,
        "location": location(config, resource_type, id),
        "version": etag(version),
    })
}

fn location(config: &ScimConfig, resource_type: &str, id: &str) -> String {
    format!("{}/{resource_type}s/{id}", config.base_url)
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    filter: Option<String>,
    #[serde(default, rename = "startIndex")]
    start_index: Option<String>,
    #[serde(default)]
    count: Option<String>,
    #[serde(default, rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
    // Accepted and not applied: every attribute is returned (RFC 7644 §3.4.2.5 lets a
    // service return more than asked for only for `always` attributes; Okta never sends it).
    #[serde(default)]
    #[expect(dead_code, reason = "accepted so that the query is not refused")]
    attributes: Option<String>,
}

/// A page of a list (RFC 7644 §3.4.2.4): 1-based `startIndex`, `count` capped.
#[derive(Clone, Copy, Debug)]
struct Page {
    start_index: u64,
    offset: usize,
    count: usize,
}

fn integer(name: &str, value: &str) -> Result<i64, ScimError> {
    value.trim().parse().map_err(|_| {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("{name} `{value}` is not an integer"),
        )
    })
}

fn page(query: &ListQuery, max_results: usize) -> Result<Page, ScimError> {
    // "A value less than 1 SHALL be interpreted as 1"; a negative count as 0.
    let start = match &query.start_index {
        Some(s) => integer("startIndex", s)?.max(1),
        None => 1,
    };
    let count = match &query.count {
        Some(c) => usize::try_from(integer("count", c)?.max(0)).unwrap_or(usize::MAX),
        None => max_results,
    };
    let start_index = u64::try_from(start).unwrap_or(1);
    Ok(Page {
        start_index,
        offset: usize::try_from(start_index.saturating_sub(1)).unwrap_or(usize::MAX),
        count: count.min(max_results),
    })
}

/// The query of a list request, its page and its filter's terms.
fn list_request<A: Attribute>(
    query: Result<Query<ListQuery>, QueryRejection>,
    config: &ScimConfig,
) -> Result<(ListQuery, Page, Vec<Term<A>>), ScimError> {
    let query = query.map(|Query(q)| q).map_err(|e| {
        ScimError::bad_request(ScimType::InvalidValue, format!("query string: {e}"))
    })?;
    let page = page(&query, config.max_results)?;
    let terms = match &query.filter {
        Some(f) => filter::parse::<A>(f)?,
        None => Vec::new(),
    };
    Ok((query, page, terms))
}

fn list_response(total: usize, page: Page, resources: Vec<Value>) -> Response {
    let body = json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "itemsPerPage": resources.len(),
        "startIndex": page.start_index,
        "Resources": resources,
    });
    respond(StatusCode::OK, Some(&body), None, None)
}

fn slice<T>(mut all: Vec<T>, page: Page) -> Vec<T> {
    let start = page.offset.min(all.len());
    all.drain(..start);
    all.truncate(page.count);
    all
}

// ---------------------------------------------------------------------------------- Users

fn user_json<D: ScimDirectory>(
    directory: &D,
    config: &ScimConfig,
    user: &User,
) -> Result<(Value, u64), ScimError> {
    let version = directory.user_version(&user.id)?;
    let mut body =
        UserData::from_user(user).to_json(&user.id, meta(config, "User", &user.id, version));
    // `groups` is read-only (RFC 7643 §4.1.2): memberships change through /Groups.
    let groups: Vec<Value> = directory
        .groups_of(&user.id)?
        .into_iter()
        .map(|g| {
            json!({
                "value": g.id,
                "display": g.name,
                "type": "direct",
                "$ref": location(config, "Group", &g.id),
            })
        })
        .collect();
    if let (false, Some(map)) = (groups.is_empty(), body.as_object_mut()) {
        map.insert("groups".to_owned(), Value::Array(groups));
    }
    Ok((body, version))
}

fn find_user<D: ScimDirectory>(directory: &D, id: &str) -> Result<User, ScimError> {
    directory
        .user(id)?
        .ok_or_else(|| ScimError::not_found("User", id))
}

fn user_matches(user: &User, data: &UserData, term: &Term<UserAttribute>) -> bool {
    match (term.attribute, &term.value) {
        (UserAttribute::Active, Literal::Boolean(active)) => data.active == *active,
        (UserAttribute::EmailsValue, Literal::String(v)) => {
            let v = v.to_lowercase();
            data.emails.iter().any(|e| e.value.to_lowercase() == v)
        }
        (UserAttribute::ExternalId, Literal::String(v)) => data.external_id.as_ref() == Some(v),
        (UserAttribute::Id, Literal::String(v)) => user.id == *v,
        (UserAttribute::UserName, Literal::String(v)) => {
            user.login.to_lowercase() == v.to_lowercase()
        }
        _ => false,
    }
}

fn filtered_users<D: ScimDirectory>(
    directory: &D,
    terms: &[Term<UserAttribute>],
) -> Result<Vec<User>, ScimError> {
    // Candidates from the most selective lookup the directory has, then every term checked.
    let mut candidates = None;
    for term in terms {
        let Some(value) = term.string() else { continue };
        let found = match term.attribute {
            UserAttribute::Id => directory.user(value)?.into_iter().collect(),
            UserAttribute::UserName => directory.find_by_login(value)?,
            UserAttribute::ExternalId => directory.find_by_attribute("externalId", value)?,
            // The directory looks up the primary email without case, but not `secondEmail`:
            // these terms are only checked on candidates (or on a scan of every user).
            UserAttribute::Active | UserAttribute::EmailsValue => continue,
        };
        candidates = Some(found);
        break;
    }
    let candidates = match candidates {
        Some(found) => found,
        None => directory.list_users(0, usize::MAX)?.0,
    };
    let mut users: Vec<User> = candidates
        .into_iter()
        .filter(|u| {
            let data = UserData::from_user(u);
            terms.iter().all(|t| user_matches(u, &data, t))
        })
        .collect();
    users.sort_by(|a, b| a.id.cmp(&b.id));
    users.dedup_by(|a, b| a.id == b.id);
    Ok(users)
}

async fn list_users<D: ScimDirectory + Send + 'static>(
    State(state): State<ScimState<D>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ScimError> {
    let (_, page, terms) = list_request::<UserAttribute>(query, &state.config)?;
    let directory = lock(&state)?;
    let (users, total) = if terms.is_empty() {
        directory.list_users(page.offset, page.count)?
    } else {
        let all = filtered_users(&*directory, &terms)?;
        let total = all.len();
        (slice(all, page), total)
    };
    let resources = users
        .iter()
        .map(|u| user_json(&*directory, &state.config, u).map(|(body, _)| body))
        .collect::<Result<Vec<_>, _>>()?;
    drop(directory);
    Ok(list_response(total, page, resources))
}

async fn create_user<D: ScimDirectory + Send + 'static>(
    State(state): State<ScimState<D>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ScimError> {
    let body = read_body(&state.config, &headers, body).await?;
    let data = from_value::<UserIn>(body, "User")?.into_data(true)?;
    let mut new = NewUser::new(
        data.user_name.clone(),
        if data.active {
            UserStatus::Active
        } else {
            UserStatus::Deprovisioned
        },
    );
    for (key, value) in data.profile() {
        match (key, value) {
            ("email", value) => new.email = value,
            (key, Some(value)) => {
                new.profile.insert(key.to_owned(), value);
            }
            (_, None) => {}
        }
    }
    let mut directory = lock(&state)?;
    // The directory refuses a login another user has (ignoring case) under the same lock
    // as the check, so concurrent creates of one userName make one user.
    let id = directory.create_user(&new).map_err(|e| match e {
        saml_policy::DirectoryError::Conflict { .. } => {
            ScimError::uniqueness(format!("userName `{}` is already taken", data.user_name))
        }
        other => other.into(),
    })?;
    let (body, version) = Users::show(&*directory, &state.config, &id)?;
    drop(directory);
    Ok(created(&state.config, "User", &id, &body, version))
}

/// Writes `new` over `old` for the user: profile first, then the status; a failed status
/// change puts the profile back, so nothing is half-applied.
fn write_user<D: ScimDirectory>(
    directory: &mut D,
    user: &User,
    old: &UserData,
    new: &UserData,
) -> Result<(), ScimError> {
    if new.user_name != old.user_name {
        let taken = directory
            .find_by_login(&new.user_name)?
            .into_iter()
            .any(|other| other.id != user.id);
        if taken {
            return Err(ScimError::uniqueness(format!(
                "userName `{}` is already taken",
                new.user_name
            )));
        }
        return Err(ScimError::bad_request(
            ScimType::Mutability,
            format!(
                "userName `{}` cannot be changed to `{}` (the directory's login is immutable)",
                old.user_name, new.user_name
            ),
        ));
    }
    // SCIM `active` ⇔ not DEPROVISIONED: false deactivates, true activates a deactivated
    // user straight to ACTIVE (federated users have no password to set). A suspended or
    // staged user stays as it is when a client sends `active: true` again.
    let status = match (old.active, new.active) {
        (true, false) => Some(UserStatus::Deprovisioned),
        (false, true) => Some(UserStatus::Active),
        _ => None,
    };
    if let Some(to) = status
        && !user.status.can_change_to(to)
    {
        return Err(ScimError::new(
            StatusCode::CONFLICT,
            format!("user `{}` cannot go from {} to {to}", user.id, user.status),
        ));
    }
    let changes = new.changes_from(old);
    if !changes.is_empty() {
        directory.update_profile(&user.id, &changes)?;
    }
    if let Some(to) = status
        && let Err(e) = directory.set_status(&user.id, user.status, to)
    {
        if !changes.is_empty() {
            // Best effort: the error reported is the first one.
            let _ = directory.update_profile(&user.id, &old.changes_from(new));
        }
        return Err(e.into());
    }
    Ok(())
}

// --------------------------------------------------------------------------------- Groups

fn find_group<D: ScimDirectory>(directory: &D, id: &str) -> Result<Group, ScimError> {
    directory
        .group(id)?
        .ok_or_else(|| ScimError::not_found("Group", id))
}

fn group_data<D: ScimDirectory>(directory: &D, group: &Group) -> Result<GroupData, ScimError> {
    Ok(GroupData {
        display_name: group.name.clone(),
        members: directory.members(&group.id)?.into_iter().collect(),
    })
}

fn group_json<D: ScimDirectory>(
    directory: &D,
    config: &ScimConfig,
    group: &Group,
    with_members: bool,
) -> Result<(Value, u64), ScimError> {
    let version = directory.group_version(&group.id)?;
    let mut body = json!({
        "schemas": [GROUP_SCHEMA],
        "id": group.id,
        "displayName": group.name,
        "meta": meta(config, "Group", &group.id, version),
    });
    if with_members {
        let mut members = Vec::new();
        for member in directory.members(&group.id)? {
            let display = directory
                .user(&member)?
                .map(|u| u.profile.get("displayName").cloned().unwrap_or(u.login));
            members.push(json!({
                "value": member,
                "display": display,
                "type": "User",
                "$ref": location(config, "User", &member),
            }));
        }
        if let Some(map) = body.as_object_mut() {
            map.insert("members".to_owned(), Value::Array(members));
        }
    }
    Ok((body, version))
}

/// APP_GROUP and BUILT_IN groups belong to Okta (an application import, Everyone): SCIM
/// shows them and never changes them.
fn require_writable(group: &Group) -> Result<(), ScimError> {
    if group.group_type == GroupType::OktaGroup {
        Ok(())
    } else {
        Err(ScimError::bad_request(
            ScimType::Mutability,
            format!(
                "group `{}` is an {}; only OKTA_GROUP groups can be changed through SCIM",
                group.id, group.group_type
            ),
        ))
    }
}

fn require_users<D: ScimDirectory>(directory: &D, members: &[&String]) -> Result<(), ScimError> {
    for member in members {
        if directory.user(member)?.is_none() {
            // 404, as Oxide's conformance tester expects: the member does not exist.
            return Err(ScimError::new(
                StatusCode::NOT_FOUND,
                format!("members value `{member}` is not the id of a User"),
            ));
        }
    }
    Ok(())
}

fn group_name_taken(name: &str) -> impl FnOnce(saml_policy::DirectoryError) -> ScimError + '_ {
    move |e| match e {
        saml_policy::DirectoryError::Conflict { .. } => {
            ScimError::uniqueness(format!("displayName `{name}` is already taken"))
        }
        other => other.into(),
    }
}

/// Writes `new` over `old` for the group; a failed write undoes the ones before it.
fn write_group<D: ScimDirectory>(
    directory: &mut D,
    group: &Group,
    old: &GroupData,
    new: &GroupData,
) -> Result<(), ScimError> {
    require_writable(group)?;
    let added: Vec<&String> = new.members.difference(&old.members).collect();
    let removed: Vec<&String> = old.members.difference(&new.members).collect();
    require_users(directory, &added)?;
    if new.display_name != old.display_name {
        directory
            .rename_group(&group.id, &new.display_name)
            .map_err(group_name_taken(&new.display_name))?;
    }
    let mut done: Vec<(bool, &String)> = Vec::new();
    let mut result = Ok(());
    for (add, member) in added
        .iter()
        .map(|m| (true, *m))
        .chain(removed.iter().map(|m| (false, *m)))
    {
        let step = if add {
            directory.add_member(member, &group.id)
        } else {
            directory.remove_member(member, &group.id)
        };
        match step {
            Ok(_) => done.push((add, member)),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    if let Err(e) = result {
        // Best effort: the error reported is the first one.
        for (add, member) in done.into_iter().rev() {
            let _ = if add {
                directory.remove_member(member, &group.id)
            } else {
                directory.add_member(member, &group.id)
            };
        }
        if new.display_name != old.display_name {
            let _ = directory.rename_group(&group.id, &old.display_name);
        }
        return Err(e.into());
    }
    Ok(())
}

fn group_matches<D: ScimDirectory>(
    directory: &D,
    group: &Group,
    term: &Term<GroupAttribute>,
) -> Result<bool, ScimError> {
    let value = term.string().unwrap_or("");
    Ok(match term.attribute {
        GroupAttribute::DisplayName => group.name.to_lowercase() == value.to_lowercase(),
        GroupAttribute::Id => group.id == value,
        GroupAttribute::MembersValue => directory.members(&group.id)?.iter().any(|m| m == value),
    })
}

async fn list_groups<D: ScimDirectory + Send + 'static>(
    State(state): State<ScimState<D>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ScimError> {
    let (query, page, terms) = list_request::<GroupAttribute>(query, &state.config)?;
    let with_members = !query.excluded_attributes.as_deref().is_some_and(|list| {
        list.split(',')
            .any(|a| a.trim().eq_ignore_ascii_case("members"))
    });
    let directory = lock(&state)?;
    let (groups, total) = match terms.first() {
        None => directory.list_groups(page.offset, page.count)?,
        Some(first) => {
            let value = first.string().unwrap_or("");
            let candidates = match first.attribute {
                GroupAttribute::DisplayName => directory.find_groups_by_name(value)?,
                GroupAttribute::Id => directory.group(value)?.into_iter().collect(),
                GroupAttribute::MembersValue => directory.groups_of(value)?,
            };
            let mut all = Vec::new();
            for group in candidates {
                let mut keep = true;
                for term in &terms {
                    keep = keep && group_matches(&*directory, &group, term)?;
                }
                if keep {
                    all.push(group);
                }
            }
            all.sort_by(|a, b| a.id.cmp(&b.id));
            all.dedup_by(|a, b| a.id == b.id);
            let total = all.len();
            (slice(all, page), total)
        }
    };
    let resources = groups
        .iter()
        .map(|g| group_json(&*directory, &state.config, g, with_members).map(|(body, _)| body))
        .collect::<Result<Vec<_>, _>>()?;
    drop(directory);
    Ok(list_response(total, page, resources))
}

async fn create_group<D: ScimDirectory + Send + 'static>(
    State(state): State<ScimState<D>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ScimError> {
    let body = read_body(&state.config, &headers, body).await?;
    let data = from_value::<GroupIn>(body, "Group")?.into_data()?;
    let mut directory = lock(&state)?;
    require_users(&*directory, &data.members.iter().collect::<Vec<_>>())?;
    let id = directory
        .create_group(&data.display_name)
        .map_err(group_name_taken(&data.display_name))?;
    for member in &data.members {
        if let Err(e) = directory.add_member(member, &id) {
            let _ = directory.delete_group(&id);
            return Err(e.into());
        }
    }
    let (body, version) = Groups::show(&*directory, &state.config, &id)?;
    drop(directory);
    Ok(created(&state.config, "Group", &id, &body, version))
}

// ------------------------------------------------------------------- One resource, any kind

/// What the handlers of one resource need to know of its kind. The steps around them (the id
/// of the path, the body, `If-Match`, the lock, the response and its ETag) are the same for
/// Users and Groups and are written once, in [`get_one`], [`put_one`], [`patch_one`] and
/// [`delete_one`].
trait Kind<D: ScimDirectory>: Send + Sync + 'static {
    /// `User` or `Group`: the `resourceType`, and the name of the resource in errors.
    const NAME: &'static str;
    /// The directory's record.
    type Record;
    /// The SCIM attributes that PUT and PATCH change.
    type Data: Clone;
    /// The body of a PUT.
    type In: DeserializeOwned;

    fn find(directory: &D, id: &str) -> Result<Self::Record, ScimError>;
    fn version(directory: &D, id: &str) -> Result<u64, ScimError>;
    /// The resource as returned by GET, and its version.
    fn json(
        directory: &D,
        config: &ScimConfig,
        record: &Self::Record,
    ) -> Result<(Value, u64), ScimError>;
    fn data(directory: &D, record: &Self::Record) -> Result<Self::Data, ScimError>;
    fn input_id(input: &Self::In) -> Option<&String>;
    /// The current data and what a PUT of `input` makes of it.
    fn replace(
        directory: &D,
        record: &Self::Record,
        input: Self::In,
    ) -> Result<(Self::Data, Self::Data), ScimError>;
    fn patch(data: &mut Self::Data, id: &str, ops: &[patch::Operation]) -> Result<(), ScimError>;
    fn write(
        directory: &mut D,
        record: &Self::Record,
        old: &Self::Data,
        new: &Self::Data,
    ) -> Result<(), ScimError>;
    /// Refuses a DELETE before `If-Match` is looked at.
    fn deletable(_record: &Self::Record) -> Result<(), ScimError> {
        Ok(())
    }
    fn delete(directory: &mut D, id: &str) -> Result<(), ScimError>;

    /// The resource `id` as returned by GET, and its version.
    fn show(directory: &D, config: &ScimConfig, id: &str) -> Result<(Value, u64), ScimError> {
        Self::json(directory, config, &Self::find(directory, id)?)
    }
}

struct Users;

impl<D: ScimDirectory> Kind<D> for Users {
    const NAME: &'static str = "User";
    type Record = User;
    type Data = UserData;
    type In = UserIn;

    fn find(directory: &D, id: &str) -> Result<User, ScimError> {
        find_user(directory, id)
    }
    fn version(directory: &D, id: &str) -> Result<u64, ScimError> {
        Ok(directory.user_version(id)?)
    }
    fn json(directory: &D, config: &ScimConfig, user: &User) -> Result<(Value, u64), ScimError> {
        user_json(directory, config, user)
    }
    fn data(_directory: &D, user: &User) -> Result<UserData, ScimError> {
        Ok(UserData::from_user(user))
    }
    fn input_id(input: &UserIn) -> Option<&String> {
        input.id.as_ref()
    }
    fn replace(
        _directory: &D,
        user: &User,
        input: UserIn,
    ) -> Result<(UserData, UserData), ScimError> {
        let old = UserData::from_user(user);
        // `active` left out of a PUT keeps its value.
        let new = input.into_data(old.active)?;
        Ok((old, new))
    }
    fn patch(data: &mut UserData, id: &str, ops: &[patch::Operation]) -> Result<(), ScimError> {
        patch::apply_user(data, id, ops)
    }
    fn write(
        directory: &mut D,
        user: &User,
        old: &UserData,
        new: &UserData,
    ) -> Result<(), ScimError> {
        write_user(directory, user, old, new)
    }
    fn delete(directory: &mut D, id: &str) -> Result<(), ScimError> {
        Ok(directory.delete_user(id)?)
    }
}

struct Groups;

impl<D: ScimDirectory> Kind<D> for Groups {
    const NAME: &'static str = "Group";
    type Record = Group;
    type Data = GroupData;
    type In = GroupIn;

    fn find(directory: &D, id: &str) -> Result<Group, ScimError> {
        find_group(directory, id)
    }
    fn version(directory: &D, id: &str) -> Result<u64, ScimError> {
        Ok(directory.group_version(id)?)
    }
    fn json(directory: &D, config: &ScimConfig, group: &Group) -> Result<(Value, u64), ScimError> {
        group_json(directory, config, group, true)
    }
    fn data(directory: &D, group: &Group) -> Result<GroupData, ScimError> {
        group_data(directory, group)
    }
    fn input_id(input: &GroupIn) -> Option<&String> {
        input.id.as_ref()
    }
    fn replace(
        directory: &D,
        group: &Group,
        input: GroupIn,
    ) -> Result<(GroupData, GroupData), ScimError> {
        let new = input.into_data()?;
        let old = group_data(directory, group)?;
        Ok((old, new))
    }
    fn patch(data: &mut GroupData, id: &str, ops: &[patch::Operation]) -> Result<(), ScimError> {
        patch::apply_group(data, id, ops)
    }
    fn write(
        directory: &mut D,
        group: &Group,
        old: &GroupData,
        new: &GroupData,
    ) -> Result<(), ScimError> {
        write_group(directory, group, old, new)
    }
    fn deletable(group: &Group) -> Result<(), ScimError> {
        require_writable(group)
    }
    fn delete(directory: &mut D, id: &str) -> Result<(), ScimError> {
        Ok(directory.delete_group(id)?)
    }
}

fn check_if_match_kind<D: ScimDirectory, K: Kind<D>>(
    directory: &D,
    headers: &HeaderMap,
    id: &str,
) -> Result<(), ScimError> {
    check_if_match(headers, K::version(directory, id)?)
}

/// Writes `new` over `old` and answers 200 with the resource as it now is (RFC 7644 §3.5.1,
/// §3.5.2; Okta takes 200 or 204 after a PATCH, Oxide's tester 200).
fn write_and_show<D: ScimDirectory, K: Kind<D>>(
    mut directory: MutexGuard<'_, D>,
    config: &ScimConfig,
    id: &str,
    record: &K::Record,
    old: &K::Data,
    new: &K::Data,
) -> Result<Response, ScimError> {
    K::write(&mut *directory, record, old, new)?;
    let (body, version) = K::show(&*directory, config, id)?;
    drop(directory);
    Ok(ok(&body, version))
}

async fn get_one<D: ScimDirectory + Send + 'static, K: Kind<D>>(
    State(state): State<ScimState<D>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let id = path_id(path)?;
    let directory = lock(&state)?;
    let (body, version) = K::show(&*directory, &state.config, &id)?;
    drop(directory);
    if not_modified(&headers, version) {
        return Ok(respond(StatusCode::NOT_MODIFIED, None, Some(version), None));
    }
    Ok(ok(&body, version))
}

async fn put_one<D: ScimDirectory + Send + 'static, K: Kind<D>>(
    State(state): State<ScimState<D>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ScimError> {
    let id = path_id(path)?;
    let body = read_body(&state.config, &headers, body).await?;
    let input = from_value::<K::In>(body, K::NAME)?;
    if let Some(given) = K::input_id(&input)
        && *given != id
    {
        return Err(ScimError::bad_request(
            ScimType::Mutability,
            format!("id `{given}` of the body is not `{id}`"),
        ));
    }
    let directory = lock(&state)?;
    let record = K::find(&*directory, &id)?;
    check_if_match_kind::<D, K>(&*directory, &headers, &id)?;
    let (old, new) = K::replace(&*directory, &record, input)?;
    write_and_show::<D, K>(directory, &state.config, &id, &record, &old, &new)
}

async fn patch_one<D: ScimDirectory + Send + 'static, K: Kind<D>>(
    State(state): State<ScimState<D>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ScimError> {
    let id = path_id(path)?;
    let operations = patch::parse(read_body(&state.config, &headers, body).await?)?;
    let directory = lock(&state)?;
    let record = K::find(&*directory, &id)?;
    check_if_match_kind::<D, K>(&*directory, &headers, &id)?;
    let old = K::data(&*directory, &record)?;
    let mut new = old.clone();
    K::patch(&mut new, &id, &operations)?;
    write_and_show::<D, K>(directory, &state.config, &id, &record, &old, &new)
}

async fn delete_one<D: ScimDirectory + Send + 'static, K: Kind<D>>(
    State(state): State<ScimState<D>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let id = path_id(path)?;
    let mut directory = lock(&state)?;
    K::deletable(&K::find(&*directory, &id)?)?;
    check_if_match_kind::<D, K>(&*directory, &headers, &id)?;
    K::delete(&mut *directory, &id)?;
    Ok(respond(StatusCode::NO_CONTENT, None, None, None))
}

async fn service_provider_config<D: Send + 'static>(State(state): State<ScimState<D>>) -> Response {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": state.config.max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A static bearer token in the Authorization header",
        }],
        "meta": {"resourceType": "ServiceProviderConfig"},
    });
    respond(StatusCode::OK, Some(&body), None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_rfc_7644() {
        let q = |start: Option<&str>, count: Option<&str>| ListQuery {
            filter: None,
            start_index: start.map(Into::into),
            count: count.map(Into::into),
            excluded_attributes: None,
            attributes: None,
        };
        let p = page(&q(Some("0"), Some("-5")), 100).unwrap();
        assert_eq!((p.start_index, p.offset, p.count), (1, 0, 0));
        let p = page(&q(Some("3"), Some("100000")), 100).unwrap();
        assert_eq!((p.start_index, p.offset, p.count), (3, 2, 100));
        let p = page(&q(None, None), 50).unwrap();
        assert_eq!((p.start_index, p.count), (1, 50));
        assert!(page(&q(Some("x"), None), 100).is_err());
        assert!(page(&q(None, Some("99999999999999999999")), 100).is_err());
        assert_eq!(
            slice(
                vec![1, 2, 3, 4],
                Page {
                    start_index: 2,
                    offset: 1,
                    count: 2
                }
            ),
            [2, 3]
        );
        assert_eq!(
            slice(
                vec![1],
                Page {
                    start_index: 9,
                    offset: 8,
                    count: 2
                }
            ),
            Vec::<i32>::new()
        );
    }

    #[test]
    fn etags_compare_weakly() {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_static("W/\"3\", \"9\""));
        assert!(check_if_match(&headers, 3).is_ok());
        assert!(check_if_match(&headers, 9).is_ok());
        assert_eq!(
            check_if_match(&headers, 4).unwrap_err().status,
            StatusCode::PRECONDITION_FAILED
        );
        headers.insert(header::IF_MATCH, HeaderValue::from_static("*"));
        assert!(check_if_match(&headers, 4).is_ok());
        assert!(check_if_match(&HeaderMap::new(), 4).is_ok());
    }
}
