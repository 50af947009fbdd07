//! `connect` against a real HTTP listener (not the tower mock): kube's retry
//! layer rides out 429 and 503 answers, and impersonation reaches the wire.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use ns_policy_core::kube::connect::{connect, Target};

/// Answers `/version` with `codes` in turn (then 200), recording each
/// request's headers.
fn serve(codes: Vec<u16>) -> (u16, Arc<Mutex<Vec<Vec<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        let mut codes = codes.into_iter();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            loop {
                let mut headers = Vec::new();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end().to_string();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    headers.push(line);
                }
                if headers.is_empty() {
                    break;
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                log.lock().unwrap().push(headers);
                let code = codes.next().unwrap_or(200);
                let reply = if code == 200 {
                    let body = r#"{"major":"1","minor":"33","gitVersion":"v1.33.13","gitCommit":"x","gitTreeState":"clean","buildDate":"2026-01-01T00:00:00Z","goVersion":"go1.24","compiler":"gc","platform":"linux/amd64"}"#;
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    format!("HTTP/1.1 {code} Busy\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n")
                };
                if writer.write_all(reply.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    (port, seen)
}

fn kubeconfig(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let path = dir.join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\nusers:\n- name: dev\n  user: {{token: abc}}\ncontexts:\n- name: local\n  context: {{cluster: local, user: dev}}\ncurrent-context: local\n"
        ),
    )
    .unwrap();
    path
}

#[tokio::test]
async fn throttled_and_unavailable_answers_are_retried_with_backoff() {
    let (port, seen) = serve(vec![429, 503, 429]);
    let dir = tempfile::tempdir().unwrap();
    let target = Target {
        kubeconfig: Some(kubeconfig(dir.path(), port)),
        ..Default::default()
    };
    let cluster = connect(&target).await.expect("retried until 200");
    assert_eq!(cluster.context, "local");
    assert_eq!(seen.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn impersonation_flags_become_impersonation_headers() {
    let (port, seen) = serve(Vec::new());
    let dir = tempfile::tempdir().unwrap();
    let target = Target {
        kubeconfig: Some(kubeconfig(dir.path(), port)),
        impersonate: Some("jane".into()),
        impersonate_groups: vec!["devs".into(), "auditors".into()],
        impersonate_uid: Some("42".into()),
        ..Default::default()
    };
    connect(&target).await.expect("connected");
    let headers: Vec<String> = seen.lock().unwrap()[0]
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    for want in [
        "impersonate-user: jane",
        "impersonate-group: devs",
        "impersonate-group: auditors",
        "impersonate-uid: 42",
    ] {
        assert!(headers.iter().any(|h| h == want), "{want} in {headers:?}");
    }
}
