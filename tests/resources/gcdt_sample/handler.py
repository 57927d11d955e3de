from impl.sample import greeting


def handle(event, context):
    if event.get("ramuda_action") == "ping":
        return "alive"
    return {"statusCode": 200, "body": greeting()}
