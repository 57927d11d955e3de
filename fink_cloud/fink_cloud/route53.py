"""Route53 helper for troposphere templates, with gcdt's contract (``gcdt.route53.create_record``).

``create_record(awsclient, name_prefix, instance_reference, type="A", host_zone_name=None)`` returns an
``AWS::Route53::RecordSet`` with gcdt's logical id ``<NamePrefix>HostRecord`` (dots and dashes removed, title-cased),
``TTL`` ``"300"`` (gcdt wrote the number 300; troposphere 4 requires the string, CloudFormation reads both
the same) and the name ``<name_prefix>.<zone>``. A troposphere EC2 ``Instance`` is pointed at by its private IP;
any other value is used as the record value as it is.

Without ``host_zone_name`` the zone is read, as gcdt did, from the output ``internalDomainName`` of the stack
``dp-<ENV>`` (a convention of the team that wrote the helper); pass the zone name to use another one. That lookup
needs the awsclient, which templates have in ``generate_template(context, config)`` (``context['_awsclient']``) or
in a hook. Problems are :class:`~fink.errors.ConfigError`/:class:`~fink.errors.AWSError`, never ``sys.exit``.
"""
from __future__ import annotations

from typing import Any

from fink.errors import ConfigError
from fink.servicediscovery import get_outputs_for_stack
from fink.utils import get_env

__all__ = ["create_record", "TTL_DEFAULT", "HOST_ZONE_NAME__STACK_OUTPUT_NAME", "retrieve_stack_host_zone_name"]

TTL_DEFAULT = 300
HOST_ZONE_NAME__STACK_OUTPUT_NAME = "internalDomainName"
_ZONES: dict[tuple[int, str], str] = {}  # (awsclient, stack) -> zone: one lookup per stack and run, as in gcdt


def record_title(name_prefix: str) -> str:
    """gcdt's logical id of a record: ``web-1.int`` → ``Web1IntHostRecord``."""
    return name_prefix.replace(".", "").replace("-", "").title() + "HostRecord"


def retrieve_stack_host_zone_name(awsclient: Any, default_stack_name: str | None = None) -> str:
    """The zone name (with its trailing dot) from the ``internalDomainName`` output of ``dp-<ENV>``."""
    if default_stack_name is None:
        env = get_env()
        if env is None:
            raise ConfigError("create_record() without host_zone_name needs ENV to find the stack dp-<ENV>.",
                              hint="Set ENV, or pass host_zone_name='<zone>.' to create_record().")
        default_stack_name = f"dp-{env}"
    key = (id(awsclient), default_stack_name)
    if key not in _ZONES:
        outputs = get_outputs_for_stack(awsclient, default_stack_name)
        if HOST_ZONE_NAME__STACK_OUTPUT_NAME not in outputs:
            raise ConfigError(f"Stack '{default_stack_name}' has no output '{HOST_ZONE_NAME__STACK_OUTPUT_NAME}'.",
                              hint="Pass host_zone_name='<zone>.' to create_record().")
        _ZONES[key] = outputs[HOST_ZONE_NAME__STACK_OUTPUT_NAME] + "."
    return _ZONES[key]


def create_record(awsclient: Any, name_prefix: str, instance_reference: Any, type: str = "A",
                  host_zone_name: str | None = None) -> Any:
    """A DNS record ``<name_prefix>.<zone>`` for ``instance_reference`` (see the module docstring)."""
    from troposphere import GetAtt, Join
    from troposphere.ec2 import Instance
    from troposphere.route53 import RecordSetType
    if type not in ("A", "CNAME"):
        raise ConfigError(f"create_record(): record type '{type}' is not supported.", hint="Use 'A' or 'CNAME'.")
    if host_zone_name is None:
        host_zone_name = retrieve_stack_host_zone_name(awsclient)
    value = GetAtt(instance_reference, "PrivateIp") if isinstance(instance_reference, Instance) \
        else instance_reference
    return RecordSetType(record_title(name_prefix), HostedZoneName=host_zone_name,
                         Name=Join("", [name_prefix + ".", host_zone_name]), Type=type, TTL=str(TTL_DEFAULT),
                         ResourceRecords=[value])
