//! The wire details of the I/O edge (`ns_policy_core::kube`), against a mock
//! API server (kube-rs style: a `tower_test` mock service behind a real
//! `kube::Client`). Each test scripts the requests it expects, answers them
//! as an API server would, and asserts on what was sent and on the result.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use http::{Method, Request, Response};
use k8s_openapi::api::core::v1::Namespace;
use kube::client::Body;
use kube::Client;
use serde_json::{json, Value};

use ns_policy_core::baseline::Baseline;
use ns_policy_core::inventory::{Access, Inventory};
use ns_policy_core::kube::{apply, gc, list, probe, psa};
use ns_policy_core::netpol::{Evaluator, Protocol};
use ns_policy_core::plan::{Action, ApplyOptions, FieldChange, NamespacePlan, ObjectPlan};
use ns_policy_core::probe::{ProbeOptions, ProbePlan, Role};
use ns_policy_core::render::{self, Bundle, BundleObject, NamespaceSpec};
use ns_policy_core::Error;

mod connect;
mod fixtures;
mod gc_reaping;
mod listing;
mod pod_security;
mod probe_cleanup;
mod rollback;
mod server;
mod server_side_apply;

use fixtures::*;
use server::*;
