import datetime as dt
import os
import tempfile

import pytest

from tpp.specs import load_database

pytest_plugins = ["pytester"]

# Keep the tests' spec cache out of the user's ~/.cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="tpp-test-cache-")  # read when a database loads

TODAY = dt.date(2026, 11, 23)  # a fixed day: every rule of 2026 in force, the AI Diffusion rule not enforced


@pytest.fixture(scope="session")
def db():
    return load_database(use_env=False)
