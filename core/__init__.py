"""The foundation: what every other layer may import, and which imports none of them.

    core/      errors (no HTTP), the validated image and image bytes, the name registry
    models/    backends: language models, describers, image providers      (import core)
    modes/     the five prompt modes and IP clearing                       (import core, models)
    app/       the service, the HTTP layer, jobs, storage                  (import everything)
    eval/      the offline evaluation harness                              (imports everything)

`tests/test_layering.py` walks every import and fails when one points up this list.
"""
