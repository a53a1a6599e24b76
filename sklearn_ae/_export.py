"""ONNX export of the inference paths, with the scaling folded in.

Each exported method becomes a torch module that takes the raw float32 rows
``X`` (as the estimator's method does) and returns the method's output:
the scaler's affine map, the NaN mask, the network and the post-processing
(unscaling, ensemble mean, outlier statistics) are all in the graph, so a
serving stack needs onnxruntime only. The graph is written by torch's ONNX
exporter (``torch.onnx.export(..., dynamo=True)``), which needs the optional
``onnx`` and ``onnxscript`` packages.
"""

from __future__ import annotations

import copy
import os
import warnings

import numpy as np
import torch
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._scaling import StableScaler

#: ONNX opset the graphs are written in.
OPSET = 18


def _affine(scaler) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` with ``scaler.transform(X) == X * a + b``."""
    if isinstance(scaler, StableScaler):
        return 1.0 / scaler.scale_, -scaler.mean_ / scaler.scale_
    if isinstance(scaler, MinMaxScaler):
        return scaler.scale_, scaler.min_
    raise NotImplementedError(f"Cannot fold a {type(scaler).__name__} into an ONNX graph.")


class InferenceGraph(nn.Module):
    """The pieces an exported method is built from.

    Holds a float32 copy of the trained module and, as buffers, the scaler's
    affine map and any fitted arrays the method needs (``constants``).
    """

    def __init__(self, estimator, constants: dict | None = None) -> None:
        super().__init__()
        self.module = copy.deepcopy(estimator.net_.module_).float().cpu().eval()
        n_features = estimator.n_features_in_
        if estimator.scaler_ is None:
            a, b = np.ones(n_features), np.zeros(n_features)
        else:
            a, b = _affine(estimator.scaler_)
        self.register_buffer("a", torch.as_tensor(a, dtype=torch.float32))
        self.register_buffer("b", torch.as_tensor(b, dtype=torch.float32))
        for name, value in (constants or {}).items():
            value = np.asarray(value)
            dtype = None if value.dtype.kind in "biu" else torch.float32
            self.register_buffer(name, torch.as_tensor(value, dtype=dtype))
        # missing values become zeros plus a mask, as in _data.to_table
        self.nan_aware = bool(estimator._allow_nan)
        empty = getattr(estimator, "_empty_features", np.zeros(n_features, dtype=bool))
        self.register_buffer("empty", torch.as_tensor(empty))

    def prepare(self, X: torch.Tensor) -> torch.Tensor:
        """Features missing throughout ``fit`` read as 0, as in ``_validate_X``."""
        return torch.where(self.empty, torch.zeros_like(X), X)

    def scale(self, X: torch.Tensor):
        """Scaled rows and the observation mask (None where NaN is not accepted)."""
        x = self.prepare(X) * self.a + self.b
        if not self.nan_aware:
            return x, None
        missing = torch.isnan(x)
        return torch.where(missing, torch.zeros_like(x), x), (~missing).to(x.dtype)

    def unscale(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.b) / self.a

    def reconstruct(self, X: torch.Tensor) -> torch.Tensor:
        """Reconstruction in original units (ensembles averaged)."""
        x, mask = self.scale(X)
        out = self.module.reconstruct(x, mask)
        if out.dim() == 3:
            out = out.mean(dim=1)
        return self.unscale(out)


class _Method(nn.Module):
    """``forward(X) = fn(graph, X)``: one exported method."""

    def __init__(self, graph: InferenceGraph, fn) -> None:
        super().__init__()
        self.pieces = graph  # ("graph" is taken by torch.fx)
        self.fn = fn

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.fn(self.pieces, X)


def to_onnx(estimator, path=None, *, method=None):
    """Export an inference method of a fitted estimator to ONNX.

    See :meth:`~sklearn_ae.AutoencoderTransformer.to_onnx`.
    """
    check_is_fitted(estimator)
    methods = estimator._onnx_methods()
    if not methods:
        raise NotImplementedError(
            f"{type(estimator).__name__} cannot be exported to ONNX: "
            + estimator._onnx_unsupported_reason()
        )
    method = methods[0] if method is None else method
    if method not in methods:
        raise ValueError(
            f"method={method!r} cannot be exported from {type(estimator).__name__}; "
            f"choose one of {list(methods)}."
        )
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"ONNX export needs the optional packages onnx and onnxscript ({error.name} is "
            "missing): pip install 'sklearn-ae[onnx]'."
        ) from None
    graph, fn, n_inputs = estimator._onnx_graph(method)
    wrapper = _Method(graph, fn).eval()
    example = torch.zeros(2, n_inputs, dtype=torch.float32)
    batch = torch.export.Dim("n_samples", min=1)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            wrapper,
            (example,),
            dynamo=True,
            input_names=["X"],
            output_names=[method],
            dynamic_shapes=({0: batch},),
            opset_version=OPSET,
            verbose=False,
        )
    model = program.model_proto
    model.doc_string = f"sklearn_ae {type(estimator).__name__}.{method}"
    if path is not None:
        import onnx

        onnx.save(model, os.fspath(path))
    return model
