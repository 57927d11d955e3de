"""The Lambda seam: intent-named calls to the Lambda API, pagination inside, botocore errors translated here.

Only this module (and the other ``seam_*`` modules) import botocore or look inside a ``ClientError``.
"""
from __future__ import annotations

import json
from typing import Any

from fink.awsclient import AWSClient, aws_errors, error_code

__all__ = ["LambdaSeam", "ALIAS", "known_runtimes"]

ALIAS = "ACTIVE"


def known_runtimes() -> list[str]:
    """The runtimes botocore's own Lambda service model knows (no hand-kept list)."""
    import botocore.session
    model = botocore.session.get_session().get_service_model("lambda")
    return list(model.shape_for("Runtime").enum)


class LambdaSeam:
    """One Lambda client in one region."""

    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.client = awsclient.get_client("lambda", region)
        self.region = region or awsclient.region

    # ---- reading ------------------------------------------------------------------------------------------------
    def get_function(self, name: str, qualifier: str | None = None) -> dict[str, Any] | None:
        """``get_function`` response, or ``None`` when the function (or qualifier) does not exist."""
        return self._maybe(f"Reading function '{name}'", self.client.get_function,
                           FunctionName=name, **({"Qualifier": qualifier} if qualifier else {}))

    def get_configuration(self, name: str) -> dict[str, Any]:
        with aws_errors(f"Reading the configuration of '{name}'"):
            return self.client.get_function_configuration(FunctionName=name)

    def get_alias(self, name: str, alias: str = ALIAS) -> dict[str, Any] | None:
        return self._maybe(f"Reading alias {alias} of '{name}'", self.client.get_alias, FunctionName=name, Name=alias)

    def list_versions(self, name: str) -> list[dict[str, Any]]:
        with aws_errors(f"Listing the versions of '{name}'"):
            pages = self.client.get_paginator("list_versions_by_function").paginate(FunctionName=name)
            return [v for page in pages for v in page["Versions"]]

    def numbered_versions(self, name: str) -> list[int]:
        return sorted(int(v["Version"]) for v in self.list_versions(name) if v["Version"].isdigit())

    def list_functions(self) -> list[dict[str, Any]]:
        with aws_errors("Listing functions"):
            pages = self.client.get_paginator("list_functions").paginate()
            return [f for page in pages for f in page["Functions"]]

    def get_policy(self, name: str, qualifier: str | None = ALIAS) -> list[dict[str, Any]]:
        """The statements of the function's resource policy (``[]`` when it has none)."""
        kwargs = {"Qualifier": qualifier} if qualifier else {}
        response = self._maybe(f"Reading the policy of '{name}'", self.client.get_policy, FunctionName=name, **kwargs)
        return json.loads(response["Policy"]).get("Statement", []) if response else []

    def list_event_source_mappings(self, function: str, source_arn: str) -> list[dict[str, Any]]:
        with aws_errors(f"Listing event source mappings of {source_arn}"):
            pages = self.client.get_paginator("list_event_source_mappings").paginate(
                FunctionName=function, EventSourceArn=source_arn)
            return [m for page in pages for m in page["EventSourceMappings"]]

    # ---- changing -----------------------------------------------------------------------------------------------
    def create_function(self, **params: Any) -> dict[str, Any]:
        with aws_errors(f"Creating function '{params['FunctionName']}'",
                        hint="Check the role (it must exist and trust lambda.amazonaws.com) and the runtime."):
            return self.client.create_function(**params)

    def update_code(self, **params: Any) -> dict[str, Any]:
        with aws_errors(f"Updating the code of '{params['FunctionName']}'"):
            return self.client.update_function_code(**params)

    def update_configuration(self, **params: Any) -> dict[str, Any]:
        with aws_errors(f"Updating the configuration of '{params['FunctionName']}'"):
            return self.client.update_function_configuration(**params)

    def publish_version(self, name: str, code_sha256: str, description: str = "") -> str:
        with aws_errors(f"Publishing a version of '{name}'"):
            return self.client.publish_version(FunctionName=name, CodeSha256=code_sha256,
                                               Description=description)["Version"]

    def set_alias(self, name: str, version: str, alias: str = ALIAS) -> None:
        """Create the alias or point it at ``version``."""
        if self.get_alias(name, alias) is None:
            with aws_errors(f"Creating alias {alias} of '{name}'"):
                self.client.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
        else:
            with aws_errors(f"Pointing alias {alias} of '{name}' at version {version}"):
                self.client.update_alias(FunctionName=name, Name=alias, FunctionVersion=version)

    def add_permission(self, name: str, sid: str, principal: str, source_arn: str, qualifier: str = ALIAS) -> None:
        with aws_errors(f"Allowing {principal} to invoke '{name}:{qualifier}'"):
            self.client.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                                       Principal=principal, SourceArn=source_arn, Qualifier=qualifier)

    def remove_permission(self, name: str, sid: str, qualifier: str = ALIAS) -> None:
        with aws_errors(f"Removing permission {sid} from '{name}:{qualifier}'"):
            self.client.remove_permission(FunctionName=name, StatementId=sid, Qualifier=qualifier)

    def create_event_source_mapping(self, **params: Any) -> None:
        with aws_errors(f"Creating the event source mapping for {params['EventSourceArn']}"):
            self.client.create_event_source_mapping(**params)

    def update_event_source_mapping(self, **params: Any) -> None:
        with aws_errors(f"Updating event source mapping {params['UUID']}"):
            self.client.update_event_source_mapping(**params)

    def delete_event_source_mapping(self, uuid: str) -> None:
        with aws_errors(f"Deleting event source mapping {uuid}"):
            self.client.delete_event_source_mapping(UUID=uuid)

    def delete_function(self, name: str) -> None:
        with aws_errors(f"Deleting function '{name}'"):
            self.client.delete_function(FunctionName=name)

    def invoke(self, name: str, payload: bytes, qualifier: str | None = None,
               invocation_type: str = "RequestResponse") -> dict[str, Any]:
        """Invoke; returns ``{"StatusCode", "FunctionError", "Payload" (bytes)}``."""
        kwargs = {"Qualifier": qualifier} if qualifier else {}
        with aws_errors(f"Invoking '{name}'"):
            response = self.client.invoke(FunctionName=name, InvocationType=invocation_type, Payload=payload,
                                          **kwargs)
            body = response["Payload"].read() if response.get("Payload") is not None else b""
        return {"StatusCode": response.get("StatusCode"), "FunctionError": response.get("FunctionError"),
                "Payload": body}

    # ---- settings beside the configuration (issue 15) ------------------------------------------------------------
    def tag(self, arn: str, tags: dict[str, str]) -> None:
        with aws_errors(f"Tagging {arn}"):
            self.client.tag_resource(Resource=arn, Tags=tags)

    def untag(self, arn: str, keys: list[str]) -> None:
        with aws_errors(f"Removing tags {', '.join(keys)} from {arn}"):
            self.client.untag_resource(Resource=arn, TagKeys=keys)

    def set_concurrency(self, name: str, reserved: int | None) -> None:
        """Reserve ``reserved`` concurrent executions, or remove the reservation (``None``)."""
        with aws_errors(f"Setting the reserved concurrency of '{name}'"):
            if reserved is None:
                self.client.delete_function_concurrency(FunctionName=name)
            else:
                self.client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)

    def get_url_config(self, name: str, qualifier: str = ALIAS) -> dict[str, Any] | None:
        return self._maybe(f"Reading the function URL of '{name}:{qualifier}'", self.client.get_function_url_config,
                           FunctionName=name, Qualifier=qualifier)

    def put_url_config(self, name: str, config: dict[str, Any], exists: bool, qualifier: str = ALIAS) -> str:
        """Create or update the function URL; returns the URL."""
        call = self.client.update_function_url_config if exists else self.client.create_function_url_config
        with aws_errors(f"{'Updating' if exists else 'Creating'} the function URL of '{name}:{qualifier}'"):
            return call(FunctionName=name, Qualifier=qualifier, **config)["FunctionUrl"]

    def delete_url_config(self, name: str, qualifier: str = ALIAS) -> None:
        with aws_errors(f"Deleting the function URL of '{name}:{qualifier}'"):
            self.client.delete_function_url_config(FunctionName=name, Qualifier=qualifier)

    def add_url_permission(self, name: str, sid: str, qualifier: str = ALIAS) -> None:
        """Auth type NONE needs a resource policy allowing anyone to invoke the URL."""
        with aws_errors(f"Allowing public invocation of the function URL of '{name}:{qualifier}'"):
            self.client.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunctionUrl",
                                       Principal="*", FunctionUrlAuthType="NONE", Qualifier=qualifier)

    def get_invoke_config(self, name: str, qualifier: str = ALIAS) -> dict[str, Any] | None:
        return self._maybe(f"Reading the asynchronous invocation settings of '{name}:{qualifier}'",
                           self.client.get_function_event_invoke_config, FunctionName=name, Qualifier=qualifier)

    def put_invoke_config(self, name: str, config: dict[str, Any], qualifier: str = ALIAS) -> None:
        with aws_errors(f"Setting the destinations of '{name}:{qualifier}'",
                        hint="The execution role needs permission to send to the destinations."):
            self.client.put_function_event_invoke_config(FunctionName=name, Qualifier=qualifier, **config)

    def delete_invoke_config(self, name: str, qualifier: str = ALIAS) -> None:
        with aws_errors(f"Removing the destinations of '{name}:{qualifier}'"):
            self.client.delete_function_event_invoke_config(FunctionName=name, Qualifier=qualifier)

    def list_aliases(self, name: str) -> list[dict[str, Any]]:
        with aws_errors(f"Listing the aliases of '{name}'"):
            pages = self.client.get_paginator("list_aliases").paginate(FunctionName=name)
            return [a for page in pages for a in page["Aliases"]]

    def delete_version(self, name: str, version: str) -> None:
        with aws_errors(f"Deleting version {version} of '{name}'"):
            self.client.delete_function(FunctionName=name, Qualifier=version)

    # ---- helpers ------------------------------------------------------------------------------------------------
    @staticmethod
    def _maybe(what: str, call: Any, **params: Any) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError
        try:
            return call(**params)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            with aws_errors(what):
                raise
