"""Array types shared by the video modules, and a cast for OpenCV's loose return types."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

#: An 8-bit image or plane: ``height x width`` (luma, chroma, mask) or
#: ``height x width x 3`` (BGR).
Image = NDArray[np.uint8]
BoolMask = NDArray[np.bool_]
Floats = NDArray[np.float32]


def u8(array: Any) -> Image:
    """``array`` as a uint8 NumPy array, without copying when it already is one."""
    return np.asarray(array, dtype=np.uint8)
