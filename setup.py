"""Distribution ``fink-core``: the core package ``fink`` and its pytest plugin (fink_testtools).

The name ``fink`` belongs to an unrelated project on the public package index; see docs/design-decisions.md."""
from setuptools import find_packages, setup

setup(
    name="fink-core",
    version="1.0.0",
    description="fink: infrastructure-as-code deployment tools for AWS (core)",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink", "fink.*", "fink_testtools", "fink_testtools.*"]),
    package_data={"fink": ["*.yaml"]},
    install_requires=[
        "blinker>=1.7",
        "botocore>=1.34",
        "docopt-ng>=0.9",
        "jsonschema>=4.18",
        "PyYAML>=6.0",
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-xdist>=3.5", "moto[server]>=5.0", "placebo>=0.10", "boto3"],
    },
    entry_points={
        "console_scripts": ["fink = fink.cli:main"],
        "pytest11": ["fink_testtools = fink_testtools.plugin"],
    },
)
