# The steps pytest plugin gives the tests a `steps_host` fixture: an isolated plugin host.
pytest_plugins = ["steps.testing.pytest_plugin"]
