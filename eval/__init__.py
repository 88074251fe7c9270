"""The offline evaluation harness: suites of sparks and images, a runner that sends them to the
service (in-process or over HTTP), metrics, reports and run-to-run comparison.

Entry point: `python -m eval run|compare|report|suites`; definitions in `eval/README.md`.
"""
