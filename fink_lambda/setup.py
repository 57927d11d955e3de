"""Distribution ``fink-lambda``: AWS Lambda deployments"""
from setuptools import find_packages, setup

setup(
    name="fink-lambda",
    version="1.0.0",
    description="fink.lambda: AWS Lambda deployments",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_lambda", "fink_lambda.*"]),
    package_data={"fink_lambda": ["*.yaml", "*.json"]},
    install_requires=["fink-core>=1.0.0"],
    entry_points={
        "console_scripts": ["lambda = fink_lambda.cli:main"],
        "fink.tools": ["lambda = fink_lambda.cli:TOOL"],
    },
)
