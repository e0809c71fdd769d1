"""Studies that solve many times on top of the pipeline: scenarios, trade-offs, alternatives,
explanations and benchmarks. Each returns data (runs and pandas frames); `report/` presents it."""
