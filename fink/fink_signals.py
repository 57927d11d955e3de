"""The fink lifecycle signals: the written contract between the core, tools, plugins and hooks.

Only the lifecycle (``fink.lifecycle``) sends these signals. Receivers are connected in a plugin's or hook's
``register()`` and disconnected in its ``deregister()``. blinker holds receivers weakly and calls them in no defined
order, so a receiver must not rely on another receiver having run before it on the same signal.

A receiver that raises stops the run (``error`` and ``finalized`` are still sent). When the exception comes from a
hook file (``cloudformation.py``, ``fink_<env>.py``, the ``hookfile``), the error names the hook and the signal:
``Hook hooks.py:announce failed on signal 'command_init': KeyError: 'cloud'`` (see :mod:`fink.hooks`).

Payloads: ``initialized`` and ``finalized`` receive ``context`` (a dict). Every other signal receives the tuple
``(context, config)``. ``config`` is the whole configuration dict (``{'cloud': {...}, 'plugins': {...}, ...}``).

Signals in lifecycle order:

``initialized``
    after the command line was parsed and the context built. Payload: ``context``. Read only.
``config_read_init``
    the config reader fills ``config`` in place from the config files. Owner: config-reader plugins.
``config_read_finalized``
    defaults from the tools' and plugins' schemas have been filled in. Receivers may read config.
    ``context['_defaulted_sections']`` lists the paths (tuples) of the sections absent from the config files.
``check_credentials_init`` / ``check_credentials_finalized``
    a credential plugin may renew credentials here. Config is read only.
``lookup_init``
    lookup plugins replace ``lookup:...`` values in ``config`` in place. Owner: lookup plugins.
``lookup_finalized``
    all lookups are resolved. Config is read only from here on.
``config_validation_init`` / ``config_validation_finalized``
    the core validates the sections against their schemas between these two signals.
``bundle_pre``
    before bundling (pre-bundle scripts run here). Only for commands that bundle.
``bundle_init``
    a bundler plugin builds the artifact and stores its path in ``context['_bundle_file']``.
``bundle_finalized``
    the artifact exists.
``command_init``
    right before the tool's command runs.
``command_finalized``
    the command succeeded; tools may leave results in the context (``stack_output`` for cloud deploy; ``outcome``:
    ``{"status": "created", "fields": {"Deployment": id}}`` when "succeeded" would say more than happened).
``error``
    the run failed; ``context['error']`` holds the (secret-masked) message. Sent instead of the remaining steps.
``finalized``
    the very last signal, sent after success and after ``error`` alike. Payload: ``context``.
"""
from blinker import Namespace

__all__ = [
    "initialized", "config_read_init", "config_read_finalized", "check_credentials_init",
    "check_credentials_finalized", "lookup_init", "lookup_finalized", "config_validation_init",
    "config_validation_finalized", "bundle_pre", "bundle_init", "bundle_finalized", "command_init",
    "command_finalized", "error", "finalized", "SIGNAL_ORDER",
]

_ns = Namespace()

initialized = _ns.signal("initialized", doc="after reading arguments and context; payload: context")
config_read_init = _ns.signal("config_read_init", doc="config readers fill config; payload: (context, config)")
config_read_finalized = _ns.signal("config_read_finalized", doc="config read, defaults filled in")
check_credentials_init = _ns.signal("check_credentials_init", doc="credential plugins may renew credentials")
check_credentials_finalized = _ns.signal("check_credentials_finalized", doc="credentials checked")
lookup_init = _ns.signal("lookup_init", doc="lookup plugins resolve lookup: values in place")
lookup_finalized = _ns.signal("lookup_finalized", doc="lookups resolved")
config_validation_init = _ns.signal("config_validation_init", doc="before schema validation")
config_validation_finalized = _ns.signal("config_validation_finalized", doc="config validated")
bundle_pre = _ns.signal("bundle_pre", doc="before bundling: pre-bundle scripts")
bundle_init = _ns.signal("bundle_init", doc="bundler builds context['_bundle_file']")
bundle_finalized = _ns.signal("bundle_finalized", doc="bundle built")
command_init = _ns.signal("command_init", doc="before the command runs")
command_finalized = _ns.signal("command_finalized", doc="after the command succeeded")
error = _ns.signal("error", doc="the run failed; context['error'] holds the message")
finalized = _ns.signal("finalized", doc="last signal of every run; payload: context")

#: The lifecycle order of all signals (``error`` replaces the remaining steps on failure).
SIGNAL_ORDER = (
    initialized, config_read_init, config_read_finalized, check_credentials_init, check_credentials_finalized,
    lookup_init, lookup_finalized, config_validation_init, config_validation_finalized, bundle_pre, bundle_init,
    bundle_finalized, command_init, command_finalized, error, finalized,
)
