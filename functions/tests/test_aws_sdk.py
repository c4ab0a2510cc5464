"""The AWS SDK inside the runtimes: boto3 in the Python runtimes, the AWS SDK
for JavaScript v3 in the Node.js ones, pinned as AWS ships them. Until
Labda's AWS API exists, a call fails at once with Labda's clear message, not
with a credentials error or a hang on the metadata endpoint."""

from __future__ import annotations

import pytest

from functions.models import Invocation
from functions.services import functions as function_services

from .helpers import invoke, response

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

MESSAGE = "Labda's AWS API is not available yet: this call to {service} ({method} {path}) from the function"

PYTHON = """
import boto3, botocore.exceptions

def call(fn):
    try:
        fn()
        return {'ok': True}
    except botocore.exceptions.ClientError as exc:
        return {'code': exc.response['Error']['Code'], 'message': exc.response['Error']['Message'],
                'status': exc.response['ResponseMetadata']['HTTPStatusCode']}

def lambda_handler(event, context):
    return {
        'boto3': boto3.__version__,
        'lambda': call(lambda: boto3.client('lambda').list_functions()),
        's3': call(lambda: boto3.client('s3').put_object(Bucket='photos', Key='a.txt', Body=b'x')),
        'dynamodb': call(lambda: boto3.client('dynamodb').list_tables()),
    }
"""

NODE = """
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const call = async (client, command) => {
  try {
    await client.send(command);
    return { ok: true };
  } catch (err) {
    return { code: err.name, message: err.message, status: err.$metadata && err.$metadata.httpStatusCode };
  }
};

export const handler = async () => ({
  lambda: await call(new LambdaClient({}), new ListFunctionsCommand({})),
  s3: await call(new S3Client({}), new PutObjectCommand({ Bucket: 'photos', Key: 'a.txt', Body: 'x' })),
  dynamodb: await call(new DynamoDBClient({}), new ListTablesCommand({})),
});
"""


@pytest.mark.parametrize("runtime", ["python3.11", "python3.13", "nodejs18.x", "nodejs20.x", "nodejs22.x"])
def test_an_aws_call_fails_at_once_with_labdas_message(owner, runtime):
    files = {"lambda_function.py": PYTHON} if runtime.startswith("python") else {"index.mjs": NODE}
    function = function_services.function_create(owner=owner, name="CallsAws", runtime=runtime, files=files)
    function.timeout = 20  # a hang (metadata endpoint, retries) would time out instead
    function.memory_size = 1024  # loading the SDK at 128 MB's share of a CPU is slow, as on Lambda
    function.save()
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.SUCCEEDED, invocation.response
    body = response(invocation)
    if runtime.startswith("python"):
        assert body.pop("boto3") == "1.44.8"
    expected = {
        "lambda": ("lambda", "GET", "/2015-03-31/functions"),
        "s3": ("s3", "PUT", "/photos/a.txt"),
        "dynamodb": ("dynamodb", "POST", "/"),
    }
    for name, (service, method, path) in expected.items():
        result = body[name]
        assert result["code"] == "LabdaApiNotAvailable", (name, result)
        assert result["status"] == 501
        assert result["message"].startswith(MESSAGE.format(service=service, method=method, path=path)), result
