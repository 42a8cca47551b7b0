"""The Redis steps of a job that must happen whole: Lua scripts, each run atomically by Redis.

Keys (prefix `memrag:`): `seq:{ns}` the namespace's write counter; `pending:{ns}` (sorted set)
the jobs that may still append to the namespace log, scored by their number — a job leaves it
when its last slice is logged or it is parked. `waiting` and `waiting:{ns}` count the documents of
add jobs accepted and not ended (`bounds.py`): a job reserves its count before it is written
(`reserve`, refused past the limits) and gives it back when it ends, done or failed, in the script
that counts the job as finished (`job_stats.py`, with `RELEASE_WAITING`), once whoever ends it.
Every step a worker takes on a job it holds is fenced: it happens only while the worker still
holds the job's entry in the consumer group, so a worker whose job was taken over (it hung past
the visibility timeout) can no longer log, acknowledge, retry or requeue it. A job with slices left
gives its turn after each logged slice while other jobs wait (`_TURN`): jobs take turns a slice at a
time, so a one-document job never waits behind a whole big job.
"""

from __future__ import annotations

from typing import Any

import redis

from memrag.ingest.redis_board import PREFIX


def seq_key(namespace: str) -> str:
    return f"{PREFIX}seq:{namespace}"


def pending_key(namespace: str) -> str:
    return f"{PREFIX}pending:{namespace}"


WAITING = f"{PREFIX}waiting"


def waiting_key(namespace: str) -> str:
    return f"{PREFIX}waiting:{namespace}"


# KEYS: all documents waiting, the namespace's, the job hash. ARGV: documents asked, the namespace's
# limit, the limit in all, the job record's time-to-live. Returns {1} when the documents were counted
# (and noted on the job, which gives them back when it ends), else {0, namespace's count, count in all}.
_RESERVE = """
local asked = tonumber(ARGV[1])
local all = tonumber(redis.call('GET', KEYS[1]) or '0')
local mine = tonumber(redis.call('GET', KEYS[2]) or '0')
if mine + asked > tonumber(ARGV[2]) or all + asked > tonumber(ARGV[3]) then return {0, mine, all} end
redis.call('INCRBY', KEYS[1], asked)
redis.call('INCRBY', KEYS[2], asked)
redis.call('HSET', KEYS[3], 'waiting', asked, 'waiting_in', KEYS[2])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {1}
"""

# A step of a script whose KEYS[1] is a job hash: the documents the job counts as waiting are given
# back, once (the job forgets them). The namespace's counter is named on the job: the scripts that
# end a job do not know its namespace (the counters are the only keys not passed in KEYS; memrag
# runs on one Redis, not a cluster).
RELEASE_WAITING = f"""
local waiting = tonumber(redis.call('HGET', KEYS[1], 'waiting') or '0')
if waiting > 0 then
  redis.call('DECRBY', '{WAITING}', waiting)
  redis.call('DECRBY', redis.call('HGET', KEYS[1], 'waiting_in'), waiting)
  redis.call('HDEL', KEYS[1], 'waiting', 'waiting_in')
end
"""


# KEYS: seq counter, pending set, job hash, namespaces set, jobs stream. ARGV: job id, namespace.
# Numbering and queueing in one step: no job is ever numbered but missing from `pending`.
_SUBMIT = """
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('HSET', KEYS[3], 'seq', seq)
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('XADD', KEYS[5], '*', 'job', ARGV[1])
return seq
"""

_HELD = """
local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #held == 0 then return 0 end
"""

# KEYS: jobs stream, namespace log, job hash, pending set. ARGV: group, consumer, job entry id,
# slice number, then the log entry's field/value pairs. The entry carries the job's number (`seq`)
# and the namespace's low-water mark (`low`): every entry logged after it is numbered at least `low`.
_APPEND = (
    _HELD
    + """
local entry = {}
for i = 5, #ARGV do entry[#entry + 1] = ARGV[i] end
local seq = redis.call('HGET', KEYS[3], 'seq')
if seq then entry[#entry + 1] = 'seq'; entry[#entry + 1] = seq end
local low = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
if #low == 2 then entry[#entry + 1] = 'low'; entry[#entry + 1] = low[2] end
redis.call('XADD', KEYS[2], '*', unpack(entry))
redis.call('HSET', KEYS[3], 'logged:' .. ARGV[4], '1')
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
"""
)

# KEYS: jobs stream. ARGV: group, consumer, job entry id. Resets the entry's idle time.
_RENEW = _HELD + "redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')\nreturn 1\n"

# KEYS: jobs stream, pending set, job hash, job input. ARGV: group, consumer, job entry id, job id, then
# field/value pairs to set on the job (a parked job's status and error; its input goes). The job will
# log no more.
_RELEASE = (
    _HELD
    + """
if #ARGV > 4 then
  redis.call('HSET', KEYS[3], unpack(ARGV, 5))
  redis.call('DEL', KEYS[4])
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
return 1
"""
)

# KEYS: jobs stream. ARGV: group, consumer, job entry id, job id. A held job with slices left gives its
# turn when other jobs wait in the stream (entries after the group's last delivered one): its entry is
# acknowledged, deleted, and appended again at the back marked `turn` (its next delivery resumes it from
# its first unlogged slice; a turn is not an attempt). It stays in `pending:{ns}`, so the writes logged
# meanwhile keep the low-water mark at or below its number. Returns 1: turn given; 2: no job waits (it
# keeps its hold); 0: not held.
_TURN = (
    _HELD
    + """
local last = nil
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local fields = {}
  for i = 1, #group, 2 do fields[group[i]] = group[i + 1] end
  if fields['name'] == ARGV[1] then last = fields['last-delivered-id'] end
end
if not last or #redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1) == 0 then return 2 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
redis.call('XADD', KEYS[1], '*', 'job', ARGV[4], 'turn', '1')
return 1
"""
)

# KEYS: jobs stream, delayed set, job hash. ARGV: group, consumer, job entry id, job id, due time, error.
_RETRY = (
    _HELD
    + """
redis.call('HSET', KEYS[3], 'error', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
return 1
"""
)


# KEYS: namespace log, its trimmed marker. ARGV: the lowest entry id to keep. Trims below it and
# records the newest entry id ever trimmed (XTRIM does not update the stream's max-deleted-entry-id;
# trims only move forward: below an earlier trim nothing is left to find).
_TRIM = """
local below = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[1], '-', 'COUNT', 1)
if #below == 0 then return 0 end
local removed = redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
redis.call('SET', KEYS[2], below[1][1])
return removed
"""


def trimmed_key(namespace: str) -> str:
    return f"{PREFIX}trimmed:{namespace}"


class Scripts:
    """The scripts, registered once per client (EVALSHA, loaded again by redis-py if Redis restarted)."""

    def __init__(self, client: redis.Redis) -> None:
        self.submit: Any = client.register_script(_SUBMIT)
        self.append: Any = client.register_script(_APPEND)
        self.renew: Any = client.register_script(_RENEW)
        self.release: Any = client.register_script(_RELEASE)
        self.retry: Any = client.register_script(_RETRY)
        self.turn: Any = client.register_script(_TURN)
        self.trim: Any = client.register_script(_TRIM)
        self.reserve: Any = client.register_script(_RESERVE)
        self.release_waiting: Any = client.register_script(RELEASE_WAITING + "return 1\n")
