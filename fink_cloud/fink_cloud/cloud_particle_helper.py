"""Cloud particles: reusable building blocks for troposphere templates, with gcdt's contract
(``gcdt.kumo_particle_helper``: ``initialize``, ``Particle``, ``get_particle_permissions``).

A particle is a function that adds its resources to the template (the template is the common context: it carries
``SERVICE_NAME``, ``SERVICE_ENVIRONMENT`` and ``DEFAULT_TAGS``) and returns a :class:`Particle` describing what it
added and which IAM permissions a service needs to use it:

    from fink_cloud import cloud_particle_helper as ph

    def create_bucket(template):
        bucket = template.add_resource(Bucket("%sBucket" % template.SERVICE_NAME, Tags=template.DEFAULT_TAGS))
        return ph.Particle(template, {"bucket": bucket}, permissions=[s3_read_write(bucket)])

    def generate_template():
        template = troposphere.Template()
        ph.initialize(template, "mysvc")
        particles = [create_bucket(template)]
        statements = ph.get_particle_permissions(particles)   # one permission profile per particle
        ...
"""
from __future__ import annotations

import os
from typing import Any, Iterable

__all__ = ["initialize", "Particle", "get_particle_permissions"]


def initialize(template: Any, service_name: str, environment: str = "dev") -> Any:
    """Prepare ``template`` as the particles' shared context.

    ``SERVICE_NAME`` is the ``SERVICE_NAME`` environment variable or ``service_name``; ``SERVICE_ENVIRONMENT`` the
    lower-cased ``ENV`` or ``environment``; ``DEFAULT_TAGS`` tags ``service-name`` and ``environment``. Sets the
    format version and the description ``Stack for <service_name> microservice`` (both as gcdt did)."""
    from troposphere import Tags
    template.SERVICE_NAME = os.getenv("SERVICE_NAME", service_name)
    template.SERVICE_ENVIRONMENT = os.getenv("ENV", environment).lower()
    template.DEFAULT_TAGS = Tags(**{"service-name": template.SERVICE_NAME,
                                    "environment": template.SERVICE_ENVIRONMENT})
    template.set_version("2010-09-09")
    template.set_description(f"Stack for {service_name} microservice")
    return template


class Particle:
    """What a particle added: the ``template``, its ``resources`` (a dict name → resource) and its permission
    profile (``permissions``: whatever the service's policy needs, e.g. a list of statements; ``None`` = none)."""

    def __init__(self, template: Any, resources: Any, permissions: Any = None):
        self.template = template
        self.resources = resources
        self.permissions = permissions


def get_particle_permissions(particles: Iterable[Particle]) -> list[Any]:
    """The permission profiles of the particles that have one, in order."""
    return [p.permissions for p in particles if p.permissions is not None]
