"""Cloud particles: reusable building blocks for troposphere templates (an import path templates rely on).

A particle is a small troposphere template (parameters, resources, outputs) plus the IAM permissions the
service needs to use it. ``cloudformation.py`` assembles its stack from particles:

    from fink_cloud import cloud_particle_helper as ph

    def generate_template():
        template = troposphere.Template()
        ph.initialize(template, "mysvc")
        particles = [create_s3_bucket(template), create_queue(template)]
        ph.add_particles(template, particles)
        role_statements = ph.get_particle_permissions(particles)
        ...

The template is the common context: :func:`initialize` stores ``SERVICE_NAME``, ``SERVICE_ENVIRONMENT`` and
``DEFAULT_TAGS`` on it, so particles can name and tag their resources consistently.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from fink.utils import get_env

__all__ = ["initialize", "Particle", "add_particles", "get_particle_permissions"]


def initialize(template: Any, service_name: str, environment: str | None = None) -> Any:
    """Prepare ``template`` as the context particles share: names, tags, format version, description."""
    from troposphere import Tags
    template.SERVICE_NAME = service_name
    template.SERVICE_ENVIRONMENT = (environment or get_env() or "dev").lower()
    template.DEFAULT_TAGS = Tags(**{"service-name": service_name, "environment": template.SERVICE_ENVIRONMENT})
    template.set_version("2010-09-09")
    if not template.description:
        template.set_description(f"Stack for the {service_name} service")
    return template


class Particle:
    """A reusable building block: a troposphere ``Template`` fragment plus default IAM permissions.

    ``parameters`` overrides the defaults of the fragment's parameters; ``permissions`` replaces the particle's
    default permission statements (dicts in IAM policy syntax).
    """

    def __init__(self, name: str, template: Any, permissions: Iterable[Mapping[str, Any]] = (),
                 parameters: Mapping[str, Any] | None = None):
        self.name = name
        self.template = template
        self.permissions = [dict(p) for p in permissions]
        for key, value in (parameters or {}).items():
            self.override_default(key, value)

    def override_default(self, parameter: str, value: Any) -> "Particle":
        if parameter not in self.template.parameters:
            raise KeyError(f"particle '{self.name}' has no parameter '{parameter}'")
        self.template.parameters[parameter].Default = value
        return self

    def with_permissions(self, permissions: Iterable[Mapping[str, Any]]) -> "Particle":
        """Replace the default permissions."""
        self.permissions = [dict(p) for p in permissions]
        return self


def add_particles(template: Any, particles: Iterable[Particle]) -> Any:
    """Copy the particles' parameters, resources, outputs, conditions and mappings into ``template``.

    A name used twice with a different definition is an error; the same object added twice is fine.
    """
    for particle in particles:
        for kind in ("parameters", "resources", "outputs", "conditions", "mappings"):
            target, source = getattr(template, kind), getattr(particle.template, kind)
            for key, value in source.items():
                if key in target and target[key] is not value:
                    raise ValueError(f"particle '{particle.name}': {kind[:-1]} '{key}' already exists in the "
                                     "template")
                target[key] = value
    return template


def get_particle_permissions(particles: Iterable[Particle]) -> list[dict[str, Any]]:
    """All permission statements of the particles in order, without duplicates."""
    import json
    seen: set[str] = set()
    statements = []
    for particle in particles:
        for statement in particle.permissions:
            key = json.dumps(statement, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                statements.append(statement)
    return statements
