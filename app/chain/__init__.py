"""The chained generation: spark -> prompts -> images -> assets, as one job.

    service.py    `ChainService`: entry points, the image gate, lifecycle
    planner.py    request -> a checked, typed `ChainPlan` (every 4xx before a job exists)
    runner.py     the job's work: prompts, inputs, provider calls (`ChainRunner`)
    store.py      one generated image -> a validated, converted, stored and measured asset
    reporter.py   job state and progress, usage, the response and the webhook (`Reporter`)
    results.py    the typed results the parts hand each other

Both `POST /v1/generate/image` and the OpenAI-compatible `POST /v1/images/generations`
(`app/openai_images.py`) run through here. Nothing in this package knows HTTP.
"""

from app.chain.planner import ChainPlan, Planner, check_image_fields, output_meta
from app.chain.reporter import JOB_TYPE, Reporter, summarize
from app.chain.results import Call, ChainOutcome, ChainRun, PromptSet, Stored
from app.chain.runner import ChainRunner, plan_calls
from app.chain.service import ChainService, create_chain_service

__all__ = [
    "JOB_TYPE",
    "Call",
    "ChainOutcome",
    "ChainPlan",
    "ChainRun",
    "ChainRunner",
    "ChainService",
    "Planner",
    "PromptSet",
    "Reporter",
    "Stored",
    "check_image_fields",
    "create_chain_service",
    "output_meta",
    "plan_calls",
    "summarize",
]
