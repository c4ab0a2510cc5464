import urllib.parse

print('Loading function')

ACTIONS = {'.jpg': 'make a thumbnail', '.png': 'make a thumbnail', '.csv': 'import the rows', '.json': 'index the document'}


def lambda_handler(event, context):
    results = []
    for record in event['Records']:
        bucket = record['s3']['bucket']['name']
        # Object keys arrive URL-encoded (a space is "+").
        key = urllib.parse.unquote_plus(record['s3']['object']['key'], encoding='utf-8')
        size = record['s3']['object'].get('size', 0)
        extension = key[key.rfind('.'):].lower() if '.' in key else ''
        action = ACTIONS.get(extension, 'keep it as it is')
        print(f"{record['eventName']}: s3://{bucket}/{key} ({size} bytes) -> {action}")
        results.append({'bucket': bucket, 'key': key, 'size': size, 'action': action})
    return {'processed': len(results), 'objects': results}
