"""The digitizer: known answers from figures drawn here from known IPD, each hard part, properties."""

import numpy as np
import pandas as pd
import pytest

from kmrepro.analysis.km import km_at
from kmrepro.errors import InputError
from kmrepro.ingest.digitize import ArmSpec, digitize_image, parse_arm, parse_colour, parse_ticks, survival_at
from kmrepro.publish.kmfigure import STYLES, draw_km_figure, with_style
from kmrepro.reconstruct.simulate import km_drops


def _arm(events: dict[float, int], censored: dict[float, int], n: int, end: float):
    """IPD with ``events``/``censored`` {time: count}; everyone else censored at ``end``."""
    times = [t for t, k in events.items() for _ in range(k)] + [t for t, k in censored.items() for _ in range(k)]
    flags = [1] * sum(events.values()) + [0] * sum(censored.values())
    rest = n - len(times)
    return np.array(times + [end] * rest, float), np.array(flags + [0] * rest, int)


# Drops and censorings well apart (at least 1 time unit = about 20 px), so each is seen on its own.
ARMS = {
    "Drug + chemo": _arm({2: 1, 4: 1, 6: 2, 8: 1, 10: 3, 12: 1, 14: 2, 16: 1, 18: 2, 20: 1},
                         {3: 1, 7: 1, 11: 2, 15: 1}, 40, 24),
    "Placebo": _arm({1: 2, 5: 3, 9: 2, 13: 4, 17: 2, 21: 3}, {11.5: 1, 19: 1}, 35, 22.5),
}


def _draw_and_read(tmp_path, style, arms=ARMS, x_step=5, **kwargs):
    style_obj = STYLES[style] if isinstance(style, str) else style
    path = tmp_path / ("figure.jpg" if style_obj.jpeg_quality else "figure.png")
    drawn = draw_km_figure(arms, path, style_obj, x_step=x_step)
    specs = [ArmSpec(name, parse_colour(c), s if style_obj.colours.count(c) > 1 else None)
             for name, (c, s) in drawn.arms.items()]
    result = digitize_image(path, parse_ticks("%g:%g:%g" % drawn.x_ticks), parse_ticks("%g:%g:%g" % drawn.y_ticks),
                            specs, **kwargs)
    return drawn, result


def _errors(result, drawn, arms=ARMS):
    """Per arm: (largest |S error| away from the drops, drop-time errors, digitized drop sizes)."""
    scale = drawn.y_ticks[1]
    px_per_time = result.x_calibration.slope
    out = {}
    for arm in result.arms:
        t, e = arms[arm.name]
        pts = arm.points
        grid = np.linspace(0, t.max(), 400)
        event_times, before, after = km_drops(t, e)
        away = np.min(np.abs(grid[:, None] - event_times[None, :]), axis=1) > 2 / px_per_time
        level_error = np.abs(survival_at(pts, grid) / scale - km_at(t, e, grid))[away].max()
        steps = np.flatnonzero(np.diff(pts.survival.to_numpy()) < 0)
        drop_times = pts.time.to_numpy()[steps + 1]
        out[arm.name] = (level_error, drop_times, event_times, before - after,
                         -np.diff(pts.survival.to_numpy())[steps] / scale)
    return out


def _assert_known_answer(result, drawn, level_tol=0.004, time_px=1.0, extra_drops=0):
    for name, (level_error, drop_times, event_times, true_sizes, sizes) in _errors(result, drawn).items():
        assert level_error <= level_tol, (name, level_error)
        assert len(event_times) <= len(drop_times) <= len(event_times) + extra_drops, (name, drop_times, event_times)
        nearest = np.abs(drop_times[:, None] - event_times[None, :]).min(axis=0)
        assert nearest.max() * result.x_calibration.slope <= time_px, (name, nearest)
        if len(drop_times) == len(event_times):
            assert np.abs(sizes - true_sizes).max() <= level_tol * 2, name


STYLE_CASES = {  # style -> (level tolerance, drop-time tolerance in px, spurious small drops allowed)
    "matplotlib": (0.004, 1.0, 0),
    "lifelines": (0.004, 1.0, 0),  # shaded confidence bands ignored
    "survminer": (0.004, 1.5, 0),  # + censor marks, legend, risk table; curves half over each other
    "base-r": (0.004, 1.0, 0),  # boxed, offset axes: the 0 tick sits inside the corner
    "ggplot": (0.004, 1.0, 0),  # grey panel, white grid lines, no axis lines, y in percent
    "small": (0.005, 1.0, 0),  # 600 x 420 px, 1 px lines
    # JPEG q70 with | marks: blocks around the marks, and a curve half under the other, leave small
    # false steps and can move a drop a few pixels; black solid + dashed at the same level: the
    # solid can ride a dash past its drop
    "jpeg": (0.04, 8.0, 3),
    "bw-dashed": (0.035, 8.0, 1),
}
@pytest.mark.parametrize("style", STYLE_CASES)
def test_known_answer_in_every_style(tmp_path, style):
    drawn, result = _draw_and_read(tmp_path, style)
    _assert_known_answer(result, drawn, *STYLE_CASES[style])


# A steep start: 20 of 40 patients die 0.05 time units apart (under a pixel, closer than the line is
# wide), so the curve falls nearly vertically through half the plot in about 18 columns.
STEEP_ARMS = {"Steep": _arm({round(0.05 * k, 2): 1 for k in range(1, 21)} | {8: 2, 14: 1}, {5: 1}, 40, 24),
              "Other": _arm({3: 2, 9: 3, 15: 2}, {11: 1}, 30, 22)}


@pytest.mark.parametrize("style", [
    with_style("matplotlib", line_width=0.72), with_style("matplotlib"), with_style("matplotlib", line_width=3.0),
    with_style("matplotlib", censor_marker="+"), "jpeg", "survminer"], ids=["1px", "2px", "4px", "marks", "jpeg",
                                                                             "survminer"])
def test_steep_start_is_read_down_its_staircase(tmp_path, style):
    """Each column of the fall holds the foot of one step and the head of the next: read column by
    column, the curve comes down the staircase: a drop per column or so, within about one death's
    step (0.025) of the truth in RMS, as a column spans almost a whole step here and matplotlib snaps
    each vertical line to a pixel. It came down in a few tall drops (6-17 drops, RMSE 0.033-0.047,
    errors up to 0.12). The rest of the figure reads as before."""
    drawn, result = _draw_and_read(tmp_path, style, STEEP_ARMS)
    scale = drawn.y_ticks[1]
    arm = next(a for a in result.arms if a.name == "Steep")
    t, e = STEEP_ARMS["Steep"]
    fall = np.linspace(0, 1.0, 200)
    err = survival_at(arm.points, fall) / scale - km_at(t, e, fall)
    assert np.sqrt(np.mean(err ** 2)) <= 0.031 and np.abs(err).max() <= 0.06, (np.sqrt(np.mean(err ** 2)), err)
    survival, time = arm.points.survival.to_numpy(), arm.points.time.to_numpy()
    assert ((np.diff(survival) < 0) & (time[1:] <= 1.05)).sum() >= 15, arm.points.head(40)
    for arm in result.arms:
        t, e = STEEP_ARMS[arm.name]
        later = np.linspace(1.2, t.max(), 400)
        later = later[np.min(np.abs(later[:, None] - np.unique(t)[None, :]), axis=1) > 0.2]
        assert np.abs(survival_at(arm.points, later) / scale - km_at(t, e, later)).max() <= 0.004, arm.name


def test_three_arms(tmp_path):
    arms = dict(ARMS, Third=_arm({3: 2, 7: 2, 12: 5, 16: 3}, {9: 1}, 30, 23))
    drawn, result = _draw_and_read(tmp_path, "three-arms", arms)
    for name, (level_error, drop_times, event_times, _, _) in _errors(result, drawn, arms).items():
        assert level_error <= 0.004 and len(drop_times) == len(event_times), name


def test_levels_are_sub_pixel_with_anti_aliasing(tmp_path):
    """Anti-aliased edges place each stretch to a fraction of a pixel: well under 1 px of error."""
    drawn, result = _draw_and_read(tmp_path, with_style("matplotlib", line_width=1.0))
    px = abs(result.y_calibration.slope)
    for name, (level_error, *_rest) in _errors(result, drawn).items():
        assert level_error * px < 0.6, (name, level_error * px)


@pytest.mark.parametrize("marker", ["+", "|"])
def test_censor_marks_are_found_and_never_read_as_drops(tmp_path, marker):
    drawn, result = _draw_and_read(tmp_path, with_style("matplotlib", censor_marker=marker))
    _assert_known_answer(result, drawn)
    for arm in result.arms:
        t, e = ARMS[arm.name]
        censored = np.unique(t[e == 0])
        censored = censored[censored < t.max()]  # the end of the curve hides the last mark
        found = arm.censored[arm.censored < t.max() - 0.5]
        assert len(found) == len(censored), (arm.name, found, censored)
        assert np.abs(found - censored).max() * result.x_calibration.slope <= 1.0


def test_hidden_stretch_comes_out_at_the_level_of_the_curve_on_top(tmp_path):
    """Two arms identical up to time 10: the first drawn is hidden under the second there."""
    shared = {2: 1, 4: 2, 6: 1, 8: 1}
    arms = {"Under": _arm(shared | {12: 3, 16: 2}, {}, 30, 20), "Over": _arm(shared | {11: 1, 14: 1}, {}, 30, 20)}
    drawn, result = _draw_and_read(tmp_path, "matplotlib", arms)
    for name, (level_error, drop_times, event_times, _, _) in _errors(result, drawn, arms).items():
        assert level_error <= 0.004 and len(drop_times) == len(event_times), name
    under = next(a for a in result.arms if a.name == "Under")
    assert under.hidden and under.hidden[0][1] >= 8, under.hidden


def test_properties_non_increasing_and_within_the_axes(tmp_path):
    from lifelines.datasets import load_gbsg2

    g = load_gbsg2()
    arms = {k: (d.time.to_numpy(float), d.cens.to_numpy(int)) for k, d in g.groupby("horTh")}
    for style in ("survminer", "jpeg", "ggplot"):
        path = tmp_path / f"{style}.img"
        drawn = draw_km_figure(arms, path, style)
        specs = [ArmSpec(n, parse_colour(c)) for n, (c, _) in drawn.arms.items()]
        result = digitize_image(path, parse_ticks("%g:%g:%g" % drawn.x_ticks), parse_ticks("%g:%g:%g" % drawn.y_ticks), specs)
        for arm in result.arms:
            time, surv = arm.points.time.to_numpy(), arm.points.survival.to_numpy()
            assert (np.diff(time) >= 0).all() and (np.diff(surv) <= 0).all()
            assert time.min() >= 0 and 0 <= surv.min() and surv.max() <= drawn.y_ticks[1]
            assert time.max() <= drawn.x_ticks[1] * 1.06


def test_colours_are_found_when_only_the_number_of_arms_is_given(tmp_path):
    path = tmp_path / "f.png"
    drawn = draw_km_figure(ARMS, path, "matplotlib", x_step=5)
    result = digitize_image(path, "0:25:5", "0:1:0.2", n_arms=2)
    found = sorted(tuple(round(c, 1) for c in arm.rgb) for arm in result.arms)
    assert found == sorted(tuple(round(c, 1) for c in parse_colour(c)) for c, _ in drawn.arms.values())


def test_ticks_and_calibration_are_reported(tmp_path):
    drawn, result = _draw_and_read(tmp_path, "base-r")
    report = result.report()
    assert report["calibration"]["x"]["ticks"] == [0, 5, 10, 15, 20, 25]
    assert report["calibration"]["x"]["residual_px"] < 1 and report["calibration"]["y"]["residual_px"] < 1
    arm = report["arms"]["Placebo"]
    assert set(arm) >= {"x_coverage", "hidden_stretches", "censor_marks", "censored_times", "colour"}


BAD = {
    "too few ticks": (("0:20:5", "0:1:0.2"), "x ticks 0:20:5 (5 ticks) leave out tick marks of the x axis"),
    "ticks that fit no marks": (("0:25:5", "0:1:0.3"), "y ticks"),
}


@pytest.mark.parametrize("case", BAD)
def test_ticks_that_do_not_fit_are_refused(tmp_path, case):
    (x_ticks, y_ticks), message = BAD[case]
    path = tmp_path / "f.png"
    drawn = draw_km_figure(ARMS, path, "matplotlib", x_step=5)
    specs = [ArmSpec(n, parse_colour(c)) for n, (c, _) in drawn.arms.items()]
    with pytest.raises((InputError, ValueError), match="ticks"):
        digitize_image(path, x_ticks, y_ticks, specs)


def test_same_colour_without_line_styles_is_refused(tmp_path):
    path = tmp_path / "f.png"
    draw_km_figure(ARMS, path, "bw-dashed", x_step=5)
    with pytest.raises(InputError, match="resolve to the same pixels"):
        digitize_image(path, "0:25:5", "0:1:0.2", [ArmSpec("a", (0, 0, 0)), ArmSpec("b", (0, 0, 0))])


def test_two_solid_curves_of_one_colour_are_refused_not_mixed(tmp_path):
    path = tmp_path / "f.png"
    draw_km_figure(ARMS, path, with_style("bw-dashed", line_styles=("-", "-")), x_step=5)
    with pytest.raises(InputError, match="cannot be told apart|only one curve"):
        digitize_image(path, "0:25:5", "0:1:0.2", [ArmSpec("a", (0, 0, 0), "solid"), ArmSpec("b", (0, 0, 0), "dashed")])


@pytest.mark.parametrize("share, unexplained, dashes, reason", [
    ((0.97, 0.70), 0.10, 40, ""),  # one solid and one dashed line
    ((0.80, 0.60), 0.10, 40, "the solid curve has ink in only 80% of its columns"),
    ((0.99, 0.95), 0.10, 40, "the dashed curve has ink in 95% of its columns, about as many as the solid one (99%)"),
    ((0.97, 0.72), 0.46, 40, "46% of the ink joined to the solid curve is off its line"),
    ((0.97, 0.70), 0.10, 2, "only 2 separate dash(es) of the dashed curve show"),
])
def test_a_refusal_of_solid_and_dashed_curves_names_the_check_that_failed(share, unexplained, dashes, reason):
    from kmrepro.ingest.digitize import _not_solid_and_dashed

    why = _not_solid_and_dashed(share, unexplained, dashes)
    assert why.startswith(reason) and bool(why) == bool(reason)


def test_a_fall_of_ink_that_neither_curve_follows_is_found():
    """Two same-coloured curves read off one mask: a tall vertical line of ink that neither passes is
    a drop read from the other curve's ink; one that a curve drops along, or one past the curves'
    ends (a last drop to zero), is not."""
    from kmrepro.ingest.digitize import _unfollowed_drop
    from kmrepro.ingest.digitize.trace import Curve

    mask = np.zeros((100, 120), bool)
    mask[20, :100] = mask[40:81, 50] = mask[30:90, 110] = True  # a stretch, a fall, a fall past the end
    flat = Curve([(0, 99, 20.0)], [], 0, 99, 100, [], 1.0)
    down = Curve([(0, 49, 40.0), (51, 99, 80.0)], [(50.0, 40.0, 80.0)], 0, 99, 100, [], 1.0)
    aside = Curve([(0, 29, 40.0), (31, 99, 80.0)], [(30.0, 40.0, 80.0)], 0, 99, 100, [], 1.0)
    assert _unfollowed_drop(mask, [flat, down], 1.0) == 0
    # the fall's 41 rows less the 3 (78-80) that the lower stretch passes within half a mark (7 px) of
    assert _unfollowed_drop(mask, [flat, aside], 1.0) == 38


@pytest.mark.parametrize("text, expected", [
    ("Drug + chemo=#1f77b4", ("Drug + chemo", (31 / 255, 119 / 255, 180 / 255), None)),
    ("A=black:dashed", ("A", (0.0, 0.0, 0.0), "dashed")),
    ("x=y=red:solid", ("x=y", (1.0, 0.0, 0.0), "solid")),
])
def test_parse_arm(text, expected):
    arm = parse_arm(text)
    assert (arm.name, arm.rgb, arm.style) == expected


@pytest.mark.parametrize("text", ["nocolour", "=red", "A=notacolour", "A=red:dotted"])
def test_parse_arm_refuses(text):
    with pytest.raises(ValueError):
        parse_arm(text)


@pytest.mark.parametrize("text", ["0:10", "a:b:c", "10:0:1", "0:10:0", "0:10:3", "0:1000:1"])
def test_parse_ticks_refuses(text):
    with pytest.raises(ValueError):
        parse_ticks(text)


def test_curve_starts_at_time_zero_though_marks_crowd_its_start(tmp_path):
    """GBSG2 as the workflow's validation trial draws it: five censorings in the first month put `+`
    marks over the start of the curve drawn on top; the curve still starts at (0, 1)."""
    from lifelines.datasets import load_gbsg2

    g = load_gbsg2()
    arms = {name: (g.time[g.horTh == key].to_numpy(float) / (365.25 / 12), g.cens[g.horTh == key].to_numpy(int))
            for name, key in (("hormone", "yes"), ("none", "no"))}
    path = tmp_path / "f.png"
    drawn = draw_km_figure(arms, path, with_style("survminer", dpi=125), x_step=12)
    specs = [ArmSpec(n, parse_colour(c)) for n, (c, _) in drawn.arms.items()]
    result = digitize_image(path, "0:96:12", "0:1:0.25", specs)
    for arm in result.arms:
        assert arm.points.time.iloc[0] == 0 and arm.points.survival.iloc[0] >= 0.998, arm.points.head(2)


def test_tall_drop_is_placed_at_its_vertical_line_beside_a_censor_mark(tmp_path):
    """A `+` mark two pixels before a tall drop and a line cap past its corner: the drop is read at
    its vertical line (it was read at the end of the cap, 1.4 px late)."""
    arms = {"A": _arm({10: 3, 30: 3, 51.8: 10}, {51.55: 1}, 30, 52.35), "B": _arm({5: 3, 15: 2}, {}, 30, 52)}
    path = tmp_path / "f.png"
    drawn = draw_km_figure(arms, path, "base-r", x_step=10)
    specs = [ArmSpec(n, parse_colour(c)) for n, (c, _) in drawn.arms.items()]
    result = digitize_image(path, "0:60:10", "0:1:0.2", specs)
    points = result.arms[0].points
    last_drop = points.time.to_numpy()[np.flatnonzero(np.diff(points.survival.to_numpy()) < 0)[-1] + 1]
    assert abs(last_drop - 51.8) * result.x_calibration.slope <= 0.5, last_drop


def test_curve_passing_under_the_legend_is_read_beyond_it(tmp_path):
    """The first arm runs under a wide legend and comes out below it: the piece beyond the legend is
    still the curve (it was dropped as too short, ending the curve at the legend), and neither
    legend key is read as curve."""
    arms = {"Immediate hormone therapy": _arm({1: 1, 3: 1, 19: 6, 23: 2}, {}, 40, 25),
            "Deferred hormone therapy": _arm({2: 2, 4: 2, 8: 3, 12: 3, 16: 3, 20: 3}, {}, 40, 25)}
    drawn, result = _draw_and_read(tmp_path, "small", arms)
    for name, (level_error, drop_times, event_times, _, _) in _errors(result, drawn, arms).items():
        assert level_error <= 0.005 and len(drop_times) == len(event_times), (name, drop_times)
    for arm in result.arms:
        assert arm.points.time.iloc[-1] >= 24.5, arm.points.tail(2)


def test_solid_and_dashed_curves_of_one_colour_are_read_beyond_the_legend(tmp_path):
    """Black solid and dashed curves both run under the legend (black text, both keys) and come out
    below it: what is left of the solid line is still solid, the dashes still the dashed curve,
    and neither the keys nor the text are read as curve."""
    arms = {"Chemotherapy": _arm({2: 1, 5: 1, 9: 1, 14: 1, 22: 1}, {}, 40, 25),
            "No chemotherapy": _arm({3: 1, 7: 2, 12: 1, 20: 2}, {}, 40, 25)}
    drawn, result = _draw_and_read(tmp_path, "bw-dashed", arms)
    for name, (_, drop_times, event_times, _, _) in _errors(result, drawn, arms).items():
        assert len(drop_times) == len(event_times), (name, drop_times)
        assert np.abs(drop_times[-1] - event_times[-1]) * result.x_calibration.slope <= 1.0, (name, drop_times)
    for arm in result.arms:
        t, e = arms[arm.name]
        assert arm.points.time.iloc[-1] >= 24.5, arm.points.tail(2)
        assert abs(arm.points.survival.iloc[-1] - km_at(t, e, np.array([24.0]))[0]) <= 0.005, arm.points.tail(2)


def test_grey_text_pixels_are_not_a_saturated_colours_ink():
    """Grey pixels (anti-aliased text, legend frames) fit a mix of survminer's red over white within
    the residual JPEG needs; they are not its ink (a real mix is as saturated as its coverage)."""
    from kmrepro.ingest.digitize.colours import ink_masks

    red, white = np.array(parse_colour("#F8766D")), np.ones(3)
    pixels = np.array([[0.7, 0.7, 0.7], 0.6 * red + 0.4 * white, 0.9 * red + 0.1 * white,
                       0.7 * (0.6 * red + 0.4 * white) + 0.3 * np.full(3, 0.78)], np.float32)  # JPEG-greyed
    _, (mask,) = ink_masks(pixels[None], [tuple(red)], (1.0, 1.0, 1.0))
    assert mask[0].tolist() == [False, True, True, True]


def test_legend_keys_are_found_by_alignment():
    """Keys of one legend: one length, stacked. A key a few pixels from its own curve is still found
    (it was not, the curve running under the legend took the other arm's key for itself); the dashes
    of a dashed curve, alike and in a row, are not keys; a solid and a dashed key of one colour are."""
    from kmrepro.ingest.digitize.legend import legend_keys

    red, teal = np.zeros((60, 200), bool), np.zeros((60, 200), bool)
    red[20:22, 20:150] = True  # the red curve, running under the legend
    red[24:26, 120:150] = True  # its key, 2 px below it
    teal[40:42, 120:150] = True  # the teal key, stacked under the red one
    teal[50:52, 0:200] = True  # the teal curve
    keys = legend_keys([red, teal], [red * 1.0, teal * 1.0], [2.0, 2.0], [False, False])
    assert keys[0][24:26, 120:150].all() and not keys[0][20:22].any()
    assert keys[1][40:42, 120:150].all() and not keys[1][50:52].any()

    black = np.zeros((80, 200), bool)
    black[10:12, 0:200] = True  # the solid curve
    for start in range(0, 200, 12):  # the dashed curve: 8 px dashes, 4 px gaps
        black[30:32, start:start + 8] = True
    assert not legend_keys([black], [black * 1.0], [2.0], [True])[0].any()
    black[45:47, 140:170] = True  # the solid key
    for start in (140, 152, 164):  # the dashed key, as long, a text line below
        black[62:64, start:start + 6] = True
    keys = legend_keys([black], [black * 1.0], [2.0], [True])[0]
    assert keys[45:47, 140:170].all() and keys[62:64, 140:146].all() and not keys[30:32].any()


def _staircase_with_marks(line: int, pen: int, mark: int, crowded_from: int) -> np.ndarray:
    """A mask of a staircase curve ``line`` px thick, with + marks drawn with a ``pen`` px pen (stems
    ``mark`` px high) every 40 px, and from column ``crowded_from`` on marks crowding into a block."""
    mask = np.zeros((200, 600), bool)
    for k, start in enumerate(range(0, 600, 100)):  # stretches 100 px long, drops of 12 px
        top = 20 + 12 * k
        mask[top:top + line, start:start + 100 + line] = True
        mask[top:top + 12 + line, start + 100:start + 100 + line] = True  # the drop's vertical line
    for col in list(range(20, crowded_from, 40)) + list(range(crowded_from, 600, pen)):
        top = 20 + 12 * (col // 100) + line // 2 - mark // 2
        mask[top:top + mark, col:col + pen] = True  # the stem
        mask[top + mark // 2 - pen // 2:top + mark // 2 + pen - pen // 2, col - mark // 2:col + mark // 2] = True
    return mask


@pytest.mark.parametrize("line, pen, mark", [(9, 4, 28), (2, 2, 12), (2, 2, 6), (1, 1, 8)])
def test_line_width_is_the_lines_not_the_pen_of_its_marks_nor_a_block_of_marks(line, pen, mark):
    """ggplot at 300 dpi draws 9 px lines with + marks of a 4 px pen: the width is the line's (the
    stems' width was taken, so every level was read off the band's edge); crowded marks merging into
    a block as flat as the line, and taller, do not count either (matplotlib's 6 px | marks crowd a
    2 px line into a 6 px band). Marks of the line's own pen give the line's width as before."""
    from kmrepro.ingest.digitize.strokes import line_width

    assert line_width(_staircase_with_marks(line, pen, mark, crowded_from=200)) == line
    assert line_width(_staircase_with_marks(line, pen, mark, crowded_from=600)) == line


def test_line_width_more_than_three_pens_of_its_marks_is_the_lines():
    """ggplot at 300 dpi draws its ``|`` marks as 1 px glyphs on a 4-5 px line: every flat run is
    three pens thick or more, and the line is the thinnest of them, its marks' stems being three
    times as long (its width was read as the pen's, 1 px, and NCT00337103_2B's `cap`, falling under
    the other curve, fell half a month late); blocks of crowded marks still do not count. A curve
    whose every flat stretch is a block of crowded marks as tall as its stems (matplotlib's | marks
    crowding a 2 px line into 6 px blocks) keeps the thinnest stroke."""
    from kmrepro.ingest.digitize.strokes import line_width

    mask = np.zeros((200, 600), bool)
    for k, start in enumerate(range(0, 600, 100)):
        top = 20 + 12 * k
        mask[top:top + 5, start:start + 105] = True  # 5 px stretches and their drops' vertical lines
        mask[top:top + 17, start + 100:start + 105] = True
        step = 10 if k < 4 else 1  # marks every 10 px, crowding into a block in the last two stretches
        for col in range(start + 5, start + 95, step):
            mask[top - 8:top + 13, col] = True  # a 1 px stem, 21 px high, centred on the line
    assert line_width(mask) == 5


@pytest.mark.parametrize("crowded_from", [600, 200])
def test_line_width_of_a_jpeg_line_with_frayed_edges_is_the_lines(crowded_from):
    """JPEG frays a 4 px line's edges into specks a pixel long (survminer JPEG at 120 dpi): the
    thinnest stroke is 1 px, and the line's flat runs, 4 px, were taken for blocks of marks (over
    three thinnest strokes) and the width for 1 px, so a steep staircase was read in a few large
    drops. The width is the line's, and a block of crowded marks still does not count, nor, with a
    2 px thinnest stroke (no specks), a curve crowded with marks all along (matplotlib's JPEG)."""
    from kmrepro.ingest.digitize.strokes import line_width, thinnest_stroke

    mask = _staircase_with_marks(4, 4, 12, crowded_from)
    for k, start in enumerate(range(0, 600, 100)):
        mask[20 + 12 * k - 2, start + 2:start + 90:3] = True  # specks above each stretch
    assert thinnest_stroke(mask) == 1
    assert line_width(mask) == 4
    # a 2 px line crowded into 6 px blocks of | marks all along: a 2 px stroke is no speck
    assert line_width(_staircase_with_marks(2, 2, 6, crowded_from=0)) == 2


def test_line_width_of_a_line_hidden_but_for_a_band_of_thin_pen_marks_is_read_between_the_stems():
    """ggplot at 300 dpi: a 5 px line under the other curve shows only a 1 px sliver beside it and a
    band of crowded 1 px | marks, whose stems' half-covered soft edges join into one run as tall as
    a stem (JFMC33-0502_2B theme_classic's `control`: its width was read as 1 px, and the trace
    stopped short of the band, 8-12 px low). Between the stems only the line is fully covered; with
    the coverage given that is its width, and without the band (or the coverage) nothing changes."""
    from kmrepro.ingest.digitize.colours import MIN_COVERAGE
    from kmrepro.ingest.digitize.strokes import line_width

    cover = np.zeros((200, 700))
    for k, start in enumerate(range(0, 500, 100)):
        cover[20 + 12 * k, start:start + 100] = 1.0  # the 1 px sliver left beside the other curve
        cover[20 + 12 * k:32 + 12 * k, start + 100] = 1.0  # its drop
    band = cover[68:94, 500:660]  # a 26 px band of marks every other column round a 5 px line at 79-83
    band[:, 0::2] = 1.0  # the stems
    band[:, 1::2] = 0.55  # their soft edges, joined
    band[11:16, 1::2] = 1.0  # the line between them
    mask = cover >= MIN_COVERAGE
    assert line_width(mask) == 1  # the sliver: the width read without the coverage
    assert line_width(mask, cover) == 5
    plain = np.where(np.arange(700) < 500, cover, 0.0)  # the sliver alone: no band, no line to see
    assert line_width(plain >= MIN_COVERAGE, plain) == 1
    soft = cover.copy()  # soft all along the band, with no clean stem beside (JPEG's blur): no band of marks
    soft[68:94, 500:660] = 0.55
    soft[79:84, 500:660] = 1.0
    assert line_width(soft >= MIN_COVERAGE, soft) == 1
    # a 4 px line in sight, its band's core thickened by + marks' bars between stems of a 4 px pen
    # (survminer at 300 dpi: 9 px on a 4 px line): no line much thicker than its marks' pen
    seen = np.zeros((200, 700))
    for k, start in enumerate(range(0, 250, 50)):
        seen[20 + 12 * k:24 + 12 * k, start:start + 50] = 1.0
    seen[67:95, 250:600] = np.where(np.arange(350) % 5 < 4, 1.0, 0.55)  # 28 px stems of a 4 px pen, soft gaps
    seen[77:86, 254:600:5] = 1.0  # the line and the bars between the stems
    assert line_width(seen >= MIN_COVERAGE, seen) == 4


def test_line_width_of_a_curve_with_no_flat_stretch_is_its_thinnest_stroke():
    """A curve that is all drops (one step per column) has no flat stretch: its width is the
    commonest short run, down the columns or along the rows, whichever is thinner."""
    from kmrepro.ingest.digitize.strokes import line_width

    mask = np.zeros((100, 100), bool)
    for col in range(90):
        mask[col // 2 + 5:col // 2 + 8, col] = True  # a 3 px line falling half a pixel per column
    assert line_width(mask) == 3


def test_bulge_under_a_corner_is_read_with_its_drop_where_the_vertical_line_is():
    """A pixel of ink under the corner, left of the drop's vertical line (a rounded join, JPEG): a
    sliver of a drop, merged with the drop; the one drop is where the line is, not at the bulge
    (it was placed at the bulge, 3 px early, on R's JPEG figures)."""
    from kmrepro.ingest.digitize.drops import _read_drops

    cover = np.zeros((80, 100))
    cover[20:23, 0:51] = 1.0  # the stretch above, 3 px thick
    cover[20:61, 48:51] = 1.0  # the drop's vertical line, columns 48-50
    cover[58:61, 48:100] = 1.0  # the stretch below
    cover[23:24, 45:48] = 1.0  # the bulge
    (drop,) = _read_drops(cover, 47, 51, 21.0, 59.0, 3.0, 0)
    assert drop[1:] == (21.0, 59.0) and abs(drop[0] - 49) < 0.2


def test_staircase_of_drops_closer_than_a_line_width_is_read_step_by_step(tmp_path):
    """Ten drops 1.2 px apart (closer than the 2 px line): no column shows one step apart from the
    next, but the line drifts right as it falls. Read as one drop it is wrong by up to a quarter of
    survival in between; read along the drift, by a few hundredths."""
    arms = {"Steep": _arm({5 + 0.05 * k: 2 for k in range(10)}, {}, 60, 20), "Flat": _arm({3: 2, 12: 2}, {}, 60, 20)}
    drawn, result = _draw_and_read(tmp_path, "matplotlib", arms)
    t, e = arms["Steep"]
    points = result.arms[0].points
    inside = np.linspace(5.05, 5.45, 17)
    error = np.abs(survival_at(points, inside) - km_at(t, e, inside))
    assert error.max() <= 0.06, error.round(3)


@pytest.mark.parametrize("shift", [0.01, 0.02])
def test_a_steep_staircase_half_hidden_under_another_is_read_step_by_step(tmp_path, shift):
    """Two arms falling together down steep staircases (a drop per pixel or so), the one drawn first
    peeking out from under the other a fraction of a pixel to its right: its ink is broken into
    pieces, each step a stretch of a column or two between two drops. The drops on both sides of
    such a stretch are steps, not one vertical line split by a stray stretch: merged in a chain, they
    came down as two or three tall drops (RMSE 0.025-0.026 over the fall, errors up to 0.065; now 0.012-0.014)."""
    arms = {"Under": _arm({1 + 0.05 * k: 1 for k in range(14)}, {}, 60, 20),
            "Over": _arm({1 - shift + 0.05 * k: 1 for k in range(14)} | {12: 3}, {}, 60, 20)}
    drawn, result = _draw_and_read(tmp_path, "matplotlib", arms)
    t, e = arms["Under"]
    fall = np.linspace(0.9, 1.7, 200)
    err = survival_at(next(a for a in result.arms if a.name == "Under").points, fall) - km_at(t, e, fall)
    assert np.sqrt(np.mean(err ** 2)) <= 0.017 and np.abs(err).max() <= 0.045, (np.sqrt(np.mean(err ** 2)), err)


@pytest.mark.parametrize("covered_from, step_kept", [(26, False), (20, True)])
def test_a_borrowed_step_is_the_hidden_curves_only_where_its_drops_could_be_hidden(covered_from, step_kept):
    """A curve falls from 10 to 30 under another one's two drops (a pixel apart), and a third curve's
    stretch at 20 crosses over them and on over the background. Where the curve is hidden its path
    borrows the others' levels; the step at 20 would need a drop to 30 after it, in the columns
    between its end and the curve's own ink at 30, and there the background shows half-way down: no
    line was ever drawn there, so the step is the third curve's (survminer four-arm veteran `adeno`
    took one such: 0.0155). Where the lower drop's line covers that column all down, the step may be
    the curve's own and is kept."""
    from kmrepro.ingest.digitize.candidates import Candidates, candidates
    from kmrepro.ingest.digitize.trace import trace_curve

    own, under, over = (np.zeros((50, 40), bool) for _ in range(3))
    own[9:11, :15] = own[9:31, 14:16] = own[29:31, 14:] = True  # rows 9-10, 30 -> column 14.5 -> rows 29-30
    under[4:28, 14:18] = under[covered_from:46, 15:19] = under[44:46, 15:] = True
    over[19:21, 12:31] = True
    under &= ~over
    own &= ~under & ~over

    def read(mask, beneath):
        return candidates(mask, mask.astype(float), 2.0, under=beneath)

    others = Candidates.join([read(under, own | over), read(over, own | under)])
    curve = trace_curve(read(own, under | over), others, own.astype(float), 2.0, drawn=under | over,
                        beside=under | over)
    levels = [level for _, _, level in curve.segments]
    assert (19.5 in levels) == step_kept, curve.segments
    assert levels[0] == 9.5 and levels[-1] == 29.5, curve.segments
    if not step_kept:
        assert len(curve.drops) == 1 and abs(curve.drops[0][0] - 14.5) <= 1, curve.drops


def test_a_steep_staircase_is_one_gap_unless_its_ink_is_broken():
    """Stretches narrower than a line width between two others are the columns of a steep staircase
    when one unbroken stroke of ink runs through them: they are dropped, and the drops read as one
    gap. Where the stroke is broken (another curve drawn over it hides part), they are kept: they are
    all that places the hidden steps. A first stretch that narrow is a steep start's vertical line:
    its level is where its ink begins (its top edge, anti-aliased, plus half a line width)."""
    from kmrepro.ingest.digitize.trace import _without_slivers

    levels = np.array([10] * 5 + [20] * 2 + [30] * 2 + [40] * 7)  # the level in force in each column
    cover = np.zeros((60, len(levels)))
    for col, level in enumerate(levels):  # a 2 px line: each column from the last level down to this one
        cover[(levels[col - 1] if col else level) - 1:level + 1, col] = 1.0
    segments = [(0, 4, 10.0), (6, 6, 20.0), (8, 8, 30.0), (10, 15, 40.0)]
    assert _without_slivers(segments, cover, 2.0) == [segments[0], segments[-1]]
    broken = cover.copy()
    broken[24:27] = 0.0  # hidden between the 20 and 30 steps
    assert _without_slivers(segments, broken, 2.0) == segments
    start = cover[:, 4:].copy()  # the curve begins at its first drop's vertical line (columns 0-1)
    start[8, 1] = 0.25  # a soft top edge: the line's top is at 8.25, its level 9.25
    first = _without_slivers([(0, 1, 15.0), (6, 11, 40.0)], start, 2.0)[0]
    assert first[:2] == (0, 1) and abs(first[2] - 9.25) < 1e-9, first


def test_a_step_between_two_drops_is_told_from_a_stretch_splitting_one_line():
    """On a 2 px line, the flat part of a step between drops 1.75 px apart shows from the left
    line's centre column on, two columns wide (SMX1132531_1's steep fall, read as one tall drop when
    only slivers counted); a sliver right of the left drop's centre is a step too. A stretch lying
    on one short drop's line, its parts read one or two pixels apart either side of it, is no step
    (the known-answer figures' single drops came out split in two)."""
    from kmrepro.ingest.digitize.trace import _step_between

    assert _step_between(161.5, (161, 162), 163.25, 2.0)
    assert _step_between(105.5, (107, 107), 107.5, 2.0)
    assert not _step_between(271.0, (273, 274), 273.5, 2.0)  # a dash's end past the right line's centre
    assert not _step_between(308.5, (309, 310), 310.5, 2.0)
    assert not _step_between(93.5, (93, 94), 94.5, 2.0)
    assert not _step_between(161.5, (161, 162), 162.0, 2.0)  # the drops under a pixel apart
    assert not _step_between(161.5, (161, 164), 163.25, 2.0)  # the stretch reaching past the right drop
    # right of the left line's centre column, still in the line: a step where its own ink is
    # line-high, a horizontal stroke (JPEG veterans `standard`, below; R four-arm ggplot `adeno`); a
    # mark-high run there may be the line's own piece; a + mark's bar reaches past the right line
    assert _step_between(23.5, (24, 25), 25.76, 2.0, line_high=True)
    assert _step_between(38.0, (39, 40), 40.24, 2.0, line_high=True)
    assert not _step_between(23.5, (24, 25), 25.76, 2.0)
    assert not _step_between(38.0, (39, 40), 40.24, 2.0)
    assert not _step_between(35.0, (36, 38), 37.5, 2.0, line_high=True)  # CALGB40502_2B theme_bw + marks
    assert not _step_between(38.0, (40, 41), 42.5, 2.0, line_high=True)  # beginning past the left line
    assert not _step_between(25.5, (23, 25), 27.0, 2.0, line_high=True)  # beginning left of it


def test_small_drops_are_placed_to_a_fraction_of_a_pixel_on_an_unsnapped_figure(tmp_path):
    """Renderers that do not snap lines to pixels (R's Cairo and AGG devices) draw a drop at its exact
    position, anti-aliased. A drop a few pixels high shows no vertical line clear of its stretches; it is
    placed between the stretches' anti-aliased edges, to a fraction of a pixel (it was placed on a whole
    pixel, up to 0.5 px off). matplotlib snaps its tick marks (markers) up to a pixel right of their
    place, so the drops are compared through the figure's own pixel map, not through the ticks."""
    import matplotlib

    events = {2 + 0.83 * k: 1 for k in range(24)}  # drops of 1 % (3-4 px) at every fraction of a pixel
    arms = {"Fine": _arm(events, {}, 100, 24), "Other": _arm({0.5: 40, 12: 20}, {}, 100, 24)}
    path = tmp_path / "figure.png"
    with matplotlib.rc_context({"path.snap": False}):
        drawn = draw_km_figure(arms, path, "matplotlib", x_step=5)
    specs = [ArmSpec(n, parse_colour(c)) for n, (c, _) in drawn.arms.items()]
    result = digitize_image(path, "0:25:5", "0:1:0.2", specs)
    (_, drop_times, event_times, _, _) = _errors(result, drawn, arms)["Fine"]
    assert len(drop_times) == len(event_times)
    read_px = result.x_calibration.to_px(drop_times)
    intercept, slope = drawn.pixel_map[0]
    true_px = intercept + slope * event_times
    assert np.abs(read_px - true_px).max() <= 0.15, (read_px - true_px).round(2)


def test_a_thin_line_split_between_two_pixel_rows_is_read(tmp_path):
    """R's devices do not snap lines to pixels: a line thinner than a pixel (lwd 1 at 72 dpi, 0.75 px)
    centred on the boundary of two pixel rows covers each by less than half, which made neither ink:
    the curve vanished over such stretches and was read through them from the other curve or across
    them. Here every stretch of one arm is drawn within 0.05 px of a row boundary; each adjacent pair
    of pixels, together about one line's worth, is read as the line."""
    import matplotlib

    style = with_style("small", line_width=0.54)  # 0.75 px at 100 dpi
    other = _arm({1: 700, 15: 100}, {}, 1000, 24)  # below the thin arm throughout
    with matplotlib.rc_context({"path.snap": False}):
        (y0, y1) = draw_km_figure({"Other": other, "Thin": other}, tmp_path / "probe.png", style, x_step=5).pixel_map[1]
    n, left, events = 10000, 10000, {}
    for k, time in enumerate(range(2, 23, 2)):  # drops of about 5 %: each level's row at k + 0.5
        wanted = (np.floor(y0 + y1 * (left / n - 0.05)) + 0.5 - y0) / y1
        events[time] = left - round(wanted * n)
        left -= events[time]
    arms = {"Other": other, "Thin": _arm(events, {}, n, 24)}
    path = tmp_path / "figure.png"
    with matplotlib.rc_context({"path.snap": False}):
        drawn = draw_km_figure(arms, path, style, x_step=5)
    assert drawn.pixel_map[1] == (y0, y1)
    rows = y0 + y1 * (1 - np.cumsum(list(events.values())) / n)
    assert np.abs(rows - np.floor(rows) - 0.5).max() <= 0.05  # every stretch on a row boundary
    specs = [ArmSpec(name, parse_colour(c)) for name, (c, _) in drawn.arms.items()]
    result = digitize_image(path, "0:25:5", "0:1:0.2", specs)
    level_error, drop_times, event_times, _, _ = _errors(result, drawn, arms)["Thin"]
    assert len(drop_times) == len(event_times), drop_times
    assert level_error <= 0.004, level_error


def test_two_drops_a_line_width_apart_are_two_drops(tmp_path):
    """Thick lines (3 px): a small drop (3 px), and 3 px later a bigger one. Their vertical lines touch,
    but the first is a real drop, not the head of the second's line: both are read, each at its own
    line (they were read as one drop, at the first)."""
    arms = {"Close": _arm({10: 1, 10.14: 4}, {}, 120, 20), "Other": _arm({3: 20, 15: 20}, {}, 120, 20)}
    drawn, result = _draw_and_read(tmp_path, with_style("matplotlib", line_width=2.2), arms)
    (_, drop_times, event_times, true_sizes, sizes) = _errors(result, drawn, arms)["Close"]
    assert len(drop_times) == 2, drop_times
    assert np.abs(drop_times - event_times).max() * result.x_calibration.slope <= 1.0, drop_times
    assert np.abs(sizes - true_sizes).max() <= 0.005, sizes


def _veterans(by: str, count: int | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """scikit-survival's veterans lung cancer trial, an arm per value of column ``by`` (the first
    ``count`` in sorted order): real data whose early deaths make steep, crowded starts."""
    from sksurv.datasets import load_veterans_lung_cancer

    x, y = load_veterans_lung_cancer()
    group = x[by].astype(str)
    return {g: (y["Survival_in_days"][group == g].astype(float), y["Status"][group == g].astype(int))
            for g in sorted(group.unique())[:count]}


def _rmse(points: pd.DataFrame, arm: tuple[np.ndarray, np.ndarray]) -> float:
    """The benchmark's measure: RMSE of S(t) at 100 times over the arm's follow-up."""
    t, e = arm
    grid = np.linspace(0, t.max(), 100)
    return float(np.sqrt(np.mean((survival_at(points, grid) - km_at(t, e, grid)) ** 2)))


def test_drops_a_line_width_and_a_pixel_apart_under_another_curve_are_two_drops(tmp_path):
    """Veterans by cell type, three arms: adeno's drops at days 45 and 48 are 3 columns apart on 2 px
    lines, with one clean column of stretch between them, the second going under another arm's curve.
    Their vertical lines' centres, weighted by coverage, came out 2.99999998 px apart, which the rule
    joining the head and foot of one vertical line took for less than a line width and a pixel: the
    two were read as one drop at day 43 (adeno RMSE 0.0203, then 0.0187). Over its first months
    adeno falls under the other arms' curves, beside their steps: a step read from their ink, with
    adeno's own drop line showing beside it, kept two of its drops apart (0.0161; now 0.0134)."""
    arms = _veterans("Celltype", 3)
    _, result = _draw_and_read(tmp_path, "three-arms", arms, x_step=None)
    adeno = next(a for a in result.arms if a.name == "adeno").points
    drops = adeno.time.to_numpy()[1:][np.diff(adeno.survival.to_numpy()) < 0]
    assert ((drops > 42) & (drops < 49)).sum() == 2, drops.round(2)
    assert np.abs(drops - 48.0).min() * result.x_calibration.slope <= 1.0, drops.round(2)
    rmse = _rmse(adeno, arms["adeno"])
    assert rmse <= 0.014, rmse


def test_a_half_hidden_steep_start_keeps_a_step_its_own_ink_shows(tmp_path):
    """Veterans by treatment, JPEG: `standard` falls steeply at the start under `test`'s curve, its
    own ink showing only in a few blobs. One is the flat part of a step, line-high, two columns wide,
    beginning in the right one of the two columns its left drop's line (centred between them) covers:
    only steps beginning in the centre column counted, so its drops were merged into one tall drop
    across it (RMSE 0.0146; 0.0069 now)."""
    arms = _veterans("Treatment")
    _, result = _draw_and_read(tmp_path, "jpeg", arms, x_step=None)
    rmse = _rmse(next(a for a in result.arms if a.name == "standard").points, arms["standard"])
    assert rmse <= 0.009, rmse


def test_a_step_borrowed_beside_the_curves_own_falling_line_is_not_its_step():
    """A stretch read from another curve's ink (this one hidden under it) is no step of this curve
    where its own vertical line shows beside it through the stretch's level (it is mid-drop there);
    a horizontal stroke at that level, a line ending short of it, or no ink beside, says nothing."""
    from kmrepro.ingest.digitize.trace import _falls_through

    mask = np.zeros((40, 20), bool)
    mask[10:30, 8:10] = True  # a 2 px vertical line, rows 10-29, two columns left of the stretch
    assert _falls_through(mask, (11, 11), 20.0, 2.0)
    assert not _falls_through(mask, (11, 11), 29.0, 2.0)  # its foot: the line ends within a width
    assert not _falls_through(mask, (14, 14), 20.0, 2.0)  # too far to the left
    flat = np.zeros((40, 20), bool)
    flat[19:21, :10] = True  # a stretch at the level: the curve lies on the other there
    assert not _falls_through(flat, (11, 11), 20.0, 2.0)
    assert not _falls_through(np.zeros((40, 20), bool), (11, 11), 20.0, 2.0)


@pytest.mark.parametrize("marker", ["+", "|"])
def test_dashed_curves_of_their_own_colours_are_read_from_the_start_with_their_marks(tmp_path, marker):
    """Two dashed curves start together with their dashes in step: their first dashes, stacked and
    alike, are not legend keys (they were, and the curves were read from their fourth time unit on);
    the censor marks on the dashes are found."""
    drawn, result = _draw_and_read(tmp_path, with_style("matplotlib", censor_marker=marker, line_styles=("--", "--")))
    _assert_known_answer(result, drawn, level_tol=0.015, time_px=1.5)  # a drop's corner may fall in a dash gap
    for arm in result.arms:
        t, e = ARMS[arm.name]
        censored = np.unique(t[e == 0])
        assert len(arm.censored) == len(censored), (arm.name, arm.censored, censored)
        assert np.abs(arm.censored - censored).max() * result.x_calibration.slope <= 1.0, arm.censored


@pytest.mark.parametrize("marker", ["+", "|", None])
def test_censor_marks_on_solid_and_dashed_curves_of_one_colour(tmp_path, marker):
    """Black solid and dashed curves: the marks of each are found on it (the dashed curve's were not
    read at all), and the other curve's drops and dashes, the same black ink, are not taken for
    marks (with no marks drawn, none are found; the solid curve took the dashed one's drops for marks).
    A mark where the two curves run within its height of each other may be reported on both."""
    drawn, result = _draw_and_read(tmp_path, with_style("bw-dashed", censor_marker=marker))
    for arm in result.arms:
        t, e = ARMS[arm.name]
        censored = np.unique(t[e == 0])
        found = np.abs(arm.censored[:, None] - censored[None, :]) * result.x_calibration.slope <= 1.0
        if marker is None:
            assert len(arm.censored) == 0, (arm.name, arm.censored)
            continue
        seen = found.any(axis=0)[censored < t.max()]  # the end of the curve may hide the last mark
        assert seen.mean() >= 0.6, (arm.name, arm.censored, censored)
        assert (~found.any(axis=1)).sum() <= 1, (arm.name, arm.censored, censored)


def test_thin_line_greyed_by_jpeg_colour_subsampling_is_read_with_its_neighbours_colour():
    """JPEG 4:2:0 keeps colour at half resolution: a 1 px orange staircase keeps its darkness but
    shares its colour with the next row, and a quarter of its columns come out too grey to be its
    ink. Read with the colour of each pixel's three (``coarse_colour``), the line is whole again."""
    import io

    from PIL import Image

    from kmrepro.ingest.digitize.colours import ink_masks

    pixels = np.full((60, 120, 3), 255, np.uint8)
    for x in range(10, 110):
        pixels[20 + (x // 25) * 7, x] = (0xD9, 0x5F, 0x02)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=70, subsampling=2)
    rgb = np.asarray(Image.open(buffer).convert("RGB"), np.float32) / 255
    orange = [parse_colour("#D95F02")]
    _, (plain,) = ink_masks(rgb, orange, (1.0, 1.0, 1.0))
    _, (gathered,) = ink_masks(rgb, orange, (1.0, 1.0, 1.0), [True])
    assert plain[:, 10:110].any(axis=0).mean() < 0.85
    assert gathered[:, 10:110].any(axis=0).mean() >= 0.95
    assert not gathered[:15].any() and not gathered[50:].any()  # nothing far from the line


def test_survival_at_reads_the_corners_as_the_step_function_they_draw():
    """Hand-worked: at a drop's time the curve is already down (right-continuous), between drops it
    holds the level, before the first point it is the first point's level."""
    points = pd.DataFrame({"time": [0.0, 2.0, 2.0, 5.0, 5.0], "survival": [1.0, 1.0, 0.8, 0.8, 0.5]})
    times = np.array([-1.0, 0.0, 1.9, 2.0, 4.0, 5.0, 9.0])
    assert survival_at(points, times).tolist() == [1.0, 1.0, 1.0, 0.8, 0.8, 0.5, 0.5]


ENDS_AT_ZERO = {  # 2/15 -> 0 at 20; 1/40 -> 0 at 21, a drop under a censor mark's height
    "Everyone": _arm({2: 3, 5: 4, 9: 3, 14: 2, 20: 2}, {6: 1}, 15, 24),
    "Last one": _arm({2: 10, 6: 10, 10: 10, 15: 9, 21: 1}, {}, 40, 24)}


@pytest.mark.parametrize("style", ["matplotlib", "survminer", "base-r", "ggplot", "small", "jpeg"])
def test_a_curve_ending_in_an_event_is_read_down_to_zero_at_its_last_time(tmp_path, style):
    """The last observation an event: the curve ends with a drop to zero, which no stretch follows.
    It is read at its vertical line (it was never read: the curve ended at its last level), the short
    one (1/40, under a censor mark's height) too."""
    drawn, result = _draw_and_read(tmp_path, style, ENDS_AT_ZERO)
    for arm in result.arms:
        t, e = ENDS_AT_ZERO[arm.name]
        last = arm.points.iloc[-2:]
        assert last.survival.iloc[-1] == 0, (arm.name, last)
        assert last.survival.iloc[0] / drawn.y_ticks[1] == pytest.approx(km_at(t, e, [t.max() - 1e-9])[0], abs=0.01)
        assert np.abs(last.time - t.max()).max() * result.x_calibration.slope <= 1.5, (arm.name, last)


@pytest.mark.parametrize("style", ["matplotlib", "survminer", "base-r", "ggplot", "small", "jpeg"])
def test_a_final_drop_just_after_the_last_step_is_read_down_to_zero(tmp_path, style):
    """The last step and the final drop to zero 3 px apart (veterans test arm: 0.018 left at 991 days,
    0 at 999): the last step's vertical line rises above the line beside the final drop, and is no
    censor mark's stem; the curve was read on at the last step's foot."""
    arms = {"Close": _arm({2: 3, 5: 4, 9: 3, 14: 2, 23.85: 1, 24: 2}, {}, 15, 24),
            "Other": _arm({3: 5, 8: 5, 13: 5}, {18: 1, 21: 1}, 20, 22)}
    drawn, result = _draw_and_read(tmp_path, style, arms)
    close = result.arms[0].points
    assert close.survival.iloc[-1] == 0, close.tail(4)
    assert close.survival.iloc[-3] / drawn.y_ticks[1] == pytest.approx(2 / 15, abs=0.01), close.tail(4)
    assert abs(close.time.iloc[-1] - 24) * result.x_calibration.slope <= 1.5, close.tail(4)


@pytest.mark.parametrize("ending", ["Everyone", "Last one"])
def test_a_dashed_curve_ending_in_an_event_is_read_down_to_zero_across_its_dash_gaps(tmp_path, ending):
    """Black solid and dashed: the dashed curve's final drop is dashed too. Its first dash may begin
    a gap below the line, or round the corner (part of the gap along the line, part down), and its
    last dash may end a gap above zero; it was never read (the dashed arm ended at its last level)."""
    arms = {"Solid": _arm({2: 3, 5: 4}, {}, 14, 24), ending: ENDS_AT_ZERO[ending]}  # the solid well above
    drawn, result = _draw_and_read(tmp_path, "bw-dashed", arms)
    dashed = result.arms[1]
    assert drawn.arms[ending][1] == "dashed"
    t, _ = arms[ending]
    assert dashed.points.survival.iloc[-1] == 0, dashed.points.tail(3)
    assert abs(dashed.points.time.iloc[-1] - t.max()) * result.x_calibration.slope <= 1.5, dashed.points.tail(3)
    assert result.arms[0].points.survival.iloc[-1] / drawn.y_ticks[1] == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize("style", ["matplotlib", "survminer", "base-r", "ggplot", "small", "jpeg", "bw-dashed"])
def test_a_curve_whose_last_observation_is_censored_gets_no_final_drop(tmp_path, style):
    """The last observation censored (a mark at the end in styles with marks): the curve just ends at
    its last level, with no drop to zero or to the mark's foot."""
    arms = {"Censored": _arm({2: 3, 5: 4, 9: 3, 14: 2}, {20: 1}, 14, 24),  # 1/14 left, censored at 24
            "Marks": _arm({3: 5, 8: 5, 13: 5}, {18: 1, 21: 1}, 20, 22)}
    drawn, result = _draw_and_read(tmp_path, style, arms)
    for arm in result.arms:
        t, e = arms[arm.name]
        true_last = km_at(t, e, [t.max()])[0]
        assert arm.points.survival.iloc[-1] / drawn.y_ticks[1] == pytest.approx(true_last, abs=0.01), arm.name
        assert arm.points.survival.iloc[-2] == arm.points.survival.iloc[-1], arm.name  # a stretch, no drop


ENDS_IN_A_STEP = {  # the last time has an event and censorings: 18 at risk at 24, one dies (a 0.027 drop)
    "Last step": _arm({2: 5, 6: 5, 10: 5, 15: 5, 24: 1}, {12: 1, 18: 1}, 40, 24),
    "Censored": _arm({3: 5, 8: 5, 13: 5}, {18: 1, 21: 1}, 20, 22)}


@pytest.mark.parametrize("style", ["matplotlib", "survminer", "base-r", "ggplot", "small", "jpeg", "bw-dashed"])
def test_a_curve_ending_in_a_step_not_to_zero_ends_at_the_step_foot(tmp_path, style):
    """Events and censorings at the last time: the curve ends with a drop that no stretch follows, to a
    level above zero. Nothing is drawn above it where a censor mark's stem would show, so it is the
    last step, not a mark's foot (E1199(a)_2A p1, NSABPB40_3A bev: the last level 0.01 high); in
    styles with marks, the censorings' mark at its foot hangs below it, as far as the curve's marks do."""
    drawn, result = _draw_and_read(tmp_path, style, ENDS_IN_A_STEP)
    for arm in result.arms:
        t, e = ENDS_IN_A_STEP[arm.name]
        true_last = km_at(t, e, [t.max()])[0]
        assert arm.points.survival.iloc[-1] / drawn.y_ticks[1] == pytest.approx(true_last, abs=0.005), arm.name
    points, px = result.arms[0].points, 1.5 / result.x_calibration.slope  # the drop at 24, to a pixel and a half
    assert survival_at(points, [24 - px])[0] > survival_at(points, [24 + px])[0] == points.survival.iloc[-1]


def test_a_final_drop_ends_at_zero_or_is_left_out():
    """A KM curve ending in an event ends at zero: a final drop ending within half a line width and a
    pixel of the zero row is put there, one cut by the plot area's bottom too; one ending elsewhere is
    kept where nothing is drawn over the line as far up as the drop hangs below it (a last step), and
    dropped where something is (a censor mark's foot, its stem hidden under another curve), the curve
    kept as read."""
    from dataclasses import replace

    from kmrepro.ingest.digitize.trace import Curve

    as_read = Curve([(0, 50, 100.0)], [], 0, 50, 51, [], 3.0)
    clear = np.zeros((220, 60), bool)

    def ended(after: float) -> Curve:
        return Curve(as_read.segments, [(52.5, 100.0, after)], 0, 53, 51, [], 3.0, as_read)

    def drawn_at(row: int, col: int = 53) -> np.ndarray:
        return np.pad(np.ones((1, 1), bool), ((row, 219 - row), (col, 59 - col)))

    assert ended(198.0).ending_at(200.0, 210, clear).drops == [(52.5, 100.0, 200.0)]  # a flat cap, 2 px above
    assert ended(211.0).ending_at(200.0, 210, clear).drops == [(52.5, 100.0, 200.0)]  # runs out of the plot area
    assert ended(211.0).ending_at(None, 210, clear).drops == [(52.5, 100.0, 210)]  # y axis not from 0: its bottom
    assert as_read.ending_at(200.0, 210, clear) is as_read
    # a dashed line's last dash may end a gap between dashes above zero; a solid line's does not
    assert replace(ended(192.0), gap=11).ending_at(200.0, 210, clear).drops == [(52.5, 100.0, 200.0)]
    assert ended(192.0).ending_at(200.0, 210, drawn_at(70)) is as_read
    # ending elsewhere: a last step where nothing is drawn over the line (rows 89-97 for a drop to 110)
    assert ended(110.0).ending_at(200.0, 210, clear).drops == [(52.5, 100.0, 110.0)]
    assert ended(110.0).ending_at(200.0, 210, drawn_at(70)).drops == [(52.5, 100.0, 110.0)]  # too far up
    assert ended(110.0).ending_at(200.0, 210, drawn_at(98)).drops == [(52.5, 100.0, 110.0)]  # the line's soft edge
    assert ended(110.0).ending_at(200.0, 210, drawn_at(92, col=40)).drops == [(52.5, 100.0, 110.0)]  # aside
    assert ended(110.0).ending_at(200.0, 210, drawn_at(92)) is as_read  # a stem may be hidden there
    assert ended(110.0).ending_at(200.0, 210, drawn_at(90, col=56)) is as_read
    # the censorings' mark at the foot of a curve with marks hanging 4 px below its line
    assert ended(110.0).ending_at(200.0, 210, clear, hang=4.0).drops == [(52.5, 100.0, 106.0)]
    assert ended(103.0).ending_at(200.0, 210, clear, hang=4.0) is as_read  # no drop left: a mark's foot


def test_a_stray_end_past_a_drop_to_zero_is_not_the_curve():
    """A curve's line drops to zero at column 60; two columns of ink of its colour at its old level 80
    columns on (JPEG bleeding its colour onto another curve's line end: TH3RESA_2A base hex JPEG
    physicians_choice, read on at 0.086) end its path. A curve never rises: the final drop is read
    where it hangs, the stray end left out; with no drop before the gap, the curve is kept as read."""
    from kmrepro.ingest.digitize.candidates import LINE
    from kmrepro.ingest.digitize.ending import _with_final_drop
    from kmrepro.ingest.digitize.trace import Curve

    cover = np.zeros((160, 150))
    cover[49:51, :61] = 1.0  # the line, rows 49-50
    cover[49:150, 59:61] = 1.0  # its drop to the bottom
    cover[49:51, 140:142] = 1.0  # the stray end
    cols = np.r_[np.arange(0, 61), 140, 141]
    kinds = np.full(len(cols), LINE)
    curve = Curve([(0, 141, 49.5)], [], 0, 141, len(cols), [], 2.0)
    ended = _with_final_drop(curve, cover, cols, kinds)
    assert ended.as_read is curve
    where, before, after = ended.drops[-1]
    assert where == pytest.approx(59.5, abs=0.5) and (before, after) == (49.5, 148.5)  # ink to row 149, less half a line width
    assert ended.segments == [(0, 60, 49.5)] and ended.last_col <= 61
    cover[51:150, 59:61] = 0.0  # the line just ends: no drop, the stray end kept
    assert _with_final_drop(curve, cover, cols, kinds) is curve
    cover[51:150, 59:61] = 1.0
    cover[49:51, 61:140] = 1.0  # no gap: the line runs on, no drop at its end
    assert _with_final_drop(curve, cover, np.arange(0, 142), np.full(142, LINE)) is curve


def test_a_fall_no_ink_of_its_own_shows_follows_the_other_curve_of_its_colour_down():
    """Solid and dashed curves falling together side by side make one piece of ink, all taken for
    the solid curve: the dashed curve's fall shows none of its own ink, and was one drop half-way
    between its stretches (NCT00337103_2B ggplot black JPEG: 4 px early, eribulin 0.0230). It is read
    down the solid curve's drops there; not where its own ink shows the fall, nor where the other
    curve's drops there make up less than half of it."""
    from kmrepro.ingest.digitize.trace import Curve, falling_with

    dashed = Curve([(0, 10, 10.0), (30, 40, 100.0)], [(20.0, 10.0, 100.0)], 0, 40, 41, [], 2.0)
    solid = Curve([(0, 10, 8.0), (28, 40, 110.0)], [(12.0, 8.0, 30.0), (22.0, 30.0, 60.0), (26.0, 60.0, 110.0),
                                                    (35.0, 110.0, 120.0)], 0, 40, 41, [], 2.0)
    own = np.zeros((130, 50), bool)
    assert falling_with(dashed, solid, own).drops == [(12.0, 10.0, 30.0), (22.0, 30.0, 60.0), (26.0, 60.0, 100.0)]
    shown = own.copy()
    shown[40:60, 18] = True  # its own vertical line shows
    assert falling_with(dashed, solid, shown).drops == dashed.drops
    apart = Curve(solid.segments, [(12.0, 8.0, 30.0), (35.0, 110.0, 120.0)], 0, 40, 41, [], 2.0)
    assert falling_with(dashed, apart, own).drops == dashed.drops  # 20 of its 90 px


def test_a_curve_is_not_hidden_under_another_above_its_own_ink():
    """A curve never rises: in a dash gap after its fall it is not hidden under another curve's stretch
    above its own fall's ink further left (ACT2_2B base black `mut_c`: the dashed curve borrowed the
    solid one's stretch 45 px above its own dashes, and fell 4 px late)."""
    from kmrepro.ingest.digitize.candidates import LINE, Candidates, candidates
    from kmrepro.ingest.digitize.trace import trace_curve

    cover = np.zeros((80, 70))  # a 1 px dashed curve: along row 10, down column 10, along row 60
    cover[10, 0:4] = cover[10, 6:10] = 1.0
    for row in range(15, 60, 10):
        cover[row:row + 6, 10] = 1.0
    for col in range(17, 70, 6):  # the dash pattern runs on round the corner: a long gap there
        cover[60, col:col + 4] = 1.0
    own = candidates(cover >= 0.5, cover, 1.0)
    others = Candidates(np.arange(11, 17), np.full(6, 30.0), np.full(6, LINE))
    curve = trace_curve(own.take(own.kind == LINE), others, cover, 1.0, dashed=True)
    assert [round(level) for _, _, level in curve.segments] == [10, 60]
    assert not curve.borrowed and [round(where) for where, _, _ in curve.drops] == [10]


def _fall_with_plus_marks(bar_rows, bar_cols=(15, 27)):
    """A 2 px curve: flat at rows 10-11 to column 21, down a vertical line (columns 20-21) to rows
    60-61, flat again; ``+`` marks' bars (one row, 12 px) across the fall at ``bar_rows``."""
    cover = np.zeros((80, 80))
    cover[10:12, 0:22] = 1.0
    cover[10:62, 20:22] = 1.0
    cover[60:62, 20:80] = 1.0
    for row in bar_rows:
        cover[row, bar_cols[0]:bar_cols[1]] = 1.0
    return cover


def test_plus_marks_arms_across_a_steep_fall_are_not_stretches():
    """On a steep fall a ``+`` mark's bar crosses the falling line: its arms are short runs of ink
    like a stretch's, but loose (nothing of the curve left of or above the left end, right of or
    below the right end). They are erased; the curve then falls where its line is (it fell at the
    left arm's end, 5 px early, on ggplot's small theme_bw figures)."""
    from kmrepro.ingest.digitize.candidates import candidates
    from kmrepro.ingest.digitize.marks import loose_arms
    from kmrepro.ingest.digitize.trace import trace_curve

    cover = _fall_with_plus_marks([30, 45])
    arms = loose_arms(cover >= 0.5, 2.0)
    for row in (30, 45):
        assert arms[row, 15:20].all() and arms[row, 22:27].all() and not arms[row, 20:22].any()
    assert (arms & (cover >= 0.5)).sum() == 2 * 10  # of the ink, only the arms
    curve = trace_curve(candidates(cover >= 0.5, cover, 2.0), candidates(np.zeros((80, 80), bool), cover, 2.0),
                        cover, 2.0)
    assert [round(level) for _, _, level in curve.segments] == [10, 60]
    (where, before, after), = curve.drops
    assert abs(where - 20.5) < 0.6 and round(before) == 10 and round(after) == 60


def test_plus_marks_arm_beyond_the_falling_line_is_erased_when_its_other_end_is_on_the_curve():
    """A mark at the top of a steep fall: its bar runs into the falling line at one end (not loose
    there), and its other arm sticks out beyond the line, loose, where the curve falls on from the
    bar. That arm is the mark's and is erased (base R's TH3RESA_2A: the right arm was read as the
    stretch above the fall, 0.14 too high at 1.5 months); so is the left arm of a bar whose right end
    is on the curve where the fall comes down into it. A line width beside the falling line is kept
    (the curve may run on along the bar: a short stretch between two drops, a mark on it). Not when
    another curve's ink touches the arm: the stretch may go on under it (NCT00337103_2B base red/blue
    at 72 dpi)."""
    from kmrepro.ingest.digitize.marks import loose_arms

    on_left = _fall_with_plus_marks([30], bar_cols=(20, 27))
    arms = loose_arms(on_left >= 0.5, 2.0)  # a line width beside the falling line is kept
    assert arms[30, 24:27].all() and (arms & (on_left >= 0.5)).sum() == 3
    on_right = _fall_with_plus_marks([30], bar_cols=(15, 22))
    arms = loose_arms(on_right >= 0.5, 2.0)
    assert arms[30, 15:18].all() and (arms & (on_right >= 0.5)).sum() == 3
    beside = np.zeros(on_left.shape, bool)
    beside[28:33, 27:29] = True  # another curve's ink at its end: the stretch may go on under it
    assert not loose_arms(on_left >= 0.5, 2.0, beside).any()


def test_plus_marks_left_arm_is_erased_where_the_fall_comes_down_into_a_stretch():
    """A steep fall through a mark's bar that goes on along the bar and down from its right arm (a
    staircase): the right arm may be the curve's and is kept, but the left arm, loose, with the fall
    coming down the crossing line into the bar, is the mark's and is erased, a line width short of
    the line (ggplot theme_bw at 96 dpi, TH3RESA_2A: the left arm was read as a stretch mid-fall,
    0.06 off), unless another curve touches the mark. The soft pixels at an erased arm's ends go
    with it: left, they pulled the centre of the staircase's rows aside and it was read as one drop."""
    from kmrepro.ingest.digitize.marks import loose_arms

    cover = _fall_with_plus_marks([30])
    cover[30:62, 24:26] = 1.0  # the curve goes on down from the bar's right arm
    arms = loose_arms(cover >= 0.5, 2.0)
    assert arms[30, 15:18].all() and (arms & (cover >= 0.5)).sum() == 3
    beside = np.zeros(cover.shape, bool)
    beside[28:33, 27:29] = True  # another curve touching the mark: what it hides may be the curve's
    assert not loose_arms(cover >= 0.5, 2.0, beside).any()
    soft = _fall_with_plus_marks([45])
    soft[45, 14] = soft[45, 27] = 0.3  # the bar's anti-aliased ends
    arms = loose_arms(soft >= 0.5, 2.0)
    assert arms[45, 14] and arms[45, 27]


def test_plus_marks_arms_on_the_curve_are_kept():
    """A bar with an end on the curve and no fall on from it beyond the bar is not loose, and nothing
    is erased: a mark at the foot of a drop on a short last stretch (the drop ends at its bar, its
    stem is no fall), the curve leaving its right arm downwards (a mark on a stretch shorter than
    itself, the drop into it coming down left of its stem), or a mark on a flat stretch (its bar is
    the line)."""
    from kmrepro.ingest.digitize.marks import loose_arms

    last = np.zeros((80, 80))
    last[10:12, 0:22] = 1.0
    last[10:62, 20:22] = 1.0
    last[60:62, 20:30] = 1.0  # the last stretch, censored: a + mark at its end
    last[60, 30:34] = 1.0
    last[54:67, 28] = 1.0
    assert not loose_arms(last >= 0.5, 2.0).any()
    short = np.zeros((80, 80))
    short[10:12, 0:22] = 1.0
    short[10:32, 20:22] = 1.0  # the drop into the stretch, 4 px left of the mark's stem
    short[30:32, 20:28] = 1.0
    short[30:62, 26:28] = 1.0  # the curve goes on down from the bar's right arm
    short[30, 14:32] = 1.0
    short[21:40, 24] = 1.0
    assert not loose_arms(short >= 0.5, 2.0).any()
    flat = _fall_with_plus_marks([])
    flat[55:67, 50] = 1.0  # a + on the lower stretch: its stem; its bar is the line
    assert not loose_arms(flat >= 0.5, 2.0).any()


def test_a_censor_mark_cut_short_by_the_curve_over_it_is_centred_on_its_line():
    """Dense marks of one curve make a band the other curve covers in part: what shows of a mark is
    the end of its stem sticking out below the other curve, and its centre is off the line by half
    the hidden part (NSABPR04_3B, survminer at 300 dpi: read 4-13 px low). Its line is half an uncut
    stem from the free end; with no other curve's ink given, the stub's own centre is read."""
    from kmrepro.ingest.digitize.candidates import MARK, candidates

    mask = np.zeros((100, 400), bool)
    mask[49:52, :] = True  # the line, rows 49-51
    for col in range(0, 400, 10):
        mask[41:61, col:col + 2] = True  # + marks' stems, 20 px: rows 41-60, centred on row 50.5
    under = np.zeros_like(mask)
    under[36:54, 300:] = True  # the other curve's line and marks over this one from column 300
    mask[under] = False
    cut = candidates(mask, mask * 1.0, 3.0, under=under)
    stubs = (cut.col >= 300) & (cut.kind == MARK)
    assert stubs.sum() == 20 and np.allclose(cut.level[stubs], 50.5)
    uncut = (cut.col < 300) & (cut.kind == MARK)
    assert np.allclose(cut.level[uncut], 50.5)
    alone = candidates(mask, mask * 1.0, 3.0)
    assert np.allclose(alone.level[(alone.col >= 300) & (alone.kind == MARK)], 57.0)


def test_a_thin_pens_bar_beside_a_hidden_drop_is_not_the_line():
    """ggplot's ``+`` at 300 dpi: a 4 px pen on a 9 px line. A mark at a drop's foot has its left arm
    standing off the line at the lower level, left of the drop; where the curve above is hidden under
    the other curve, that arm outweighed the hidden stretch and the drop was read at the arm's end
    (ROSE_2A survminer at 300 dpi, 15 px early). Runs less than half as thick as the line with nothing
    drawn next to them, over a few columns, are no candidates; the line cut short by the other curve
    stays one, and so does a JPEG speck (a column wide)."""
    from kmrepro.ingest.digitize.candidates import candidates
    from kmrepro.ingest.digitize.trace import trace_curve

    mask = np.zeros((140, 260), bool)
    mask[26:35, :61] = True  # the curve at row 30, 9 px, before it goes under the other one
    mask[26:85, 114:123] = True  # its drop at column 118, down to row 80
    mask[76:85, 114:] = True  # the lower stretch
    mask[78:82, 104:133] = True  # a + at the drop's foot: its bar, 4 px, 29 px long
    mask[66:95, 117:121] = True  # and its stem
    other = np.zeros_like(mask)
    other[25:36, 60:200] = True  # the other curve over it, down to 11 px (its line and soft edges)
    mask &= ~other
    other_line = np.zeros_like(mask)
    other_line[26:35, 60:200] = True
    mask[20, 30] = True  # a speck off the line
    own = candidates(mask, mask * 1.0, 9.0, under=other)
    assert not ((own.col >= 104) & (own.col < 114)).any()  # the bar's left arm
    assert set(own.col[own.col < 60]) == set(range(60)) and (own.level[own.col == 30] == 20).any()  # the speck
    other[20:31, 45:60] = True  # a mark of the other curve hiding the line's top rows before that
    cut = candidates(mask & ~other, mask * 1.0, 9.0, under=other)
    assert set(cut.col[cut.col < 60]) == set(range(60))  # the 4 px of the line below it are kept
    curve = trace_curve(own, candidates(other_line, other_line * 1.0, 9.0), mask * 1.0, 9.0)
    (where, before, after), = curve.drops
    assert abs(where - 118.0) < 1.0 and abs(before - 30.0) < 1.0 and abs(after - 80.0) < 1.0


def test_a_drops_line_cut_short_by_the_other_curve_is_not_taken_for_a_marks_stem():
    """Where both curves fall together, the other curve hides the top of a drop's vertical line: what
    shows is as short as a cut stem, one end against the other curve, the other free. A mark's stem
    is crossed at its centre by its line or its bar (or the other curve's line hiding them); the
    drop's line is crossed by nothing there, so it is not moved as a stem (ROSE_2A survminer at 300 dpi,
    the veteran theme_bw fixture: drops moved to the wrong side of a stretch's end)."""
    from kmrepro.ingest.digitize.candidates import LINE_END, candidates

    mask = np.zeros((120, 220), bool)
    mask[29:32, :102] = True  # the upper stretch, rows 29-31
    mask[29:82, 99:102] = True  # the drop's vertical line, columns 99-101
    mask[79:82, 99:] = True  # the lower stretch, rows 79-81
    for col in [*range(10, 91, 10), *range(120, 211, 10)]:
        top = 21 if col < 100 else 71
        mask[top:top + 20, col] = True  # + marks' stems, 20 px, centred on their line
        mask[top + 9:top + 11, col - 5:col + 6] = True  # and their bars
    under = np.zeros_like(mask)
    under[40:71, 93:108] = True  # the other curve falling over the drop's line, down to row 70
    mask[under] = False
    cands = candidates(mask, mask * 1.0, 3.0, under=under)
    line = (cands.col >= 99) & (cands.col <= 101)
    # above the other curve (rows 29-39) and below it (rows 71-81): pieces of the drop's line, giving
    # the levels of the corners their free ends show (30 and 80), not moved to 38.5 and 71.5
    assert line.sum() == 6 and (cands.kind[line] == LINE_END).all()
    assert np.allclose(np.sort(cands.level[line]), [30.0] * 3 + [80.0] * 3)


def test_a_corners_thickened_ink_does_not_merge_two_drops_a_stretch_parts():
    """Two drops two pixels apart, parted by a short stretch whose corners show (LINE_END): two drops.
    JPEG thickens the ink where the line turns, so a mark-high run stands at the stretch's level; its
    centre is the corner's level, not a small drop's mid-drop centre, and the stretch stays (it was
    lost, the two drops merged into one from the upper level: matplotlib JPEG IMPRESS_2 gefitinib).
    A mark-high centre half a pixel off the corners' level may be a small drop's mid-drop centre, and
    corners over a pixel apart leave the stretch's level unsure (unsnapped small drops were split)."""
    from kmrepro.ingest.digitize.candidates import LINE_END, MARK, candidates
    from kmrepro.ingest.digitize.trace import _shows_corner, trace_curve

    mask = np.zeros((80, 60), bool)
    mask[29:31, :22] = True  # the upper stretch, rows 29-30
    mask[29:36, 20:22] = True  # the first drop's line, columns 20-21
    mask[34:36, 20:25] = True  # the short stretch, rows 34-35
    mask[32:38, 22] = True  # the corner's thickened ink, rows 32-37: centred on the stretch
    mask[34:50, 23:25] = True  # the second drop's line, columns 23-24
    mask[48:50, 23:] = True  # the lower stretch, rows 48-49
    cands = candidates(mask, mask * 1.0, 2.0)
    assert ((cands.col == 22) & (cands.kind == MARK)).any()
    curve = trace_curve(cands, candidates(np.zeros_like(mask), mask * 0.0, 2.0), mask * 1.0, 2.0)
    assert [round(level, 1) for _, _, level in curve.segments[:3]] == [29.5, 34.5, 48.5]
    assert [(round(before, 1), round(after, 1)) for _, before, after in curve.drops] == [(29.5, 34.5), (34.5, 48.5)]
    assert not _shows_corner(np.array([34.5, 35.1]), np.array([LINE_END, MARK]))
    assert not _shows_corner(np.array([29.3, 30.4, 30.6]), np.array([LINE_END, MARK, LINE_END]))
    assert _shows_corner(np.array([34.5, 34.8, 35.3]), np.array([LINE_END, MARK, LINE_END]))


def test_a_piece_of_a_drops_vertical_line_gives_the_levels_its_free_ends_show():
    """A curve drawn under others on a steep fall shows only pieces of its drops' vertical lines
    beside the other curves' lines (R's veteran four arms, survminer: adeno). Such a piece is no
    censor mark: its centre is half-way down the drop, no level of the curve (the curve was read
    through those mid-drop levels). Its free end shows the stretch the drop reaches; its end under the
    other curve shows nothing. A + mark's stem, crossed at its middle by the line, keeps its centre."""
    from kmrepro.ingest.digitize.candidates import LINE_END, MARK, candidates

    mask = np.zeros((100, 60), bool)
    mask[29:32, :21] = True  # the upper stretch, rows 29-31: level 30
    mask[29:72, 18:21] = True  # the drop's vertical line, columns 18-20
    mask[69:72, 18:] = True  # the lower stretch: level 70
    mask[62:79, 40:42] = True  # a censor mark's stem on it, rows 62-78 (centre 70)
    under = np.zeros_like(mask)
    under[:50, 14:24] = True  # another curve's line over the drop's upper part
    mask[under] = False
    cands = candidates(mask, mask * 1.0, 3.0, under=under)
    drop = (cands.col >= 18) & (cands.col <= 20)
    assert (cands.kind[drop] == LINE_END).all() and drop.sum() == 3
    assert np.allclose(cands.level[drop], 70.0)  # not 60.5, the piece's centre
    stem = cands.col == 40
    assert (cands.kind[stem] == MARK).all() and np.allclose(cands.level[stem], 70.0)


def test_a_thick_lines_edge_peeking_out_beside_another_curve_is_read_at_the_lines_centre():
    """A curve drawn under another shows, where the other's ink covers all but its top pixel row,
    only that edge: its level is the line's centre (half a line width below the free edge), not the
    edge's row (R veteran four arms survminer adeno: stretches read a pixel and a half too high broke
    the path down its hidden steep fall). A run as thick as the line, or cut at both ends, keeps its
    centre; so does the edge with no other curve's ink given."""
    from kmrepro.ingest.digitize.candidates import candidates

    mask = np.zeros((40, 60), bool)
    mask[20:23, :] = True  # the line, rows 20-22: centre row 21
    under = np.zeros_like(mask)
    under[21:30, 30:] = True  # the other curve over it from column 30: only row 20 shows
    under[10:20, 50:] = True  # and a third curve above it from column 50: row 20 cut at both ends
    mask[under] = False
    cands = candidates(mask, mask * 1.0, 3.0, under=under)
    assert np.allclose(cands.level[cands.col < 30], 21.0)
    edge = (cands.col >= 30) & (cands.col < 50)
    assert edge.sum() == 20 and np.allclose(cands.level[edge], 21.0)
    assert np.allclose(cands.level[cands.col >= 50], 20.0)
    alone = candidates(mask, mask * 1.0, 3.0)
    assert np.allclose(alone.level[(alone.col >= 30) & (alone.col < 50)], 20.0)


def test_a_drops_line_half_hidden_by_another_curve_is_read_half_a_line_width_from_its_free_edge():
    """A tall drop's 4 px vertical line (columns 18.0-22.0, centre 20) whose right side another
    curve drawn over it hides for most of its height shows only its left edge there: its centre is
    half the line's width (as its rows below the other curve show it) from that free edge, not the
    centre of what shows (18.67: R ROSE_2A survminer bands `pbo_doc`, a drop read half a pixel
    early, 0.0101). Without the other's ink given, with ink of the other on both sides, or with a
    column the line would cover not under it, what shows keeps its own centre; so does a line
    showing whole beside another curve, and a thinner one (a mark's stem of a thinner pen)."""
    from kmrepro.ingest.digitize.drops import _read_drops, _vertical_line

    cover = np.zeros((80, 60))
    cover[10:13, :19] = 1.0  # the stretch above, rows 10-12, to the line's left edge
    cover[10:51, 18] = 0.5  # the vertical line: half of column 18, columns 19-21, half of 22
    cover[10:51, 19:22] = 1.0
    cover[10:51, 22] = 0.5
    cover[48:51, 21:] = 1.0  # the stretch below, rows 48-50
    beside = np.zeros(cover.shape, bool)
    beside[14:37, 20:26] = True  # the other curve's ink over the line's right half, rows 14-36
    hidden = np.where(beside, 0.0, cover)
    (drop,) = _read_drops(hidden, 17, 23, 11.0, 49.0, 4.0, 0, beside=beside)
    assert drop[1:] == (11.0, 49.0) and abs(drop[0] - 20.0) < 0.05, drop
    cols = np.arange(14, 28)
    assert abs(_vertical_line(hidden, cols, 11.0, 49.0, 4.0)[0] - 18.67) < 0.01
    stray = beside.copy()
    stray[14:37, 16:18] = True  # ink of the other on both sides: no free edge
    assert abs(_vertical_line(hidden, cols, 11.0, 49.0, 4.0, beside=stray)[0] - 18.67) < 0.01
    gap = beside.copy()
    gap[14:37, 21] = False  # a column the line would cover not under the other: not hidden there
    assert abs(_vertical_line(hidden, cols, 11.0, 49.0, 4.0, beside=gap)[0] - 18.67) < 0.01
    whole = np.zeros(cover.shape, bool)
    whole[14:46, 23:26] = True  # the other curve touching the line, hiding none of it
    assert abs(_vertical_line(cover, cols, 11.0, 49.0, 4.0, beside=whole)[0] - 20.0) < 0.01
    thin = np.zeros(cover.shape)
    thin[10:51, 19:21] = 1.0  # a 2.5 px line (columns 19-20, half of 21), centre 19.8
    thin[10:51, 21] = 0.5
    left = np.zeros(cover.shape, bool)
    left[10:51, 15:19] = True  # the other curve's ink against its left side
    assert abs(_vertical_line(thin, cols, 11.0, 49.0, 4.0, beside=left)[0] - 19.8) < 0.01


def test_stems_crossing_another_curves_line_tell_how_tall_a_hidden_curves_marks_are():
    """A curve drawn under another shows its marks' stems above and below the other curve's line
    (a soft pixel of neither colour between): each spans from its top run's first row to its bottom
    run's last, through the other's ink. The commonest span is the marks' height; a column with ink
    on both sides of a gap of background is no stem across anything; too few stems, no height."""
    from kmrepro.ingest.digitize.marks import MIN_UNCUT_STEMS, _band_across, _with_soft_edge

    own, under = np.zeros((40, 60), bool), np.zeros((40, 60), bool)
    under[18:20, :] = True  # the other curve's line, rows 18-19; its soft edges at 17 and 20
    for col in range(2, 60, 3):
        own[12:17, col] = own[21:24, col] = True  # a 12 px stem, rows 12-23
    own[5:8, 1] = own[10:13, 1] = True  # ink above and below background: no stem across a curve
    assert _band_across(own, _with_soft_edge(under)) == 12
    few = own.copy()
    few[:, 2 + 3 * (MIN_UNCUT_STEMS - 1):] = False
    assert _band_across(few, _with_soft_edge(under)) == 0
