"""`sessionscope worker`: run one worker (agents, timers, /metrics)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from prometheus_client import REGISTRY, disable_created_metrics, start_http_server

from streams import local_state, metrics
from streams.app import create_app
from streams.gc_tuning import tune_gc
from streams.settings import get_settings
from streams.topics import create_topics
from streams.window_collector import WindowCollector
from streams.worker import Worker


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run a stream-processing worker")
    p.add_argument("--no-create-topics", action="store_true", help="expect the topics to exist already")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.declare_topics and not args.no_create_topics:
        asyncio.run(create_topics(settings))
    pipeline = create_app(settings)
    local_state.guard(pipeline.app, settings.store, settings.data_dir, settings.app_id)
    worker = Worker(pipeline)
    disable_created_metrics()
    metrics.init_series(claude=settings.classifier == "claude",
                        input_topics=(settings.topic_events, settings.topic_closed, settings.topic_classified,
                                      settings.topic_otel))
    REGISTRY.register(WindowCollector(lambda: worker.aggregator.exported))
    start_http_server(settings.metrics_port, addr=settings.metrics_host)
    logging.getLogger(__name__).info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    level = {"warning": "warn", "critical": "crit"}.get(settings.log_level.lower(), settings.log_level.lower())
    sys.argv = ["sessionscope", "worker", "--loglevel", level, "--without-web"]
    tune_gc(settings.gc_thresholds)
    pipeline.app.main()
    return 0
