"""Plugin loading and the PluginHost facade: registration, checks, controls."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

import steps.plugins
from steps.scoring import SubjectKind, hookimpl, plugins
from steps.scoring.plugins import (
    PluginError,
    PluginHost,
    StepsPluginManager,
    StepsPluginWarning,
    UnknownScorerError,
    default_host,
    make_plugin_manager,
)
from steps.testing.plugins import isolated_host, scorer_plugin
from tests.scoring.support import (
    PLUGIN_MODULE,
    FakeScorer,
    Plugin,
    RaisingPlugin,
    install_fake_distribution,
    unique,
)

REPO = Path(__file__).resolve().parents[2]


def names(host: PluginHost) -> list[str]:
    return [record.name for record in host.scorers()]


# -- registration -------------------------------------------------------------------------


def test_scorers_are_sorted_by_name_whatever_the_registration_order():
    one = isolated_host(Plugin("p1", FakeScorer("zeta")), Plugin("p2", FakeScorer("alpha")))
    two = isolated_host(Plugin("p2", FakeScorer("alpha")), Plugin("p1", FakeScorer("zeta")))
    assert names(one) == names(two) == ["alpha", "zeta"]


def test_a_record_says_which_plugin_registered_the_scorer():
    scorer = FakeScorer("alpha", subject=SubjectKind.BRAND, version="3.1")
    (record,) = isolated_host(Plugin("mine", scorer)).scorers()
    assert record.scorer is scorer
    assert (record.name, record.version, record.subject) == ("alpha", "3.1", SubjectKind.BRAND)
    assert record.plugin.name == "mine"
    assert record.plugin.source == "registered directly"
    assert record.distribution is None
    assert record.batch is False


def test_a_module_is_registered_under_its_dotted_name():
    module = types.ModuleType("my_company.steps_plugin")

    @hookimpl
    def steps_register_scorers(register: Any) -> None:
        register(FakeScorer("company"))

    module.steps_register_scorers = steps_register_scorers  # type: ignore[attr-defined]
    (record,) = isolated_host(module).scorers()
    assert record.plugin.name == "my_company.steps_plugin"


def test_an_implementation_may_take_no_arguments():
    class Silent:
        __name__ = "silent"

        @hookimpl
        def steps_register_scorers(self) -> None:
            pass

    assert isolated_host(Silent(), Plugin("p", FakeScorer("a"))).scorers()[0].name == "a"


def test_records_are_cached_and_registering_clears_the_cache():
    host = isolated_host(Plugin("p1", FakeScorer("a")))
    assert host.scorers() is host.scorers()
    host.register(Plugin("p2", FakeScorer("b")))
    assert names(host) == ["a", "b"]


def test_two_unnamed_plugin_objects_of_one_class_get_distinct_names():
    class Anonymous:
        def __init__(self, name: str) -> None:
            self.scorer = FakeScorer(name)

        @hookimpl
        def steps_register_scorers(self, register: Any) -> None:
            register(self.scorer)

    host = isolated_host(Anonymous("a"), Anonymous("b"))
    plugin_names = [record.plugin.name for record in host.scorers()]
    assert len(set(plugin_names)) == 2


# -- duplicates, bad shapes, failing plugins ---------------------------------------------


def test_a_duplicate_name_is_an_error_naming_both_plugins():
    host = isolated_host(
        Plugin("first-plugin", FakeScorer("same")), Plugin("second-plugin", FakeScorer("same"))
    )
    with pytest.raises(PluginError, match=r"first-plugin.*second-plugin") as caught:
        host.scorers()
    assert caught.value.plugins == ("first-plugin", "second-plugin")
    assert "STEPS_BLOCK_PLUGINS" in str(caught.value)


def test_a_duplicate_is_an_error_even_when_not_strict():
    host = isolated_host(
        Plugin("p1", FakeScorer("same")), Plugin("p2", FakeScorer("same")), strict=False
    )
    with pytest.raises(PluginError, match=r"p1.*p2"):
        host.scorers()


def test_a_scorer_registered_twice_by_one_plugin_is_an_error():
    scorer = FakeScorer("twice")
    with pytest.raises(PluginError, match="registered twice by plugin 'p'"):
        isolated_host(Plugin("p", scorer, scorer)).scorers()


BAD_SHAPES = [
    (FakeScorer("Upper"), "must match"),
    (FakeScorer("has space"), "must match"),
    (FakeScorer("ok", version=3), "version must be a str"),  # type: ignore[arg-type]
    (FakeScorer("ok", subject="stream"), "subject must be SubjectKind"),  # type: ignore[arg-type]
    (object(), "name is missing"),
    (types.SimpleNamespace(name="x", version="1", title="t", description="d"), "subject"),
    (
        types.SimpleNamespace(
            name="x", version="1", title="t", description="d", subject=SubjectKind.BRAND
        ),
        "score",
    ),
]


@pytest.mark.parametrize(("bad", "problem"), BAD_SHAPES)
def test_a_bad_shape_is_skipped_with_a_warning_naming_the_plugin(bad: object, problem: str):
    host = isolated_host(Plugin("shapes", bad, FakeScorer("good")), strict=False)
    with pytest.warns(StepsPluginWarning, match=f"plugin 'shapes'.*{problem}"):
        assert names(host) == ["good"]


@pytest.mark.parametrize(("bad", "problem"), BAD_SHAPES)
def test_a_bad_shape_is_an_error_when_strict(bad: object, problem: str):
    with pytest.raises(PluginError, match=f"plugin 'shapes'.*{problem}"):
        isolated_host(Plugin("shapes", bad), strict=True).scorers()


def test_a_property_that_raises_is_a_bad_shape_not_a_crash():
    class Broken:
        name = "broken"
        version = "1"
        subject = SubjectKind.BRAND
        description = "d"

        @property
        def title(self) -> str:
            raise RuntimeError("no title")

        def score(self, subject: Any, context: Any) -> Any:
            raise NotImplementedError

    host = isolated_host(Plugin("p", Broken()), strict=False)
    with pytest.warns(StepsPluginWarning, match="title is missing"):
        assert host.scorers() == ()


def test_a_failing_hook_implementation_loses_only_its_own_scorers():
    host = isolated_host(RaisingPlugin(), Plugin("fine", FakeScorer("kept")), strict=False)
    with pytest.warns(StepsPluginWarning, match="'raising-plugin'.*RuntimeError: the plugin"):
        assert names(host) == ["kept"]


def test_a_failing_hook_implementation_raises_when_strict():
    host = isolated_host(RaisingPlugin(), Plugin("fine", FakeScorer("kept")), strict=True)
    with pytest.raises(PluginError, match="raising-plugin") as caught:
        host.scorers()
    assert isinstance(caught.value.__context__, RuntimeError)


def test_an_unknown_hook_name_is_reported():
    class Typo:
        __name__ = "typo"

        @hookimpl
        def steps_register_scorer(self, register: Any) -> None:  # missing "s"
            pass

    with pytest.warns(StepsPluginWarning, match="'typo' .* implements 'steps_register_scorer'"):
        isolated_host(Typo(), strict=False).scorers()


def test_an_implementation_with_unknown_arguments_is_rejected_at_registration():
    class Extra:
        __name__ = "extra"

        @hookimpl
        def steps_register_scorers(self, register: Any, unknown: Any) -> None:
            pass

    host = isolated_host()
    with pytest.raises(Exception, match="unknown"):
        host.register(Extra())
    assert host.plugins() == ()


def test_select_and_scorer_name_the_known_scorers_for_an_unknown_name():
    host = isolated_host(Plugin("p", FakeScorer("a"), FakeScorer("b")))
    assert [r.name for r in host.select(["b"])] == ["b"]
    assert host.scorer("a").name == "a"
    with pytest.raises(UnknownScorerError, match=r"unknown scorer 'c' \(known: a, b\)"):
        host.select(["c", "a"])


# -- built-ins ----------------------------------------------------------------------------


def _builtin_module(monkeypatch: pytest.MonkeyPatch, name: str, scorer: str) -> None:
    module = types.ModuleType(name)

    @hookimpl
    def steps_register_scorers(register: Any) -> None:
        register(FakeScorer(scorer))

    module.steps_register_scorers = steps_register_scorers  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)


def test_builtins_are_registered_under_their_module_names(monkeypatch: pytest.MonkeyPatch):
    _builtin_module(monkeypatch, "fake_builtin_a", "builtin-a")
    monkeypatch.setattr(steps.plugins, "BUILTIN_PLUGINS", ("fake_builtin_a",))
    host = PluginHost(make_plugin_manager(load_entrypoints=False))
    (record,) = host.scorers()
    assert record.plugin.name == "fake_builtin_a"
    assert record.plugin.builtin
    assert record.plugin.source == "built-in"


def test_a_blocked_builtin_is_not_even_imported(monkeypatch: pytest.MonkeyPatch):
    _builtin_module(monkeypatch, "fake_builtin_a", "builtin-a")
    missing = unique("never_imported")
    monkeypatch.setattr(steps.plugins, "BUILTIN_PLUGINS", ("fake_builtin_a", missing))
    pm = make_plugin_manager(load_entrypoints=False, block=[missing])
    assert missing not in sys.modules
    assert [p.name for p in PluginHost(pm).plugins()] == ["fake_builtin_a"]
    monkeypatch.setenv(plugins.ENV_BLOCK, f"fake_builtin_a,{missing}")
    assert PluginHost(make_plugin_manager(load_entrypoints=False)).plugins() == ()


def test_a_builtin_that_fails_to_import_is_skipped(monkeypatch: pytest.MonkeyPatch):
    missing = unique("missing_builtin")
    monkeypatch.setattr(steps.plugins, "BUILTIN_PLUGINS", (missing,))
    with pytest.warns(StepsPluginWarning, match=f"plugin '{missing}' \\(built-in\\) failed"):
        pm = make_plugin_manager(load_entrypoints=False)
    assert PluginHost(pm).scorers() == ()
    with pytest.raises(PluginError, match=missing):
        make_plugin_manager(load_entrypoints=False, strict=True)


def test_builtins_false_leaves_them_out(monkeypatch: pytest.MonkeyPatch):
    _builtin_module(monkeypatch, "fake_builtin_a", "builtin-a")
    monkeypatch.setattr(steps.plugins, "BUILTIN_PLUGINS", ("fake_builtin_a",))
    assert PluginHost(make_plugin_manager(builtins=False, load_entrypoints=False)).scorers() == ()


# -- entry points (a real .dist-info on sys.path, no mocking) -----------------------------


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two fake installed distributions: ``good`` (scorer ``installed-good``) and ``other``
    (scorer ``installed-other``); returns entry-point name → scorer name."""
    monkeypatch.setattr(steps.plugins, "BUILTIN_PLUGINS", ())
    good, other = unique("good_plugin"), unique("other_plugin")
    install_fake_distribution(
        tmp_path,
        "steps-good-plugin",
        {"good": good},
        {good: PLUGIN_MODULE.format(scorer="installed-good")},
    )
    install_fake_distribution(
        tmp_path,
        "steps-other-plugin",
        {"other": other},
        {other: PLUGIN_MODULE.format(scorer="installed-other")},
        version="0.9",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return {"good": "installed-good", "other": "installed-other"}


def test_entry_points_are_loaded_with_their_distribution(installed: dict[str, str]):
    host = PluginHost(make_plugin_manager())
    assert names(host) == ["installed-good", "installed-other"]
    record = host.scorer("installed-good")
    assert record.plugin.name == "good"
    assert (record.distribution, record.distribution_version) == ("steps-good-plugin", "1.2.3")
    assert record.plugin.source == "steps-good-plugin 1.2.3"


def test_disable_autoload(installed: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    assert PluginHost(make_plugin_manager(load_entrypoints=False)).scorers() == ()
    monkeypatch.setenv(plugins.ENV_DISABLE_AUTOLOAD, "1")
    assert PluginHost(make_plugin_manager()).scorers() == ()
    # A keyword argument overrides the environment.
    assert len(PluginHost(make_plugin_manager(load_entrypoints=True)).scorers()) == 2
    monkeypatch.setenv(plugins.ENV_DISABLE_AUTOLOAD, "0")
    assert len(PluginHost(make_plugin_manager()).scorers()) == 2


def test_allow_list(installed: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    assert names(PluginHost(make_plugin_manager(allow=["other"]))) == ["installed-other"]
    monkeypatch.setenv(plugins.ENV_ALLOW, " good , ")
    assert names(PluginHost(make_plugin_manager())) == ["installed-good"]
    assert names(PluginHost(make_plugin_manager(allow=["other"]))) == ["installed-other"]


def test_allow_list_naming_a_missing_plugin_warns(installed: dict[str, str]):
    with pytest.warns(StepsPluginWarning, match="not installed: nope"):
        make_plugin_manager(allow=["good", "nope"])


def test_allow_list_keeps_builtins(installed: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    _builtin_module(monkeypatch, "fake_builtin_a", "builtin-a")
    monkeypatch.setattr(steps.plugins, "BUILTIN_PLUGINS", ("fake_builtin_a",))
    assert names(PluginHost(make_plugin_manager(allow=["good"]))) == [
        "builtin-a",
        "installed-good",
    ]


def test_block_list(installed: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    assert names(PluginHost(make_plugin_manager(block=["good"]))) == ["installed-other"]
    monkeypatch.setenv(plugins.ENV_BLOCK, "other")
    pm = make_plugin_manager()
    assert pm.is_blocked("other")
    assert names(PluginHost(pm)) == ["installed-good"]
    assert names(PluginHost(make_plugin_manager(block=()))) == [
        "installed-good",
        "installed-other",
    ]


def test_block_beats_allow(installed: dict[str, str]):
    assert PluginHost(make_plugin_manager(allow=["good"], block=["good"])).scorers() == ()


def test_a_broken_entry_point_is_skipped_with_a_warning_naming_it_and_its_distribution(
    installed: dict[str, str], tmp_path: Path
):
    broken = unique("broken_plugin")
    install_fake_distribution(
        tmp_path, "steps-broken-plugin", {"broken": broken}, {broken: "raise ImportError('no')"}
    )
    with pytest.warns(
        StepsPluginWarning, match=r"plugin 'broken' \(steps-broken-plugin 1\.2\.3\).*ImportError"
    ):
        pm = make_plugin_manager()
    assert names(PluginHost(pm)) == ["installed-good", "installed-other"]


def test_a_broken_entry_point_raises_when_strict(
    installed: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    broken = unique("broken_plugin")
    install_fake_distribution(tmp_path, "steps-broken", {"broken": broken}, {broken: "1 / 0"})
    with pytest.raises(PluginError, match=r"'broken'.*ZeroDivisionError") as caught:
        make_plugin_manager(strict=True)
    assert isinstance(caught.value.__context__, ZeroDivisionError)
    monkeypatch.setenv(plugins.ENV_STRICT, "1")
    with pytest.raises(PluginError):
        make_plugin_manager()
    with pytest.warns(StepsPluginWarning):
        make_plugin_manager(strict=False)  # the keyword overrides the environment


def test_an_entry_point_naming_a_missing_object_is_skipped(
    installed: dict[str, str], tmp_path: Path
):
    install_fake_distribution(tmp_path, "steps-typo", {"typo": "no_such_module_xyz"}, {})
    with pytest.warns(StepsPluginWarning, match="'typo'.*ModuleNotFoundError"):
        make_plugin_manager()


def test_entry_points_are_discovered_sorted(installed: dict[str, str]):
    found = [ep.name for ep in plugins.discover_entry_points()]
    assert found == sorted(found)
    assert {"good", "other"} <= set(found)


def test_an_environment_mapping_replaces_os_environ(installed: dict[str, str]):
    pm = make_plugin_manager(environ={plugins.ENV_BLOCK: "good"})
    assert names(PluginHost(pm)) == ["installed-other"]
    assert pm.settings.block == frozenset({"good"})


# -- hosts --------------------------------------------------------------------------------


def test_default_host_is_built_once_lazily(installed: dict[str, str]):
    assert default_host() is default_host()
    assert names(default_host()) == ["installed-good", "installed-other"]


def test_a_host_wraps_a_plain_pluggy_manager():
    import pluggy

    pm = pluggy.PluginManager("steps")
    pm.register(Plugin("plain", FakeScorer("a")), name="plain")
    host = PluginHost(pm)
    assert names(host) == ["a"]
    assert host.plugins()[0].source == "registered directly"
    with pytest.raises(ValueError, match="'other'"):
        PluginHost(pluggy.PluginManager("other"))


def test_a_blocked_plugin_cannot_be_registered_through_the_host():
    host = PluginHost(make_plugin_manager(load_entrypoints=False, builtins=False, block=["p"]))
    with pytest.raises(PluginError, match="blocked"):
        host.register(Plugin("p", FakeScorer("a")))


def test_the_manager_is_a_pluggy_manager_with_the_hookspecs():
    pm = make_plugin_manager(load_entrypoints=False, builtins=False)
    assert isinstance(pm, StepsPluginManager)
    assert pm.hook.steps_register_scorers.has_spec()


def test_importing_steps_builds_no_plugin_manager():
    code = textwrap.dedent(
        """
        import sys
        import steps, steps.scoring
        assert steps.score and steps.hookimpl
        loaded = sorted(m for m in sys.modules if m.startswith("steps.plugins."))
        assert not loaded, loaded
        from steps.scoring import plugins
        assert plugins.default_host.cache_info().currsize == 0
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_scorer_plugin_names_itself_after_its_scorers():
    plugin = scorer_plugin(FakeScorer("a"), FakeScorer("b"))
    assert plugin.__name__ == "scorers:a,b"
    assert names(isolated_host(plugin)) == ["a", "b"]


def test_identities_are_collected_through_the_host_like_scorers():
    from steps.gmv.identities import Factor, Identity

    orders_aov = Identity(
        "orders-aov",
        "Orders × AOV",
        "订单数 × 客单价",
        factors=(
            Factor.of_column("orders", name="orders", name_zh="订单数", unit="orders"),
            Factor.of_ratio(
                "aov", "gmv_fen", "orders", name="AOV", name_zh="客单价", unit="fen per order"
            ),
        ),
    )

    class IdentityPlugin:
        __name__ = "identity-plugin"

        @hookimpl
        def steps_register_identities(self, register: Any) -> None:
            register(orders_aov)

    host = isolated_host(IdentityPlugin(), Plugin("scorers", FakeScorer("a")))
    (record,) = host.identities()
    assert (record.key, record.plugin.name) == ("orders-aov", "identity-plugin")
    assert names(host) == ["a"]  # a plugin may implement any subset of the hooks


# -- the pytest plugin for plugin authors -------------------------------------------------


def test_the_pytest_plugin_provides_steps_host(tmp_path: Path):
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["steps.testing.pytest_plugin"]\n')
    (tmp_path / "test_mine.py").write_text(
        textwrap.dedent(
            """
            import steps
            from steps.scoring import SubjectKind

            class Mine:
                name = "mine"
                version = "1"
                subject = SubjectKind.BRAND
                title = "Mine"
                description = "Mine."

                def score(self, brand, context):
                    raise NotImplementedError

            class MyPlugin:
                @steps.hookimpl
                def steps_register_scorers(self, register):
                    register(Mine())

            def test_host(steps_host):
                host = steps_host(MyPlugin())
                assert [r.name for r in host.scorers()] == ["mine"]
                assert host.strict
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**_env(), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("STEPS_")}
