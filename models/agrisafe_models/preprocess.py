"""Input preprocessing as ultralytics does it: letterbox to a square, RGB, 0..1, NCHW."""

import cv2
import numpy as np
import numpy.typing as npt


def letterbox(image: npt.NDArray[np.uint8], size: int) -> npt.NDArray[np.float32]:
    """A BGR image as a (1, 3, SIZE, SIZE) float32 tensor, aspect kept, padded with grey 114."""
    h, w = image.shape[:2]
    scale = min(size / h, size / w)
    nh, nw = round(h * scale), round(w * scale)
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((size, size, 3), 114, dtype=np.uint8)
    top, left = (size - nh) // 2, (size - nw) // 2
    canvas[top : top + nh, left : left + nw] = resized
    rgb = canvas[:, :, ::-1].transpose(2, 0, 1)
    return (np.ascontiguousarray(rgb, dtype=np.float32) / 255.0)[None]
