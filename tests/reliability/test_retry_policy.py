"""The retry policy of the AWS seam, in isolation: what may be resent, how a lost response is resolved, and that
every mutating call in the seam modules goes through AWSClient.mutate (so a new create cannot slip past it)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from fink.awsclient import ADOPTED, AWSClient
from fink.clock import FakeClock
from fink.errors import AWSError
from fink.retrying import RetrySettings, failure_kind, resend_is_safe

ROOT = Path(__file__).parent.parent.parent


@pytest.mark.parametrize("operation, params, safe", [
    ("DescribeStacks", {}, True),
    ("GetFunction", {}, True),
    ("Query", {}, True),                                    # DynamoDB reads (credstash's secret lookup)
    ("Decrypt", {}, True),                                  # KMS: the same answer every time
    ("CancelUpdateStack", {"ClientRequestToken": "t"}, False),  # asked once on an interrupt, never resent
    ("PutBucketNotificationConfiguration", {}, True),
    ("UpdateFunctionCode", {}, True),
    ("UpdateFunctionCode", {"RevisionId": "r1"}, False),   # conditional: a resend after success fails its check
    ("CreateStack", {"ClientRequestToken": "t"}, False),    # read back first: emulators ignore the token
    ("CreateFunction", {}, False),
    ("PublishVersion", {}, False),
    ("CreateDeployment", {}, False),
    ("DeleteChangeSet", {}, False),
    ("Invoke", {}, False),
])
def test_only_reads_and_unconditional_state_setting_calls_are_resent_blindly(operation, params, safe):
    assert resend_is_safe(operation, params) is safe


def test_failures_are_sorted_by_whether_aws_may_have_done_the_work():
    lost = ConnectionClosedError(endpoint_url="http://x")
    assert failure_kind(None, lost) == "ambiguous"
    assert failure_kind(None, ReadTimeoutError(endpoint_url="http://x")) == "ambiguous"
    assert failure_kind(None, EndpointConnectionError(endpoint_url="http://x")) == "unsent"

    class Http:
        def __init__(self, status):
            self.status_code = status
    assert failure_kind((Http(400), {"Error": {"Code": "Throttling"}}), None) == "unsent"
    assert failure_kind((Http(429), {"Error": {"Code": "TooManyRequestsException"}}), None) == "unsent"
    assert failure_kind((Http(500), {"Error": {"Code": "InternalFailure"}}), None) == "ambiguous"
    assert failure_kind((Http(400), {"Error": {"Code": "ValidationError"}}), None) is None


def test_backoff_is_exponential_capped_and_deterministic_with_a_seed():
    first = [RetrySettings(seed=3, base_delay=1, max_delay=5).delay(n) for n in range(1, 7)]
    assert first == [RetrySettings(seed=3, base_delay=1, max_delay=5).delay(n) for n in range(1, 7)]
    assert all(0.5 * min(5, 2 ** (n - 1)) <= d <= min(5, 2 ** (n - 1)) for n, d in enumerate(first, 1))


def _client(attempts=4):
    return AWSClient(retry=RetrySettings(max_attempts=attempts, clock=FakeClock(), seed=1))


def test_a_lost_create_is_adopted_not_sent_again():
    client, sent = _client(), []

    def create():
        sent.append(1)
        raise ConnectionClosedError(endpoint_url="http://x")  # AWS did the work; the answer never came
    assert client.mutate("Creating x", create, adopt=lambda: {"id": "x1"}) == {"id": "x1"}
    assert len(sent) == 1


def test_a_lost_create_that_created_nothing_is_sent_again():
    client, sent = _client(), []

    def create():
        sent.append(1)
        if len(sent) == 1:
            raise ConnectionClosedError(endpoint_url="http://x")
        return {"id": "x2"}
    assert client.mutate("Creating x", create, adopt=lambda: None) == {"id": "x2"}
    assert len(sent) == 2 and client.retry_stats.recreated


def test_already_exists_after_our_own_lost_attempt_is_success():
    from botocore.exceptions import ClientError
    client, sent = _client(), []

    def create():
        sent.append(1)
        if len(sent) == 1:
            raise ConnectionClosedError(endpoint_url="http://x")
        raise ClientError({"Error": {"Code": "ResourceConflictException", "Message": "exists"}}, "CreateFunction")
    found = iter([None, {"FunctionName": "f"}])  # not visible yet at the first read, then there
    result = client.mutate("Creating f", create, adopt=lambda: next(found), done_codes=("ResourceConflictException",))
    assert result == {"FunctionName": "f"}


def test_already_exists_without_a_lost_attempt_is_an_error():
    from botocore.exceptions import ClientError

    def create():
        raise ClientError({"Error": {"Code": "ResourceConflictException", "Message": "exists"}}, "CreateFunction")
    with pytest.raises(AWSError, match="Creating f failed: exists"):
        _client().mutate("Creating f", create, adopt=lambda: ADOPTED, done_codes=("ResourceConflictException",))


def test_a_lost_call_without_a_way_to_read_back_fails_clearly_and_is_not_resent():
    sent = []

    def invoke():
        sent.append(1)
        raise ConnectionClosedError(endpoint_url="http://x")
    with pytest.raises(AWSError) as raised:
        _client().mutate("Invoking 'f'", invoke)
    assert len(sent) == 1
    assert "AWS may have done it" in str(raised.value)


def test_losing_every_response_gives_up_after_max_attempts():
    client, sent = _client(attempts=3), []

    def create():
        sent.append(1)
        raise ConnectionClosedError(endpoint_url="http://x")
    with pytest.raises(AWSError):
        client.mutate("Creating x", create, adopt=lambda: None)
    assert len(sent) == 3 and len(client.retry.clock.sleeps) == 2


# ---- the mechanism covers every seam -----------------------------------------------------------------------------
SEAMS = sorted(p for pattern in ("fink_*/fink_*/*.py", "fink/*.py", "plugins/*/*/*.py") for p in ROOT.glob(pattern))


def _unguarded_mutations(path: Path) -> list[str]:
    """Calls ``<something>client.<operation>(...)`` of an operation that may not be resent blindly, outside
    ``mutate(...)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "mutate":
            guarded |= {id(inner) for inner in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if name not in ("client", "_client") or node.func.attr in ("get_paginator", "get_waiter", "can_paginate"):
            continue
        operation = "".join(part.capitalize() for part in node.func.attr.split("_"))
        if not resend_is_safe(operation, {}) and id(node) not in guarded:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    return found


# calls that are deliberately not resent after a lost response: the command fails with a clear message instead
ALLOWED = {"cancel_update_stack", "stop_deployment", "stop_instances", "start_instances", "stop_db_instance",
           "start_db_instance", "get_caller_identity", "invoke", "start_query"}


def test_every_mutating_call_of_the_seams_goes_through_mutate():
    found = [f for path in SEAMS for f in _unguarded_mutations(path) if f.rsplit(" ", 1)[1] not in ALLOWED]
    assert found == [], "mutating calls outside AWSClient.mutate:\n" + "\n".join(found)
