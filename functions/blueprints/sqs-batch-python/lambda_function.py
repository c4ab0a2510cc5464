import json

print('Loading function')


def process(message):
    body = message['body']
    if body.strip().lower() == 'fail':
        raise ValueError('This message asks to fail')
    print(f"Processed message {message['messageId']}: {body}")


def lambda_handler(event, context):
    failures = []
    for message in event['Records']:
        try:
            process(message)
        except Exception as exc:
            print(f"Could not process {message['messageId']}: {exc}")
            failures.append({'itemIdentifier': message['messageId']})
    print(json.dumps({'received': len(event['Records']), 'failed': len(failures)}))
    # With ReportBatchItemFailures, only these messages are retried.
    return {'batchItemFailures': failures}
