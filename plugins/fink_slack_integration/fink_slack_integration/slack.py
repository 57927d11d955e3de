"""Placeholder: implemented in its own issue."""


def register():
    pass


def deregister():
    pass
