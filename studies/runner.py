"""Where a study's independent solves run: here, one after the other, or on a Dask cluster.

`make_runner(jobs, scheduler)` gives a runner whose `map(function, items)` returns one `Outcome`
per item, in the items' order, whatever order they finish in:

- no `jobs` and no `scheduler`: serially in this process;
- `jobs=N`: a Dask `LocalCluster` of N single-threaded worker processes on this machine;
- `scheduler=ADDRESS`: an existing Dask cluster (`tcp://host:8786`); its workers need xborder
  installed.

A run that raises, or whose worker dies, is submitted once more; if it fails again its outcome
carries the error, and the study reports it in its own row (never drops it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Outcome:
    item: object
    value: object = None
    error: str | None = None
    retried: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class SerialRunner:
    name = "serial"

    def map(self, function, items, on_done=None) -> list[Outcome]:
        outcomes = []
        for item in items:
            outcome = _attempt(function, item)
            if not outcome.ok:
                retry = _attempt(function, item)
                retry.retried = True
                outcome = retry
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
        return outcomes

    def close(self):
        pass


def _attempt(function, item) -> Outcome:
    try:
        return Outcome(item, function(item))
    except Exception as err:  # a failed run is reported in its own row, with its error
        return Outcome(item, error=f"{type(err).__name__}: {err}")


class DaskRunner:
    """Runs on a Dask distributed cluster (a LocalCluster when no address is given)."""

    def __init__(self, jobs: int | None = None, scheduler: str | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ValueError("--jobs and --scheduler need Dask: pip install 'dask[distributed]' (or 'xborder[cluster]')") from None
        if scheduler:
            self.cluster = None
            self.client = Client(scheduler)
            self.name = f"dask cluster {scheduler}"
        else:
            self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=":0",
                                        silence_logs=50)
            self.client = Client(self.cluster)
            self.name = f"local dask cluster of {jobs} workers"

    def map(self, function, items, on_done=None) -> list[Outcome]:
        from distributed import as_completed

        items = list(items)
        futures = {self.client.submit(function, item, pure=False): i for i, item in enumerate(items)}
        outcomes: list[Outcome | None] = [None] * len(items)
        retried: set[int] = set()
        pending = as_completed(list(futures))
        for future in pending:
            i = futures[future]
            try:
                outcomes[i] = Outcome(items[i], future.result(), retried=i in retried)
            except Exception as err:
                if i not in retried:
                    retried.add(i)
                    again = self.client.submit(function, items[i], pure=False)
                    futures[again] = i
                    pending.add(again)
                    continue
                outcomes[i] = Outcome(items[i], error=f"{type(err).__name__}: {err}", retried=True)
            if on_done:
                on_done(outcomes[i])
        return outcomes

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_runner(jobs: int | None = None, scheduler: str | None = None):
    if scheduler or (jobs is not None and jobs > 1):
        return DaskRunner(jobs or 1, scheduler)
    return SerialRunner()
