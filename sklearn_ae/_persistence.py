"""Saving and loading fitted estimators without pickle.

A saved model is one `safetensors <https://huggingface.co/docs/safetensors>`_
file: every array and tensor of the fitted estimator (network weights,
scaling statistics, score statistics) is a named tensor, and the header's
``__metadata__`` holds, as JSON, the library and format versions, the
estimator's class and hyper-parameters, and the rest of its fitted state.

Loading parses JSON and reads raw little-endian buffers with NumPy: no
pickle runs, and only the types named in :data:`TRUSTED_TYPES` can be
rebuilt (a file naming anything else is refused). The reader and writer are
implemented here, so the ``safetensors`` package is not needed; when it is
installed, it reads our files too.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import math
import os
import struct

import numpy as np
import pandas as pd
import torch
from skorch.history import History

#: Bumped whenever a file written by this version cannot be read by an older
#: reader, or the layout below changes incompatibly.
FORMAT_VERSION = 1
FORMAT_NAME = "sklearn_ae"

#: The classes a model file may name: the public estimators and the fitted
#: pieces they hold. Nothing else is ever imported or instantiated by :func:`load`.
TRUSTED_TYPES = frozenset(
    {
        "sklearn_ae._autoencoder.AutoencoderTransformer",
        "sklearn_ae._denoising.DenoisingAE",
        "sklearn_ae._imputer.AEImputer",
        "sklearn_ae._outlier.AEOutlierDetector",
        "sklearn_ae._vae.VAEGenerator",
        "sklearn_ae._scaling.StableScaler",
        "sklearn_ae._tabular.TableCodec",
        "sklearn_ae._tabular.ColumnSpec",
        "sklearn_ae._net.Corruption",
        "sklearn.preprocessing._data.MinMaxScaler",
        "sklearn.preprocessing._data.QuantileTransformer",
        "sklearn_ae.modules.ConvAutoencoder",
    }
)

# safetensors dtype names <-> NumPy dtypes (little-endian)
_DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "u1",
    "BOOL": "?",
}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


# --------------------------------------------------------------- safetensors
def write_safetensors(path, arrays: dict, metadata: dict) -> None:
    """Write NumPy arrays and string metadata in the safetensors layout."""
    header, chunks, offset = {}, [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
        array = array.astype(dtype, copy=False)
        data = array.tobytes()
        header[name] = {
            "dtype": _NAMES[dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # the format pads the header to 8 bytes
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(blob)))
        fh.write(blob)
        for data in chunks:
            fh.write(data)


def read_safetensors(path) -> tuple[dict, dict]:
    """``(arrays, metadata)`` from a safetensors file, checking its layout."""
    with open(path, "rb") as fh:
        raw = fh.read()
    where = f"{os.fspath(path)!r} is not a sklearn_ae model file"
    if len(raw) < 8:
        raise ValueError(f"{where}: it is too short.")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > len(raw) - 8:
        raise ValueError(f"{where}: its header is truncated.")
    try:
        header = json.loads(raw[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{where}: its header is not JSON.") from None
    if not isinstance(header, dict):
        raise ValueError(f"{where}: its header is not a JSON object.")
    metadata = header.pop("__metadata__", None) or {}
    buffer = memoryview(raw)[8 + size :]
    arrays = {}
    for name, info in header.items():
        try:
            dtype = np.dtype(_DTYPES[info["dtype"]])
            start, stop = (int(v) for v in info["data_offsets"])
            shape = tuple(int(v) for v in info["shape"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{where}: tensor {name!r} is malformed.") from None
        if not 0 <= start <= stop <= len(buffer) or stop - start != dtype.itemsize * math.prod(
            shape
        ):
            raise ValueError(f"{where}: tensor {name!r} does not fit its data.")
        arrays[name] = np.frombuffer(buffer[start:stop], dtype=dtype).reshape(shape).copy()
    return arrays, metadata


# ------------------------------------------------------------------ encoding
def _type_name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class _Encoder:
    """Turn a fitted estimator's state into JSON plus named arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, value: np.ndarray, path: str) -> dict:
        self.arrays[path] = value
        return {"__array__": path}

    def __call__(self, obj, path: str):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int) and not isinstance(obj, np.generic):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, np.generic):
            return {"__scalar__": obj.dtype.str, "value": self(obj.item(), path)}
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind in "biuf" and obj.dtype.newbyteorder("<") in _NAMES:
                return self.array(obj, path)
            return {
                "__values__": [self(v, path) for v in obj.ravel().tolist()],
                "dtype": obj.dtype.str,
                "shape": list(obj.shape),
            }
        if isinstance(obj, torch.Tensor):
            value = obj.detach().cpu()
            if value.dtype == torch.bfloat16:
                value = value.float()
            return {"__tensor__": self.array(value.numpy(), path)["__array__"]}
        if isinstance(obj, (list, History)):
            return [self(v, f"{path}.{i}") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"__tuple__": [self(v, f"{path}.{i}") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            return {"__dict__": [[self(k, path), self(v, f"{path}.{k}")] for k, v in obj.items()]}
        if isinstance(obj, np.dtype):
            return {"__dtype__": obj.str}
        if isinstance(obj, pd.CategoricalDtype):
            return {
                "__categorical__": self(list(obj.categories), path),
                "ordered": bool(obj.ordered),
            }
        if isinstance(obj, pd.api.extensions.ExtensionDtype):
            return {"__pandas_dtype__": str(obj)}
        if isinstance(obj, torch.device):
            return {"__device__": str(obj)}
        if isinstance(obj, np.random.RandomState):
            return {"__random_state__": self(obj.get_state(), path)}
        name = _type_name(type(obj))
        if isinstance(obj, torch.nn.Module):  # the ``module`` parameter
            if not callable(getattr(obj, "get_params", None)):
                raise TypeError(
                    f"Cannot save {path!r}: the module {name} has no get_params, so the "
                    "safe format cannot rebuild it from its arguments. Inherit "
                    "sklearn_ae.modules.ModuleParams, or use pickle for this model."
                )
            return {"__module__": name, "params": self(obj.get_params(), path)}
        if name in TRUSTED_TYPES:
            if dataclasses.is_dataclass(obj):
                state = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
            else:
                state = obj.__getstate__()
            return {"__object__": name, "state": self(state, path)}
        raise TypeError(
            f"Cannot save {path!r}: objects of type {name} are not supported by "
            "sklearn_ae's model format. Use pickle (or joblib) for this model."
        )


class _Decoder:
    """The inverse of :class:`_Encoder`: only trusted types are rebuilt."""

    def __init__(self, arrays: dict, trusted=frozenset()) -> None:
        self.arrays = arrays
        self.trusted = frozenset(trusted)

    def __call__(self, obj):
        if not isinstance(obj, (dict, list)):
            return obj
        if isinstance(obj, list):
            return [self(v) for v in obj]
        if "__array__" in obj:
            return self.arrays[obj["__array__"]]
        if "__tensor__" in obj:
            return torch.from_numpy(self.arrays[obj["__tensor__"]])
        if "__float__" in obj:
            return float(obj["__float__"])
        if "__scalar__" in obj:
            return np.dtype(obj["__scalar__"]).type(self(obj["value"]))
        if "__values__" in obj:
            values = [self(v) for v in obj["__values__"]]
            out = np.empty(len(values), dtype=np.dtype(obj["dtype"]))
            out[:] = values
            return out.reshape(obj["shape"])
        if "__tuple__" in obj:
            return tuple(self(v) for v in obj["__tuple__"])
        if "__dict__" in obj:
            return {self(k): self(v) for k, v in obj["__dict__"]}
        if "__dtype__" in obj:
            return np.dtype(obj["__dtype__"])
        if "__categorical__" in obj:
            return pd.CategoricalDtype(self(obj["__categorical__"]), ordered=obj["ordered"])
        if "__pandas_dtype__" in obj:
            return pd.api.types.pandas_dtype(obj["__pandas_dtype__"])
        if "__device__" in obj:
            return torch.device(obj["__device__"])
        if "__random_state__" in obj:
            rng = np.random.RandomState()
            rng.set_state(self(obj["__random_state__"]))
            return rng
        if "__module__" in obj:
            cls = _trusted_class(obj["__module__"], self.trusted)
            return cls(**self(obj["params"]))
        if "__object__" in obj:
            cls = _trusted_class(obj["__object__"])
            state = self(obj["state"])
            if dataclasses.is_dataclass(cls):
                return cls(**state)
            instance = cls.__new__(cls)
            if "__setstate__" in vars(cls):  # a class's own compact state (TableCodec)
                instance.__setstate__(state)
            else:
                instance.__dict__.update(state)
            return instance
        raise ValueError(f"Unknown entry in the model file: {sorted(obj)}.")


def _trusted_class(name: str, extra=frozenset()) -> type:
    if name not in TRUSTED_TYPES and name not in extra:
        raise ValueError(
            f"The model file names the type {name!r}, which sklearn_ae does not trust "
            "to load; only its own estimators and their fitted parts can be loaded, "
            "and the modules named in load(..., trusted=[...])."
        )
    module, _, qualname = name.rpartition(".")
    return getattr(importlib.import_module(module), qualname)


# --------------------------------------------------------------- save / load
def _library_version() -> str:
    from . import __version__

    return __version__


def _optimizer_state(net) -> dict:
    """The optimizer's state with the last fit's learning-rate drops undone.

    A warm refit starts from the rate the drops started from (see
    ``PlateauStopping``); the loaded stopper no longer knows of the drops,
    so the saved rates must not hold them.
    """
    state = net.optimizer_.state_dict()
    scale = getattr(dict(net.callbacks_).get("stopping"), "lr_scale_", 1.0)
    for group in state["param_groups"]:
        group["lr"] = group["lr"] / scale
    return state


def save(estimator, path) -> None:
    """Save a fitted sklearn_ae estimator to ``path`` without pickle.

    See :meth:`BaseAutoencoder.save <sklearn_ae.AutoencoderTransformer.save>`.
    """
    from sklearn.utils.validation import check_is_fitted

    from ._base import epoch_history

    check_is_fitted(estimator)
    name = _type_name(type(estimator))
    if name not in TRUSTED_TYPES:
        raise TypeError(
            f"{type(estimator).__name__} is not one of sklearn_ae's estimators: the safe "
            "format holds only those. Use pickle (or joblib) for subclasses."
        )
    encode = _Encoder()
    params = estimator.get_params(deep=False)
    if params.get("accelerator") is not None:
        # a training-time device arrangement, not part of the model: the file
        # loads as a plain estimator (set accelerator again to train on)
        params["accelerator"] = None
    fitted = {k: v for k, v in vars(estimator).items() if k not in params and k != "net_"}
    net = estimator.net_
    network = {
        "module": {k: encode(v, f"net_.module_.{k}") for k, v in net.module_.state_dict().items()},
        "corruption": encode(net.corruption, "net_.corruption"),
        "history": encode(epoch_history(net), "net_.history"),
        # Adam's moments only matter to a warm_start refit
        "optimizer": (
            encode(_optimizer_state(net), "net_.optimizer_") if estimator.warm_start else None
        ),
    }
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "sklearn_ae_version": _library_version(),
        "estimator": name,
        "params": json.dumps(encode(params, "params")),
        "fitted": json.dumps(encode(fitted, "fitted")),
        "network": json.dumps(network),
    }
    write_safetensors(path, encode.arrays, metadata)


def load(path, *, device=None, trusted=()):
    """Load an estimator saved with ``save``, running no pickle.

    Parameters
    ----------
    path : str or path-like
        A file written by an estimator's :meth:`save` method.
    device : str or None, default=None
        Where to put the network: None keeps the device it was fitted on when
        that device exists here, and falls back to the CPU otherwise (a model
        trained on CUDA loads on a machine without a GPU).
    trusted : sequence of str, default=()
        Your own network classes the file may name, as ``"package.module.Class"``
        (for estimators fitted with ``module=``): they are imported and
        rebuilt from their saved arguments. sklearn_ae's own modules are
        always trusted.

    Returns
    -------
    estimator : estimator
        The fitted estimator, giving the same outputs as the one saved.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import load_wine
    >>> from sklearn_ae import AutoencoderTransformer, load
    >>> X = load_wine().data
    >>> ae = AutoencoderTransformer(max_iter=5, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "ae.safetensors")
    >>> ae.save(path)
    >>> same = load(path)
    >>> bool((same.transform(X) == ae.transform(X)).all())
    True
    """
    from ._base import resolve_device

    arrays, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT_NAME:
        raise ValueError(f"{os.fspath(path)!r} is a safetensors file but not a sklearn_ae model.")
    written_by = metadata.get("sklearn_ae_version", "an unknown version")
    try:
        version = int(metadata.get("format_version", ""))
    except ValueError:
        version = -1
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{os.fspath(path)!r} was written by sklearn_ae {written_by} in model format "
            f"{metadata.get('format_version')!r}; this sklearn_ae ({_library_version()}) "
            f"reads format {FORMAT_VERSION} only. Load it with the version that wrote it."
        )
    decode = _Decoder(arrays, trusted)
    try:
        cls = _trusted_class(metadata["estimator"])
        params = decode(json.loads(metadata["params"]))
        fitted = decode(json.loads(metadata["fitted"]))
        network = json.loads(metadata["network"])
    except (KeyError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{os.fspath(path)!r} is an incomplete sklearn_ae model: {error}"
        ) from None
    accepted = set(inspect.signature(cls).parameters)
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ValueError(
            f"{os.fspath(path)!r} was written by sklearn_ae {written_by} with parameters "
            f"{unknown} that {cls.__name__} of sklearn_ae {_library_version()} does not "
            "have: load it with the version that wrote it."
        )
    estimator = cls(**params)
    vars(estimator).update(fitted)
    if device is None:
        saved = fitted.get("device_", "cpu")
        try:
            device = resolve_device(saved)
        except ValueError:  # e.g. trained on CUDA, loaded without it
            device = torch.device("cpu")
    else:
        device = resolve_device(device)
    estimator._restore_net(
        device,
        module_state={k: decode(v) for k, v in network["module"].items()},
        corruption=decode(network["corruption"]),
        history=decode(network["history"]),
        optimizer_state=decode(network["optimizer"]),
    )
    return estimator
