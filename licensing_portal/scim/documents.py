"""SCIM resource documents: incoming attributes checked against the published schema and given their canonical
names (RFC 7643 §2.1: names are case-insensitive), PATCH operations (RFC 7644 §3.5.2) applied to a document, and
`attributes` / `excludedAttributes` (§3.4.2.5) applied to what is returned."""

from __future__ import annotations

import copy
from typing import Any

from licensing_portal.scim import filters
from licensing_portal.scim.schemas import GROUP_ATTRIBUTES, USER_ATTRIBUTES

EXTERNAL_ID = {"name": "externalId", "type": "string", "multiValued": False, "caseExact": True}
ALWAYS_RETURNED = ("schemas", "id")
IGNORED_ON_INPUT = {"schemas", "id", "meta"}
MAX_STRING = 1000
MAX_VALUES = 50_000  # members of one group in one document (bodies are also bounded by DATA_UPLOAD_MAX_MEMORY_SIZE)
MAX_OPERATIONS = 1000


class ScimError(Exception):
    """An RFC 7644 §3.12 error: HTTP status, optional scimType, a detail for the client."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def _definitions(attributes: list[dict]) -> dict[str, dict]:
    defs = {a["name"].lower(): a for a in attributes}
    defs["externalid"] = EXTERNAL_ID
    return defs


USER_DEFS = _definitions(USER_ATTRIBUTES)
GROUP_DEFS = _definitions(GROUP_ATTRIBUTES)


def _is_empty(value) -> bool:
    return value is None or value == [] or value == {}


def _single(defn: dict, value: Any) -> Any:
    kind = defn["type"]
    if value is None:
        return None
    if kind in ("string", "reference"):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ScimError(400, f"{defn['name']} must be a string.", "invalidValue")
        value = str(value)
        if len(value) > MAX_STRING or "\x00" in value:
            raise ScimError(400, f"{defn['name']} is too long or holds a NUL character.", "invalidValue")
        return value
    if kind == "boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):  # Entra ID sends "False"
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise ScimError(400, f"{defn['name']} must be true or false.", "invalidValue")
        return value
    if kind == "complex":
        if not isinstance(value, dict):
            raise ScimError(400, f"{defn['name']} must be an object.", "invalidValue")
        subs = {s["name"].lower(): s for s in defn.get("subAttributes", [])}
        out = {}
        for key, sub_value in value.items():
            sub = subs.get(str(key).lower())
            if sub is not None:
                cleaned = _single(sub, sub_value)
                if not _is_empty(cleaned):
                    out[sub["name"]] = cleaned
        return out
    raise ScimError(400, f"{defn['name']} cannot be written.", "invalidValue")  # pragma: no cover


def clean_value(defn: dict, value: Any) -> Any:
    if defn.get("multiValued"):
        if value is None:
            return None
        items = value if isinstance(value, list) else [value]
        if len(items) > MAX_VALUES:
            raise ScimError(400, f"Too many values for {defn['name']}.", "tooMany")
        cleaned = [_single(defn, item) for item in items]
        return [item for item in cleaned if not _is_empty(item)]
    return _single(defn, value)


def _lookup(defs: dict, key: str) -> dict | None:
    try:
        path = filters.attr_path(str(key))
    except filters.FilterError:
        return None
    return defs.get(path[0]) if len(path) == 1 else None


def clean_document(defs: dict, body: Any) -> dict:
    """The attributes of `body` this server keeps, under their canonical names; unknown attributes are ignored."""
    if not isinstance(body, dict):
        raise ScimError(400, "The request body must be a JSON object.", "invalidSyntax")
    doc = {}
    for key, value in body.items():
        if str(key).lower() in IGNORED_ON_INPUT:
            continue
        defn = _lookup(defs, key)
        if defn is None:
            continue
        cleaned = clean_value(defn, value)
        if not _is_empty(cleaned):
            doc[defn["name"]] = cleaned
    _one_primary(doc)
    return doc


def _one_primary(doc: dict) -> None:
    """RFC 7643 §2.4: `primary: true` appears at most once; the last one written wins."""
    for value in doc.values():
        if isinstance(value, list):
            primaries = [i for i, item in enumerate(value) if isinstance(item, dict) and item.get("primary") is True]
            for i in primaries[:-1]:
                value[i]["primary"] = False


# --- PATCH (RFC 7644 §3.5.2) -----------------------------------------------------------------------------------


def _matching(items: list, node) -> list[int]:
    return [
        i for i, item in enumerate(items) if isinstance(item, dict) and filters.matches(node, filters.lower_keys(item))
    ]


def _seed(node) -> dict:
    """`emails[type eq "work"]` adding to no value creates one with type "work" (what directories expect)."""
    if node.kind == "and":
        return {**_seed(node.left), **_seed(node.right)}
    if node.kind == "cmp" and node.op == "eq" and len(node.path) == 1:
        return {node.path[0]: node.value}
    return {}


def _sub_definition(defn: dict, sub: str) -> dict:
    for candidate in defn.get("subAttributes", []):
        if candidate["name"].lower() == sub:
            return candidate
    raise ScimError(400, f"{defn['name']} has no sub-attribute {sub}.", "invalidPath")


def _canonical_item(defn: dict, raw: dict) -> dict:
    return _single(defn, dict(raw))


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict) and "value" in a and "value" in b:
        return a["value"] == b["value"]
    return a == b


def _apply(doc: dict, defs: dict, op: str, path: filters.PatchPath, value: Any) -> None:
    defn = defs.get(path.attr)
    if defn is None:
        if op == "remove":
            return
        raise ScimError(400, f"Unknown attribute {path.attr}.", "invalidPath")
    name = defn["name"]
    if defn.get("mutability") == "readOnly":
        raise ScimError(400, f"{name} is read-only.", "mutability")

    if path.value_filter is None and path.sub is None:
        if op == "remove":
            if defn.get("multiValued") and isinstance(value, list) and value and name in doc:
                doomed = clean_value(defn, value)  # Entra ID: remove these members
                doc[name] = [item for item in doc[name] if not any(_same(item, d) for d in doomed)]
            else:
                doc.pop(name, None)
            return
        cleaned = clean_value(defn, value)
        if defn.get("multiValued"):
            if op == "add":
                current = list(doc.get(name, []))
                for item in cleaned or []:
                    if not any(_same(item, existing) for existing in current):
                        current.append(item)
                    elif isinstance(item, dict):
                        current = [item if _same(item, existing) else existing for existing in current]
                doc[name] = current
            else:
                doc[name] = cleaned or []
        elif defn["type"] == "complex":
            doc[name] = {**doc.get(name, {}), **(cleaned or {})}
        else:
            doc[name] = cleaned
        return

    if path.value_filter is None:  # name.givenName; emails.value (every value)
        sub = _sub_definition(defn, path.sub)
        containers = doc.get(name, []) if defn.get("multiValued") else [doc.setdefault(name, {})]
        for container in containers:
            if op == "remove":
                container.pop(sub["name"], None)
            else:
                container[sub["name"]] = _single(sub, value)
        return

    if not defn.get("multiValued"):
        raise ScimError(400, f"{name} is not multi-valued.", "invalidPath")
    items = doc.setdefault(name, [])
    hits = _matching(items, path.value_filter)
    if not hits:
        if op == "remove":
            return
        if op == "replace" and path.sub is None:
            raise ScimError(400, f"No value of {name} matches the filter.", "noTarget")
        seed = _canonical_item(defn, _seed(path.value_filter))
        items.append(seed)
        hits = [len(items) - 1]
    if path.sub is not None:
        sub = _sub_definition(defn, path.sub)
        for i in hits:
            if op == "remove":
                items[i].pop(sub["name"], None)
            else:
                items[i][sub["name"]] = _single(sub, value)
        return
    if op == "remove":
        doc[name] = [item for i, item in enumerate(items) if i not in hits]
        return
    replacement = _single(defn, value)
    for i in hits:
        items[i] = {**items[i], **replacement} if op == "add" else replacement


def apply_patch(doc: dict, defs: dict, body: Any) -> dict:
    """A new document: `doc` with the PatchOp `body` applied, all operations or none."""
    if not isinstance(body, dict):
        raise ScimError(400, "The request body must be a PatchOp object.", "invalidSyntax")
    operations = next((v for k, v in body.items() if str(k).lower() == "operations"), None)
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "A PatchOp needs Operations.", "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise ScimError(400, "Too many operations.", "tooMany")
    doc = copy.deepcopy(doc)
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
        operation = {str(k).lower(): v for k, v in operation.items()}
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, "op must be add, replace or remove.", "invalidSyntax")
        raw_path, value = operation.get("path"), operation.get("value")
        if raw_path in (None, ""):
            if op == "remove":
                raise ScimError(400, "remove needs a path.", "noTarget")
            if not isinstance(value, dict):
                raise ScimError(400, "Without a path, the value must be an object.", "invalidValue")
            for key, item in value.items():
                if str(key).lower() in IGNORED_ON_INPUT:
                    continue
                try:
                    path = filters.patch_path(str(key))
                except filters.FilterError as error:
                    raise ScimError(400, str(error), "invalidPath") from error
                _apply(doc, defs, op, path, item)
            continue
        if not isinstance(raw_path, str):
            raise ScimError(400, "path must be a string.", "invalidPath")
        try:
            path = filters.patch_path(raw_path)
        except filters.FilterError as error:
            raise ScimError(400, str(error), "invalidPath") from error
        _apply(doc, defs, op, path, value)
    for key in [k for k, v in doc.items() if _is_empty(v)]:
        del doc[key]
    _one_primary(doc)
    return doc


# --- attributes / excludedAttributes (RFC 7644 §3.4.2.5) -------------------------------------------------------


def _names(raw) -> list[list[str]]:
    if not raw:
        return []
    parts = raw if isinstance(raw, list) else str(raw).split(",")
    out = []
    for part in parts:
        try:
            out.append(filters.attr_path(str(part)))
        except filters.FilterError as error:
            raise ScimError(400, str(error), "invalidValue") from error
    return out


def project(resource: dict, *, attributes=None, excluded=None) -> dict:
    """Keep only `attributes` (plus id and schemas), or drop `excludedAttributes`."""
    wanted, unwanted = _names(attributes), _names(excluded)
    if wanted:
        out = {}
        for key, value in resource.items():
            low = key.lower()
            if key in ALWAYS_RETURNED:
                out[key] = value
                continue
            for path in wanted:
                if path[0] != low:
                    continue
                if len(path) == 1:
                    out[key] = value
                elif isinstance(value, dict):
                    kept = {k: v for k, v in value.items() if k.lower() == path[1]}
                    out[key] = {**out.get(key, {}), **kept}
                elif isinstance(value, list):
                    out[key] = [{k: v for k, v in item.items() if k.lower() == path[1]} for item in value]
        return out
    if unwanted:
        out = dict(resource)
        for path in unwanted:
            for key in list(out):
                if key.lower() != path[0] or key in ALWAYS_RETURNED:
                    continue
                if len(path) == 1:
                    del out[key]
                elif isinstance(out[key], dict):
                    out[key] = {k: v for k, v in out[key].items() if k.lower() != path[1]}
        return out
    return resource
