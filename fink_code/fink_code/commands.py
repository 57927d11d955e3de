"""The ``code`` commands: ``bundle`` reports the bundle the bundler plugin built, ``deploy`` ships it with CodeDeploy.

The bundle itself is built by the ``fink.bundler`` plugin on ``bundle_init`` (``context['_bundle_file']``); this
module never builds one, so ``code`` without the plugin fails with a message naming it.
"""
from __future__ import annotations

import os
from typing import Any

from fink.errors import ConfigError, FinkError, GracefulExit
from fink.s3 import sha256_b64

__all__ = ["bundle", "deploy", "DEFAULT_TIMEOUT"]

#: seconds ``code deploy`` waits (the schema's default of ``deployment.timeout``; a test keeps them equal)
DEFAULT_TIMEOUT = 3600


def _bundle(context: dict) -> tuple[str, str]:
    """The bundle's path and base64 sha256, as the bundler plugin left them in the context."""
    path = context.get("_bundle_file")
    if not path:
        raise FinkError("No bundle was built: the fink.bundler plugin is not installed or did not run.",
                        hint="Install it with `pip install fink-bundler` (`fink version` lists the plugins).")
    if not os.path.isfile(path):
        raise FinkError(f"The bundle {path} does not exist.", hint="Run `code bundle -v` to see what the bundler did.")
    sha = context.get("_bundle_sha256")
    if not sha:
        with open(path, "rb") as fh:
            sha = sha256_b64(fh.read())
    return os.path.abspath(path), sha


def bundle(context: dict, config: dict) -> int:
    path, sha = _bundle(context)
    ui = context["_ui"]
    ui.print(f"bundle: {path}")
    ui.print(f"sha256: {sha}")
    return 0


def _settings(config: dict) -> tuple[Any, ...]:
    """What deploy needs from the config: target, bucket, log group, timeout, ignore-stop-failures."""
    from .aws_codedeploy import DeploymentTarget
    cd = config["codedeploy"]
    bucket = cd.get("artifactsBucket")
    if not bucket:
        raise ConfigError("code.codedeploy.artifactsBucket is not set: `code deploy` needs a bucket for the bundle.",
                          hint="Add the S3 bucket name to code.codedeploy in your fink_<env> config.")
    deployment = config.get("deployment") or {}
    log_group = deployment.get("LogGroup") or config.get("defaults", {}).get("log_group", "/var/log/messages")
    target = DeploymentTarget(cd["applicationName"], cd["deploymentGroupName"], cd["deploymentConfigName"])
    return (target, bucket, log_group, deployment.get("timeout", DEFAULT_TIMEOUT),
            bool(deployment.get("ignoreApplicationStopFailures", False)))


def deploy(context: dict, config: dict) -> int:
    from . import deployer
    from .aws_codedeploy import CodeDeploy
    from fink.render import duration

    from .report import console_url
    ui, awsclient = context["_ui"], context["_awsclient"]
    target, bucket, log_group, timeout, ignore_stop = _settings(config)
    path, sha = _bundle(context)
    with open(path, "rb") as fh:
        revision = deployer.upload_bundle(awsclient, ui, bucket, target.application, fh.read(), sha)
    codedeploy = CodeDeploy(awsclient)
    deployment_id = codedeploy.create_deployment(
        target, revision, description=f"code deploy by {context.get('user') or 'fink'}",
        ignore_stop_failures=ignore_stop)
    ui.info(f"Created deployment {deployment_id} of {target.application}/{target.group} "
            f"({target.config}): {console_url(deployment_id, awsclient.region)}")
    ui.print(deployment_id)
    if context["_arguments"].get("--no-wait"):
        state = codedeploy.deployment(deployment_id)
        ui.info(f"Not waiting (--no-wait): deployment {deployment_id} is {state.status}")
        return 0
    clock = context["_clock"]
    started = clock.monotonic()
    try:
        state = deployer.Watcher(codedeploy, ui, clock, float(timeout)).wait(deployment_id)
    except GracefulExit as exc:
        deployer.stop_deployment(codedeploy, ui, deployment_id, exc.signal_name)
        raise
    if state.status != "Succeeded":
        deployer.explain_failure(codedeploy, awsclient, ui, state, log_group)
        raise deployer.failure_error(state)
    ui.success(f"Deployment {deployment_id} succeeded in {duration(clock.monotonic() - started)}.")
    return 0
