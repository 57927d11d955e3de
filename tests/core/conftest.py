"""Shared fixtures of the core tests: the distributions of the checkout and their wheels (built once per session)."""
import pytest


@pytest.fixture(scope="session")
def wheelhouse(dist_folder):
    """The wheels `make dist` builds (scripts/dist.py), from clean copies of the distribution folders."""
    return dist_folder


@pytest.fixture(scope="session")
def distributions(dist_script):
    """Distribution name -> its folder in the checkout (the table `make dist` builds from)."""
    return {name: folder for name, (folder, *_) in dist_script.DISTRIBUTIONS.items()}
