"""Distribution ``fink-say-hello``: greets the user (the reference plugin for plugin authors)"""
from setuptools import find_packages, setup

setup(
    name="fink-say-hello",
    version="1.0.0",
    description="fink plugin: greets the user (the reference plugin for plugin authors)",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_say_hello", "fink_say_hello.*"]),
    package_data={"fink_say_hello": ["*.yaml"]},
    install_requires=["fink-core>=1.0.0"],
    entry_points={"fink.plugins": ["say_hello = fink_say_hello.hello"]},
)
