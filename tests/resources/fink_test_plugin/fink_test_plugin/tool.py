"""A tool with one bundling command, so that every lifecycle signal fires, and a waiting command for signals."""
from fink.errors import FinkError, GracefulExit
from fink.tool import Tool

DOC = """Usage:
        testtool run [--fail] [-v]
        testtool wait [--stubborn] [-v]
        testtool version
"""


def run(context, config):
    if context["_arguments"]["--fail"]:
        raise FinkError("the test tool was asked to fail")
    context["_ui"].print("ran")
    return 0


def wait(context, config):
    """Waits until interrupted; with --stubborn it 'cancels' after the first signal and keeps waiting."""
    ui, clock = context["_ui"], context["_clock"]
    cancelled = False
    announced = False
    while True:
        try:  # the announcement sits inside the try: a signal right after it must find the handler ready
            if not announced:
                announced = True
                ui.print("waiting")
            clock.sleep(0.05)
        except GracefulExit:
            if not context["_arguments"]["--stubborn"] or cancelled:
                raise
            cancelled = True
            ui.print("cancelling")


TOOL = Tool(name="testtool", doc=DOC,
            commands={"run": "fink_test_plugin.tool:run", "wait": "fink_test_plugin.tool:wait",
                      "version": "fink.cli:version_command"},
            non_config_commands=frozenset({"run", "wait"}), bundle_commands=frozenset({"run"}))
