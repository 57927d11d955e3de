"""Distribution ``fink-config-reader``: reads fink_<env>.json/.yaml/.py config files"""
from setuptools import find_packages, setup

setup(
    name="fink-config-reader",
    version="1.0.0",
    description="fink plugin: reads fink_<env>.json/.yaml/.py config files",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["fink_config_reader", "fink_config_reader.*"]),
    package_data={"fink_config_reader": ["*.yaml"]},
    install_requires=["fink-core>=1.0.0", "PyYAML>=6.0", "pathspec>=0.12"],
    entry_points={"fink.plugins": ["config_reader = fink_config_reader.config_reader"]},
)
