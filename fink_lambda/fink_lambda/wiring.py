"""``lambda wire`` / ``lambda unwire``: connect the configured event sources to the function's ``ACTIVE`` alias.

Event by event: read the source's current state, plan the actions (pure functions below), show, execute. Only
what fink wired is touched: S3 notifications and EventBridge targets carry fink's ids, permissions fink's
statement ids, subscriptions and mappings point at the alias ARN. Wiring twice changes nothing; any AWS error
fails the command.

Kinds: ``schedule``/``pattern`` → EventBridge rule; otherwise the service in ``arn``: s3, sns, kinesis, dynamodb
(streams), sqs, cloudfront (Lambda@Edge: a numbered version, in us-east-1).
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping

from fink.errors import ConfigError, FinkError
from fink.ui import UI

from .seam_lambda import ALIAS, LambdaSeam

__all__ = ["Target", "Action", "kind_of", "sid_for", "wire_events", "event_states", "plan_s3", "plan_sns",
           "plan_mapping", "plan_rule", "plan_edge", "describe_source", "SourceMissing"]

STREAM_KINDS = ("kinesis", "dynamodb", "sqs")


@dataclass(frozen=True)
class Target:
    """The function as event sources see it."""

    name: str
    function_arn: str  # unqualified
    version: str       # the numbered version ACTIVE points at (Lambda@Edge cannot use aliases)
    region: str

    @property
    def alias_arn(self) -> str:
        return f"{self.function_arn}:{ALIAS}"


@dataclass(frozen=True)
class Action:
    text: str
    run: Callable[[], Any]


class SourceMissing(FinkError):
    """``lambda wire``: a configured event source does not exist (found before anything was changed)."""

    def __init__(self, arn: str):
        super().__init__(f"lambda.events: the event source {arn} does not exist; nothing was wired.",
                         hint="Create it first (or fix the arn in lambda.events), then run `lambda wire` again.")
        self.arn = arn


def kind_of(source: Mapping[str, Any]) -> str:
    if "schedule" in source or "pattern" in source:
        return "events"
    arn = str(source.get("arn", ""))
    parts = arn.split(":")
    kind = parts[2] if len(parts) > 2 and parts[0] == "arn" else ""
    if kind not in ("s3", "sns", "events", "cloudfront", *STREAM_KINDS):
        raise ConfigError(f"lambda.events: cannot wire {arn or source!r}.",
                          hint="Give an s3, sns, kinesis, dynamodb, sqs or cloudfront arn, or a rule with "
                               "name and schedule/pattern.")
    return kind


def _short_hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:10]


def sid_for(kind: str, source_arn: str) -> str:
    """fink's statement id for the permission of one source (the same source always gets the same id)."""
    return f"fink-{kind}-{_short_hash(source_arn)}"


def describe_source(source: Mapping[str, Any]) -> str:
    if kind_of(source) == "events":
        return f"rule {source.get('name')}"
    return str(source["arn"])


# ---- permissions --------------------------------------------------------------------------------------------------
def plan_permission(seam: LambdaSeam, target: Target, statements: list[dict], kind: str, principal: str,
                    source_arn: str, unwire: bool) -> list[Action]:
    sid = sid_for(kind, source_arn)
    present = any(st.get("Sid") == sid for st in statements)
    if unwire and present:
        return [Action(f"remove permission {sid}", partial(seam.remove_permission, target.name, sid))]
    if not unwire and not present:
        return [Action(f"allow {principal} to invoke {ALIAS}",
                       partial(seam.add_permission, target.name, sid, principal, source_arn))]
    return []


# ---- S3 -----------------------------------------------------------------------------------------------------------
def s3_notification(source: Mapping[str, Any], target: Target) -> dict[str, Any]:
    spec = {"LambdaFunctionArn": target.alias_arn, "Events": list(source.get("events") or ["s3:ObjectCreated:*"])}
    rules = [{"Name": key, "Value": source[key]} for key in ("prefix", "suffix") if source.get(key)]
    if rules:
        spec["Filter"] = {"Key": {"FilterRules": rules}}
    return {"Id": f"fink-{target.name}-{_short_hash(spec)}"[:64], **spec}


def _ours_s3(config: Mapping[str, Any], target: Target) -> bool:
    return str(config.get("Id", "")).startswith(f"fink-{target.name}-") and \
        config.get("LambdaFunctionArn") == target.alias_arn


def plan_s3(current: Mapping[str, Any], source: Mapping[str, Any], target: Target, unwire: bool,
            put: Callable[[dict], None], configured_ids: frozenset[str] = frozenset()) -> list[Action]:
    """Add or remove fink's notification; every other notification of the bucket is written back unchanged.

    ``configured_ids`` are the ids of all configured notifications of this bucket: wiring also removes fink's
    notifications of this function that the configuration no longer has (a changed prefix, suffix or event list
    would otherwise leave the old one firing), and unwiring removes all of them."""
    wanted = s3_notification(source, target)
    configs = list(current.get("LambdaFunctionConfigurations") or [])
    keep = {wanted["Id"]} | set(configured_ids)
    stale = [c for c in configs if _ours_s3(c, target) and (unwire or c.get("Id") not in keep)]
    present = any(c.get("Id") == wanted["Id"] for c in configs)
    if not stale and (unwire or present):
        return []
    updated = copy.deepcopy(dict(current))
    remaining = [c for c in configs if c not in stale]
    updated["LambdaFunctionConfigurations"] = remaining if unwire or present else remaining + [wanted]
    if not updated["LambdaFunctionConfigurations"]:
        updated.pop("LambdaFunctionConfigurations")
    texts = [f"remove notification {c['Id']} ({', '.join(c.get('Events') or [])})" for c in stale]
    if not unwire and not present:
        texts.append(f"add notification {wanted['Id']} ({', '.join(wanted['Events'])})")
    return [Action("; ".join(texts), partial(put, updated))]


# ---- SNS ----------------------------------------------------------------------------------------------------------
def plan_sns(subscriptions: list[dict], topic_arn: str, target: Target, unwire: bool, sns: Any) -> list[Action]:
    ours = [s for s in subscriptions if s.get("Protocol") == "lambda" and s.get("Endpoint") == target.alias_arn]
    if unwire:
        return [Action(f"unsubscribe {s['SubscriptionArn']}", partial(sns.unsubscribe, s["SubscriptionArn"]))
                for s in ours]
    if ours:
        return []
    return [Action(f"subscribe {ALIAS} to the topic", partial(sns.subscribe_lambda, topic_arn, target.alias_arn))]


# ---- Kinesis, DynamoDB streams, SQS -------------------------------------------------------------------------------
def mapping_settings(source: Mapping[str, Any], kind: str) -> dict[str, Any]:
    settings = {"BatchSize": int(source.get("batch_size") or (10 if kind == "sqs" else 100)),
                "Enabled": bool(source.get("enabled", True))}
    return settings


def plan_mapping(mappings: list[dict], source: Mapping[str, Any], kind: str, target: Target, unwire: bool,
                 seam: LambdaSeam) -> list[Action]:
    arn = source["arn"]
    if unwire:
        return [Action(f"delete event source mapping {m['UUID']}", partial(seam.delete_event_source_mapping,
                                                                          m["UUID"])) for m in mappings]
    wanted = mapping_settings(source, kind)
    if not mappings:
        params = {"FunctionName": target.alias_arn, "EventSourceArn": arn, **wanted}
        if kind != "sqs":
            params["StartingPosition"] = source.get("starting_position") or "LATEST"
        return [Action(f"create event source mapping (batch size {wanted['BatchSize']})",
                       partial(seam.create_event_source_mapping, **params))]
    actions = []
    for mapping in mappings:
        enabled = mapping.get("State") not in ("Disabled", "Disabling")
        if mapping.get("BatchSize") != wanted["BatchSize"] or enabled != wanted["Enabled"]:
            actions.append(Action(f"update event source mapping {mapping['UUID']}",
                                  partial(seam.update_event_source_mapping, UUID=mapping["UUID"],
                                          FunctionName=target.alias_arn, **wanted)))
    return actions


# ---- EventBridge rules --------------------------------------------------------------------------------------------
def rule_params(source: Mapping[str, Any]) -> dict[str, Any]:
    if not source.get("name"):
        raise ConfigError("lambda.events: a rule with schedule or pattern needs a 'name'.")
    params: dict[str, Any] = {"Name": source["name"],
                              "State": "ENABLED" if source.get("enabled", True) else "DISABLED"}
    if source.get("schedule"):
        params["ScheduleExpression"] = source["schedule"]
    if source.get("pattern"):
        params["EventPattern"] = json.dumps(source["pattern"], sort_keys=True)
    if source.get("description"):
        params["Description"] = source["description"]
    return params


def _rule_differs(rule: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    if rule is None:
        return True
    for key, value in wanted.items():
        have = rule.get(key)
        if key == "EventPattern":
            have, value = json.loads(have) if have else None, json.loads(value)
        if have != value:
            return True
    return False


def rule_target_id(target: Target) -> str:
    return f"fink-{target.name}"[:64]


def plan_rule(rule: Mapping[str, Any] | None, targets: list[dict], source: Mapping[str, Any], target: Target,
              unwire: bool, events: Any) -> list[Action]:
    wanted = rule_params(source)
    name = wanted["Name"]
    tid = rule_target_id(target)
    ours = [t for t in targets if t.get("Id") == tid]
    if unwire:
        if rule is None:
            return []
        actions = [Action(f"remove target {tid}", partial(events.remove_target, name, tid)) for _ in ours[:1]]
        if len(targets) == len(ours):
            actions.append(Action(f"delete rule {name}", partial(events.delete_rule, name)))
        return actions
    actions = []
    if _rule_differs(rule, wanted):
        actions.append(Action(f"{'create' if rule is None else 'update'} rule {name}",
                              partial(events.put_rule, **wanted)))
    want_target = {"Id": tid, "Arn": target.alias_arn, **({"InputPath": source["input_path"]}
                                                          if source.get("input_path") else {})}
    if not ours or {k: ours[0].get(k) for k in want_target} != want_target:
        actions.append(Action(f"target {ALIAS} from rule {name}", partial(events.put_target, name, want_target)))
    return actions


def rule_arn(target: Target, account: str, name: str) -> str:
    return f"arn:aws:events:{target.region}:{account}:rule/{name}"


# ---- CloudFront Lambda@Edge ---------------------------------------------------------------------------------------
def _behavior(config: dict, pattern: str | None) -> dict:
    if pattern in (None, "", "*", "default"):
        return config["DefaultCacheBehavior"]
    for item in (config.get("CacheBehaviors") or {}).get("Items") or []:
        if item.get("PathPattern") == pattern:
            return item
    raise ConfigError(f"lambda.events: the distribution has no cache behavior '{pattern}'.")


def plan_edge(config: dict, source: Mapping[str, Any], target: Target, unwire: bool,
              update: Callable[[dict], None]) -> list[Action]:
    """Set (or remove) the association of one event type in one cache behavior; nothing else is touched."""
    event = source.get("cloudfront_event") or "origin-request"
    updated = copy.deepcopy(config)
    behavior = _behavior(updated, source.get("cache_behavior"))
    items = list((behavior.get("LambdaFunctionAssociations") or {}).get("Items") or [])
    same = [i for i in items if i.get("EventType") == event]
    version_arn = f"{target.function_arn}:{target.version}"
    if unwire:
        if not same or not same[0]["LambdaFunctionARN"].startswith(target.function_arn + ":"):
            return []
        items = [i for i in items if i.get("EventType") != event]
        text = f"remove the {event} association"
    else:
        wanted = {"LambdaFunctionARN": version_arn, "EventType": event,
                  "IncludeBody": bool(source.get("include_body", False))}
        if same and all(same[0].get(k) == v for k, v in wanted.items()):
            return []
        items = [i for i in items if i.get("EventType") != event] + [wanted]
        text = f"associate version {target.version} with {event}"
    behavior["LambdaFunctionAssociations"] = {"Quantity": len(items), **({"Items": items} if items else {})}
    return [Action(text, partial(update, updated))]


# ---- reading state and running ------------------------------------------------------------------------------------
class Wiring:
    """Reads each source's state and plans its actions, with the seams of one run."""

    def __init__(self, context: Mapping[str, Any], config: Mapping[str, Any]):
        self.awsclient = context["_awsclient"]
        region = (config.get("deployment") or {}).get("region")
        self.seam = LambdaSeam(self.awsclient, region)
        self.target = self._target(config["lambda"]["name"])
        self.region = self.seam.region
        self.sources = _sources(config)
        self.gone: list[str] = []  # sources found missing while unwiring

    def _target(self, name: str) -> Target:
        found = self.seam.get_function(name)
        alias = self.seam.get_alias(name) if found else None
        if alias is None:
            raise FinkError(f"Function '{name}' has no {ALIAS} alias in {self.seam.region}.",
                            hint="Deploy it first: lambda deploy")
        arn = found["Configuration"]["FunctionArn"].split(":function:")[0] + f":function:{name}"
        return Target(name, arn, alias["FunctionVersion"], self.seam.region)

    def plan(self, source: Mapping[str, Any], unwire: bool) -> list[Action]:
        """The actions for one source. A source that does not exist is :class:`SourceMissing` when wiring and
        "not wired" when unwiring (only fink's permission for it is removed)."""
        kind = kind_of(source)
        return getattr(self, f"_plan_{'stream' if kind in STREAM_KINDS else kind}")(source, kind, unwire)

    def _gone(self, source: Mapping[str, Any], unwire: bool) -> None:
        if not unwire:
            raise SourceMissing(str(source["arn"]))
        self.gone.append(str(source["arn"]))

    def _permission(self, kind: str, principal: str, source_arn: str, unwire: bool) -> list[Action]:
        statements = self.seam.get_policy(self.target.name)
        return plan_permission(self.seam, self.target, statements, kind, principal, source_arn, unwire)

    def _plan_s3(self, source: Mapping[str, Any], kind: str, unwire: bool) -> list[Action]:
        from .seam_s3 import S3Seam
        s3 = S3Seam(self.awsclient, self.region)
        bucket = source["arn"].split(":::")[-1]
        configured = frozenset(s3_notification(other, self.target)["Id"] for other in self.sources
                               if kind_of(other) == "s3" and other["arn"].split(":::")[-1] == bucket)
        current = s3.notifications(bucket)
        if current is None:
            self._gone(source, unwire)
        notify = [] if current is None else plan_s3(current, source, self.target, unwire,
                                                    partial(s3.put_notifications, bucket), configured)
        permission = self._permission(kind, "s3.amazonaws.com", source["arn"], unwire)
        return notify + permission if unwire else permission + notify

    def _plan_sns(self, source: Mapping[str, Any], kind: str, unwire: bool) -> list[Action]:
        from .seam_sns import SNSSeam
        sns = SNSSeam(self.awsclient, source["arn"].split(":")[3] or self.region)
        subscriptions = sns.subscriptions(source["arn"])
        if subscriptions is None:
            self._gone(source, unwire)
        subscribe = plan_sns(subscriptions or [], source["arn"], self.target, unwire, sns)
        permission = self._permission(kind, "sns.amazonaws.com", source["arn"], unwire)
        return subscribe + permission if unwire else permission + subscribe

    def _plan_stream(self, source: Mapping[str, Any], kind: str, unwire: bool) -> list[Action]:
        from .seam_sources import SourcesSeam
        if not SourcesSeam(self.awsclient).exists(kind, source["arn"]):
            self._gone(source, unwire)  # unwiring: the mappings of a gone source are still deleted
        mappings = self.seam.list_event_source_mappings(self.target.alias_arn, source["arn"])
        return plan_mapping(mappings, source, kind, self.target, unwire, self.seam)

    def _plan_events(self, source: Mapping[str, Any], kind: str, unwire: bool) -> list[Action]:
        from .seam_eventbridge import EventBridgeSeam
        events = EventBridgeSeam(self.awsclient, self.region)
        name = rule_params(source)["Name"]
        rule = events.rule(name)
        targets = events.targets(name) if rule else []
        actions = plan_rule(rule, targets, source, self.target, unwire, events)
        arn = rule["Arn"] if rule else rule_arn(self.target, self.awsclient.account_id(), name)
        permission = self._permission(kind, "events.amazonaws.com", arn, unwire)
        return actions + permission

    def _plan_cloudfront(self, source: Mapping[str, Any], kind: str, unwire: bool) -> list[Action]:
        from .seam_cloudfront import CloudFrontSeam
        if self.region != "us-east-1":
            raise ConfigError("Lambda@Edge functions must live in us-east-1.",
                              hint="Set lambda.deployment.region to us-east-1.")
        cloudfront = CloudFrontSeam(self.awsclient)
        distribution = source["arn"].split("/")[-1]
        found = cloudfront.distribution_config(distribution)
        if found is None:
            self._gone(source, unwire)
            return []
        config, etag = found
        return plan_edge(config, source, self.target, unwire, partial(cloudfront.update, distribution, etag=etag))


def _sources(config: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [e["event_source"] for e in (config["lambda"].get("events") or [])]


def wire_events(context: Mapping[str, Any], config: Mapping[str, Any], unwire: bool) -> int:
    """Read and plan every source first (a missing or broken one stops the command before any change), then
    execute; stopping half-way lists what was changed (fink.progress)."""
    from fink.progress import changes_so_far
    ui: UI = context["_ui"]
    sources = _sources(config)
    verb = "unwire" if unwire else "wire"
    if not sources:
        ui.info(f"no events configured for '{config['lambda']['name']}' - nothing to {verb}")
        return 0
    wiring = Wiring(context, config)
    planned = [(describe_source(source), wiring.plan(source, unwire)) for source in sources]
    changes = 0
    with changes_so_far(ui, f"lambda {verb}", [what for what, actions in planned if actions]) as progress:
        for source, (what, actions) in zip(sources, planned):
            if changes:  # an earlier source may have changed what this one reads (a shared bucket, a distribution)
                actions = wiring.plan(source, unwire)
            if not actions:
                ui.info(f"{what}: {_state_text(what, wiring.gone, unwire)}")
            for action in actions:
                ui.info(f"{what}: {action.text}")
                action.run()
                progress.record(f"{what}: {action.text}")
            progress.complete(what)
            changes += len(actions)
    for arn in wiring.gone:
        ui.info(f"{arn} no longer exists: nothing of it to unwire")
    ui.success(f"{verb}d {len(sources)} event source{'s' if len(sources) != 1 else ''} of '{wiring.target.name}' "
               f"({changes} change{'s' if changes != 1 else ''})")
    return 0


def _state_text(what: str, gone: list[str], unwire: bool) -> str:
    if what in gone:
        return "already gone - not wired"
    return "not wired" if unwire else "already wired"


def event_states(context: Mapping[str, Any], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(source, 'wired' | 'not wired')`` for each configured event (a wire that would change nothing is wired)."""
    sources = _sources(config)
    if not sources:
        return []
    wiring = Wiring(context, config)
    return [(describe_source(s), _state(wiring, s)) for s in sources]


def _state(wiring: Wiring, source: Mapping[str, Any]) -> str:
    try:
        return "not wired" if wiring.plan(source, unwire=False) else "wired"
    except SourceMissing:
        return "not wired (the source does not exist)"
