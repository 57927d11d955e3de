"""The Lambda seam: intent-named calls to the Lambda API, pagination inside, botocore errors translated here.

Only this module (and the other ``seam_*`` modules) import botocore or look inside a ``ClientError``.
"""
from __future__ import annotations

import json
from typing import Any

import contextlib
from typing import Iterator

from fink.awsclient import ADOPTED, AWSClient, aws_errors, read_or_none
from fink.errors import AWSError

__all__ = ["LambdaSeam", "ALIAS", "known_runtimes", "configuration_has", "concurrent_change"]

ALIAS = "ACTIVE"


def known_runtimes() -> list[str]:
    """The runtimes botocore's own Lambda service model knows (no hand-kept list)."""
    import botocore.session
    model = botocore.session.get_session().get_service_model("lambda")
    return list(model.shape_for("Runtime").enum)


@contextlib.contextmanager
def concurrent_change(name: str) -> Iterator[None]:
    """A conditional update refused because the function changed since this run read it: another run is at work."""
    try:
        yield
    except AWSError as exc:
        if exc.code != "PreconditionFailedException":
            raise
        raise AWSError(f"Function '{name}' was changed by someone else while this deploy ran (its RevisionId moved "
                       "on); this run stopped without overwriting that change.", operation=exc.operation,
                       code=exc.code, aws_message=exc.aws_message,
                       hint="Another `lambda deploy` may be running. When it has finished, run `lambda deploy` again."
                       ) from exc


def configuration_has(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether the function's configuration already holds every value of an UpdateFunctionConfiguration request."""
    for key, value in wanted.items():
        have = current.get(key)
        if key == "Layers":
            have = [layer.get("Arn") for layer in have or []]
        if not _holds(have, value):
            return False
    return True


def _holds(have: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_holds(have.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return sorted(map(str, have or [])) == sorted(map(str, want))
    return have == want or (want in ("", None) and not have)


class LambdaSeam:
    """One Lambda client in one region."""

    def __init__(self, awsclient: AWSClient, region: str | None = None):
        self.awsclient = awsclient
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
    # Every call goes through AWSClient.mutate: after a lost response it reads back and adopts what the call did.
    # RevisionId (where given) makes an update conditional: a function changed by someone else since this run read
    # it is refused with PreconditionFailedException, which :func:`concurrent_change` turns into a clear error.
    def create_function(self, **params: Any) -> dict[str, Any]:
        name = params["FunctionName"]
        return self.awsclient.mutate(
            f"Creating function '{name}'", lambda: self.client.create_function(**params),
            adopt=lambda: (self.get_function(name) or {}).get("Configuration"),
            done_codes=("ResourceConflictException",),
            hint="Check the role (it must exist and trust lambda.amazonaws.com) and the runtime.")

    def update_code(self, *, expected_sha256: str | None = None, **params: Any) -> dict[str, Any]:
        """UpdateFunctionCode; ``expected_sha256`` (the new code's CodeSha256) lets a lost response be adopted."""
        name, wanted = params["FunctionName"], expected_sha256
        with concurrent_change(name):
            return self.awsclient.mutate(
                f"Updating the code of '{name}'", lambda: self.client.update_function_code(**params),
                adopt=lambda: self._configuration_if(name, lambda c: c.get("CodeSha256") == wanted),
                done_codes=("PreconditionFailedException",))

    def update_configuration(self, **params: Any) -> dict[str, Any]:
        name = params["FunctionName"]
        wanted = {k: v for k, v in params.items() if k not in ("FunctionName", "RevisionId")}
        with concurrent_change(name):
            return self.awsclient.mutate(
                f"Updating the configuration of '{name}'", lambda: self.client.update_function_configuration(**params),
                adopt=lambda: self._configuration_if(name, lambda c: configuration_has(c, wanted)),
                done_codes=("PreconditionFailedException",))

    def publish_version(self, name: str, code_sha256: str, description: str = "",
                        revision_id: str | None = None) -> str:
        """Publish ``$LATEST``; after a lost response the version this call published is found and adopted."""
        known = set(self.numbered_versions(name))
        kwargs = {"RevisionId": revision_id} if revision_id else {}

        def adopt() -> str | None:
            new = [v for v in self.list_versions(name) if v["Version"].isdigit() and int(v["Version"]) not in known
                   and v.get("CodeSha256") == code_sha256 and v.get("Description") == description]
            return max((v["Version"] for v in new), key=int) if new else None
        with concurrent_change(name):
            return self.awsclient.mutate(
                f"Publishing a version of '{name}'",
                lambda: self.client.publish_version(FunctionName=name, CodeSha256=code_sha256,
                                                    Description=description, **kwargs)["Version"],
                adopt=adopt, done_codes=("PreconditionFailedException",))

    def set_alias(self, name: str, version: str, alias: str = ALIAS) -> None:
        """Create the alias or point it at ``version``."""
        if self.get_alias(name, alias) is None:
            self.awsclient.mutate(
                f"Creating alias {alias} of '{name}'",
                lambda: self.client.create_alias(FunctionName=name, Name=alias, FunctionVersion=version),
                adopt=lambda: self._done_if((self.get_alias(name, alias) or {}).get("FunctionVersion") == version),
                done_codes=("ResourceConflictException",))
        else:
            with aws_errors(f"Pointing alias {alias} of '{name}' at version {version}"):
                self.client.update_alias(FunctionName=name, Name=alias, FunctionVersion=version)

    def add_permission(self, name: str, sid: str, principal: str, source_arn: str, qualifier: str = ALIAS) -> None:
        self.awsclient.mutate(
            f"Allowing {principal} to invoke '{name}:{qualifier}'",
            lambda: self.client.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                                               Principal=principal, SourceArn=source_arn, Qualifier=qualifier),
            adopt=lambda: self._done_if(any(s.get("Sid") == sid for s in self.get_policy(name, qualifier))),
            done_codes=("ResourceConflictException",))

    def remove_permission(self, name: str, sid: str, qualifier: str = ALIAS) -> None:
        self.awsclient.mutate(
            f"Removing permission {sid} from '{name}:{qualifier}'",
            lambda: self.client.remove_permission(FunctionName=name, StatementId=sid, Qualifier=qualifier),
            adopt=lambda: self._done_if(all(s.get("Sid") != sid for s in self.get_policy(name, qualifier))),
            done_codes=("ResourceNotFoundException",))

    def create_event_source_mapping(self, **params: Any) -> None:
        function, source = params["FunctionName"], params["EventSourceArn"]
        self.awsclient.mutate(
            f"Creating the event source mapping for {source}",
            lambda: self.client.create_event_source_mapping(**params),
            adopt=lambda: self._done_if(bool(self.list_event_source_mappings(function, source))),
            done_codes=("ResourceConflictException",))

    def update_event_source_mapping(self, **params: Any) -> None:
        with aws_errors(f"Updating event source mapping {params['UUID']}"):
            self.client.update_event_source_mapping(**params)

    def delete_event_source_mapping(self, uuid: str) -> None:
        def gone() -> Any:
            return self._done_if(self._maybe("Reading event source mapping", self.client.get_event_source_mapping,
                                             UUID=uuid) is None)
        self.awsclient.mutate(f"Deleting event source mapping {uuid}",
                              lambda: self.client.delete_event_source_mapping(UUID=uuid),
                              adopt=gone, done_codes=("ResourceNotFoundException",))

    def delete_function(self, name: str) -> None:
        self.awsclient.mutate(f"Deleting function '{name}'", lambda: self.client.delete_function(FunctionName=name),
                              adopt=lambda: self._done_if(self.get_function(name) is None),
                              done_codes=("ResourceNotFoundException",))

    def invoke(self, name: str, payload: bytes, qualifier: str | None = None,
               invocation_type: str = "RequestResponse", repeatable: bool = False) -> dict[str, Any]:
        """Invoke; returns ``{"StatusCode", "FunctionError", "Payload" (bytes)}``. Only a ``repeatable`` invocation
        (a ping) is sent again after a lost response: a user's payload may do its work twice."""
        kwargs = {"Qualifier": qualifier} if qualifier else {}

        def call() -> dict[str, Any]:
            response = self.client.invoke(FunctionName=name, InvocationType=invocation_type, Payload=payload,
                                          **kwargs)
            return {**response, "Payload": response["Payload"].read() if response.get("Payload") is not None
                    else b""}
        response = self.awsclient.mutate(f"Invoking '{name}'", call, repeatable=repeatable)
        body = response["Payload"]
        return {"StatusCode": response.get("StatusCode"), "FunctionError": response.get("FunctionError"),
                "Payload": body}

    def _configuration_if(self, name: str, test: Any) -> dict[str, Any] | None:
        conf = self.get_configuration(name)
        return conf if test(conf) else None

    @staticmethod
    def _done_if(done: bool) -> Any:
        return ADOPTED if done else None

    # ---- helpers ------------------------------------------------------------------------------------------------
    @staticmethod
    def _maybe(what: str, call: Any, **params: Any) -> dict[str, Any] | None:
        return read_or_none(what, call, ("ResourceNotFoundException",), **params)
