"""The main job: profiles, the notebook runner, the report, the site, the CLI, the exercise checks.

``python -m sftlab run`` executes every notebook under one profile and writes ``build/report.md``;
``python -m sftlab site`` builds the HTML site. May import every other stage; nothing imports it.
"""
