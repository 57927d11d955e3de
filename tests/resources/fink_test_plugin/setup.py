"""A small plugin (and a tiny tool) that the core tests install to watch the lifecycle from outside."""
from setuptools import setup

setup(
    name="fink-test-plugin",
    version="0.0.7",
    packages=["fink_test_plugin"],
    entry_points={
        "fink.plugins": ["recorder = fink_test_plugin.recorder"],
        "fink.tools": ["testtool = fink_test_plugin.tool:TOOL"],
    },
)
