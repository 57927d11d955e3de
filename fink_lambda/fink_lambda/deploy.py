"""``lambda deploy``: read the deployed function, plan (pure, :mod:`.deploy_plan`), show, execute, ping, report.

Functions update asynchronously, so every change waits (on the injected clock) until the function is ready
before the next one. A version is published only when something changed, and ``ACTIVE`` points at that numbered
version; a failing ping keeps ``ACTIVE`` where it was when ``failDeploymentOnUnsuccessfulPing`` is set.
"""
from __future__ import annotations

import base64
from functools import partial
from typing import Any, Mapping

from fink.bundle import BuiltBundle, built_bundle
from fink.clock import Backoff, Clock, Poller
from fink.errors import AWSError, ConfigError, FinkError
from fink.ui import UI

from .deploy_plan import (RUNTIME_FAMILIES, DeployPlan, FunctionSpec, desired_configuration, plan_deploy, plan_lines,
                          spec_from_config)
from .function_settings import DEFAULT_KEEP_VERSIONS, apply_alias_settings, apply_base_settings, prune_versions
from .seam_lambda import ALIAS, LambdaSeam, known_runtimes
from .seam_logs import LogsSeam, log_group_name

__all__ = ["Bundle", "bundle_of", "check_runtime", "deploy_function", "ping", "artifact_key", "INLINE_LIMIT"]

INLINE_LIMIT = 50 * 1024 * 1024  # Lambda's limit for a zip uploaded directly (larger ones go through S3)
WAIT = Backoff(initial=1.0, factor=1.5, maximum=5.0, timeout=900.0)
ROLE_WAIT = Backoff(initial=2.0, factor=1.5, maximum=10.0, timeout=120.0)
PING_PAYLOAD = b'{"lambda_action": "ping"}'


Bundle = BuiltBundle


def bundle_of(context: Mapping[str, Any]) -> BuiltBundle:
    """The artifact the bundler plugin built on ``bundle_init`` (a clear error when no bundler is installed)."""
    return built_bundle(context, "lambda")


def check_runtime(runtime: str) -> None:
    """The runtime must be one botocore's Lambda model knows, of a family the bundler builds for."""
    runtimes = known_runtimes()
    if runtime not in runtimes or not runtime.startswith(RUNTIME_FAMILIES):
        family = [r for r in runtimes if r.startswith(RUNTIME_FAMILIES) and not r.endswith("-edge")]
        raise ConfigError(f"lambda.lambda.runtime: '{runtime}' is not a Lambda python or nodejs runtime.",
                          hint="Runtimes botocore knows: " + ", ".join(family))


def artifact_key(region: str, name: str, sha256: str) -> str:
    """Content-addressed S3 key: the same code always lands on the same key."""
    digest = base64.urlsafe_b64encode(base64.b64decode(sha256)).decode().rstrip("=")
    return f"lambda/{region}/{name}/{digest}.zip"


# ---- the steps ----------------------------------------------------------------------------------------------------
class Deployer:
    """Executes a :class:`DeployPlan` for one function."""

    def __init__(self, context: Mapping[str, Any], config: Mapping[str, Any], spec: FunctionSpec, bundle: Bundle):
        self.ui: UI = context["_ui"]
        self.clock: Clock = context["_clock"]
        self.awsclient = context["_awsclient"]
        self.region = (config.get("deployment") or {}).get("region") or self.awsclient.region
        self.bucket = (config.get("deployment") or {}).get("artifactBucket")
        self.seam = LambdaSeam(self.awsclient, self.region)
        self.logs = LogsSeam(self.awsclient, self.region)
        self.spec, self.bundle = spec, bundle
        self.fn: Mapping[str, Any] = config.get("lambda") or {}
        self.found: dict[str, Any] | None = None
        self.revision: str | None = None  # RevisionId of the function as read: every update is conditional on it

    def read_and_plan(self) -> DeployPlan:
        """Two reads: ``$LATEST``, and the version behind ``ACTIVE`` (GetFunction through the alias answers with that
        version's own configuration and number, so the alias itself needs no read)."""
        found = self.found = self.seam.get_function(self.spec.name)
        remote = found["Configuration"] if found else None
        self.revision = remote.get("RevisionId") if remote else None
        active = self.seam.get_function(self.spec.name, ALIAS) if found else None
        version = active["Configuration"].get("Version") if active else None
        retention = self.logs.retention(log_group_name(self.spec.name)) if self.spec.retention else None
        return plan_deploy(self.spec, self.bundle.sha256, remote, version, retention,
                           active and active["Configuration"])

    def code(self) -> dict[str, Any]:
        """``Code`` for create/update: through the artifact bucket when configured, else inline."""
        from fink.checkpoints import checkpoint
        checkpoint("code-uploading")
        if self.bucket:
            from fink.s3 import upload_if_missing
            key = artifact_key(self.region, self.spec.name, self.bundle.sha256)
            if upload_if_missing(self.awsclient, self.bucket, key, self.bundle.read()):
                self.ui.info(f"uploaded s3://{self.bucket}/{key}")
            return {"S3Bucket": self.bucket, "S3Key": key}
        if self.bundle.size > INLINE_LIMIT:
            raise FinkError(f"The bundle is {self.bundle.size // 2**20} MB; Lambda takes at most 50 MB inline.",
                            hint="Set deployment.artifactBucket so fink uploads the code through S3.")
        return {"ZipFile": self.bundle.read()}

    def wait_ready(self) -> dict[str, Any]:
        name = self.spec.name

        def step() -> dict[str, Any] | None:
            conf = self.seam.get_configuration(name)
            if "Failed" in (conf.get("State"), conf.get("LastUpdateStatus")):
                reason = conf.get("LastUpdateStatusReason") or conf.get("StateReason") or "no reason given"
                raise FinkError(f"The update of '{name}' failed: {reason}",
                                hint="Fix the cause and run `lambda deploy` again.")
            ready = conf.get("State", "Active") == "Active" and conf.get("LastUpdateStatus", "Successful") == "Successful"
            if not ready:
                self.ui.progress(f"{name}: waiting for Lambda (state {conf.get('State')}, last update "
                                 f"{conf.get('LastUpdateStatus')})")
            return conf if ready else None
        try:
            return Poller(self.clock, WAIT).poll(step, what=f"function '{name}' to be ready")
        finally:
            self.ui.end_status()

    def create(self) -> None:
        params = {"FunctionName": self.spec.name, "Code": self.code(), "Publish": False,
                  "Architectures": list(self.spec.architectures), **desired_configuration(self.spec)}
        if not self.spec.subnets:
            params.pop("VpcConfig")
        if params.get("DeadLetterConfig") == {"TargetArn": ""}:  # "" removes a queue; a new function has none
            params.pop("DeadLetterConfig")
        if params.get("KMSKeyArn") == "":
            params.pop("KMSKeyArn")
        if self.fn.get("tags"):
            params["Tags"] = {str(k): str(v) for k, v in self.fn["tags"].items()}
        Poller(self.clock, ROLE_WAIT).poll(partial(self._try_create, params), what="the new role to be usable")
        self.revision = self.wait_ready().get("RevisionId")

    def _try_create(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """A role created moments ago is not yet assumable by Lambda (IAM is eventually consistent): retry."""
        try:
            return self.seam.create_function(**params)
        except AWSError as exc:
            if exc.code == "InvalidParameterValueException" and "assumed" in exc.aws_message:
                self.ui.info(f"{self.spec.name}: the role is not usable yet - retrying")
                return None
            raise

    def execute(self, plan: DeployPlan, changes: Any = None) -> str | None:
        """Run the changes; returns the newly published version (or None). Each change is recorded in
        ``changes`` (a :class:`fink.progress.Changes`), so stopping half-way names what was changed."""
        from fink.checkpoints import checkpoint
        from fink.progress import Changes
        changes = changes if changes is not None else Changes()
        if plan.create:
            self.create()
            changes.record(f"created function {plan.name} ($LATEST)")
        if plan.upload_code:
            self.seam.update_code(FunctionName=plan.name, Architectures=list(self.spec.architectures), **self.code(),
                                  **self._condition(), expected_sha256=plan.local_sha)
            changes.record("uploaded the new code to $LATEST")
            self.revision = self.wait_ready().get("RevisionId")
        if plan.config_changes:
            self.seam.update_configuration(FunctionName=plan.name, **plan.config_changes, **self._condition())
            changes.record("updated the configuration of $LATEST")
            self.revision = self.wait_ready().get("RevisionId")
        if plan.set_retention is not None:
            self.logs.set_retention(log_group_name(plan.name), plan.set_retention)
            changes.record("set the log retention")
        if plan.publish:
            checkpoint("version-publishing")
            version = self.seam.publish_version(plan.name, plan.local_sha, f"fink deploy {plan.local_sha}",
                                                self.revision)
            changes.record(f"published version {version}", completes="publish a version")
            return version
        return None

    def _condition(self) -> dict[str, str]:
        """RevisionId for a conditional update: a function changed by another run since we read it is refused."""
        return {"RevisionId": self.revision} if self.revision else {}


def _pending(plan: DeployPlan) -> list[str]:
    return ["publish a version", f"point {ALIAS} at it"] if plan.publish else []


def ping(seam: LambdaSeam, name: str, qualifier: str | None) -> tuple[bool, str]:
    """Invoke with the ping payload; ``(answered alive, what it answered)``."""
    response = seam.invoke(name, PING_PAYLOAD, qualifier, repeatable=True)
    text = response["Payload"].decode("utf-8", "replace")
    return (not response.get("FunctionError") and "alive" in text), text


def deploy_function(context: Mapping[str, Any], config: Mapping[str, Any]) -> int:
    ui: UI = context["_ui"]
    spec = spec_from_config(config)
    check_runtime(spec.runtime)
    deployer = Deployer(context, config, spec, bundle_of(context))
    plan = deployer.read_and_plan()
    for line in plan_lines(plan):
        ui.info(f"{spec.name}: {line}")
    if not (plan.changed or plan.publish):  # nothing deployed: nothing to ping (a ping costs an invocation)
        if plan.set_retention is not None:
            deployer.execute(plan)
        ui.success(f"'{spec.name}' is up to date: {ALIAS} stays at version {plan.alias_version}")
        return 0
    from fink.progress import changes_so_far
    with changes_so_far(ui, "lambda deploy", _pending(plan)) as changes:
        version = deployer.execute(plan, changes) or plan.alias_version
        apply_base_settings(deployer.seam, ui, config["lambda"], deployer.found, plan.create)  # function-wide
        moved = version != plan.alias_version
        _ping_and_activate(context, config, deployer.seam, spec.name, version, moved=moved)
    apply_alias_settings(deployer.seam, ui, config["lambda"])
    keep = config["lambda"].get("keepVersions", DEFAULT_KEEP_VERSIONS)
    # versions are numbered 1, 2, ...: while the newest is <= keep there is nothing to prune (and no call to make)
    if moved and keep and (version or "0").isdigit() and int(version) > int(keep) and not _is_edge(config["lambda"]):
        prune_versions(deployer.seam, ui, spec.name, int(keep))
    return 0


def _is_edge(fn: Mapping[str, Any]) -> bool:
    """CloudFront associations name numbered versions (and replicas block deletion): never prune those."""
    return any(str((e.get("event_source") or {}).get("arn", "")).startswith("arn:aws:cloudfront:")
               for e in fn.get("events") or [])


def _ping_and_activate(context: Mapping[str, Any], config: Mapping[str, Any], seam: LambdaSeam, name: str,
                       version: str | None, moved: bool) -> None:
    ui: UI = context["_ui"]
    alive, answer = ping(seam, name, version)
    if alive:
        ui.info(f"{name}: version {version} answers the ping")
    elif config["lambda"].get("failDeploymentOnUnsuccessfulPing"):
        raise FinkError(f"Version {version} of '{name}' did not answer the ping with 'alive' (it said: "
                        f"{answer[:200]}); {ALIAS} was not moved.",
                        hint="Check `lambda logs " + name + "`; the handler should answer "
                             "{\"lambda_action\": \"ping\"} with \"alive\".")
    else:
        ui.warn(f"version {version} of '{name}' did not answer the ping with 'alive' (it said: {answer[:200]}).")
    if moved:
        seam.set_alias(name, version)
        ui.success(f"Deployed '{name}': {ALIAS} -> version {version}")
    else:
        ui.success(f"'{name}' is up to date: {ALIAS} stays at version {version}")
