//! Applying the Argo CD AppProjects of `spec.gitops.argocd` (server-side
//! apply, like every object of the tool), when the cluster serves the
//! AppProject API.

use std::collections::BTreeMap;

use ::kube::api::{Api, DynamicObject, Patch, PatchParams};
use ::kube::core::ApiResource;
use ::kube::Client;
use k8s_openapi::api::core::v1::Namespace;

use crate::argocd::{self, AppProject};
use crate::baseline::Baseline;
use crate::error::{Error, Result};
use crate::plan::{Action, ApplyOptions, ObjectResult};
use crate::render::argocd::{app_projects, project_of, Member};

/// The AppProject API resource (not in the kinds table: a CRD).
pub(crate) fn resource() -> ApiResource {
    ApiResource {
        group: argocd::GROUP.into(),
        version: argocd::VERSION.into(),
        api_version: argocd::API_VERSION.into(),
        kind: argocd::KIND.into(),
        plural: argocd::PLURAL.into(),
    }
}

/// `appprojects.argoproj.io`, as errors name it.
pub(crate) const RESOURCE: &str = "appprojects.argoproj.io";

/// True when the cluster serves `argoproj.io/v1alpha1` AppProjects.
pub async fn served(client: &Client) -> Result<bool> {
    match client.list_api_group_resources(argocd::API_VERSION).await {
        Ok(list) => Ok(list.resources.iter().any(|r| r.name == argocd::PLURAL)),
        Err(::kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(Error::from_kube(
            "get",
            "apis/argoproj.io/v1alpha1",
            None,
            e,
        )),
    }
}

/// The projects for namespaces `created` (name and labels) together with
/// the namespaces of the cluster that belong to the same projects (found by
/// their team label), so each project lists all of its namespaces.
pub async fn projects_for(
    client: &Client,
    baseline: &Baseline,
    created: &[(String, BTreeMap<String, String>)],
) -> Result<Vec<AppProject>> {
    let mut members: BTreeMap<String, BTreeMap<String, String>> = created.iter().cloned().collect();
    let mut wanted = std::collections::BTreeSet::new();
    for (ns, labels) in created {
        if let Some(p) = project_of(
            baseline,
            &Member {
                namespace: ns,
                labels,
            },
        )? {
            wanted.insert(p);
        }
    }
    let teams: std::collections::BTreeSet<&str> = created
        .iter()
        .filter_map(|(_, l)| l.get("team").map(String::as_str))
        .collect();
    if !teams.is_empty() {
        let selector = format!(
            "team in ({})",
            teams.into_iter().collect::<Vec<_>>().join(",")
        );
        let others: Vec<Namespace> = super::list::list_namespaces(client, Some(&selector)).await?;
        for ns in others {
            let Some(name) = ns.metadata.name.clone() else {
                continue;
            };
            let labels = ns.metadata.labels.unwrap_or_default();
            // Terminating namespaces are on their way out.
            if ns.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let belongs = project_of(
                baseline,
                &Member {
                    namespace: &name,
                    labels: &labels,
                },
            )?
            .is_some_and(|p| wanted.contains(&p));
            if belongs {
                members.entry(name).or_insert(labels);
            }
        }
    }
    let members: Vec<Member<'_>> = members
        .iter()
        .map(|(namespace, labels)| Member { namespace, labels })
        .collect();
    let mut projects = app_projects(baseline, &members)?;
    projects.retain(|p| wanted.contains(p.name()));
    Ok(projects)
}

/// Server-side applies `projects` (as a dry run with `dry_run`).
pub async fn apply(
    client: &Client,
    projects: &[AppProject],
    opts: &ApplyOptions,
    dry_run: bool,
) -> Result<Vec<ObjectResult>> {
    let ar = resource();
    let mut out = Vec::new();
    for p in projects {
        let ns = p.metadata.namespace.clone().unwrap_or_default();
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &ar);
        let before = api
            .get_opt(p.name())
            .await
            .map_err(|e| Error::from_kube("get", RESOURCE, Some(&ns), e))?;
        let mut params = PatchParams::apply(&opts.field_manager);
        if opts.force_conflicts {
            params = params.force();
        }
        if dry_run || opts.server_dry_run {
            params = params.dry_run();
        }
        let value = crate::render::argocd::to_value(p);
        let after = api
            .patch(p.name(), &params, &Patch::Apply(&value))
            .await
            .map_err(|e| Error::from_kube("apply", RESOURCE, Some(&ns), e))?;
        let action = match &before {
            None => Action::Created,
            Some(b) if b.metadata.resource_version == after.metadata.resource_version => {
                Action::Unchanged
            }
            Some(_) => Action::Configured,
        };
        out.push(ObjectResult {
            namespace: ns,
            kind: argocd::KIND.into(),
            name: p.name().to_string(),
            action,
            resource_version: after.metadata.resource_version.clone(),
            dry_run: dry_run || opts.server_dry_run,
            uid: after.metadata.uid.clone(),
        });
    }
    Ok(out)
}
