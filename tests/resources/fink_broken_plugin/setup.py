from setuptools import setup

setup(name="fink-broken-plugin", version="0.0.1", packages=["fink_broken_plugin"],
      entry_points={"fink.plugins": ["broken = fink_broken_plugin.plugin"]})
