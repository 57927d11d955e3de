"""A sample function with one third-party dependency (a local wheel the test builds)."""
import tinydep


def handle(event, context):
    if event.get("lambda_action") == "ping":
        return tinydep.ALIVE
    return {"ok": True}
