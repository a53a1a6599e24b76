"""
Training curves and early stopping
==================================

Every estimator records its training loss per epoch in ``loss_curve_``. With
``early_stopping=True`` a share of the rows is held out, their loss is
monitored (``validation_scores_`` is its negative) and the weights of the best
epoch are restored once it stops improving.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sklearn_ae import AutoencoderTransformer

X = load_digits().data
ae = AutoencoderTransformer(
    n_components=8,
    hidden_layer_sizes=(256, 128),
    max_iter=300,
    early_stopping=True,
    n_iter_no_change=10,
    random_state=0,
).fit(X)
valid = -np.array(ae.validation_scores_)
best = int(np.argmin(valid))
print(f"stopped after {ae.n_iter_} epochs; best validation loss at epoch {best + 1}")

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(np.arange(1, ae.n_iter_ + 1), ae.loss_curve_, label="training loss")
ax.plot(np.arange(1, ae.n_iter_ + 1), valid, label="validation loss")
ax.axvline(best + 1, color="k", ls="--", label="weights restored from here")
ax.set_xlabel("epoch")
ax.set_ylabel("huber loss (standardized units)")
ax.set_yscale("log")
ax.legend()
plt.show()
