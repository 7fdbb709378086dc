"""``steps scorers``: list the installed scorers and the plugins they come from."""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from steps.cli._language import add_language_argument

if TYPE_CHECKING:
    from steps.scoring.indicators import Indicator
    from steps.scoring.plugins import PluginHost, PluginInfo, ScorerRecord


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "scorers",
        help="list the installed scorers and their plugins",
        description="List every registered scorer: name, version, what it scores (brand or "
        "stream), the plugin that registered it and the distribution that plugin came from. "
        "Plugins that fail to load are reported on stderr and skipped.",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    add_language_argument(parser, "the table's headings and cells")
    parser.set_defaults(run=run)


@contextmanager
def quiet_plugin_warnings() -> Iterator[None]:
    """Keep `StepsPluginWarning` off stderr inside the block: the command reports
    the host's problems itself, one clean line each (`report_problems`)."""
    from steps.scoring.plugins import StepsPluginWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepsPluginWarning)
        yield


def report_problems(command: str, host: PluginHost) -> tuple[str, ...]:
    """Print every plugin problem of ``host`` to stderr and return them."""
    from steps.cli._output import warn
    from steps.report.escape import escape_control

    for problem in host.problems:
        warn(f"steps {command}: warning: {escape_control(problem)}")
    return host.problems


def command_host() -> PluginHost:
    """The process-wide plugin host (built on first use, from the environment controls)."""
    from steps.scoring import plugins

    return plugins.default_host()


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, two spaces apart (numbers are pre-formatted by the caller),
    measured in terminal columns so that Chinese cells line up."""
    from steps.report.text import display_width, pad

    widths = [
        max(display_width(cell) for cell in column) for column in zip(header, *rows, strict=True)
    ]
    return "\n".join(
        "  ".join(pad(cell, width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (header, *rows)
    )


def scorer_dict(record: ScorerRecord) -> dict[str, Any]:
    """The listing of one scorer; a scorer that declares its components (the built-in ones,
    and any built on `steps.scoring.base.MethodologyScorer`) also lists its indicators, each
    with the GMV factors it moves and where it comes from (its provenance)."""
    from steps.scoring.benchmarks import indicator_catalogue

    listing: dict[str, Any] = {
        "name": record.name,
        "version": record.version,
        "subject": record.subject.value,
        "title": record.title,
        "description": record.description,
        "plugin": record.plugin.name,
        "builtin": record.plugin.builtin,
        "distribution": record.plugin.distribution,
        "distribution_version": record.plugin.distribution_version,
        "source": record.plugin.source,
        "batch": record.batch,
    }
    catalogue = indicator_catalogue(record.scorer)
    if catalogue is not None:
        try:
            indicators = _indicators(catalogue)
            json.dumps(indicators)  # a third party's fields must be plain data too
        except Exception:  # components that are not Indicators: the scorer is listed without
            return listing
        listing["indicators"] = indicators
    return listing


def _indicators(catalogue: tuple[tuple[str, Indicator[Any]], ...]) -> list[dict[str, Any]]:
    return [
        {
            "component": component,
            "key": indicator.key,
            "name": indicator.name,
            "name_zh": indicator.name_zh,
            "unit": indicator.unit,
            "weight": indicator.weight,
            "moves": list(indicator.moves),
            "provenance": None
            if indicator.provenance is None
            else {
                "origin": indicator.provenance.origin.value,
                "note": indicator.provenance.note,
                "quote": indicator.provenance.quote,
                "citation": indicator.provenance.citation,
            },
        }
        for component, indicator in catalogue
    ]


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import say, stdout, warn
    from steps.scoring.messages import text
    from steps.scoring.plugins import PluginError

    try:
        with quiet_plugin_warnings():
            host = command_host()
            try:
                records = host.scorers()
            finally:
                report_problems("scorers", host)
    except PluginError as error:
        warn(f"steps scorers: plugin error: {error}")
        return 1
    if args.format == "json":
        listing = json.dumps([scorer_dict(r) for r in records], ensure_ascii=False, indent=1)
        print(listing, file=stdout())
        return 0
    if not records:
        say(text("scorers.none", args.lang))
        return 0
    rows = [
        (
            r.name,
            r.version,
            text(f"scorers.subject.{r.subject.value}", args.lang),
            r.plugin.name,
            plugin_source(r.plugin, args.lang),
        )
        for r in records
    ]
    header = tuple(
        text(f"scorers.header.{key}", args.lang)
        for key in ("name", "version", "subject", "plugin", "source")
    )
    say(format_table(header, rows))
    return 0


def plugin_source(plugin: PluginInfo, lang: str) -> str:
    """Where a plugin came from, in ``lang``: the distribution and its version are names."""
    from steps.scoring.messages import text

    if plugin.builtin:
        return text("scorers.source.builtin", lang)
    if plugin.distribution is not None:
        return plugin.source
    if plugin.entry_point is not None:
        return text("scorers.source.entry_point", lang, entry_point=plugin.entry_point)
    return text("scorers.source.direct", lang)
