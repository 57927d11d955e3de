"""The API Gateway seam of the api tool: intent-named calls, pagination inside, AWS errors translated here.

Only this module (with ``fink_api.awslambda`` and ``fink_api.route53``) talks to botocore for the api tool.
Every create goes through :meth:`fink.awsclient.AWSClient.mutate`: API Gateway has no idempotency tokens, so after
a lost response the thing the call created (an API of that name, a deployment that did not exist before, ...) is
read back and adopted instead of being created a second time.
"""
from __future__ import annotations

from typing import Any

from fink.awsclient import ADOPTED, AWSClient, aws_errors, read_or_none, request_id

__all__ = ["ApiGateway"]

_NOT_FOUND = ("NotFoundException", "404")


def _clean(response: dict) -> dict:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


class ApiGateway:
    """API Gateway REST APIs, stages, API keys, usage plans and custom domains in the run's region."""

    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.awsclient = awsclient
        self.client = awsclient.get_client("apigateway", region)

    def _only_one_named(self, name: str) -> dict | None:
        """After a lost create: the API of that name (there was none when the deploy planned)."""
        found = self.apis_named(name)
        return found[0] if len(found) == 1 else None

    def _get_or_none(self, operation: str, what: str, **kwargs: Any) -> dict | None:
        """The answer of a Get call, ``None`` when API Gateway says the thing does not exist."""
        found = read_or_none(what, getattr(self.client, operation), _NOT_FOUND, **kwargs)
        return None if found is None else _clean(found)

    def _all(self, operation: str, what: str, **kwargs: Any) -> list[dict]:
        with aws_errors(what):
            pages = self.client.get_paginator(operation).paginate(**kwargs)
            return [item for page in pages for item in page.get("items", [])]

    # ---- REST APIs --------------------------------------------------------------------------------------------------
    def list_apis(self) -> list[dict]:
        return self._all("get_rest_apis", "Listing REST APIs")

    def apis_named(self, name: str) -> list[dict]:
        return [api for api in self.list_apis() if api.get("name") == name]

    def import_api(self, body: str, name: str) -> dict:
        """ImportRestApi of a definition whose title is ``name``."""
        return self.awsclient.mutate(
            "Importing the API definition (swagger.yaml)",
            lambda: _clean(self.client.import_rest_api(body=body.encode("utf-8"), failOnWarnings=True)),
            adopt=lambda: self._only_one_named(name), done_codes=("ConflictException",),
            hint="Check swagger.yaml: API Gateway names the problem above.")

    def create_api(self, name: str, description: str) -> dict:
        return self.awsclient.mutate(
            f"Creating REST API {name}", lambda: _clean(self.client.create_rest_api(name=name, description=description)),
            adopt=lambda: self._only_one_named(name), done_codes=("ConflictException",))

    def overwrite_api(self, api_id: str, body: str) -> dict:
        with aws_errors(f"Updating REST API {api_id} from swagger.yaml",
                        hint="Check swagger.yaml: API Gateway names the problem above."):
            return _clean(self.client.put_rest_api(restApiId=api_id, mode="overwrite", failOnWarnings=True,
                                                   body=body.encode("utf-8")))

    def delete_api(self, api_id: str) -> None:
        self.awsclient.mutate(
            f"Deleting REST API {api_id}", lambda: self.client.delete_rest_api(restApiId=api_id),
            adopt=lambda: ADOPTED if self._get_or_none("get_rest_api", "Reading REST API", restApiId=api_id) is None
            else None, done_codes=_NOT_FOUND)

    def resources(self, api_id: str) -> list[dict]:
        return self._all("get_resources", f"Reading the resources of REST API {api_id}", restApiId=api_id)

    def export(self, api_id: str, stage: str, export_type: str) -> bytes:
        with aws_errors(f"Exporting stage {stage} of REST API {api_id}",
                        hint=f"Run `api deploy` first: the export reads the deployed stage {stage}."):
            response = self.client.get_export(restApiId=api_id, stageName=stage, exportType=export_type,
                                              parameters={"extensions": "integrations"}, accepts="application/yaml")
            return response["body"].read()

    # ---- stages -----------------------------------------------------------------------------------------------------
    def deployed_fingerprint(self, api_id: str, stage: str) -> str | None:
        """The ``[fink:...]`` fingerprint in the description of the deployment the stage serves (``None``: none)."""
        import re
        current = self._get_or_none("get_stage", f"Reading stage {stage}", restApiId=api_id, stageName=stage)
        deployment_id = (current or {}).get("deploymentId")
        if not deployment_id:
            return None
        deployment = self._get_or_none("get_deployment", f"Reading deployment {deployment_id}", restApiId=api_id,
                                       deploymentId=deployment_id)
        found = re.search(r"\[fink:([0-9a-f]+)\]", (deployment or {}).get("description", ""))
        return found.group(1) if found else None

    def create_deployment(self, api_id: str, stage: str, description: str) -> dict:
        """CreateDeployment; its description carries a request id by which a lost response's deployment is found."""
        description = f"{description} (request {request_id()})"

        def adopt() -> dict | None:
            found = [d for d in self._all("get_deployments", f"Listing the deployments of REST API {api_id}",
                                          restApiId=api_id) if d.get("description") == description]
            return found[0] if found else None
        return self.awsclient.mutate(
            f"Deploying REST API {api_id} to stage {stage}",
            lambda: _clean(self.client.create_deployment(restApiId=api_id, stageName=stage, description=description)),
            adopt=adopt)

    def update_stage(self, api_id: str, stage: str, ops: list[dict]) -> dict:
        with aws_errors(f"Updating the settings of stage {stage}",
                        hint="Check cacheClusterSize and methodSettings in the api section."):
            return _clean(self.client.update_stage(restApiId=api_id, stageName=stage, patchOperations=ops))

    # ---- API keys and usage plans -----------------------------------------------------------------------------------
    def create_api_key(self, name: str, description: str) -> dict:
        known = {k["id"] for k in self.list_api_keys() if k.get("name") == name}

        def adopt() -> dict | None:
            new = [k for k in self.list_api_keys() if k.get("name") == name and k["id"] not in known]
            return new[0] if len(new) == 1 else None
        return self.awsclient.mutate(
            f"Creating API key {name}",
            lambda: _clean(self.client.create_api_key(name=name, description=description, enabled=True)),
            adopt=adopt)

    def list_api_keys(self) -> list[dict]:
        return self._all("get_api_keys", "Listing API keys")

    def api_key(self, key_id: str) -> dict | None:
        return self._get_or_none("get_api_key", f"Reading API key {key_id}", apiKey=key_id)

    def delete_api_key(self, key_id: str) -> None:
        self.awsclient.mutate(f"Deleting API key {key_id}", lambda: self.client.delete_api_key(apiKey=key_id),
                              adopt=lambda: ADOPTED if self.api_key(key_id) is None else None,
                              done_codes=_NOT_FOUND)

    def usage_plan_named(self, name: str) -> dict | None:
        plans = [p for p in self._all("get_usage_plans", "Listing usage plans") if p.get("name") == name]
        return plans[0] if plans else None

    def usage_plan_key_ids(self, plan_id: str) -> list[str]:
        keys = self._all("get_usage_plan_keys", f"Listing the keys of usage plan {plan_id}", usagePlanId=plan_id)
        return [k["id"] for k in keys]

    def create_usage_plan(self, name: str, api_id: str, stage: str, key_id: str) -> None:
        plan = self.awsclient.mutate(
            f"Creating usage plan {name}",
            lambda: self.client.create_usage_plan(name=name, description="Created by fink api",
                                                  apiStages=[{"apiId": api_id, "stage": stage}]),
            adopt=lambda: self.usage_plan_named(name))
        self.add_plan_key(plan["id"], key_id)

    def add_plan_stage(self, plan_id: str, api_id: str, stage: str) -> None:
        with aws_errors(f"Adding stage {stage} to usage plan {plan_id}"):
            self.client.update_usage_plan(usagePlanId=plan_id, patchOperations=[
                {"op": "add", "path": "/apiStages", "value": f"{api_id}:{stage}"}])

    def add_plan_key(self, plan_id: str, key_id: str) -> None:
        self.awsclient.mutate(
            f"Attaching API key {key_id} to usage plan {plan_id}",
            lambda: self.client.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY"),
            adopt=lambda: ADOPTED if key_id in self.usage_plan_key_ids(plan_id) else None,
            done_codes=("ConflictException",), hint="Check api.apiKey: `api apikey-list` shows the keys.")

    # ---- custom domains ---------------------------------------------------------------------------------------------
    def domain(self, name: str) -> dict | None:
        return self._get_or_none("get_domain_name", f"Reading custom domain {name}", domainName=name)

    def create_domain(self, domain_name: str, certificate_name: str, certificate_arn: str) -> dict:
        return self.awsclient.mutate(
            f"Creating custom domain {domain_name}",
            lambda: _clean(self.client.create_domain_name(domainName=domain_name, certificateName=certificate_name,
                                                          certificateArn=certificate_arn)),
            adopt=lambda: self.domain(domain_name), done_codes=("ConflictException",),
            hint="The certificate must be an ACM certificate in us-east-1 covering the domain.")

    def update_domain(self, domain_name: str, patch_ops: list[dict]) -> dict:
        with aws_errors(f"Updating custom domain {domain_name}"):
            return _clean(self.client.update_domain_name(domainName=domain_name, patchOperations=patch_ops))

    def base_path_mappings(self, domain_name: str) -> list[dict]:
        return self._all("get_base_path_mappings", f"Reading the base path mappings of {domain_name}",
                         domainName=domain_name)

    def create_base_path(self, domain_name: str, base_path: str, api_id: str, stage: str) -> None:
        kwargs = {"basePath": base_path} if base_path else {}
        wanted = base_path or "(none)"
        self.awsclient.mutate(
            f"Mapping base path '{base_path}' of {domain_name}",
            lambda: self.client.create_base_path_mapping(domainName=domain_name, restApiId=api_id, stage=stage,
                                                         **kwargs),
            adopt=lambda: ADOPTED if any(m.get("basePath") == wanted and m.get("restApiId") == api_id
                                         for m in self.base_path_mappings(domain_name)) else None,
            done_codes=("ConflictException",))

    def update_base_path(self, domain_name: str, base_path: str, patch_ops: list[dict]) -> None:
        with aws_errors(f"Re-mapping base path '{base_path}' of {domain_name}"):
            self.client.update_base_path_mapping(domainName=domain_name, basePath=base_path,
                                                 patchOperations=patch_ops)

    def delete_base_path(self, domain_name: str, base_path: str) -> None:
        self.awsclient.mutate(
            f"Removing base path '{base_path}' of {domain_name}",
            lambda: self.client.delete_base_path_mapping(domainName=domain_name, basePath=base_path),
            adopt=lambda: ADOPTED if all(m.get("basePath") != (base_path or "(none)")
                                         for m in self.base_path_mappings(domain_name)) else None,
            done_codes=_NOT_FOUND)
