"""Distribution ``fink-bundler``: builds deterministic code bundles for lambda and code"""
from setuptools import find_packages, setup

setup(
    name="fink-bundler",
    version="1.0.0",
    description="fink plugin: builds deterministic code bundles for lambda and code",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_bundler", "fink_bundler.*"]),
    package_data={"fink_bundler": ["*.yaml"]},
    install_requires=["fink-core>=1.0.0", "pathspec>=0.12"],
    entry_points={"fink.plugins": ["bundler = fink_bundler.plugin"]},
)
