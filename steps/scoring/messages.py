"""Message catalogues: every sentence a scorer shows a person, in English and Chinese.

The built-in scorers keep no user-facing sentence in code.  Their explanations, advice,
recommendations and notes are templates in ``steps/data/messages/en.toml`` and ``zh.toml``,
keyed by scorer and indicator (``stage.plan_completeness.advice``), with ``str.format``
named placeholders (``{value}``, ``{share:.0%}``).  `text` fills one in a language:

    >>> text("core.not_available", "en", name="Paid ROI", needs="paid_spend_fen")
    'Paid ROI: not available (needs paid_spend_fen)'

**Fallback.**  A person never sees a message key.  A message missing in the language asked
for, or whose template cannot be filled there, is shown in English with a
`MessageWarning` (the test suite turns warnings into errors, so a gap fails a test
before it reaches a user); a message missing in English too, or an English template that
cannot be filled, is a bug in the scorer and raises `MessageError`.

A third-party scorer ships its own `Catalogue` (``Catalogue.from_package`` reads
``<lang>.toml`` files shipped in its package, ``Catalogue.from_mapping`` takes a dict) and
looks its messages up there before the built-in ones; see "Languages" in docs/plugins.md.
"""

from __future__ import annotations

import functools
import os
import string
import tomllib
import warnings
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias

import attrs

__all__ = [
    "FALLBACK_LANGUAGE",
    "LANGUAGES",
    "Catalogue",
    "Language",
    "MessageError",
    "MessageWarning",
    "builtin_catalogue",
    "default_language",
    "display_name",
    "join",
    "placeholders",
    "text",
]

Language: TypeAlias = Literal["en", "zh"]
#: The languages a scorer's text can be asked for.
LANGUAGES: Final[tuple[Language, ...]] = ("en", "zh")
#: The language shown when a message is missing in the one asked for.
FALLBACK_LANGUAGE: Final[Language] = "en"
#: The environment variables that name the user's locale, most specific first (POSIX order).
LOCALE_VARIABLES: Final = ("LC_ALL", "LC_MESSAGES", "LANG")


class MessageError(LookupError):
    """A message that cannot be shown in any language: a bug in the scorer or catalogue."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MessageWarning(UserWarning):
    """A message shown in English because the language asked for lacks it."""


def placeholders(template: str) -> frozenset[str]:
    """The named placeholders of a ``str.format`` template (``{value:.0%}`` → ``value``)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(field.split(".", 1)[0].split("[", 1)[0])
    return frozenset(names)


def _flatten(table: Mapping[str, Any], prefix: str, into: dict[str, str], where: str) -> None:
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{path}.", into, where)
        elif isinstance(value, str):
            into[path] = value
        else:
            raise ValueError(f"{where}: message {path!r} must be text, got {type(value).__name__}")


def _frozen(value: Mapping[str, Mapping[str, str]]) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType({lang: MappingProxyType(dict(m)) for lang, m in value.items()})


@attrs.frozen(eq=False)
class Catalogue:
    """Message templates by language, then by dotted key.

    Build one with `from_mapping` (nested tables are flattened: ``{"a": {"b": "…"}}``
    is the key ``a.b``) or `from_package` (TOML files shipped in a package).
    """

    messages: Mapping[str, Mapping[str, str]] = attrs.field(converter=_frozen)

    def __attrs_post_init__(self) -> None:
        unknown = sorted(set(self.messages) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language(s) {unknown} (known: {', '.join(LANGUAGES)})")

    @classmethod
    def from_mapping(cls, messages: Mapping[str, Mapping[str, Any]]) -> Catalogue:
        """A catalogue from ``{language: {key: template or nested table}}``."""
        flat: dict[str, dict[str, str]] = {}
        for language, table in messages.items():
            flat[language] = {}
            _flatten(table, "", flat[language], f"language {language!r}")
        return cls(flat)

    @classmethod
    def from_package(cls, package: str, directory: str = "messages") -> Catalogue:
        """The ``<language>.toml`` files of ``directory`` inside an installed package
        (``Catalogue.from_package("my_plugin", "messages")`` reads
        ``my_plugin/messages/en.toml`` and ``zh.toml``; a missing file is an empty
        language)."""
        folder = resources.files(package).joinpath(*directory.split("/"))
        tables: dict[str, Mapping[str, Any]] = {}
        for language in LANGUAGES:
            resource = folder.joinpath(f"{language}.toml")
            if resource.is_file():
                try:
                    tables[language] = tomllib.loads(resource.read_text(encoding="utf-8"))
                except tomllib.TOMLDecodeError as error:
                    raise ValueError(f"{package}/{directory}/{language}.toml: {error}") from None
        return cls.from_mapping(tables)

    def keys(self, language: str) -> frozenset[str]:
        """The keys with a template in ``language``."""
        return frozenset(self.messages.get(language, {}))

    def template(self, key: str, language: str) -> str | None:
        """The raw template of ``key`` in ``language`` (no fallback), or ``None``."""
        return self.messages.get(language, {}).get(key)

    def __contains__(self, key: object) -> bool:
        return any(key in table for table in self.messages.values())

    def text(self, key: str, language: str, /, **params: Any) -> str:
        """The message ``key`` in ``language``, filled with ``params`` (see the module's
        "Fallback" for what happens when it is missing)."""
        template = self.template(key, language)
        if template is not None:
            try:
                return template.format(**params)
            except (KeyError, IndexError, ValueError, TypeError) as error:
                problem = f"message {key!r} cannot be filled in {language}: {error!r}"
                if language == FALLBACK_LANGUAGE:
                    raise MessageError(problem) from error
        else:
            problem = f"message {key!r} has no {language} text"
        english = self.template(key, FALLBACK_LANGUAGE)
        if english is None:
            raise MessageError(f"no message {key!r} in any language")
        warnings.warn(f"{problem}; shown in English", MessageWarning, stacklevel=3)
        try:
            return english.format(**params)
        except (KeyError, IndexError, ValueError, TypeError) as error:
            raise MessageError(f"message {key!r} cannot be filled: {error!r}") from error

    def optional(self, key: str, language: str, /, **params: Any) -> str | None:
        """`text`, or ``None`` when no language has ``key`` (for texts a plugin may
        leave out, such as the translation of its own units)."""
        return self.text(key, language, **params) if key in self else None

    def over(self, base: Catalogue) -> Catalogue:
        """This catalogue with ``base`` behind it: keys of this one win, language by
        language."""
        merged = {
            language: {**base.messages.get(language, {}), **self.messages.get(language, {})}
            for language in set(base.messages) | set(self.messages)
        }
        return Catalogue(merged)


@functools.cache
def builtin_catalogue() -> Catalogue:
    """The catalogue of the built-in scorers (``steps/data/messages``), read once."""
    return Catalogue.from_package("steps", "data/messages")


@functools.lru_cache(maxsize=64)
def _layered(own: Catalogue) -> Catalogue:
    return own.over(builtin_catalogue())


def catalogue_for(own: Catalogue | None) -> Catalogue:
    """A scorer's catalogue in front of the built-in one (the built-in one alone for
    ``None``); cached per catalogue object."""
    return builtin_catalogue() if own is None else _layered(own)


@functools.lru_cache(maxsize=4096)
def _builtin_template(key: str, language: str) -> str | None:
    return builtin_catalogue().template(key, language)


def text(key: str, language: str, /, **params: Any) -> str:
    """The built-in message ``key`` in ``language``, filled with ``params``."""
    # Scoring fills a message per indicator of every card: the usual case (the template is
    # there and fills) skips the catalogue's fallback machinery.
    template = _builtin_template(key, language)
    if template is not None:
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError, TypeError):
            pass  # the catalogue's text() warns or raises as documented
    return builtin_catalogue().text(key, language, **params)


def join(items: Iterable[str], language: str) -> str:
    """A list as one phrase, with the language's separator (``, `` or ``、``)."""
    return text("core.list_separator", language).join(items)


def display_name(name: str, name_zh: str, language: str) -> str:
    """How a component or indicator is named in running text: the English name in English,
    the Chinese name in Chinese (the English one when a third party left it empty)."""
    if language == "zh" and name_zh.strip():
        return name_zh
    return name


def default_language(environ: Mapping[str, str] | None = None) -> Language:
    """The language of the user's locale: ``"zh"`` when the first of ``LC_ALL``,
    ``LC_MESSAGES`` and ``LANG`` that is set starts with ``zh`` (``zh_CN.UTF-8``,
    ``zh_TW``), else ``"en"``."""
    env = os.environ if environ is None else environ
    for variable in LOCALE_VARIABLES:
        value = env.get(variable, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
