"""IAM-like policy documents the console gives execution roles."""

from __future__ import annotations

# "Create a new role with basic Lambda permissions": it may write its logs.
BASIC_EXECUTION_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "arn:aws:logs:*:*:*"},
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": ["arn:aws:logs:*:*:log-group:/aws/lambda/*:*"],
        },
    ],
}

__all__ = ["BASIC_EXECUTION_POLICY"]
