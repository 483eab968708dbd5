"""Privacy zones: rasterisation and blacking out."""

from __future__ import annotations

import numpy as np
import pytest

from porchlight.video.masks import (
    BLACK_LUMA,
    NEUTRAL_CHROMA,
    OUTPUT_BLOCK,
    ZoneMask,
    chroma_mask,
    grow,
    parse_zones,
    rasterize,
)

Zone = list[list[float]]

FULL: Zone = [[0, 0], [1, 0], [1, 1], [0, 1]]
LEFT_HALF: Zone = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]


def test_full_frame_zone_covers_every_pixel() -> None:
    assert rasterize([FULL], 64, 48).all()


def test_no_zones_cover_nothing() -> None:
    assert not rasterize([], 64, 48).any()


def test_half_frame_zone_covers_that_half_and_no_more() -> None:
    mask = rasterize([LEFT_HALF], 100, 10)
    assert mask[:, :50].all()
    assert not mask[:, 51:].any()


def test_rectangle_edges_land_within_half_a_pixel() -> None:
    mask = rasterize([[[0.1, 0.2], [0.3, 0.2], [0.3, 0.6], [0.1, 0.6]]], 100, 100)
    rows, cols = np.nonzero(mask)
    assert rows.min() in (19, 20)
    assert rows.max() in (59, 60)
    assert cols.min() in (9, 10)
    assert cols.max() in (29, 30)
    assert mask[20:60, 10:30].all()


def test_tiny_zone_still_masks_the_pixel_it_falls_in() -> None:
    mask = rasterize([[[0.503, 0.5], [0.504, 0.5], [0.504, 0.501]]], 100, 100)
    assert 1 <= mask.sum() <= 4
    assert mask[49:52, 49:52].any()


def test_concave_zone_leaves_its_notch_uncovered() -> None:
    # An L: the top-right quarter is not part of it.
    ell: Zone = [[0, 0], [0.5, 0], [0.5, 0.5], [1, 0.5], [1, 1], [0, 1]]
    mask = rasterize([ell], 80, 80)
    assert not mask[5:35, 45:].any()
    assert mask[45:, 45:].all()
    assert mask[:, :35].all()


def test_several_overlapping_zones_add_up() -> None:
    a: Zone = [[0, 0], [0.6, 0], [0.6, 0.6], [0, 0.6]]
    b: Zone = [[0.4, 0.4], [1, 0.4], [1, 1], [0.4, 1]]
    mask = rasterize([a, b], 50, 50)
    assert mask[10, 10]
    assert mask[25, 25]
    assert mask[45, 45]
    assert not mask[45, 5]
    assert not mask[5, 45]


def test_points_outside_the_frame_are_clamped() -> None:
    zones = parse_zones([[[-1, -1], [2, -1], [2, 2], [-1, 2]]])
    assert zones[0].min() == 0
    assert zones[0].max() == 1
    assert rasterize([[[-1, -1], [2, -1], [2, 2], [-1, 2]]], 20, 10).all()


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        ([[0, 0], [1, 1]], "at least three"),
        ([[0, 0, 0], [1, 1, 1], [0, 1, 0]], "at least three"),
        ([[0, 0], [1, float("nan")], [0, 1]], "finite"),
        ([["a", 0], [1, 1], [0, 1]], "numbers"),
    ],
)
def test_bad_zones_are_refused_with_a_reason(zone: list[list[object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rasterize([zone], 10, 10)  # type: ignore[list-item]


def test_black_out_bgr_blacks_exactly_the_zone() -> None:
    image = np.full((40, 60, 3), 200, dtype=np.uint8)
    mask = ZoneMask([LEFT_HALF], 60, 40)
    mask.black_out_bgr(image)
    assert (image[mask.inside] == 0).all()
    assert (image[~mask.inside] == 200).all()


def test_output_cover_grows_to_the_block_grid() -> None:
    mask = ZoneMask.for_output([[[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]]], 320, 240)
    assert mask.cover[mask.inside].all()
    assert mask.cover.sum() > mask.inside.sum()
    rows, cols = np.nonzero(mask.cover)
    assert rows.min() % OUTPUT_BLOCK == 0
    assert (rows.max() + 1) % OUTPUT_BLOCK == 0
    assert cols.min() % OUTPUT_BLOCK == 0
    assert (cols.max() + 1) % OUTPUT_BLOCK == 0


def test_black_out_planes_writes_black_luma_and_neutral_chroma() -> None:
    y = np.full((48, 64), 180, dtype=np.uint8)
    u = np.full((24, 32), 90, dtype=np.uint8)
    v = np.full((24, 32), 200, dtype=np.uint8)
    mask = ZoneMask.for_output([[[0, 0], [0.25, 0], [0.25, 0.5], [0, 0.5]]], 64, 48)
    mask.black_out_planes(y, u, v)
    assert (y[mask.cover] == BLACK_LUMA).all()
    assert (y[~mask.cover] == 180).all()
    cmask = mask.chroma(32, 24)
    assert (u[cmask] == NEUTRAL_CHROMA).all()
    assert (v[cmask] == NEUTRAL_CHROMA).all()
    assert (u[~cmask] == 90).all()


def test_chroma_mask_covers_any_partly_masked_sample_even_for_odd_sizes() -> None:
    mask = np.zeros((5, 7), dtype=bool)
    mask[4, 6] = True
    chroma = chroma_mask(mask, 4, 3)
    assert chroma.shape == (3, 4)
    assert chroma[2, 3]
    assert chroma.sum() == 1


def test_grow_dilates_by_the_margin() -> None:
    mask = np.zeros((21, 21), dtype=bool)
    mask[10, 10] = True
    grown = grow(mask, 3)
    assert grown[7:14, 7:14].all()
    assert grown.sum() == 49


def test_mask_refuses_frames_of_another_size() -> None:
    with pytest.raises(ValueError, match="64x48"):
        ZoneMask([FULL], 64, 48).black_out_bgr(np.zeros((10, 10, 3), dtype=np.uint8))
