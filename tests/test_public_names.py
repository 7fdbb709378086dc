"""What ``import steps`` offers: every model class and enumeration, each name documented."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import steps
import steps.domain

ROOT = Path(__file__).resolve().parent.parent


def _domain_classes() -> list[str]:
    return sorted(
        name for name in steps.domain.__all__ if inspect.isclass(getattr(steps.domain, name))
    )


def test_every_public_class_of_the_domain_is_reachable_from_steps() -> None:
    classes = _domain_classes()
    assert {"Platform", "StreamProduct", "RunOfShow", "ShowSegment", "ShortVideo"} <= set(classes)
    for name in classes:
        assert name in steps.__all__, f"steps.{name} is not exported"
        assert getattr(steps, name) is getattr(steps.domain, name)


def test_every_name_in_all_resolves() -> None:
    for name in steps.__all__:
        assert getattr(steps, name) is not None
    assert sorted(dir(steps)) == sorted(steps.__all__)


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then everything else, each alphabetically (ruff's order)."""
    if name.isupper():
        return 0, name
    if name[0].isupper():
        return 1, name
    return 2, name


def test_all_is_sorted() -> None:
    assert steps.__all__ == sorted(steps.__all__, key=_isort_key)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'steps' has no attribute 'Shop'"):
        steps.Shop  # type: ignore[attr-defined]  # noqa: B018


def test_embedding_never_imports_the_terminal_libraries(tmp_path: Path) -> None:
    """Loading, scoring, JSON and data frames: rich (and Pygments) are for the command line."""
    code = textwrap.dedent(
        """
        import sys
        import steps
        from steps.frames import dataset_to_frames

        dataset = steps.sample_dataset()
        steps.dump(dataset, "copy.jsonl")
        results = steps.score(steps.load("copy.jsonl"))
        results.to_json()
        results.to_rows()
        results.card("steps", "b01").recommendations
        try:
            results.to_pandas()
            dataset_to_frames(dataset, "pandas")
        except ImportError:
            pass
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("rich", "pygments"))
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


def test_importing_steps_imports_no_model_module() -> None:
    code = (
        "import sys, steps; "
        "assert 'steps.domain.model' not in sys.modules, sorted(sys.modules); "
        "assert steps.Platform.KUAISHOU == 'kuaishou'; "
        "assert 'steps.domain.model' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_api_index_lists_the_top_level_names() -> None:
    page = (ROOT / "docs" / "api" / "index.md").read_text(encoding="utf-8")
    missing = [name for name in steps.__all__ if f"`steps.{name}" not in page]
    assert not missing, f"docs/api/index.md does not mention {missing}"
