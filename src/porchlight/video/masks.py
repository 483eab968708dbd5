"""Privacy zones: polygons in normalised frame coordinates, rasterised and blacked out.

A zone is a list of ``[x, y]`` points with ``0 <= x, y <= 1`` measured from the
top-left corner, as the server stores them; any number of zones of any shape and
size. :func:`rasterize` turns zones into a boolean mask for one resolution, and
:class:`ZoneMask` blacks the masked pixels out of BGR images and of Y/U/V planes.

Lossy codecs smear colour across block edges and chroma is stored at half
resolution, so a mask that is exact in the raw frame can leak a few levels of
colour back into the zone after encoding. For anything that is encoded,
:meth:`ZoneMask.for_output` therefore grows the blacked-out area by a margin and
snaps it outward to the codec's block grid, and writes luma 0 (below video black,
16) so that quantisation noise still decodes to RGB ``(0, 0, 0)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from porchlight.video._types import BoolMask, Image

Polygon = Sequence[Sequence[float]]

#: Fixed-point bits used when rasterising, so vertices keep sub-pixel precision.
_SHIFT = 8
#: Pixels added around each zone in encoded output: more than an 8x8 transform,
#: the H.264 deblocking reach (3 px) and chroma interpolation (2 px) together.
OUTPUT_MARGIN = 8
#: Encoded covers snap outward to this grid (an H.264 macroblock, a JPEG MCU).
OUTPUT_BLOCK = 16
#: Luma written into zones: below video black, so small coding errors stay black.
BLACK_LUMA = 0
#: Neutral chroma: no colour at all.
NEUTRAL_CHROMA = 128


def parse_zones(zones: Iterable[Polygon]) -> list[NDArray[np.float64]]:
    """Check and normalise zones: at least three finite ``[x, y]`` points each.

    Points outside the frame are clamped to its edge. Raises :class:`ValueError`
    naming the zone at fault.
    """
    parsed: list[NDArray[np.float64]] = []
    for index, zone in enumerate(zones):
        try:
            points = np.asarray(zone, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"privacy zone {index}: points must be [x, y] numbers") from exc
        if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] < 3:
            raise ValueError(f"privacy zone {index}: needs at least three [x, y] points")
        if not np.isfinite(points).all():
            raise ValueError(f"privacy zone {index}: coordinates must be finite numbers")
        parsed.append(np.clip(points, 0.0, 1.0))
    return parsed


def rasterize(zones: Iterable[Polygon], width: int, height: int) -> BoolMask:
    """A ``height`` x ``width`` mask, True on every pixel a zone covers.

    A pixel counts when its centre lies inside a zone or within half a pixel of its
    outline, so the mask errs towards covering: a zone smaller than a pixel still
    masks the pixel it falls in. Overlapping zones simply add up.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"cannot rasterise zones for a {width}x{height} frame")
    canvas = np.zeros((height, width), dtype=np.uint8)
    scale = np.array([width, height], dtype=np.float64)
    for points in parse_zones(zones):
        # Pixel i has its centre at i + 0.5 in frame units, so shift by half a pixel.
        fixed = np.round((points * scale - 0.5) * (1 << _SHIFT)).astype(np.int32)
        cv2.fillPoly(canvas, [fixed], 255, lineType=cv2.LINE_8, shift=_SHIFT)
    return canvas.astype(bool)


def grow(mask: BoolMask, margin: int, block: int = 1) -> BoolMask:
    """``mask`` dilated by ``margin`` pixels, then snapped outward to a ``block`` grid."""
    grown = mask
    if margin > 0 and mask.any():
        kernel = np.ones((2 * margin + 1, 2 * margin + 1), dtype=np.uint8)
        grown = cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)
    if block > 1 and grown.any():
        height, width = grown.shape
        rows, cols = math.ceil(height / block), math.ceil(width / block)
        padded = np.zeros((rows * block, cols * block), dtype=bool)
        padded[:height, :width] = grown
        cells = padded.reshape(rows, block, cols, block).any(axis=(1, 3))
        grown = np.repeat(np.repeat(cells, block, axis=0), block, axis=1)[:height, :width]
    return np.asarray(grown, dtype=bool)


def chroma_mask(mask: BoolMask, width: int, height: int) -> BoolMask:
    """A mask for a subsampled chroma plane: a chroma sample is masked when any luma
    pixel it stands for is masked."""
    fy = math.ceil(mask.shape[0] / height)
    fx = math.ceil(mask.shape[1] / width)
    padded = np.zeros((height * fy, width * fx), dtype=bool)
    padded[: mask.shape[0], : mask.shape[1]] = mask
    return np.asarray(padded.reshape(height, fy, width, fx).any(axis=(1, 3)), dtype=bool)


class ZoneMask:
    """Privacy zones rasterised for one frame size, ready to black out frames.

    ``inside`` is exactly what the zones cover; ``cover`` is what gets blacked out,
    the same or larger (see :meth:`for_output`). Applying a mask with no zones is
    a no-op costing nothing.
    """

    def __init__(
        self,
        zones: Iterable[Polygon],
        width: int,
        height: int,
        *,
        margin: int = 0,
        block: int = 1,
    ) -> None:
        self.width = width
        self.height = height
        self.inside = rasterize(zones, width, height)
        self.cover = grow(self.inside, margin, block)
        self.empty = not bool(self.cover.any())
        self._bbox = _bbox(self.cover)
        self._chroma: dict[tuple[int, int], BoolMask] = {}

    @classmethod
    def for_output(cls, zones: Iterable[Polygon], width: int, height: int) -> ZoneMask:
        """A mask for frames that will be encoded (video or JPEG): grown by
        :data:`OUTPUT_MARGIN` and snapped to :data:`OUTPUT_BLOCK` so that no zone pixel
        decodes to anything but black."""
        return cls(zones, width, height, margin=OUTPUT_MARGIN, block=OUTPUT_BLOCK)

    def black_out_bgr(self, image: Image) -> Image:
        """Set every covered pixel of a ``height`` x ``width`` x 3 image to 0, in place."""
        self._check(image.shape[0], image.shape[1])
        if not self.empty:
            y1, y2, x1, x2 = self._bbox
            region = image[y1:y2, x1:x2]
            region[self.cover[y1:y2, x1:x2]] = 0
        return image

    def black_out_planes(self, y: Image, u: Image, v: Image) -> None:
        """Black out Y, U and V planes (any chroma subsampling) in place: luma 0,
        neutral chroma."""
        self._check(y.shape[0], y.shape[1])
        if self.empty:
            return
        y1, y2, x1, x2 = self._bbox
        np.copyto(y[y1:y2, x1:x2], BLACK_LUMA, where=self.cover[y1:y2, x1:x2])
        cmask = self.chroma(u.shape[1], u.shape[0])
        np.copyto(u, NEUTRAL_CHROMA, where=cmask)
        np.copyto(v, NEUTRAL_CHROMA, where=cmask)

    def chroma(self, width: int, height: int) -> BoolMask:
        """The cover for a chroma plane of ``width`` x ``height`` (cached)."""
        key = (width, height)
        if key not in self._chroma:
            self._chroma[key] = chroma_mask(self.cover, width, height)
        return self._chroma[key]

    def _check(self, height: int, width: int) -> None:
        if (width, height) != (self.width, self.height):
            raise ValueError(f"mask is for {self.width}x{self.height} frames, got {width}x{height}")


def _bbox(mask: BoolMask) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return (0, 0, 0, 0)
    return (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)
