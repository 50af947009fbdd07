//! The mock API server: scripted steps, the requests it saw, replies.

use super::*;

/// A request the mock API server received.
#[derive(Debug)]
pub(crate) struct Seen {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) content_type: Option<String>,
    /// The JSON body (`Null` when empty).
    pub(crate) body: Value,
}

impl Seen {
    /// The value of a query parameter.
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What the mock answers to one request.
pub(crate) enum Reply {
    /// A JSON body with a status code and `Warning` headers.
    Json {
        code: u16,
        warnings: Vec<String>,
        body: Value,
    },
    /// The request's body as the server would store it: what a create or a
    /// server-side apply of a new object answers.
    Echo,
    /// No answer ever (a server that stalls).
    Hang,
    /// The connection is reset before an answer.
    Reset,
}

impl Reply {
    pub(crate) fn with_warning(mut self, text: &str) -> Self {
        if let Reply::Json { warnings, .. } = &mut self {
            warnings.push(text.to_string());
        }
        self
    }
}

/// 200 with a JSON body.
pub(crate) fn ok(body: Value) -> Reply {
    Reply::Json {
        code: 200,
        warnings: Vec::new(),
        body,
    }
}

/// An error answer: a `v1` Status.
pub(crate) fn status(code: u16, reason: &str, message: &str) -> Reply {
    Reply::Json {
        code,
        warnings: Vec::new(),
        body: json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }),
    }
}

pub(crate) fn not_found(resource: &str, name: &str) -> Reply {
    status(404, "NotFound", &format!("{resource} \"{name}\" not found"))
}

/// A list answer; an empty `continue` ends the pagination.
pub(crate) fn list_of(kind: &str, items: Vec<Value>, continue_token: &str) -> Reply {
    ok(json!({
        "kind": kind,
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "4711", "continue": continue_token},
        "items": items,
    }))
}

/// `object` with what the API server adds when it stores it.
pub(crate) fn stored(mut object: Value, resource_version: &str, manager: &str) -> Value {
    let meta = &mut object["metadata"];
    meta["uid"] = json!(format!("uid-{resource_version}"));
    meta["resourceVersion"] = json!(resource_version);
    meta["creationTimestamp"] = json!("2025-01-01T00:00:00Z");
    meta["managedFields"] = json!([{"manager": manager, "operation": "Apply"}]);
    object
}

/// One expected request (method and exact path) and its answer.
pub(crate) struct Step {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) reply: Reply,
}

pub(crate) fn step(method: Method, path: impl Into<String>, reply: Reply) -> Step {
    Step {
        method,
        path: path.into(),
        reply,
    }
}

/// Runs `test` with a client whose API server answers from `steps`: each
/// request takes the first unused step of its method and path (so
/// concurrent requests may come in any order). A request that no step
/// expects, or a step never requested, fails the test. Returns what `test`
/// returned and every request in the order they came.
pub(crate) async fn with_api<T, F, Fut>(steps: Vec<Step>, test: F) -> (T, Vec<Seen>)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = T>,
{
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let server = tokio::spawn(serve(handle, steps));
    // The client (and with it the mock service) is dropped when `test` ends,
    // which ends the server.
    let out = test(Client::new(service, "default")).await;
    let seen = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the mock API server did not end: a client is still alive")
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    (out, seen)
}

pub(crate) async fn serve(
    mut handle: tower_test::mock::Handle<Request<Body>, Response<Body>>,
    steps: Vec<Step>,
) -> Vec<Seen> {
    let mut steps: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    let mut seen = Vec::new();
    let mut stalled = Vec::new();
    while let Some((request, send)) = handle.next_request().await {
        let (parts, body) = request.into_parts();
        let bytes = body.collect_bytes().await.expect("request body");
        let req = Seen {
            method: parts.method,
            path: parts.uri.path().to_string(),
            query: form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            content_type: parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        };
        let Some(step) = steps
            .iter_mut()
            .find(|s| {
                s.as_ref()
                    .is_some_and(|s| s.method == req.method && s.path == req.path)
            })
            .and_then(Option::take)
        else {
            panic!("unexpected request {} {}", req.method, parts.uri);
        };
        let (code, warnings, body) = match step.reply {
            Reply::Json {
                code,
                warnings,
                body,
            } => (code, warnings, body),
            Reply::Echo => {
                let manager = req.param("fieldManager").unwrap_or("kubectl-create");
                let mut body = stored(req.body.clone(), "1", manager);
                let name = body["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                body["metadata"]["uid"] = json!(format!("uid-{name}"));
                (201, Vec::new(), body)
            }
            Reply::Hang => {
                stalled.push(send);
                seen.push(req);
                continue;
            }
            Reply::Reset => {
                send.send_error(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by peer",
                ));
                seen.push(req);
                continue;
            }
        };
        let mut response = Response::builder()
            .status(code)
            .header(http::header::CONTENT_TYPE, "application/json");
        for w in warnings {
            response = response.header("warning", w);
        }
        let body = Body::from(serde_json::to_vec(&body).expect("json"));
        send.send_response(response.body(body).expect("response"));
        seen.push(req);
    }
    let unused: Vec<String> = steps
        .into_iter()
        .flatten()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert!(
        unused.is_empty(),
        "expected requests never came: {unused:?}"
    );
    seen
}
