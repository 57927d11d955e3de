"""fink core: lifecycle, signals, plugin loading, configuration, AWS seam, UI and errors.

The core never imports a tool or a plugin; tools and plugins find the core, not the other way round.
"""
__version__ = "1.0.0"

__all__ = ["__version__"]
