"""Credentials out of text that leaves the process: log lines and start-up messages.

`redact` masks the password (and user) of URLs such as `redis://:secret@host:6379/0`, bearer
tokens and `api_key=…` style pairs; everything else is left as it is, so a log line still says
which host failed. `RedactCredentials` is a logging filter applying it to a record's message and
traceback; the loggers of the service loops and the API carry it.
"""

from __future__ import annotations

import logging
import re

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@'\"]*@")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_KEY_PAIR = re.compile(r"(?i)\b((?:api[_-]?key|password|passwd|secret|token)\s*[=:]\s*)['\"]?[^\s'\",;&]+['\"]?")
MASK = "***"


def redact(text: str) -> str:
    """`text` with URL credentials, bearer tokens and key=value secrets replaced by ***."""
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _BEARER.sub(lambda m: f"{m[1]}{MASK}", text)
    return _KEY_PAIR.sub(lambda m: f"{m[1]}{MASK}", text)


class RedactCredentials(logging.Filter):
    """Rewrites a record's message (and its formatted traceback) through `redact`; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def protect(logger: logging.Logger) -> logging.Logger:
    """The logger, with credentials redacted from what it records."""
    if not any(isinstance(f, RedactCredentials) for f in logger.filters):
        logger.addFilter(RedactCredentials())
    return logger
