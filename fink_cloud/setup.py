"""Distribution ``fink-cloud``: CloudFormation deployments from troposphere templates"""
from setuptools import find_packages, setup

setup(
    name="fink-cloud",
    version="1.0.0",
    description="fink.cloud: CloudFormation deployments from troposphere templates",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_cloud", "fink_cloud.*"]),
    package_data={"fink_cloud": ["*.yaml", "*.json"]},
    # stack groups read member configs with the config reader's file rules and match .finkignore with pathspec
    install_requires=["fink-core>=1.0.0", "troposphere>=4.0", "fink-config-reader>=1.0.0", "pathspec>=0.12"],
    entry_points={
        "console_scripts": ["cloud = fink_cloud.cli:main"],
        "fink.tools": ["cloud = fink_cloud.cli:TOOL"],
    },
)
