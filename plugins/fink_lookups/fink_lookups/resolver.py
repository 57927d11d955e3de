"""Resolving lookups against AWS with one fetch per thing: each stack described once, SSM parameters in batches,
each credstash secret read once, ACM certificates listed once per region.

A resolution ends in one of three outcomes: a value, a miss (the thing does not exist) or a failure (AWS refused,
syntax error, type disabled). The plugin decides what a miss or failure means for the path it appeared at.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from fink.errors import AWSError, AWSUnreachableError, FinkError
from fink.retrying import TRANSIENT_CODES

from .aws import LookupAWS
from .walker import Lookup, Path, best_certificate

__all__ = ["Outcome", "Resolver", "region_for", "EDGE_REGION"]

EDGE_REGION = "us-east-1"  # API Gateway edge domains need their certificate in us-east-1


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    secret: bool = False  # came from credstash or a SecureString: must be masked wherever fink writes
    missing: str | None = None  # the stack/output/parameter/secret does not exist (why)
    error: str | None = None  # a failure: AWS refused, nothing matched

    @property
    def found(self) -> bool:
        return self.missing is None and self.error is None

    @classmethod
    def miss(cls, why: str) -> "Outcome":
        return cls(missing=why)

    @classmethod
    def failed(cls, why: str) -> "Outcome":
        return cls(error=why)


def region_for(path: Path, lookup: Lookup, config: Mapping[str, Any] | None = None) -> str | None:
    """The region a lookup searches: ``None`` is the session's region.

    ACM lookups inside the ``api`` section look where API Gateway needs the certificate: us-east-1 for an EDGE
    custom domain (the default), the session's region when ``api.customDomain.endpointType`` is ``REGIONAL``.
    Everything else looks in the session's region.
    """
    if lookup.kind == "acm" and path and path[0] == "api":
        return None if _api_domain_endpoint(config) == "REGIONAL" else EDGE_REGION
    return None


def _api_domain_endpoint(config: Mapping[str, Any] | None) -> str:
    api = (config or {}).get("api")
    domain = api.get("customDomain") if isinstance(api, Mapping) else None
    kind = domain.get("endpointType") if isinstance(domain, Mapping) else None
    return kind if isinstance(kind, str) else "EDGE"


class Resolver:
    def __init__(self, aws: LookupAWS, now: datetime, parameters: list[tuple[Path, Lookup]] = (),
                 config: Mapping[str, Any] | None = None):
        self.aws = aws
        self.now = now
        self.config = config  # the unresolved config: decides where api certificates are looked up
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._wanted = list(parameters)  # all parameter lookups of the run: fetched together, in batches

    def _memo(self, key: tuple[Any, ...], fetch: Callable[[], Any]) -> Any:
        """Fetch once per key; a failure is remembered too so it is not retried for every lookup."""
        if key not in self._cache:
            try:
                self._cache[key] = fetch()
            except FinkError as exc:
                self._cache[key] = exc
        result = self._cache[key]
        if isinstance(result, FinkError):
            raise result
        return result

    def _parameters_in(self, region: str | None) -> dict[str, tuple[str, bool]]:
        """All wanted SSM parameters of ``region``, read on first need in batches (at most 10 names per call)."""
        names: list[str] = []
        for path, lookup in self._wanted:
            if region_for(path, lookup, self.config) == region and lookup.args[0] not in names:
                names.append(lookup.args[0])
        return self._memo(("ssm", region), lambda: self.aws.parameters(names, region))

    def resolve(self, path: Path, lookup: Lookup) -> Outcome:
        from fink.error_map import CredentialsError
        try:
            return getattr(self, f"_{lookup.kind}")(lookup, region_for(path, lookup, self.config))
        except (AWSUnreachableError, CredentialsError):
            raise  # the network or the credentials, not the lookup: reported as such, never as "lookup failed"
        except AWSError as exc:
            if exc.code in TRANSIENT_CODES:
                raise  # AWS stayed busy or failing through every retry: the same, reported with exit code 1
            return Outcome.failed(exc.message)
        except FinkError as exc:
            return Outcome.failed(exc.message)

    def _stack(self, lookup: Lookup, region: str | None) -> Outcome:
        stack = lookup.args[0]
        outputs = self._memo(("stack", stack, region), lambda: self.aws.stack_outputs(stack, region))
        if outputs is None:
            return Outcome.miss(f"stack '{stack}' does not exist")
        if len(lookup.args) == 1:
            return Outcome(dict(outputs))
        output = lookup.args[1]
        if output not in outputs:
            known = ", ".join(sorted(outputs)) or "none"
            return Outcome.miss(f"stack '{stack}' has no output '{output}' (outputs: {known})")
        return Outcome(outputs[output])

    def _parameter(self, lookup: Lookup, region: str | None) -> Outcome:
        name = lookup.args[0]
        if not any(lk.args[0] == name for _, lk in self._wanted):
            self._wanted.append(((), lookup))
        found = self._parameters_in(region).get(name)
        if found is None:
            return Outcome.miss(f"SSM parameter '{name}' not found")
        return Outcome(found[0], secret=found[1])

    def _secret(self, lookup: Lookup, region: str | None) -> Outcome:
        name = lookup.args[0]
        value = self._memo(("secret", name, region), lambda: self.aws.secret(name, region))
        if value is None:
            return Outcome.miss(f"secret '{name}' not found in credstash")
        return Outcome(value, secret=True)

    def _acm(self, lookup: Lookup, region: str | None) -> Outcome:
        certificates = self._memo(("acm", region), lambda: self.aws.certificates(region))
        arn = best_certificate(certificates, list(lookup.args), self.now)
        if arn is None:
            where = region or self.aws.default_region
            return Outcome.failed(f"no ISSUED, unexpired ACM certificate in {where} covers "
                                  f"{', '.join(lookup.args)}")
        return Outcome(arn)
