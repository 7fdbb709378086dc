"""``steps.testing`` without Hypothesis: the plugin hosts work, the strategies say what they need.

Each test runs a fresh interpreter whose import system refuses ``hypothesis`` (a finder at the
front of ``sys.meta_path``), as on a machine where the ``test`` extra is not installed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BLOCK_HYPOTHESIS = """
import sys

class NoHypothesis:
    def find_spec(self, name, path=None, target=None):
        if name == "hypothesis" or name.startswith("hypothesis."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoHypothesis())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_HYPOTHESIS + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_block_works() -> None:
    ran = _run("import hypothesis")
    assert ran.returncode == 1
    assert "ModuleNotFoundError: No module named 'hypothesis'" in ran.stderr


def test_the_plugin_hosts_work_without_hypothesis() -> None:
    ran = _run(
        """
        import steps
        import steps.testing
        from steps.testing import isolated_host, scorer_plugin
        from steps.testing.pytest_plugin import steps_host

        results = steps.score(steps.sample_dataset(), ["steps"], host=isolated_host(builtins=True))
        assert results.ok and len(results.cards) == 3, results
        assert isolated_host().scorers() == ()
        assert "hypothesis" not in sys.modules
        print("ok")
        """
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "ok\n"


def test_a_strategy_names_the_extra_that_installs_hypothesis() -> None:
    for statement in (
        "from steps.testing import brands",
        "import steps.testing; steps.testing.datasets",
        "import steps.testing.strategies",
    ):
        ran = _run(statement)
        assert ran.returncode == 1, statement
        last = ran.stderr.strip().splitlines()[-1]
        assert last == (
            "ModuleNotFoundError: steps.testing.strategies needs Hypothesis, which the test "
            "extra installs: pip install 'steps-commerce[test]'"
        ), statement


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    ran = _run("import steps.testing; steps.testing.nothing_here")
    assert ran.returncode == 1
    assert "AttributeError: module 'steps.testing' has no attribute 'nothing_here'" in ran.stderr


def test_with_hypothesis_the_strategies_come_from_steps_testing() -> None:
    import steps.testing
    from steps.testing import strategies

    assert steps.testing.brands is strategies.brands
    assert set(strategies.__all__) < set(steps.testing.__all__)
    assert sorted(dir(steps.testing)) == sorted(steps.testing.__all__)
