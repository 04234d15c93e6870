"""vidc's runtime: everything with side effects. Each folder answers one question:

    cli/       what the user typed: one module per command, one shared set-up (common.py)
    review/    what a build looks like: the static review site (imported by cli only)
    engine/    how a plan runs: executor, dispatch, worker, publish, events, simulator
    backends/  what turns one task into files: the registered backends, their base, the registry
    media/     audio, video and text helpers the backends share (they import no backend)
    host/      what this machine and project folder are: spec discovery, hardware detection
    state/     what survives a crash: work folder, atomic writes, lock, store, queues, journal

Imports point down that list (cli may import anything below it; state imports nothing of vidc's
runtime); tests/unit/test_architecture.py enforces it.
"""
