//! The provisioning client against the Users API server over HTTP (127.0.0.1:0): create,
//! update, deactivate, reactivate, groups, idempotency, 429 and 5xx with retries, a bad token,
//! "Test API Credentials", concurrent creates over the in-memory and SQLite directories, and
//! a restart on the same SQLite file.

mod okta_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use okta_support::*;
use saml_policy::Directory;
use saml_provision::client::{
    Action, Change, ClientConfig, CredentialsError, InitialStatus, MemoryOutcomeLog, PushUser,
    RetryPolicy, UsersApiClient,
};
use saml_provision::okta_api::RateLimit;
use saml_provision::sqlite::SharedSqlite;
use saml_provision::store::SharedDirectory;
use serde_json::json;

/// Retries at a tiny scale: waits of milliseconds.
fn quick() -> RetryPolicy {
    RetryPolicy::new(
        6,
        Duration::from_millis(5),
        Duration::from_millis(400),
        Duration::from_secs(3),
    )
}

fn client_with(
    base: &str,
    token: &str,
    retry: RetryPolicy,
) -> (UsersApiClient, Arc<MemoryOutcomeLog>) {
    let log = Arc::new(MemoryOutcomeLog::new());
    let mut config = ClientConfig::new(base, token);
    config.retry = retry;
    config.request_timeout = Duration::from_secs(10);
    (UsersApiClient::new(config, log.clone()).unwrap(), log)
}

fn admin_client(base: &str) -> (UsersApiClient, Arc<MemoryOutcomeLog>) {
    client_with(base, ADMIN_TOKEN, quick())
}

fn alice() -> PushUser {
    PushUser::new("alice@example.com")
        .attribute("email", "alice@example.com")
        .attribute("firstName", "Alice")
        .attribute("lastName", "Liddell")
}

fn assigned(user: PushUser, initial_status: InitialStatus) -> Change {
    Change::Assigned {
        user,
        initial_status,
    }
}

#[tokio::test]
async fn create_update_deactivate_reactivate_and_groups() {
    let store = memory();
    let base = serve(store.clone(), |_| {}).await;
    let (client, log) = admin_client(&base);

    let me = client.test_credentials().await.unwrap();
    assert_eq!(
        (me.id.as_str(), me.login()),
        (ADMIN_ID, "admin@org2.example")
    );

    // Assigned: created with the initial status.
    let outcome = client
        .push(&assigned(alice(), InitialStatus::ActiveWithPass))
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    assert_eq!(
        outcome.actions,
        [Action::Created {
            status: "ACTIVE".into()
        }]
    );
    let id = outcome.remote_id.clone().unwrap();
    assert_eq!(
        client.user(&id).await.unwrap().profile["firstName"],
        "Alice"
    );

    // Profile changes: only what differs is sent; the same change again sends nothing.
    let changed = alice()
        .attribute("lastName", "Pleasance")
        .attribute("title", "Explorer");
    let outcome = client
        .push(&Change::ProfileChanged {
            user: changed.clone(),
        })
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    assert_eq!(
        outcome.actions[1],
        Action::ProfileUpdated(vec!["lastName".into(), "title".into()])
    );
    let outcome = client
        .push(&Change::ProfileChanged {
            user: changed.clone(),
        })
        .await;
    assert_eq!(outcome.actions[1], Action::ProfileUnchanged);
    let outcome = client
        .push(&Change::ProfileChanged {
            user: changed.clone().clear("title"),
        })
        .await;
    assert_eq!(
        outcome.actions[1],
        Action::ProfileUpdated(vec!["title".into()])
    );
    assert!(
        !client
            .user(&id)
            .await
            .unwrap()
            .profile
            .contains_key("title")
    );

    // Groups.
    let groups = client.groups().await.unwrap();
    assert_eq!(groups.len(), 4);
    assert!(
        groups
            .iter()
            .any(|g| g.id == "00gstaff" && g.name() == "Staff" && g.group_type == "OKTA_GROUP")
    );
    let outcome = client
        .push(&Change::GroupsChanged {
            login: "ALICE@example.com".into(),
            add: vec!["00gstaff".into(), "00gsupport".into()],
            remove: vec![],
        })
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    let members = client.group_members("00gstaff").await.unwrap();
    assert_eq!(
        members.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        [id.as_str()]
    );
    let outcome = client
        .push(&Change::GroupsChanged {
            login: "alice@example.com".into(),
            add: vec![],
            remove: vec!["00gstaff".into()],
        })
        .await;
    assert_eq!(
        outcome.actions.last(),
        Some(&Action::RemovedFromGroup("00gstaff".into()))
    );
    let of_alice = client.groups_of(&id).await.unwrap();
    assert_eq!(
        of_alice.iter().map(|g| g.name()).collect::<Vec<_>>(),
        ["Support"]
    );
    // A group the API may not change: the failure carries Okta's code and summary.
    let outcome = client
        .push(&Change::GroupsChanged {
            login: "alice@example.com".into(),
            add: vec!["00gapp".into()],
            remove: vec![],
        })
        .await;
    let failure = outcome.result.clone().unwrap_err();
    assert_eq!(failure.error_code.as_deref(), Some("E0000001"));
    assert_eq!(failure.http_status, Some(400));
    assert!(failure.causes[0].contains("only OKTA_GROUP"), "{failure:?}");

    // Unassigned: deactivated; again: nothing to do.
    let outcome = client
        .push(&Change::Unassigned {
            login: "alice@example.com".into(),
        })
        .await;
    assert_eq!(
        outcome.actions.last(),
        Some(&Action::Deactivated),
        "{outcome}"
    );
    let outcome = client
        .push(&Change::Deactivated {
            login: "alice@example.com".into(),
        })
        .await;
    assert!(outcome.is_ok());
    assert!(
        matches!(outcome.actions.last(), Some(Action::NothingToDo(why)) if why.contains("already"))
    );
    // A profile change while deprovisioned waits for the reassignment.
    let outcome = client.push(&Change::ProfileChanged { user: alice() }).await;
    assert!(
        matches!(outcome.actions.last(), Some(Action::NothingToDo(_))),
        "{outcome}"
    );

    // Reassigned: activated, and the profile pushed.
    let outcome = client
        .push(&Change::Reassigned {
            user: alice(),
            initial_status: InitialStatus::ActiveWithPass,
        })
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    assert_eq!(
        outcome.actions,
        [
            Action::Found {
                status: "DEPROVISIONED".into()
            },
            Action::Activated,
            Action::ProfileUpdated(vec!["lastName".into()]),
        ]
    );
    assert_eq!(client.user(&id).await.unwrap().status, "ACTIVE");
    // Groups survive deactivation (Okta keeps memberships).
    assert_eq!(client.groups_of(&id).await.unwrap().len(), 1);

    // The admin sees every push, the failed one with its Okta error.
    let outcomes = log.outcomes();
    assert_eq!(outcomes.len(), 11);
    assert_eq!(log.failures().len(), 1);
    let line = log.failures()[0].to_string();
    assert!(
        line.starts_with("groups_changed alice@example.com ("),
        "{line}"
    );
    assert!(
        line.contains("FAILED") && line.contains("E0000001"),
        "{line}"
    );
    assert_eq!(
        store
            .lock()
            .find_by_login("alice@example.com")
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn each_initial_status_gives_okta_s_status() {
    let base = serve(memory(), |_| {}).await;
    let (client, _) = admin_client(&base);
    for (i, (initial, status)) in [
        (InitialStatus::ActiveWithPass, "ACTIVE"),
        (InitialStatus::ActiveWithoutPass, "PROVISIONED"),
        (InitialStatus::PendingWithPass, "STAGED"),
        (InitialStatus::PendingWithoutPass, "STAGED"),
    ]
    .into_iter()
    .enumerate()
    {
        let user = PushUser::new(format!("s{i}@example.com"))
            .attribute("email", format!("s{i}@example.com"))
            .attribute("firstName", "S")
            .attribute("lastName", "T");
        let outcome = client.push(&assigned(user, initial)).await;
        assert_eq!(
            outcome.actions,
            [Action::Created {
                status: status.into()
            }],
            "{initial:?}"
        );
    }
    // Reassigning a STAGED user activates it; a PROVISIONED one has its activation restarted.
    let outcome = client
        .push(&Change::Reassigned {
            user: PushUser::new("s2@example.com"),
            initial_status: InitialStatus::ActiveWithPass,
        })
        .await;
    assert_eq!(outcome.actions[1], Action::Activated, "{outcome}");
    let outcome = client
        .push(&Change::Reassigned {
            user: PushUser::new("s1@example.com"),
            initial_status: InitialStatus::ActiveWithPass,
        })
        .await;
    assert_eq!(outcome.actions[1], Action::Reactivated, "{outcome}");
    assert_eq!(
        client
            .find_user("s1@example.com")
            .await
            .unwrap()
            .unwrap()
            .status,
        "PROVISIONED"
    );
    // Assigning a STAGED user again with a pending status leaves it STAGED.
    let outcome = client
        .push(&assigned(
            PushUser::new("s3@example.com"),
            InitialStatus::PendingWithoutPass,
        ))
        .await;
    assert_eq!(
        outcome.actions,
        [
            Action::Found {
                status: "STAGED".into()
            },
            Action::ProfileUnchanged
        ]
    );
}

#[tokio::test]
async fn pushes_are_idempotent_by_login() {
    let store = memory();
    let base = serve(store.clone(), |_| {}).await;
    let (client, _) = admin_client(&base);
    let first = client
        .push(&assigned(alice(), InitialStatus::ActiveWithPass))
        .await;
    let again = client
        .push(&assigned(alice(), InitialStatus::ActiveWithPass))
        .await;
    assert!(again.is_ok(), "{again}");
    assert_eq!(again.remote_id, first.remote_id);
    assert_eq!(
        again.actions,
        [
            Action::Found {
                status: "ACTIVE".into()
            },
            Action::ProfileUnchanged
        ]
    );

    // A lookup that misses a user created meanwhile (a stale read, a concurrent push): the
    // create answers "login already exists", and the push updates the user it then finds.
    let stale = Arc::new(AtomicU32::new(0));
    let seen = stale.clone();
    let proxied = proxy(
        &base,
        Arc::new(move |method, uri| {
            let lookup = method == Method::GET
                && uri.path() == "/api/v1/users"
                && uri.query().is_some_and(|q| q.contains("filter"));
            (lookup && seen.fetch_add(1, Ordering::SeqCst) == 0)
                .then(|| axum::Json(json!([])).into_response())
        }),
    )
    .await;
    let (via_proxy, _) = admin_client(&proxied);
    let outcome = via_proxy
        .push(&assigned(
            alice().attribute("title", "Queen"),
            InitialStatus::ActiveWithPass,
        ))
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    assert_eq!(
        outcome.actions,
        [
            Action::Found {
                status: "ACTIVE".into()
            },
            Action::ProfileUpdated(vec!["title".into()]),
        ]
    );
    assert_eq!(outcome.remote_id, first.remote_id);
    assert_eq!(stale.load(Ordering::SeqCst), 2);
    assert_eq!(
        store
            .lock()
            .find_by_login("alice@example.com")
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn rate_limited_pushes_wait_for_the_reset_and_succeed() {
    let base = serve(memory(), |c| {
        c.rate_limit = Some(RateLimit::new(2, Duration::from_millis(300)))
    })
    .await;
    let (client, log) = admin_client(&base);
    // find + create, then find + update + find + update: more than 2 requests per window.
    let outcome = client
        .push(&assigned(alice(), InitialStatus::ActiveWithPass))
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    let outcome = client
        .push(&Change::ProfileChanged {
            user: alice().attribute("title", "A"),
        })
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    let outcome = client
        .push(&Change::ProfileChanged {
            user: alice().attribute("title", "B"),
        })
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    let total_waited: Duration = log.outcomes().iter().map(|o| o.waited).sum();
    let requests: u32 = log.outcomes().iter().map(|o| o.requests).sum();
    assert!(total_waited > Duration::ZERO, "some push waited");
    assert!(requests > 6, "429s were retried: {requests} requests");
    assert_eq!(
        client
            .find_user("alice@example.com")
            .await
            .unwrap()
            .unwrap()
            .profile["title"],
        "B"
    );
}

#[tokio::test]
async fn retries_are_bounded_and_the_failure_is_recorded() {
    let base = serve(memory(), |c| {
        c.rate_limit = Some(RateLimit::new(1, Duration::from_secs(60)))
    })
    .await;
    // The total wait allowed is less than one wait: the push fails at the first 429.
    let (client, log) = client_with(
        &base,
        ADMIN_TOKEN,
        RetryPolicy::new(
            6,
            Duration::from_millis(5),
            Duration::from_millis(400),
            Duration::from_millis(50),
        ),
    );
    let outcome = client
        .push(&assigned(alice(), InitialStatus::ActiveWithPass))
        .await;
    let failure = outcome.result.clone().unwrap_err();
    assert_eq!(failure.http_status, Some(429));
    assert_eq!(failure.error_code.as_deref(), Some("E0000047"));
    assert!(
        failure
            .message
            .contains("would pass the total wait allowed"),
        "{}",
        failure.message
    );
    assert_eq!(log.failures().len(), 1);
    // Bounded attempts: 3 attempts, no waiting budget problem.
    let (client, _) = client_with(
        &base,
        READER_TOKEN,
        RetryPolicy::new(
            3,
            Duration::from_millis(1),
            Duration::from_millis(2),
            Duration::from_secs(5),
        ),
    );
    let _ = client.find_user("x@example.com").await; // uses the reader's one request
    let error = client.find_user("x@example.com").await.unwrap_err();
    assert!(
        error.to_string().contains("gave up after 3 attempt(s)"),
        "{error}"
    );
    assert_eq!(
        error.okta().map(|o| o.error_code.as_str()),
        Some("E0000047")
    );
}

#[tokio::test]
async fn server_errors_are_retried() {
    let base = serve(memory(), |_| {}).await;
    let failures = Arc::new(AtomicU32::new(0));
    let count = failures.clone();
    // Every other request fails with 503.
    let flaky = proxy(
        &base,
        Arc::new(move |_, _| {
            count
                .fetch_add(1, Ordering::SeqCst)
                .is_multiple_of(2)
                .then(unavailable)
        }),
    )
    .await;
    let (client, _) = admin_client(&flaky);
    let outcome = client
        .push(&assigned(alice(), InitialStatus::ActiveWithoutPass))
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    assert_eq!(outcome.requests, 4, "{outcome}");
    assert!(outcome.waited >= Duration::from_millis(10));
    assert_eq!(
        outcome.actions,
        [Action::Created {
            status: "PROVISIONED".into()
        }]
    );
}

#[tokio::test]
async fn a_bad_token_is_refused_clearly() {
    let base = serve(memory(), |_| {}).await;
    let (client, log) = client_with(&base, "00not-a-token", quick());
    let error = client.test_credentials().await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::TokenRefused { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("the API token was refused by http://127.0.0.1:"),
        "{message}"
    );
    assert!(
        message.contains("E0000011 Invalid token provided"),
        "{message}"
    );
    let outcome = client
        .push(&assigned(alice(), InitialStatus::ActiveWithPass))
        .await;
    let failure = outcome.result.clone().unwrap_err();
    assert_eq!(
        (failure.http_status, failure.error_code.as_deref()),
        (Some(401), Some("E0000011"))
    );
    assert_eq!(outcome.requests, 1, "a 401 is not retried");
    assert_eq!(log.failures().len(), 1);

    // A token whose user is not a super admin: "Test API Credentials" passes, assignment fails.
    let (reader, _) = client_with(&base, READER_TOKEN, quick());
    assert!(reader.test_credentials().await.is_ok());
    let outcome = reader
        .push(&assigned(alice(), InitialStatus::ActiveWithPass))
        .await;
    assert_eq!(
        outcome.result.unwrap_err().error_code.as_deref(),
        Some("E0000006")
    );
}

#[tokio::test]
async fn test_credentials_names_a_wrong_or_unreachable_url() {
    // Nothing listens: bind a port, then free it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (client, _) = admin_client(&dead);
    let error = client.test_credentials().await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::Unreachable { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("could not reach {dead}/api/v1/users/me")),
        "{message}"
    );
    assert!(message.contains("is the base URL right"), "{message}");

    // Something else answers there.
    let other = serve_router(|_| {
        axum::Router::new().fallback(|| async { (StatusCode::NOT_FOUND, "no such page") })
    })
    .await;
    let (client, _) = admin_client(&other);
    let error = client.test_credentials().await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::NotUsersApi { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("answered 404 without an Okta error body"),
        "{error}"
    );
}

/// 32 concurrent creates of one login (in several cases) over HTTP: one user.
async fn concurrent_creates<S: SharedDirectory>(store: Arc<S>) -> Vec<u16> {
    let base = serve(store, |c| c.rate_limit = None).await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let login = if i % 2 == 0 {
                "race@example.com"
            } else {
                "RACE@Example.com"
            };
            let body = json!({"profile": {
                "login": login, "email": login, "firstName": "R", "lastName": format!("{i}")
            }});
            call(Method::POST, &format!("{base}/api/v1/users"), Some(body))
                .await
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_make_one_user_in_memory() {
    let store = memory();
    let statuses = concurrent_creates(store.clone()).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        31,
        "{statuses:?}"
    );
    assert_eq!(
        store
            .lock()
            .find_by_login("race@example.com")
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_make_one_user_in_sqlite() {
    let path = temp_db("race");
    let store = sqlite(&path);
    let statuses = concurrent_creates(store.clone()).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        31,
        "{statuses:?}"
    );
    let found = store.read(|d| d.find_by_login("race@example.com")).unwrap();
    assert_eq!(found.len(), 1);

    // And 32 concurrent client pushes of one assignment: all succeed, one user.
    let base = serve(store.clone(), |c| c.rate_limit = None).await;
    let (client, _) = admin_client(&base);
    let client = Arc::new(client);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .push(&assigned(alice(), InitialStatus::ActiveWithPass))
                .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        let outcome = task.await.unwrap();
        assert!(outcome.is_ok(), "{outcome}");
        created += usize::from(matches!(outcome.actions[..], [Action::Created { .. }]));
    }
    assert_eq!(created, 1);
    let found = store
        .read(|d| d.find_by_login("alice@example.com"))
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn sqlite_keeps_state_across_a_restart() {
    let path = temp_db("restart");
    let id = {
        let base = serve(sqlite(&path), |_| {}).await;
        let (client, _) = admin_client(&base);
        let mut user = alice();
        user.profile.insert("title".into(), Some("Before".into()));
        let outcome = client
            .push(&assigned(user, InitialStatus::ActiveWithPass))
            .await;
        client
            .push(&Change::GroupsChanged {
                login: "alice@example.com".into(),
                add: vec!["00gstaff".into()],
                remove: vec![],
            })
            .await;
        client
            .push(&Change::Deactivated {
                login: "alice@example.com".into(),
            })
            .await;
        outcome.remote_id.unwrap()
    };
    // A new server on the same file (the old one's connections are still open: WAL allows it).
    let store = Arc::new(SharedSqlite::open(&path).unwrap());
    let user = store.read(|d| d.user(&id)).unwrap().unwrap();
    assert_eq!(user.login, "alice@example.com");
    assert_eq!(user.status, saml_policy::UserStatus::Deprovisioned);
    assert_eq!(user.profile["title"], "Before");
    let base = serve(store, |_| {}).await;
    let (client, _) = admin_client(&base);
    let outcome = client
        .push(&Change::Reassigned {
            user: alice(),
            initial_status: InitialStatus::ActiveWithPass,
        })
        .await;
    assert!(outcome.is_ok(), "{outcome}");
    assert_eq!(outcome.remote_id.as_deref(), Some(id.as_str()));
    assert_eq!(client.groups_of(&id).await.unwrap()[0].name(), "Staff");
}
