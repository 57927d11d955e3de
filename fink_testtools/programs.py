"""Skip markers for tests that need a program pip cannot install (unzip, npm, a system graphviz ``dot``).

``make test`` must pass on a machine that has only Python and make, so such a test skips there - with a reason
that names the program, what the test needs it for, and that ``.ci/run`` installs it (so CI still runs it).
"""
from __future__ import annotations

import shutil

import pytest

__all__ = ["requires_program"]


def requires_program(program: str, purpose: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(shutil.which(program) is None,
                              reason=f"`{program}` is not on PATH; it is needed {purpose} (.ci/run installs it, "
                                     "so CI runs this test)")
