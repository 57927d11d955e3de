"""Distribution ``fink-slack-integration``: announces deployments on Slack"""
from setuptools import find_packages, setup

setup(
    name="fink-slack-integration",
    version="1.0.0",
    description="fink plugin: announces deployments on Slack",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_slack_integration", "fink_slack_integration.*"]),
    package_data={"fink_slack_integration": ["*.yaml"]},
    install_requires=["fink-core>=1.0.0", "requests>=2.28"],
    entry_points={"fink.plugins": ["slack_integration = fink_slack_integration.slack"]},
)
