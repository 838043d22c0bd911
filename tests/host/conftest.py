import subprocess
import sys

import pytest


@pytest.fixture
def cli():
    """Run the real `micromarket` command; returns the CompletedProcess (text)."""

    def run(*args, timeout=120, input=None):
        return subprocess.run([sys.executable, "-m", "micromarket.cli", *map(str, args)],
                              capture_output=True, text=True, timeout=timeout, input=input)

    return run
