"""The ``code`` commands: ``bundle`` reports the bundle the bundler plugin built, ``deploy`` ships it with CodeDeploy.

The bundle itself is built by the ``fink.bundler`` plugin on ``bundle_init`` (``context['_bundle_file']``); this
module never builds one, so ``code`` without the plugin fails with a message naming it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fink.bundle import built_bundle
from fink.errors import ConfigError, GracefulExit

__all__ = ["bundle", "deploy", "DeploySettings", "DEFAULT_TIMEOUT"]

#: seconds ``code deploy`` waits (the schema's default of ``deployment.timeout``; a test keeps them equal)
DEFAULT_TIMEOUT = 3600


def _bundle(context: dict) -> tuple[str, str]:
    """The bundle's path and base64 sha256, as the bundler plugin left them in the context."""
    built = built_bundle(context, "code")
    return built.path, built.sha256


def bundle(context: dict, config: dict) -> int:
    path, sha = _bundle(context)
    ui = context["_ui"]
    ui.print(f"bundle: {path}")
    ui.print(f"sha256: {sha}")
    return 0


@dataclass(frozen=True)
class DeploySettings:
    """What ``deploy`` needs from the config section, checked."""

    application: str
    group: str
    config_name: str
    bucket: str
    log_group: str
    timeout: float
    ignore_stop_failures: bool


def _settings(config: dict) -> DeploySettings:
    cd = config["codedeploy"]
    bucket = cd.get("artifactsBucket")
    if not bucket:
        raise ConfigError("code.codedeploy.artifactsBucket is not set: `code deploy` needs a bucket for the bundle.",
                          hint="Add the S3 bucket name to code.codedeploy in your fink_<env> config.")
    deployment = config.get("deployment") or {}
    log_group = deployment.get("LogGroup") or config.get("defaults", {}).get("log_group", "/var/log/messages")
    return DeploySettings(cd["applicationName"], cd["deploymentGroupName"], cd["deploymentConfigName"], bucket,
                          log_group, float(deployment.get("timeout", DEFAULT_TIMEOUT)),
                          bool(deployment.get("ignoreApplicationStopFailures", False)))


def deploy(context: dict, config: dict) -> int:
    from .aws_codedeploy import CodeDeploy
    settings = _settings(config)
    path, sha = _bundle(context)
    codedeploy = CodeDeploy(context["_awsclient"])
    deployment_id = _start(context, codedeploy, settings, path, sha)
    if context["_arguments"].get("--no-wait"):
        state = codedeploy.deployment(deployment_id)
        context["_ui"].info(f"Not waiting (--no-wait): deployment {deployment_id} is {state.status}")
        context["outcome"] = {"status": "created", "fields": {"Deployment": deployment_id}}
        return 0
    _follow(context, codedeploy, settings, deployment_id)
    context["outcome"] = {"status": "succeeded", "fields": {"Deployment": deployment_id}}
    return 0


def _start(context: dict, codedeploy: Any, settings: DeploySettings, path: str, sha: str) -> str:
    """Uploads the bundle and creates the deployment; returns its id (printed on stdout)."""
    from . import deployer
    from .aws_codedeploy import DeploymentTarget
    from .report import console_url
    ui, awsclient = context["_ui"], context["_awsclient"]
    target = DeploymentTarget(settings.application, settings.group, settings.config_name)
    codedeploy.check_target(target)  # before the first change: nothing is uploaded for a target that is not there
    with open(path, "rb") as fh:
        revision = deployer.upload_bundle(awsclient, ui, settings.bucket, settings.application, fh.read(), sha)
    deployment_id = codedeploy.create_deployment(
        target, revision, description=f"code deploy by {context.get('user') or 'fink'}",
        ignore_stop_failures=settings.ignore_stop_failures)
    ui.info(f"Created deployment {deployment_id} of {target.application}/{target.group} "
            f"({target.config}): {console_url(deployment_id, awsclient.region)}")
    ui.print(deployment_id)
    return deployment_id


def _follow(context: dict, codedeploy: Any, settings: DeploySettings, deployment_id: str) -> None:
    """Waits for the deployment; stops it on SIGINT/SIGTERM; explains a failure and raises it."""
    from fink.render import duration

    from . import deployer
    ui, clock = context["_ui"], context["_clock"]
    started = clock.monotonic()
    try:
        state = deployer.Watcher(codedeploy, ui, clock, settings.timeout).wait(deployment_id)
    except GracefulExit as exc:
        deployer.stop_deployment(codedeploy, ui, deployment_id, exc.signal_name)
        raise
    if state.status != "Succeeded":
        failure = deployer.failure_error(state)  # the deployment's own failure is what the run reports
        try:
            deployer.explain_failure(codedeploy, context["_awsclient"], ui, state, settings.log_group)
        except Exception as exc:  # diagnostics are best effort: they never replace the failure itself
            ui.warn(f"Could not gather the diagnostics of deployment {deployment_id}: {exc}")
        raise failure
    ui.success(f"Deployment {deployment_id} succeeded in {duration(clock.monotonic() - started)}.")
