class OrderRejected(Exception):
    pass


def lambda_handler(event, context):
    print(f"Attempt for request {context.aws_request_id}")
    if event.get('fail', True):
        # An uncaught exception fails the invocation: Lambda returns
        # errorMessage, errorType and stackTrace, and retries async events.
        raise OrderRejected(f"Order {event.get('orderId', 'unknown')} was rejected")
    return {'status': 'accepted', 'orderId': event.get('orderId')}
