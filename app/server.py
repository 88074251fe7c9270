"""The Litestar application factory. Resources are built in the lifespan and kept on
`app.state`; handlers stay thin and every error leaves as a problem detail."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from app import __version__
from app.admission import Gate
from app.auth import APIKeys, auth_middleware
from app.chain import create_chain_service
from app.db import check_writable, configured_url, open_database
from app.image_state import create_image_resources
from app.ip_guard import IPGuard
from app.jobs import JobStore
from app.limits import Limits, limits_middleware
from app.logs import RequestObserver, register_secrets
from app.media_types import media_type_middleware
from app.metrics import Metrics
from app.openapi import document_request_bodies
from app.problems import EXCEPTION_HANDLERS
from app.proxy import ForwardedHeaders, ProxyConfig, cors_config
from app.ratelimit import (
    auth_failure_middleware,
    create_auth_failure_limiter,
    create_rate_limiter,
    rate_limit_middleware,
)
from app.retention import Retention
from app.routes import (
    analyze,
    assets,
    caption,
    health,
    ip,
    options_handlers,
    playground,
    prompts,
    style_models,
)
from app.routes import images as image_routes
from app.routes import jobs as job_routes
from app.service import PromptService
from app.settings import SECRET_FIELDS, Settings, load_settings
from app.shared_cache import create_shared_store
from models.describers import ImageDescriber
from models.lm import LanguageModel, create_language_model
from modes.ip import IPFilter
from modes.targets import clip

log = logging.getLogger("app.server")


def create_app(
    settings: Settings | None = None, lm: LanguageModel | None = None, describer: ImageDescriber | None = None
) -> Litestar:
    """Build the service. `lm` and `describer` override the configured backends (tests pass fakes)."""
    settings = settings or load_settings()
    metrics = Metrics()
    register_secrets(str(getattr(settings, name)) for name in SECRET_FIELDS if getattr(settings, name, ""))
    keys = APIKeys.parse(settings.api_keys)
    limiter = create_rate_limiter(settings, settings.data_path)
    auth_failures = create_auth_failure_limiter(settings, settings.data_path)
    proxy = ProxyConfig.from_settings(settings)  # a bad public URL, proxy or origin stops the start
    shared_cache = create_shared_store(settings.cache_url, settings.cache_ttl_s, settings.cache_timeout_ms)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        data = settings.data_path
        check_writable(data)  # a read-only data directory stops the start (`python -m app serve`: one line)
        # the embedded SQLite file (or PROMPTGEN_DATABASE_URL), migrated to the newest schema
        db = await open_database(configured_url(settings.database_url, data))
        model = lm or create_language_model(settings)
        jobs = JobStore(db)
        images = create_image_resources(settings, db, jobs, describer, metrics)
        app.state.images = images
        app.state.settings = settings
        app.state.db = db
        app.state.lm = model
        app.state.jobs = jobs
        app.state.metrics = metrics
        ip_guard = IPGuard(
            IPFilter.default(settings.ip_custom_lexicon or None),
            model,
            settings.ip_rewrite,
            settings.ip_rewrite_timeout_s,
        )
        app.state.ip_guard = ip_guard
        app.state.service = PromptService(
            settings,
            model,
            jobs,
            conditioning=images.conditioning,
            ip_guard=ip_guard,
            metrics=metrics,
            shared_cache=shared_cache,
        )
        app.state.describer_gate = Gate("describer", settings.describer_queue, 0)
        chain = create_chain_service(
            settings, db, app.state.service, images.reader, images.assets, images.limits, jobs
        )
        app.state.chain = chain
        await chain.start()  # resumes webhook deliveries; embedded: fails jobs a stopped process left running
        # Old jobs, generated images and webhook rows go at start and every retention interval.
        app.state.retention = Retention(settings, jobs, images.assets, images.style_models, chain.webhooks)
        sweeper = asyncio.create_task(app.state.retention.run(), name="retention")
        # Load (and warm) the model in the background: /healthz answers at once, /readyz turns
        # true when done, and a request that arrives meanwhile waits for the load instead of failing
        # (`PromptService.until_ready`: within its deadline; past it a 503 with Retry-After).
        loader = asyncio.create_task(_load(model, app.state.service if settings.lm_warmup else None))
        loader.add_done_callback(_log_load_failure)
        loader.add_done_callback(_freeze_heap)
        app.state.loader = loader
        app.state.service.track_load(loader)  # a request arriving meanwhile waits for it
        try:
            yield
        finally:
            # A graceful stop: the server has finished its in-flight requests; running jobs get
            # the grace period to finish, and those still running then are recorded as interrupted.
            sweeper.cancel()  # first: a sweep in progress ends before any store it reads closes
            with contextlib.suppress(BaseException):
                await sweeper
            left = await chain.queue.drain(settings.shutdown_grace_s)
            if left:
                log.warning(
                    "stopping with %d job(s) still running: recorded as interrupted (queued ones go back to "
                    "a shared queue)",
                    left,
                )
            await chain.aclose()
            loader.cancel()
            with contextlib.suppress(BaseException):
                await loader
            await model.aclose()
            if shared_cache is not None:
                await shared_cache.aclose()
            await images.aclose()
            await jobs.close()
            await db.close()

    handlers = [
        *prompts.ROUTES,
        *analyze.ROUTES,
        *health.ROUTES,
        *assets.ROUTES,
        *style_models.ROUTES,
        *caption.ROUTES,
        *ip.ROUTES,
        *image_routes.ROUTES,
        *job_routes.ROUTES,
        *playground.ROUTES,
    ]
    app = Litestar(
        route_handlers=[*options_handlers(handlers), *handlers],  # OPTIONS first: see options_handlers
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        # Route middleware, outermost first: who is calling (and how often it failed to say),
        # how often, what it sends, how much and how long.
        middleware=[
            auth_failure_middleware(auth_failures, metrics),
            auth_middleware(keys, metrics),
            rate_limit_middleware(limiter, metrics),
            media_type_middleware(proxy),
            limits_middleware(Limits(settings)),
        ],
        cors_config=cors_config(proxy),  # None unless PROMPTGEN_CORS_ORIGINS lists origins
        openapi_config=OpenAPIConfig(title="promptgen", version=__version__, path="/schema"),
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,  # logging is the process's (app.logs.configure_logging), not the app's
        debug=False,
    )
    app.state.auth_required = keys.enabled  # read by the OpenAPI document (security requirements)
    app.state.proxy = proxy  # the public base URL of links handed out (app/proxy.py)
    document_request_bodies(app)
    # Around everything (unmatched routes too): request ids, the access log, request metrics.
    app.asgi_handler = RequestObserver(app.asgi_handler, metrics)
    # Outside that: X-Forwarded-* from PROMPTGEN_TRUSTED_PROXIES only (the peer's own address otherwise).
    app.asgi_handler = ForwardedHeaders(app.asgi_handler, proxy)
    return app


async def _load(model: LanguageModel, warm_for: PromptService | None) -> None:
    """Load the model, then (with `warm_for`) let it get ready for that service's modes. A
    failed warm-up leaves the first requests slower, not broken: it is logged, not raised.
    CLIP's vocabulary (`targetModel`, `/v1/prompts/analyze`) is read meanwhile, off the loop."""
    vocabulary = asyncio.create_task(asyncio.to_thread(clip.warm))
    await model.load()
    await vocabulary
    if warm_for is not None:
        started = time.perf_counter()
        try:
            await warm_for.warm_up()
        except Exception as exc:  # any failure here only costs speed
            log.warning("warming the %s language model failed: %s", model.backend, exc)
        else:
            log.info("language model warmed for the modes in %.2fs", time.perf_counter() - started)


_heap_frozen = False


def _freeze_heap(*_: object) -> None:
    """Once the model has loaded, move everything allocated so far (modules, lexicons, the
    model) out of the garbage collector's reach: requests allocate many short-lived objects,
    and each collection would otherwise walk this long-lived heap again. Once per process (a
    test process builds many apps; freezing each would keep the earlier ones alive)."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()


def _log_load_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("language model failed to load: %s", task.exception())
