"""Distribution ``fink-lookups``: resolves lookup: values from stacks, SSM, credstash and ACM"""
from setuptools import find_packages, setup

setup(
    name="fink-lookups",
    version="1.0.0",
    description="fink plugin: resolves lookup: values from stacks, SSM, credstash and ACM",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_lookups", "fink_lookups.*"]),
    package_data={"fink_lookups": ["*.yaml"]},
    install_requires=["fink-core>=1.0.0", "credstash>=1.17"],
    entry_points={"fink.plugins": ["lookups = fink_lookups.lookups"]},
)
