"""The replica scenarios of tests/test_replicas.py with the job queue on Postgres: SAQ's
Postgres queue in the service's own database (`PROMPTGEN_QUEUE_URL=database`), its leases and
cancel marks in `queue_marks`. The same Cluster and Replica helpers and the same scenario
bodies; only the ones the queue engine decides run again here (a job submitted on A read and
canceled through B; restarting B leaves A's queued and synchronous jobs alone, held by A's
leases in `queue_marks`; `kill -9` of the replica running a job, with retries and without; a
stopped replica handing its job back to the queue).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import test_replicas as scenarios
from tests.pg import new_database
from tests.test_replicas import Cluster, Replica, running_cluster


@pytest.fixture(scope="module")
def cluster(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("replicas-pg-queue")
    with running_cluster(new_database(postgres_server, "pgqueue_"), folder, queue_url="database") as one:
        yield one


@pytest.fixture(scope="module")
def pair(cluster: Cluster) -> tuple[Replica, Replica]:
    """Replicas a (a job whose worker dies runs once more) and b (it does not: queue_retries 0)."""
    return cluster.replica("a"), cluster.replica("b", queue_retries="0")


def test_a_job_submitted_on_a_is_read_and_canceled_through_b(
    cluster: Cluster, pair: tuple[Replica, Replica]
) -> None:
    scenarios.test_a_job_submitted_on_a_is_read_and_canceled_through_b(cluster, pair)
    # the queue is the database's; the job ended there too (aborted, or complete when the
    # replica canceling it was the one running it)
    (queued,) = cluster.sql("SELECT key, status FROM saq_jobs")
    (canceled,) = cluster.sql("SELECT job_id FROM jobs WHERE status = 'canceled'")
    assert queued["key"] == canceled["job_id"] and queued["status"] in ("aborted", "complete")


def test_restarting_b_does_not_disturb_a_running_job(cluster: Cluster, pair: tuple[Replica, Replica]) -> None:
    scenarios.test_restarting_b_does_not_disturb_a_running_job(cluster, pair)


@pytest.mark.parametrize(("accepted_by", "how"), [("a", "kill"), ("b", "kill"), ("b", "stop")])
def test_kill_9_of_the_replica_running_a_job(
    cluster: Cluster, pair: tuple[Replica, Replica], accepted_by: str, how: str
) -> None:
    scenarios.test_kill_9_of_the_replica_running_a_job(cluster, pair, accepted_by, how)
