import os
import time

# Runs once per execution environment: this is the cold start's Init Duration.
STARTED = time.time()
invocations = 0
COUNTER_FILE = '/tmp/invocations.txt'


def lambda_handler(event, context):
    global invocations
    invocations += 1
    previous = int(open(COUNTER_FILE).read()) if os.path.exists(COUNTER_FILE) else 0
    with open(COUNTER_FILE, 'w') as f:
        f.write(str(previous + 1))
    result = {
        'coldStart': invocations == 1,
        'invocationsInThisEnvironment': invocations,
        'countInTmp': previous + 1,
        'environmentAgeSeconds': round(time.time() - STARTED, 1),
        'logStream': context.log_stream_name,
    }
    print(result)
    return result
