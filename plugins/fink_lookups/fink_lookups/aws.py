"""The AWS seam of the lookups plugin: SSM parameters, ACM certificates, credstash secrets, stack outputs.

Methods are named by intent, paginate inside and turn AWS errors into fink errors. This is the only module of the
plugin that touches botocore or credstash (credstash is imported only when a secret is looked up). credstash gets
its DynamoDB table and KMS client from fink's AWSClient instead of building its own boto3 session, so its reads are
counted and retried by fink's policy (fink.retrying) on fink's clock, like every other call.
"""
from __future__ import annotations

from typing import Any

from fink.awsclient import AWSClient, aws_errors, error_code
from fink.errors import AWSError
from fink.servicediscovery import describe_stack

__all__ = ["LookupAWS", "SSM_BATCH", "CREDSTASH_TABLE"]

SSM_BATCH = 10  # GetParameters accepts at most 10 names per call
CREDSTASH_TABLE = "credential-store"


def _key_types(acm: Any) -> list[str]:
    """Every key type ACM knows (from botocore's model): without this filter ListCertificates returns only
    RSA_2048 certificates, and an imported EC or RSA_4096 certificate would never be found."""
    shape = acm.meta.service_model.operation_model("ListCertificates").input_shape
    return list(shape.members["Includes"].members["keyTypes"].member.enum)


class LookupAWS:
    def __init__(self, awsclient: AWSClient):
        self.awsclient = awsclient

    @property
    def default_region(self) -> str:
        return self.awsclient.region

    def stack_outputs(self, stack: str, region: str | None = None) -> dict[str, str] | None:
        """The stack's outputs, or ``None`` when the stack does not exist."""
        described = describe_stack(self.awsclient, stack, region)
        if described is None:
            return None
        return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    def parameters(self, names: list[str], region: str | None = None) -> dict[str, tuple[str, bool]]:
        """``{name: (value, is_secure)}`` for the names that exist; SecureStrings decrypted; ≤10 names per call."""
        ssm = self.awsclient.get_client("ssm", region)
        found: dict[str, tuple[str, bool]] = {}
        for start in range(0, len(names), SSM_BATCH):
            batch = names[start:start + SSM_BATCH]
            with aws_errors(f"Reading SSM parameters {', '.join(batch)}"):
                response = ssm.get_parameters(Names=batch, WithDecryption=True)
            for param in response.get("Parameters", []):
                found[param["Name"]] = (param["Value"], param.get("Type") == "SecureString")
        return found

    def certificates(self, region: str | None = None) -> list[dict[str, Any]]:
        """Details of every ISSUED certificate in ``region`` (all pages)."""
        acm = self.awsclient.get_client("acm", region)
        arns: list[str] = []
        with aws_errors("Listing ACM certificates"):
            pages = acm.get_paginator("list_certificates").paginate(
                CertificateStatuses=["ISSUED"], Includes={"keyTypes": _key_types(acm)})
            for page in pages:
                arns += [c["CertificateArn"] for c in page.get("CertificateSummaryList", [])]
            return [acm.describe_certificate(CertificateArn=arn)["Certificate"] for arn in arns]

    def secret(self, name: str, region: str | None = None) -> str | None:
        """The latest version of a credstash secret, or ``None`` when it (or the credstash table) does not exist."""
        import credstash
        from botocore.exceptions import BotoCoreError, ClientError
        region = region or self.default_region
        try:
            return credstash.getSecret(name, region=region, table=CREDSTASH_TABLE,
                                       dynamodb=self.awsclient.get_resource("dynamodb", region),
                                       kms=self.awsclient.get_client("kms", region))
        except credstash.ItemNotFound:
            return None
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None  # no credstash table in this account/region
            raise AWSError(f"Reading secret '{name}' from credstash failed: {exc}", code=error_code(exc)) from exc
        except BotoCoreError as exc:
            from fink.error_map import botocore_error
            raise botocore_error(exc, f"Reading secret '{name}' from credstash") from exc
        except (credstash.KmsError, credstash.IntegrityError) as exc:
            cause = exc.__context__  # credstash wraps KMS's ClientError in its KmsError
            code = error_code(cause) if isinstance(cause, ClientError) else ""
            detail = str(exc)
            if code and code != "InvalidCiphertextException":  # credstash's text repeats botocore's; say it once
                detail = f"KMS Decrypt: {cause.response['Error'].get('Message') or code} ({code})"
            raise AWSError(f"Reading secret '{name}' from credstash failed: {detail}", code=code) from exc
