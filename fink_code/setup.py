"""Distribution ``fink-code``: CodeDeploy bundles and deployments"""
from setuptools import find_packages, setup

setup(
    name="fink-code",
    version="1.0.0",
    description="fink.code: CodeDeploy bundles and deployments",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_code", "fink_code.*"]),
    package_data={"fink_code": ["*.yaml", "*.json"]},
    install_requires=["fink-core>=1.0.0"],
    entry_points={
        "console_scripts": ["code = fink_code.cli:main"],
        "fink.tools": ["code = fink_code.cli:TOOL"],
    },
)
