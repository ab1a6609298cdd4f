"""Loads every exported JSON Schema with Debian's python3-jsonschema (Draft 2020-12) and reports,
for each case read from stdin, whether it validates. Prints one JSON document on stdout."""
import json
import pathlib
import re
import sys

from jsonschema import Draft202012Validator


def patterns(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                yield v
            else:
                yield from patterns(v)
    elif isinstance(node, list):
        for v in node:
            yield from patterns(v)


schema_dir = pathlib.Path(sys.argv[1])
validators, problems = {}, []
for path in sorted(schema_dir.glob("*.json")):
    schema = json.loads(path.read_text())
    try:
        Draft202012Validator.check_schema(schema)
        for p in patterns(schema):
            re.compile(p)
        validators[path.name] = Draft202012Validator(schema)
    except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
        problems.append(f"{path.name}: {e}")

cases = json.load(sys.stdin)
results = []
for case in cases:
    v = validators.get(case["schema"])
    if v is None:
        results.append(None)
        continue
    error = next(iter(v.iter_errors(case["instance"])), None)
    results.append(True if error is None else error.message)
print(json.dumps({"loaded": sorted(validators), "problems": problems, "results": results}))
