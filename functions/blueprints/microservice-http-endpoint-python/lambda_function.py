import base64
import json

print('Loading function')


def respond(status, body):
    return {
        'statusCode': status,
        'headers': {'Content-Type': 'application/json'},
        'body': json.dumps(body),
    }


def lambda_handler(event, context):
    '''Answers an API Gateway proxy request.

    GET returns the query string parameters; POST and PUT echo the JSON body.
    Any other method gets 405.
    '''
    method = event.get('httpMethod', 'GET')
    print(f"{method} {event.get('path')} from request {context.aws_request_id}")
    if method == 'GET':
        return respond(200, {'query': event.get('queryStringParameters') or {}})
    if method in ('POST', 'PUT'):
        raw = event.get('body') or '{}'
        if event.get('isBase64Encoded'):
            raw = base64.b64decode(raw).decode()
        try:
            return respond(200, {'received': json.loads(raw)})
        except ValueError:
            return respond(400, {'message': 'The body is not valid JSON'})
    return respond(405, {'message': f'Unsupported method "{method}"'})
