"""The ``--lang`` option shared by the commands that explain scores."""

from __future__ import annotations

import argparse


def _language(lang: str) -> str:
    # "" stands for the locale's language (LC_ALL, LC_MESSAGES, LANG).  argparse passes a
    # string default through ``type`` only while parsing, so `steps --help` imports no scoring.
    from steps.scoring.messages import default_language

    return lang or default_language()


def add_language_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--lang {en,zh}`` to ``parser``: the language of ``what``, by default the
    locale's (a ``zh`` locale gives Chinese, any other English)."""
    parser.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="",
        type=_language,
        help=f"language of {what} (default: the locale's, else en)",
    )
