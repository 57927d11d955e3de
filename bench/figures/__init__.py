"""The figures of the benchmark, in table order. Each module has ``NAME`` (a short id for ``--only``) and
``run(bench) -> list[Row]``; add a figure by writing a module here and listing it below."""
from . import bundle, cloud_deploy, cloud_group, cloud_scale, config_lookups, lambda_deploy, startup, version

FIGURES = [startup, version, cloud_deploy, cloud_scale, cloud_group, config_lookups, lambda_deploy, bundle]
