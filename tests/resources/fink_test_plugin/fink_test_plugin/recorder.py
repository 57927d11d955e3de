"""Appends the name of every lifecycle signal it receives (and the payload shape) to $FINK_TEST_PLUGIN_LOG."""
import os

from fink import fink_signals


def _make(name):
    def receiver(payload):
        shape = "tuple" if isinstance(payload, tuple) else "context"
        context = payload[0] if isinstance(payload, tuple) else payload
        with open(os.environ["FINK_TEST_PLUGIN_LOG"], "a") as fh:
            fh.write(f"{name} {shape} {sorted(k for k in context if not k.startswith('_'))}\n")
    receiver.__name__ = f"record_{name}"
    return receiver


RECEIVERS = {s.name: _make(s.name) for s in fink_signals.SIGNAL_ORDER}


def register():
    for signal in fink_signals.SIGNAL_ORDER:
        signal.connect(RECEIVERS[signal.name])


def deregister():
    for signal in fink_signals.SIGNAL_ORDER:
        signal.disconnect(RECEIVERS[signal.name])
