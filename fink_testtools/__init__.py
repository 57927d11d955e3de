"""fink_testtools: the pytest plugin shipped with fink, with the fixtures fink's and plugin authors' tests need.

Installed as a ``pytest11`` entry point, so the fixtures are available wherever fink is installed:
``moto_server``/``aws`` (moto on 127.0.0.1), ``awsclient`` (placebo-aware), ``logcapture``, ``temp_folder``,
``project``, ``fake_clock`` and ``run_cli``.
"""
