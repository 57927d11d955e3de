"""The example function: answers fink's ping with 'alive' and greets everyone else.

It reads its greeting from settings.json, which the bundler writes from the config's `settings` section (after
`lookup:parameter:/fink-example/greeting` was resolved), and uses one third-party package (six) to show that the
bundle carries the dependencies of requirements.txt.
"""
import json
import os

import six

_SETTINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "settings.json")


def _greeting():
    with open(_SETTINGS) as fh:
        return json.load(fh).get("greeting", "hello")


def handle(event, context):
    if event.get("lambda_action") == "ping":
        return "alive"
    records = event.get("Records") or []
    subjects = [six.text_type(r.get("Sns", {}).get("Message", "")) for r in records]
    return {"greeting": _greeting(), "messages": subjects}
