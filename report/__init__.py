"""Presentation: solution files, tables, the terminal summary and progress, the HTML report.

Nothing here solves or decides; every function takes what the pipeline or a study returned."""
