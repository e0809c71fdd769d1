"""The command bodies, by group: instances (validate, convert, generate, draw-scenarios), plans
(solve, check, report), studies (scenarios, tradeoff, alternatives, explain, stochastic) and
research (bench, formulations, solvers). Each is a thin call into data/, the pipeline, studies/
and report/; cli.py registers them."""
