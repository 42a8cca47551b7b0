"""Credentials never reach a log line: URLs, bearer tokens and key=value secrets are masked."""

import logging

from memrag.memory.redact import protect, redact


def test_url_credentials_tokens_and_key_pairs_are_masked_and_the_rest_kept():
    assert redact("cannot reach redis://:s3cret@10.0.0.5:6379/0") == "cannot reach redis://***@10.0.0.5:6379/0"
    assert redact("rediss://user:pw@h/1 and http://h/x") == "rediss://***@h/1 and http://h/x"
    assert redact("Authorization: Bearer sk-abc.DEF_123") == "Authorization: Bearer ***"
    assert redact("api_key=abc123&x=1, password: 'hunter2'") == "api_key=***&x=1, password: ***"
    assert redact("Error 111 connecting to 127.0.0.1:6379.") == "Error 111 connecting to 127.0.0.1:6379."


def test_a_protected_logger_masks_the_message_and_the_traceback(caplog):
    log = protect(logging.getLogger("memrag.test-redact"))
    try:
        raise ConnectionError("lost redis://:s3cret@db:6379/0")
    except ConnectionError:
        log.exception("writer failed at %s", "redis://admin:s3cret@db:6379/0")
    assert "s3cret" not in caplog.text
    assert "writer failed at redis://***@db:6379/0" in caplog.text
    assert "lost redis://***@db:6379/0" in caplog.text  # the traceback's last line, masked
