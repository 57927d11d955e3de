"""Breaks the plugin contract: register() without deregister()."""


def register():
    pass
