"""synth keeps exporting every voice and building block after its split into synth_core and synth_drums."""

from __future__ import annotations

import numpy as np

from vidc.runtime.media import synth as S, synth_core, synth_drums


def test_every_exported_name_is_the_one_defined():
    for name in S.__all__:
        obj = getattr(S, name)
        home = synth_drums if hasattr(synth_drums, name) else synth_core if hasattr(synth_core, name) else S
        assert getattr(home, name) is obj, name
    assert S.kick is synth_drums.kick and S.adsr is synth_core.adsr and S.reverb_ir is synth_drums.reverb_ir


def test_building_blocks():
    assert synth_core.to_samples(0.5) == 22050 and synth_core.to_samples(-1.0) == 0
    ramp = synth_core.ramp_up(64)
    assert ramp.dtype == np.float32 and 0 < ramp[0] < ramp[-1] < 1 and np.all(np.diff(ramp) > 0)
    env = S.decay_env(4410, 0.001, 0.05)
    assert env[0] < 0.01 and abs(env[-1]) < 1e-6  # starts and ends at (about) zero: no click


def test_drums_are_seeded():
    a = S.snare(np.random.default_rng(7))
    b = synth_drums.snare(np.random.default_rng(7))
    assert np.array_equal(a, b) and a.dtype == np.float32 and np.abs(a).max() > 0.1
