//! Per-namespace overrides of a profile's values (`create --set
//! quota.requests.cpu=10`). `create` records them on the Namespace in the
//! [`ANNOTATION`] annotation (a JSON object), so `audit` compares the
//! namespace with its profile as overridden, and a later `create` keeps them
//! (`--set PATH-` removes one).
//!
//! Paths:
//!
//! | path | value |
//! |---|---|
//! | `quota.<resource>` | quantity |
//! | `limitRange.{default,defaultRequest,max,min,maxLimitRequestRatio}.<resource>` | quantity |
//! | `podSecurity.{level,warn,audit}` | `privileged`, `baseline`, `restricted` |
//! | `podSecurity.version` | `latest` or `v1.N` |
//! | `network.{allowSameNamespace,allowDns,allowIngressController,allowApiServer}` | `true`, `false` |
//! | `labels.<key>`, `annotations.<key>` | string |
//! | `ttl` | duration (`8h`) |

use std::collections::BTreeMap;

use super::Profile;
pub use crate::error::OverrideError;
use crate::error::{InvalidValue, ValueKind};
use crate::pss::Level;

/// Annotation holding a namespace's overrides.
pub const ANNOTATION: &str = crate::OVERRIDES_ANNOTATION;

/// Overrides: path → value.
pub type Overrides = BTreeMap<String, String>;

/// A `--set` argument: set a path, or (`PATH-`) drop an override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetArg {
    /// `PATH=VALUE`.
    Set(String, String),
    /// `PATH-`.
    Unset(String),
}

/// Parses `--set` arguments, validating paths and values.
pub fn parse_set_args<S: AsRef<str>>(args: &[S]) -> Result<Vec<SetArg>, OverrideError> {
    args.iter()
        .map(|a| {
            let a = a.as_ref();
            match a.split_once('=') {
                Some((path, value)) => {
                    check(a, path, value)?;
                    Ok(SetArg::Set(path.to_string(), value.to_string()))
                }
                None => match a.strip_suffix('-') {
                    Some(path) if !path.is_empty() => Ok(SetArg::Unset(path.to_string())),
                    _ => Err(OverrideError::Malformed(a.to_string())),
                },
            }
        })
        .collect()
}

/// Applies `--set` arguments to existing overrides.
pub fn merge(mut current: Overrides, args: &[SetArg]) -> Overrides {
    for a in args {
        match a {
            SetArg::Set(p, v) => {
                current.insert(p.clone(), v.clone());
            }
            SetArg::Unset(p) => {
                current.remove(p);
            }
        }
    }
    current
}

/// Reads the overrides annotation of a namespace (`None` without one).
pub fn from_annotations(
    annotations: Option<&BTreeMap<String, String>>,
) -> Result<Option<Overrides>, OverrideError> {
    let Some(raw) = annotations.and_then(|a| a.get(ANNOTATION)) else {
        return Ok(None);
    };
    let map: Overrides = serde_json::from_str(raw).map_err(|e| OverrideError::Annotation {
        raw: raw.clone(),
        message: e.to_string(),
    })?;
    for (p, v) in &map {
        check(&format!("{p}={v}"), p, v)?;
    }
    Ok(Some(map))
}

/// The annotation value of overrides.
pub fn to_annotation(overrides: &Overrides) -> String {
    serde_json::to_string(overrides).unwrap_or_default()
}

fn quantity(v: &str) -> Result<(), InvalidValue> {
    crate::quantity::Quantity::parse(v).map(|_| ())
}

fn boolean(v: &str) -> Result<bool, InvalidValue> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(InvalidValue::new(
            ValueKind::Boolean,
            v,
            format!("{v:?} is not true or false"),
        )),
    }
}

/// Validates one path and value (`arg` names them in errors).
fn check(arg: &str, path: &str, value: &str) -> Result<(), OverrideError> {
    apply_one(&mut placeholder(), arg, path, value)
}

fn placeholder() -> Profile {
    Profile {
        description: String::new(),
        env: None,
        ttl: None,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
        pod_security: super::PodSecuritySpec {
            level: Level::Restricted,
            version: "latest".into(),
            warn: None,
            audit: None,
        },
        quota: BTreeMap::new(),
        limit_range: super::LimitRangeSpec {
            default: BTreeMap::new(),
            default_request: BTreeMap::new(),
            max: BTreeMap::new(),
            min: BTreeMap::new(),
            max_limit_request_ratio: BTreeMap::new(),
        },
        network: super::ProfileNetwork {
            isolation: super::schema::both_directions(),
            allow_same_namespace: true,
            allow_dns: true,
            allow_ingress_controller: false,
            allow_api_server: false,
            allows: Vec::new(),
        },
        rbac: Default::default(),
        audit: Default::default(),
        workloads: None,
    }
}

fn apply_one(p: &mut Profile, arg: &str, path: &str, value: &str) -> Result<(), OverrideError> {
    let unknown = || OverrideError::UnknownPath {
        arg: arg.to_string(),
        path: path.to_string(),
    };
    let bad = |source: InvalidValue| OverrideError::Value {
        arg: arg.to_string(),
        source,
    };
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    match (head, rest) {
        ("quota", r) if !r.is_empty() => {
            quantity(value).map_err(bad)?;
            p.quota.insert(r.to_string(), value.to_string());
        }
        ("limitRange", r) => {
            let (field, resource) = r.split_once('.').ok_or_else(unknown)?;
            if resource.is_empty() {
                return Err(unknown());
            }
            quantity(value).map_err(bad)?;
            let lr = &mut p.limit_range;
            let map = match field {
                "default" => &mut lr.default,
                "defaultRequest" => &mut lr.default_request,
                "max" => &mut lr.max,
                "min" => &mut lr.min,
                "maxLimitRequestRatio" => &mut lr.max_limit_request_ratio,
                _ => return Err(unknown()),
            };
            map.insert(resource.to_string(), value.to_string());
        }
        ("podSecurity", "version") => {
            crate::pss::parse_version(value).map_err(bad)?;
            p.pod_security.version = value.to_string();
        }
        ("podSecurity", mode @ ("level" | "warn" | "audit")) => {
            let level: Level = value.parse().map_err(|_| {
                bad(InvalidValue::new(
                    ValueKind::PodSecurityLevel,
                    value,
                    format!(
                        "invalid Pod Security level {value:?} (accepted: privileged, baseline, restricted)"
                    ),
                ))
            })?;
            match mode {
                "level" => p.pod_security.level = level,
                "warn" => p.pod_security.warn = Some(level),
                _ => p.pod_security.audit = Some(level),
            }
        }
        ("network", flag) => {
            let b = boolean(value).map_err(bad)?;
            let n = &mut p.network;
            match flag {
                "allowSameNamespace" => n.allow_same_namespace = b,
                "allowDns" => n.allow_dns = b,
                "allowIngressController" => n.allow_ingress_controller = b,
                "allowApiServer" => n.allow_api_server = b,
                _ => return Err(unknown()),
            }
        }
        ("labels", key) if !key.is_empty() => {
            crate::names::validate_label_key(key).map_err(bad)?;
            crate::names::validate_label_value(value).map_err(bad)?;
            p.labels.insert(key.to_string(), value.to_string());
        }
        ("annotations", key) if !key.is_empty() => {
            p.annotations.insert(key.to_string(), value.to_string());
        }
        ("ttl", "") => {
            super::parse_duration(value)
                .and_then(|d| super::expires_at(chrono::Utc::now(), d))
                .map_err(bad)?;
            p.ttl = Some(value.to_string());
        }
        _ => return Err(unknown()),
    }
    Ok(())
}

/// The profile with `overrides` applied.
pub fn apply(profile: &Profile, overrides: &Overrides) -> Result<Profile, OverrideError> {
    let mut p = profile.clone();
    for (path, value) in overrides {
        apply_one(&mut p, &format!("{path}={value}"), path, value)?;
    }
    // The profile as overridden must still be one the API server accepts
    // (a max below the default, a negative quota): said now, not as a 422
    // halfway through an apply.
    if let Some(e) = super::validate::profile_api_errors(&p).into_iter().next() {
        let (_, field) = super::validate::baseline_field(&e.field);
        let involved: Vec<String> = overrides
            .iter()
            .filter(|(path, _)| {
                field == **path
                    || (path.starts_with("limitRange.")
                        && field.starts_with("limitRange.")
                        && path.rsplit('.').next() == field.rsplit('.').next())
            })
            .map(|(p, v)| format!("{p}={v}"))
            .collect();
        return Err(OverrideError::Inconsistent {
            overrides: if involved.is_empty() {
                overrides.iter().map(|(p, v)| format!("{p}={v}")).collect()
            } else {
                involved
            },
            problem: format!("{field}: {}", e.detail),
        });
    }
    if let Some(ttl) = &p.ttl {
        if let Err(e) =
            super::parse_duration(ttl).and_then(|d| super::expires_at(chrono::Utc::now(), d))
        {
            return Err(OverrideError::Value {
                arg: format!("ttl={ttl}"),
                source: e,
            });
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::Baseline;

    #[test]
    fn overrides_change_the_named_values_only() {
        let b = Baseline::builtin();
        let app = b.profile("app").unwrap();
        let args = parse_set_args(&[
            "quota.requests.cpu=10",
            "limitRange.max.memory=8Gi",
            "podSecurity.warn=restricted",
            "network.allowIngressController=false",
        ])
        .unwrap();
        let o = merge(Overrides::new(), &args);
        let p = apply(app, &o).unwrap();
        assert_eq!(p.quota["requests.cpu"], "10");
        assert_eq!(p.quota["limits.cpu"], app.quota["limits.cpu"]);
        assert_eq!(p.limit_range.max["memory"], "8Gi");
        assert_eq!(p.pod_security.warn, Some(Level::Restricted));
        assert!(!p.network.allow_ingress_controller);
        // Round trip through the annotation, and removal.
        let ann = BTreeMap::from([(ANNOTATION.to_string(), to_annotation(&o))]);
        assert_eq!(from_annotations(Some(&ann)).unwrap(), Some(o.clone()));
        let o = merge(o, &parse_set_args(&["quota.requests.cpu-"]).unwrap());
        assert!(!o.contains_key("quota.requests.cpu"));
    }

    #[test]
    fn overrides_the_api_server_would_refuse_are_refused_naming_the_value() {
        let b = Baseline::builtin();
        let app = b.profile("app").unwrap();
        for (arg, needle) in [
            (
                "quota.requests.cpu=-1",
                "must be greater than or equal to 0",
            ),
            ("quota.pods=2.5", "must be an integer"),
            ("limitRange.max.cpu=1m", "is greater than max value 1m"),
            (
                "limitRange.defaultRequest.memory=64Gi",
                "default request value 64Gi",
            ),
            ("limitRange.maxLimitRequestRatio.cpu=0.5", "is less than 1"),
        ] {
            let args = parse_set_args(&[arg]).unwrap();
            let e = apply(app, &merge(Overrides::new(), &args))
                .unwrap_err()
                .to_string();
            assert!(e.contains(arg) && e.contains(needle), "{arg}: {e}");
        }
        // A TTL whose expiry an annotation cannot hold.
        let e = parse_set_args(&["ttl=999999999d"]).unwrap_err().to_string();
        assert!(e.contains("999999999d") && e.contains("9999-12-31"), "{e}");
    }

    #[test]
    fn bad_paths_and_values_name_what_is_accepted() {
        for (arg, needle) in [
            ("quota.requests.cpu=lots", "quantity"),
            ("quota=1", "unknown path"),
            ("limitRange.top.cpu=1", "unknown path"),
            ("podSecurity.level=strict", "strict"),
            ("network.allowDns=yes", "true or false"),
            ("nope=1", "quota.<resource>"),
            ("justtext", "PATH=VALUE"),
            ("labels.Bad_Prefix/x=1", "label key"),
        ] {
            let e = parse_set_args(&[arg]).unwrap_err().to_string();
            assert!(e.contains(arg) && e.contains(needle), "{arg}: {e}");
        }
        let bad = BTreeMap::from([(ANNOTATION.to_string(), "not json".to_string())]);
        assert!(from_annotations(Some(&bad))
            .unwrap_err()
            .to_string()
            .contains(ANNOTATION));
    }
}
