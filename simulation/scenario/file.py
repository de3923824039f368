"""Reading a scenario file safely: its encoding, strict YAML and limits on what it may expand to.

A scenario file is small text written by people, often shared. Reading one must never
run code (``yaml.SafeLoader`` builds plain values only), never silently take the last of
two equal keys, and never let a few bytes of aliases expand into gigabytes: the number of
aliases, the nesting depth and the size of the document with every alias expanded are
limited, and checked on the parsed node graph before any value is built.

Text is UTF-8 (with or without a byte-order mark); a file that is not UTF-8 is read in the
encoding named with ``--encoding``, or, without it, as GB18030 (a superset of GBK and
GB2312) when it reads as Chinese text; anything else is an error asking for ``--encoding``.
"""

from __future__ import annotations

import codecs
import functools
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 1_000_000  # a scenario file is a few KB; the baseline is about 20 KB
MAX_ALIASES = 100  # aliases (*name) in one file
MAX_DEPTH = 32  # nesting of mappings and lists, with aliases expanded
MAX_NODES = 100_000  # values in the document with every alias expanded
MAX_EXTENDS = 16  # files in one ``extends`` chain
MERGE_TAG = "tag:yaml.org,2002:merge"
# non-ASCII characters a Chinese scenario file holds: CJK ideographs, CJK and full-width punctuation
_CHINESE_TEXT = re.compile(r"[\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


class ScenarioFileError(ValueError):
    """A file that cannot be read as a scenario: ``key`` says where (a line, ``extends``), ``problem`` what."""

    def __init__(self, key: str, problem: str) -> None:
        self.key, self.problem = key, problem
        super().__init__(f"{key}: {problem}" if key else problem)

    def __reduce__(self) -> tuple[type[ScenarioFileError], tuple[str, str]]:
        """Rebuilt from its parts, so it crosses to another process whole."""
        return type(self), (self.key, self.problem)


def check_encoding(name: str) -> str:
    """The canonical name of a text encoding given with ``--encoding``.

    Raises:
        ScenarioFileError: Python does not know the encoding.
    """
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ScenarioFileError("--encoding", f"unknown encoding {name!r}; e.g. utf-8, gb18030, gbk, latin-1") from None


def decode(raw: bytes, encoding: str | None = None) -> str:
    """The text of a scenario file: UTF-8 (BOM or not), else the ``encoding`` given, else Chinese GB18030.

    Raises:
        ScenarioFileError: a binary file, or bytes that are not text in the expected encoding.
    """
    if b"\x00" in raw[:8192]:
        raise ScenarioFileError("", "a binary file, not a YAML scenario (it holds NUL bytes)")
    try:  # UTF-8 first, even with --encoding: a chain may extend the (UTF-8) shipped files
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        utf8_error = err.start
    if encoding is not None:
        try:
            return raw.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as err:
            problem = f"neither UTF-8 nor {encoding} text (byte {err.start}); check --encoding"
            raise ScenarioFileError("", problem) from None
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(_CHINESE_TEXT.match(ch) for ch in text if not ch.isascii()):
        return text
    raise ScenarioFileError(
        "",
        f"not UTF-8 text (byte {utf8_error}) nor Chinese GB18030/GBK; save it as UTF-8 "
        "or name its encoding with --encoding (e.g. --encoding latin-1)",
    )


def read_text(path: Path, encoding: str | None = None) -> str:
    """Read and decode a scenario file, refusing folders and files too large to be scenarios.

    Raises:
        ScenarioFileError: missing, unreadable, too large, binary or wrongly encoded.
        FileNotFoundError: no such file (the caller words it).
    """
    if path.is_dir():
        raise ScenarioFileError("", "is a folder, not a scenario file")
    with open(path, "rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioFileError("", f"larger than {MAX_FILE_BYTES:,} bytes; a scenario file is a few KB of YAML")
    return decode(raw, encoding)


class StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys and documents expanding beyond the limits."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        """Count aliases and nesting as the document is parsed (before anything is built)."""
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise ScenarioFileError(f"line {mark.line + 1}", f"more than {MAX_ALIASES} YAML aliases (*name)")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ScenarioFileError(f"line {mark.line + 1}", f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def get_single_data(self) -> Any:
        """Check the expanded size of the parsed document, then build its values."""
        node = self.get_single_node()
        if node is None:
            return None
        ExpansionCheck().size(node, 1)
        return self.construct_document(node)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping whose keys are all different (a merge ``<<:`` may still be overridden)."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise ScenarioFileError(f"line {line}", f"duplicate key {key!r} (first on line {seen[key]})")
                seen[key] = line
            except TypeError:  # an unhashable key: SafeLoader words that error itself
                continue
        return super().construct_mapping(node, deep=deep)


class ExpansionCheck:
    """Size and depth of a YAML node graph with every alias expanded, each shared node measured once."""

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.heights: dict[int, int] = {}
        self.open: set[int] = set()

    def size(self, node: Node, depth: int) -> int:
        """Values under ``node`` (itself included), refusing too many, too deep, or recursive aliases."""
        key = id(node)
        if key in self.sizes:
            if depth + self.heights[key] - 1 > MAX_DEPTH:
                self._too_deep(node)
            return self.sizes[key]
        if depth > MAX_DEPTH:
            self._too_deep(node)
        if key in self.open:
            raise ScenarioFileError(f"line {node.start_mark.line + 1}", "a YAML alias refers to itself (recursive)")
        self.open.add(key)
        total, height = 1, 1
        children: list[Node] = []
        if isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        for child in children:
            total += self.size(child, depth + 1)
            if not isinstance(child, ScalarNode):
                height = max(height, 1 + self.heights[id(child)])
            if total > MAX_NODES:
                raise ScenarioFileError(
                    f"line {node.start_mark.line + 1}",
                    f"expands to more than {MAX_NODES:,} values (YAML aliases); write the values out",
                )
        self.open.discard(key)
        self.sizes[key], self.heights[key] = total, height
        return total

    @staticmethod
    def _too_deep(node: Node) -> None:
        raise ScenarioFileError(
            f"line {node.start_mark.line + 1}", f"nested more than {MAX_DEPTH} levels deep (with aliases expanded)"
        )


def parse_yaml(text: str) -> Any:
    """The value of a YAML document, read strictly (see :class:`StrictLoader`).

    Raises:
        ScenarioFileError: bad syntax, a duplicate key, or a document beyond the limits.
    """
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "YAML"
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ScenarioFileError(line, f"YAML syntax error: {problem}") from None
    except RecursionError:
        raise ScenarioFileError("YAML", f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()


@functools.lru_cache(maxsize=64)
def parsed_yaml(text: str) -> Any:
    """:func:`parse_yaml`, kept per text, so a file read twice is parsed once.

    E.g. a scenario checked for being an experiment file, then loaded; a folder of policy
    files that all extend the baseline. The value is shared: copy it before changing it.
    """
    return parse_yaml(text)
