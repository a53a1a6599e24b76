"""
Training curves and early stopping
==================================

Every estimator records its training loss per epoch in ``loss_curve_``. With
``early_stopping=True`` a share of the rows is held out, their loss is
monitored (``validation_scores_`` is its negative), training stops once it
has not improved by ``tol`` for ``n_iter_no_change`` epochs, and the weights
of the best epoch are restored.

A wide network on 300 digits shows it: the training loss keeps falling while
the held-out loss levels off, so the fit stops well before ``max_iter`` and
goes back to the epoch the held-out rows liked best.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sklearn_ae import AutoencoderTransformer

X = load_digits().data[:300]
ae = AutoencoderTransformer(
    n_components=32,
    hidden_layer_sizes=(512, 256),
    max_iter=500,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=10,
    random_state=0,
).fit(X)
valid = -np.array(ae.validation_scores_)
# the epoch whose weights were restored: skorch's EarlyStopping callback says
restored = dict(ae.net_.callbacks_)["stopping"].best_epoch_
print(
    f"stopped after {ae.n_iter_} of at most 500 epochs; "
    f"weights restored from epoch {restored} (training loss there: {ae.best_loss_:.4f})"
)

epochs = np.arange(1, ae.n_iter_ + 1)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(epochs, ae.loss_curve_, label="training loss")
ax.plot(epochs, valid, label="held-out loss")
ax.axvline(restored, color="k", ls="--", label=f"weights restored (epoch {restored})")
ax.axvline(ae.n_iter_, color="grey", ls=":", label=f"stopped (epoch {ae.n_iter_})")
ax.set_xlabel("epoch")
ax.set_ylabel("huber loss (standardized units)")
ax.set_yscale("log")
ax.set_title("AutoencoderTransformer on 300 digits")
ax.legend()
plt.show()
