"""fink.schema_check answers "surely valid" without jsonschema; it must never say so where jsonschema finds an
error (then a wrong config would pass unnoticed), and it should say so for the configs fink users write (else
jsonschema's import cost comes back)."""
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fink.config import fill_defaults, load_schema, validation_errors
from fink.plugins import PLUGINS_GROUP, TOOLS_GROUP, discover
from fink.schema_check import _ANNOTATIONS, _KEYWORDS, surely_valid

ROOT = Path(__file__).resolve().parents[2]


def jsonschema_valid(instance, schema):
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return not list(cls(schema).iter_errors(instance))


def fink_schemas():
    """(section name, schema) of every installed tool and plugin."""
    found = []
    for info in discover(TOOLS_GROUP):
        tool = info.entry_point.load()
        if tool.schema:
            found.append((tool.name, load_schema(*tool.schema)))
    for info in discover(PLUGINS_GROUP):
        ref = getattr(info.entry_point.load(), "CONFIG_SCHEMA", None)
        if ref:
            found.append((info.name, load_schema(*ref)))
    return found


def keywords(schema, seen):
    """Every keyword used at a schema position (not inside default/examples/enum values)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            seen.add(key)
            if key in ("properties", "patternProperties", "$defs"):
                for sub in value.values():
                    keywords(sub, seen)
            elif key in ("items", "additionalProperties", "propertyNames", "not"):
                keywords(value, seen)
            elif key in ("allOf", "anyOf", "oneOf"):
                for sub in value:
                    keywords(sub, seen)
    return seen


def test_fink_schemas_use_only_keywords_the_quick_check_follows():
    schemas = fink_schemas()
    assert {"cloud", "lambda", "code", "api"} <= {name for name, _ in schemas}
    for name, schema in schemas:
        unknown = {k for k in keywords(schema, set()) if k not in _KEYWORDS and k not in _ANNOTATIONS
                   and not k.startswith("x-")}
        assert unknown == set(), f"{name}: jsonschema would be imported for every run ({unknown})"


def sample_sections():
    schemas = dict(fink_schemas())
    for path in sorted([*ROOT.glob("tests/resources/**/fink_*.json"), *ROOT.glob("examples/**/fink_*.json")]):
        config = json.loads(path.read_text())
        for name, section in config.items():
            if name in schemas:
                yield f"{path.relative_to(ROOT)}:{name}", section, schemas[name]
        for name, section in (config.get("plugins") or {}).items():
            if name in schemas:
                yield f"{path.relative_to(ROOT)}:plugins.{name}", section, schemas[name]


@pytest.mark.parametrize("where,section,schema", list(sample_sections()), ids=lambda v: v if isinstance(v, str) else "")
def test_quick_check_agrees_with_jsonschema_on_the_sample_configs(where, section, schema):
    for instance in (section, fill_defaults(section, schema) if isinstance(section, dict) else section):
        assert surely_valid(instance, schema) == jsonschema_valid(instance, schema), where


# ---- generated instances against schemas that use every keyword the check follows --------------------------------
KEYWORD_SCHEMAS = [
    {"type": "object", "properties": {"a": {"type": "integer", "minimum": 1, "maximum": 3}},
     "required": ["a"], "additionalProperties": False},
    {"type": "object", "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 2},
     "propertyNames": {"pattern": "^[a-c]+$"}, "maxProperties": 2, "minProperties": 1},
    {"type": "array", "items": {"enum": ["a", "b", 1, None, 0.0]}, "uniqueItems": True, "minItems": 1,
     "maxItems": 3},
    {"type": ["string", "number"], "exclusiveMinimum": 0, "exclusiveMaximum": 2, "pattern": "b"},
    {"$defs": {"n": {"type": "number", "minimum": 0}}, "type": "object",
     "properties": {"a": {"$ref": "#/$defs/n", "maximum": 1}}, "patternProperties": {"^b": {"type": "boolean"}}},
    {"anyOf": [{"type": "null"}, {"const": {"a": [1]}}], "not": {"type": "string"}},
    {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 1}], "allOf": [{"not": {"const": 2}}]},
    {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "array",
                                                                                     "items": {"type": "integer"}}}}}},
]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-1, 4), st.sampled_from([0.5, 1.0, 2.0, 1.5]),
                    st.sampled_from(["", "a", "b", "ab", "abc", "ba", "x"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "b", "c", "bc", "x", "ab"]), inner, max_size=3)),
    max_leaves=8)


@st.composite
def near(draw, valid):
    """``valid`` with one part replaced, removed or added: mostly just inside or just outside the schema."""
    if isinstance(valid, dict) and valid and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(valid)))
        choice = draw(st.sampled_from(["deeper", "drop", "add"]))
        if choice == "drop":
            return {k: v for k, v in valid.items() if k != key}
        if choice == "add":
            return {**valid, draw(st.sampled_from(["a", "b", "bx", "c", "ab"])): draw(scalars)}
        return {**valid, key: draw(near(valid[key]))}
    if isinstance(valid, list) and valid and draw(st.booleans()):
        index = draw(st.integers(0, len(valid) - 1))
        return valid[:index] + [draw(near(valid[index]))] + valid[index + 1:]
    return draw(st.one_of(scalars, json_values))


def _valid_example(index):
    return VALID_EXAMPLES[index][1]


@pytest.mark.parametrize("index", range(len(KEYWORD_SCHEMAS)))
@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_quick_check_never_passes_what_jsonschema_rejects(index, data):
    schema = KEYWORD_SCHEMAS[index]
    instance = data.draw(st.one_of(json_values, near(_valid_example(index))))
    if surely_valid(instance, schema):
        assert jsonschema_valid(instance, schema), (schema, instance)


VALID_EXAMPLES = [
    (KEYWORD_SCHEMAS[0], {"a": 2}), (KEYWORD_SCHEMAS[1], {"ab": "x"}), (KEYWORD_SCHEMAS[2], ["a", "b"]),
    (KEYWORD_SCHEMAS[3], 1.5), (KEYWORD_SCHEMAS[4], {"a": 0.5, "bx": True}), (KEYWORD_SCHEMAS[5], {"a": [1]}),
    (KEYWORD_SCHEMAS[6], 0), (KEYWORD_SCHEMAS[7], {"a": {"b": [1, 2]}}),
]


@pytest.mark.parametrize("schema,instance", VALID_EXAMPLES)
def test_quick_check_recognises_valid_instances(schema, instance):
    assert jsonschema_valid(instance, schema) and surely_valid(instance, schema)


@pytest.mark.parametrize("schema,instance", [
    ({"type": "array"}, (1,)),  # a tuple is not a JSON array for jsonschema
    ({"type": "object", "dependentRequired": {"a": ["b"]}}, {"a": 1, "b": 2}),  # a keyword it does not follow
    ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}, {}),  # another dialect
    ({"$ref": "other.json#/x"}, 1),  # a remote reference
    ({"type": "array", "uniqueItems": True}, [1, 1.0]),  # jsonschema's own equality decides
])
def test_quick_check_leaves_what_it_does_not_follow_to_jsonschema(schema, instance):
    assert surely_valid(instance, schema) is False


def test_invalid_config_is_still_explained_by_jsonschema():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False}
    assert validation_errors({"a": 1}, schema, "s") == []
    assert validation_errors({"a": "x", "b": 1}, schema, "s") == ["s: unknown key 'b' (allowed: a)",
                                                                   "s.a: 'x' is not of type 'integer'"]


def _contains_itself():
    looped_list: list = []
    looped_list.append(looped_list)
    looped_dict: dict = {"stack": {}}
    looped_dict["stack"]["again"] = looped_dict
    return [looped_list, looped_dict, {"a": [looped_list]}]


@pytest.mark.parametrize("instance", _contains_itself())
@pytest.mark.parametrize("schema", [{}, {"type": "object"}, {"$ref": "#"}, {"items": {"$ref": "#"}}])
def test_quick_check_never_raises_on_a_value_that_contains_itself(instance, schema):
    assert surely_valid(instance, schema) is False


def test_value_that_contains_itself_is_a_validation_error_not_a_crash():
    from fink.config import validation_errors
    looped: list = []
    looped.append(looped)
    schema = {"type": "object", "properties": {"stack": {"type": "array", "items": {"$ref": "#/$defs/any"}}},
              "$defs": {"any": {"anyOf": [{"type": "array", "items": {"$ref": "#/$defs/any"}}, {"type": "string"}]}}}
    assert validation_errors({"stack": looped}, schema, "cloud") == [
        "cloud: a value contains itself or is nested too deeply to be checked"]


def test_recursive_yaml_config_is_a_clear_error(temp_folder, run_cli):
    (temp_folder / "fink_dev.yaml").write_text("cloud: &a\n  stack: [*a]\n")
    result = run_cli("fink", "config", "cloud", env={"ENV": "dev"})
    assert result.exit_code != 0 and "Traceback" not in result.stderr + result.stdout
    assert "contains it" in result.stderr, result.stderr
