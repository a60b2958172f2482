"""SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): a small parser, an evaluator over resource documents,
and a translation of the common equality filters (userName, externalId, emails, displayName, id) into a query.

Attribute names are case-insensitive; they are lower-cased here and compared with the lower-cased names of a
document. Values compare case-insensitively except `id` and `externalId` (caseExact)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CORE_URNS = ("urn:ietf:params:scim:schemas:core:2.0:user:", "urn:ietf:params:scim:schemas:core:2.0:group:")
CASE_EXACT = {"id", "externalid"}
OPS = {"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"}
MAX_FILTER_LENGTH = 2000


class FilterError(ValueError):
    """An unparsable filter or path: a 400 with scimType invalidFilter (or invalidPath)."""


def attr_path(raw: str) -> list[str]:
    """`urn:...:User:name.givenName` -> ["name", "givenname"]."""
    name = raw.strip().lower()
    for urn in CORE_URNS:
        if name.startswith(urn):
            name = name[len(urn) :]
    if not name or not re.fullmatch(r"\$?[a-z][a-z0-9_$-]*(\.[a-z][a-z0-9_$-]*)?", name):
        raise FilterError(f"Unknown attribute {raw!r}.")
    return name.split(".")


# --- tokens and parser ---------------------------------------------------------------------------------------

TOKEN = re.compile(
    r"""\s*(?:
        (?P<lpar>\()|(?P<rpar>\))|(?P<lbr>\[)|(?P<rbr>\])|
        (?P<str>"(?:[^"\\]|\\.)*")|
        (?P<word>[A-Za-z0-9_:.$\-+]+)
    )""",
    re.VERBOSE,
)


@dataclass
class Node:
    kind: str  # and, or, not, cmp, pr, vp
    left: Any = None
    right: Any = None
    path: list[str] | None = None
    op: str = ""
    value: Any = None


def _tokens(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError("The filter is too long.")
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FilterError("The filter cannot be parsed.")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self, offset: int = 0):
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        if token[0] is None:
            raise FilterError("The filter ends too early.")
        self.i += 1
        return token

    def word_is(self, *words) -> bool:
        kind, value = self.peek()
        return kind == "word" and value.lower() in words

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek()[0] is not None:
            raise FilterError("Unexpected text at the end of the filter.")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.word_is("or"):
            self.take()
            node = Node("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.unary()
        while self.word_is("and"):
            self.take()
            node = Node("and", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.word_is("not") and self.peek(1)[0] == "lpar":
            self.take()
            return Node("not", self.unary())
        if self.peek()[0] == "lpar":
            self.take()
            node = self.or_expr()
            if self.take()[0] != "rpar":
                raise FilterError("A parenthesis is not closed.")
            return node
        return self.comparison()

    def comparison(self) -> Node:
        kind, raw = self.take()
        if kind != "word":
            raise FilterError("An attribute name is expected.")
        if self.peek()[0] == "lbr":  # emails[type eq "work"] (optionally .value after the bracket is not allowed)
            self.take()
            inner = self.or_expr()
            if self.take()[0] != "rbr":
                raise FilterError("A bracket is not closed.")
            return Node("vp", inner, path=attr_path(raw))
        path = attr_path(raw)
        kind, op = self.take()
        op = (op or "").lower()
        if kind != "word" or (op not in OPS and op != "pr"):
            raise FilterError("An operator is expected (eq, ne, co, sw, ew, gt, ge, lt, le, pr).")
        if op == "pr":
            return Node("pr", path=path)
        kind, raw_value = self.take()
        return Node("cmp", path=path, op=op, value=_literal(kind, raw_value))


def _literal(kind: str, raw: str):
    if kind == "str":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if kind != "word":
        raise FilterError("A value is expected.")
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    try:
        return float(raw) if "." in raw else int(raw)
    except ValueError as error:
        raise FilterError(f"Unknown value {raw!r}.") from error


def parse(text: str) -> Node:
    return _Parser(text).parse()


# --- evaluation over a document (lower-cased keys) -----------------------------------------------------------


def lower_keys(value):
    if isinstance(value, dict):
        return {k.lower(): lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v) for v in value]
    return value


def _values(doc: dict, path: list[str]) -> list:
    """Every value at `path` (multi-valued attributes fan out); a complex multi-valued attribute compared as a
    whole compares its `value` sub-attribute (RFC 7644 §3.4.2.2)."""
    current = [doc]
    for part in path:
        nxt = []
        for item in current:
            if isinstance(item, dict) and part in item:
                value = item[part]
                nxt.extend(value if isinstance(value, list) else [value])
        current = nxt
    flat = []
    for item in current:
        if isinstance(item, dict):
            if "value" in item:
                flat.append(item["value"])
        elif item is not None:
            flat.append(item)
    return flat


def _compare(actual, op: str, expected, exact: bool) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool) or expected is None:
        return {"eq": actual == expected, "ne": actual != expected}.get(op, False)
    if isinstance(actual, str) and isinstance(expected, str):
        if not exact:
            actual, expected = actual.lower(), expected.lower()
    elif not (isinstance(actual, (int, float)) and isinstance(expected, (int, float))):
        return op == "ne"
    try:
        return {
            "eq": actual == expected,
            "ne": actual != expected,
            "co": isinstance(actual, str) and expected in actual,
            "sw": isinstance(actual, str) and actual.startswith(expected),
            "ew": isinstance(actual, str) and actual.endswith(expected),
            "gt": actual > expected,
            "ge": actual >= expected,
            "lt": actual < expected,
            "le": actual <= expected,
        }[op]
    except TypeError:
        return False


def matches(node: Node, doc: dict) -> bool:
    """`doc` has lower-cased keys (lower_keys)."""
    if node.kind == "and":
        return matches(node.left, doc) and matches(node.right, doc)
    if node.kind == "or":
        return matches(node.left, doc) or matches(node.right, doc)
    if node.kind == "not":
        return not matches(node.left, doc)
    if node.kind == "vp":
        items = doc.get(node.path[0]) if len(node.path) == 1 else None
        items = items if isinstance(items, list) else [items] if isinstance(items, dict) else []
        return any(isinstance(item, dict) and matches(node.left, item) for item in items)
    values = _values(doc, node.path)
    if node.kind == "pr":
        return any(v not in ("", [], {}) for v in values)
    exact = node.path[-1] in CASE_EXACT and len(node.path) == 1
    if node.op == "ne":
        return not any(_compare(v, "eq", node.value, exact) for v in values)
    return any(_compare(v, node.op, node.value, exact) for v in values)


# --- PATCH paths -------------------------------------------------------------------------------------------


@dataclass
class PatchPath:
    attr: str  # lower-cased top-level attribute
    value_filter: Node | None = None
    sub: str | None = None  # lower-cased sub-attribute


def patch_path(raw: str) -> PatchPath:
    """`members`, `name.givenName`, `emails[type eq "work"].value`, `members[value eq "x"]`, urn-prefixed."""
    text = (raw or "").strip()
    if not text:
        raise FilterError("An empty path.")
    match = re.fullmatch(r"([^\[\]]+?)(?:\[(.*)\])?(?:\.([A-Za-z$][\w$-]*))?", text, re.DOTALL)
    if not match:
        raise FilterError("The path cannot be parsed.")
    head, inner, sub = match.groups()
    parts = attr_path(head)
    if len(parts) == 2:
        if inner is not None or sub:
            raise FilterError("The path cannot be parsed.")
        return PatchPath(parts[0], None, parts[1])
    return PatchPath(parts[0], parse(inner) if inner is not None else None, sub.lower() if sub else None)
