import json

import tinydep
from lib import helper


def handle(event, context):
    if event.get("lambda_action") == "ping":
        return "alive"
    with open("settings.json") as fh:
        settings = json.load(fh)
    return {"greeting": helper.greet(settings["name"]), "dep": tinydep.VERSION}
