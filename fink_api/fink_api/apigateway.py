"""The API Gateway seam of the api tool: intent-named calls, pagination inside, AWS errors translated here.

Only this module (with ``fink_api.awslambda`` and ``fink_api.route53``) talks to botocore for the api tool.
"""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors, error_code

__all__ = ["ApiGateway"]

_NOT_FOUND = ("NotFoundException", "404")


def _clean(response: dict) -> dict:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


class ApiGateway:
    """API Gateway REST APIs, stages, API keys, usage plans and custom domains in the run's region."""

    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.client = awsclient.get_client("apigateway", region)

    def _get_or_none(self, operation: str, what: str, **kwargs: Any) -> dict | None:
        """The answer of a Get call, ``None`` when API Gateway says the thing does not exist."""
        from botocore.exceptions import ClientError
        try:
            return _clean(getattr(self.client, operation)(**kwargs))
        except ClientError as exc:
            if error_code(exc) in _NOT_FOUND:
                return None
            with aws_errors(what):
                raise

    def _all(self, operation: str, what: str, **kwargs: Any) -> list[dict]:
        with aws_errors(what):
            pages = self.client.get_paginator(operation).paginate(**kwargs)
            return [item for page in pages for item in page.get("items", [])]

    # ---- REST APIs --------------------------------------------------------------------------------------------------
    def list_apis(self) -> list[dict]:
        return self._all("get_rest_apis", "Listing REST APIs")

    def apis_named(self, name: str) -> list[dict]:
        return [api for api in self.list_apis() if api.get("name") == name]

    def import_api(self, body: str, endpoint_type: str = "EDGE") -> dict:
        with aws_errors("Importing the API definition (swagger.yaml)",
                        hint="Check swagger.yaml: API Gateway names the problem above."):
            return _clean(self.client.import_rest_api(body=body.encode("utf-8"), failOnWarnings=True,
                                                      parameters={"endpointConfigurationTypes": endpoint_type}))

    def create_api(self, name: str, description: str, endpoint_type: str = "EDGE") -> dict:
        with aws_errors(f"Creating REST API {name}"):
            return _clean(self.client.create_rest_api(name=name, description=description,
                                                      endpointConfiguration={"types": [endpoint_type]}))

    def update_api(self, api_id: str, patch_ops: list[dict]) -> dict:
        with aws_errors(f"Updating REST API {api_id}"):
            return _clean(self.client.update_rest_api(restApiId=api_id, patchOperations=patch_ops))

    def overwrite_api(self, api_id: str, body: str) -> dict:
        with aws_errors(f"Updating REST API {api_id} from swagger.yaml",
                        hint="Check swagger.yaml: API Gateway names the problem above."):
            return _clean(self.client.put_rest_api(restApiId=api_id, mode="overwrite", failOnWarnings=True,
                                                   body=body.encode("utf-8")))

    def delete_api(self, api_id: str) -> None:
        with aws_errors(f"Deleting REST API {api_id}"):
            self.client.delete_rest_api(restApiId=api_id)

    def resources(self, api_id: str) -> list[dict]:
        return self._all("get_resources", f"Reading the resources of REST API {api_id}", restApiId=api_id)

    def export(self, api_id: str, stage: str, export_type: str) -> bytes:
        with aws_errors(f"Exporting stage {stage} of REST API {api_id}",
                        hint=f"Run `api deploy` first: the export reads the deployed stage {stage}."):
            response = self.client.get_export(restApiId=api_id, stageName=stage, exportType=export_type,
                                              parameters={"extensions": "integrations"}, accepts="application/yaml")
            return response["body"].read()

    # ---- stages -----------------------------------------------------------------------------------------------------
    def create_deployment(self, api_id: str, stage: str, description: str) -> dict:
        with aws_errors(f"Deploying REST API {api_id} to stage {stage}"):
            return _clean(self.client.create_deployment(restApiId=api_id, stageName=stage, description=description))

    def stage(self, api_id: str, stage: str) -> dict | None:
        return self._get_or_none("get_stage", f"Reading stage {stage} of REST API {api_id}", restApiId=api_id,
                                 stageName=stage)

    def update_stage(self, api_id: str, stage: str, ops: list[dict]) -> dict:
        with aws_errors(f"Updating the settings of stage {stage}",
                        hint="Check cacheClusterSize and methodSettings in the api section."):
            return _clean(self.client.update_stage(restApiId=api_id, stageName=stage, patchOperations=ops))

    # ---- API keys and usage plans -----------------------------------------------------------------------------------
    def create_api_key(self, name: str, description: str) -> dict:
        with aws_errors(f"Creating API key {name}"):
            return _clean(self.client.create_api_key(name=name, description=description, enabled=True))

    def list_api_keys(self) -> list[dict]:
        return self._all("get_api_keys", "Listing API keys")

    def api_key(self, key_id: str) -> dict | None:
        return self._get_or_none("get_api_key", f"Reading API key {key_id}", apiKey=key_id)

    def delete_api_key(self, key_id: str) -> None:
        with aws_errors(f"Deleting API key {key_id}"):
            self.client.delete_api_key(apiKey=key_id)

    def usage_plan_named(self, name: str) -> dict | None:
        plans = [p for p in self._all("get_usage_plans", "Listing usage plans") if p.get("name") == name]
        return plans[0] if plans else None

    def usage_plan_key_ids(self, plan_id: str) -> list[str]:
        keys = self._all("get_usage_plan_keys", f"Listing the keys of usage plan {plan_id}", usagePlanId=plan_id)
        return [k["id"] for k in keys]

    def create_usage_plan(self, name: str, api_id: str, stage: str, key_id: str, limits: dict | None = None) -> None:
        with aws_errors(f"Creating usage plan {name}"):
            plan = self.client.create_usage_plan(name=name, description="Created by fink api",
                                                 apiStages=[{"apiId": api_id, "stage": stage}], **(limits or {}))
        self.add_plan_key(plan["id"], key_id)

    def add_plan_stage(self, plan_id: str, api_id: str, stage: str) -> None:
        with aws_errors(f"Adding stage {stage} to usage plan {plan_id}"):
            self.client.update_usage_plan(usagePlanId=plan_id, patchOperations=[
                {"op": "add", "path": "/apiStages", "value": f"{api_id}:{stage}"}])

    def update_usage_plan(self, plan_id: str, patch_ops: list[dict]) -> None:
        with aws_errors(f"Updating the limits of usage plan {plan_id}"):
            self.client.update_usage_plan(usagePlanId=plan_id, patchOperations=patch_ops)

    def add_plan_key(self, plan_id: str, key_id: str) -> None:
        with aws_errors(f"Attaching API key {key_id} to usage plan {plan_id}",
                        hint="Check api.apiKey: `api apikey-list` shows the keys."):
            self.client.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")

    # ---- custom domains ---------------------------------------------------------------------------------------------
    def domain(self, name: str) -> dict | None:
        return self._get_or_none("get_domain_name", f"Reading custom domain {name}", domainName=name)

    def create_domain(self, domain_name: str, certificate_name: str, certificate_arn: str,
                      endpoint_type: str = "EDGE") -> dict:
        if endpoint_type == "REGIONAL":
            certificate = {"regionalCertificateName": certificate_name, "regionalCertificateArn": certificate_arn}
        else:
            certificate = {"certificateName": certificate_name, "certificateArn": certificate_arn}
        with aws_errors(f"Creating custom domain {domain_name}",
                        hint="The certificate must be an ACM certificate covering the domain, in us-east-1 for an "
                             "EDGE domain or in the API's region for a REGIONAL one."):
            return _clean(self.client.create_domain_name(domainName=domain_name, **certificate,
                                                         endpointConfiguration={"types": [endpoint_type]}))

    def update_domain(self, domain_name: str, patch_ops: list[dict]) -> dict:
        with aws_errors(f"Updating custom domain {domain_name}"):
            return _clean(self.client.update_domain_name(domainName=domain_name, patchOperations=patch_ops))

    def base_path_mappings(self, domain_name: str) -> list[dict]:
        return self._all("get_base_path_mappings", f"Reading the base path mappings of {domain_name}",
                         domainName=domain_name)

    def create_base_path(self, domain_name: str, base_path: str, api_id: str, stage: str) -> None:
        kwargs = {"basePath": base_path} if base_path else {}
        with aws_errors(f"Mapping base path '{base_path}' of {domain_name}"):
            self.client.create_base_path_mapping(domainName=domain_name, restApiId=api_id, stage=stage, **kwargs)

    def update_base_path(self, domain_name: str, base_path: str, patch_ops: list[dict]) -> None:
        with aws_errors(f"Re-mapping base path '{base_path}' of {domain_name}"):
            self.client.update_base_path_mapping(domainName=domain_name, basePath=base_path,
                                                 patchOperations=patch_ops)

    def delete_base_path(self, domain_name: str, base_path: str) -> None:
        with aws_errors(f"Removing base path '{base_path}' of {domain_name}"):
            self.client.delete_base_path_mapping(domainName=domain_name, basePath=base_path)
