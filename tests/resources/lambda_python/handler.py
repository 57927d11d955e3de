"""A sample function: answers fink's ping with 'alive'."""
import json


def handle(event, context):
    if event.get("lambda_action") == "ping":
        return "alive"
    return {"echo": json.dumps(event)}
