"""gunicorn settings for pix_lti (``pix-lti serve`` or ``gunicorn -c config/gunicorn.conf.py pix_lti.wsgi:app``).

Workers are stateless: sessions, LTI state and jobs live in PostgreSQL/Redis, so any number of workers and hosts can serve.
"""

import multiprocessing
import os
from urllib.parse import urlsplit

_public = urlsplit(os.environ.get("PIX_LTI_PUBLIC_URL", "http://127.0.0.1:5000"))
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{_public.port or 5000}" if _public.hostname in ("127.0.0.1", "localhost") else "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "sync"
timeout = 30            # a request longer than this is a bug (imports and exports stream or run as jobs)
graceful_timeout = 30
keepalive = 5
max_requests = 2000     # recycle workers now and then (bounded memory growth)
max_requests_jitter = 1000  # wide: workers share the load evenly, so a narrow jitter recycles them all at once
# (measured: 4 workers restarting within 2 s stalled every request for ~5 s; benchmarks/load_answers.py)
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = False     # each worker builds its own engine/pool after fork


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """After the fork and the app's import: build this worker's content caches (engine catalog, current versions) so
    that a new or recycled worker (max_requests) does not serve its first students cold. Failures only log."""
    from pix_lti.content.warmup import warm_worker

    warm_worker(worker)
