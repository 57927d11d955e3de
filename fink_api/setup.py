"""Distribution ``fink-api``: API Gateway deployments from swagger/OpenAPI"""
from setuptools import find_packages, setup

setup(
    name="fink-api",
    version="1.0.0",
    description="fink.api: API Gateway deployments from swagger/OpenAPI",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_api", "fink_api.*"]),
    package_data={"fink_api": ["*.yaml", "*.json"]},
    install_requires=["fink-core>=1.0.0"],
    entry_points={
        "console_scripts": ["api = fink_api.cli:main"],
        "fink.tools": ["api = fink_api.cli:TOOL"],
    },
)
