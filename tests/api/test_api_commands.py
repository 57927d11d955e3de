"""End-to-end: custom domains, export, list, API keys and delete against moto, checked with botocore calls."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import boto3
import pytest
import yaml

NAME = "fink-test-api"
DOMAIN = "api.fink-test.example.com"
RECORD = "hello.fink-test.example.com"


def _self_signed_cert(domain: str) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture
def certificate_arn(aws):
    cert, key = _self_signed_cert(DOMAIN)
    acm = boto3.client("acm", region_name="us-east-1")  # edge-optimized domains need their certificate there
    return acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]


@pytest.fixture
def zone_id(aws):
    zone = boto3.client("route53").create_hosted_zone(Name="fink-test.example.com", CallerReference="fink-test")
    return zone["HostedZone"]["Id"].split("/")[-1]


@pytest.fixture
def with_domain(api_project, edit_config, certificate_arn, zone_id):
    def configure(base_path: str = "") -> dict:
        return edit_config({"customDomain": {
            "basePath": base_path, "certificateName": "fink-test-cert", "certificateArn": certificate_arn,
            "domainName": DOMAIN, "hostedDomainZoneId": zone_id, "route53Record": RECORD}})
    return configure


def _record(zone_id):
    records = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return [r for r in records if r["Name"] == RECORD + "."]


def test_deploy_with_custom_domain_root_base_path(with_domain, api, apigw, apis_named, zone_id, certificate_arn):
    with_domain("")
    result = api("deploy")
    assert result.exit_code == 0, result.stderr
    [found] = apis_named(NAME)
    assert result.stdout.splitlines()[-1] == f"https://{DOMAIN}/"
    domain = apigw.get_domain_name(domainName=DOMAIN)
    assert domain["certificateArn"] == certificate_arn
    assert apigw.get_base_path_mappings(domainName=DOMAIN)["items"] == [
        {"basePath": "(none)", "restApiId": found["id"], "stage": "dev"}]
    [record] = _record(zone_id)
    assert record["Type"] == "A"
    assert record["AliasTarget"]["DNSName"].rstrip(".") == domain["distributionDomainName"]
    second = api("deploy")  # the empty base path is "(none)" to AWS: still recognised as already mapped
    assert second.exit_code == 0, second.stderr
    for word in ("custom domain", "Mapping", "Re-mapping", "Pointing DNS"):
        assert word not in second.stderr
    assert len(apigw.get_base_path_mappings(domainName=DOMAIN)["items"]) == 1


def test_custom_domain_is_idempotent(with_domain, api, apigw, zone_id):
    with_domain("hello")
    assert api("deploy").exit_code == 0
    second = api("deploy")
    assert second.exit_code == 0, second.stderr
    for word in ("Creating custom domain", "Mapping", "Pointing DNS"):
        assert word not in second.stderr
    assert [m["basePath"] for m in apigw.get_base_path_mappings(domainName=DOMAIN)["items"]] == ["hello"]
    assert len(_record(zone_id)) == 1
    assert second.stdout.splitlines()[-1] == f"https://{DOMAIN}/hello"


def test_custom_domain_create_command(with_domain, api, apigw, apis_named):
    with_domain("v1")
    result = api("custom-domain-create")
    assert result.exit_code == 3 and f"REST API '{NAME}' does not exist" in result.stderr
    assert api("deploy").exit_code == 0
    apigw.delete_base_path_mapping(domainName=DOMAIN, basePath="v1")
    result = api("custom-domain-create")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"https://{DOMAIN}/v1"
    assert apigw.get_base_path_mappings(domainName=DOMAIN)["items"][0]["restApiId"] == apis_named(NAME)[0]["id"]


def test_custom_domain_create_without_section(api_project, api):
    result = api("custom-domain-create")
    assert result.exit_code == 3 and "No customDomain section" in result.stderr


def test_export_writes_the_deployed_api(api_project, api):
    assert api("export").exit_code == 3  # nothing deployed yet
    assert api("deploy").exit_code == 0
    result = api("export")
    assert result.exit_code == 0, result.stderr
    path = Path("swagger_export.yaml").resolve()
    assert str(path) in result.stdout
    exported = yaml.safe_load(path.read_text())
    assert "/hello" in exported["paths"] and exported["info"]["title"] == NAME


def test_list_all_pages_and_json(aws, api, apigw):
    ids = {apigw.create_rest_api(name=f"api-{i:02d}", description=f"number {i}")["id"] for i in range(27)}
    result = api("list", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} == ids
    assert rows[0]["name"] == "api-00" and rows[0]["description"] == "number 0"
    table = api("list")
    assert table.stdout.splitlines()[0].split() == ["NAME", "ID", "DESCRIPTION", "CREATED"]
    assert len(table.stdout.splitlines()) == 2 + 27


def test_list_runs_without_env(aws, run_cli):
    result = run_cli("api", "list", env={"ENV": None})
    assert result.exit_code == 0 and "No REST APIs." in result.stderr


def test_apikey_create_list_delete(api_project, api, apigw, edit_config):
    created = api("apikey-create", "fink-test-key")
    assert created.exit_code == 0, created.stderr
    [key] = apigw.get_api_keys(includeValues=True)["items"]
    assert key["name"] == "fink-test-key" and key["enabled"] is True
    assert f"id:    {key['id']}" in created.stdout and f"value: {key['value']}" in created.stdout
    assert f'"apiKey": "{key["id"]}"' in created.stdout
    listed = json.loads(api("apikey-list", "--json").stdout)
    assert [(k["id"], k["name"], k["enabled"]) for k in listed] == [(key["id"], "fink-test-key", True)]
    table = api("apikey-list").stdout.splitlines()
    assert table[0].split() == ["NAME", "ID", "ENABLED", "DESCRIPTION", "CREATED"]
    assert table[2].split()[:3] == ["fink-test-key", key["id"], "True"]
    assert key["value"] not in "\n".join(table)  # values are shown only once, at creation
    edit_config({"api": {"apiKey": key["id"]}})
    deleted = api("apikey-delete")
    assert deleted.exit_code == 0, deleted.stderr
    assert apigw.get_api_keys()["items"] == []
    assert api("apikey-delete").exit_code == 0  # already gone: nothing to do


def test_apikey_delete_without_key_in_config(api_project, api):
    result = api("apikey-delete")
    assert result.exit_code == 3 and "No API key configured" in result.stderr


def test_delete(with_domain, api, apigw, apis_named):
    with_domain("")
    assert api("deploy").exit_code == 0
    assert api("delete").exit_code == 2  # -f is required
    result = api("delete", "-f")
    assert result.exit_code == 0, result.stderr
    assert apis_named(NAME) == []
    assert apigw.get_base_path_mappings(domainName=DOMAIN)["items"] == []
    again = api("delete", "-f")
    assert again.exit_code == 0 and "nothing to delete" in again.stderr
