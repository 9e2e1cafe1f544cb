"""Row-wise L2 normalisation shared by every embedder."""

from __future__ import annotations

import numpy as np


def l2_normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    # A zero row (empty text) stays zero instead of becoming NaN.
    normalised: np.ndarray = matrix / np.maximum(norms, 1e-12)
    return normalised
