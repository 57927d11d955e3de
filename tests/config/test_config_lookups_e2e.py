"""End-to-end: `fink config` resolves stack, SSM, credstash and ACM lookups against moto, once per thing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3

from fink.awsclient import AWSClient
from fink.clock import FakeClock

REGION = "eu-west-1"
SECRET = "sup3r-s3cret-from-credstash"
SECURE = 'secure "string" välue\\42'  # JSON escapes quotes, backslashes and non-ASCII


def _stack(name: str, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(StackName=name,
                                                                    TemplateBody=json.dumps(template))


def _credstash_secret(name: str, value: str) -> None:
    import credstash
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/credstash", TargetKeyId=key_id)
    credstash.createDdbTable(region=REGION)
    credstash.putSecret(name, value, region=REGION)


def _write_config(folder, config: dict) -> None:
    """Tool sections get validation switched off: these tests are about lookups, not the tools' schemas."""
    loose = {k: ({**v, "defaults": {"validate": False}} if k in ("cloud", "code", "lambda", "api") else v)
             for k, v in config.items()}
    (folder / "fink_dev.json").write_text(json.dumps(loose), encoding="utf-8")


def _config(run_cli, *args, awsclient=None, clock=None):
    result = run_cli("fink", "config", *args, env={"ENV": "dev"}, awsclient=awsclient,
                     clock=clock or FakeClock(datetime.now(timezone.utc)))
    assert "Traceback" not in result.output
    return result


def test_stack_and_parameter_lookups_resolve_with_one_call_per_stack(aws, temp_folder, run_cli):
    _stack("infra", {"RoleArn": "arn:aws:iam::123456789012:role/x", "Bucket": "my-bucket"})
    _stack("vpc", {"VpcId": "vpc-123"})
    ssm = boto3.client("ssm", region_name=REGION)
    names = [f"/app/p{i:02d}" for i in range(12)]
    for i, name in enumerate(names):
        ssm.put_parameter(Name=name, Value=f"value-{i}", Type="String")
    _write_config(temp_folder, {
        "cloud": {"parameters": {
            "Role": "lookup:stack:infra:RoleArn", "Bucket": "lookup:stack:infra:Bucket",
            "Vpc": "lookup:stack:vpc:VpcId", "Missing": "lookup:stack:infra:Nope:optional",
            "Params": [f"lookup:parameter:{n}" for n in names] + ["lookup:parameter:/nope:CONTINUE_IF_NOT_FOUND"],
        }},
        "code": {"stack_output": "lookup:stack:infra", "nested": [{"deep": ["lookup:stack:vpc:VpcId"]}]},
    })
    client = AWSClient()
    result = _config(run_cli, awsclient=client)
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    params = printed["cloud"]["parameters"]
    assert params["Role"] == "arn:aws:iam::123456789012:role/x"
    assert params["Vpc"] == "vpc-123"
    assert "Missing" not in params  # optional miss: unset, never the literal
    assert params["Params"] == [f"value-{i}" for i in range(12)]
    assert printed["code"]["stack_output"] == {"RoleArn": "arn:aws:iam::123456789012:role/x", "Bucket": "my-bucket"}
    assert printed["code"]["nested"] == [{"deep": ["vpc-123"]}]
    assert "lookup:" not in result.stdout
    assert client.call_counts["cloudformation.DescribeStacks"] == 2
    assert client.call_counts["ssm.GetParameters"] == 2  # 13 names, at most 10 per call


def test_failing_lookup_in_running_tool_stops_other_sections_tolerated(aws, temp_folder, run_cli):
    _write_config(temp_folder, {
        "cloud": {"parameters": {"Role": "lookup:stack:absent:RoleArn"}},
        "lambda": {"lambda": {"role": "lookup:stack:absent:RoleArn"}},
    })
    tolerant = _config(run_cli, "cloud")
    assert tolerant.exit_code == 3
    assert "cloud.parameters.Role: lookup:stack:absent:RoleArn: stack 'absent' does not exist" in tolerant.stderr
    assert "lambda.lambda.role" not in tolerant.stderr  # another tool's section: tolerated


def test_failing_top_level_lookup_stops_the_run(aws, temp_folder, run_cli):
    _write_config(temp_folder, {"cloud": {}, "team": "lookup:parameter:/does/not/exist"})
    result = _config(run_cli, "cloud")
    assert result.exit_code == 3
    assert "team: lookup:parameter:/does/not/exist: SSM parameter '/does/not/exist' not found" in result.stderr


def test_disabled_lookup_type_is_not_run(aws, temp_folder, run_cli):
    _stack("infra", {"Bucket": "b"})
    _write_config(temp_folder, {"cloud": {"x": "lookup:stack:infra:Bucket"},
                                "plugins": {"fink_lookups": {"defaults": {"lookups": ["parameter"]}}}})
    client = AWSClient()
    result = _config(run_cli, "cloud", awsclient=client)
    assert result.exit_code == 3
    assert "lookup type 'stack' is not enabled" in result.stderr
    assert client.call_counts["cloudformation.DescribeStacks"] == 0


def test_secrets_from_credstash_and_securestring_are_masked_everywhere(aws, temp_folder, run_cli, logcapture, capsys):
    _credstash_secret("db.password", SECRET)
    boto3.client("ssm", region_name=REGION).put_parameter(Name="/app/token", Value=SECURE, Type="SecureString")
    # a hook prints, logs and finally fails with the secret values in its message
    (temp_folder / "hooks.py").write_text(
        "import logging\nfrom fink import fink_signals\n"
        "def shout(params):\n"
        "    context, config = params\n"
        "    secret, token = config['cloud']['password'], config['cloud']['token']\n"
        "    print('print:', secret, token)\n"
        "    logging.getLogger('myhook').warning('log: %s %s', secret, token)\n"
        "    raise RuntimeError(f'boom {secret} {token}')\n"
        "def register():\n    fink_signals.config_validation_finalized.connect(shout)\n"
        "def deregister():\n    fink_signals.config_validation_finalized.disconnect(shout)\n", encoding="utf-8")
    config = {"cloud": {"password": "lookup:secret:db.password", "token": "lookup:parameter:/app/token",
                        "gone": "lookup:secret:not.there:CONTINUE_IF_NOT_FOUND"}}
    _write_config(temp_folder, config)
    logcapture.clear()  # the setup above logged the values itself
    shown = _config(run_cli, "cloud")
    assert shown.exit_code == 0, shown.stderr
    printed = json.loads(shown.stdout)
    assert (printed["password"], printed["token"]) == ("****", "****")
    assert "gone" not in printed
    _write_config(temp_folder, config | {"hookfile": "hooks.py"})
    failed = run_cli("fink", "config", "cloud", "-v", env={"ENV": "dev"}, clock=FakeClock())
    assert failed.exit_code != 0
    assert "Hook hooks.py:shout failed on signal 'config_validation_finalized'" in failed.stderr
    assert "boom **** ****" in failed.stderr
    printed_by_hook = capsys.readouterr()  # print() of hooks and plugins goes to stderr
    assert "print: **** ****" in printed_by_hook.err
    channels = [shown.stdout, shown.stderr, failed.stdout, failed.stderr, printed_by_hook.out, printed_by_hook.err]
    channels += [r.getMessage() for r in logcapture.records]
    assert any("log: **** ****" in c for c in channels)
    leaks = {SECRET, SECURE, json.dumps(SECURE)[1:-1], json.dumps(SECURE, ensure_ascii=False)[1:-1]}
    for channel in channels:
        assert not [leak for leak in leaks if leak in channel]


# ---- ACM --------------------------------------------------------------------------------------------------------
def _pem_pair(common_name: str, sans: list[str], days: int) -> tuple[bytes, bytes]:
    """A self-signed certificate valid for ``days`` from now, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _import_cert(common_name: str, sans: list[str], days: int, region: str = REGION) -> str:
    cert, key = _pem_pair(common_name, sans, days)
    return boto3.client("acm", region_name=region).import_certificate(Certificate=cert, PrivateKey=key)[
        "CertificateArn"]


def _revoke(arn: str, region: str = REGION) -> None:
    """moto cannot revoke imported certificates; its in-process backend object is changed instead."""
    from moto.acm.models import acm_backends
    acm_backends["123456789012"][region].get_certificate(arn).status = "REVOKED"


def test_acm_lookups_pick_issued_covering_certificate_with_latest_expiry(aws, temp_folder, run_cli):
    exact = _import_cert("api.example.com", ["api.example.com"], days=30)
    _import_cert("www.example.com", ["*.example.com"], days=40)  # expires before `longer` below
    longer = _import_cert("example.com", ["example.com", "*.example.com", "shop.example.org"], days=90)
    revoked = _import_cert("only.example.net", ["only.example.net"], days=300)
    _revoke(revoked)
    soon = _import_cert("soon.example.net", ["soon.example.net"], days=3)  # expired at the run's (fake) time
    edge = _import_cert("api.example.com", ["api.example.com"], days=20, region="us-east-1")
    _write_config(temp_folder, {
        "cloud": {"exact": "lookup:acm:api.example.com", "wild": "lookup:acm:foo.example.com",
                  "several": "lookup:acm:foo.example.com:shop.example.org:example.com:"},
        "api": {"cert": "lookup:acm:api.example.com"},
    })
    clock = FakeClock(datetime.now(timezone.utc) + timedelta(days=10))
    result = _config(run_cli, clock=clock)
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    # api.example.com: covered exactly (30 days) and by the *.example.com wildcards; the latest expiry wins
    assert printed["cloud"] == {"exact": longer, "wild": longer, "several": longer,
                                "defaults": printed["cloud"]["defaults"]}
    assert exact != longer
    assert printed["api"]["cert"] == edge  # api lookups look in us-east-1
    for host, arn in (("only.example.net", revoked), ("soon.example.net", soon), ("a.b.example.com", None)):
        _write_config(temp_folder, {"cloud": {"cert": f"lookup:acm:{host}"}})
        failed = _config(run_cli, "cloud", clock=clock)
        assert failed.exit_code == 3
        assert f"cloud.cert: lookup:acm:{host}: no ISSUED, unexpired ACM certificate in eu-west-1 covers {host}" \
            in failed.stderr


def test_acm_lookup_asks_for_every_key_type(aws):
    """AWS lists only RSA_2048 certificates unless asked for other key types; moto lists all of them anyway, so a
    Stubber checks the request fink sends."""
    from botocore.stub import Stubber
    from fink_lookups.aws import LookupAWS
    client = AWSClient()
    acm = client.get_client("acm")
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/ec"
    known = acm.meta.service_model.shape_for("KeyAlgorithm").enum  # what this botocore knows
    assert {"RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp384r1"} <= set(known)
    with Stubber(acm) as stub:
        stub.add_response("list_certificates", {"CertificateSummaryList": [{"CertificateArn": arn}]},
                          {"CertificateStatuses": ["ISSUED"], "Includes": {"keyTypes": list(known)}})
        stub.add_response("describe_certificate", {"Certificate": {"CertificateArn": arn,
                                                                   "KeyAlgorithm": "EC_prime256v1"}},
                          {"CertificateArn": arn})
        assert [c["CertificateArn"] for c in LookupAWS(client).certificates()] == [arn]


def test_tolerant_plugin_default_never_fails_whatever_lookup_types_are_enabled(aws, temp_folder, run_cli):
    """The slack plugin's default webhook is a tolerant parameter lookup: with only 'stack' lookups enabled it is
    left unset instead of failing the run (issue 12). `cloud delete` is announced, so the default is looked up."""
    for enabled in (["stack"], [], ["acm"]):
        _write_config(temp_folder, {"cloud": {"stack": {"StackName": "absent"}},
                                    "plugins": {"fink_lookups": {"defaults": {"lookups": enabled}}}})
        result = run_cli("cloud", "delete", "-f", env={"ENV": "dev"})
        assert result.exit_code == 0, (enabled, result.stderr)
        assert "not enabled" not in result.stderr


def test_api_acm_lookup_searches_the_region_the_custom_domain_needs(aws, temp_folder, run_cli):
    """EDGE custom domains need a us-east-1 certificate, REGIONAL ones one in the session's region (issue 15)."""
    regional = _import_cert("api.example.com", ["api.example.com"], days=30)
    edge = _import_cert("api.example.com", ["api.example.com"], days=30, region="us-east-1")
    assert regional.split(":")[3] == REGION and edge.split(":")[3] == "us-east-1"
    for endpoint, expected in (("REGIONAL", regional), ("EDGE", edge), (None, edge)):
        domain = {"domainName": "api.example.com", "certificateArn": "lookup:acm:api.example.com"}
        if endpoint:
            domain["endpointType"] = endpoint
        _write_config(temp_folder, {"api": {"customDomain": domain}})
        result = _config(run_cli, "api")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["customDomain"]["certificateArn"] == expected, endpoint
    # a REGIONAL domain without a certificate in the session's region fails there, naming the region searched
    boto3.client("acm", region_name=REGION).delete_certificate(CertificateArn=regional)
    _write_config(temp_folder, {"api": {"customDomain": {"domainName": "api.example.com", "endpointType": "REGIONAL",
                                                         "certificateArn": "lookup:acm:api.example.com"}}})
    failed = _config(run_cli, "api")
    assert failed.exit_code == 3
    assert f"no ISSUED, unexpired ACM certificate in {REGION} covers api.example.com" in failed.stderr
