"""The CPU side of the cost model: drawn and still pictures are priced from their own table (x264's
still tuning, a background drawn a few times a second), moving pictures from the encode table."""

from vidc.compiler.costs import CostModel
from vidc.compiler.resources import cost_model


def test_drawn_pictures_use_their_own_table_and_moving_pictures_the_encode_table():
    cpu = cost_model()["cpu"]
    costs = CostModel()
    mpx_s = 10 * 1920 * 1080 / 1e6
    drawn = costs.encode_ms(10, 1920, 1080, "veryfast", "draw_fixed_ms")
    moving = costs.encode_ms(10, 1920, 1080, "veryfast", "assemble_fixed_ms")
    assert drawn == int(cpu["draw_fixed_ms"] + cpu["draw_ms_per_s_per_mpx"]["veryfast"] * mpx_s)
    assert moving == int(cpu["assemble_fixed_ms"] + cpu["encode_ms_per_s_per_mpx"]["veryfast"] * mpx_s)
    assert drawn < moving
    # every preset the encode table knows is priced for drawn pictures too, in the same order
    assert set(cpu["draw_ms_per_s_per_mpx"]) == set(cpu["encode_ms_per_s_per_mpx"])
    order = sorted(cpu["encode_ms_per_s_per_mpx"], key=cpu["encode_ms_per_s_per_mpx"].get)
    assert order == sorted(cpu["draw_ms_per_s_per_mpx"], key=cpu["draw_ms_per_s_per_mpx"].get)


def test_a_calibration_override_still_reaches_the_draw_table():
    costs = CostModel(overrides={"cpu": {"draw_ms_per_s_per_mpx": {"veryfast": 100}, "draw_fixed_ms": 0}})
    assert costs.encode_ms(10, 1000, 1000, "veryfast", "draw_fixed_ms") == 1000
