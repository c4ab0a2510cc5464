import logging
import os
from datetime import datetime, timezone

logger = logging.getLogger()
logger.setLevel(os.environ.get('LOG_LEVEL', 'INFO'))


def lambda_handler(event, context):
    scheduled = event.get('time', datetime.now(timezone.utc).isoformat())
    rule = (event.get('resources') or ['(invoked by hand)'])[0]
    logger.info('Scheduled run for %s from %s', scheduled, rule)
    now = datetime.now(timezone.utc)
    # The job itself: here, a report of what day it is.
    summary = {'ranAt': now.isoformat(), 'scheduledFor': scheduled, 'weekday': now.strftime('%A')}
    logger.info('Job finished: %s', summary)
    return summary
