"""What the API process holds: engines per namespace, jobs, the key registry, metrics — built in lifespan.

With Redis and embedded storage, this process is the writer of its store: it runs the log
applier on a thread while `memrag worker` processes prepare documents. With Redis and a Qdrant
server, it is one of N readers: it follows the change feed, and `memrag worker --apply` writes.
"""

from __future__ import annotations

import hmac
import os
import socket
import threading
from dataclasses import dataclass, field

import redis

from memrag.api.prometheus import Metrics
from memrag.api.registry import RedisRegistry, Registry, SqliteRegistry
from memrag.ingest.applier import Applier
from memrag.ingest.follower import ChangeFollower
from memrag.ingest.jobs import JobQueue
from memrag.ingest.redis_queue import connect
from memrag.ingest.wiring import make_jobs, serving_writes_store, store_sync
from memrag.memory.settings import Settings
from memrag.memory.wiring import Engines


@dataclass
class Services:
    settings: Settings
    engines: Engines
    jobs: JobQueue
    registry: Registry
    metrics: Metrics
    redis_client: redis.Redis | None = None  # shared by the registry and the store-sync loop; closed last
    sync: Applier | ChangeFollower | None = None  # the loop keeping this process's engines current (Redis)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def is_admin(self, key: str) -> bool:
        admin = self.settings.admin_key
        return bool(admin) and hmac.compare_digest(key.encode(), admin.encode())  # type: ignore[union-attr]

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)
        self.jobs.close()
        self.engines.close()
        self.registry.close()
        if self.redis_client is not None:
            self.redis_client.close()


def build(settings: Settings, metrics: Metrics) -> Services:
    """Embedded storage: this process writes (applying the Redis log if there is one). A Qdrant
    server: this process only reads, following the change feed; `memrag worker --apply` writes."""
    writer = serving_writes_store(settings)
    engines = Engines(settings, writer=writer)
    jobs = make_jobs(settings, engines)
    if settings.redis_url:
        client = connect(settings.redis_url)
        services = Services(settings, engines, jobs, RedisRegistry(client), metrics, client)
        loop = store_sync(settings, client, engines, f"api-{socket.gethostname()}-{os.getpid()}", writer)
        services.sync = loop
        thread = threading.Thread(target=loop.run, args=(services.stop,), name="store-sync", daemon=True)
        thread.start()
        services.threads.append(thread)
        return services
    registry = SqliteRegistry(settings.data_dir / "registry.sqlite")
    return Services(settings, engines, jobs, registry, metrics)
