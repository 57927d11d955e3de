"""Pure parts of cloud: parameter conversion and diffs, the schema contract, preview rendering, dot references."""
from __future__ import annotations


from fink.config import fill_defaults, load_schema, validation_errors
from fink_cloud.cli import TOOL
from fink_cloud.dot import references
from fink_cloud.params import parameter_changes, parameter_list, to_cfn_value
from fink_cloud.preview import render_preview


def test_values_are_sent_as_cloudformation_strings():
    assert [to_cfn_value(v) for v in (["a", "b"], True, False, 3, 2.5, "x")] == ["a,b", "true", "false", "3",
                                                                                  "2.5", "x"]
    assert parameter_list({"B": [1, 2], "A": "x"}) == [{"ParameterKey": "A", "ParameterValue": "x"},
                                                       {"ParameterKey": "B", "ParameterValue": "1,2"}]


def test_parameter_changes_mask_no_echo_and_keep_template_defaults():
    template = {"Pw": {"Type": "String", "NoEcho": "true"}, "Size": {"Type": "Number", "Default": "1"},
                "Name": {"Type": "String"}, "Zones": {"Type": "CommaDelimitedList"}}
    current = [{"ParameterKey": "Pw", "ParameterValue": "****"}, {"ParameterKey": "Size", "ParameterValue": "1"},
               {"ParameterKey": "Name", "ParameterValue": "old"}, {"ParameterKey": "Zones", "ParameterValue": "a, b"}]
    new = parameter_list({"Pw": "secret", "Name": "new", "Zones": ["a", "b"]})
    changes = parameter_changes(template, current, new)
    assert [(c.key, c.old, c.new) for c in changes] == [("Name", "old", "new")]
    added = parameter_changes({"Pw": {"NoEcho": True}}, [], parameter_list({"Pw": "secret"}))
    assert [(c.key, c.old, c.new) for c in added] == [("Pw", None, "****")]


def test_schema_defaults_and_non_config_commands_agree():
    schema = load_schema(*TOOL.schema)
    filled = fill_defaults({"stack": {"StackName": "s"}}, schema)
    assert filled["defaults"]["non_config_commands"][:3] == ["stop", "start", "list"]
    assert set(filled["defaults"]["non_config_commands"]) == set(TOOL.non_config_commands)


def test_schema_is_closed_where_the_guide_says_so():
    schema = load_schema(*TOOL.schema)
    errors = validation_errors({"stack": {"StackName": "s", "artifactBucket": "arn:aws:s3:::b", "Nope": 1},
                                "deployment": {"DisableStop": "yes"}, "parameters": {"Any": [1]}}, schema, "cloud")
    assert errors == ["cloud.deployment.DisableStop: 'yes' is not of type 'boolean'",
                      "cloud.stack: unknown key 'Nope' (allowed: NotificationARNs, RoleARN, StackName, "
                      "TemplateBody, artifactBucket)"]


def test_preview_rendering_flags_replacements_and_removals():
    data = {"StackName": "s", "ChangeSetType": "UPDATE", "ParameterChanges": [
        {"ParameterKey": "P", "OldValue": "1", "NewValue": "2"}], "Changes": [
        {"Action": "Modify", "LogicalResourceId": "Db", "ResourceType": "AWS::RDS::DBInstance", "Replacement": "True"},
        {"Action": "Remove", "LogicalResourceId": "Old", "ResourceType": "AWS::SNS::Topic", "Replacement": "-"}]}
    text = render_preview(data)
    assert "Modify  Db          AWS::RDS::DBInstance  True" in text
    assert "P          1          2" in text
    assert text.endswith("Attention: 1 removal(s), 1 (possible) replacement(s).")
    assert render_preview({**data, "Changes": [], "ParameterChanges": []}) == "Stack 's' (update): no changes."


def test_dot_references_cover_ref_getatt_and_sub():
    node = {"A": {"Ref": "X"}, "B": {"Fn::GetAtt": "Y.Arn"}, "C": {"Fn::Sub": ["${Z.Arn}/${W}", {"W": {"Ref": "V"}}]},
            "D": [{"Fn::Sub": "${AWS::Region}-${U}"}]}
    assert list(references(node)) == ["X", "Y", "Z", "W", "V", "AWS::Region", "U"]
